import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { CONTROL_TASK_QUEUE } from '@qatron/domain/task-queues';
import { notifyRunWorkflowId, type QatronWorkflows } from '@qatron/domain/contract';

/**
 * Starts the run's notifications (`notify-run-<runId>`) once its verdict is written. The run
 * workflow's commands stay as they are (its recorded histories replay): the finalize activity
 * starts this workflow through the worker's client instead. The id is refused while or after one
 * ran (REJECT_DUPLICATE), so a retried finalize sends nothing twice.
 */
export async function startRunNotifications(temporal: Client, runId: number): Promise<void> {
  try {
    await temporal.workflow.start<QatronWorkflows['notifyRunWorkflow']>('notifyRunWorkflow', {
      taskQueue: CONTROL_TASK_QUEUE,
      workflowId: notifyRunWorkflowId(runId),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ kind: 'run', runId }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * Notifications are told beside the verdict, like test health: a start that fails is logged and
 * does not keep a run whose verdict is written from ending.
 */
export async function notifyRunEnded(temporal: Client, runId: number): Promise<void> {
  await startRunNotifications(temporal, runId).catch((err: unknown) =>
    console.warn(`notifications of run ${runId} were not started: ${err instanceof Error ? err.message : String(err)}`),
  );
}
