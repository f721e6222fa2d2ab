import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { WorkflowType } from '@qatron/domain/contract';
import { CONTROL_TASK_QUEUE } from '@qatron/domain/task-queues';

/** The Temporal Schedule of the daily cleanup; also the prefix of the workflow ids it starts. */
export const SWEEP_SCHEDULE_ID = 'qatron-daily-sweep';
/** Named by string (the worker process does not load workflow code), checked against the contract. */
const SWEEP_WORKFLOW: WorkflowType = 'sweepWorkflow';

/**
 * Makes sure the daily cleanup is scheduled (PRD 13.2, DESIGN step 5): Temporal Schedule
 * `qatron-daily-sweep` in the client's namespace starts `sweepWorkflow` on `qatron-control` every
 * day at 02:00 UTC. Every control worker calls it at start: the first creates the schedule, the
 * others (and racing ones) find it there. An existing schedule is left as it is, so an operator's
 * pause or trigger in the Temporal UI survives worker restarts. Returns whether it was created.
 */
export async function ensureSweepSchedule(client: Client): Promise<'created' | 'exists'> {
  try {
    await client.schedule.create({
      scheduleId: SWEEP_SCHEDULE_ID,
      spec: {
        calendars: [{ hour: 2, minute: 0, second: 0, comment: 'daily at 02:00 UTC (PRD 13.2)' }],
        timezone: 'UTC',
      },
      action: {
        type: 'startWorkflow',
        workflowType: SWEEP_WORKFLOW,
        args: [],
        workflowId: SWEEP_SCHEDULE_ID,
        taskQueue: CONTROL_TASK_QUEUE,
        // A sweep still failing after its retries must not hold the next day's back (SKIP below).
        workflowExecutionTimeout: '12 hours',
      },
      policies: {
        // Two sweeps at once would only race each other for the same runs.
        overlap: ScheduleOverlapPolicy.SKIP,
        // After Temporal was down at 02:00, sweep once when it is back; not once per missed day.
        catchupWindow: '1 day',
      },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}
