import {
  CancellationScope,
  continueAsNew,
  ParentClosePolicy,
  proxyActivities,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { NON_RETRYABLE_ERRORS, retentionWorkflowId, type RetentionActivities, type RetentionResult, type RetentionWorkflowInput } from '@qatron/domain/contract';
import { CONTROL_TASK_QUEUE } from '@qatron/domain/task-queues';

/**
 * How often a waiting run re-reads its due date. Daily, so that a changed environment retention
 * (shorter or longer) reaches every waiting run within a day without signalling each workflow.
 */
const RECHECK_MS = 24 * 60 * 60 * 1000;
/**
 * Wake-ups per workflow execution before it continues as new: a year of daily checks is about
 * 3,000 history events; retention may be up to 3,650 days, which in one history would pass
 * Temporal's event limits.
 */
const WAKES_PER_EXECUTION = 365;

/**
 * Temporal's clock. Inside the workflow sandbox `Date` is the time of the current workflow task as
 * Temporal recorded it, replayed identically, and skipped along with the time-skipping test server.
 * An activity's clock would be the worker's wall clock: neither replay-safe as an input to a
 * decision nor skippable in tests.
 */
const temporalNow = () => new Date().getTime();

/**
 * A run's artifact retention (PRD 13.1-13.2, DESIGN step 5): a durable timer until
 * `completed_at + retention`, then the run's artifacts are deleted and `artifacts_deleted` set;
 * the run's metadata stays. Workflow id `retentionWorkflowId(runId)`, on `qatron-control`.
 *
 * It wakes at least daily and re-reads the due date, so that a changed environment retention
 * applies to runs already waiting. The activities run on the workflow's own task queue.
 *
 * CHANGING THIS WORKFLOW: executions sleep for months across deployments and are replayed by
 * whatever code the worker runs then. Any change to the commands it issues (which activities,
 * timers and in what order) must keep the old path for old histories: branch on
 * `patched('<change-id>')` (later `deprecatePatch`), and check it with a replay test of a recorded
 * history. Changing RECHECK_MS is safe (replay compares which timers start, not their length);
 * lowering WAKES_PER_EXECUTION is not (an old history has a timer where the new code would
 * continue as new). Everything about a run is read by activities: most changes belong there.
 */
export async function retentionWorkflow(input: RetentionWorkflowInput): Promise<RetentionResult> {
  const activities = proxyActivities<RetentionActivities>({
    startToCloseTimeout: '10 minutes',
    // A store or database outage delays the deletion; it never gives up on it. (A run that has
    // not finished fails the activity as non-retryable, and with it this workflow: a bug to see.)
    retry: { initialInterval: '10 seconds', maximumInterval: '1 hour', nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS] },
  });
  for (let wakes = 0; ; wakes++) {
    const { dueAt } = await activities.retentionDueAt({ runId: input.runId });
    if (dueAt === null) return { artifactsDeleted: false, objects: 0 };
    const remaining = Date.parse(dueAt) - temporalNow();
    if (remaining <= 0) {
      const deletion = await activities.deleteRunArtifacts({ runId: input.runId });
      return { artifactsDeleted: deletion.deleted, objects: deletion.objects };
    }
    if (wakes >= WAKES_PER_EXECUTION || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof retentionWorkflow>(input);
    }
    await sleep(Math.min(remaining, RECHECK_MS));
  }
}

/**
 * Starts a finished run's retention timer from the run workflow, as a child workflow that outlives
 * it (ParentClosePolicy.ABANDON). Not cancellable, so that a cancelled run still gets its timer;
 * a timer already running for the run is kept.
 */
export async function startRetention(runId: number): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    try {
      await startChild(retentionWorkflow, {
        workflowId: retentionWorkflowId(runId),
        args: [{ runId }],
        taskQueue: CONTROL_TASK_QUEUE,
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  });
}
