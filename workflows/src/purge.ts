import { ActivityFailure, continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { NON_RETRYABLE_ERRORS, type PurgeActivities, type PurgeResult, type PurgeWorkflowInput } from '@qatron/domain/contract';

/**
 * Deletes what a deleted project, suite or environment left in the artifact store (issue 17
 * item 4), from the `purges` row the deletion recorded: batch by batch until no prefix is left,
 * then marks it purged and audits `<resource>.purged`. Workflow id `purgeWorkflowId(purgeId)`, on
 * `qatron-control`, started by the API inside the deleting transaction.
 *
 * Durable and resumable: the row's cursor, not this workflow, says which prefixes are gone, so a
 * retried batch, another worker or a continued-as-new execution goes on from there. A store outage
 * delays the purge; it never gives up on it.
 */
export async function purgeWorkflow(input: PurgeWorkflowInput): Promise<PurgeResult> {
  const recorded = proxyActivities<PurgeActivities>({
    startToCloseTimeout: '30 seconds',
    // About two minutes: the deleting transaction commits right after starting this workflow, or
    // rolled back (and deleted nothing): then there is nothing to purge.
    retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
  });
  const purge = proxyActivities<PurgeActivities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '2 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '10 minutes', nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS] },
  });
  try {
    await recorded.awaitPurgeRecorded(input);
  } catch (err) {
    if (err instanceof ActivityFailure) return { purged: false, objects: 0 };
    throw err;
  }
  for (;;) {
    const batch = await purge.purgeArtifactBatch(input);
    if (batch.remaining === 0) break;
    // A project with very many runs: keep the history small (the cursor carries the progress).
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof purgeWorkflow>(input);
  }
  return purge.finishPurge(input);
}
