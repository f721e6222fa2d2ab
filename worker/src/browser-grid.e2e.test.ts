import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebFixtureRepo } from '@qatron/activities/testing/web-fixture';
import { startGridForTests, type TestGrid } from '@qatron/scripts/testing/selenium-grid';
import { startEngineStack, type EngineStack } from './testing/stack.js';

/**
 * Browsers for real (issue 16, "Done when"): API → Temporal → a worker process → pytest in the
 * sandbox → a real Selenium Grid 4 → Chromium, on the web fixture suite (`qatron init --template
 * web` plus one failing test). Passing tests pass, the failing one leaves a screenshot and its page
 * source; then the Grid is stopped: the platform's checks mark it unhealthy within 30 s and the
 * next run ends infra_failed naming the Grid, with no test executed.
 */
let stack: EngineStack;
let grid: TestGrid;
let fixtures: string;
let projectId: number;
let gridId: number;
let tests: { passing: string[]; failing: string[] };

const GRID_NAME = 'e2e-grid';
const call = (method: string, path: string, json?: unknown) => stack.api.request(method, path, { token: stack.adminToken, ...(json !== undefined ? { json } : {}) });
const runToEnd = () => stack.runToEnd({ project_id: projectId, suite: 'ui', environment: 'local' }, 240_000);

beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'qatron-browser-fixtures-'));
  grid = await startGridForTests({ sessions: 2 });
  // Checks every 2 s here (10 s by default): the test waits for the outage to be noticed.
  stack = await startEngineStack({ env: { GRID_CHECK_INTERVAL_SECONDS: '2' } });
  await stack.startWorker({ name: 'worker-browser' });
  const repo = await createWebFixtureRepo(join(fixtures, 'web'));
  tests = repo.tests;
  const registered = await call('POST', '/api/v1/infrastructure', { name: GRID_NAME, kind: 'grid', url: grid.url });
  expect(registered.status).toBe(201);
  expect(registered.body).toMatchObject({ status: 'online', check: { error: null, health: { ready: true, slots_total: 2 } } });
  gridId = registered.body.id;
  projectId = (await call('POST', '/api/v1/projects', { name: 'web', repo_url: repo.dir })).body.id;
  expect((await call('POST', `/api/v1/projects/${projectId}/environments`, { name: 'local', kind: 'development', grid_id: gridId })).status).toBe(201);
  expect((await call('POST', `/api/v1/projects/${projectId}/suites`, { name: 'ui', shards: 2 })).status).toBe(201);
}, 240_000);

afterAll(async () => {
  await stack?.close();
  await grid?.stop();
  await rm(fixtures, { recursive: true, force: true });
});

describe('a browser suite on a real Selenium Grid', () => {
  it('passes its passing tests and leaves a screenshot and the page source of the failing one', async () => {
    const started = Date.now();
    const run = await runToEnd();
    console.log(`browser run: ${run.total_tests} tests on ${run.run_metadata.shard_count} shards in ${run.duration_seconds} s (${((Date.now() - started) / 1000).toFixed(1)} s trigger to report); Grid start-up ${grid.startupMs} ms`);
    expect(run).toMatchObject({ total_tests: tests.passing.length + tests.failing.length, passed_tests: tests.passing.length, failed_tests: tests.failing.length, error_tests: 0 });
    expect(['failed', 'partial_failed']).toContain(run.status);
    expect(run.run_metadata.grid).toMatchObject({ id: gridId, name: GRID_NAME, url: grid.url, slots_total: 2 });

    const failed = (await call('GET', `/api/v1/runs/${run.id}/tests?outcome=failed`)).body.items.map((t: { node_id: string }) => t.node_id);
    expect(failed).toEqual(tests.failing);
    const artifacts: Array<{ kind: string; name: string; download_url: string }> = (await call('GET', `/api/v1/runs/${run.id}/artifacts`)).body.items;
    const screenshots = artifacts.filter((a) => a.kind === 'screenshot');
    const pages = artifacts.filter((a) => a.kind === 'page_source');
    expect(screenshots).toHaveLength(1);
    expect(pages).toHaveLength(1);
    const png = await fetch(new URL(screenshots[0]!.download_url, stack.api.url), { headers: { authorization: `Bearer ${stack.adminToken}` } });
    expect(Buffer.from(await png.arrayBuffer()).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const html = await fetch(new URL(pages[0]!.download_url, stack.api.url), { headers: { authorization: `Bearer ${stack.adminToken}` } });
    expect(await html.text()).toMatch(/<html/i);
  }, 300_000);

  it('marks a stopped Grid unhealthy within 30 s, and the next browser run infra_failed naming it, with no test executed', async () => {
    await grid.stop();
    const stopped = Date.now();
    let resource: { status: string; check: { error: string | null } | null } | undefined;
    while (Date.now() - stopped < 30_000) {
      resource = (await call('GET', `/api/v1/infrastructure/${gridId}`)).body;
      if (resource?.status === 'unhealthy') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`Grid stopped → unhealthy after ${((Date.now() - stopped) / 1000).toFixed(1)} s`);
    // The first failed check may meet the JVM closing its connections (connection reset), the later ones find the port closed.
    expect(resource).toMatchObject({ status: 'unhealthy', check: { error: expect.stringMatching(/^connection (refused|reset)$/) } });
    const outages = (await call('GET', `/api/v1/infrastructure/${gridId}/outages`)).body;
    expect(outages.items[0]).toMatchObject({ ended_at: null, reason: expect.stringMatching(/^connection (refused|reset)$/) });

    const run = await runToEnd();
    expect(run).toMatchObject({ status: 'infra_failed', status_reason: `Selenium Grid ${GRID_NAME} unavailable: connection refused`, total_tests: 0 });
    expect((await call('GET', `/api/v1/runs/${run.id}/tests`)).body.total).toBe(0);
  }, 300_000);
});
