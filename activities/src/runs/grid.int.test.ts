import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/activity';
import { Environment, registerResource, Run } from '@qatron/domain';
import { connectDatabase, type MikroORM } from '@qatron/domain/db';
import { buildEnvironment, buildOrganization, buildProject, buildRun } from '@qatron/domain/testing';
import { serveGridStatus } from '@qatron/domain/testing/grid-status-server';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { gridOutageDuringShard, reserveRunGrid, shardsForFreeSlots } from './grid.js';

/**
 * A run and its environment's Selenium Grid (issue 16 item 4), on real rows, against a served Grid
 * /status: the checks before the shards and after a shard's failures. The whole path through a
 * real Grid and Chromium is worker/src/browser-grid.e2e.test.ts.
 */
let orm: MikroORM;
let drop: () => Promise<void>;
let grid: Awaited<ReturnType<typeof serveGridStatus>>;

const demand = { shards: 4, sessionsPerShard: 1, waitSeconds: 30 };
const never = new AbortController().signal;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url, { pool: { min: 0, max: 4 } });
  grid = await serveGridStatus();
});
afterAll(async () => {
  await grid.close();
  await orm.close(true);
  await drop();
});

/** A queued run whose environment names a Grid at `url` named `name`. */
async function browserRun(name: string, url: string): Promise<{ run: Run; environment: Environment; gridId: number }> {
  const em = orm.em.fork();
  const project = await buildProject(em, { organization: await buildOrganization(em) });
  const { resource } = await registerResource(em, { organization: project.organization, name, kind: 'grid', url }, new Date());
  const environment = await buildEnvironment(em, { project });
  environment.grid = resource.id;
  await em.flush();
  return { run: await buildRun(em, { project, environment }), environment, gridId: resource.id };
}

describe('reserveRunGrid', () => {
  it('leaves a run whose environment names no Grid alone', async () => {
    const em = orm.em.fork();
    const run = await buildRun(em);
    const environment = await em.findOneOrFail(Environment, { id: run.environment });
    expect(await reserveRunGrid(em, run, environment, demand, never)).toBeNull();
  });

  it('starts no more shards than the Grid has free slots', async () => {
    grid.set({ slots: 3, busy: 1 });
    const { run, environment } = await browserRun('grid-fit', grid.url);
    const reserved = await reserveRunGrid(orm.em.fork(), run, environment, demand, never);
    expect(reserved).toEqual({ grid: expect.objectContaining({ name: 'grid-fit', url: grid.url, slots_total: 3, slots_free: 2, shards_wanted: 4 }), shards: 2 });
  });

  it('ends a run whose Grid is down as GridUnavailable, naming the Grid and why', async () => {
    const gone = await serveGridStatus();
    await gone.close();
    const { run, environment } = await browserRun('grid-down', gone.url);
    const failure = await reserveRunGrid(orm.em.fork(), run, environment, demand, never).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'GridUnavailable', nonRetryable: true, message: 'Selenium Grid grid-down unavailable: connection refused' });
  });

  it('waits visibly while every slot is busy, and goes on when one frees up', async () => {
    grid.set({ slots: 2, busy: 2 });
    const { run, environment } = await browserRun('grid-busy', grid.url);
    const reserving = reserveRunGrid(orm.em.fork(), run, environment, demand, never);
    await expect.poll(async () => (await orm.em.fork().findOneOrFail(Run, { id: run.id })).statusReason, { timeout: 5000 }).toBe('Waiting for a free slot on Selenium Grid grid-busy (all 2 busy)');
    grid.set({ slots: 2, busy: 1 });
    expect((await reserving)?.shards).toBe(1);
    expect((await orm.em.fork().findOneOrFail(Run, { id: run.id })).statusReason).toBeNull();
  });
});

describe('gridOutageDuringShard', () => {
  it("blames a shard's failures on its Grid only when the Grid is down now", async () => {
    grid.set({ slots: 2 });
    const { run, gridId } = await browserRun('grid-mid-run', grid.url);
    run.runMetadata = { ...run.runMetadata, grid: { id: gridId, name: 'grid-mid-run', url: grid.url, slots_total: 2, slots_free: 2, shards_wanted: 1 } };
    const em = orm.em.fork();
    expect(await gridOutageDuringShard(em, run, true)).toBeNull();
    expect(await gridOutageDuringShard(em, run, false)).toBeNull();
    grid.set({ ready: false, slots: 0 });
    expect(await gridOutageDuringShard(em, run, true)).toBe('Selenium Grid grid-mid-run unavailable: not ready: Selenium Grid not ready.');
  });
});

describe('shardsForFreeSlots', () => {
  it('fits shards of one or more sessions into the free slots, at least one', () => {
    expect(shardsForFreeSlots(4, 2, 1)).toBe(2);
    expect(shardsForFreeSlots(4, 5, 2)).toBe(2);
    expect(shardsForFreeSlots(2, 10, 1)).toBe(2);
    expect(shardsForFreeSlots(3, 1, 4)).toBe(1);
  });
});
