import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, Quarantine, type AuditAction, type Project } from '@qatron/domain';
import { buildOrganization, buildProject, buildServiceToken } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';

let api: TestApi;
let admin: string;
let user: string;
let viewer: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.login('admin', 'admin');
  user = (await api.userWithToken('user')).token;
  viewer = (await api.userWithToken('viewer')).token;
});
afterAll(() => api.close());

const em = () => api.orm.em.fork();
const DAY_MS = 24 * 60 * 60 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();
const NODE = 'tests/test_checkout.py::test_payment_timeout[visa]';
const ownProject = () => buildProject(em(), { organization: api.organization });
const auditOf = (action: AuditAction, id: number) => em().find(AuditLog, { action, resourceType: 'quarantine', resourceId: String(id) });
const add = (project: Project | number, json: unknown, token = admin) =>
  api.request('POST', `/api/v1/projects/${typeof project === 'number' ? project : project.id}/quarantine`, { token, json });
const lift = (project: Project, id: number, token = admin) => api.request('DELETE', `/api/v1/projects/${project.id}/quarantine/${id}`, { token });
const list = (project: Project, query = '', token = viewer) => api.request('GET', `/api/v1/projects/${project.id}/quarantine${query}`, { token });
const valid = (overrides: Record<string, unknown> = {}) => ({ node_id: NODE, reason: 'times out on the payment sandbox', owner: '@team-checkout', expires_at: null, ...overrides });
const fields = (res: { body: { errors?: { field: string; message: string }[] } }) => res.body.errors ?? [];

describe('POST /api/v1/projects/:id/quarantine', () => {
  it('quarantines a test with its owner and expiry, and audits it', async () => {
    const project = await ownProject();
    const expires = inDays(14);
    const res = await add(project, valid({ node_id: ` ${NODE} `, expires_at: expires }));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      organization_id: api.organization.id,
      project_id: project.id,
      node_id: NODE,
      reason: 'times out on the payment sandbox',
      owner: '@team-checkout',
      expires_at: expires,
      active: true,
      created_by: 'admin',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      lifted_at: null,
      lifted_by: null,
      lift_reason: null,
    });
    const [entry, ...rest] = await auditOf('quarantine.added', res.body.id);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ actor: 'admin', organization: api.organization.id });
    expect(entry!.details).toEqual({ project_id: project.id, node_id: NODE, reason: 'times out on the payment sandbox', owner: '@team-checkout', expires_at: expires });
  });

  it('answers 409 while the test is quarantined, and takes a new one once lifted', async () => {
    const project = await ownProject();
    const first = await add(project, valid());
    const again = await add(project, valid({ owner: '@someone-else' }));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 409, code: 'already_quarantined', detail: `${NODE} is already quarantined (quarantine ${first.body.id}, owner @team-checkout); lift it first` });
    // The same node id in another project is another test.
    expect((await add(await ownProject(), valid())).status).toBe(201);
    expect((await lift(project, first.body.id)).status).toBe(200);
    expect((await add(project, valid())).status).toBe(201);
  });

  it('replaces a quarantine that expired before the sweep lifted it, recording the expiry', async () => {
    const project = await ownProject();
    const fork = em();
    const expired = new Quarantine(project.organization, project.id, NODE, 'old', '@team-old', { userId: null, name: 'admin' });
    expired.expiresAt = new Date(Date.now() - 60_000);
    await fork.persist(expired).flush();
    const res = await add(project, valid());
    expect(res.status).toBe(201);
    const old = await em().findOneOrFail(Quarantine, { id: expired.id });
    expect(old).toMatchObject({ liftedAt: expired.expiresAt, liftReason: 'expired', liftedByName: 'system' });
    expect(await auditOf('quarantine.expired', expired.id)).toHaveLength(1);
  });

  it('refuses invalid input as problem details naming the fields', async () => {
    const project = await ownProject();
    const res = await add(project, { node_id: '  ', owner: 'x'.repeat(201), expires_at: '31.01.2027' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(fields(res).map((e) => e.field).sort()).toEqual(['expires_at', 'node_id', 'owner', 'reason']);
    const past = await add(project, valid({ expires_at: inDays(-1) }));
    expect(past.status).toBe(422);
    expect(fields(past)).toEqual([{ field: 'expires_at', message: 'must be in the future' }]);
    expect(await em().count(Quarantine, { project: project.id })).toBe(0);
  });

  it('is a project write: admin only; 404 for a project the caller cannot see', async () => {
    const project = await ownProject();
    expect((await add(project, valid(), user)).status).toBe(403);
    expect((await add(project, valid(), viewer)).status).toBe(403);
    expect((await api.request('POST', `/api/v1/projects/${project.id}/quarantine`, { json: valid() })).status).toBe(401);
    const foreign = await buildProject(em(), { organization: await buildOrganization(em()) });
    expect((await add(foreign, valid())).status).toBe(404);
    expect((await add(2_000_000_000, valid())).status).toBe(404);
    // A CI token with the admin role acts as itself.
    const { token } = await buildServiceToken(em(), { organization: api.organization, project, role: 'admin' });
    const byToken = await add(project, valid(), token);
    expect(byToken.status).toBe(201);
    expect(byToken.body.created_by).toMatch(/^token:/);
  });
});

describe('GET /api/v1/projects/:id/quarantine', () => {
  it('lists newest first, all or only the active (not lifted, not expired) or only the ended ones', async () => {
    const project = await ownProject();
    const kept = (await add(project, valid({ node_id: 'tests/test_a.py::test_kept' }))).body;
    const lifted = (await add(project, valid({ node_id: 'tests/test_a.py::test_lifted' }))).body;
    await lift(project, lifted.id);
    const fork = em();
    const expired = new Quarantine(project.organization, project.id, 'tests/test_a.py::test_expired', 'old', '@team', { userId: null, name: 'admin' });
    expired.expiresAt = new Date(Date.now() - 1000);
    await fork.persist(expired).flush();

    const all = await list(project);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 3, limit: 50, offset: 0 });
    expect(all.body.items.map((q: { id: number; active: boolean }) => [q.id, q.active])).toEqual([
      [expired.id, false],
      [lifted.id, false],
      [kept.id, true],
    ]);
    expect((await list(project, '?active=true')).body.items.map((q: { id: number }) => q.id)).toEqual([kept.id]);
    expect((await list(project, '?active=false')).body.items.map((q: { id: number }) => q.id)).toEqual([expired.id, lifted.id]);
    expect((await list(project, '?active=yes')).status).toBe(422);
    expect((await list(project, '?limit=1&offset=1')).body).toMatchObject({ total: 3, items: [{ id: lifted.id }] });
  });

  it('answers 404 for a project of another organization', async () => {
    const foreign = await buildProject(em(), { organization: await buildOrganization(em()) });
    expect((await list(foreign, '', admin)).status).toBe(404);
  });
});

describe('DELETE /api/v1/projects/:id/quarantine/:quarantine_id', () => {
  it('lifts it and audits who did', async () => {
    const project = await ownProject();
    const created = (await add(project, valid())).body;
    const res = await lift(project, created.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: created.id, active: false, lifted_by: 'admin', lift_reason: 'lifted', lifted_at: expect.stringMatching(/^\d{4}-/) });
    const [entry] = await auditOf('quarantine.lifted', created.id);
    expect(entry).toMatchObject({ actor: 'admin' });
    expect(entry!.details).toEqual({ project_id: project.id, node_id: NODE, owner: '@team-checkout', reason: 'times out on the payment sandbox' });
  });

  it('answers 409 for one already lifted or expired, 404 for another project\'s or a missing one, 403 below admin', async () => {
    const project = await ownProject();
    const created = (await add(project, valid())).body;
    expect((await lift(project, created.id, user)).status).toBe(403);
    expect((await lift(await ownProject(), created.id)).status).toBe(404);
    expect((await lift(project, 2_000_000_000)).status).toBe(404);
    await lift(project, created.id);
    const twice = await lift(project, created.id);
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('quarantine_ended');
    const fork = em();
    const expired = new Quarantine(project.organization, project.id, 'tests/test_b.py::test_gone', 'old', '@team', { userId: null, name: 'admin' });
    expired.expiresAt = new Date(Date.now() - 1000);
    await fork.persist(expired).flush();
    const late = await lift(project, expired.id);
    expect(late.status).toBe(409);
    expect(late.body.detail).toBe(`Quarantine ${expired.id} expired at ${expired.expiresAt.toISOString()}`);
    expect(await auditOf('quarantine.lifted', created.id)).toHaveLength(1);
  });
});
