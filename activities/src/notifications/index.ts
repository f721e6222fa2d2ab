/**
 * Run notifications (issue 17 item 3): the notify workflow's activities, built from the worker's
 * dependencies and its notification settings (config PUBLIC_URL and SMTP_*).
 */
import { Context } from '@temporalio/activity';
import type { NotificationActivities, SmtpConfig } from '@qatron/domain';
import type { ActivityDeps } from '../deps.js';
import { deliverNotification } from './deliver.js';
import { planNotifications } from './plan.js';

export { notifyRunEnded, startRunNotifications } from './start.js';
export { webhookSignature } from './webhook.js';

export interface NotificationSettings {
  /** The Board's address, for links to runs (config PUBLIC_URL). */
  publicUrl: string;
  smtp: SmtpConfig | null;
}

export function createNotificationActivities(deps: Pick<ActivityDeps, 'orm' | 'secrets' | 'runMetrics'>, settings: NotificationSettings): NotificationActivities {
  const em = () => deps.orm.em.fork();
  return {
    planNotifications: (input) => planNotifications(em(), input),
    // Temporal's attempt number is the delivery log's: every retry is a row of its own.
    deliverNotification: (planned) =>
      deliverNotification(em(), { secrets: deps.secrets, ...settings, countAttempt: (kind, outcome) => deps.runMetrics?.notificationAttempt(kind, outcome) }, planned, Context.current().info.attempt),
  };
}
