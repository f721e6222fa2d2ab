import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, Quarantine, type Project } from '@qatron/domain';
import { buildProject } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { expiryOf } from './quarantine.js';
import { runQatronAs } from '../testing/bin.js';

const NODE = 'tests/test_checkout.py::test_payment_timeout[visa]';

let api: TestApi;
let home: string;
let admin: string;
let viewer: string;
let project: Project;

beforeAll(async () => {
  api = await startTestApi();
  home = await mkdtemp(join(tmpdir(), 'qatron-cli-quarantine-'));
  admin = await api.login('admin', 'admin');
  ({ token: viewer } = await api.userWithToken('viewer'));
  project = await buildProject(api.orm.em.fork(), { organization: api.organization, name: 'shop' });
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await api?.close();
});

/** The real bin as a subprocess, signed in through the environment. */
const qatron = (args: string[], token = admin) => runQatronAs(args, { home, apiUrl: api.url, token });

describe('qatron quarantine', () => {
  it('adds, lists and lifts a quarantine, by project name, audited as the signed-in user', async () => {
    const added = await qatron(['quarantine', 'add', 'shop', NODE, '--reason', 'times out on the payment sandbox', '--owner', '@team-checkout', '--expires', '2099-01-31', '--output', 'json']);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const quarantine = JSON.parse(added.stdout);
    expect(quarantine).toMatchObject({ project_id: project.id, node_id: NODE, owner: '@team-checkout', expires_at: '2099-01-31T00:00:00.000Z', active: true, created_by: 'admin' });

    const again = await qatron(['quarantine', 'add', 'shop', NODE, '--reason', 'again', '--owner', 'bob']);
    // A conflict is an API error (exit 4), not a usage error.
    expect(again.code).toBe(4);
    expect(again.stderr).toContain(`is already quarantined (quarantine ${quarantine.id}, owner @team-checkout)`);

    const listed = await qatron(['quarantine', 'list', 'shop'], viewer);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+NODE ID\s+OWNER\s+EXPIRES\s+STATE\s+REASON\s*$/);
    expect(listed.stdout).toContain(NODE);
    expect(listed.stdout).toContain('active');

    const lifted = await qatron(['quarantine', 'lift', 'shop', String(quarantine.id)]);
    expect(lifted).toEqual({ code: 0, stdout: `Lifted quarantine ${quarantine.id} of ${NODE}\n`, stderr: '' });
    expect(await api.orm.em.fork().findOneOrFail(Quarantine, { id: quarantine.id })).toMatchObject({ liftReason: 'lifted', liftedByName: 'admin' });
    expect(await api.orm.em.fork().count(AuditLog, { action: { $in: ['quarantine.added', 'quarantine.lifted'] }, resourceId: String(quarantine.id) })).toBe(2);

    // Only those in force by default; --all shows how the others ended.
    expect(JSON.parse((await qatron(['quarantine', 'list', 'shop', '--output', 'json'], viewer)).stdout)).toEqual([]);
    const all = JSON.parse((await qatron(['quarantine', 'list', String(project.id), '--all', '--output', 'json'], viewer)).stdout);
    expect(all.map((q: { id: number; lift_reason: string }) => [q.id, q.lift_reason])).toEqual([[quarantine.id, 'lifted']]);
  });

  it('refuses bad usage with exit 3 before calling the API, and shows the API\'s refusals', async () => {
    const both = await qatron(['quarantine', 'add', 'shop', NODE, '--reason', 'r', '--owner', 'o', '--expires', '2099-01-01', '--days', '3']);
    expect(both.code).toBe(3);
    expect(both.stderr).toContain('give --expires or --days, not both');
    expect((await qatron(['quarantine', 'add', 'shop', NODE, '--owner', 'o'])).stderr).toContain('missing --reason');
    expect((await qatron(['quarantine', 'add', 'shop'])).stderr).toContain('missing NODE_ID');
    expect((await qatron(['quarantine', 'lift', 'shop', 'latest'])).code).toBe(3);
    const past = await qatron(['quarantine', 'add', 'shop', NODE, '--reason', 'r', '--owner', 'o', '--expires', '2020-01-01']);
    expect(past.code).toBe(3);
    expect(past.stderr).toContain('expires_at: must be in the future');
    const denied = await qatron(['quarantine', 'add', 'shop', NODE, '--reason', 'r', '--owner', 'o'], viewer);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain('needs the admin role');
  });

  it('reads --days from now and --expires as a date or a date-time', () => {
    const now = new Date('2026-12-06T12:00:00.000Z');
    expect(expiryOf({ days: '14' }, now)).toBe('2026-12-20T12:00:00.000Z');
    expect(expiryOf({ expires: '2027-01-31' }, now)).toBe('2027-01-31T00:00:00.000Z');
    expect(expiryOf({ expires: '2027-01-31T18:30:00+01:00' }, now)).toBe('2027-01-31T17:30:00.000Z');
    expect(expiryOf({}, now)).toBeNull();
    expect(() => expiryOf({ days: '0' }, now)).toThrow('--days must be a whole number of days, at least 1, not "0"');
    expect(() => expiryOf({ expires: 'next week' }, now)).toThrow('--expires takes a date');
  });
});
