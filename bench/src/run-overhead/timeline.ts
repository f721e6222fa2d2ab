/**
 * The two orchestration overheads of one run (issue: "submit -> all shards running; last test done
 * -> run final"), computed from authoritative timestamps only, all taken on the one machine's clock:
 *   - the bench's own clock just before POST /api/v1/runs,
 *   - the Temporal server's event times in the workflow history (workflow start, every activity's
 *     scheduling, start of its last attempt and close),
 *   - pytest's own records in the shard artifacts (JUnit session start/finish, Allure test times),
 *   - the database rows the shard wrote (artifacts, per-test results) and the run's completed_at.
 *
 * Each overhead is a chain of milestones along its critical path, so that the segments between
 * consecutive milestones add up exactly to the total:
 *   submit → all shards running: ... → the last shard's pytest session started (pytest_sessionstart:
 *     interpreter, plugins and conftest loaded; the shard's checkout and venv lookup behind it).
 *   last test done → run final: the last test (or fixture teardown) of any shard finished → ... →
 *     the run's completed_at (set in the same transaction that writes the final status).
 * Pure: the bench gathers the evidence, this module only does the arithmetic.
 */
import { activityExecutions, type ActivityExecution, type HistoryEvent } from './history.js';
import type { AllureTimes, JunitSession } from './evidence.js';

export interface ShardEvidence {
  index: number;
  session: JunitSession;
  allure: AllureTimes;
  /** Latest created_at of the shard's run_artifacts rows: set as each upload finished (NaN if none). */
  artifactsStoredMs: number;
  /** Latest created_at of the shard's test_results rows: set while the results transaction is built (NaN if none). */
  resultsWrittenMs: number;
}

export interface RunEvidence {
  runId: number;
  /** Just before POST /api/v1/runs was sent. */
  submitMs: number;
  /** When the 201 answer had been read. */
  answeredMs: number;
  events: readonly HistoryEvent[];
  shards: readonly ShardEvidence[];
  /** runs.completed_at. */
  completedAtMs: number;
  /** Run-level artifacts (no shard: coverage and Allure reports) with their created_at, set as each upload finished. */
  runArtifacts?: ReadonlyArray<{ kind: string; createdMs: number }>;
}

/** What precedes the row of each known run-level artifact inside the reporting activity. */
const REPORT_STEPS: Record<string, string> = {
  coverage_xml: 'coverage data downloaded, checkout + venv, coverage combine/xml/html, XML uploaded',
  coverage_html: 'coverage HTML uploaded',
  allure_report: 'shard results extracted, allure generate, report uploaded',
  allure_history: 'Allure history uploaded',
};

/** A point of a chain and the segment that ends there. */
export interface Milestone {
  /** Stable across runs (no shard numbers): the aggregation key of the segment ending here. */
  key: string;
  /** What happened at this point, with details of this run (shard, worker). */
  label: string;
  atMs: number;
}

export interface Segment {
  key: string;
  label: string;
  /** From the previous milestone to this one. */
  seconds: number;
  /** From the chain's first milestone to this one. */
  offsetSeconds: number;
}

export interface ShardTimeline {
  index: number;
  worker: string;
  attempt: number;
  /** executeShard scheduled → its (last) attempt started on a worker. */
  queueSeconds: number;
  /** Attempt started → pytest session start: run lookup, git fetch, checkout, venv lookup, pytest start-up. */
  setupSeconds: number;
  /** pytest session start → first test call: collection and session fixtures. */
  collectSeconds: number;
  /** First test call → last test (teardown) done. */
  testsSeconds: number;
  /** Last test done → pytest session finish. */
  pytestEndSeconds: number;
  /** Session finish → last artifact row: pytest exit, coverage write, tar, uploads. */
  uploadSeconds: number;
  /** Last artifact row → last test_results row. */
  resultsSeconds: number;
  /** Last test_results row → activity closed: transaction commit, cleanup of the work tree, completion RPC. */
  closeSeconds: number;
  /** Last test done → activity closed. */
  wrapUpSeconds: number;
}

export interface RunOverhead {
  runId: number;
  submitToRunning: {
    seconds: number;
    /** The chain's first milestone (offset 0). */
    startLabel: string;
    segments: Segment[];
    /** The shard whose pytest started last. */
    criticalShard: number;
    /** Submit → the POST's answer (the API inserts the run and starts the workflow before answering). */
    answeredSeconds: number;
    /** Submit → every shard's first test call began. */
    firstTestsSeconds: number;
  };
  lastTestToFinal: {
    /** Last test done → runs.completed_at. */
    seconds: number;
    /** Last test done → the workflow's completion event. */
    toWorkflowCompletedSeconds: number;
    startLabel: string;
    segments: Segment[];
    /** The shard with the last test. */
    lastTestShard: number;
    /** The shard activity that closed last (what the workflow waited for). */
    closingShard: number;
  };
  shards: ShardTimeline[];
  /** Activities that needed more than one attempt (a retry inflates the figures). */
  retried: string[];
}

/** The milestone where the run became final. */
export const FINAL_KEY = 'run final (completed_at)';

/** The segments between consecutive milestones, in time order. */
export function chain(milestones: readonly Milestone[]): Segment[] {
  const sorted = [...milestones].sort((a, b) => a.atMs - b.atMs);
  const first = sorted[0];
  if (!first) return [];
  return sorted.slice(1).map((m, i) => ({ key: m.key, label: m.label, seconds: (m.atMs - sorted[i]!.atMs) / 1000, offsetSeconds: (m.atMs - first.atMs) / 1000 }));
}

/** An activity's name as printed: markRunStatus with the status it sets. */
export function activityLabel(activity: ActivityExecution): string {
  const input = activity.input as { status?: unknown } | undefined;
  return activity.name === 'markRunStatus' && typeof input?.status === 'string' ? `markRunStatus(${input.status})` : activity.name;
}

function shardIndexOf(activity: ActivityExecution): number | undefined {
  const index = (activity.input as { shardIndex?: unknown } | undefined)?.shardIndex;
  return typeof index === 'number' ? index : undefined;
}

/** Milestones of a sequence of awaited activities: the workflow task that scheduled each, its queue time, its run. */
function activityMilestones(activities: readonly ActivityExecution[], finalAtMs?: number): Milestone[] {
  const out: Milestone[] = [];
  for (const a of activities) {
    const label = activityLabel(a);
    out.push({ key: `${label} scheduled`, label: `${label} scheduled (workflow task)`, atMs: a.scheduledMs });
    out.push({ key: `${label} started`, label: `${label} started on ${a.identity ?? '?'} (queue)`, atMs: a.startedMs });
    if (finalAtMs !== undefined && a.startedMs <= finalAtMs && finalAtMs <= a.closedMs) {
      out.push({ key: FINAL_KEY, label: `run final: runs.completed_at written by ${label}`, atMs: finalAtMs });
      out.push({ key: `${label} closed`, label: `${label} closed (commit, completion)`, atMs: a.closedMs });
    } else {
      out.push({ key: `${label} closed`, label: `${label} closed (run)`, atMs: a.closedMs });
    }
  }
  return out;
}

const seconds = (fromMs: number, toMs: number) => (toMs - fromMs) / 1000;

function argmax<T>(items: readonly T[], value: (item: T) => number): T {
  if (items.length === 0) throw new Error('no items');
  return items.reduce((best, item) => (value(item) > value(best) ? item : best));
}

export function analyzeRun(evidence: RunEvidence): RunOverhead {
  const activities = activityExecutions(evidence.events);
  const workflowStarted = evidence.events.find((e) => e.kind === 'workflowStarted');
  const workflowClosed = evidence.events.find((e) => e.kind === 'workflowCompleted' || e.kind === 'workflowFailed' || e.kind === 'workflowCanceled' || e.kind === 'workflowTerminated');
  if (!workflowStarted || !workflowClosed) throw new Error(`run ${evidence.runId}: the workflow history has no start or no close`);
  const shardActivities = activities.filter((a) => a.name === 'executeShard');
  if (shardActivities.length === 0) throw new Error(`run ${evidence.runId}: no executeShard activity in the history`);
  const unclosed = activities.filter((a) => a.outcome === 'open' || Number.isNaN(a.startedMs));
  if (unclosed.length) throw new Error(`run ${evidence.runId}: activities not closed: ${unclosed.map(activityLabel).join(', ')}`);
  const shardActivity = (index: number) => {
    const found = shardActivities.find((a) => shardIndexOf(a) === index);
    if (!found) throw new Error(`run ${evidence.runId}: no executeShard activity for shard ${index}`);
    return found;
  };

  const shards: ShardTimeline[] = evidence.shards.map((s) => {
    const a = shardActivity(s.index);
    const wrapUpEnd = a.closedMs;
    return {
      index: s.index,
      worker: a.identity ?? '?',
      attempt: a.attempt,
      queueSeconds: seconds(a.scheduledMs, a.startedMs),
      setupSeconds: seconds(a.startedMs, s.session.startMs),
      collectSeconds: seconds(s.session.startMs, s.allure.firstTestStartMs),
      testsSeconds: seconds(s.allure.firstTestStartMs, s.allure.lastTestDoneMs),
      pytestEndSeconds: seconds(s.allure.lastTestDoneMs, s.session.finishMs),
      uploadSeconds: seconds(s.session.finishMs, s.artifactsStoredMs),
      resultsSeconds: seconds(s.artifactsStoredMs, s.resultsWrittenMs),
      closeSeconds: seconds(s.resultsWrittenMs, wrapUpEnd),
      wrapUpSeconds: seconds(s.allure.lastTestDoneMs, wrapUpEnd),
    };
  });

  // submit → all shards running, along the shard whose pytest started last.
  const critical = argmax(evidence.shards, (s) => s.session.startMs);
  const criticalActivity = shardActivity(critical.index);
  const firstShardScheduled = Math.min(...shardActivities.map((a) => a.scheduledMs));
  const before = activities.filter((a) => a.name !== 'executeShard' && a.closedMs <= firstShardScheduled);
  const startChain = chain([
    { key: 'submit', label: 'POST /api/v1/runs sent', atMs: evidence.submitMs },
    { key: 'workflow started', label: 'workflow started (API: checks, insert run, StartWorkflowExecution)', atMs: workflowStarted.timeMs },
    ...activityMilestones(before),
    { key: 'last shard scheduled', label: `executeShard ${critical.index} scheduled (workflow task)`, atMs: criticalActivity.scheduledMs },
    { key: 'last shard started', label: `executeShard ${critical.index} started on ${criticalActivity.identity ?? '?'} (queue)`, atMs: criticalActivity.startedMs },
    {
      key: 'all pytest sessions started',
      label: `pytest session started in shard ${critical.index}, the last of ${evidence.shards.length} (load run, git fetch, checkout, venv lookup, pytest start-up)`,
      atMs: critical.session.startMs,
    },
  ]);

  // last test done → run final, along the shard activity that closed last.
  const lastTest = argmax(evidence.shards, (s) => s.allure.lastTestDoneMs);
  const lastTestDoneMs = lastTest.allure.lastTestDoneMs;
  const closing = argmax(shardActivities, (a) => a.closedMs);
  const closingIndex = shardIndexOf(closing) ?? -1;
  const closingShard = evidence.shards.find((s) => s.index === closingIndex);
  const after = activities.filter((a) => a.name !== 'executeShard' && a.scheduledMs >= closing.closedMs);
  const shardWrapUp: Milestone[] = closingShard
    ? [
        { key: 'closing shard: pytest session finished', label: `pytest session finished in shard ${closingIndex}`, atMs: closingShard.session.finishMs },
        { key: 'closing shard: artifacts stored', label: `shard ${closingIndex}: last artifact stored (pytest exit, coverage file, tar, uploads)`, atMs: closingShard.artifactsStoredMs },
        { key: 'closing shard: results written', label: `shard ${closingIndex}: per-test results built (transaction)`, atMs: closingShard.resultsWrittenMs },
      ].filter((m) => !Number.isNaN(m.atMs) && m.atMs >= lastTestDoneMs)
    : [];
  const afterMilestones = activityMilestones(after, evidence.completedAtMs);
  if (!afterMilestones.some((m) => m.key === FINAL_KEY)) {
    // completed_at outside every activity after the shards: a milestone of its own.
    afterMilestones.push({ key: FINAL_KEY, label: 'run final: runs.completed_at', atMs: evidence.completedAtMs });
  }
  const reportMilestones: Milestone[] = (evidence.runArtifacts ?? [])
    .filter((a) => a.createdMs >= closing.closedMs)
    .map((a) => ({ key: `${a.kind} stored`, label: `${a.kind} artifact stored${REPORT_STEPS[a.kind] ? ` (${REPORT_STEPS[a.kind]})` : ''}`, atMs: a.createdMs }));
  const finalChain = chain([
    { key: 'last test done', label: `last test done (shard ${lastTest.index})`, atMs: lastTestDoneMs },
    ...shardWrapUp,
    ...reportMilestones,
    { key: 'last shard closed', label: `executeShard ${closingIndex} closed (commit, work tree removed, completion)`, atMs: closing.closedMs },
    ...afterMilestones,
    { key: 'workflow completed', label: 'workflow completed (workflow task)', atMs: workflowClosed.timeMs },
  ]);

  return {
    runId: evidence.runId,
    submitToRunning: {
      seconds: seconds(evidence.submitMs, critical.session.startMs),
      startLabel: 'POST /api/v1/runs sent',
      segments: startChain,
      criticalShard: critical.index,
      answeredSeconds: seconds(evidence.submitMs, evidence.answeredMs),
      firstTestsSeconds: seconds(evidence.submitMs, Math.max(...evidence.shards.map((s) => s.allure.firstTestStartMs))),
    },
    lastTestToFinal: {
      seconds: seconds(lastTestDoneMs, evidence.completedAtMs),
      toWorkflowCompletedSeconds: seconds(lastTestDoneMs, workflowClosed.timeMs),
      startLabel: `last test done (shard ${lastTest.index})`,
      segments: finalChain,
      lastTestShard: lastTest.index,
      closingShard: closingIndex,
    },
    shards,
    retried: activities.filter((a) => a.attempt > 1).map((a) => `${activityLabel(a)}${a.name === 'executeShard' ? ` ${shardIndexOf(a)}` : ''} (attempt ${a.attempt})`),
  };
}
