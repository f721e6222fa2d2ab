import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, GridOutage, InfrastructureResource } from '@qatron/domain';
import { markStopped, registerResource } from '@qatron/domain/infrastructure/registry';
import { buildOrganization, buildProject, buildServiceToken } from '@qatron/domain/testing';
import { serveGridStatus } from '@qatron/domain/testing/grid-status-server';
import { startTestApi, type TestApi } from '../testing/harness.js';

let api: TestApi;
let adminToken: string;
let viewerToken: string;
let userToken: string;
let foreignId: number;
/** A Grid 4 /status on a real socket: ready, two Chromium slots, one of them busy. */
let grid: Awaited<ReturnType<typeof serveGridStatus>>;
/** Where nothing listens (a stand-in's address once it is closed): connecting is refused at once. */
let nothingListens: string;

const INTERVAL = 20;

beforeAll(async () => {
  grid = await serveGridStatus({ slots: 2, busy: 1 });
  const gone = await serveGridStatus();
  await gone.close();
  nothingListens = gone.url;
  api = await startTestApi({ HEARTBEAT_INTERVAL_SECONDS: String(INTERVAL) });
  adminToken = await api.login('admin', 'admin');
  viewerToken = (await api.userWithToken('viewer')).token;
  userToken = (await api.userWithToken('user')).token;
  const other = await buildOrganization(api.orm.em.fork());
  foreignId = (await registerResource(api.orm.em.fork(), { organization: other.id, name: 'their-worker', kind: 'worker' }, new Date())).resource.id;
});
afterAll(async () => {
  await api.close();
  await grid.close();
});

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
    const name = uniqueName('again');
    const first = await register({ name, kind: 'worker', url: 'http://10.0.0.6:9000', capacity: 10 });
    await quietFor(first.id, 3600);
    const again = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json: { name, kind: 'worker', capacity: 20 } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.id, url: 'http://10.0.0.6:9000', capacity: 20, status: 'online' });
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
    const tooMany = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json: { name: 'x', kind: 'worker', capacity: 10_001 } });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors).toEqual([{ field: 'capacity', message: expect.any(String) }]);
    const huge = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json: { name: 'x', kind: 'worker', metadata: { blob: 'x'.repeat(20_000) } } });
    expect(huge.status).toBe(422);
    expect(huge.body.errors[0].field).toBe('metadata');
    const missing = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json: {} });
    expect(missing.status).toBe(422);
    expect(missing.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['kind', 'name']);
    const ftp = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json: { name: 'x', kind: 'worker', url: 'ftp://10.0.0.5/status' } });
    expect(ftp.body.errors).toEqual([{ field: 'url', message: 'must be an http:// or https:// URL' }]);
  });

  it('refuses a grid without a URL with 422 naming url, and registers nothing', async () => {
    const name = uniqueName('no-url');
    for (const json of [{ name, kind: 'grid' }, { name, kind: 'grid', url: null }]) {
      const res = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ field: 'url', message: 'is required: a Grid is registered by its URL' }]);
    }
    expect(await api.orm.em.fork().count(InfrastructureResource, { name })).toBe(0);
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
    const listed = await register({ name: uniqueName('list-grid'), kind: 'grid', url: grid.url });
    const down = await register({ name: uniqueName('list-down'), kind: 'grid', url: nothingListens });
    await quietFor(stale.id, INTERVAL * 2);

    const all = await api.request('GET', '/api/v1/infrastructure?limit=200', { token: viewerToken });
    expect(all.status).toBe(200);
    const ids = all.body.items.map((r: { id: number }) => r.id);
    expect(ids).toEqual(expect.arrayContaining([online.id, stale.id, listed.id, down.id]));
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
    expect(grids.body.items.map((r: { id: number }) => r.id)).toEqual(expect.arrayContaining([listed.id, down.id]));
    expect(new Set(grids.body.items.map((r: { kind: string }) => r.kind))).toEqual(new Set(['grid']));

    const onlineWorkers = await api.request('GET', '/api/v1/infrastructure?kind=worker&status=online&limit=200', { token: viewerToken });
    const onlineIds = onlineWorkers.body.items.map((r: { id: number }) => r.id);
    expect(onlineIds).toContain(online.id);
    expect(onlineIds).not.toContain(stale.id);
    expect(onlineIds).not.toContain(listed.id);

    const unhealthy = await api.request('GET', '/api/v1/infrastructure?status=unhealthy&limit=200', { token: viewerToken });
    expect(unhealthy.status).toBe(200);
    expect(unhealthy.body.items.map((r: { id: number }) => r.id)).toContain(down.id);
    expect(unhealthy.body.items.map((r: { id: number }) => r.id)).not.toContain(listed.id);
    expect(new Set(unhealthy.body.items.map((r: { status: string }) => r.status))).toEqual(new Set(['unhealthy']));
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
    const { id, name } = await register({ name: uniqueName('one'), kind: 'grid', url: grid.url });
    const res = await get(id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, name, kind: 'grid', status: 'online', check: { error: null, health: { slots_total: 2, slots_free: 1 } } });
    const worker = await register({ name: uniqueName('one-worker'), kind: 'worker' });
    expect((await get(worker.id)).body.check).toBeNull();
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
    const { id } = await register({ name, kind: 'grid', url: grid.url });
    const res = await api.request('DELETE', `/api/v1/infrastructure/${id}`, { token: adminToken });
    expect(res.status).toBe(204);
    expect(res.body).toBe('');
    expect((await get(id)).status).toBe(404);
    expect(await api.orm.em.fork().count(InfrastructureResource, { id })).toBe(0);
    const removed = await api.orm.em.fork().find(AuditLog, { action: 'infrastructure.removed', resourceId: String(id) });
    expect(removed.map((e) => e.details)).toEqual([{ name, kind: 'grid' }]);
  });

  it('answers 401, 403, 422 and 404, and leaves other organizations alone', async () => {
    const { id } = await register({ name: uniqueName('kept'), kind: 'grid', url: grid.url });
    expect((await api.request('DELETE', `/api/v1/infrastructure/${id}`)).status).toBe(401);
    expect((await api.request('DELETE', `/api/v1/infrastructure/${id}`, { token: viewerToken })).status).toBe(403);
    expect((await api.request('DELETE', '/api/v1/infrastructure/0', { token: adminToken })).status).toBe(422);
    expect((await api.request('DELETE', '/api/v1/infrastructure/999999', { token: adminToken })).status).toBe(404);
    expect((await api.request('DELETE', `/api/v1/infrastructure/${foreignId}`, { token: adminToken })).status).toBe(404);
    expect(await api.orm.em.fork().count(InfrastructureResource, { id: { $in: [id, foreignId] } })).toBe(2);
  });
});

describe('checking a Grid (issue 16 item 3)', () => {
  const check = (id: number, token = adminToken) => api.request('POST', `/api/v1/infrastructure/${id}/check`, { token });
  const outages = (id: number, query = '', token = viewerToken) => api.request('GET', `/api/v1/infrastructure/${id}/outages${query}`, { token });

  it('registers a Grid where nothing listens, unhealthy with the check error and one open outage, however often it is checked', async () => {
    const name = uniqueName('refused');
    const res = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json: { name, kind: 'grid', url: nothingListens } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name, kind: 'grid', url: nothingListens, status: 'unhealthy', check: { error: 'connection refused', health: null } });
    expect(Date.now() - Date.parse(res.body.check.checked_at)).toBeLessThan(10_000);
    expect(await api.orm.em.fork().count(AuditLog, { action: 'infrastructure.registered', resourceId: String(res.body.id) })).toBe(1);
    const again = await check(res.body.id);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: res.body.id, status: 'unhealthy', check: { error: 'connection refused' } });
    const listed = await outages(res.body.id);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      items: [{ id: expect.any(Number), started_at: res.body.check.checked_at, ended_at: null, reason: 'connection refused', duration_seconds: null }],
      total: 1,
      limit: 50,
      offset: 0,
    });
  });

  it('is online with its slots and browsers once a check passes, and the outage is closed with its duration', async () => {
    const starting = await serveGridStatus({ ready: false, slots: 2 });
    try {
      const registered = await api.request('POST', '/api/v1/infrastructure', { token: adminToken, json: { name: uniqueName('starting'), kind: 'grid', url: starting.url } });
      expect(registered.body).toMatchObject({ status: 'unhealthy', check: { error: 'not ready: Selenium Grid not ready.', health: { ready: false } } });
      const { id } = registered.body;
      // The outage began a minute and a half ago, so its duration is measurable.
      await api.orm.em.fork().nativeUpdate(GridOutage, { resource: id }, { startedAt: new Date(Date.now() - 90_000) });
      starting.set({ slots: 2, busy: 1 });
      const res = await check(id);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, status: 'online', capacity: 2, seconds_since_heartbeat: 0 });
      expect(res.body.check).toEqual({
        checked_at: expect.any(String),
        error: null,
        health: {
          ready: true,
          message: 'Selenium Grid ready.',
          nodes: 1,
          nodes_up: 1,
          slots_total: 2,
          slots_free: 1,
          browsers: [{ name: 'chrome', version: '156.0.8078.114', slots_total: 2, slots_free: 1 }],
          version: '4.48.0',
        },
      });
      expect((await get(id)).body).toMatchObject({ status: 'online', check: { error: null, health: { slots_free: 1 } } });
      const [outage, ...rest] = (await outages(id)).body.items;
      expect(rest).toEqual([]);
      expect(outage).toMatchObject({ reason: 'not ready: Selenium Grid not ready.', ended_at: res.body.check.checked_at });
      expect(outage.duration_seconds).toBeGreaterThanOrEqual(90);
      expect(outage.duration_seconds).toBeLessThan(100);
    } finally {
      await starting.close();
    }
  });

  it('answers 409 for a worker and for a Grid without a URL, 403 below admin, 404 for another organization', async () => {
    const worker = await register({ name: uniqueName('check-worker'), kind: 'worker' });
    const notGrid = await check(worker.id);
    expect(notGrid.status).toBe(409);
    expect(notGrid.body).toMatchObject({ code: 'not_a_grid', detail: `Infrastructure resource ${worker.id} is a worker: only a Grid is checked` });
    // Registered before Grids needed a URL (or by a worker on its own): nothing to check.
    const { resource: bare } = await registerResource(api.orm.em.fork(), { organization: api.organization.id, name: uniqueName('bare-grid'), kind: 'grid' }, new Date());
    const noUrl = await check(bare.id);
    expect(noUrl.status).toBe(409);
    expect(noUrl.body.code).toBe('grid_without_url');
    const { id } = await register({ name: uniqueName('check-roles'), kind: 'grid', url: grid.url });
    expect((await api.request('POST', `/api/v1/infrastructure/${id}/check`)).status).toBe(401);
    const viewer = await check(id, viewerToken);
    expect(viewer.status).toBe(403);
    expect(viewer.body.code).toBe('forbidden');
    expect((await check(id, userToken)).status).toBe(403);
    expect((await check(foreignId)).status).toBe(404);
    expect((await check(999_999)).status).toBe(404);
    expect((await outages(foreignId)).status).toBe(404);
    expect((await outages(999_999)).status).toBe(404);
    expect((await api.request('GET', `/api/v1/infrastructure/${id}/outages`)).status).toBe(401);
  });

  it("lists a Grid's outages newest first, a page at a time; a worker has none", async () => {
    const { id } = await register({ name: uniqueName('history'), kind: 'grid', url: grid.url });
    const fork = api.orm.em.fork();
    const hour = 3_600_000;
    const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * hour);
    const closed = (start: number, end: number, reason: string) => Object.assign(new GridOutage(api.organization.id, id, at(start), reason), { endedAt: at(end) });
    fork.persist([closed(30, 29, 'connection refused'), closed(5, 4.5, 'not ready: no node'), closed(20, 19.75, 'answered /status with HTTP 502')]);
    await fork.flush();
    const all = await outages(id);
    expect(all.body.total).toBe(3);
    expect(all.body.items.map((o: { reason: string; duration_seconds: number }) => [o.reason, o.duration_seconds])).toEqual([
      ['not ready: no node', 1800],
      ['answered /status with HTTP 502', 900],
      ['connection refused', 3600],
    ]);
    const page = await outages(id, '?limit=1&offset=1');
    expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1, items: [{ reason: 'answered /status with HTTP 502' }] });
    expect((await outages(id, '?limit=0')).body.errors).toEqual([{ field: 'query.limit', message: expect.any(String) }]);
    const worker = await register({ name: uniqueName('history-worker'), kind: 'worker' });
    expect((await outages(worker.id)).body).toEqual({ items: [], total: 0, limit: 50, offset: 0 });
  });
});
