/**
 * The verdict (DESIGN "A run, step by step", step 4; PRD 9.2, 12.4): counts summed over shards
 * (pytest's six categories), duration = the longest shard, the status and reason by the one rule
 * in domain (`decideVerdict`), shard and plan metadata as PRD 12.2 describes them.
 */
import { addCounts, decideVerdict, effectiveShardOutcome, emptyCounts, isDatabaseUnavailable, isFinalStatus, Run, Suite, type FinalRunStatus, type QuarantinedReports, type RunActivities, type RunConclusion, type RunEnding, type ShardRecord, type ShardSummary } from '@qatron/domain';
import { quarantinedFailuresByShard } from '@qatron/domain/quarantine/active';
import type { RunContext } from './context.js';
import { notifyRunEnded } from '../notifications/start.js';
import type { RunMetricsRecorder } from '../deps.js';
import { recordTestHealth, testHealthPolicy } from './test-health.js';

export function createFinalizeActivities({ em, deps }: Pick<RunContext, 'em'> & { deps?: Pick<RunContext['deps'], 'testHealthWindow' | 'runMetrics'> & Partial<Pick<RunContext['deps'], 'temporal'>> }) {
  return {
    /** Writes the verdict once; a run already final (cancelled through the API) keeps its status. */
    async finalizeRun(conclusion: RunConclusion): Promise<FinalRunStatus> {
      let firstVerdict = false;
      const finalStatus = await em().transactional(async (tx) => {
        const run = await tx.findOneOrFail(Run, { id: conclusion.runId }, { lockMode: 4 });
        const suite = await tx.findOneOrFail(Suite, { id: run.suite });
        // Quarantines as they stood when the run was created: one added or lifted while it runs
        // cannot make the verdict depend on when finalizing happens (issue 15 item 2).
        const quarantined = await quarantinedFailuresByShard(tx, run, run.createdAt);
        const verdict = decideVerdict(
          toRunEnding(conclusion, quarantined),
          { allowEmpty: suite.allowEmpty },
          { threshold: suite.coverage ? suite.coverageThreshold : null, percent: conclusion.coverage?.percent ?? null, missing: conclusion.coverage?.error ?? null },
        );
        const status: FinalRunStatus = isFinalStatus(run.status) ? run.status : verdict.status;
        run.status = status;
        run.completedAt ??= new Date();
        run.statusReason = run.statusReason ?? verdict.reason;
        // The shards' records are written here only: without them this is the run's first verdict, not a retry.
        firstVerdict = run.runMetadata.shards === undefined;
        recordCounts(run, conclusion, quarantined);
        return status;
      });
      // After the verdict is committed, in its own transaction: the run's results join its tests' health windows.
      await recordHealthOf(conclusion.runId, () => recordTestHealth(em(), conclusion.runId, testHealthPolicy(deps?.testHealthWindow)));
      if (firstVerdict && deps?.runMetrics) await recordMetricsOf(conclusion.runId, deps.runMetrics);
      // The verdict is written: the project's notification channels hear of it (issue 17 item 3).
      if (deps?.temporal) await notifyRunEnded(deps.temporal, conclusion.runId);
      return finalStatus;
    },
  } satisfies Pick<RunActivities, 'finalizeRun'>;
}

/**
 * Test health is bookkeeping beside the verdict: a database that is away is waited out (the
 * activity is retried, and recording is idempotent per run), but any other failure is logged and
 * must not keep a run whose verdict is already written from ending.
 */
async function recordHealthOf(runId: number, record: () => Promise<unknown>): Promise<void> {
  try {
    await record();
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw err;
    console.warn(`test health of run ${runId} was not recorded: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Metrics are bookkeeping too: a run ends whether or not they could be recorded (issue 17 item 1). */
async function recordMetricsOf(runId: number, runMetrics: RunMetricsRecorder): Promise<void> {
  await runMetrics.runFinished(runId).catch((err: unknown) => console.warn(`metrics of run ${runId} were not recorded: ${err instanceof Error ? err.message : String(err)}`));
}

/** The run's counts, duration, plan and shard metadata (PRD 12.2) from the shards that finished. */
function recordCounts(run: Run, conclusion: RunConclusion, quarantined: Map<number, QuarantinedReports>): void {
  const summaries = conclusion.shards.map((s) => s.summary).filter((s): s is ShardSummary => s !== null);
  const counts = addCounts(...summaries.map((s) => s.counts));
  run.passedTests = counts.passed;
  run.failedTests = counts.failed;
  run.errorTests = counts.error;
  run.skippedTests = counts.skipped;
  run.xfailedTests = counts.xfailed;
  run.xpassedTests = counts.xpassed;
  run.flakyTests = summaries.reduce((n, s) => n + s.flaky, 0);
  run.quarantinedFailures = [...quarantined.values()].reduce((n, q) => n + q.failed + q.error, 0);
  const executed = summaries.reduce((n, s) => n + s.tests, 0);
  run.totalTests = Math.max(conclusion.plan?.totalTests ?? 0, executed);
  run.durationSeconds = summaries.length ? Math.max(...summaries.map((s) => s.durationSeconds)) : 0;
  run.runMetadata = {
    ...run.runMetadata,
    ...(conclusion.plan ? { plan: { basis: conclusion.plan.basis, total_tests: conclusion.plan.totalTests, total_files: conclusion.plan.totalFiles, work: 'pulled' } } : {}),
    shard_count: conclusion.shards.length,
    shards: conclusion.shards.map((s): ShardRecord => {
      const effective = effectiveShardOutcome(toShardEnding(s, quarantined));
      return {
        shard_id: s.index,
        status: effective.outcome,
        tests: s.summary?.tests ?? 0,
        ...(s.summary?.counts ?? emptyCounts()),
        flaky: s.summary?.flaky ?? 0,
        duration: s.summary?.durationSeconds ?? null,
        attempt: s.summary?.attempt ?? null,
        worker: s.summary?.worker ?? null,
        files: s.summary?.files ?? [],
        reason: effective.reason,
      };
    }),
  };
}

function toShardEnding(s: RunConclusion['shards'][number], quarantined: Map<number, QuarantinedReports>) {
  return { index: s.index, outcome: s.outcome, counts: s.summary?.counts ?? null, expected: s.summary?.expected ?? 0, reason: s.reason, quarantined: quarantined.get(s.index) };
}

/** The domain's view of how the run ended, from the workflow's report of it. */
function toRunEnding(conclusion: RunConclusion, quarantined: Map<number, QuarantinedReports>): RunEnding {
  const shards = conclusion.shards.map((s) => toShardEnding(s, quarantined));
  switch (conclusion.ending.kind) {
    case 'cancelled':
      return { kind: 'cancelled', shards };
    case 'shards':
      return { kind: 'shards', shards, timeoutSeconds: conclusion.ending.timedOutAfterSeconds };
    default:
      return conclusion.ending;
  }
}
