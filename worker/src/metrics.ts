/**
 * Prometheus metrics of a worker process (issue 17 item 1, NFR-OBS-01): what its runs did (started,
 * finished, durations of the run, its phases and its shards), how busy it is (shard slots used),
 * how far Temporal's task queues are behind (backlog per queue), and the Temporal SDK's own
 * runtime metrics. Served on WORKER_METRICS_PORT with the same METRICS_TOKEN as the API's /metrics.
 *
 * Labels are the organization's slug, the project's and the suite's names (bounded per
 * organization) and statuses: never run ids, which would make a series per run.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { Runtime, type Logger } from '@temporalio/worker';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isFinalStatus, Organization, Project, Run, Suite, type RunActivities } from '@qatron/domain';

/** Seconds; runs and shards take from seconds to hours. */
const DURATION_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];

/** The task queues and the kinds of task each carries (workflow tasks only on the control queue). */
const QUEUE_KINDS = [
  { taskQueue: 'qatron-control', type: 'workflow', code: 1 },
  { taskQueue: 'qatron-control', type: 'activity', code: 2 },
  { taskQueue: 'qatron-shards', type: 'activity', code: 2 },
] as const;

type InstrumentedActivities = Pick<RunActivities, 'executeShard' | 'markRunStatus'>;

export interface WorkerMetrics {
  readonly registry: Registry;
  /** Records a run that has just become final (the finalize activity, once per run). */
  runFinished(runId: number): Promise<void>;
  /** Counts the bytes retention deleted from the artifact store. */
  artifactBytesDeleted(bytes: number): void;
  /** Counts a notification delivery attempt by channel kind and outcome (delivered, rejected, retrying). */
  notificationAttempt(kind: string, outcome: 'delivered' | 'rejected' | 'retrying'): void;
  /** Wraps the activities: shard slots in use, and runs counted as they start. */
  instrument<A extends InstrumentedActivities>(activities: A): A;
  /** Reports the backlog of the task queues in `namespace` at each scrape (DescribeTaskQueue with stats). */
  watchTaskQueues(client: Client, namespace: string): void;
}

/** The labels a run's metrics carry. */
async function runLabels(orm: MikroORM, runId: number) {
  const em = orm.em.fork();
  const run = await em.findOne(Run, { id: runId });
  if (!run) return null;
  const [organization, project, suite] = await Promise.all([
    em.findOneOrFail(Organization, { id: run.organization }),
    em.findOneOrFail(Project, { id: run.project }),
    em.findOneOrFail(Suite, { id: run.suite }),
  ]);
  return { run, labels: { organization: organization.slug, project: project.name, suite: suite.name } };
}

const seconds = (from: Date, to: Date) => Math.max(0, (to.getTime() - from.getTime()) / 1000);

export function createWorkerMetrics(orm: MikroORM, shardSlots: number, log: (m: string) => void): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'qatron_worker_' });
  const runLabelNames = ['organization', 'project', 'suite'] as const;
  const started = new Counter({ name: 'qatron_runs_started_total', help: 'Runs that started provisioning, by project and suite', labelNames: runLabelNames, registers: [registry] });
  const finished = new Counter({ name: 'qatron_runs_finished_total', help: 'Runs that became final, by project, suite and final status', labelNames: [...runLabelNames, 'status'], registers: [registry] });
  const runDuration = new Histogram({
    name: 'qatron_run_duration_seconds',
    help: 'From a run\'s creation to its verdict, by project, suite and final status',
    labelNames: [...runLabelNames, 'status'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const phaseDuration = new Histogram({
    name: 'qatron_run_phase_duration_seconds',
    help: 'A run\'s phases: queued (created until provisioning starts) and executing (provisioning and shards, until the verdict)',
    labelNames: [...runLabelNames, 'phase'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const shardDuration = new Histogram({
    name: 'qatron_shard_duration_seconds',
    help: 'How long each shard of a finished run ran, by project, suite and shard outcome',
    labelNames: [...runLabelNames, 'outcome'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'qatron_notification_deliveries_total',
    help: 'Notification delivery attempts, by channel kind (webhook, slack, email) and outcome (delivered, rejected, retrying)',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const bytesDeleted = new Counter({ name: 'qatron_artifact_bytes_deleted_total', help: 'Bytes of run artifacts retention deleted from the artifact store', registers: [registry] });
  const slotsUsed = new Gauge({ name: 'qatron_worker_shard_slots_used', help: 'Shard activities this worker is running now', registers: [registry] });
  new Gauge({ name: 'qatron_worker_shard_slots', help: 'Shard activities this worker runs at most (WORKER_SHARD_SLOTS)', registers: [registry] }).set(shardSlots);

  async function runFinished(runId: number): Promise<void> {
    const found = await runLabels(orm, runId);
    if (!found || !isFinalStatus(found.run.status)) return;
    const { run, labels } = found;
    const end = run.completedAt ?? new Date();
    finished.inc({ ...labels, status: run.status });
    runDuration.observe({ ...labels, status: run.status }, seconds(run.createdAt, end));
    if (run.startedAt) {
      phaseDuration.observe({ ...labels, phase: 'queued' }, seconds(run.createdAt, run.startedAt));
      phaseDuration.observe({ ...labels, phase: 'executing' }, seconds(run.startedAt, end));
    }
    for (const shard of run.runMetadata.shards ?? []) {
      if (shard.duration !== null) shardDuration.observe({ ...labels, outcome: shard.status }, shard.duration);
    }
  }

  function instrument<A extends InstrumentedActivities>(activities: A): A {
    const { executeShard, markRunStatus } = activities;
    return {
      ...activities,
      async executeShard(input: Parameters<InstrumentedActivities['executeShard']>[0]) {
        slotsUsed.inc();
        try {
          return await executeShard(input);
        } finally {
          slotsUsed.dec();
        }
      },
      async markRunStatus(input: Parameters<InstrumentedActivities['markRunStatus']>[0]) {
        const status = await markRunStatus(input);
        // The move into provisioning is where a run starts; the counter is bookkeeping and never fails the move.
        if (input.status === 'provisioning' && status === 'provisioning') {
          await runLabels(orm, input.runId).then(
            (found) => found && started.inc(found.labels),
            (err: unknown) => log(`run ${input.runId} was not counted as started: ${(err as Error).message}`),
          );
        }
        return status;
      },
    };
  }

  function watchTaskQueues(client: Client, namespace: string): void {
    const labelNames = ['task_queue', 'type'] as const;
    const backlogAge = new Gauge({ name: 'qatron_task_queue_backlog_age_seconds', help: 'Age of the oldest task waiting in the task queue', labelNames, registers: [registry] });
    new Gauge({
      name: 'qatron_task_queue_backlog',
      help: 'Tasks waiting in Temporal\'s task queue for a worker (approximate; DescribeTaskQueue report_stats)',
      labelNames,
      registers: [registry],
      async collect() {
        for (const { taskQueue, type, code } of QUEUE_KINDS) {
          const response = await client.workflowService
            .describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType: code, reportStats: true })
            .catch((err: unknown) => log(`the backlog of ${taskQueue} could not be read: ${(err as Error).message}`));
          if (!response) continue;
          this.set({ task_queue: taskQueue, type }, Number(String(response.stats?.approximateBacklogCount ?? 0)));
          const age = response.stats?.approximateBacklogAge;
          backlogAge.set({ task_queue: taskQueue, type }, Number(String(age?.seconds ?? 0)) + (age?.nanos ?? 0) / 1e9);
        }
      },
    });
  }

  return { registry, runFinished, artifactBytesDeleted: (bytes) => bytesDeleted.inc(bytes), notificationAttempt: (kind, outcome) => deliveries.inc({ kind, outcome }), instrument, watchTaskQueues };
}

/** A free loopback port, for the Temporal SDK's own exporter (it takes an address, not port 0). */
async function freeLoopbackPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Installs the Temporal SDK runtime when the worker wants more of it than the default: its
 * Prometheus exporter on a loopback port (temporal_* metrics: task slots, poll and
 * schedule-to-start latencies; `/metrics` of the worker appends them, so one scrape with the token
 * reads both), and `logger` for the SDK's own entries. Returns where the exporter answers.
 * Must run before the first connection; a runtime that already exists (another worker in this
 * process) keeps its own telemetry and logger, and undefined is returned.
 */
export async function installSdkRuntime(options: { metrics: boolean; logger?: Logger }, log: (m: string) => void): Promise<string | undefined> {
  if (!options.metrics && !options.logger) return undefined;
  const bindAddress = options.metrics ? `127.0.0.1:${await freeLoopbackPort()}` : undefined;
  try {
    Runtime.install({
      ...(options.logger ? { logger: options.logger } : {}),
      ...(bindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress, useSecondsForDurations: true, countersTotalSuffix: true } } } } : {}),
    });
  } catch (err) {
    log(`the Temporal SDK runtime keeps its defaults (no temporal_* metrics, its own log format): ${(err as Error).message}`);
    return undefined;
  }
  return bindAddress && `http://${bindAddress}/metrics`;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface MetricsListener {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` on `port` (all interfaces: Prometheus scrapes pods and containers from
 * outside). Without a token configured every scrape is refused: a worker's metrics name projects.
 */
export async function serveWorkerMetrics(metrics: WorkerMetrics, options: { port: number; host?: string; token: string | undefined; sdkMetricsUrl?: string }): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return res.writeHead(404).end();
      const presented = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!options.token || !presented || !sameSecret(presented, options.token)) {
        return res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' }).end('metrics need the scrape token (METRICS_TOKEN)\n');
      }
      let text = await metrics.registry.metrics();
      if (options.sdkMetricsUrl) {
        text += await fetch(options.sdkMetricsUrl, { signal: AbortSignal.timeout(2000) }).then(
          (r) => (r.ok ? r.text() : ''),
          () => '',
        );
      }
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
    })().catch((err: unknown) => res.writeHead(500).end(`metrics failed: ${(err as Error).message}\n`));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port, options.host ?? '0.0.0.0', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
