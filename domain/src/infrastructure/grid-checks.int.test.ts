import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { connectDatabase, type MikroORM } from '../db.js';
import { GridOutage } from '../entities/grid-outage.js';
import { InfrastructureResource, resourceStatus } from '../entities/infrastructure-resource.js';
import type { Organization } from '../entities/organization.js';
import { buildOrganization } from '../testing/factories.js';
import { serveGridStatus } from '../testing/grid-status-server.js';
import { checkDueGrids, checkGridNow } from './grid-checks.js';
import { registerResource } from './registry.js';

let orm: MikroORM;
let drop: () => Promise<void>;
let organization: Organization;
let grid: Awaited<ReturnType<typeof serveGridStatus>>;

const load = (id: number) => orm.em.fork().findOneOrFail(InfrastructureResource, { id });
const outages = (id: number) => orm.em.fork().find(GridOutage, { resource: id }, { orderBy: { startedAt: 'asc' } });
const register = async (name: string, url: string) => (await registerResource(orm.em.fork(), { organization: organization.id, name, kind: 'grid', url }, new Date())).resource;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url, { pool: { min: 0, max: 4 } });
  organization = await buildOrganization(orm.em.fork());
  grid = await serveGridStatus({ slots: 2, busy: 1 });
});
afterAll(async () => {
  await grid.close();
  await orm.close(true);
  await drop();
});

describe('checkGridNow', () => {
  it('records a healthy Grid as a heartbeat with its slots, an outage while it is down, and closes it when it is back', async () => {
    const resource = await register('grid-outage', grid.url);
    const healthy = await checkGridNow(orm.em.fork(), await load(resource.id), new Date('2026-12-06T10:00:00Z'));
    expect(healthy.ok).toBe(true);
    let stored = await load(resource.id);
    expect(stored).toMatchObject({ checkError: null, capacity: 2, gridHealth: { slots_total: 2, slots_free: 1 } });
    expect(resourceStatus(stored, new Date('2026-12-06T10:00:05Z'), 30)).toBe('online');

    grid.set({ ready: false, slots: 0 });
    await checkGridNow(orm.em.fork(), stored, new Date('2026-12-06T10:00:10Z'));
    await checkGridNow(orm.em.fork(), await load(resource.id), new Date('2026-12-06T10:00:20Z'));
    stored = await load(resource.id);
    expect(stored.checkError).toBe('not ready: Selenium Grid not ready.');
    // Unhealthy at once, not after three missed heartbeats.
    expect(resourceStatus(stored, new Date('2026-12-06T10:00:21Z'), 30)).toBe('unhealthy');
    expect(await outages(resource.id)).toMatchObject([{ startedAt: new Date('2026-12-06T10:00:10Z'), endedAt: null, reason: 'not ready: Selenium Grid not ready.' }]);

    grid.set({ slots: 2 });
    await checkGridNow(orm.em.fork(), await load(resource.id), new Date('2026-12-06T10:01:00Z'));
    expect(resourceStatus(await load(resource.id), new Date('2026-12-06T10:01:01Z'), 30)).toBe('online');
    expect(await outages(resource.id)).toMatchObject([{ endedAt: new Date('2026-12-06T10:01:00Z') }]);
  });

  it('keeps the last known health of a Grid that stops answering', async () => {
    const resource = await register('grid-gone', grid.url);
    grid.set({ slots: 3 });
    await checkGridNow(orm.em.fork(), await load(resource.id));
    const gone = await serveGridStatus();
    await gone.close();
    const moved = await load(resource.id);
    moved.url = gone.url;
    const result = await checkGridNow(orm.em.fork(), moved);
    expect(result).toMatchObject({ ok: false, reason: 'connection refused' });
    expect(await load(resource.id)).toMatchObject({ checkError: 'connection refused', gridHealth: { slots_total: 3 } });
  });
});

describe('checkDueGrids', () => {
  it('checks each due Grid once per interval, however many workers ask', async () => {
    grid.set({ slots: 2 });
    const resource = await register('grid-due', grid.url);
    const now = new Date();
    const rounds = await Promise.all([checkDueGrids(orm.em.fork(), now, 10), checkDueGrids(orm.em.fork(), now, 10)]);
    const checkedAt = (await load(resource.id)).checkedAt;
    expect(checkedAt).not.toBeNull();
    // A second round within the interval finds nothing due.
    await checkDueGrids(orm.em.fork(), new Date(now.getTime() + 2000), 10);
    expect((await load(resource.id)).checkedAt).toEqual(checkedAt);
    expect(rounds.flat().length).toBeLessThanOrEqual(1);
  });
});
