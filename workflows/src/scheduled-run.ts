import { proxyActivities } from '@temporalio/workflow';
import { NON_RETRYABLE_ERRORS, type ScheduledRunActivities, type ScheduledRunInput, type ScheduledRunOutcome } from '@qatron/domain/contract';

/**
 * One firing of a run schedule (issue 17 item 2), started by its Temporal Schedule
 * `qatron-schedule-<id>`: queues a run of the schedule's suite exactly as a manual trigger does
 * and starts the run's own workflow `run-<id>`, then ends. The run is not a child: it lives as
 * long as any run, can be cancelled from the API, and outlives the schedule being deleted.
 */
export async function scheduledRunWorkflow(input: ScheduledRunInput): Promise<ScheduledRunOutcome> {
  const { triggerScheduledRun } = proxyActivities<ScheduledRunActivities>({
    startToCloseTimeout: '1 minute',
    // A retry after a lost attempt finds the run that attempt queued still live and skips (the
    // overlap rule), so retrying never queues a second run for the same firing.
    retry: { maximumAttempts: 5, initialInterval: '5 seconds', nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS] },
  });
  return triggerScheduledRun({ scheduleId: input.scheduleId });
}
