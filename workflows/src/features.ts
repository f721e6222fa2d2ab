import { proxyActivities } from '@temporalio/workflow';
import { SHARDS_TASK_QUEUE } from '@qatron/domain/task-queues';
import { NON_RETRYABLE_ERRORS, type FeatureActivities, type FeatureIngestionInput, type IngestionRecord } from '@qatron/domain/contract';

/**
 * Indexes a project's feature files at its branch head (FR-BDD-01 on registration, and on demand).
 * The work needs the repository, so it runs on an execution worker, which keeps the git mirrors.
 */
export async function featureIngestionWorkflow(input: FeatureIngestionInput): Promise<IngestionRecord> {
  const { ingestProjectFeatures } = proxyActivities<FeatureActivities>({
    taskQueue: SHARDS_TASK_QUEUE,
    scheduleToStartTimeout: '10 minutes',
    startToCloseTimeout: '10 minutes',
    retry: { maximumAttempts: 3, initialInterval: '2 seconds', nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS] },
  });
  return ingestProjectFeatures({ projectId: input.projectId, branch: input.branch ?? null });
}
