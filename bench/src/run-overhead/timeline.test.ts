import { describe, expect, it } from 'vitest';
import { activityExecutions, firstPayload, simplifyHistory, timestampMs, type ProtoHistoryEvent } from './history.js';
import { analyzeRun, chain, FINAL_KEY, type ShardEvidence } from './timeline.js';

const T0 = Date.UTC(2026, 10, 22, 1, 0, 0);
const ts = (ms: number) => ({ seconds: { toString: () => String(Math.floor((T0 + ms) / 1000)) }, nanos: ((T0 + ms) % 1000) * 1e6 });
const json = (value: unknown) => ({ payloads: [{ data: new TextEncoder().encode(JSON.stringify(value)) }] });

/** A history as fetchHistory() gives it, built event by event; times are ms after T0. */
function historyBuilder() {
  const events: ProtoHistoryEvent[] = [];
  const add = (at: number, attributes: Omit<ProtoHistoryEvent, 'eventId' | 'eventTime'>) => {
    const id = events.length + 1;
    events.push({ eventId: id, eventTime: ts(at), ...attributes });
    return id;
  };
  /** An activity scheduled, started (written at close, with its real start time) and completed. */
  const activity = (name: string, input: unknown, scheduled: number, started: number, closed: number, attempt = 1, identity = 'w1') => {
    const id = add(scheduled, { activityTaskScheduledEventAttributes: { activityId: String(events.length), activityType: { name }, input: json(input) } });
    add(started, { activityTaskStartedEventAttributes: { scheduledEventId: id, attempt, identity } });
    add(closed, { activityTaskCompletedEventAttributes: { scheduledEventId: id } });
  };
  return { events, add, activity };
}

describe('history', () => {
  it('converts protobuf timestamps (Long seconds) and JSON payloads', () => {
    expect(timestampMs(ts(1234.5))).toBeCloseTo(T0 + 1234.5, 6);
    expect(timestampMs({ seconds: 10, nanos: 5e6 })).toBe(10_005);
    expect(timestampMs(null)).toBeNaN();
    expect(firstPayload(json({ runId: 3, shardIndex: 1 }))).toEqual({ runId: 3, shardIndex: 1 });
    expect(firstPayload({ payloads: [{ data: new TextEncoder().encode('not json') }] })).toBeUndefined();
    expect(firstPayload(undefined)).toBeUndefined();
  });

  it('pairs each activity with its started and closing events', () => {
    const h = historyBuilder();
    h.add(0, { workflowExecutionStartedEventAttributes: {} });
    h.activity('prepareRun', { runId: 1 }, 100, 110, 600);
    const id = h.add(700, { activityTaskScheduledEventAttributes: { activityType: { name: 'executeShard' }, input: json({ shardIndex: 0 }) } });
    h.add(900, { activityTaskFailedEventAttributes: { scheduledEventId: id } });
    h.add(950, { workflowExecutionCompletedEventAttributes: {} });
    const events = simplifyHistory({ events: h.events });
    expect(events.map((e) => e.kind)).toEqual(['workflowStarted', 'activityScheduled', 'activityStarted', 'activityCompleted', 'activityScheduled', 'activityFailed', 'workflowCompleted']);
    const [prepare, shard] = activityExecutions(events);
    expect(prepare).toMatchObject({ name: 'prepareRun', input: { runId: 1 }, scheduledMs: T0 + 100, startedMs: T0 + 110, closedMs: T0 + 600, outcome: 'completed', attempt: 1, identity: 'w1' });
    expect(shard).toMatchObject({ name: 'executeShard', outcome: 'failed', closedMs: T0 + 900 });
    expect(shard!.startedMs).toBeNaN();
  });
});

describe('chain', () => {
  it('sorts milestones by time and measures each step from the previous one', () => {
    const segments = chain([
      { key: 'a', label: 'A', atMs: 1000 },
      { key: 'c', label: 'C', atMs: 3500 },
      { key: 'b', label: 'B', atMs: 1500 },
    ]);
    expect(segments).toEqual([
      { key: 'b', label: 'B', seconds: 0.5, offsetSeconds: 0.5 },
      { key: 'c', label: 'C', seconds: 2, offsetSeconds: 2.5 },
    ]);
    expect(chain([])).toEqual([]);
  });
});

/** A run as the bench sees it: 2 shards, the second one's pytest starting last and its activity closing last. */
function sampleRun() {
  const h = historyBuilder();
  h.add(30, { workflowExecutionStartedEventAttributes: {} });
  h.activity('markRunStatus', { runId: 7, status: 'provisioning' }, 60, 61, 80);
  h.activity('prepareRun', { runId: 7 }, 100, 105, 700);
  h.activity('markRunStatus', { runId: 7, status: 'running' }, 730, 731, 760);
  h.activity('executeShard', { runId: 7, shardIndex: 0 }, 790, 795, 5000, 1, 'w1');
  h.activity('executeShard', { runId: 7, shardIndex: 1 }, 790, 800, 5600, 2, 'w2');
  h.activity('markRunStatus', { runId: 7, status: 'reporting' }, 5620, 5621, 5640);
  h.activity('reportRun', { runId: 7 }, 5660, 5670, 7000);
  h.activity('finalizeRun', { runId: 7 }, 7030, 7031, 7060);
  h.add(7100, { workflowExecutionCompletedEventAttributes: {} });
  const shard = (index: number, o: { start: number; first: number; last: number; finish: number; stored: number; written: number }): ShardEvidence => ({
    index,
    session: { startMs: T0 + o.start, finishMs: T0 + o.finish, tests: 2 },
    allure: { tests: 2, firstTestStartMs: T0 + o.first, lastTestDoneMs: T0 + o.last },
    artifactsStoredMs: T0 + o.stored,
    resultsWrittenMs: T0 + o.written,
  });
  return {
    runId: 7,
    submitMs: T0,
    answeredMs: T0 + 45,
    events: simplifyHistory({ events: h.events }),
    shards: [
      shard(0, { start: 2500, first: 2900, last: 4500, finish: 4550, stored: 4900, written: 4950 }),
      shard(1, { start: 2800, first: 3100, last: 5000, finish: 5050, stored: 5400, written: 5450 }),
    ],
    completedAtMs: T0 + 7050,
    runArtifacts: [
      { kind: 'coverage_xml', createdMs: T0 + 6000 },
      { kind: 'allure_report', createdMs: T0 + 6900 },
    ],
  };
}

describe('analyzeRun', () => {
  it('measures submit → the last pytest session start, along the last shard, in steps that add up', () => {
    const o = analyzeRun(sampleRun());
    expect(o.submitToRunning.seconds).toBeCloseTo(2.8, 9);
    expect(o.submitToRunning.criticalShard).toBe(1);
    expect(o.submitToRunning.answeredSeconds).toBeCloseTo(0.045, 9);
    expect(o.submitToRunning.firstTestsSeconds).toBeCloseTo(3.1, 9);
    const segments = o.submitToRunning.segments;
    expect(segments.map((s) => s.key)).toEqual([
      'workflow started',
      'markRunStatus(provisioning) scheduled',
      'markRunStatus(provisioning) started',
      'markRunStatus(provisioning) closed',
      'prepareRun scheduled',
      'prepareRun started',
      'prepareRun closed',
      'markRunStatus(running) scheduled',
      'markRunStatus(running) started',
      'markRunStatus(running) closed',
      'last shard scheduled',
      'last shard started',
      'all pytest sessions started',
    ]);
    expect(segments.reduce((sum, s) => sum + s.seconds, 0)).toBeCloseTo(o.submitToRunning.seconds, 9);
    expect(segments.find((s) => s.key === 'prepareRun closed')!.seconds).toBeCloseTo(0.595, 9);
    expect(segments.at(-1)!.seconds).toBeCloseTo(2.0, 9);
    expect(segments.at(-2)!.label).toContain('on w2');
  });

  it('measures the last test done → completed_at, through the closing shard and the activities after it', () => {
    const o = analyzeRun(sampleRun());
    expect(o.lastTestToFinal.seconds).toBeCloseTo(2.05, 9);
    expect(o.lastTestToFinal.toWorkflowCompletedSeconds).toBeCloseTo(2.1, 9);
    expect(o.lastTestToFinal.lastTestShard).toBe(1);
    expect(o.lastTestToFinal.closingShard).toBe(1);
    const keys = o.lastTestToFinal.segments.map((s) => s.key);
    expect(keys).toEqual([
      'closing shard: pytest session finished',
      'closing shard: artifacts stored',
      'closing shard: results written',
      'last shard closed',
      'markRunStatus(reporting) scheduled',
      'markRunStatus(reporting) started',
      'markRunStatus(reporting) closed',
      'reportRun scheduled',
      'reportRun started',
      'coverage_xml stored',
      'allure_report stored',
      'reportRun closed',
      'finalizeRun scheduled',
      'finalizeRun started',
      FINAL_KEY,
      'finalizeRun closed',
      'workflow completed',
    ]);
    const untilFinal = o.lastTestToFinal.segments.slice(0, keys.indexOf(FINAL_KEY) + 1);
    expect(untilFinal.reduce((sum, s) => sum + s.seconds, 0)).toBeCloseTo(o.lastTestToFinal.seconds, 9);
    expect(o.lastTestToFinal.segments.find((s) => s.key === 'allure_report stored')!.seconds).toBeCloseTo(0.9, 9);
  });

  it('tabulates each shard and names retried activities', () => {
    const o = analyzeRun(sampleRun());
    expect(o.shards[1]).toMatchObject({ index: 1, worker: 'w2', attempt: 2 });
    expect(o.shards[1]!.queueSeconds).toBeCloseTo(0.01, 9);
    expect(o.shards[1]!.setupSeconds).toBeCloseTo(2.0, 9);
    expect(o.shards[1]!.collectSeconds).toBeCloseTo(0.3, 9);
    expect(o.shards[1]!.wrapUpSeconds).toBeCloseTo(0.6, 9);
    expect(o.shards[1]!.pytestEndSeconds + o.shards[1]!.uploadSeconds + o.shards[1]!.resultsSeconds + o.shards[1]!.closeSeconds).toBeCloseTo(0.6, 9);
    expect(o.retried).toEqual(['executeShard 1 (attempt 2)']);
  });

  it('adds completed_at as a milestone of its own when no activity after the shards wrote it', () => {
    const run = sampleRun();
    run.completedAtMs = T0 + 7080;
    const o = analyzeRun(run);
    const final = o.lastTestToFinal.segments.find((s) => s.key === FINAL_KEY)!;
    expect(final.label).toBe('run final: runs.completed_at');
    expect(final.offsetSeconds).toBeCloseTo(2.08, 9);
  });

  it('refuses a history without a closed workflow or without shards', () => {
    const run = sampleRun();
    expect(() => analyzeRun({ ...run, events: run.events.filter((e) => e.kind !== 'workflowCompleted') })).toThrow('no start or no close');
    expect(() => analyzeRun({ ...run, events: run.events.filter((e) => e.kind !== 'activityScheduled' || e.activityType !== 'executeShard') })).toThrow('no executeShard');
  });
});
