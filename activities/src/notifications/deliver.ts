import type { EntityManager } from '@mikro-orm/postgresql';
import { Environment, isFinalStatus, NotificationChannel, NotificationDelivery, Project, Run, Suite, type NotificationOutcome, type PlannedNotification, type SmtpConfig } from '@qatron/domain';
import { boardProjectUrl, boardRunUrl, emailMessage, slackMessage, webhookBody, type Notice, type RunNotice } from '@qatron/domain/notifications/messages';
import { activityFailure } from '../failures.js';
import { redact, resolveSecret, SecretNotFoundError, type SecretSource } from '../execution/secrets.js';
import { sendEmail } from './email.js';
import { previousVerdict } from './plan.js';
import { postJson, webhookSignature, type ReceiverAnswer } from './webhook.js';

/** What delivering needs besides the database: the worker's secrets, the Board's address, the SMTP server. */
export interface DeliverySettings {
  secrets: SecretSource;
  /** Links in messages point here (config PUBLIC_URL). */
  publicUrl: string;
  smtp: SmtpConfig | null;
  /** Counts each recorded attempt for the worker's metrics (issue 17 item 1): by channel kind and how it ended. */
  countAttempt?: (kind: string, outcome: DeliveryAttemptOutcome) => void;
}

/** How one delivery attempt ended: accepted, refused for good, or to be retried. */
export type DeliveryAttemptOutcome = 'delivered' | 'rejected' | 'retrying';

/**
 * One attempt to deliver one notification: the message for the channel's kind, sent, and recorded
 * as a row of the delivery log whatever happened. An attempt that was not accepted then fails the
 * activity, retryable or not as the receiver's answer says, so Temporal's retry policy (the notify
 * workflow's DELIVERY_RETRY) makes the next attempt. Secret values never reach the log: errors are
 * redacted of them.
 */
export async function deliverNotification(em: EntityManager, settings: DeliverySettings, planned: PlannedNotification, attempt: number): Promise<NotificationOutcome> {
  const channel = await em.findOne(NotificationChannel, { id: planned.channelId });
  if (!channel) return { channelId: planned.channelId, deliveryId: planned.deliveryId, delivered: false, error: 'the channel was deleted' };
  const notice = await noticeOf(em, channel, planned, settings.publicUrl);
  if (!notice) return { channelId: channel.id, deliveryId: planned.deliveryId, delivered: false, error: 'the run was deleted' };
  const used: string[] = [];
  let answer: ReceiverAnswer;
  try {
    answer = await send(channel, notice, settings, used);
  } catch (err) {
    if (!(err instanceof SecretNotFoundError)) throw err;
    answer = { statusCode: null, error: err.message, retryable: false };
  }
  const error = answer.error === null ? null : redact(answer.error, used);
  const row = new NotificationDelivery(channel.organization, channel.id, planned.runId, planned.deliveryId, planned.event, attempt);
  row.statusCode = answer.statusCode;
  row.error = error;
  row.deliveredAt = error === null ? new Date() : null;
  await em.persist(row).flush();
  settings.countAttempt?.(channel.kind, error === null ? 'delivered' : answer.retryable ? 'retrying' : 'rejected');
  if (error !== null) throw activityFailure(answer.retryable ? 'NotificationUndelivered' : 'NotificationRejected', `${channel.kind} channel ${channel.name}: ${error}`);
  return { channelId: channel.id, deliveryId: planned.deliveryId, delivered: true, error: null };
}

/** Sends the notice the channel's way; the secrets it resolved are added to `used` for redaction. */
async function send(channel: NotificationChannel, notice: Notice, settings: DeliverySettings, used: string[]): Promise<ReceiverAnswer> {
  const secret = (name: string | null | undefined): string | undefined => {
    if (!name) return undefined;
    const value = resolveSecret(name, settings.secrets);
    used.push(value);
    return value;
  };
  switch (channel.kind) {
    case 'webhook': {
      const rawBody = JSON.stringify(webhookBody(notice));
      const headers: Record<string, string> = { 'x-qatron-event': notice.event, 'x-qatron-delivery': notice.deliveryId };
      const key = secret(channel.secretRef);
      if (key !== undefined) headers['x-qatron-signature'] = webhookSignature(key, rawBody);
      return postJson(channel.url ?? '', rawBody, headers);
    }
    case 'slack':
      return postJson(secret(channel.secretRef) ?? '', JSON.stringify(slackMessage(notice)), {});
    case 'email': {
      if (!settings.smtp) return { statusCode: null, error: 'no SMTP server is configured on this worker (SMTP_HOST, SMTP_FROM)', retryable: false };
      return sendEmail(settings.smtp, secret(settings.smtp.passwordSecret), { to: channel.recipients, ...emailMessage(notice) });
    }
  }
}

/** The notice the planned notification is about, or null when its run is gone. */
async function noticeOf(em: EntityManager, channel: NotificationChannel, planned: PlannedNotification, publicUrl: string): Promise<Notice | null> {
  const project = await em.findOneOrFail(Project, { id: channel.project });
  if (planned.event === 'test' || planned.runId === null) {
    return { event: 'test', deliveryId: planned.deliveryId, project: { id: project.id, name: project.name }, channel: { id: channel.id, name: channel.name }, url: boardProjectUrl(publicUrl, project.id) };
  }
  const run = await em.findOne(Run, { id: planned.runId });
  if (!run || !isFinalStatus(run.status)) return null;
  const [suite, environment, previous] = await Promise.all([em.findOneOrFail(Suite, { id: run.suite }), em.findOneOrFail(Environment, { id: run.environment }), previousVerdict(em, run)]);
  const notice: RunNotice = {
    event: planned.event,
    deliveryId: planned.deliveryId,
    project: { id: project.id, name: project.name },
    suite: { id: suite.id, name: suite.name },
    environment: { id: environment.id, name: environment.name },
    run: {
      id: run.id,
      status: run.status,
      statusReason: run.statusReason,
      branch: run.branch,
      commit: run.commit,
      counts: { total: run.totalTests, passed: run.passedTests, failed: run.failedTests, error: run.errorTests, skipped: run.skippedTests, flaky: run.flakyTests },
      durationSeconds: run.durationSeconds,
      completedAt: run.completedAt?.toISOString() ?? null,
      url: boardRunUrl(publicUrl, run.id),
    },
    previousStatus: previous,
  };
  return notice;
}
