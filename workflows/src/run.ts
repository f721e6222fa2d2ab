import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  TimeoutFailure,
} from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import {
  NON_RETRYABLE_ERRORS,
  nextFilesUpdate,
  progressQuery,
  shardCollectedUpdate,
  shardProgressSignal,
  type ActivityErrorType,
  type CoverageOutcome,
  type PreparedRun,
  type RunActivities,
  type RunEndingReport,
  type RunWorkflowInput,
  type ShardConclusion,
  type ShardProgressView,
} from '@qatron/domain/contract';
import { progressBuckets } from '@qatron/domain/runs/outcomes';
import { emptyWorkQueue, seedWorkQueue, takeWork, type WorkQueueState } from '@qatron/domain/runs/work-queue';
import type { FinalRunStatus, RunStatus, ShardOutcome } from '@qatron/domain/status';
import { CONTROL_TASK_QUEUE, SHARDS_TASK_QUEUE } from '@qatron/domain/task-queues';
import { startRetention } from './retention.js';

/**
 * The run's work queue behind the shards' updates (domain/runs/work-queue.ts): the first shard's
 * collection seeds it, every shard asks for files until none is left.
 */
function serveWorkQueue(shardCount: () => number, history: () => Record<string, number>): { state: () => WorkQueueState; close: () => void } {
  let queue = emptyWorkQueue();
  let closed = false;
  setHandler(shardCollectedUpdate, (report) => {
    queue = seedWorkQueue(queue, report.files, history());
  });
  setHandler(nextFilesUpdate, async (request) => {
    // A process reports its collection before it asks, so the queue is seeded by then; wait anyway.
    await condition(() => queue.files !== null || closed);
    if (closed) return [];
    const taken = takeWork(queue, request.shardIndex, request.attempt, shardCount());
    queue = taken.state;
    return taken.files;
  });
  return { state: () => queue, close: () => void (closed = true) };
}

/** The contract's one list of failures a retry cannot fix (the activities raise them non-retryable too). */
const NON_RETRYABLE = [...NON_RETRYABLE_ERRORS];

/**
 * One run (DESIGN "A run, step by step"): queued → provisioning (checkout, environment, plan) →
 * running (N shards in parallel on `qatron-shards`, racing the suite timeout) → the verdict, which
 * finalizeRun decides by the one rule in domain (`decideVerdict`) from what happened here. The
 * verdict does not wait for the report: only a suite with a coverage threshold passes through
 * `reporting` to combine coverage first; the Allure report and coverage HTML are attached after the
 * run is final (the run's `report_status`). Cancelling the workflow cancels the shards and ends
 * `cancelled`. Deterministic: all I/O is in activities; time is Temporal's.
 */
export async function runWorkflow(input: RunWorkflowInput): Promise<FinalRunStatus> {
  const state: RunState = { status: 'queued', shards: [], prepared: null };
  serveProgress(state);
  const work = serveWorkQueue(
    () => state.prepared?.shardCount ?? 1,
    () => state.prepared?.fileHistory ?? {},
  );
  const run: RunContext = { input, ...runActivities(input), state, work };
  try {
    const provisioned = await provision(run);
    if ('verdict' in provisioned) return provisioned.verdict;
    const { prepared } = provisioned;
    state.shards = Array.from({ length: prepared.shardCount }, (_, index) => emptyShard(index));
    await move(run, 'running');
    const { finished, timedOut } = await runShards(run.execution, input, state.shards, prepared.commit);
    return await concludeShards(run, prepared, finished, timedOut);
  } catch (err) {
    if (isCancellation(err)) await concludeCancelled(run);
    throw err;
  }
}

/** What the workflow knows of its run; the progress query answers from it. */
interface RunState {
  status: RunStatus;
  shards: ShardProgressView[];
  prepared: PreparedRun | null;
}

/** One run's input, activities, state and work queue, which each step below works with. */
interface RunContext {
  input: RunWorkflowInput;
  control: RunActivities;
  execution: RunActivities;
  state: RunState;
  work: ReturnType<typeof serveWorkQueue>;
}

/** The run's activities: short control work on qatron-control, long shard work on qatron-shards. */
function runActivities(input: RunWorkflowInput): { control: RunActivities; execution: RunActivities } {
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
  return { control, execution };
}

/** Answers the progress query from `state`, and keeps each running shard's view up to date from its signals. */
function serveProgress(state: RunState): void {
  setHandler(progressQuery, () => ({ status: state.status, shards: state.shards }));
  setHandler(shardProgressSignal, (update) => {
    const shard = state.shards[update.index];
    if (!shard || (shard.status !== 'pending' && shard.status !== 'running')) return;
    Object.assign(shard, { ...update, status: 'running', reason: null });
  });
}

/** Records the run's next status, then shows it in the progress query. */
async function move(run: RunContext, next: RunStatus): Promise<void> {
  await run.control.markRunStatus({ runId: run.input.runId, status: next });
  run.state.status = next;
}

/**
 * provisioning: checkout, environment and plan. A failure other than cancellation ends the run here,
 * with its verdict.
 */
async function provision(run: RunContext): Promise<{ prepared: PreparedRun } | { verdict: FinalRunStatus }> {
  await move(run, 'provisioning');
  try {
    run.state.prepared = await run.execution.prepareRun({ runId: run.input.runId });
    return { prepared: run.state.prepared };
  } catch (err) {
    if (isCancellation(err)) throw err;
    // A repository that cannot be collected is the repository's failure; anything else is ours.
    const type = failureType(err);
    const cause = type === ('CollectionError' satisfies ActivityErrorType) ? 'repository' : 'infrastructure';
    // "Selenium Grid <name> unavailable: …" says it all (issue 16 item 4).
    const reason = type === ('GridUnavailable' satisfies ActivityErrorType) ? failureMessage(err) : `Provisioning failed: ${failureMessage(err)}`;
    const verdict = await conclude(run, { kind: 'preparation_failed', cause, reason }, [], null);
    await finishReports(run.control, run.input.runId, 'skipped');
    return { verdict };
  }
}

/**
 * After the shards: nothing selected ends the run at once; otherwise coverage is combined when the
 * suite gates on it, the verdict is written, and the reports attach after it.
 */
async function concludeShards(run: RunContext, prepared: PreparedRun, finished: ShardConclusion[], timedOut: boolean): Promise<FinalRunStatus> {
  const { input, control, execution } = run;
  const queue = run.work.state();
  if (queue.files !== null && queue.totalFiles === 0) {
    // The shards collected the suite's selection and found nothing in it.
    const verdict = await conclude(run, { kind: 'nothing_selected' }, finished, null);
    await finishReports(control, input.runId, 'skipped');
    return verdict;
  }
  const anyResults = finished.some((s) => s.summary);
  const coverage = prepared.coverageGate && anyResults ? await combineCoverage(run) : null;
  const verdict = await conclude(run, { kind: 'shards', timedOutAfterSeconds: timedOut ? input.timeoutSeconds : null }, finished, coverage);
  if (!anyResults) {
    await finishReports(control, input.runId, 'skipped');
    return verdict;
  }
  // After the verdict: the Allure report and coverage HTML attach when ready (NFR-AVAIL-02: they never change it).
  await execution.attachRunReports({ runId: input.runId, coverage: coverage === null }).catch(async (err: unknown) => {
    if (isCancellation(err)) throw err;
    await control.markReportStatus({ runId: input.runId, status: 'failed', error: failureMessage(err) });
  });
  await startRetention(input.runId);
  return verdict;
}

/** reporting: the shards' coverage combined for the suite's threshold; a failure to combine is part of the outcome. */
async function combineCoverage(run: RunContext): Promise<CoverageOutcome> {
  await move(run, 'reporting');
  return run.execution.combineRunCoverage({ runId: run.input.runId }).catch((err: unknown) => {
    if (isCancellation(err)) throw err;
    return { percent: null, error: failureMessage(err) };
  });
}

/** Closes the work queue and writes the verdict, even while the workflow itself is being cancelled. */
async function conclude(run: RunContext, ending: RunEndingReport, finished: ShardConclusion[], coverage: CoverageOutcome | null): Promise<FinalRunStatus> {
  run.work.close();
  const queue = run.work.state();
  const plan = queue.files === null ? null : { basis: queue.basis ?? 'test_count', totalTests: queue.totalTests, totalFiles: queue.totalFiles };
  const status = await CancellationScope.nonCancellable(() => run.control.finalizeRun({ runId: run.input.runId, ending, shards: finished, coverage, plan }));
  run.state.status = status;
  return status;
}

/** The run was cancelled: the shards not yet ended count as cancelled, and the verdict and reports are settled. */
async function concludeCancelled(run: RunContext): Promise<void> {
  const { shards } = run.state;
  for (const shard of shards) if (shard.status === 'pending' || shard.status === 'running') shard.status = 'cancelled';
  await conclude(
    run,
    { kind: 'cancelled' },
    shards.map((s) => ({ index: s.index, outcome: (s.status === 'pending' || s.status === 'running' ? 'cancelled' : s.status) as ShardOutcome, summary: null, reason: s.reason })),
    null,
  );
  await CancellationScope.nonCancellable(() => finishReports(run.control, run.input.runId, 'skipped'));
}

/** Marks the run's reports as settled without generating any, and starts its retention timer. */
async function finishReports(control: RunActivities, runId: number, status: 'skipped'): Promise<void> {
  await control.markReportStatus({ runId, status, error: null });
  // PRD 13.1: the run's retention timer, a workflow of its own that outlives this one.
  await startRetention(runId);
}

/**
 * The shards, racing the suite timeout: when it fires, the shards still running are cancelled
 * (their processes killed) and finished shards keep their results. Updates each shard's progress
 * view as it ends.
 */
async function runShards(execution: RunActivities, input: RunWorkflowInput, shards: ShardProgressView[], commit: string): Promise<{ finished: ShardConclusion[]; timedOut: boolean }> {
  let timedOut = false;
  const shardScope = new CancellationScope();
  const outcomes = Promise.all(
    shards.map((shard) =>
      shardScope
        .run(() => execution.executeShard({ runId: input.runId, shardIndex: shard.index, commit }))
        .then(
          (summary): ShardConclusion => {
            Object.assign(shard, {
              status: summary.outcome,
              total: summary.tests,
              done: summary.tests,
              ...progressBuckets(summary.counts),
              elapsedSeconds: summary.durationSeconds,
              attempt: summary.attempt,
              worker: summary.worker,
            });
            return { index: shard.index, outcome: summary.outcome, summary, reason: summary.reason };
          },
          (err: unknown): ShardConclusion => {
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
  return { finished, timedOut };
}

function emptyShard(index: number): ShardProgressView {
  return { index, status: 'pending', total: 0, done: 0, passed: 0, failed: 0, skipped: 0, elapsedSeconds: 0, attempt: 0, worker: null, reason: null };
}

/** The type of the innermost application failure, if any (e.g. `CollectionError`). */
export function failureType(err: unknown): string | null {
  let current: unknown = err;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  return current instanceof ApplicationFailure ? (current.type ?? null) : null;
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
