import type { EntityManager } from '@mikro-orm/postgresql';
import { NotificationChannel, NotificationDelivery, Suite, type NotificationChannelKind } from '@qatron/domain';
import { actorOf, changes, recordAudit } from '../audit/record.js';
import { conflict, notFound, validationFailed, type FieldError } from '../http/problems.js';
import type { Principal, RequestOrigin } from '../http/principal.js';
import { findVisibleProject, projectChildFilter } from '../http/scope.js';
import type { NotificationChannelCreateInput, NotificationChannelUpdateInput } from './schema.js';
import { channelFields, type ChannelFields } from './serialize.js';
import type { NotificationTestSender } from './test-sender.js';

/** A project's notification channels, by name; 404 if the caller may not see the project. */
export async function listChannels(em: EntityManager, principal: Principal, projectId: number, page: { limit: number; offset: number }) {
  const project = await findVisibleProject(em, principal, projectId);
  const [items, total] = await em.findAndCount(
    NotificationChannel,
    { organization: project.organization, project: project.id },
    { orderBy: { name: 'asc', id: 'asc' }, limit: page.limit, offset: page.offset },
  );
  return { items, total };
}

/** One channel the caller may see; 404 otherwise (another organization, or outside a scoped token's project). */
export async function getChannel(em: EntityManager, principal: Principal, id: number): Promise<NotificationChannel> {
  const channel = await em.findOne(NotificationChannel, { ...projectChildFilter(principal), id });
  if (!channel) throw notFound('Notification channel', id);
  return channel;
}

export async function createChannel(em: EntityManager, principal: Principal, projectId: number, input: NotificationChannelCreateInput, origin: RequestOrigin): Promise<NotificationChannel> {
  const project = await findVisibleProject(em, principal, projectId);
  const fields: ChannelFields = { name: input.name, kind: input.kind, url: input.url, secret_ref: input.secret_ref, recipients: input.recipients, on: input.on, suite_ids: input.suite_ids, enabled: input.enabled };
  const problems = [...kindProblems(fields), ...(await suiteProblems(em, project.id, fields.suite_ids))];
  if (problems.length) throw validationFailed(problems);
  await assertNameFree(em, project.id, fields.name);
  const channel = new NotificationChannel(project.organization, project.id, fields.name, fields.kind);
  assign(channel, fields);
  await em.transactional(async (tx) => {
    tx.persist(channel);
    await tx.flush();
    recordAudit(tx, actorOf(principal), 'notification_channel.created', { type: 'notification_channel', id: channel.id }, { project_id: project.id, ...channelFields(channel) }, origin);
  });
  return channel;
}

/** Updates the fields given (the kind stays); the result must still fit the channel's kind. */
export async function updateChannel(em: EntityManager, principal: Principal, id: number, input: NotificationChannelUpdateInput, origin: RequestOrigin): Promise<NotificationChannel> {
  const channel = await getChannel(em, principal, id);
  const before = channelFields(channel);
  const next: ChannelFields = {
    name: input.name ?? channel.name,
    kind: channel.kind,
    url: input.url !== undefined ? input.url : channel.url,
    secret_ref: input.secret_ref !== undefined ? input.secret_ref : channel.secretRef,
    recipients: input.recipients ?? channel.recipients,
    on: input.on ?? channel.rules.on,
    suite_ids: input.suite_ids ?? channel.rules.suite_ids,
    enabled: input.enabled ?? channel.enabled,
  };
  const diff = changes(before, next);
  if (Object.keys(diff).length === 0) return channel;
  const problems = kindProblems(next);
  if (diff.suite_ids) problems.push(...(await suiteProblems(em, channel.project, next.suite_ids)));
  if (problems.length) throw validationFailed(problems);
  if (diff.name) await assertNameFree(em, channel.project, next.name);
  assign(channel, next);
  recordAudit(em, actorOf(principal), 'notification_channel.updated', { type: 'notification_channel', id }, diff, origin);
  await em.flush();
  return channel;
}

/** Deletes a channel with its delivery log. */
export async function deleteChannel(em: EntityManager, principal: Principal, id: number, origin: RequestOrigin): Promise<void> {
  const channel = await getChannel(em, principal, id);
  recordAudit(em, actorOf(principal), 'notification_channel.deleted', { type: 'notification_channel', id }, { project_id: channel.project, name: channel.name, kind: channel.kind }, origin);
  em.remove(channel);
  await em.flush();
}

/** A channel's delivery log, newest attempt first. */
export async function listDeliveries(em: EntityManager, principal: Principal, id: number, page: { limit: number; offset: number }) {
  const channel = await getChannel(em, principal, id);
  const [items, total] = await em.findAndCount(NotificationDelivery, { channel: channel.id }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: page.limit, offset: page.offset });
  return { items, total };
}

/** Sends the channel a test message now, once, through a worker (which holds its secrets), and audits that it was asked. */
export async function testChannel(em: EntityManager, principal: Principal, id: number, sender: NotificationTestSender, origin: RequestOrigin) {
  const channel = await getChannel(em, principal, id);
  const outcome = await sender.send(channel.id);
  const attempt = outcome ? await em.findOne(NotificationDelivery, { deliveryId: outcome.deliveryId }, { orderBy: { id: 'desc' } }) : null;
  const answer = {
    delivered: outcome?.delivered ?? false,
    delivery_id: outcome?.deliveryId ?? null,
    status_code: attempt?.statusCode ?? null,
    error: outcome ? outcome.error : 'no worker sent the test message in time; see the delivery log',
  };
  recordAudit(em, actorOf(principal), 'notification_channel.tested', { type: 'notification_channel', id }, { delivered: answer.delivered, status_code: answer.status_code }, origin);
  await em.flush();
  return answer;
}

function assign(channel: NotificationChannel, fields: ChannelFields): void {
  channel.name = fields.name;
  channel.url = fields.url;
  channel.secretRef = fields.secret_ref;
  channel.recipients = fields.recipients;
  channel.rules = { on: fields.on, suite_ids: fields.suite_ids };
  channel.enabled = fields.enabled;
}

/** What each kind needs, and what it must not carry (a Slack URL is a credential: it is named, never stored). */
const KIND_RULES: Record<NotificationChannelKind, { url: boolean; secret_ref: boolean; recipients: boolean }> = {
  webhook: { url: true, secret_ref: true, recipients: false },
  slack: { url: false, secret_ref: true, recipients: false },
  email: { url: false, secret_ref: false, recipients: true },
};

function kindProblems(fields: ChannelFields): FieldError[] {
  const rule = KIND_RULES[fields.kind];
  const problems: FieldError[] = [];
  const check = (field: 'url' | 'secret_ref' | 'recipients', present: boolean, needed: string, refused: string) => {
    if (rule[field] && !present) problems.push({ field, message: needed });
    if (!rule[field] && present) problems.push({ field, message: refused });
  };
  check('url', fields.url !== null, 'is required for a webhook', fields.kind === 'slack' ? "must be null: a Slack webhook URL is a secret; name it in secret_ref" : 'must be null for an email channel');
  check('secret_ref', fields.secret_ref !== null, fields.kind === 'webhook' ? 'is required: the name of the secret that signs the body' : 'is required: the name of the secret holding the Slack incoming-webhook URL', 'must be null: email is sent with the SMTP login of the workers');
  check('recipients', fields.recipients.length > 0, 'must name at least one recipient', `must be empty for a ${fields.kind} channel`);
  return problems;
}

/** The suites of the filter must be the project's; another project's ids are answered like ids that exist nowhere. */
async function suiteProblems(em: EntityManager, projectId: number, suiteIds: number[]): Promise<FieldError[]> {
  if (suiteIds.length === 0) return [];
  const found = new Set((await em.find(Suite, { project: projectId, id: { $in: suiteIds } }, { fields: ['id'] })).map((s) => s.id));
  return suiteIds.flatMap((id, i) => (found.has(id) ? [] : [{ field: `suite_ids.${i}`, message: `suite ${id} does not exist in this project` }]));
}

async function assertNameFree(em: EntityManager, projectId: number, name: string): Promise<void> {
  if ((await em.count(NotificationChannel, { project: projectId, name })) > 0) throw conflict(`This project already has a notification channel named ${name}`, 'already_exists');
}
