import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureRepository, GREEN_TEST_IDS } from '@qatron/activities/testing/fixture-repo';
import { startEngineStack, type EngineStack } from './testing/stack.js';

/**
 * Run results end to end (issue "Run results", Done when): combined coverage of 4 shards equals
 * the single-process figure, a threshold above it fails the run, the Allure report opens from
 * `report_url` with every test of every shard and carries history to the next run, and CI can
 * download the report and coverage by kind.
 */
let stack: EngineStack;
let fixtures: string;
let projectId: number;

const call = (method: string, path: string, json?: unknown) => stack.api.request(method, path, { token: stack.adminToken, ...(json !== undefined ? { json } : {}) });

beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'qatron-results-fixtures-'));
  stack = await startEngineStack();
  await Promise.all([stack.startWorker({ name: 'worker-a' }), stack.startWorker({ name: 'worker-b' })]);
  const repo = await createFixtureRepository(join(fixtures, 'repo'), { variant: 'green' });
  const project = await call('POST', '/api/v1/projects', { name: 'shop', repo_url: repo.path });
  projectId = project.body.id;
  await call('POST', `/api/v1/projects/${projectId}/environments`, { name: 'staging', kind: 'staging' });
  for (const suite of [
    { name: 'sharded', shards: 4 },
    { name: 'single', shards: 1 },
    { name: 'strict', shards: 4, coverage_threshold: 99.9 },
  ]) {
    expect((await call('POST', `/api/v1/projects/${projectId}/suites`, suite)).status).toBe(201);
  }
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await rm(fixtures, { recursive: true, force: true });
});

const runToEnd = (suite: string) => stack.runToEnd({ project_id: projectId, suite, environment: 'staging' });

async function downloadZip(runId: number, kind: string): Promise<string[]> {
  const res = await fetch(`${stack.api.url}/api/v1/runs/${runId}/artifacts/download?kind=${kind}`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
  expect(res.status).toBe(200);
  const file = join(fixtures, `${runId}-${kind}.zip`);
  await writeFile(file, Buffer.from(await res.arrayBuffer()));
  return execFileSync('python3', ['-c', 'import sys,zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', file], { encoding: 'utf8' }).trim().split('\n');
}

describe('run results', () => {
  let sharded: any;

  it('combines the coverage of 4 shards into the figure of one process', async () => {
    sharded = await runToEnd('sharded');
    const single = await runToEnd('single');
    expect(sharded.status).toBe('completed');
    expect(single.status).toBe('completed');
    expect(sharded.run_metadata.shard_count).toBe(4);
    expect(single.run_metadata.shard_count).toBe(1);
    expect(sharded.coverage_percent).toBeGreaterThan(50);
    expect(sharded.coverage_percent).toBe(single.coverage_percent);
    expect(sharded.run_metadata.coverage.files).toEqual(single.run_metadata.coverage.files);
    expect(sharded.run_metadata.coverage.files.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining([expect.stringMatching(/shop\/cart\.py$/)]));
    expect(sharded.run_metadata.reporting.errors).toEqual([]);
  });

  it('fails a run whose combined coverage is below the suite threshold, saying why', async () => {
    const strict = await runToEnd('strict');
    expect(strict.failed_tests).toBe(0);
    expect(strict.status).toBe('failed');
    expect(strict.status_reason).toBe(`Coverage ${strict.coverage_percent}% is below the suite's threshold of 99.9%`);
  });

  it('serves the Allure report of every shard from report_url without a bearer token', async () => {
    expect(sharded.report_url).toMatch(new RegExp(`^/api/v1/runs/${sharded.id}/report/\\?token=`));
    const page = await fetch(stack.api.url + sharded.report_url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<html');
    expect(sharded.run_metadata.reporting.report_tests).toBe(GREEN_TEST_IDS.length);
    const bare = await fetch(`${stack.api.url}/api/v1/runs/${sharded.id}/report/`);
    expect(bare.status).toBe(401);
  });

  it("carries the report's history to the next run of the same suite", async () => {
    const second = await runToEnd('sharded');
    const history = await call('GET', `/api/v1/runs/${second.id}/artifacts?kind=allure_history`);
    expect(history.body.items).toHaveLength(1);
    const res = await fetch(stack.api.url + history.body.items[0].download_url, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    const reports = (await res.text()).trim().split('\n');
    // One line per report generated so far for sharded/staging: the first run's and this one's.
    expect(reports).toHaveLength(2);
  });

  it('lets CI download the report and the coverage by kind', async () => {
    const report = await downloadZip(sharded.id, 'report');
    expect(report).toContain('allure-report/index.html');
    const coverage = await downloadZip(sharded.id, 'coverage');
    expect(coverage).toEqual(expect.arrayContaining(['coverage.xml', 'coverage-html/index.html']));
    const junit = await downloadZip(sharded.id, 'junit');
    expect(junit.sort()).toEqual(['shard-0/junit.xml', 'shard-1/junit.xml', 'shard-2/junit.xml', 'shard-3/junit.xml']);
  });
});
