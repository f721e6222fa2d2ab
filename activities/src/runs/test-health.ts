/**
 * Per-test health, kept up to date as runs finalize (issue 15 item 1): the finalized run's results
 * are appended to the windows of its project + suite + environment's `test_health` rows and each
 * row is re-assessed from its own window (domain/test-health/classify.ts). No rescan of
 * test_results: the cost is one read of the series' rows and one write per test of the run.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Run, TestHealth, TestResult } from '@qatron/domain';
import { DEFAULT_TEST_HEALTH_POLICY, type TestHealthPolicy } from '@qatron/domain/test-health/classify';
import { appendToWindow, healthVerdict, type WindowEntry } from '@qatron/domain/test-health/window';

/** The policy with the worker's configured window (TEST_HEALTH_WINDOW), the rules' thresholds as domain sets them. */
export function testHealthPolicy(window: number | undefined): TestHealthPolicy {
  return window === undefined ? DEFAULT_TEST_HEALTH_POLICY : { ...DEFAULT_TEST_HEALTH_POLICY, window };
}

/** Serialises health updates of one suite, so that two runs finalizing together both land. */
const TEST_HEALTH_LOCK_NAMESPACE = 0x7468;

/** The window entry of one result of `run`. */
export function windowEntryOf(run: Pick<Run, 'id' | 'commit' | 'completedAt' | 'createdAt'>, result: Pick<TestResult, 'outcome' | 'flaky' | 'durationSeconds'>): WindowEntry {
  return {
    run_id: run.id,
    outcome: result.outcome,
    commit: run.commit,
    retried: result.flaky,
    duration_seconds: Math.max(0, result.durationSeconds),
    at: (run.completedAt ?? run.createdAt).toISOString(),
  };
}

/**
 * Appends run `runId`'s results to its series' test health rows, creating rows for tests seen for
 * the first time. Idempotent: a run already in a window replaces its entry (finalizing may be
 * retried). Returns how many tests were updated.
 */
export async function recordTestHealth(em: EntityManager, runId: number, policy: TestHealthPolicy = DEFAULT_TEST_HEALTH_POLICY): Promise<number> {
  return em.transactional(async (tx) => {
    const run = await tx.findOneOrFail(Run, { id: runId });
    const results = await tx.find(TestResult, { run: run.id }, { fields: ['nodeId', 'outcome', 'flaky', 'durationSeconds'] });
    if (results.length === 0) return 0;
    await tx.execute('select pg_advisory_xact_lock(?, ?)', [TEST_HEALTH_LOCK_NAMESPACE, run.suite]);
    const series = { organization: run.organization, project: run.project, suite: run.suite, environment: run.environment };
    const rows = await tx.find(TestHealth, { project: run.project, suite: run.suite, environment: run.environment, nodeId: { $in: results.map((r) => r.nodeId) } });
    const byNode = new Map(rows.map((row) => [row.nodeId, row]));
    for (const result of results) {
      const entry = windowEntryOf(run, result);
      let row = byNode.get(result.nodeId);
      if (!row) {
        // A test that has only been skipped so far has no health to speak of yet.
        if (healthVerdict(result.outcome) === null) continue;
        row = new TestHealth(series, result.nodeId, new Date(entry.at));
        tx.persist(row);
      }
      row.assess(appendToWindow(row.window, [entry], policy.window), policy);
    }
    await tx.flush();
    return results.length;
  });
}
