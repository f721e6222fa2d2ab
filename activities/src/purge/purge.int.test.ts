import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AuditLog,
  CONTROL_TASK_QUEUE,
  Dataset,
  type Environment,
  Project,
  Purge,
  purgeWorkflowId,
  Run,
  RunArtifact,
  runPrefix,
  storeRunArtifact,
  type Suite,
  type ArtifactStore,
  type AuditAction,
  type PurgeActivities,
  type PurgeResult,
  type QatronWorkflows,
  type StoredArtifact,
} from '@qatron/domain';
import { datasetPrefix, projectPrefix } from '@qatron/domain/purge/prefixes';
import { buildEnvironment, buildProject, buildRun, buildSuite } from '@qatron/domain/testing';
import { REPO_ROOT } from '@qatron/scripts/embedded/temporal';
import { startVersitygw, VERSITYGW_BINARY, VERSITYGW_MISSING, type EmbeddedVersitygw } from '@qatron/scripts/embedded/versitygw';
import { freePort } from '@qatron/scripts/testing/ports';
import { freshTemporalNamespace } from '@qatron/scripts/testing/temporal-namespace';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
// Tests may reach across packages: the worker's recorder writes histories the way README "Replay tests" says.
import { recordHistories } from '../../../worker/src/testing/histories.js';
import { createPurgeActivities } from './index.js';

/**
 * Deletes that free storage (issue 17 item 4), end to end on the integration tier's Temporal dev
 * server and PostgreSQL: DELETE through the real API, the real purge workflow and activities on a
 * worker polling `qatron-control` in a namespace of this file's own, against each artifact store
 * (a local directory; S3 on versitygw). The assertions count objects in the store.
 */
let connection: Connection;
let native: NativeConnection;
let workflowCode: { code: string };
let gateway: EmbeddedVersitygw;
let dir: string;

beforeAll(async () => {
  if (!existsSync(VERSITYGW_BINARY)) throw new Error(VERSITYGW_MISSING);
  // ERROR: the outage test's failing attempts are expected, and the SDK logs each at WARN.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  dir = await mkdtemp(join(tmpdir(), 'qatron-purge-'));
  [connection, native, workflowCode, gateway] = await Promise.all([
    Connection.connect({ address: inject('temporalAddress') }),
    NativeConnection.connect({ address: inject('temporalAddress') }),
    bundleWorkflowCode({ workflowsPath: join(REPO_ROOT, 'workflows', 'src', 'index.ts'), logger: new DefaultLogger('ERROR') }),
    startVersitygw({ dataDir: join(dir, 'versitygw'), port: await freePort(), logFile: join(dir, 'versitygw.log') }),
  ]);
});
afterAll(async () => {
  await connection?.close();
  await native?.close();
  await gateway?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A namespace of its own per store, so that no other worker (of this file or another) takes its tasks. */
const freshNamespace = () => freshTemporalNamespace(inject('temporalAddress'), 'purge');

async function keysUnder(store: ArtifactStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  return keys.sort();
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What DELETE and GET /api/v1/purges/{id} answer (the fields these tests read). */
interface PurgeJson {
  id: number;
  status: string;
}

/** The store as the worker sees it, with every deleted prefix noted; `failFrom` makes it an outage from that call on. */
class WatchedStore implements ArtifactStore {
  readonly deleted: string[] = [];
  failFrom = Infinity;
  constructor(private readonly store: ArtifactStore) {}
  get kind() {
    return this.store.kind;
  }
  put(...args: Parameters<ArtifactStore['put']>) {
    return this.store.put(...args);
  }
  putFile(...args: Parameters<ArtifactStore['putFile']>) {
    return this.store.putFile(...args);
  }
  get(key: string) {
    return this.store.get(key);
  }
  exists(key: string) {
    return this.store.exists(key);
  }
  list(prefix: string): AsyncIterable<StoredArtifact> {
    return this.store.list(prefix);
  }
  async deletePrefix(prefix: string): Promise<number> {
    this.deleted.push(prefix);
    if (this.deleted.length >= this.failFrom) throw new Error(`store unreachable (deleting ${prefix})`);
    return this.store.deletePrefix(prefix);
  }
}

function describePurges(storeName: string, storeEnv: () => Record<string, string>) {
  describe(`on the ${storeName} store`, () => {
    let api: TestApi;
    let client: Client;
    let namespace: string;
    let admin: string;
    const em = () => api.orm.em.fork();

    beforeAll(async () => {
      namespace = await freshNamespace();
      api = await startTestApi({ TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: namespace, ...storeEnv() });
      client = new Client({ connection, namespace });
      admin = await api.login('admin', 'admin');
    });
    afterAll(async () => {
      // README "Replay tests": with QATRON_RECORD_HISTORIES=<dir>, this namespace's purge histories are kept.
      const recordTo = process.env.QATRON_RECORD_HISTORIES;
      if (recordTo && namespace) await recordHistories(inject('temporalAddress'), namespace, recordTo);
      await api?.close();
    });

    /** Runs `body` with a worker polling this namespace's control queue with the purge activities on `store`. */
    async function withWorker<T>(store: ArtifactStore, body: () => Promise<T>): Promise<T> {
      const activities: PurgeActivities = createPurgeActivities({ orm: api.orm, store, log: () => undefined }, { batchSize: 2 });
      const worker = await Worker.create({
        connection: native,
        namespace,
        taskQueue: CONTROL_TASK_QUEUE,
        workflowBundle: workflowCode,
        activities,
        // A stopped worker's workflows go back to the shared queue at once, not after the default 10 s.
        stickyQueueScheduleToStartTimeout: '1 second',
      });
      const running = worker.run();
      try {
        return await body();
      } finally {
        worker.shutdown();
        await running;
      }
    }

    /** A finished run with what a run stores: a JUnit file and a log per shard (with their rows) and an Allure report directory. */
    async function runWithArtifacts(target: { project: Project; suite: Suite; environment: Environment }): Promise<Run> {
      const db = em();
      const run = await buildRun(db, { ...target, status: 'completed' });
      for (const shard of [0, 1]) {
        await storeRunArtifact(db, api.store, run, { kind: 'junit', relativePath: `shards/${shard}/junit.xml`, contentType: 'application/xml', body: `<testsuite shard="${shard}"/>`, shardIndex: shard });
      }
      await storeRunArtifact(db, api.store, run, { kind: 'log', relativePath: 'shards/0/pytest.log', contentType: 'text/plain; charset=utf-8', body: 'collected 3 items', shardIndex: 0 });
      await api.store.put(`${runPrefix(run)}allure-report/index.html`, '<html/>', 'text/html');
      await api.store.put(`${runPrefix(run)}allure-report/data/test-cases.json`, '[]', 'application/json');
      db.persist(new RunArtifact(run.organization, run.id, 'allure_report', `${runPrefix(run)}allure-report/`, 'allure-report', 'text/html', 0));
      await db.flush();
      return run;
    }

    /** A project of the API's organization with two suites, two environments and a run of each pair (5 objects each). */
    async function projectWithRuns() {
      const db = em();
      const project = await buildProject(db, { organization: api.organization });
      const suites = [await buildSuite(db, { project, name: 'smoke' }), await buildSuite(db, { project, name: 'regression' })];
      const environments = [await buildEnvironment(db, { project, kind: 'staging' }), await buildEnvironment(db, { project, kind: 'production' })];
      const runs: Run[] = [];
      for (const suite of suites) for (const environment of environments) runs.push(await runWithArtifacts({ project, suite, environment }));
      return { project, suites, environments, runs };
    }

    async function purgeResult(purgeId: number): Promise<PurgeResult> {
      return client.workflow.getHandle<QatronWorkflows['purgeWorkflow']>(purgeWorkflowId(purgeId)).result();
    }

    async function auditOf(action: AuditAction, resourceId: number) {
      return em().find(AuditLog, { action, resourceId: String(resourceId) });
    }

    /** DELETE of a project, suite or environment: its answer is the purge. */
    const del = (path: string) => api.request<PurgeJson>('DELETE', path, { token: admin });

    it("deleting a project purges every object under its prefix and its datasets', then audits project.purged", async () => {
      const { project, runs } = await projectWithRuns();
      const prefix = projectPrefix(project.organization, project.id);
      // An object no row names (a run whose row was never committed) and a dataset version's file.
      await api.store.put(`${prefix}runs/${runs[3]!.id + 1_000_000}/shards/0/junit.xml`, '<testsuite/>', 'application/xml');
      const dataset = new Dataset(project.organization, `data-${project.id}`);
      dataset.project = project.id;
      await em().persist(dataset).flush();
      await api.store.put(`${datasetPrefix(project.organization, dataset.id)}v1/data.csv`, 'a,b\n1,2\n', 'text/csv');
      // Another project of the same organization keeps everything.
      const other = await projectWithRuns();
      const otherPrefix = projectPrefix(other.project.organization, other.project.id);
      expect((await keysUnder(api.store, prefix)).length).toBe(21);
      expect((await keysUnder(api.store, otherPrefix)).length).toBe(20);

      const store = new WatchedStore(api.store);
      const { purge, result } = await withWorker(store, async () => {
        const res = await del(`/api/v1/projects/${project.id}`);
        expect(res.status).toBe(202);
        // Four runs, the dataset, then the project's own prefix.
        expect(res.body).toMatchObject({ project_id: project.id, resource_type: 'project', resource_id: project.id, resource_name: project.name, prefixes: 6, requested_by: 'admin' });
        return { purge: res.body, result: await purgeResult(res.body.id) };
      });

      expect(result).toEqual({ purged: true, objects: 22 });
      expect(await keysUnder(api.store, prefix)).toEqual([]);
      expect(await keysUnder(api.store, datasetPrefix(project.organization, dataset.id))).toEqual([]);
      expect((await keysUnder(api.store, otherPrefix)).length).toBe(20);
      expect(store.deleted).toEqual([...runs.map((run) => runPrefix(run)), datasetPrefix(project.organization, dataset.id), prefix]);
      expect(await em().count(Project, { id: project.id })).toBe(0);
      expect(await em().count(Run, { project: project.id })).toBe(0);
      expect(await em().count(RunArtifact, { run: { $in: runs.map((run) => run.id) } })).toBe(0);
      const after = await api.request('GET', `/api/v1/purges/${purge.id}`, { token: admin });
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ status: 'purged', prefixes: 6, prefixes_done: 6, objects_deleted: 22, completed_at: expect.any(String) });
      const [entry, ...more] = await auditOf('project.purged', project.id);
      expect(more).toEqual([]);
      expect(entry).toMatchObject({ actor: 'system', resourceType: 'project', details: { purge_id: purge.id, name: project.name, requested_by: 'admin', prefixes: 6, objects: 22 } });
      expect(await auditOf('project.deleted', project.id)).toHaveLength(1);
    });

    it('an interrupted purge (store outage, worker stopped) resumes on another worker after the last prefix known gone', async () => {
      const { project, runs } = await projectWithRuns();
      const prefix = projectPrefix(project.organization, project.id);
      // The first worker's store fails from its third deletion on: the first batch (two runs) is done.
      const failing = new WatchedStore(api.store);
      failing.failFrom = 3;
      const purgeId = await withWorker(failing, async () => {
        const res = await del(`/api/v1/projects/${project.id}`);
        expect(res.status).toBe(202);
        await until(async () => failing.deleted.length >= 3, 'the third deletion to fail');
        return res.body.id;
      });
      const interrupted = await em().findOneOrFail(Purge, { id: purgeId });
      expect({ status: interrupted.status, prefixesDone: interrupted.prefixesDone, objectsDeleted: interrupted.objectsDeleted }).toEqual({ status: 'pending', prefixesDone: 2, objectsDeleted: 10 });
      expect((await keysUnder(api.store, prefix)).length).toBe(10);
      expect(await keysUnder(api.store, runPrefix(runs[0]!))).toEqual([]);

      const resumed = new WatchedStore(api.store);
      const result = await withWorker(resumed, () => purgeResult(purgeId));
      expect(result).toEqual({ purged: true, objects: 20 });
      // The second worker started at the third run: nothing before it was deleted twice.
      expect(resumed.deleted).toEqual([runPrefix(runs[2]!), runPrefix(runs[3]!), prefix]);
      expect(await keysUnder(api.store, prefix)).toEqual([]);
      expect(await auditOf('project.purged', project.id)).toHaveLength(1);
    });

    it("deleting a suite, then an environment, purges only their runs' artifacts", async () => {
      const { project, suites, environments, runs } = await projectWithRuns();
      const [smokeStaging, smokeProduction, regressionStaging, regressionProduction] = runs;
      const store = new WatchedStore(api.store);
      await withWorker(store, async () => {
        const suite = await del(`/api/v1/suites/${suites[0]!.id}`);
        expect(suite.status).toBe(202);
        expect(suite.body).toMatchObject({ resource_type: 'suite', resource_id: suites[0]!.id, project_id: project.id, prefixes: 2 });
        expect(await purgeResult(suite.body.id)).toEqual({ purged: true, objects: 10 });
        const environment = await del(`/api/v1/environments/${environments[0]!.id}`);
        expect(environment.status).toBe(202);
        expect(environment.body).toMatchObject({ resource_type: 'environment', resource_id: environments[0]!.id, prefixes: 1 });
        expect(await purgeResult(environment.body.id)).toEqual({ purged: true, objects: 5 });
      });
      expect(store.deleted).toEqual([runPrefix(smokeStaging!), runPrefix(smokeProduction!), runPrefix(regressionStaging!)]);
      const left = await keysUnder(api.store, projectPrefix(project.organization, project.id));
      expect(left).toEqual([
        `${runPrefix(regressionProduction!)}allure-report/data/test-cases.json`,
        `${runPrefix(regressionProduction!)}allure-report/index.html`,
        `${runPrefix(regressionProduction!)}shards/0/junit.xml`,
        `${runPrefix(regressionProduction!)}shards/0/pytest.log`,
        `${runPrefix(regressionProduction!)}shards/1/junit.xml`,
      ]);
      expect(await em().count(Project, { id: project.id })).toBe(1);
      expect(await em().count(Run, { project: project.id })).toBe(1);
      expect(await auditOf('suite.purged', suites[0]!.id)).toHaveLength(1);
      expect(await auditOf('environment.purged', environments[0]!.id)).toHaveLength(1);
    });
  });
}

describePurges('local', () => ({}));
describePurges('S3 (versitygw)', () => ({
  S3_BUCKET: gateway.bucket,
  S3_ENDPOINT: gateway.endpoint,
  S3_REGION: gateway.region,
  S3_ACCESS_KEY_ID: gateway.accessKeyId,
  S3_SECRET_ACCESS_KEY: gateway.secretAccessKey,
}));
