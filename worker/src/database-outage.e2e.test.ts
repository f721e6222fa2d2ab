import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, migrate } from '@qatron/domain/db';
import { isFinalStatus, TestResult } from '@qatron/domain';
import { createFixtureRepository, GREEN_TEST_IDS } from '@qatron/activities/testing/fixture-repo';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedPostgres } from '@qatron/scripts/embedded/postgres';
import { freePort } from '@qatron/scripts/testing/ports';
import { startEngineStack, type EngineStack } from './testing/stack.js';

/**
 * PostgreSQL killed in the middle of a run and kept down for two minutes (issue 13 item 5): the
 * shards' tests finish meanwhile and wait to store their results, the API answers 503 with
 * Retry-After and /readyz names the database, and once PostgreSQL is back (same data, no restart
 * of the API or the workers) the run ends with every result and its true verdict, each shard on
 * its first attempt: nothing ran twice.
 */
const OUTAGE_MS = 120_000;
const SLOW_FILES = { count: 4, seconds: 25 };

let dir: string;
let server: { dataDir: string; port: number; current: EmbeddedPostgres };
let stack: EngineStack;

async function startServer(dataDir: string, port: number): Promise<EmbeddedPostgres> {
  return startEmbeddedPostgres({ dataDir, port, logFile: join(dir, 'postgres.log'), ephemeral: true });
}

/** SIGKILL to the postmaster, as a crash or an OOM kill would do it: no shutdown, no checkpoint. */
async function killPostgres(): Promise<void> {
  const pid = Number((await readFile(join(server.current.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  process.kill(pid, 'SIGKILL');
  const gone = Date.now() + 10_000;
  while (Date.now() < gone && alive(pid)) await new Promise((r) => setTimeout(r, 100));
  expect(alive(pid)).toBe(false);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qatron-outage-'));
  // The server runs as the `postgres` user when tests run as root: let it in.
  await chmod(dir, 0o755);
  const port = await freePort();
  const current = await startServer(join(dir, 'pg'), port);
  server = { dataDir: join(dir, 'pg'), port, current };
  await ensureDatabase(current.url('postgres'), 'qatron');
  const orm = await connectDatabase(current.url('qatron'));
  await migrate(orm);
  await orm.close(true);
  stack = await startEngineStack({ databaseUrl: current.url('qatron') });
  await Promise.all([stack.startWorker({ name: 'worker-a' }), stack.startWorker({ name: 'worker-b' })]);
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await server?.current.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a PostgreSQL outage in the middle of a run', () => {
  it('is waited out: 503 with Retry-After meanwhile, then every result and the true verdict, nothing run twice', async () => {
    const call = (method: string, path: string, json?: unknown) => stack.api.request(method, path, { token: stack.adminToken, ...(json !== undefined ? { json } : {}) });
    const repo = await createFixtureRepository(join(dir, 'repo'), { variant: 'green', slowFiles: SLOW_FILES });
    const project = await call('POST', '/api/v1/projects', { name: 'outage', repo_url: repo.path });
    expect(project.status).toBe(201);
    expect((await call('POST', `/api/v1/projects/${project.body.id}/environments`, { name: 'staging', kind: 'staging', base_url: 'https://staging.shop.test' })).status).toBe(201);
    expect((await call('POST', `/api/v1/projects/${project.body.id}/suites`, { name: 'regression', shards: 2 })).status).toBe(201);
    const created = await call('POST', '/api/v1/runs', { project_id: project.body.id, suite: 'regression', environment: 'staging' });
    expect(created.status).toBe(201);
    const runId = created.body.id as number;

    // Down once the tests are under way: the slow files are still sleeping when the shards try to store.
    await until('both shards to run tests', async () => {
      const live = (await call('GET', `/api/v1/runs/${runId}`)).body.progress?.shards ?? [];
      return live.length === 2 && live.every((s: { status: string; done: number }) => s.status === 'running' && s.done > 0);
    }, 150_000);
    const killedAt = Date.now();
    await killPostgres();

    const during = await call('GET', `/api/v1/runs/${runId}`);
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(during.body).toMatchObject({ code: 'database_unavailable', status: 503 });
    const ready = await stack.api.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database.ok).toBe(false);
    expect(ready.body.checks.temporal.ok).toBe(true);

    await new Promise((r) => setTimeout(r, killedAt + OUTAGE_MS - Date.now()));
    server.current = await startServer(server.dataDir, server.port);
    const outageSeconds = (Date.now() - killedAt) / 1000;
    console.log(`database outage survived: ${outageSeconds.toFixed(1)} s`);

    let run: any;
    await until('the run to end', async () => {
      const res = await call('GET', `/api/v1/runs/${runId}`);
      run = res.body;
      return res.status === 200 && isFinalStatus(run.status) && run.report_status !== 'pending';
    }, 240_000);
    const expectedTests = GREEN_TEST_IDS.length + SLOW_FILES.count;
    expect(run.status).toBe('completed');
    expect([run.total_tests, run.passed_tests, run.skipped_tests, run.failed_tests]).toEqual([expectedTests, expectedTests - 1, 1, 0]);
    expect(await stack.api.orm.em.fork().count(TestResult, { run: runId })).toBe(expectedTests);
    const shards = run.run_metadata.shards as Array<{ attempt: number; tests: number }>;
    expect(shards.map((s) => s.attempt)).toEqual([1, 1]);
    expect(shards.reduce((n, s) => n + s.tests, 0)).toBe(expectedTests);
    expect((await stack.api.request('GET', '/readyz')).status).toBe(200);
    expect(outageSeconds).toBeGreaterThanOrEqual(OUTAGE_MS / 1000);
  }, 480_000);
});

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
