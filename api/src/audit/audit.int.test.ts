import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, type AuditAction, type Organization, type User } from '@qatron/domain';
import { buildOrganization, buildProject, buildServiceToken, buildUser } from '@qatron/domain/testing';
import { pageOf } from '../http/pagination.js';
import { startTestApi, type TestApi } from '../testing/harness.js';
import { AuditLogOut } from './schema.js';

let api: TestApi;
/** A fresh organization whose whole audit trail the tests write, so every answer is exact. */
let organization: Organization;
let admin: User;
let adminToken: string;
let alice: User;
let entries: AuditLog[];

const em = () => api.orm.em.fork();
const at = (minute: number) => new Date(Date.UTC(2026, 0, 15, 12, minute, 0));
const ids = (body: { items: { id: number }[] }) => body.items.map((e) => e.id);
const fields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field).sort();

beforeAll(async () => {
  api = await startTestApi();
  organization = await buildOrganization(em());
  admin = await buildUser(em(), { organization, role: 'admin', password: 'password123' });
  alice = await buildUser(em(), { organization, role: 'user' });
  const fork = em();
  const spec: [AuditAction, User | null, string, string | null, number][] = [
    ['project.created', admin, 'project', '1', 0],
    ['project.updated', admin, 'project', '1', 10],
    ['run.triggered', alice, 'run', '7', 20],
    ['service_token.created', admin, 'service_token', '3', 30],
    ['run.cancelled', alice, 'run', '7', 40],
    ['project.deleted', null, 'project', '2', 50],
  ];
  entries = spec.map(([action, user, type, id, minute]) => {
    const entry = new AuditLog(organization.id, action, user?.username ?? 'token:ci', type);
    entry.userId = user?.id ?? null;
    entry.resourceId = id;
    entry.details = { minute };
    entry.ipAddress = '10.0.0.1';
    entry.userAgent = 'qatron-cli/0.1';
    entry.createdAt = at(minute);
    fork.persist(entry);
    return entry;
  });
  await fork.flush();
  // The login itself is audited: keep it before the fixtures' minute range and out of the way.
  adminToken = await api.login(admin.username, 'password123');
});
afterAll(() => api.close());

const list = (query = '', token = adminToken) => api.request('GET', `/api/v1/audit-logs?${query}`, { token });
/** Fixture entries only (the range excludes the login audited when the test started). */
const range = `from=${encodeURIComponent(at(0).toISOString())}&to=${encodeURIComponent(at(59).toISOString())}`;

describe('GET /api/v1/audit-logs', () => {
  it("lists the organization's entries, newest first, in the contract's shape", async () => {
    const res = await list(range);
    expect(res.status).toBe(200);
    expect(pageOf(AuditLogOut).parse(res.body)).toEqual(res.body);
    const [e0, e1, e2, e3, e4, e5] = entries.map((e) => e.id) as [number, number, number, number, number, number];
    expect(ids(res.body)).toEqual([e5, e4, e3, e2, e1, e0]);
    expect(res.body).toMatchObject({ total: 6, limit: 50, offset: 0 });
    expect(res.body.items[1]).toEqual({
      id: e4,
      created_at: '2026-01-15T12:40:00.000Z',
      action: 'run.cancelled',
      user_id: alice.id,
      actor: alice.username,
      resource_type: 'run',
      resource_id: '7',
      details: { minute: 40 },
      ip_address: '10.0.0.1',
      user_agent: 'qatron-cli/0.1',
    });
    const all = await list();
    expect(all.body.total).toBe(7);
    expect(all.body.items[0]).toMatchObject({ action: 'user.login', user_id: admin.id });
  });

  it('filters by exact action and by action prefix', async () => {
    const [e0, e1, e2, e3, e4, e5] = entries.map((e) => e.id) as [number, number, number, number, number, number];
    const cases: [string, number[]][] = [
      ['action=run.triggered', [e2]],
      ['action=project.', [e5, e1, e0]],
      ['action=run.', [e4, e2]],
      ['action=service_token.', [e3]],
      ['action=user.role_changed', []],
    ];
    for (const [query, expected] of cases) {
      const res = await list(query);
      expect(res.status, query).toBe(200);
      expect(ids(res.body), query).toEqual(expected);
      expect(res.body.total, query).toBe(expected.length);
    }
  });

  it('filters by user, resource and an inclusive date range', async () => {
    const [e0, e1, e2, e3, e4, e5] = entries.map((e) => e.id) as [number, number, number, number, number, number];
    const iso = (minute: number) => encodeURIComponent(at(minute).toISOString());
    const cases: [string, number[]][] = [
      [`user_id=${alice.id}`, [e4, e2]],
      [`user_id=${admin.id}&${range}`, [e3, e1, e0]],
      ['resource_type=project', [e5, e1, e0]],
      ['resource_type=project&resource_id=1', [e1, e0]],
      [`from=${iso(10)}&to=${iso(40)}`, [e4, e3, e2, e1]],
      [`from=${iso(10)}&to=${iso(10)}`, [e1]],
      [`from=${encodeURIComponent('2026-01-15T13:40:00+01:00')}&to=${iso(50)}`, [e5, e4]],
      [`to=${iso(5)}`, [e0]],
      [`action=project.&user_id=${admin.id}&from=${iso(5)}`, [e1]],
    ];
    for (const [query, expected] of cases) {
      const res = await list(query);
      expect(res.status, query).toBe(200);
      expect(ids(res.body), query).toEqual(expected);
      expect(res.body.total, query).toBe(expected.length);
    }
  });

  it('pages with limit and offset and reports the total', async () => {
    const res = await list(`${range}&limit=2&offset=3`);
    expect(res.body).toMatchObject({ total: 6, limit: 2, offset: 3 });
    expect(ids(res.body)).toEqual([entries[2]!.id, entries[1]!.id]);
  });

  it('names each invalid filter with 422', async () => {
    const reversed = await list(`from=${encodeURIComponent(at(30).toISOString())}&to=${encodeURIComponent(at(10).toISOString())}`);
    expect(reversed.status).toBe(422);
    expect(reversed.body.errors).toEqual([{ field: 'query.from', message: 'must not be after to' }]);
    for (const action of ['project', 'nothing.', 'run.exploded', '']) {
      const res = await list(`action=${action}`);
      expect(res.status, action).toBe(422);
      expect(fields(res.body), action).toEqual(['query.action']);
    }
    const malformed = await list('from=yesterday&to=2026-01-15&user_id=me&limit=500');
    expect(malformed.status).toBe(422);
    expect(fields(malformed.body)).toEqual(['query.from', 'query.limit', 'query.to', 'query.user_id']);
  });

  it("never shows another organization's entries", async () => {
    const res = await api.request('GET', `/api/v1/audit-logs?resource_type=project&limit=200`, { token: await api.login('admin', 'admin') });
    expect(res.status).toBe(200);
    const fixtureIds = new Set(entries.map((e) => e.id));
    expect(res.body.items.filter((e: { id: number }) => fixtureIds.has(e.id))).toEqual([]);
    const byUser = await list(`user_id=${(await buildUser(em(), { organization: api.organization })).id}`);
    expect(byUser.body).toMatchObject({ items: [], total: 0 });
  });

  it('is for organization-wide admins only', async () => {
    expect((await api.request('GET', '/api/v1/audit-logs')).status).toBe(401);
    const userToken = await api.login((await buildUser(em(), { organization, role: 'user', password: 'password123' })).username, 'password123');
    const asUser = await list('', userToken);
    expect(asUser.status).toBe(403);
    expect(asUser.body.code).toBe('forbidden');
    const project = await buildProject(em(), { organization });
    const scoped = await buildServiceToken(em(), { organization, project, role: 'admin' });
    const asScoped = await list('', scoped.token);
    expect(asScoped.status).toBe(403);
    expect(asScoped.body.detail).toBe('A project-scoped token cannot read the audit log');
    const wide = await buildServiceToken(em(), { organization, role: 'admin' });
    expect((await list(range, wide.token)).body.total).toBe(6);
  });
});
