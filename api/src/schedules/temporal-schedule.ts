import { isGrpcServiceError, ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleOptions, type ScheduleSpec } from '@temporalio/client';
import { CONTROL_TASK_QUEUE, runScheduleTemporalId, type QatronConfig, type QatronWorkflows, type RunSchedule } from '@qatron/domain';
import { conflict, engineUnavailable, validationFailed } from '../http/problems.js';
import { connectTemporal, type TemporalConnection } from '../temporal.js';

/** gRPC INVALID_ARGUMENT: Temporal refused the schedule's definition. */
const INVALID_ARGUMENT = 3;

/** What names a schedule in Temporal and in the API's problems. */
export type ScheduleRef = Pick<RunSchedule, 'id' | 'cron'>;

/**
 * The Temporal side of a run schedule (issue 17 item 2): its Temporal Schedule
 * `qatron-schedule-<id>`, visible in the Temporal UI, is the clock. Each firing starts
 * `scheduledRunWorkflow` on qatron-control, whose activity queues the run as a manual trigger does.
 */
export interface RunScheduler {
  create(schedule: RunSchedule): Promise<void>;
  /** Replaces the Temporal Schedule's definition and paused state with the row's. */
  update(schedule: RunSchedule): Promise<void>;
  /** A schedule already gone from Temporal is fine: the caller is deleting it too. Takes the id, which a removed row no longer has. */
  remove(schedule: ScheduleRef): Promise<void>;
  /** When it fires next, or null (paused, or Temporal cannot be asked). */
  nextRunAt(schedule: RunSchedule): Promise<Date | null>;
  close(): Promise<void>;
}

/**
 * The API's scheduler: on Temporal when TEMPORAL_ADDRESS is set, over a connection of its own
 * (opened on first use), else one that refuses changes (an API-only test, a bench).
 */
export function runSchedulerFor(config: QatronConfig): RunScheduler {
  return config.temporal.address ? createTemporalRunScheduler(connectTemporal(config.temporal.address, config)) : schedulerWithoutEngine;
}

/** When the schedule fires: its cron expression read in its time zone, or its fixed interval. */
export function scheduleSpec(schedule: RunSchedule): ScheduleSpec {
  const when = schedule.cron !== null ? { cronExpressions: [schedule.cron] } : { intervals: [{ every: `${schedule.intervalSeconds ?? 0}s` }] };
  return { ...when, timezone: schedule.timezone };
}

/**
 * The whole Temporal Schedule of a row. The policies, and why:
 * - Overlap SKIP: a firing while the previous firing's workflow is still going is dropped. That
 *   workflow only queues a run and ends within seconds; the overlap that matters, a schedule's run
 *   still live when the next is due, is skipped too, by the activity (it sees the run, Temporal does
 *   not): stacking runs of one suite on a saturated stack only makes every one of them slower, and
 *   the next firing tests newer code anyway. BUFFER_ONE would queue a stale run behind a slow one.
 * - Catch-up window 1 hour: a firing missed while Temporal was down still happens if Temporal is back
 *   within the hour (a nightly run at 02:00 runs at 02:40); after a longer outage it is dropped rather
 *   than run at midday, when its environment may be in use, and the next firing is the next run.
 *   With SKIP, a catch-up of several missed firings runs only one.
 * - pauseOnFailure off: a firing fails only when QAtron itself cannot queue the run (its database),
 *   which the next firing may not meet; a failing suite is a run's verdict, not the schedule's failure.
 */
export function temporalScheduleOptions(schedule: RunSchedule): ScheduleOptions {
  const scheduleId = runScheduleTemporalId(schedule.id);
  return {
    scheduleId,
    spec: scheduleSpec(schedule),
    action: {
      type: 'startWorkflow',
      workflowType: 'scheduledRunWorkflow' satisfies keyof QatronWorkflows,
      args: [{ scheduleId: schedule.id }],
      // Temporal appends the firing time to this id, so each firing has its own.
      workflowId: scheduleId,
      taskQueue: CONTROL_TASK_QUEUE,
      workflowExecutionTimeout: '10 minutes',
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour', pauseOnFailure: false },
    state: pausedState(schedule),
    memo: { project_id: schedule.project, suite_id: schedule.suite, environment_id: schedule.environment },
  };
}

/** Paused or not as the row says, with a note the Temporal UI shows. */
const pausedState = (schedule: RunSchedule) => ({ paused: schedule.paused, note: schedule.paused ? 'paused in QAtron' : 'active in QAtron' });

/** A Temporal error as the API answers it: a refused definition is 422, anything else says Temporal is unavailable. */
function asProblem(err: unknown, schedule: ScheduleRef): Error {
  if (err instanceof ScheduleAlreadyRunning) return conflict(`Temporal already has a schedule ${err.scheduleId} that QAtron did not create; remove it first`, 'temporal_schedule_exists');
  const grpc = err instanceof Error && isGrpcServiceError(err.cause) ? err.cause : isGrpcServiceError(err) ? err : null;
  if (grpc?.code === INVALID_ARGUMENT) {
    const field = /time ?zone|location/i.test(grpc.details) ? 'timezone' : schedule.cron !== null ? 'cron' : 'interval_seconds';
    return validationFailed([{ field, message: `Temporal refused it: ${grpc.details}` }]);
  }
  return engineUnavailable(`Schedule ${schedule.id} could not be changed: Temporal is unreachable (${err instanceof Error ? err.message : String(err)}); nothing was changed`);
}

/** The scheduler on a Temporal server, through the API's shared connection. */
export function createTemporalRunScheduler(temporal: TemporalConnection): RunScheduler {
  const handle = async (schedule: ScheduleRef) => (await temporal.client()).schedule.getHandle(runScheduleTemporalId(schedule.id));
  const guarded = async (schedule: ScheduleRef, change: () => Promise<void>) => {
    try {
      await change();
    } catch (err) {
      throw asProblem(err, schedule);
    }
  };
  return {
    create: (schedule) =>
      guarded(schedule, async () => {
        await (await temporal.client()).schedule.create(temporalScheduleOptions(schedule));
      }),
    update: (schedule) =>
      guarded(schedule, async () => {
        const { spec, action, policies } = temporalScheduleOptions(schedule);
        await (await handle(schedule)).update(() => ({ spec, action, policies, state: pausedState(schedule) }));
      }),
    remove: (schedule) =>
      guarded(schedule, async () => {
        await (await handle(schedule)).delete().catch((err: unknown) => {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
        });
      }),
    async nextRunAt(schedule) {
      if (schedule.paused) return null;
      try {
        return (await (await handle(schedule)).describe()).info.nextActionTimes[0] ?? null;
      } catch {
        return null;
      }
    },
    close: () => temporal.close(),
  };
}

/** An API connected to no Temporal: schedules can be read, never changed (nothing would fire them). */
export const schedulerWithoutEngine: RunScheduler = {
  create: async () => {
    throw engineUnavailable('Schedules need the run engine (Temporal), and this API has no TEMPORAL_ADDRESS; nothing was changed');
  },
  update: async () => {
    throw engineUnavailable('Schedules need the run engine (Temporal), and this API has no TEMPORAL_ADDRESS; nothing was changed');
  },
  remove: async () => {
    throw engineUnavailable('Schedules need the run engine (Temporal), and this API has no TEMPORAL_ADDRESS; nothing was changed');
  },
  nextRunAt: async () => null,
  close: async () => undefined,
};
