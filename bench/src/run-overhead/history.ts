/**
 * The run workflow's Temporal history, reduced to what the overhead bench reads: when each event
 * was recorded by the Temporal server, and for every activity when it was scheduled, when its
 * (last) attempt started, and when it closed. Pure: takes the history as `fetchHistory()` returns
 * it (protobuf objects, typed here only as far as they are read).
 */

/** google.protobuf.Timestamp as protobufjs decodes it (seconds may be a Long). */
interface ProtoTimestamp {
  seconds?: number | string | { toString(): string } | null;
  nanos?: number | null;
}

interface ProtoPayloads {
  payloads?: Array<{ data?: Uint8Array | null }> | null;
}

/** The fields of temporal.api.history.v1.HistoryEvent this module reads. */
export interface ProtoHistoryEvent {
  eventId?: number | string | { toString(): string } | null;
  eventTime?: ProtoTimestamp | null;
  workflowExecutionStartedEventAttributes?: object | null;
  workflowExecutionCompletedEventAttributes?: object | null;
  workflowExecutionFailedEventAttributes?: object | null;
  workflowExecutionCanceledEventAttributes?: object | null;
  workflowExecutionTerminatedEventAttributes?: object | null;
  workflowTaskScheduledEventAttributes?: object | null;
  workflowTaskStartedEventAttributes?: object | null;
  workflowTaskCompletedEventAttributes?: object | null;
  activityTaskScheduledEventAttributes?: { activityId?: string | null; activityType?: { name?: string | null } | null; input?: ProtoPayloads | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: number | string | { toString(): string } | null; attempt?: number | null; identity?: string | null } | null;
  activityTaskCompletedEventAttributes?: { scheduledEventId?: number | string | { toString(): string } | null } | null;
  activityTaskFailedEventAttributes?: { scheduledEventId?: number | string | { toString(): string } | null } | null;
  activityTaskTimedOutEventAttributes?: { scheduledEventId?: number | string | { toString(): string } | null } | null;
  activityTaskCanceledEventAttributes?: { scheduledEventId?: number | string | { toString(): string } | null } | null;
  workflowExecutionSignaledEventAttributes?: { signalName?: string | null; input?: ProtoPayloads | null } | null;
}

export type EventKind =
  | 'workflowStarted'
  | 'workflowCompleted'
  | 'workflowFailed'
  | 'workflowCanceled'
  | 'workflowTerminated'
  | 'workflowTaskScheduled'
  | 'workflowTaskStarted'
  | 'workflowTaskCompleted'
  | 'activityScheduled'
  | 'activityStarted'
  | 'activityCompleted'
  | 'activityFailed'
  | 'activityTimedOut'
  | 'activityCanceled'
  | 'signaled'
  | 'other';

export interface HistoryEvent {
  id: number;
  /** Server time of the event, epoch ms (sub-ms kept). */
  timeMs: number;
  kind: EventKind;
  activityType?: string;
  /** The activity's (first) argument or the signal's, decoded from its JSON payload. */
  input?: unknown;
  scheduledEventId?: number;
  attempt?: number;
  identity?: string;
  signalName?: string;
}

const num = (value: number | string | { toString(): string } | null | undefined): number => (value === null || value === undefined ? 0 : Number(typeof value === 'number' ? value : value.toString()));

/** Epoch milliseconds of a protobuf Timestamp. */
export function timestampMs(ts: ProtoTimestamp | null | undefined): number {
  if (!ts) return Number.NaN;
  return num(ts.seconds) * 1000 + (ts.nanos ?? 0) / 1e6;
}

/** The first payload as JSON (the SDK's default converter writes `json/plain`), or undefined. */
export function firstPayload(payloads: ProtoPayloads | null | undefined): unknown {
  const data = payloads?.payloads?.[0]?.data;
  if (!data) return undefined;
  try {
    return JSON.parse(Buffer.from(data).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** One history event in the bench's terms. */
export function simplifyEvent(event: ProtoHistoryEvent): HistoryEvent {
  const base = { id: num(event.eventId), timeMs: timestampMs(event.eventTime) };
  if (event.workflowExecutionStartedEventAttributes) return { ...base, kind: 'workflowStarted' };
  if (event.workflowExecutionCompletedEventAttributes) return { ...base, kind: 'workflowCompleted' };
  if (event.workflowExecutionFailedEventAttributes) return { ...base, kind: 'workflowFailed' };
  if (event.workflowExecutionCanceledEventAttributes) return { ...base, kind: 'workflowCanceled' };
  if (event.workflowExecutionTerminatedEventAttributes) return { ...base, kind: 'workflowTerminated' };
  if (event.workflowTaskScheduledEventAttributes) return { ...base, kind: 'workflowTaskScheduled' };
  if (event.workflowTaskStartedEventAttributes) return { ...base, kind: 'workflowTaskStarted' };
  if (event.workflowTaskCompletedEventAttributes) return { ...base, kind: 'workflowTaskCompleted' };
  const scheduled = event.activityTaskScheduledEventAttributes;
  if (scheduled) return { ...base, kind: 'activityScheduled', activityType: scheduled.activityType?.name ?? '?', input: firstPayload(scheduled.input) };
  const started = event.activityTaskStartedEventAttributes;
  if (started) {
    return { ...base, kind: 'activityStarted', scheduledEventId: num(started.scheduledEventId), attempt: started.attempt ?? 1, identity: started.identity ?? undefined };
  }
  const closed: Array<[EventKind, { scheduledEventId?: number | string | { toString(): string } | null } | null | undefined]> = [
    ['activityCompleted', event.activityTaskCompletedEventAttributes],
    ['activityFailed', event.activityTaskFailedEventAttributes],
    ['activityTimedOut', event.activityTaskTimedOutEventAttributes],
    ['activityCanceled', event.activityTaskCanceledEventAttributes],
  ];
  for (const [kind, attributes] of closed) if (attributes) return { ...base, kind, scheduledEventId: num(attributes.scheduledEventId) };
  const signal = event.workflowExecutionSignaledEventAttributes;
  if (signal) return { ...base, kind: 'signaled', signalName: signal.signalName ?? undefined, input: firstPayload(signal.input) };
  return { ...base, kind: 'other' };
}

export function simplifyHistory(history: { events?: ProtoHistoryEvent[] | null }): HistoryEvent[] {
  return (history.events ?? []).map(simplifyEvent);
}

/** One activity of the workflow, from its scheduling to its close. */
export interface ActivityExecution {
  scheduledEventId: number;
  name: string;
  input: unknown;
  scheduledMs: number;
  /**
   * When the attempt that closed it started (NaN while none has). Temporal writes the started
   * event of an activity with a retry policy only when the activity closes, stamped with the
   * attempt's real start time.
   */
  startedMs: number;
  closedMs: number;
  outcome: 'completed' | 'failed' | 'timedOut' | 'canceled' | 'open';
  attempt: number;
  identity: string | undefined;
}

export function activityExecutions(events: readonly HistoryEvent[]): ActivityExecution[] {
  const byScheduled = new Map<number, ActivityExecution>();
  for (const event of events) {
    if (event.kind === 'activityScheduled') {
      byScheduled.set(event.id, {
        scheduledEventId: event.id,
        name: event.activityType ?? '?',
        input: event.input,
        scheduledMs: event.timeMs,
        startedMs: Number.NaN,
        closedMs: Number.NaN,
        outcome: 'open',
        attempt: 0,
        identity: undefined,
      });
      continue;
    }
    const activity = event.scheduledEventId !== undefined ? byScheduled.get(event.scheduledEventId) : undefined;
    if (!activity) continue;
    if (event.kind === 'activityStarted') Object.assign(activity, { startedMs: event.timeMs, attempt: event.attempt ?? 1, identity: event.identity });
    else if (event.kind === 'activityCompleted') Object.assign(activity, { closedMs: event.timeMs, outcome: 'completed' });
    else if (event.kind === 'activityFailed') Object.assign(activity, { closedMs: event.timeMs, outcome: 'failed' });
    else if (event.kind === 'activityTimedOut') Object.assign(activity, { closedMs: event.timeMs, outcome: 'timedOut' });
    else if (event.kind === 'activityCanceled') Object.assign(activity, { closedMs: event.timeMs, outcome: 'canceled' });
  }
  return [...byScheduled.values()].sort((a, b) => a.scheduledEventId - b.scheduledEventId);
}
