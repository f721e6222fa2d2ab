import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ArtifactStore,
  Environment,
  LocalArtifactStore,
  RevokedSession,
  Run,
  RunArtifact,
  runPrefix,
  ServiceToken,
  storeRunArtifact,
  type EnvironmentKind,
  type Project,
  type Suite,
  type RunStatus,
} from '@qatron/domain';
import { connectDatabase, type MikroORM } from '@qatron/domain/db';
import { DAY_MS } from '@qatron/domain/retention';
import { buildEnvironment, buildOrganization, buildProject, buildRun, buildServiceToken, buildSuite } from '@qatron/domain/testing';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { createRetentionActivities } from './retention.js';
import { rejectionOf } from './testing/rejection.js';

/**
 * The retention activities against a real database and a local artifact store: what the per-run
 * timer and the daily sweep (PRD 13.2) delete, and what they must leave alone. The stores
 * themselves are exercised against S3 in retention.int.test.ts.
 */
let orm: MikroORM;
let drop: () => Promise<void>;
let dir: string;
let store: LocalArtifactStore;
let activities: ReturnType<typeof createRetentionActivities>;
const logged: string[] = [];

/** The sweep's "now": a fixed moment, so that every due date below is exact. */
const NOW = new Date('2026-06-01T02:00:00.000Z');
const daysBefore = (days: number, extraMs = 0) => new Date(NOW.getTime() - days * DAY_MS + extraMs);

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url, { pool: { min: 0, max: 4 } });
  dir = await mkdtemp(join(tmpdir(), 'qatron-retention-sweep-'));
  store = new LocalArtifactStore(dir);
  activities = createRetentionActivities({ orm, store, log: (m) => logged.push(m) });
});
afterAll(async () => {
  await orm.close(true);
  await drop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs an activity in an activity context (the sweep heartbeats), collecting its heartbeats. */
async function inActivity<R>(fn: () => Promise<R>): Promise<{ result: R; heartbeats: unknown[] }> {
  // The expected failure below would otherwise be logged as a warning.
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  return { result: await env.run(fn), heartbeats };
}

interface Target {
  project: Project;
  suite: Suite;
  environment: Environment;
}

/** An environment (and a suite) of a new project, with its own retention or (null) its kind's default. */
async function environmentOf(kind: EnvironmentKind, retentionDays: number | null = null): Promise<Target> {
  const em = orm.em.fork();
  const project = await buildProject(em, { organization: await buildOrganization(em) });
  const [suite, environment] = [await buildSuite(em, { project }), await buildEnvironment(em, { project, kind })];
  environment.retentionDays = retentionDays;
  await em.flush();
  return { project, suite, environment };
}

/** A run of `environment` that finished at `completedAt`, with two artifact rows and an object no row points at. */
async function finishedRun({ project, suite, environment }: Target, completedAt: Date | null, options: { status?: RunStatus; artifacts?: boolean } = {}): Promise<Run> {
  const em = orm.em.fork();
  const run = await buildRun(em, { project, suite, environment, status: options.status ?? 'completed' });
  Object.assign(run, { completedAt, totalTests: 7, passedTests: 5, failedTests: 2, runMetadata: { shard_count: 1 } });
  if (options.artifacts ?? true) {
    await storeRunArtifact(em, store, run, { kind: 'junit', relativePath: 'shards/0/junit.xml', contentType: 'application/xml', body: '<testsuite/>', shardIndex: 0 });
    await storeRunArtifact(em, store, run, { kind: 'log', relativePath: 'shards/0/pytest.log', contentType: 'text/plain', body: 'log', shardIndex: 0 });
    // An object whose row was never written (PRD 13.2: everything under the run's prefix goes).
    await store.put(`${runPrefix(run)}allure-report/index.html`, '<html/>', 'text/html');
  }
  await em.flush();
  return run;
}

async function objectsOf(run: Run): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(runPrefix(run))) keys.push(object.key);
  return keys.sort();
}

const reload = (run: Run) => orm.em.fork().findOneOrFail(Run, { id: run.id });
const rowsOf = (run: Run) => orm.em.fork().count(RunArtifact, { run: run.id });

describe('sweepExpiredArtifacts', () => {
  it('cleans every finished run past its environment retention and leaves the rest alone', async () => {
    const development = await environmentOf('development');
    const production = await environmentOf('production');
    const staging = await environmentOf('staging');
    const shortStaging = await environmentOf('staging', 5);
    const longProduction = await environmentOf('production', 365);

    const overdue = {
      development: await finishedRun(development, daysBefore(31)),
      developmentOnTheDay: await finishedRun(development, daysBefore(30)),
      production: await finishedRun(production, daysBefore(181), { status: 'failed' }),
      staging: await finishedRun(staging, daysBefore(91), { status: 'timed_out' }),
      shortStaging: await finishedRun(shortStaging, daysBefore(6), { status: 'cancelled' }),
    };
    const kept = {
      developmentNotYet: await finishedRun(development, daysBefore(30, 1000)),
      production: await finishedRun(production, daysBefore(179)),
      staging: await finishedRun(staging, daysBefore(89)),
      longProduction: await finishedRun(longProduction, daysBefore(200)),
      running: await finishedRun(development, null, { status: 'running' }),
    };
    const alreadyDeleted = await finishedRun(development, daysBefore(90), { artifacts: false });
    const deletedAt = new Date('2026-03-01T00:00:00.000Z');
    {
      const em = orm.em.fork();
      const run = await em.findOneOrFail(Run, { id: alreadyDeleted.id });
      Object.assign(run, { artifactsDeleted: true, artifactsDeletedAt: deletedAt });
      await em.flush();
    }

    const { result, heartbeats } = await inActivity(() => activities.sweepExpiredArtifacts({ now: NOW.toISOString() }));
    expect(result).toEqual({ runs: 5 });
    expect(heartbeats).toHaveLength(5);

    for (const run of Object.values(overdue)) {
      expect(await objectsOf(run)).toEqual([]);
      expect(await rowsOf(run)).toBe(0);
      const stored = await reload(run);
      expect(stored.artifactsDeleted).toBe(true);
      expect(stored.artifactsDeletedAt).toBeInstanceOf(Date);
      // The run's metadata stays (PRD 13.2).
      expect(stored).toMatchObject({ status: run.status, completedAt: run.completedAt, totalTests: 7, passedTests: 5, failedTests: 2, runMetadata: { shard_count: 1 } });
    }
    for (const run of Object.values(kept)) {
      expect(await objectsOf(run)).toEqual([
        `${runPrefix(run)}allure-report/index.html`,
        `${runPrefix(run)}shards/0/junit.xml`,
        `${runPrefix(run)}shards/0/pytest.log`,
      ]);
      expect(await rowsOf(run)).toBe(2);
      expect((await reload(run)).artifactsDeleted).toBe(false);
    }
    expect(await reload(alreadyDeleted)).toMatchObject({ artifactsDeleted: true, artifactsDeletedAt: deletedAt });

    // Nothing left to do: a second sweep at the same moment finds nothing.
    expect((await inActivity(() => activities.sweepExpiredArtifacts({ now: NOW.toISOString() }))).result).toEqual({ runs: 0 });
  });

  it('pages through more overdue runs than one batch holds', async () => {
    const development = await environmentOf('development');
    const runs: Run[] = [];
    for (let i = 0; i < 130; i++) runs.push(await finishedRun(development, daysBefore(40), { artifacts: i % 10 === 0 }));

    const { result } = await inActivity(() => activities.sweepExpiredArtifacts({ now: NOW.toISOString() }));
    expect(result).toEqual({ runs: 130 });
    const flags = await orm.em.fork().find(Run, { id: { $in: runs.map((r) => r.id) } }, { fields: ['artifactsDeleted'] });
    expect(flags.map((r) => r.artifactsDeleted)).toEqual(runs.map(() => true));
  });
  it('goes on past a run whose artifacts cannot be deleted, then fails so that it is retried', async () => {
    const development = await environmentOf('development');
    const [stuck, cleanable] = [await finishedRun(development, daysBefore(45)), await finishedRun(development, daysBefore(45))];
    // The store refuses one run's prefix, as an S3 outage or a permission problem would.
    const refusing: ArtifactStore = Object.assign(Object.create(store) as ArtifactStore, {
      deletePrefix: (prefix: string) => (prefix === runPrefix(stuck) ? Promise.reject(new Error('AccessDenied')) : store.deletePrefix(prefix)),
    });
    const sweeping = createRetentionActivities({ orm, store: refusing, log: (m) => logged.push(m) });

    const err = await rejectionOf(inActivity(() => sweeping.sweepExpiredArtifacts({ now: NOW.toISOString() })));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'RetentionSweepIncomplete', nonRetryable: false, message: `1 run(s) past retention kept their artifacts (1 cleaned): run ${stuck.id}: AccessDenied` });
    expect(logged).toContain(`retention sweep: artifacts of run ${stuck.id} could not be deleted: AccessDenied`);
    expect((await reload(cleanable)).artifactsDeleted).toBe(true);
    expect(await stateOfStuck()).toEqual({ artifactsDeleted: false, rows: 2, objects: 3 });

    // The retry (here with the store working again) cleans what is left.
    expect((await inActivity(() => activities.sweepExpiredArtifacts({ now: NOW.toISOString() }))).result).toEqual({ runs: 1 });
    expect((await reload(stuck)).artifactsDeleted).toBe(true);

    async function stateOfStuck() {
      return { artifactsDeleted: (await reload(stuck)).artifactsDeleted, rows: await rowsOf(stuck), objects: (await objectsOf(stuck)).length };
    }
  });
});

describe('deleteRunArtifacts and retentionDueAt', () => {
  it('computes the due date from completed_at and the environment as it is now', async () => {
    const staging = await environmentOf('staging');
    const run = await finishedRun(staging, new Date('2026-01-10T12:00:00.000Z'), { artifacts: false });
    expect(await activities.retentionDueAt({ runId: run.id })).toEqual({ dueAt: '2026-04-10T12:00:00.000Z' });

    const em = orm.em.fork();
    (await em.findOneOrFail(Environment, { id: staging.environment.id })).retentionDays = 7;
    await em.flush();
    expect(await activities.retentionDueAt({ runId: run.id })).toEqual({ dueAt: '2026-01-17T12:00:00.000Z' });
    expect(await activities.retentionDueAt({ runId: 999_999 })).toEqual({ dueAt: null });
  });

  it('deletes once: a repeat finds nothing to do and the due date is gone', async () => {
    const run = await finishedRun(await environmentOf('development'), daysBefore(1));
    expect(await activities.deleteRunArtifacts({ runId: run.id })).toEqual({ deleted: true, objects: 3 });
    expect(await activities.deleteRunArtifacts({ runId: run.id })).toEqual({ deleted: false, objects: 0 });
    expect(await activities.retentionDueAt({ runId: run.id })).toEqual({ dueAt: null });
    expect(await objectsOf(run)).toEqual([]);
    expect(await activities.deleteRunArtifacts({ runId: 999_999 })).toEqual({ deleted: false, objects: 0 });
  });

  it('refuses a run that has not finished, without retrying', async () => {
    const run = await finishedRun(await environmentOf('development'), null, { status: 'running' });
    for (const attempt of [() => activities.deleteRunArtifacts({ runId: run.id }), () => activities.retentionDueAt({ runId: run.id })]) {
      const err = await rejectionOf(attempt());
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'RunNotFinished', nonRetryable: true });
    }
    expect(await objectsOf(run)).toHaveLength(3);
    expect(await rowsOf(run)).toBe(2);
  });
});

describe('deactivateExpiredServiceTokens', () => {
  it('records tokens past their expiry as revoked, once', async () => {
    const em = orm.em.fork();
    const organization = await buildOrganization(em);
    const expired = (await buildServiceToken(em, { organization, expiresAt: daysBefore(0, -1000) })).serviceToken;
    const expiresExactlyNow = (await buildServiceToken(em, { organization, expiresAt: NOW })).serviceToken;
    const live = (await buildServiceToken(em, { organization, expiresAt: daysBefore(-1) })).serviceToken;
    const forever = (await buildServiceToken(em, { organization })).serviceToken;
    const revokedEarlier = (await buildServiceToken(em, { organization, expiresAt: daysBefore(10) })).serviceToken;
    const earlier = daysBefore(20);
    revokedEarlier.revokedAt = earlier;
    await em.flush();

    expect(await activities.deactivateExpiredServiceTokens({ now: NOW.toISOString() })).toEqual({ serviceTokens: 2 });
    const revokedAt = async (token: ServiceToken) => (await orm.em.fork().findOneOrFail(ServiceToken, { id: token.id })).revokedAt;
    expect(await revokedAt(expired)).toEqual(NOW);
    expect(await revokedAt(expiresExactlyNow)).toEqual(NOW);
    expect(await revokedAt(live)).toBeNull();
    expect(await revokedAt(forever)).toBeNull();
    expect(await revokedAt(revokedEarlier)).toEqual(earlier);
    expect(await activities.deactivateExpiredServiceTokens({ now: NOW.toISOString() })).toEqual({ serviceTokens: 0 });
  });
});

describe('purgeRevokedSessions', () => {
  it('deletes signed-out sessions an hour past their expiry and keeps the others', async () => {
    const em = orm.em.fork();
    const hour = 60 * 60 * 1000;
    em.persist([
      new RevokedSession('expired-yesterday', daysBefore(1)),
      new RevokedSession('expired-an-hour-ago', new Date(NOW.getTime() - hour)),
      new RevokedSession('expired-a-minute-ago', new Date(NOW.getTime() - 60_000)),
      new RevokedSession('still-valid', new Date(NOW.getTime() + hour)),
    ]);
    await em.flush();

    expect(await activities.purgeRevokedSessions({ now: NOW.toISOString() })).toEqual({ revokedSessions: 2 });
    const left = await orm.em.fork().find(RevokedSession, {}, { orderBy: { jti: 'asc' } });
    expect(left.map((s) => s.jti)).toEqual(['expired-a-minute-ago', 'still-valid']);
  });
});
