import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Quarantine, Run, TestResult, type OutcomeCounts, type RunConclusion, type ShardSummary, type TestOutcome } from '@qatron/domain';
import { connectDatabase, type MikroORM } from '@qatron/domain/db';
import { buildOrganization, buildProject, buildRun } from '@qatron/domain/testing';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { createFinalizeActivities } from './finalize.js';

/**
 * The verdict with quarantined tests (issue 15 item 2): the real finalize activity on real
 * test_results and quarantines rows, as shard.ts and the API write them.
 */
let orm: MikroORM;
let drop: () => Promise<void>;
let finalize: ReturnType<typeof createFinalizeActivities>;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url, { pool: { min: 0, max: 4 } });
  finalize = createFinalizeActivities({ em: () => orm.em.fork() });
});
afterAll(async () => {
  await orm.close(true);
  await drop();
});

const em = () => orm.em.fork();
const RUN_CREATED = new Date('2026-12-01T10:00:00.000Z');
const at = (minutes: number) => new Date(RUN_CREATED.getTime() + minutes * 60_000);
const FLAKY = 'tests/test_checkout.py::test_payment_timeout';
const BROKEN = 'tests/test_cart.py::test_add_item[2-3]';

/** A running run created at RUN_CREATED whose shards recorded `results` (node id → outcome), as shard.ts writes them. */
async function runWith(shards: Array<Record<string, TestOutcome>>): Promise<Run> {
  const fork = em();
  const project = await buildProject(fork, { organization: await buildOrganization(fork) });
  const run = await buildRun(fork, { project, status: 'running', createdAt: RUN_CREATED });
  shards.forEach((results, shardIndex) => {
    for (const [nodeId, outcome] of Object.entries(results)) fork.persist(new TestResult(run, shardIndex, nodeId, nodeId.split('::')[0]!, outcome, 0.25));
  });
  await fork.flush();
  return run;
}

async function quarantine(run: Run, nodeId: string, times: { createdAt?: Date; expiresAt?: Date | null; liftedAt?: Date | null; project?: number } = {}): Promise<Quarantine> {
  const fork = em();
  const q = new Quarantine(run.organization, times.project ?? run.project, nodeId, 'times out on the payment sandbox', '@team-checkout', { userId: null, name: 'admin' });
  q.createdAt = times.createdAt ?? at(-60);
  q.expiresAt = times.expiresAt ?? null;
  if (times.liftedAt) Object.assign(q, { liftedAt: times.liftedAt, liftedByName: 'admin', liftReason: 'lifted' });
  await fork.persist(q).flush();
  return q;
}

function summaryOf(index: number, results: Record<string, TestOutcome>): ShardSummary {
  const counts: OutcomeCounts = { passed: 0, failed: 0, error: 0, skipped: 0, xfailed: 0, xpassed: 0 };
  for (const outcome of Object.values(results)) counts[outcome] += 1;
  const failing = counts.failed + counts.error > 0;
  const tests = Object.keys(results).length;
  return { index, outcome: failing ? 'failed' : 'passed', tests, expected: tests, files: [], reason: null, counts, flaky: 0, durationSeconds: 1.5, attempt: 1, worker: 'worker-1' };
}

/** Finalizes the run as the workflow would after its shards reported `shards`. */
async function conclude(run: Run, shards: Array<Record<string, TestOutcome>>): Promise<Run> {
  const conclusion: RunConclusion = {
    runId: run.id,
    ending: { kind: 'shards', timedOutAfterSeconds: null },
    shards: shards.map((results, index) => {
      const summary = summaryOf(index, results);
      return { index, outcome: summary.outcome, summary, reason: null };
    }),
    plan: null,
    coverage: null,
  };
  await finalize.finalizeRun(conclusion);
  return em().findOneOrFail(Run, { id: run.id });
}

const oneFlakyFailure = [{ [FLAKY]: 'failed', 'tests/test_cart.py::test_total': 'passed', 'tests/test_cart.py::test_empty': 'passed' }] satisfies Array<Record<string, TestOutcome>>;

describe('finalizeRun with quarantined tests', () => {
  it("completes a run whose only failure is quarantined; the counts and the test's result stay true", async () => {
    const run = await runWith(oneFlakyFailure);
    await quarantine(run, FLAKY);
    const done = await conclude(run, oneFlakyFailure);
    expect(done).toMatchObject({ status: 'completed', statusReason: '1 failure in a quarantined test did not count', failedTests: 1, passedTests: 2, quarantinedFailures: 1 });
    expect(done.runMetadata.shards?.[0]).toMatchObject({ status: 'passed', failed: 1 });
    const result = await em().findOneOrFail(TestResult, { run: run.id, nodeId: FLAKY });
    expect(result.outcome).toBe('failed');
  });

  it('leaves out errors too, and still fails on a failure that is not quarantined', async () => {
    const shards: Array<Record<string, TestOutcome>> = [{ [FLAKY]: 'error', 'tests/test_a.py::test_ok': 'passed' }, { [BROKEN]: 'failed', 'tests/test_b.py::test_ok': 'passed' }];
    const run = await runWith(shards);
    await quarantine(run, FLAKY);
    const done = await conclude(run, shards);
    expect(done).toMatchObject({ status: 'partial_failed', statusReason: '1 failure in a quarantined test did not count', errorTests: 1, failedTests: 1, quarantinedFailures: 1 });
  });

  it('judges by the quarantines active when the run was created, not when it finalizes', async () => {
    const cases: Array<{ times: Parameters<typeof quarantine>[2]; counted: boolean }> = [
      // Added while the run ran: it applies from the next run on.
      { times: { createdAt: at(5) }, counted: false },
      // Lifted while the run ran: it still applies to this run.
      { times: { liftedAt: at(5) }, counted: true },
      // Lifted before the run.
      { times: { liftedAt: at(-5) }, counted: false },
      // Expiring while the run ran: active at its start.
      { times: { expiresAt: at(5) }, counted: true },
      // Expired before the run but not yet lifted by the sweep: no longer active (the lazy check).
      { times: { expiresAt: at(-1) }, counted: false },
      // Another project's quarantine of the same node id.
      { times: { project: -1 }, counted: false },
    ];
    for (const { times, counted } of cases) {
      const run = await runWith(oneFlakyFailure);
      const project = times?.project === -1 ? (await buildProject(em(), { organization: run.organization })).id : undefined;
      await quarantine(run, FLAKY, { ...times, project });
      const done = await conclude(run, oneFlakyFailure);
      expect({ times, status: done.status, quarantinedFailures: done.quarantinedFailures }).toEqual({ times, status: counted ? 'completed' : 'failed', quarantinedFailures: counted ? 1 : 0 });
    }
  });

  it('keeps a green run green and silent', async () => {
    const shards: Array<Record<string, TestOutcome>> = [{ [FLAKY]: 'passed' }];
    const run = await runWith(shards);
    await quarantine(run, FLAKY);
    expect(await conclude(run, shards)).toMatchObject({ status: 'completed', statusReason: null, quarantinedFailures: 0 });
  });
});
