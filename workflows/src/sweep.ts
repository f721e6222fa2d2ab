import { proxyActivities } from '@temporalio/workflow';
import { NON_RETRYABLE_ERRORS, type RetentionActivities, type SweepResult } from '@qatron/domain/contract';

/**
 * The daily cleanup (PRD 13.2, DESIGN step 5), started by the `qatron-daily-sweep` schedule:
 * deletes the artifacts of runs past retention that the per-run timers missed, deactivates expired
 * service tokens and purges expired revoked sessions. The three are independent: each runs to its
 * end even when another fails, and the sweep then fails with the first failure, so that a broken
 * part shows in the schedule's recent actions without holding the others back. Bounded retries
 * and the schedule's execution timeout keep a failing sweep from overlapping the next day's.
 */
export async function sweepWorkflow(): Promise<SweepResult> {
  const long = proxyActivities<RetentionActivities>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '5 minutes',
    retry: { maximumAttempts: 3, initialInterval: '1 minute', nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS] },
  });
  const short = proxyActivities<RetentionActivities>({
    startToCloseTimeout: '5 minutes',
    retry: { maximumAttempts: 5, initialInterval: '10 seconds', nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS] },
  });
  // One moment for all three, Temporal's (see retention.ts on the workflow clock).
  const now = new Date().toISOString();
  const [artifacts, tokens, sessions] = await Promise.allSettled([
    long.sweepExpiredArtifacts({ now }),
    short.deactivateExpiredServiceTokens({ now }),
    short.purgeRevokedSessions({ now }),
  ]);
  return {
    runs: settledValue(artifacts).runs,
    serviceTokens: settledValue(tokens).serviceTokens,
    revokedSessions: settledValue(sessions).revokedSessions,
  };
}

/** The value of a settled activity, or its failure rethrown (which fails the workflow). */
function settledValue<T>(outcome: PromiseSettledResult<T>): T {
  if (outcome.status === 'rejected') throw outcome.reason;
  return outcome.value;
}

