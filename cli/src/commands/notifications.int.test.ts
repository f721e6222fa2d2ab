/**
 * `qatron notifications` as a user runs it (the real bin) against a real API on a real PostgreSQL:
 * each kind is added with its rules, listed, its (empty) delivery log read, and removed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProject, buildSuite } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { runQatronAs } from '../testing/bin.js';

let api: TestApi;
let home: string;
let admin: string;
let viewer: string;

beforeAll(async () => {
  api = await startTestApi();
  home = await mkdtemp(join(tmpdir(), 'qatron-cli-notifications-'));
  admin = await api.login('admin', 'admin');
  ({ token: viewer } = await api.userWithToken('viewer'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await api?.close();
});

const qatron = (args: string[], token = admin) => runQatronAs(args, { home, apiUrl: api.url, token });

describe('qatron notifications', () => {
  it('adds a webhook, a Slack and an email channel with their rules, lists them, reads a delivery log and removes one', async () => {
    const project = await buildProject(api.orm.em.fork(), { organization: api.organization, name: 'shop' });
    const smoke = await buildSuite(api.orm.em.fork(), { project, name: 'smoke' });
    const webhook = await qatron(['notifications', 'add-webhook', 'shop', 'ops', '--webhook-url', 'https://ops.example.test/qatron', '--secret-ref', 'OPS_WEBHOOK_KEY', '--on', 'failure,recovery', '--output', 'json']);
    expect(webhook.stderr).toBe('');
    expect(webhook.code).toBe(0);
    expect(JSON.parse(webhook.stdout)).toMatchObject({ name: 'ops', kind: 'webhook', url: 'https://ops.example.test/qatron', secret_ref: 'OPS_WEBHOOK_KEY', on: ['failure', 'recovery'], suite_ids: [] });
    const slack = await qatron(['notifications', 'add-slack', 'shop', 'team', '--secret-ref', 'SLACK_QA_WEBHOOK', '--suite', 'smoke', '--output', 'json']);
    expect(JSON.parse(slack.stdout)).toMatchObject({ kind: 'slack', secret_ref: 'SLACK_QA_WEBHOOK', on: ['failure'], suite_ids: [smoke.id] });
    const email = await qatron(['notifications', 'add-email', 'shop', 'leads', '--to', 'qa@example.test', '--to', 'lead@example.test', '--on', 'every_run', '--output', 'json']);
    expect(JSON.parse(email.stdout)).toMatchObject({ kind: 'email', recipients: ['qa@example.test', 'lead@example.test'], on: ['every_run'] });

    const listed = await qatron(['notifications', 'list', 'shop'], viewer);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+KIND\s+ON\s+SUITES\s+ENABLED\s+TARGET\s*$/);
    expect(listed.stdout).toMatch(/leads\s+email\s+every_run\s+all\s+true\s+qa@example\.test, lead@example\.test/);
    expect(listed.stdout).toMatch(new RegExp(`team\\s+slack\\s+failure\\s+${smoke.id}\\s+true\\s+secret SLACK_QA_WEBHOOK`));

    const log = await qatron(['notifications', 'deliveries', 'shop', 'ops', '--output', 'json'], viewer);
    expect(log.code).toBe(0);
    expect(JSON.parse(log.stdout)).toEqual([]);

    const refused = await qatron(['notifications', 'remove', 'shop', 'ops'], viewer);
    expect(refused.code).not.toBe(0);
    const removed = await qatron(['notifications', 'remove', 'shop', 'ops']);
    expect(removed.code).toBe(0);
    expect(removed.stdout + removed.stderr).toContain('Removed notification channel ops');
    expect(JSON.parse((await qatron(['notifications', 'list', 'shop', '--output', 'json'])).stdout).map((c: { name: string }) => c.name)).toEqual(['leads', 'team']);
  });

  it('refuses an add without what the kind needs, before asking the API', async () => {
    const missing = await qatron(['notifications', 'add-webhook', 'shop', 'ops', '--webhook-url', 'https://ops.example.test']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('missing --secret-ref');
    expect((await qatron(['notifications', 'add-email', 'shop', 'leads'])).stderr).toContain('missing --to');
  });
});
