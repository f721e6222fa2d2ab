import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NotificationChannel, NotificationDelivery, notifyRunWorkflowId, Run, type Environment, type FinalRunStatus, type NotifyRunResult, type Project, type RunConclusion, type Suite } from '@qatron/domain';
import { connectDatabase, type MikroORM } from '@qatron/domain/db';
import { buildEnvironment, buildProject, buildRun, buildSuite } from '@qatron/domain/testing';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { createFinalizeActivities } from '../runs/finalize.js';
import { startRunNotifications } from './start.js';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from './testing/receivers.js';
import { recordHistories, startNotificationWorker, type NotificationWorker } from './testing/worker.js';

/**
 * Run notifications end to end on the integration tier (issue 17 item 3): a run row reaches its
 * verdict, the finalize activity starts `notify-run-<id>`, a real worker plans and delivers through
 * Temporal with its retry policy, to real receivers started here: an HTTP server for webhooks
 * (checking the HMAC with the secret), a Slack-like receiver, and Python's aiosmtpd for email.
 */
const HOOK_KEY = 'whsec-0123456789abcdef-signing-key';
const PUBLIC_URL = 'https://qatron.example.test';
const SLACK_PATH = '/services/T0001/B0001/not-a-real-token';

let drop: () => Promise<void>;
let orm: MikroORM;
let webhook: HttpReceiver;
let slack: HttpReceiver;
let smtp: SmtpReceiver;
let worker: NotificationWorker;
let project: Project;
let suite: Suite;
let environment: Environment;
const em = () => orm.em.fork();
/** What the worker's metrics were told of each delivery attempt (qatron_notification_deliveries_total). */
const counted: string[] = [];

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url, { pool: { min: 0, max: 4 } });
  [webhook, slack, smtp] = await Promise.all([startHttpReceiver(), startHttpReceiver(), startSmtpReceiver()]);
  worker = await startNotificationWorker(inject('temporalAddress'), orm, { env: { HOOK_KEY, SLACK_HOOK_URL: `${slack.url}${SLACK_PATH}` } }, {
    publicUrl: PUBLIC_URL,
    smtp: { host: smtp.host, port: smtp.port, from: 'QAtron <qatron@example.test>', user: undefined, passwordSecret: undefined },
  }, undefined, { runFinished: async () => undefined, artifactBytesDeleted: () => undefined, notificationAttempt: (kind, outcome) => void counted.push(`${kind} ${outcome}`) });
  project = await buildProject(em(), { name: 'shop' });
  suite = await buildSuite(em(), { project, name: 'smoke' });
  environment = await buildEnvironment(em(), { project, name: 'staging' });
}, 300_000);
afterAll(async () => {
  const recordTo = process.env.QATRON_RECORD_HISTORIES;
  if (recordTo && worker) console.log(`recorded: ${(await recordHistories(worker, join(recordTo, 'notifications'))).join(', ')}`);
  await worker?.stop();
  await Promise.all([webhook?.close(), slack?.close(), smtp?.close()]);
  await orm?.close(true);
  await drop?.();
});

async function channel(name: string, kind: NotificationChannel['kind'], fields: Partial<Pick<NotificationChannel, 'url' | 'secretRef' | 'recipients' | 'rules'>>, of: Project = project): Promise<NotificationChannel> {
  const row = Object.assign(new NotificationChannel(of.organization, of.id, name, kind), fields);
  await em().persist(row).flush();
  return row;
}

/** A run row with its verdict written, as finalize leaves it. */
async function finishedRun(status: FinalRunStatus, options: { suite?: Suite; of?: Project; env?: Environment } = {}): Promise<Run> {
  const run = await buildRun(em(), { project: options.of ?? project, suite: options.suite ?? suite, environment: options.env ?? environment, status });
  await em().nativeUpdate(Run, { id: run.id }, { totalTests: 12, passedTests: 10, failedTests: 2, durationSeconds: 83, completedAt: new Date(), commit: 'a1b2c3d4e5f6a7b8' });
  return run;
}

const notified = (runId: number) => worker.client.workflow.getHandle(notifyRunWorkflowId(runId)).result() as Promise<NotifyRunResult>;
const deliveriesOf = (channelId: number) => em().find(NotificationDelivery, { channel: channelId }, { orderBy: { attempt: 'asc', id: 'asc' } });
const signature = (rawBody: string) => `sha256=${createHmac('sha256', HOOK_KEY).update(rawBody).digest('hex')}`;

describe('notifying a run that reached its verdict', () => {
  it('signs a webhook, retries a 500 with backoff until the 200, logs both attempts, and sends once however often finalize is retried', async () => {
    const otherProject = await buildProject(em(), { name: 'billing' });
    const hook = await channel('ops-webhook', 'webhook', { url: `${webhook.url}/qatron`, secretRef: 'HOOK_KEY', rules: { on: ['failure'], suite_ids: [] } }, otherProject);
    const run = await buildRun(em(), { project: otherProject, status: 'running' });
    webhook.answers.push(500);
    const finalize = createFinalizeActivities({ em, deps: { temporal: worker.client } }).finalizeRun;
    const conclusion: RunConclusion = { runId: run.id, ending: { kind: 'preparation_failed', cause: 'infrastructure', reason: 'no worker picked the run up' }, shards: [], plan: null, coverage: null };
    expect(await finalize(conclusion)).toBe('infra_failed');

    const result = await notified(run.id);
    expect(result.deliveries).toEqual([{ channelId: hook.id, deliveryId: expect.any(String), delivered: true, error: null }]);
    const received = webhook.requests.filter((r) => r.path === '/qatron');
    expect(received).toHaveLength(2);
    for (const request of received) {
      expect(request.method).toBe('POST');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['x-qatron-event']).toBe('run.failed');
      expect(request.headers['x-qatron-delivery']).toBe(result.deliveries[0]!.deliveryId);
      expect(request.headers['x-qatron-signature']).toBe(signature(request.rawBody));
    }
    expect(JSON.parse(received[1]!.rawBody)).toMatchObject({
      event: 'run.failed',
      delivery_id: result.deliveries[0]!.deliveryId,
      project: { id: otherProject.id, name: 'billing' },
      run: { id: run.id, status: 'infra_failed', status_reason: 'no worker picked the run up', url: `${PUBLIC_URL}/runs/${run.id}` },
    });
    const attempts = await deliveriesOf(hook.id);
    expect(attempts.map((a) => [a.attempt, a.statusCode, a.error, a.deliveredAt !== null, a.event, a.run])).toEqual([
      [1, 500, 'HTTP 500 Internal Server Error', false, 'run.failed', run.id],
      [2, 200, null, true, 'run.failed', run.id],
    ]);
    expect(counted).toEqual(['webhook retrying', 'webhook delivered']);
    // The retry waited the policy's initial interval (2 s).
    expect(attempts[1]!.createdAt.getTime() - attempts[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(1900);

    // A retried finalize finds notify-run-<id> already run: nothing is sent again.
    expect(await finalize(conclusion)).toBe('infra_failed');
    await startRunNotifications(worker.client, run.id);
    expect(webhook.requests.filter((r) => r.path === '/qatron')).toHaveLength(2);
    expect(await deliveriesOf(hook.id)).toHaveLength(2);
  }, 60_000);

  it('posts a Slack message on recovery (verdict, counts, duration, a link to the run) and nothing to a failure-only channel', async () => {
    const recoveryProject = await buildProject(em(), { name: 'catalog' });
    const smokeSuite = await buildSuite(em(), { project: recoveryProject, name: 'smoke' });
    const staging = await buildEnvironment(em(), { project: recoveryProject, name: 'staging' });
    const slackChannel = await channel('team-slack', 'slack', { secretRef: 'SLACK_HOOK_URL', rules: { on: ['recovery'], suite_ids: [] } }, recoveryProject);
    const failureOnly = await channel('failures-only', 'webhook', { url: `${webhook.url}/failures`, secretRef: 'HOOK_KEY', rules: { on: ['failure'], suite_ids: [] } }, recoveryProject);
    await finishedRun('failed', { of: recoveryProject, suite: smokeSuite, env: staging });
    await finishedRun('cancelled', { of: recoveryProject, suite: smokeSuite, env: staging });
    const run = await finishedRun('completed', { of: recoveryProject, suite: smokeSuite, env: staging });

    await startRunNotifications(worker.client, run.id);
    const result = await notified(run.id);
    expect(result.deliveries.map((d) => [d.channelId, d.delivered])).toEqual([[slackChannel.id, true]]);
    const [posted, ...more] = slack.requests.filter((r) => r.path === SLACK_PATH);
    expect(more).toEqual([]);
    expect(posted!.headers['content-type']).toBe('application/json');
    const message = JSON.parse(posted!.rawBody) as { text: string; blocks: Array<{ type: string; text?: { type: string; text: string }; fields?: Array<{ type: string; text: string }> }> };
    expect(message.text).toBe(`:white_check_mark: catalog / smoke on staging recovered: completed (run #${run.id}): 10 passed, 2 failed of 12, 1 min 23 s ${PUBLIC_URL}/runs/${run.id}`);
    expect(message.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `*:white_check_mark: catalog / smoke on staging recovered: completed (run #${run.id})*` } });
    expect(message.blocks[1]!.fields!.map((f) => f.text)).toEqual(['*Verdict*\ncompleted', '*Tests*\n10 passed, 2 failed of 12', '*Duration*\n1 min 23 s', '*Branch*\nmain @ a1b2c3d4e5f6']);
    expect(message.blocks.at(-1)).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `<${PUBLIC_URL}/runs/${run.id}|Open run #${run.id} on the Board>` } });
    expect(webhook.requests.filter((r) => r.path === '/failures')).toEqual([]);
    expect(await deliveriesOf(failureOnly.id)).toEqual([]);
    expect((await deliveriesOf(slackChannel.id)).map((d) => [d.event, d.attempt, d.statusCode])).toEqual([['run.recovered', 1, 200]]);
  }, 60_000);

  it('emails every run of the suites in its filter through the SMTP server, and no run of another suite', async () => {
    const nightly = await buildSuite(em(), { project, name: 'nightly' });
    const email = await channel('qa-email', 'email', { recipients: ['qa@example.test', 'lead@example.test'], rules: { on: ['every_run'], suite_ids: [suite.id] } });
    const otherSuiteRun = await finishedRun('failed', { suite: nightly });
    await startRunNotifications(worker.client, otherSuiteRun.id);
    expect((await notified(otherSuiteRun.id)).deliveries).toEqual([]);

    const run = await finishedRun('completed');
    await startRunNotifications(worker.client, run.id);
    expect((await notified(run.id)).deliveries.map((d) => d.delivered)).toEqual([true]);
    expect(smtp.emails).toHaveLength(1);
    const [received] = smtp.emails;
    expect(received!.mailFrom).toBe('qatron@example.test');
    expect(received!.rcptTos).toEqual(['qa@example.test', 'lead@example.test']);
    expect(received!.content).toMatch(new RegExp(`^Subject: \\[QAtron\\] shop / smoke on staging finished: completed \\(run #${run.id}\\)\\r?$`, 'm'));
    expect(received!.content).toMatch(/^To: qa@example\.test, lead@example\.test\r?$/m);
    expect(received!.content).toContain(`${PUBLIC_URL}/runs/${run.id}`);
    expect((await deliveriesOf(email.id)).map((d) => [d.event, d.attempt, d.statusCode, d.error])).toEqual([['run.finished', 1, 250, null]]);
  }, 60_000);

  it('does not retry a receiver that refuses (404) or a secret the worker lacks, and logs why', async () => {
    const refusingProject = await buildProject(em(), { name: 'search' });
    const refused = await channel('gone', 'webhook', { url: `${webhook.url}/gone`, secretRef: 'HOOK_KEY', rules: { on: ['every_run'], suite_ids: [] } }, refusingProject);
    const unsigned = await channel('no-key', 'webhook', { url: `${webhook.url}/no-key`, secretRef: 'MISSING_HOOK_KEY', rules: { on: ['every_run'], suite_ids: [] } }, refusingProject);
    webhook.answers.push(404);
    const run = await finishedRun('failed', { of: refusingProject, suite: await buildSuite(em(), { project: refusingProject }), env: await buildEnvironment(em(), { project: refusingProject }) });
    await startRunNotifications(worker.client, run.id);
    const result = await notified(run.id);
    expect(result.deliveries.map((d) => [d.channelId, d.delivered])).toEqual([[refused.id, false], [unsigned.id, false]]);
    expect(result.deliveries[0]!.error).toBe('webhook channel gone: HTTP 404 Not Found');
    expect(webhook.requests.filter((r) => r.path === '/gone')).toHaveLength(1);
    expect(webhook.requests.filter((r) => r.path === '/no-key')).toEqual([]);
    expect((await deliveriesOf(refused.id)).map((d) => [d.attempt, d.statusCode])).toEqual([[1, 404]]);
    const [missing, ...again] = await deliveriesOf(unsigned.id);
    expect(again).toEqual([]);
    expect(missing!.statusCode).toBeNull();
    expect(missing!.error).toContain('MISSING_HOOK_KEY');
  }, 60_000);
});
