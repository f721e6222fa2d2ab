import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from '@qatron/activities/notifications/testing/receivers';
import { newNamespace, startNotificationWorker, type NotificationWorker } from '@qatron/activities/notifications/testing/worker';
import { AuditLog, NotificationDelivery, type AuditAction, type Project } from '@qatron/domain';
import { buildOrganization, buildProject, buildRun, buildSuite } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';

/**
 * Notification channels through the API (issue 17 item 3): admins write, viewers read, other
 * organizations see nothing (tenancy.int.test.ts walks every operation), every change is audited,
 * the delivery log lists attempts, and a test message is sent by a real worker to a real receiver.
 */
const HOOK_KEY = 'test-hook-signing-key-0123456789';

let api: TestApi;
let worker: NotificationWorker;
let receiver: HttpReceiver;
let admin: string;
let viewer: string;

beforeAll(async () => {
  const address = inject('temporalAddress');
  const namespace = await newNamespace(address);
  api = await startTestApi({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace });
  receiver = await startHttpReceiver();
  worker = await startNotificationWorker(address, api.orm, { env: { HOOK_KEY } }, { publicUrl: 'https://qatron.example.test', smtp: null }, namespace);
  admin = await api.login('admin', 'admin');
  viewer = (await api.userWithToken('viewer')).token;
}, 180_000);
afterAll(async () => {
  await worker?.stop();
  await receiver?.close();
  await api?.close();
});

const em = () => api.orm.em.fork();
const auditOf = (action: AuditAction, id: number) => em().find(AuditLog, { action, resourceType: 'notification_channel', resourceId: String(id) }, { orderBy: { id: 'asc' } });
const fields = (res: { body: { errors?: { field: string; message: string }[] } }) => (res.body.errors ?? []).map((e) => `${e.field}: ${e.message}`);
const ownProject = () => buildProject(em(), { organization: api.organization });
const create = (project: Project, json: unknown, token = admin) => api.request('POST', `/api/v1/projects/${project.id}/notification-channels`, { token, json });
const webhookChannel = (url = `${receiver.url}/hook`) => ({ name: 'ops', kind: 'webhook', url, secret_ref: 'HOOK_KEY', on: ['failure', 'recovery'] });

describe('notification channels', () => {
  it('creates each kind with its rules, answers them to viewers, and audits the creation with secret names only', async () => {
    const project = await ownProject();
    const suite = await buildSuite(em(), { project, name: 'smoke' });
    const hook = await create(project, { ...webhookChannel(), suite_ids: [suite.id] });
    expect(hook.status).toBe(201);
    expect(hook.body).toEqual({
      id: expect.any(Number),
      organization_id: api.organization.id,
      project_id: project.id,
      name: 'ops',
      kind: 'webhook',
      url: `${receiver.url}/hook`,
      secret_ref: 'HOOK_KEY',
      recipients: [],
      on: ['failure', 'recovery'],
      suite_ids: [suite.id],
      enabled: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const slack = await create(project, { name: 'team', kind: 'slack', secret_ref: 'SLACK_QA_WEBHOOK', on: ['every_run'] });
    expect(slack.status).toBe(201);
    const email = await create(project, { name: 'leads', kind: 'email', recipients: ['lead@example.test'] });
    expect(email.status).toBe(201);
    expect(email.body).toMatchObject({ on: ['failure'], suite_ids: [], url: null, secret_ref: null });

    const list = await api.request('GET', `/api/v1/projects/${project.id}/notification-channels`, { token: viewer });
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual(['leads', 'ops', 'team']);
    expect(list.body.total).toBe(3);
    expect((await api.request('GET', `/api/v1/notification-channels/${slack.body.id}`, { token: viewer })).body).toEqual(slack.body);

    const [created] = await auditOf('notification_channel.created', hook.body.id);
    expect(created!.details).toMatchObject({ project_id: project.id, kind: 'webhook', secret_ref: 'HOOK_KEY', url: `${receiver.url}/hook` });
  });

  it("refuses what does not fit the kind, another project's suites, a pasted secret and a taken name", async () => {
    const project = await ownProject();
    const foreignSuite = await buildSuite(em(), { project: await ownProject() });
    const cases: [unknown, string[]][] = [
      [{ name: 'a', kind: 'webhook', secret_ref: 'K' }, ['url: is required for a webhook']],
      [{ name: 'a', kind: 'webhook', url: 'https://h.example.test' }, ['secret_ref: is required: the name of the secret that signs the body']],
      [{ name: 'a', kind: 'slack', url: 'https://hooks.slack.com/services/T/B/x', secret_ref: 'S' }, ['url: must be null: a Slack webhook URL is a secret; name it in secret_ref']],
      [{ name: 'a', kind: 'email', recipients: [] }, ['recipients: must name at least one recipient']],
      [{ name: 'a', kind: 'email', recipients: ['not-an-address'] }, ['recipients.0: must be an email address']],
      [{ name: 'a', kind: 'email', recipients: ['x@example.test'], on: [] }, ['on: must name at least one trigger']],
      [{ name: 'a', kind: 'email', recipients: ['x@example.test'], suite_ids: [foreignSuite.id] }, [`suite_ids.0: suite ${foreignSuite.id} does not exist in this project`]],
      [{ name: 'a', kind: 'webhook', url: 'ftp://h.example.test', secret_ref: 'K' }, ['url: must be an http:// or https:// URL']],
    ];
    for (const [json, expected] of cases) {
      const res = await create(project, json);
      expect(res.status, JSON.stringify(json)).toBe(422);
      expect(fields(res)).toEqual(expected);
    }
    const pasted = await create(project, { name: 'a', kind: 'slack', secret_ref: 'xoxb-1234-5678-abcdefghijkl' });
    expect(pasted.status).toBe(422);
    expect(JSON.stringify(pasted.body)).not.toContain('xoxb-1234');
    expect((await create(project, webhookChannel())).status).toBe(201);
    expect((await create(project, webhookChannel())).status).toBe(409);
  });

  it('lets admins update and delete, refuses viewers, and audits both', async () => {
    const project = await ownProject();
    const { body: channel } = await create(project, webhookChannel());
    expect((await create(project, { name: 'x', kind: 'email', recipients: ['a@example.test'] }, viewer)).status).toBe(403);
    expect((await api.request('PUT', `/api/v1/notification-channels/${channel.id}`, { token: viewer, json: { enabled: false } })).status).toBe(403);
    expect((await api.request('DELETE', `/api/v1/notification-channels/${channel.id}`, { token: viewer })).status).toBe(403);
    expect((await api.request('POST', `/api/v1/notification-channels/${channel.id}/test`, { token: viewer })).status).toBe(403);

    const updated = await api.request('PUT', `/api/v1/notification-channels/${channel.id}`, { token: admin, json: { on: ['every_run'], enabled: false } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ on: ['every_run'], enabled: false, kind: 'webhook' });
    expect((await api.request('PUT', `/api/v1/notification-channels/${channel.id}`, { token: admin, json: { url: null } })).status).toBe(422);
    const [update] = await auditOf('notification_channel.updated', channel.id);
    expect(update!.details).toEqual({ on: { from: ['failure', 'recovery'], to: ['every_run'] }, enabled: { from: true, to: false } });

    expect((await api.request('DELETE', `/api/v1/notification-channels/${channel.id}`, { token: admin })).status).toBe(204);
    expect((await api.request('GET', `/api/v1/notification-channels/${channel.id}`, { token: admin })).status).toBe(404);
    expect(await auditOf('notification_channel.deleted', channel.id)).toHaveLength(1);
  });

  it("answers 404 for another organization's project and channels", async () => {
    const foreign = await buildProject(em(), { organization: await buildOrganization(em()) });
    expect((await create(foreign, webhookChannel())).status).toBe(404);
    expect((await api.request('GET', `/api/v1/projects/${foreign.id}/notification-channels`, { token: admin })).status).toBe(404);
  });
});

describe('the delivery log and test messages', () => {
  it('lists every attempt newest first, with its run, status code or error', async () => {
    const project = await ownProject();
    const { body: channel } = await create(project, webhookChannel());
    const run = await buildRun(em(), { project, status: 'failed' });
    const fork = em();
    const first = Object.assign(new NotificationDelivery(project.organization, channel.id, run.id, 'd-1', 'run.failed', 1), { statusCode: 503, error: 'HTTP 503 Service Unavailable', createdAt: new Date('2026-12-07T00:00:00Z') });
    const second = Object.assign(new NotificationDelivery(project.organization, channel.id, run.id, 'd-1', 'run.failed', 2), { statusCode: 200, deliveredAt: new Date('2026-12-07T00:00:02Z'), createdAt: new Date('2026-12-07T00:00:02Z') });
    await fork.persist([first, second]).flush();
    const res = await api.request('GET', `/api/v1/notification-channels/${channel.id}/deliveries`, { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        { id: second.id, channel_id: channel.id, run_id: run.id, delivery_id: 'd-1', event: 'run.failed', attempt: 2, status_code: 200, error: null, delivered_at: '2026-12-07T00:00:02.000Z', created_at: '2026-12-07T00:00:02.000Z' },
        { id: first.id, channel_id: channel.id, run_id: run.id, delivery_id: 'd-1', event: 'run.failed', attempt: 1, status_code: 503, error: 'HTTP 503 Service Unavailable', delivered_at: null, created_at: '2026-12-07T00:00:00.000Z' },
      ],
      total: 2,
      limit: 50,
      offset: 0,
    });
  });

  it('sends a signed test message through a real worker and answers the receiver\'s status; a refusal is answered too', async () => {
    const project = await ownProject();
    const { body: channel } = await create(project, webhookChannel(`${receiver.url}/test-hook`));
    const res = await api.request('POST', `/api/v1/notification-channels/${channel.id}/test`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ delivered: true, delivery_id: expect.any(String), status_code: 200, error: null });
    const [sent] = receiver.requests.filter((r) => r.path === '/test-hook');
    expect(sent!.headers['x-qatron-event']).toBe('test');
    expect(sent!.headers['x-qatron-delivery']).toBe(res.body.delivery_id);
    expect(sent!.headers['x-qatron-signature']).toBe(`sha256=${createHmac('sha256', HOOK_KEY).update(sent!.rawBody).digest('hex')}`);
    expect(JSON.parse(sent!.rawBody)).toMatchObject({ event: 'test', project: { id: project.id }, channel: { id: channel.id, name: 'ops' } });

    // A test is tried once: a 500 is answered at once, not retried.
    receiver.answers.push(500);
    const failed = await api.request('POST', `/api/v1/notification-channels/${channel.id}/test`, { token: admin });
    expect(failed.body).toEqual({ delivered: false, delivery_id: expect.any(String), status_code: 500, error: 'webhook channel ops: HTTP 500 Internal Server Error' });
    expect(receiver.requests.filter((r) => r.path === '/test-hook')).toHaveLength(2);
    const log = await api.request('GET', `/api/v1/notification-channels/${channel.id}/deliveries`, { token: admin });
    expect(log.body.items.map((d: { event: string; run_id: number | null; status_code: number }) => [d.event, d.run_id, d.status_code])).toEqual([['test', null, 500], ['test', null, 200]]);
    expect((await auditOf('notification_channel.tested', channel.id)).map((a) => a.details)).toEqual([{ delivered: true, status_code: 200 }, { delivered: false, status_code: 500 }]);
  }, 60_000);

  it('answers 503 for a test where the API has no run engine', async () => {
    const detached = await startTestApi();
    try {
      const token = await detached.login('admin', 'admin');
      const project = await buildProject(detached.orm.em.fork(), { organization: detached.organization });
      const { body: channel } = await detached.request('POST', `/api/v1/projects/${project.id}/notification-channels`, { token, json: webhookChannel() });
      const res = await detached.request('POST', `/api/v1/notification-channels/${channel.id}/test`, { token });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('engine_unavailable');
    } finally {
      await detached.close();
    }
  });
});
