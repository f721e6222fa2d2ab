import { isCancellation, proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import { NON_RETRYABLE_ERRORS, type NotificationActivities, type NotificationOutcome, type NotifyRunInput, type NotifyRunResult, type PlannedNotification } from '@qatron/domain/contract';
import { failureMessage } from './run.js';

/**
 * How a notification is retried (issue 17 item 3): 6 attempts, 2 s apart at first and doubling up
 * to a minute (2, 4, 8, 16, 32 s: a receiver has about a minute to come back). A receiver that
 * refuses for good (4xx other than 408/429) fails the activity as NotificationRejected, which is
 * not retried. Every attempt is a row of the delivery log.
 */
export const DELIVERY_RETRY: RetryPolicy = {
  maximumAttempts: 6,
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS],
};

/**
 * A run's notifications (workflow id `notify-run-<runId>`, started by the run's finalize activity
 * once its verdict is written), or a test message to one channel: plans which channels hear of it
 * (one activity applying the rules), then delivers to each in its own activity, in parallel, so a
 * slow or failing receiver delays no other. A delivery that fails after its retries is reported in
 * the result and the delivery log; it never fails the workflow. A test message is tried once: the
 * admin who asked is waiting for the answer.
 */
export async function notifyRunWorkflow(input: NotifyRunInput): Promise<NotifyRunResult> {
  const { planNotifications } = proxyActivities<NotificationActivities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 5, initialInterval: '1 second', nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS] },
  });
  const { deliverNotification } = proxyActivities<NotificationActivities>({
    // A receiver gets 30 s to answer; the HTTP and SMTP clients time out sooner.
    startToCloseTimeout: '30 seconds',
    retry: input.kind === 'test' ? { maximumAttempts: 1 } : DELIVERY_RETRY,
  });
  const planned = await planNotifications(input);
  const deliver = async (notification: PlannedNotification): Promise<NotificationOutcome> => {
    try {
      return await deliverNotification(notification);
    } catch (err) {
      if (isCancellation(err)) throw err;
      return { channelId: notification.channelId, deliveryId: notification.deliveryId, delivered: false, error: failureMessage(err) };
    }
  };
  return { deliveries: await Promise.all(planned.map(deliver)) };
}
