import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, InfrastructureResource } from '@qatron/domain';
import { markStopped, registerResource } from '@qatron/domain/infrastructure/registry';
import { buildOrganization, buildProject, buildServiceToken } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';

let api: TestApi;
let adminToken: string;
let viewerToken: string;
let userToken: string;
let foreignId: number;

const INTERVAL = 20;

beforeAll(async () => {
  api = await startTestApi({ HEARTBEAT_INTERVAL_SECONDS: String(INTERVAL) });
  adminToken = await api.login('admin', 'admin');
  viewerToken = (await api.userWithToken('viewer')).token;
  userToken = (await api.userWithToken('user')).token;
  const other = await buildOrganization(api.orm.em.fork());
  foreignId = (await registerResource(api.orm.em.fork(), { organization: other.id, name: 'their-worker', kind: 'worker' }, new Date())).resource.id;
});
afterAll(() => api.close());

let counter = 0;
const uniqueName = (prefix: string) => `${prefix}-${++counter}-${Date.now()}`;

async function register(body: Record<string, unknown>) {
  const res = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json: body });
  expect(res.status).toBe(201);
  return res.body as { id: number; name: string };
}

/** Moves the last heartbeat `seconds` into the past, as if the resource had gone quiet. */
async function quietFor(id: number, seconds: number | null) {
  await api.orm.em.fork().nativeUpdate(InfrastructureResource, { id }, { lastHeartbeatAt: seconds === null ? null : new Date(Date.now() - seconds * 1000) });
}

const get = (id: number | string, token = viewerToken) => api.request('GET', `/api/v1/infrastructure/${id}`, { token });

describe('POST /api/v1/infrastructure', () => {
  it('registers a resource that is online at once and audits the registration', async () => {
    const name = uniqueName('worker');
    const res = await api.request('POST', '/api/v1/infrastructure', {
      token: adminToken,
      json: { name, kind: 'worker', url: 'http://10.0.0.5:9000', capacity: 4, metadata: { version: '0.1.0', queues: ['qatron-shards'] } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name,
      kind: 'worker',
      url: 'http://10.0.0.5:9000',
      capacity: 4,
      metadata: { version: '0.1.0', queues: ['qatron-shards'] },
      status: 'online',
      seconds_since_heartbeat: 0,
      stopped_at: null,
    });
    expect(Date.now() - Date.parse(res.body.last_heartbeat_at)).toBeLessThan(10_000);
    const entries = await api.orm.em.fork().find(AuditLog, { action: 'infrastructure.registered', resourceId: String(res.body.id) });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: 'admin',
      resourceType: 'infrastructure_resource',
      details: { name, kind: 'worker', url: 'http://10.0.0.5:9000', capacity: 4, created: true },
    });
  });

  it('answers 200 with the same resource when the name is registered again, and audits that too', async () => {
    const name = uniqueName('grid');
    const first = await register({ name, kind: 'grid', url: 'http://grid:4444', capacity: 10 });
    await quietFor(first.id, 3600);
    const again = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json: { name, kind: 'grid', capacity: 20 } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.id, url: 'http://grid:4444', capacity: 20, status: 'online' });
    const entries = await api.orm.em.fork().find(AuditLog, { action: 'infrastructure.registered', resourceId: String(first.id) }, { orderBy: { id: 'asc' } });
    expect(entries.map((e) => e.details.created)).toEqual([true, false]);
    expect(await api.orm.em.fork().count(InfrastructureResource, { name })).toBe(1);
  });

  it('applies defaults: no url, capacity 1, empty metadata', async () => {
    const res = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json: { name: uniqueName('bare'), kind: 'worker' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ url: null, capacity: 1, metadata: {} });
  });

  it('validates every field with 422', async () => {
    const res = await api.request('POST', '/api/v1/infrastructure', {
      token: adminToken,
      json: { name: '  ', kind: 'mainframe', url: 'not a url', capacity: 0, metadata: ['a'] },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['capacity', 'kind', 'metadata', 'name', 'url']);
    const tooMany = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json: { name: 'x', kind: 'grid', capacity: 10_001 } });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors).toEqual([{ field: 'capacity', message: expect.any(String) }]);
    const huge = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json: { name: 'x', kind: 'grid', metadata: { blob: 'x'.repeat(20_000) } } });
    expect(huge.status).toBe(422);
    expect(huge.body.errors[0].field).toBe('metadata');
    const missing = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json: {} });
    expect(missing.status).toBe(422);
    expect(missing.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['kind', 'name']);
  });

  it('needs an admin with an organization-wide principal', async () => {
    const body = { name: uniqueName('nope'), kind: 'worker' };
    expect((await api.request('POST', '/api/v1/infrastructure', { json: body })).status).toBe(401);
    expect((await api.request('POST', '/api/v1/infrastructure', { token: viewerToken, json: body })).status).toBe(403);
    expect((await api.request('POST', '/api/v1/infrastructure', { token: userToken, json: body })).status).toBe(403);
    const project = await buildProject(api.orm.em.fork(), { organization: api.organization });
    const { token: scoped } = await buildServiceToken(api.orm.em.fork(), { organization: api.organization, role: 'admin', project });
    const res = await api.request('POST', '/api/v1/infrastructure', { token: scoped, json: body });
    expect(res.status).toBe(403);
    expect(await api.orm.em.fork().count(InfrastructureResource, { name: body.name })).toBe(0);
  });
});

describe('status derived from the last heartbeat', () => {
  it('is online, stale, offline as the heartbeat ages, and offline when it never beat', async () => {
    const { id } = await register({ name: uniqueName('ageing'), kind: 'worker' });
    const expectations: [number | null, string][] = [
      [5, 'online'],
      [INTERVAL * 1.5 - 2, 'online'],
      [INTERVAL * 1.5 + 2, 'stale'],
      [INTERVAL * 3 - 2, 'stale'],
      [INTERVAL * 3 + 2, 'offline'],
      [86_400, 'offline'],
      [null, 'offline'],
    ];
    for (const [seconds, status] of expectations) {
      await quietFor(id, seconds);
      const res = await get(id);
      expect(res.status).toBe(200);
      expect({ seconds, status: res.body.status }).toEqual({ seconds, status });
      if (seconds === null) {
        expect(res.body).toMatchObject({ last_heartbeat_at: null, seconds_since_heartbeat: null });
      } else {
        expect(res.body.seconds_since_heartbeat).toBeGreaterThanOrEqual(seconds);
        expect(res.body.seconds_since_heartbeat).toBeLessThan(seconds + 5);
      }
    }
  });

  it('is stopped after a clean shutdown, and online again after the next heartbeat', async () => {
    const { id } = await register({ name: uniqueName('stopping'), kind: 'worker', metadata: { version: '1' } });
    await markStopped(api.orm.em.fork(), id, new Date());
    const stopped = await get(id);
    expect(stopped.body.status).toBe('stopped');
    expect(stopped.body.stopped_at).not.toBeNull();
    await quietFor(id, 3600);
    // Long after the stop it still reads stopped: a planned stop is not an outage.
    await api.orm.em.fork().nativeUpdate(InfrastructureResource, { id }, { stoppedAt: new Date(Date.now() - 3000 * 1000) });
    expect((await get(id)).body.status).toBe('stopped');
    const beat = await api.request('POST', `/api/v1/infrastructure/${id}/heartbeat`, { token: adminToken, json: { capacity: 6, metadata: { load: 0.5 } } });
    expect(beat.status).toBe(200);
    expect(beat.body).toMatchObject({ id, status: 'online', stopped_at: null, capacity: 6, metadata: { version: '1', load: 0.5 }, seconds_since_heartbeat: 0 });
  });
});

describe('GET /api/v1/infrastructure', () => {
  it('lists the organization resources with their status, filtered by kind and status', async () => {
    const online = await register({ name: uniqueName('list-online'), kind: 'worker' });
    const stale = await register({ name: uniqueName('list-stale'), kind: 'worker' });
    const grid = await register({ name: uniqueName('list-grid'), kind: 'grid' });
    await quietFor(stale.id, INTERVAL * 2);

    const all = await api.request('GET', '/api/v1/infrastructure?limit=200', { token: viewerToken });
    expect(all.status).toBe(200);
    const ids = all.body.items.map((r: { id: number }) => r.id);
    expect(ids).toEqual(expect.arrayContaining([online.id, stale.id, grid.id]));
    expect(ids).not.toContain(foreignId);
    expect(all.body.total).toBe(all.body.items.length);
    const names = all.body.items.map((r: { name: string }) => r.name);
    expect(names).toEqual([...names].sort());

    const staleOnly = await api.request('GET', '/api/v1/infrastructure?status=stale&limit=200', { token: viewerToken });
    expect(staleOnly.body.items.map((r: { id: number }) => r.id)).toContain(stale.id);
    expect(staleOnly.body.items.map((r: { id: number }) => r.id)).not.toContain(online.id);
    expect(new Set(staleOnly.body.items.map((r: { status: string }) => r.status))).toEqual(new Set(['stale']));
    const staleItem = staleOnly.body.items.find((r: { id: number }) => r.id === stale.id);
    expect(staleItem.seconds_since_heartbeat).toBeGreaterThanOrEqual(INTERVAL * 2);

    const grids = await api.request('GET', '/api/v1/infrastructure?kind=grid&limit=200', { token: viewerToken });
    expect(grids.body.items.map((r: { id: number }) => r.id)).toContain(grid.id);
    expect(new Set(grids.body.items.map((r: { kind: string }) => r.kind))).toEqual(new Set(['grid']));

    const onlineWorkers = await api.request('GET', '/api/v1/infrastructure?kind=worker&status=online&limit=200', { token: viewerToken });
    const onlineIds = onlineWorkers.body.items.map((r: { id: number }) => r.id);
    expect(onlineIds).toContain(online.id);
    expect(onlineIds).not.toContain(stale.id);
    expect(onlineIds).not.toContain(grid.id);
  });

  it('pages with limit and offset, counting every match', async () => {
    for (let i = 0; i < 3; i++) await register({ name: uniqueName('page'), kind: 'worker' });
    const all = await api.request('GET', '/api/v1/infrastructure?limit=200', { token: viewerToken });
    const page = await api.request('GET', '/api/v1/infrastructure?limit=2&offset=1', { token: viewerToken });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: all.body.total, limit: 2, offset: 1 });
    expect(page.body.items.map((r: { id: number }) => r.id)).toEqual(all.body.items.slice(1, 3).map((r: { id: number }) => r.id));
  });

  it('answers 401 without a token and 422 for unknown filters', async () => {
    expect((await api.request('GET', '/api/v1/infrastructure')).status).toBe(401);
    const res = await api.request('GET', '/api/v1/infrastructure?status=sleeping&kind=robot&limit=0', { token: viewerToken });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['query.kind', 'query.limit', 'query.status']);
  });
});

describe('GET /api/v1/infrastructure/:id', () => {
  it('answers one resource to a viewer', async () => {
    const { id, name } = await register({ name: uniqueName('one'), kind: 'grid' });
    const res = await get(id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, name, kind: 'grid', status: 'online' });
  });

  it('answers 401, 422 and 404 (also for another organization)', async () => {
    expect((await api.request('GET', '/api/v1/infrastructure/1')).status).toBe(401);
    const bad = await get('abc');
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('path.id');
    expect((await get(999_999)).status).toBe(404);
    const foreign = await get(foreignId);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('not_found');
  });
});

describe('POST /api/v1/infrastructure/:id/heartbeat', () => {
  it('moves the heartbeat without a body and answers the resource', async () => {
    const { id } = await register({ name: uniqueName('beat'), kind: 'worker', capacity: 3 });
    await quietFor(id, INTERVAL * 5);
    expect((await get(id)).body.status).toBe('offline');
    const res = await api.request('POST', `/api/v1/infrastructure/${id}/heartbeat`, { token: adminToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'online', capacity: 3, seconds_since_heartbeat: 0 });
  });

  it('answers 401, 403, 422 and 404', async () => {
    const { id } = await register({ name: uniqueName('beat-errors'), kind: 'worker' });
    const path = `/api/v1/infrastructure/${id}/heartbeat`;
    expect((await api.request('POST', path)).status).toBe(401);
    expect((await api.request('POST', path, { token: userToken })).status).toBe(403);
    const bad = await api.request('POST', path, { token: adminToken, json: { capacity: 0, metadata: 'x' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['capacity', 'metadata']);
    expect((await api.request('POST', '/api/v1/infrastructure/999999/heartbeat', { token: adminToken })).status).toBe(404);
    expect((await api.request('POST', `/api/v1/infrastructure/${foreignId}/heartbeat`, { token: adminToken })).status).toBe(404);
  });
});

describe('DELETE /api/v1/infrastructure/:id', () => {
  it('forgets the resource and audits the removal', async () => {
    const name = uniqueName('gone');
    const { id } = await register({ name, kind: 'grid' });
    const res = await api.request('DELETE', `/api/v1/infrastructure/${id}`, { token: adminToken });
    expect(res.status).toBe(204);
    expect(res.body).toBe('');
    expect((await get(id)).status).toBe(404);
    expect(await api.orm.em.fork().count(InfrastructureResource, { id })).toBe(0);
    const removed = await api.orm.em.fork().find(AuditLog, { action: 'infrastructure.removed', resourceId: String(id) });
    expect(removed.map((e) => e.details)).toEqual([{ name, kind: 'grid' }]);
  });

  it('answers 401, 403, 422 and 404, and leaves other organizations alone', async () => {
    const { id } = await register({ name: uniqueName('kept'), kind: 'grid' });
    expect((await api.request('DELETE', `/api/v1/infrastructure/${id}`)).status).toBe(401);
    expect((await api.request('DELETE', `/api/v1/infrastructure/${id}`, { token: viewerToken })).status).toBe(403);
    expect((await api.request('DELETE', '/api/v1/infrastructure/0', { token: adminToken })).status).toBe(422);
    expect((await api.request('DELETE', '/api/v1/infrastructure/999999', { token: adminToken })).status).toBe(404);
    expect((await api.request('DELETE', `/api/v1/infrastructure/${foreignId}`, { token: adminToken })).status).toBe(404);
    expect(await api.orm.em.fork().count(InfrastructureResource, { id: { $in: [id, foreignId] } })).toBe(2);
  });
});
