/**
 * API latency on the embedded stack (NFR-PERF-01, FR-RUN-02): fills a fresh PostgreSQL with
 * 100,000 runs over 100 projects, starts the API in this process, and prints p50/p95/p99 of
 * /healthz and of pages of GET /api/v1/runs (filtered and not), against a p95 target of 50 ms.
 *
 *   bash scripts/bootstrap.sh --run node --import tsx bench/src/api-latency.ts [--explain]
 *
 * Self-contained: its own PostgreSQL (durable settings, as deployed, not the tests' fsync=off) on
 * a free loopback port, in a temporary directory removed at the end, also on error or Ctrl-C.
 * Figures are printed, never asserted (DESIGN "Testing tiers"). When a runs line misses the target,
 * or with --explain, the SQL that one such request issues is captured and EXPLAIN ANALYZEd.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectDatabase, migrate, type MikroORM } from '@qatron/domain/db';
import { Environment, loadConfig, Project, seedDefaults, Suite } from '@qatron/domain';
import { buildApiDeps, startApiServer, type ApiServer } from '@qatron/api/server';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedPostgres } from '@qatron/scripts/embedded/postgres';
import { freePort } from '@qatron/scripts/testing/ports';
import { summarize, type LatencySummary } from './stats.js';

const PROJECTS = 100;
const RUNS = 100_000;
const WARMUP_REQUESTS = 100;
const MEASURED_REQUESTS = 1_000;
const P95_TARGET_MS = 50;
const DATABASE = 'qatron_bench';

const explainAlways = process.argv.includes('--explain');
let interrupted = false;

class Interrupted extends Error {}

/** Gives up between steps once Ctrl-C was pressed; a running SQL statement is let finish. */
function checkpoint(): void {
  if (interrupted) throw new Interrupted('interrupted');
}

/** Seconds since `start`, for the seeding report. */
const since = (start: number) => ((performance.now() - start) / 1000).toFixed(2);

/** 100 projects, each with a staging and a production environment and a smoke and a regression suite. */
async function seedProjects(orm: MikroORM, organization: number): Promise<void> {
  const em = orm.em.fork();
  const projects = Array.from({ length: PROJECTS }, (_, i) => new Project(organization, `project-${String(i).padStart(3, '0')}`, `https://git.example.test/qa/project-${i}.git`));
  await em.persist(projects).flush();
  for (const project of projects) {
    for (const kind of ['staging', 'production'] as const) {
      const environment = new Environment(organization, project.id, kind, kind);
      environment.baseUrl = `https://${kind}.project-${project.id}.example.test`;
      em.persist(environment);
    }
    for (const name of ['smoke', 'regression']) {
      const suite = new Suite(organization, project.id, name);
      suite.shards = name === 'smoke' ? 1 : 4;
      em.persist(suite);
    }
  }
  await em.flush();
}

/**
 * 100,000 runs in one set-based statement. The spread mimics a team's history: six months of runs
 * whose ids grow with time, busy projects and quiet ones (a power-law pick), mostly `main` with
 * some `develop`, release and feature branches, mostly completed with a tail of failures, and a
 * few still live at the newest end. `setseed` makes every bench run see the same data.
 */
async function seedRuns(orm: MikroORM): Promise<void> {
  const connection = orm.em.getConnection();
  await connection.execute('select setseed(0.42)');
  await connection.execute(`
    insert into runs (
      created_at, updated_at, organization_id, project_id, suite_id, environment_id, status, status_reason,
      branch, "commit", triggered_by_name, started_at, completed_at,
      total_tests, passed_tests, failed_tests, skipped_tests, flaky_tests,
      duration_seconds, coverage_percent, run_metadata
    )
    with p as (select id, organization_id, (row_number() over (order by id) - 1)::int as n from projects),
    s as (select id, project_id, (row_number() over (partition by project_id order by id) - 1)::int as n from suites),
    e as (select id, project_id, (row_number() over (partition by project_id order by id) - 1)::int as n from environments),
    draw as (
      select i,
        least(${PROJECTS - 1}, floor(${PROJECTS} * power(random(), 1.5)))::int as project_n,
        (random() < 0.6)::int as suite_n,
        (random() < 0.3)::int as environment_n,
        random() as u_status, random() as u_branch, random() as u_tests, random() as u_duration,
        now() - interval '180 days' + (i::double precision / ${RUNS}) * interval '180 days' + random() * interval '10 minutes' as created
      from generate_series(0, ${RUNS - 1}) as g(i)
    ),
    shaped as (
      select draw.*,
        case
          when i >= ${RUNS - 60} then (array['queued', 'provisioning', 'running', 'reporting'])[1 + i % 4]
          when u_status < 0.72 then 'completed'
          when u_status < 0.84 then 'failed'
          when u_status < 0.91 then 'partial_failed'
          when u_status < 0.95 then 'cancelled'
          when u_status < 0.975 then 'timed_out'
          else 'infra_failed'
        end as status,
        case
          when u_branch < 0.6 then 'main'
          when u_branch < 0.8 then 'develop'
          when u_branch < 0.85 then 'release/1.' || floor(u_branch * 1000)::int % 12
          else 'feature/QA-' || (1000 + floor(u_branch * 100000)::int % 800)
        end as branch,
        50 + floor(u_tests * 450)::int as total
      from draw
    )
    select created, created, p.organization_id, p.id, s.id, e.id, status,
      case status when 'infra_failed' then 'no worker took shard 2 within its schedule-to-start timeout'
                  when 'timed_out' then 'suite timeout of 3600 s exceeded' end,
      branch, md5(i::text) || substr(md5((i + 1)::text), 1, 8),
      case when i % 3 = 0 then 'token:ci' else 'admin' end,
      case when status = 'queued' then null else created + interval '5 seconds' end,
      case when status in ('queued', 'provisioning', 'running', 'reporting') then null
           else created + interval '5 seconds' + (30 + u_duration * 1800) * interval '1 second' end,
      case when status = 'queued' then 0 else total end,
      case when status in ('queued', 'provisioning') then 0
           when status in ('failed', 'partial_failed') then total - 3 - (i % 10) - (i % 4)
           else total - (i % 4) end,
      case when status in ('failed', 'partial_failed') then 3 + i % 10 else 0 end,
      case when status in ('queued', 'provisioning') then 0 else i % 4 end,
      case when i % 17 = 0 then 1 else 0 end,
      case when status in ('queued', 'provisioning', 'running', 'reporting') then null else 30 + u_duration * 1800 end,
      case when status in ('completed', 'failed', 'partial_failed') then round((60 + u_tests * 35)::numeric, 2)::double precision end,
      '{}'::jsonb
    from shaped
    join p on p.n = shaped.project_n
    join s on s.project_id = p.id and s.n = shaped.suite_n
    join e on e.project_id = p.id and e.n = shaped.environment_n
    order by i
  `);
  await connection.execute('analyze');
}

/** One endpoint to measure. */
interface Endpoint {
  label: string;
  path: string;
  token?: string;
}

async function call(url: string, endpoint: Endpoint): Promise<void> {
  const res = await fetch(url + endpoint.path, { headers: endpoint.token ? { authorization: `Bearer ${endpoint.token}` } : {} });
  // Read the whole body: the client's time to the last byte is what a caller waits for.
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${endpoint.path} answered ${res.status}: ${body.slice(0, 300)}`);
}

/** Sequential requests, one at a time: the latency of one caller, not throughput. */
async function measure(url: string, endpoint: Endpoint): Promise<LatencySummary> {
  for (let i = 0; i < WARMUP_REQUESTS; i++) await call(url, endpoint);
  const samples: number[] = [];
  for (let i = 0; i < MEASURED_REQUESTS; i++) {
    checkpoint();
    const start = performance.now();
    await call(url, endpoint);
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

/** The SQL the ORM sends while `capture` is set, with its parameters, for EXPLAIN. */
const captured: { sql: string; params: readonly unknown[] }[] = [];
let capture = false;

/** EXPLAIN ANALYZE of every select that one request to `endpoint` issues. */
async function explain(orm: MikroORM, url: string, endpoint: Endpoint): Promise<void> {
  captured.length = 0;
  capture = true;
  try {
    await call(url, endpoint);
  } finally {
    capture = false;
  }
  const platform = orm.em.getPlatform();
  const connection = orm.em.getConnection();
  console.log(`\n  queries of ${endpoint.label}:`);
  for (const query of captured.filter((q) => /^\s*select/i.test(q.sql))) {
    const sql = platform.formatQuery(query.sql, [...query.params]);
    const plan = await connection.execute<{ 'QUERY PLAN': string }[]>(`explain (analyze, buffers) ${sql}`);
    console.log(`\n  ${sql}`);
    for (const row of plan) console.log(`    ${row['QUERY PLAN']}`);
  }
}

async function main(): Promise<number> {
  const tempDir = await mkdtemp(join(tmpdir(), 'qatron-bench-'));
  // As root, PostgreSQL runs as the `postgres` user, which must reach its data directory in here.
  await chmod(tempDir, 0o755);
  let postgres: EmbeddedPostgres | undefined;
  let orm: MikroORM | undefined;
  let server: ApiServer | undefined;
  const apiErrors: string[] = [];
  try {
    const port = await freePort();
    console.log(`QAtron API latency bench: embedded PostgreSQL on 127.0.0.1:${port}, data in ${tempDir}`);
    postgres = await startEmbeddedPostgres({ dataDir: join(tempDir, 'pg'), port, logFile: join(tempDir, 'postgres.log') });
    await ensureDatabase(postgres.url('postgres'), DATABASE);
    orm = await connectDatabase(postgres.url(DATABASE), {
      onQuery: (sql, params) => {
        if (capture) captured.push({ sql, params });
        return sql;
      },
    });
    await migrate(orm);
    const { organization } = await seedDefaults(orm.em.fork(), { env: 'development', adminPassword: undefined });

    const seedStart = performance.now();
    await seedProjects(orm, organization.id);
    const projectsSeconds = since(seedStart);
    const runsStart = performance.now();
    checkpoint();
    await seedRuns(orm);
    checkpoint();
    const runsSeconds = since(runsStart);
    const counts = await orm.em.getConnection().execute<{ project_id: number; runs: string }[]>(
      'select project_id, count(*) as runs from runs group by project_id order by count(*) desc, project_id',
    );
    const total = counts.reduce((sum, row) => sum + Number(row.runs), 0);
    console.log(
      `seeded ${PROJECTS} projects (2 environments, 2 suites each) in ${projectsSeconds} s; ${total.toLocaleString('en')} runs + ANALYZE in ${runsSeconds} s; ` +
        `total seeding ${since(seedStart)} s`,
    );
    const busiest = counts[0]!;
    const median = counts[Math.floor(counts.length / 2)]!;
    console.log(`runs per project: busiest ${busiest.runs} (project ${busiest.project_id}), median ${median.runs}, fewest ${counts.at(-1)!.runs}`);

    const config = loadConfig({ QATRON_ENV: 'development', QATRON_HOME: join(tempDir, 'home'), API_HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    const deps = buildApiDeps(config, orm, randomBytes(48).toString('base64url'), (message, err) => apiErrors.push(`${message}: ${String(err)}`));
    server = await startApiServer(deps, '127.0.0.1', 0);
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'admin', password: 'admin' }),
    });
    if (login.status !== 200) throw new Error(`login as admin failed: ${login.status} ${await login.text()}`);
    const token = ((await login.json()) as { access_token: string }).access_token;

    // The busiest project is the worst case for a project's history page.
    const project = busiest.project_id;
    const endpoints: Endpoint[] = [
      { label: 'GET /healthz', path: '/healthz' },
      { label: `GET /api/v1/runs?project_id=${project}&limit=50`, path: `/api/v1/runs?project_id=${project}&limit=50`, token },
      { label: `GET /api/v1/runs?project_id=${project}&status=failed&limit=50`, path: `/api/v1/runs?project_id=${project}&status=failed&limit=50`, token },
      { label: 'GET /api/v1/runs?limit=50 (unfiltered)', path: '/api/v1/runs?limit=50', token },
    ];

    console.log(`\n${WARMUP_REQUESTS} warm-up then ${MEASURED_REQUESTS} sequential requests per endpoint over loopback; target p95 < ${P95_TARGET_MS} ms`);
    const width = Math.max(...endpoints.map((e) => e.label.length));
    console.log(`${'endpoint'.padEnd(width)}  ${'p50 ms'.padStart(8)}  ${'p95 ms'.padStart(8)}  ${'p99 ms'.padStart(8)}  ${'max ms'.padStart(8)}  verdict`);
    const missed: Endpoint[] = [];
    for (const endpoint of endpoints) {
      const s = await measure(server.url, endpoint);
      const ok = s.p95 < P95_TARGET_MS;
      if (!ok) missed.push(endpoint);
      const f = (ms: number) => ms.toFixed(2).padStart(8);
      console.log(`${endpoint.label.padEnd(width)}  ${f(s.p50)}  ${f(s.p95)}  ${f(s.p99)}  ${f(s.max)}  ${ok ? 'meets' : 'MISSES'} p95 < ${P95_TARGET_MS} ms`);
    }

    const toExplain = explainAlways ? endpoints.filter((e) => e.token) : missed.filter((e) => e.token);
    for (const endpoint of toExplain) await explain(orm, server.url, endpoint);
    if (apiErrors.length) console.error(`\nthe API logged errors:\n${apiErrors.join('\n')}`);
    // A missed target is a finding to read, not a failure: only a broken run exits non-zero.
    return apiErrors.length === 0 ? 0 : 1;
  } finally {
    await server?.close().catch((err: unknown) => console.error(`closing the API: ${(err as Error).message}`));
    await orm?.close(true).catch((err: unknown) => console.error(`closing the database connection: ${(err as Error).message}`));
    await postgres?.stop().catch((err: unknown) => console.error(`stopping PostgreSQL: ${(err as Error).message}`));
    await rm(tempDir, { recursive: true, force: true });
  }
}

// Ctrl-C ends the measurement loop, so that `finally` still stops PostgreSQL and removes its data.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping after the current request`);
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Interrupted ? 'interrupted; everything stopped and removed' : err);
    process.exit(err instanceof Interrupted ? 130 : 1);
  },
);
