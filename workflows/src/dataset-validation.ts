import { isCancellation, proxyActivities } from '@temporalio/workflow';
import { CONTROL_TASK_QUEUE, SHARDS_TASK_QUEUE } from '@qatron/domain/task-queues';
import { NON_RETRYABLE_ERRORS, type DatasetValidationActivities, type DatasetValidationInput, type DatasetValidationOutcome } from '@qatron/domain/contract';
import { failureMessage } from './run.js';

/**
 * Validates a dataset version against its expectation suite (FR-DATA-02). Great Expectations needs
 * Python, so the work runs on an execution worker. When it cannot be done at all (no worker picks
 * it up, the environment cannot be built, the content is corrupt), the version is marked failed
 * with the reason instead of staying pending: a suite that requires dataset health then says why.
 */
export async function datasetValidationWorkflow(input: DatasetValidationInput): Promise<DatasetValidationOutcome> {
  const { validateDatasetVersion } = proxyActivities<DatasetValidationActivities>({
    taskQueue: SHARDS_TASK_QUEUE,
    scheduleToStartTimeout: '10 minutes',
    startToCloseTimeout: '15 minutes',
    // The activity heartbeats every 2 s while pip and pandas work: a dead worker is noticed quickly.
    heartbeatTimeout: '30 seconds',
    retry: { maximumAttempts: 3, initialInterval: '2 seconds', nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS] },
  });
  const { recordDatasetValidationError } = proxyActivities<DatasetValidationActivities>({
    taskQueue: CONTROL_TASK_QUEUE,
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 5, initialInterval: '1 second' },
  });
  try {
    return await validateDatasetVersion({ versionId: input.versionId });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return recordDatasetValidationError({ versionId: input.versionId, message: `the version could not be validated: ${failureMessage(err)}` });
  }
}
