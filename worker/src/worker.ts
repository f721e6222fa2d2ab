import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createDatasetValidationActivities, createFeatureActivities, createNotificationActivities, createPurgeActivities, createRetentionActivities, createRunActivities, createScheduleActivities, pruneWorkerCaches, ridingDatabaseOutages } from '@qatron/activities';
import { checkSandbox } from '@qatron/activities/execution/sandbox';
import { connectDatabase } from '@qatron/domain/db';
import {
  CONTROL_TASK_QUEUE,
  createArtifactStore,
  DEFAULT_ORGANIZATION,
  markStopped,
  Organization,
  recordHeartbeat,
  registerResource,
  SHARDS_TASK_QUEUE,
  type QatronConfig,
} from '@qatron/domain';
import { registerConfiguredGrid, startGridChecks } from './grids.js';
import { sdkJsonLogger, withLogContext } from './log.js';
import { createWorkerMetrics, installSdkRuntime, serveWorkerMetrics } from './metrics.js';
import { ensureSweepSchedule } from './schedules.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The QAtron pytest plugin package installed into every test environment. */
export const FRAMEWORK_DIR = join(HERE, '..', '..', 'framework');
/** Written by `npm run build:workflows`; without it the worker bundles at start (about a second). */
export const PREBUILT_BUNDLE = join(HERE, '..', 'dist', 'workflow-bundle.js');
const WORKFLOWS_ENTRY = join(HERE, '..', '..', 'workflows', 'src', 'index.ts');

export interface RunningWorker {
  readonly name: string;
  /** Where this worker serves its Prometheus metrics (WORKER_METRICS_PORT); undefined when it does not. */
  readonly metricsUrl: string | undefined;
  /** Resolves when both task-queue workers have stopped. */
  readonly done: Promise<void>;
  /** Graceful shutdown: stop polling, let running activities finish or be cancelled, deregister. */
  stop(): Promise<void>;
}

/** Newest modification time of the sources the workflow bundle is built from. */
async function newestWorkflowSource(): Promise<number> {
  let newest = 0;
  for (const dir of [join(HERE, '..', '..', 'workflows', 'src'), join(HERE, '..', '..', 'domain', 'src', 'runs')]) {
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
    }
  }
  return newest;
}

/** The workflow code: the prebuilt bundle when it is newer than the sources, else bundled now. */
export async function workflowBundle(): Promise<WorkflowBundleOption> {
  if (existsSync(PREBUILT_BUNDLE) && (await stat(PREBUILT_BUNDLE)).mtimeMs >= (await newestWorkflowSource())) return { codePath: PREBUILT_BUNDLE };
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m) => console.error(m) } });
}

/** How often an execution worker evicts cached environments nobody used for two weeks. */
const CACHE_PRUNE_INTERVAL_MS = 12 * 3600 * 1000;

/**
 * A QAtron worker (DESIGN "Processes"): polls `qatron-control` (workflows and light activities)
 * and `qatron-shards` (test execution, `WORKER_SHARD_SLOTS` at a time), registers itself as an
 * infrastructure resource and heartbeats until it stops. Any number of them may run, on one
 * machine or many, against the same Temporal, database and artifact store.
 */
export async function startWorker(config: QatronConfig, environment: Record<string, string | undefined>, log: (m: string) => void): Promise<RunningWorker> {
  if (!config.database.url) throw new Error('DATABASE_URL is required for a worker');
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is required for a worker');
  const name = config.worker.name ?? `${hostname()}-${process.pid}`;
  // Test code never runs unsandboxed by accident: an execution worker without a working sandbox refuses to start.
  if (config.worker.taskQueues.includes(SHARDS_TASK_QUEUE)) await checkSandbox(config.worker.sandbox);
  if (config.worker.sandbox === 'off') log('WORKER_SANDBOX=off: test code runs as this worker\'s user, with its view of the machine');
  const orm = await connectDatabase(config.database.url, { pool: { min: 0, max: 6 } });
  const store = createArtifactStore(config.artifacts);
  // Before the first connection: the SDK's runtime (its metrics exporter and logger) is made with it.
  const metricsPort = config.worker.metricsPort;
  const sdkMetricsUrl = await installSdkRuntime({ metrics: metricsPort !== undefined, logger: config.logFormat === 'json' ? sdkJsonLogger() : undefined }, log);
  const metrics = metricsPort === undefined ? undefined : createWorkerMetrics(orm, config.worker.shardSlots, log);
  const native = await NativeConnection.connect({ address: config.temporal.address });
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
  const deps = {
    orm,
    store,
    temporal: client,
    workDir: config.worker.directory,
    frameworkDir: FRAMEWORK_DIR,
    pythons: config.worker.pythons,
    secrets: { env: environment, dir: config.worker.secretsDir },
    workerName: name,
    seleniumRemoteUrl: config.worker.seleniumRemoteUrl,
    sandbox: config.worker.sandbox,
    testHealthWindow: config.testHealthWindow,
    log,
    runMetrics: metrics,
  };
  // A database outage is waited out by every activity (the shard guards its own steps: its tests must not run twice).
  const riding = ridingDatabaseOutages(
    { ...createRunActivities(deps), ...createRetentionActivities(deps), ...createFeatureActivities(deps), ...createDatasetValidationActivities(deps), ...createScheduleActivities({ ...deps, shards: config.shards }), ...createPurgeActivities(deps), ...createNotificationActivities(deps, { publicUrl: config.board.publicUrl, smtp: config.smtp }) },
    ['executeShard'],
    log,
  );
  // Outermost: the log scope covers the metrics and the outage retries too.
  const activities = withLogContext(metrics ? metrics.instrument(riding) : riding);
  const common = {
    connection: native,
    namespace: config.temporal.namespace,
    activities,
    // Cancellation reaches an activity with its next heartbeat: keep that within seconds.
    maxHeartbeatThrottleInterval: '2 seconds',
    defaultHeartbeatThrottleInterval: '2 seconds',
    shutdownGraceTime: '10 seconds',
  } as const;
  const pollers: Worker[] = [];
  if (config.worker.taskQueues.includes(CONTROL_TASK_QUEUE)) {
    pollers.push(await Worker.create({ ...common, taskQueue: CONTROL_TASK_QUEUE, workflowBundle: await workflowBundle(), maxConcurrentActivityTaskExecutions: 20 }));
    // Every control worker ensures the daily sweep; the first creates it, the others find it. A
    // worker that cannot (e.g. no permission on the namespace) still runs runs and their timers.
    await ensureSweepSchedule(client).catch((err: unknown) => log(`the daily sweep schedule could not be ensured: ${(err as Error).message}`));
  }
  if (config.worker.grid) {
    const { url, name: gridName } = config.worker.grid;
    await registerConfiguredGrid(orm, config.worker.grid).then(
      () => log(`Selenium Grid ${gridName} at ${url} registered`),
      (err: unknown) => log(`Selenium Grid ${gridName} at ${url} could not be registered: ${(err as Error).message}`),
    );
  }
  // Control workers check every registered Selenium Grid (issue 16 item 3), the one just registered first.
  const gridChecks = config.worker.taskQueues.includes(CONTROL_TASK_QUEUE) ? startGridChecks(orm, config.worker.gridCheckIntervalSeconds, log) : null;
  let pruning: NodeJS.Timeout | undefined;
  if (config.worker.taskQueues.includes(SHARDS_TASK_QUEUE)) {
    pollers.push(await Worker.create({ ...common, taskQueue: SHARDS_TASK_QUEUE, maxConcurrentActivityTaskExecutions: config.worker.shardSlots }));
    // Execution workers keep venvs on local disk: evict the unused ones now and twice a day.
    const prune = () =>
      pruneWorkerCaches(config.worker.directory)
        .then((removed) => removed.length > 0 && log(`removed ${removed.length} unused cached environments: ${removed.join(', ')}`))
        .catch((err: unknown) => log(`pruning cached environments failed: ${(err as Error).message}`));
    void prune();
    pruning = setInterval(prune, CACHE_PRUNE_INTERVAL_MS);
    pruning.unref();
  }

  const em = orm.em.fork();
  const organization = await em.findOneOrFail(Organization, { slug: DEFAULT_ORGANIZATION.slug });
  const registration = {
    organization: organization.id,
    name,
    kind: 'worker' as const,
    capacity: config.worker.shardSlots,
    metadata: { host: hostname(), pid: process.pid, task_queues: config.worker.taskQueues, shard_slots: config.worker.shardSlots },
  };
  let resource = (await registerResource(em, registration, new Date())).resource;
  const beat = setInterval(() => {
    void (async () => {
      const fork = orm.em.fork();
      // A resource an admin removed comes back on the next beat.
      if (!(await recordHeartbeat(fork, resource.id, {}, new Date()))) resource = (await registerResource(fork, registration, new Date())).resource;
    })().catch((err: unknown) => log(`heartbeat failed: ${(err as Error).message}`));
  }, config.heartbeatIntervalSeconds * 1000);

  metrics?.watchTaskQueues(client, config.temporal.namespace);
  const metricsListener = metrics && metricsPort !== undefined ? await serveWorkerMetrics(metrics, { port: metricsPort, token: config.api.metricsToken, sdkMetricsUrl }) : undefined;
  if (metricsListener) log(`metrics on port ${metricsPort} (/metrics${config.api.metricsToken ? '' : '; refused to everyone until METRICS_TOKEN is set'})`);
  const done = Promise.all(pollers.map((w) => w.run())).then(() => undefined);
  log(`worker ${name} polling ${config.worker.taskQueues.join(' and ')} (${config.worker.shardSlots} shard slots)`);
  let stopping: Promise<void> | undefined;
  return {
    name,
    metricsUrl: metricsListener?.url,
    done,
    stop() {
      stopping ??= (async () => {
        clearInterval(beat);
        clearInterval(pruning);
        gridChecks?.stop();
        await metricsListener?.close();
        for (const w of pollers) if (w.getState() === 'RUNNING') w.shutdown();
        await done.catch((err: unknown) => log(`worker stopped with an error: ${(err as Error).message}`));
        await markStopped(orm.em.fork(), resource.id, new Date()).catch(() => undefined);
        await native.close();
        await clientConnection.close();
        await orm.close();
      })();
      return stopping;
    },
  };
}
