import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FINAL_RUN_STATUSES, isFinalStatus, NotificationChannel, Run, type FinalRunStatus, type NotifyRunInput, type PlannedNotification } from '@qatron/domain';
import { notificationEventFor } from '@qatron/domain/notifications/rules';

/** Verdicts a recovery is judged against: a cancelled run reached no verdict about the tests. */
const VERDICTS = FINAL_RUN_STATUSES.filter((s) => s !== 'cancelled');

/**
 * The notifications of a run that reached its verdict: every enabled channel of its project whose
 * rules match (domain/notifications/rules.ts), each under a new delivery id; or the one channel an
 * admin tests. A run or channel gone meanwhile plans nothing.
 */
export async function planNotifications(em: EntityManager, input: NotifyRunInput): Promise<PlannedNotification[]> {
  if (input.kind === 'test') {
    const channel = await em.findOne(NotificationChannel, { id: input.channelId });
    return channel ? [{ channelId: channel.id, runId: null, event: 'test', deliveryId: randomUUID() }] : [];
  }
  const run = await em.findOne(Run, { id: input.runId });
  if (!run || !isFinalStatus(run.status)) return [];
  const channels = await em.find(NotificationChannel, { project: run.project, enabled: true }, { orderBy: { id: 'asc' } });
  if (channels.length === 0) return [];
  const verdict = { suiteId: run.suite, status: run.status, previousStatus: await previousVerdict(em, run) };
  return channels.flatMap((channel) => {
    const event = notificationEventFor(channel.rules, verdict);
    return event ? [{ channelId: channel.id, runId: run.id, event, deliveryId: randomUUID() }] : [];
  });
}

/** The verdict of the run of the same project, suite and environment triggered before this one; null when there is none. */
export async function previousVerdict(em: EntityManager, run: Run): Promise<FinalRunStatus | null> {
  const previous = await em.findOne(
    Run,
    { project: run.project, suite: run.suite, environment: run.environment, id: { $lt: run.id }, status: { $in: VERDICTS } },
    { orderBy: { id: 'desc' }, fields: ['status'] },
  );
  return previous && isFinalStatus(previous.status) ? previous.status : null;
}
