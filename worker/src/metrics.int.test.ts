import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { isFinalStatus, loadConfig, RunArtifact } from '@qatron/domain';
import { createRetentionActivities } from '@qatron/activities/retention';
import { createFixtureRepository } from '@qatron/activities/testing/fixture-repo';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { supervise, waitFor, type Supervised } from '@qatron/scripts/embedded/process';
import { REPO_ROOT, startEmbeddedTemporal, type EmbeddedTemporal } from '@qatron/scripts/embedded/temporal';
import { TEST_LOCAL_REPO_ROOTS } from '@qatron/scripts/testing/local-repo-roots';
import { freePort } from '@qatron/scripts/testing/ports';
import { dashboardQueries, readDashboardFiles } from '../../docker/grafana/dashboards.js';
import { createWorkerMetrics } from './metrics.js';
import { startWorker, type RunningWorker } from './worker.js';

/**
 * Metrics end to end (issue 17 item 1): a real API and an in-process worker on a Temporal dev
 * server of this file's own (so that its server metrics can be scraped too) run real runs of the
 * fixture repository; Debian's Prometheus scrapes them with the scrape configuration compose
 * ships (docker/prometheus.yml, targets pointed here), and every query of every Grafana dashboard
 * must answer data through Prometheus's HTTP API.
 */
const TOKEN = 'metrics-scrape-token-for-the-prometheus-test-0123';
const SCRAPE_SECONDS = 1;

let dir: string;
let temporal: EmbeddedTemporal;
let prometheus: Supervised;
let prometheusUrl: string;
let api: TestApi;
let admin: string;
let worker: RunningWorker;
let greenRunId: number;
const workerLines: string[] = [];

/** A Temporal dev server of this file's own, serving its metrics for Prometheus to scrape beside ours. */
async function startTemporal(): Promise<{ address: string; metrics: string }> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  temporal = await startEmbeddedTemporal({ dbFile: join(dir, 'temporal.db'), port, metricsPort, logFile: join(dir, 'temporal.log') });
  return { address: temporal.address, metrics: `127.0.0.1:${metricsPort}` };
}

const ScrapeConfig = z.object({ job_name: z.string(), authorization: z.object({ type: z.string(), credentials_file: z.string() }).optional() }).loose();
const PrometheusConfig = z.object({ scrape_configs: z.array(ScrapeConfig) }).loose();

/** docker/prometheus.yml with each job's targets pointed at this test's processes, scraping every second. */
async function scrapeConfig(targets: Record<string, string>): Promise<string> {
  const shipped = PrometheusConfig.parse(parse(await readFile(join(REPO_ROOT, 'docker', 'prometheus.yml'), 'utf8')));
  await writeFile(join(dir, 'metrics_token'), TOKEN, { mode: 0o600 });
  const jobs = shipped.scrape_configs.map(({ dns_sd_configs: _dns, static_configs: _static, ...job }) => {
    const target = targets[job.job_name];
    if (!target) throw new Error(`docker/prometheus.yml scrapes ${job.job_name}, which this test does not start`);
    return { ...job, ...(job.authorization ? { authorization: { ...job.authorization, credentials_file: join(dir, 'metrics_token') } } : {}), static_configs: [{ targets: [target] }] };
  });
  const file = join(dir, 'prometheus.yml');
  await writeFile(file, stringify({ global: { scrape_interval: `${SCRAPE_SECONDS}s`, scrape_timeout: `${SCRAPE_SECONDS}s`, evaluation_interval: `${SCRAPE_SECONDS}s` }, scrape_configs: jobs }));
  return file;
}

async function startPrometheus(targets: Record<string, string>): Promise<void> {
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  const args = [`--config.file=${await scrapeConfig({ ...targets, prometheus: `127.0.0.1:${port}` })}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'];
  prometheus = await supervise('prometheus', 'prometheus', args, join(dir, 'prometheus.log'));
  await waitFor('Prometheus', async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, 30_000, prometheus.exited);
}

const QueryAnswer = z.object({
  status: z.literal('success'),
  data: z.object({ resultType: z.string(), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })) }),
});

/** An instant query through Prometheus's HTTP API. */
async function query(expr: string) {
  const res = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`${expr}: ${res.status} ${JSON.stringify(body)}`);
  return QueryAnswer.parse(body).data.result;
}

/** Waits until `expr` answers a sample whose value `accept`s. */
async function untilScraped(expr: string, accept: (value: number) => boolean = () => true): Promise<void> {
  await waitFor(`Prometheus to see ${expr}`, async () => (await query(expr)).some((s) => accept(Number(s.value[1]))), 30_000);
}

async function call(method: string, path: string, json?: unknown) {
  return api.request(method, path, { token: admin, ...(json !== undefined ? { json } : {}) });
}

/** A project on a fixture repository with a staging environment and a one-shard suite `smoke`. */
async function projectOn(name: string, variant: 'green' | 'failing'): Promise<number> {
  const repo = await createFixtureRepository(join(dir, 'repositories', name), { variant });
  const project = await call('POST', '/api/v1/projects', { name, repo_url: repo.path });
  expect(project.status).toBe(201);
  expect((await call('POST', `/api/v1/projects/${project.body.id}/environments`, { name: 'staging', kind: 'staging' })).status).toBe(201);
  expect((await call('POST', `/api/v1/projects/${project.body.id}/suites`, { name: 'smoke', shards: 1 })).status).toBe(201);
  return project.body.id;
}

/** Triggers a run and waits for its verdict and its report. */
async function runToEnd(projectId: number): Promise<{ id: number; status: string }> {
  const created = await call('POST', '/api/v1/runs', { project_id: projectId, suite: 'smoke', environment: 'staging' });
  expect(created.status).toBe(201);
  const deadline = Date.now() + 150_000;
  for (;;) {
    const run = await call('GET', `/api/v1/runs/${created.body.id}`);
    if (isFinalStatus(run.body.status) && run.body.report_status !== 'pending') return run.body;
    if (Date.now() > deadline) throw new Error(`run ${created.body.id} did not finish (status ${run.body.status}); worker log:\n${workerLines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qatron-metrics-'));
  const temporalServer = await startTemporal();
  api = await startTestApi({ TEMPORAL_ADDRESS: temporalServer.address, METRICS_TOKEN: TOKEN });
  admin = await api.login('admin', 'admin');
  const config = loadConfig({
    QATRON_ENV: 'test',
    // Local repositories are refused inside QATRON_HOME: the fixtures sit beside it.
    QATRON_HOME: join(dir, 'home'),
    DATABASE_URL: api.databaseUrl,
    TEMPORAL_ADDRESS: temporalServer.address,
    METRICS_TOKEN: TOKEN,
    ARTIFACT_DIR: api.config.artifacts.kind === 'local' ? api.config.artifacts.directory : '',
    // Its own cache: this file runs beside the e2e lanes, whose run directories are named by run ids starting at 1 too.
    WORKER_DIR: join(REPO_ROOT, '.tools', 'cache', 'metrics-worker'),
    WORKER_NAME: 'metrics-worker',
    WORKER_SHARD_SLOTS: '2',
    QATRON_LOCAL_REPO_ROOTS: TEST_LOCAL_REPO_ROOTS,
    HEARTBEAT_INTERVAL_SECONDS: '2',
    // As in production: the SDK's runtime gets the JSON logger beside its metrics exporter.
    LOG_FORMAT: 'json',
  });
  // Any free port: the listener says where it is.
  config.worker.metricsPort = 0;
  // Repository access reads the worker's environment, as a worker process started by npm start would.
  worker = await startWorker(config, { ...process.env, QATRON_LOCAL_REPO_ROOTS: TEST_LOCAL_REPO_ROOTS }, (m) => workerLines.push(m));
  const workerTarget = new URL(worker.metricsUrl ?? '').host;
  await startPrometheus({ 'qatron-api': new URL(api.url).host, 'qatron-worker': workerTarget, temporal: temporalServer.metrics });
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  await worker?.stop();
  await api?.close();
  await temporal?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('metrics scraped by a real Prometheus', () => {
  it('serves the worker\'s /metrics to the scrape token only', async () => {
    const url = worker.metricsUrl ?? '';
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
    const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('qatron_worker_shard_slots 2');
    expect(text).toMatch(/^qatron_task_queue_backlog\{task_queue="qatron-shards",type="activity"\} \d+$/m);
    // The Temporal SDK's runtime metrics, appended to the same scrape.
    expect(text).toMatch(/^temporal_worker_task_slots_available\{/m);
  });

  it('records real runs as they start and end', async () => {
    const green = await projectOn('shop-green', 'green');
    const failing = await projectOn('shop-failing', 'failing');
    const first = await runToEnd(green);
    greenRunId = first.id;
    expect(first.status, JSON.stringify(first)).toBe('completed');
    // Prometheus sees the first run before the next ones: rates over the counters are then real increases.
    await untilScraped('qatron_runs_finished_total{project="shop-green",status="completed"}', (v) => v === 1);
    const [second, third] = await Promise.all([runToEnd(green), runToEnd(failing)]);
    expect([second.status, third.status]).toEqual(['completed', 'failed']);
    await untilScraped('qatron_runs_finished_total{project="shop-green",status="completed"}', (v) => v === 2);
    await untilScraped('qatron_runs_finished_total{project="shop-failing",status="failed"}', (v) => v === 1);
    await untilScraped('qatron_project_runs{project="shop-failing",suite="smoke",status="failed"}', (v) => v === 1);

    const started = await query('sum by (project) (qatron_runs_started_total)');
    expect(Object.fromEntries(started.map((s) => [s.metric.project, Number(s.value[1])]))).toEqual({ 'shop-green': 2, 'shop-failing': 1 });
    const shards = await query('sum by (project, outcome) (qatron_shard_duration_seconds_count)');
    expect(Object.fromEntries(shards.map((s) => [`${s.metric.project} ${s.metric.outcome}`, Number(s.value[1])]))).toEqual({ 'shop-green passed': 2, 'shop-failing failed': 1 });
    const phases = await query('sum by (phase) (qatron_run_phase_duration_seconds_count)');
    expect(Object.fromEntries(phases.map((s) => [s.metric.phase, Number(s.value[1])]))).toEqual({ queued: 3, executing: 3 });
    const passed = await query('qatron_tests_last_24h{project="shop-green",outcome="passed"}');
    expect(passed.map((s) => Number(s.value[1]))).toEqual([28]);
    expect(Number((await query('sum(qatron_artifact_bytes_stored)'))[0]?.value[1])).toBeGreaterThan(0);
    expect((await query('up == 0')).map((s) => s.metric.job)).toEqual([]);
  }, 420_000);

  it('answers every query of every Grafana dashboard with data', async () => {
    // Two more scrapes after the last run: every rate has its samples.
    await new Promise((r) => setTimeout(r, 3 * SCRAPE_SECONDS * 1000));
    const queries = dashboardQueries(readDashboardFiles());
    const withoutData: string[] = [];
    for (const { where, expr } of queries) {
      // Data: at least one series with a number (a ratio of series that appeared once can be NaN beside it).
      const samples = await query(expr);
      if (!samples.some((s) => Number.isFinite(Number(s.value[1])))) withoutData.push(`${where}: ${expr}`);
    }
    expect(withoutData).toEqual([]);
    expect(queries.length).toBeGreaterThanOrEqual(40);
  }, 60_000);

  it('counts the bytes retention deletes from the artifact store', async () => {
    const stored = (await api.orm.em.fork().find(RunArtifact, { run: greenRunId })).reduce((sum, a) => sum + a.sizeBytes, 0);
    expect(stored).toBeGreaterThan(0);
    // The worker's own recorder on the retention activity, as startWorker wires them.
    const metrics = createWorkerMetrics(api.orm, 2, () => undefined);
    const retention = createRetentionActivities({ orm: api.orm, store: api.store, log: () => undefined, runMetrics: metrics });
    expect(await retention.deleteRunArtifacts({ runId: greenRunId })).toMatchObject({ deleted: true });
    // Again: nothing left to delete, nothing counted twice.
    expect(await retention.deleteRunArtifacts({ runId: greenRunId })).toMatchObject({ deleted: false });
    expect((await metrics.registry.getSingleMetric('qatron_artifact_bytes_deleted_total')?.get())?.values).toEqual([{ value: stored, labels: {} }]);
  });
});
