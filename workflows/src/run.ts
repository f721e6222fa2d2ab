import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  defineSignal,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  TimeoutFailure,
} from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import type { createRunActivities } from '@qatron/activities';
import type { FinalRunStatus, RunStatus, ShardOutcome } from '@qatron/domain/status';
import { CONTROL_TASK_QUEUE, SHARDS_TASK_QUEUE } from '@qatron/domain/task-queues';
import {
  RUN_PROGRESS_QUERY,
  SHARD_PROGRESS_SIGNAL,
  type RunConclusion,
  type RunProgressView,
  type RunWorkflowInput,
  type ShardProgressSignal,
  type ShardProgressView,
} from './run-contract.js';
import { startRetention } from './retention.js';

type RunActivities = ReturnType<typeof createRunActivities>;

export const progressQuery = defineQuery<RunProgressView>(RUN_PROGRESS_QUERY);
export const shardProgressSignal = defineSignal<[ShardProgressSignal]>(SHARD_PROGRESS_SIGNAL);

/** Error types an activity raises for problems that a retry cannot fix. */
export const NON_RETRYABLE = ['EnvironmentSetupError', 'CollectionError', 'SecretNotFoundError', 'ShardExecutionError', 'RunNotFound', 'InvalidTransition'];

/**
 * One run (DESIGN "A run, step by step"): queued → provisioning (checkout, environment, plan) →
 * running (N shards in parallel on `qatron-shards`, racing the suite timeout) → reporting → the
 * verdict by the PRD 9.2 rules. Cancelling the workflow cancels the shards and ends `cancelled`.
 * Deterministic: all I/O is in activities; time is Temporal's.
 */
export async function runWorkflow(input: RunWorkflowInput): Promise<FinalRunStatus> {
  const control = proxyActivities<RunActivities>({
    taskQueue: CONTROL_TASK_QUEUE,
    startToCloseTimeout: '2 minutes',
    retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE },
  });
  const execution = proxyActivities<RunActivities>({
    taskQueue: SHARDS_TASK_QUEUE,
    scheduleToStartTimeout: `${input.scheduleToStartSeconds} seconds`,
    startToCloseTimeout: `${input.timeoutSeconds + 600} seconds`,
    heartbeatTimeout: `${input.heartbeatTimeoutSeconds} seconds`,
    // Wait for a cancelled shard to kill its processes before the run is declared over.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { maximumAttempts: input.shardAttempts, initialInterval: '1 second', nonRetryableErrorTypes: NON_RETRYABLE },
  });

  let status: RunStatus = 'queued';
  let shards: ShardProgressView[] = [];
  setHandler(progressQuery, () => ({ status, shards }));
  setHandler(shardProgressSignal, (update) => {
    const shard = shards[update.index];
    if (!shard || (shard.status !== 'pending' && shard.status !== 'running')) return;
    Object.assign(shard, { ...update, status: 'running', reason: null });
  });

  const move = async (next: RunStatus) => {
    await control.markRunStatus({ runId: input.runId, status: next });
    status = next;
  };
  const conclude = async (conclusion: Omit<RunConclusion, 'runId'>): Promise<FinalRunStatus> => {
    // The verdict must be written even when the workflow itself is being cancelled.
    const final = await CancellationScope.nonCancellable(async () => {
      const verdict = await control.finalizeRun({ runId: input.runId, ...conclusion });
      // PRD 13.1: the run's retention timer, a workflow of its own that outlives this one.
      await startRetention(input.runId);
      return verdict;
    });
    status = final;
    return final;
  };

  try {
    await move('provisioning');
    let prepared;
    try {
      prepared = await execution.prepareRun({ runId: input.runId });
    } catch (err) {
      if (isCancellation(err)) throw err;
      return await conclude({ shards: [], forcedStatus: 'infra_failed', reason: `Provisioning failed: ${failureMessage(err)}`, coveragePercent: null });
    }
    if (prepared.shardCount === 0) {
      return await conclude({ shards: [], forcedStatus: 'completed', reason: 'The suite selected no tests', coveragePercent: null });
    }
    shards = Array.from({ length: prepared.shardCount }, (_, index) => emptyShard(index));
    await move('running');

    // The shards race the suite timeout; when it fires, the shards still running are cancelled
    // (their processes killed) and finished shards keep their results.
    let timedOut = false;
    const shardScope = new CancellationScope();
    const outcomes = Promise.all(
      shards.map((shard) =>
        shardScope
          .run(() => execution.executeShard({ runId: input.runId, shardIndex: shard.index, commit: prepared.commit }))
          .then(
            (summary): RunConclusion['shards'][number] => {
              Object.assign(shard, {
                status: summary.outcome,
                total: summary.tests,
                done: summary.tests,
                passed: summary.passed,
                failed: summary.failed,
                skipped: summary.skipped,
                elapsedSeconds: summary.durationSeconds,
                attempt: summary.attempt,
                worker: summary.worker,
              });
              return { index: shard.index, outcome: summary.outcome, summary, reason: null };
            },
            (err: unknown): RunConclusion['shards'][number] => {
              // Once the shards were told to stop, however a shard then ends is the stop's doing.
              const stopped = isCancellation(err) || shardScope.consideredCancelled;
              const outcome: ShardOutcome = stopped ? (timedOut ? 'timed_out' : 'cancelled') : 'infra_failed';
              const reason = outcome === 'timed_out' ? `Suite timeout of ${input.timeoutSeconds} s reached` : failureMessage(err);
              Object.assign(shard, { status: outcome, reason });
              return { index: shard.index, outcome, summary: null, reason };
            },
          ),
      ),
    );
    const timerScope = new CancellationScope();
    void timerScope.run(() => sleep(input.timeoutSeconds * 1000)).then(
      () => {
        timedOut = true;
        shardScope.cancel();
      },
      () => undefined, // the timer was cancelled because every shard finished first
    );
    const finished = await outcomes;
    timerScope.cancel();

    await move('reporting');
    let coveragePercent: number | null = null;
    if (finished.some((s) => s.summary)) {
      try {
        coveragePercent = (await execution.reportRun({ runId: input.runId })).coveragePercent;
      } catch (err) {
        // Reporting is optional for the verdict (NFR-AVAIL-02): the run keeps its counts and status.
        if (isCancellation(err)) throw err;
      }
    }
    return await conclude({ shards: finished, forcedStatus: null, reason: timedOut ? `Suite timeout of ${input.timeoutSeconds} s reached` : null, coveragePercent });
  } catch (err) {
    if (isCancellation(err)) {
      for (const shard of shards) if (shard.status === 'pending' || shard.status === 'running') shard.status = 'cancelled';
      await conclude({
        shards: shards.map((s) => ({ index: s.index, outcome: (s.status === 'pending' || s.status === 'running' ? 'cancelled' : s.status) as ShardOutcome, summary: null, reason: s.reason })),
        forcedStatus: 'cancelled',
        reason: 'Cancelled',
        coveragePercent: null,
      });
      throw err;
    }
    throw err;
  }
}

function emptyShard(index: number): ShardProgressView {
  return { index, status: 'pending', total: 0, done: 0, passed: 0, failed: 0, skipped: 0, elapsedSeconds: 0, attempt: 0, worker: null, reason: null };
}

/** The innermost message of an activity failure, for the run's status reason. */
export function failureMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  if (current instanceof TimeoutFailure) {
    return current.timeoutType === TimeoutType.SCHEDULE_TO_START
      ? 'No worker picked up the work in time (is a worker polling qatron-shards?)'
      : `Timed out (${current.timeoutType})`;
  }
  if (current instanceof ApplicationFailure) return current.message;
  return current instanceof Error ? current.message : String(current);
}
