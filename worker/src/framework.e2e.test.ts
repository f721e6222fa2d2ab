import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureRepository } from '@qatron/activities/testing/fixture-repo';
import { startEngineStack, type EngineStack } from './testing/stack.js';

/**
 * The framework's fixtures inside real runs (issue 5, point 2): a test reads the run's pinned
 * dataset version through `dataset(name)` (FR-DATA-03), and a test drives a headless Chromium
 * through the `browser` fixture against the environment's base URL.
 */
let stack: EngineStack;
let fixtures: string;
let projectId: number;

const call = (method: string, path: string, json?: unknown) => stack.api.request(method, path, { token: stack.adminToken, ...(json !== undefined ? { json } : {}) });

const TESTS = {
  'tests/test_customers.py': `def test_reads_the_pinned_customers(dataset):
    customers = dataset("customers")
    assert customers.version == "v2"
    assert [row["email"] for row in customers.csv()] == ["ann@example.com", "cy@example.com"]
`,
  'tests/test_health_page.py': `def test_health_page_in_chromium(browser, base_url):
    browser.get(base_url + "/healthz")
    assert '"status":"ok"' in browser.page_source
`,
};
const BROKEN = {
  'tests/test_broken_page.py': `def test_missing_welcome(browser, base_url):
    browser.get(base_url + "/healthz")
    assert "Welcome" in browser.page_source
`,
};

async function upload(datasetId: number, version: string, csv: string) {
  const res = await fetch(`${stack.api.url}/api/v1/datasets/${datasetId}/versions/${version}?file_name=customers.csv`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${stack.adminToken}`, 'Content-Type': 'text/csv' },
    body: csv,
  });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'qatron-framework-e2e-'));
  stack = await startEngineStack();
  await stack.startWorker({ name: 'worker-framework' });
  const repo = await createFixtureRepository(join(fixtures, 'repo'), { extraFiles: { ...TESTS, ...BROKEN } });
  projectId = (await call('POST', '/api/v1/projects', { name: 'shop', repo_url: repo.path })).body.id;
  const dataset = await call('POST', '/api/v1/datasets', { name: 'customers', project_id: projectId });
  await upload(dataset.body.id, 'v1', 'email\nold@example.com\n');
  await upload(dataset.body.id, 'v2', 'email\nann@example.com\ncy@example.com\n');
  const environment = await call('POST', `/api/v1/projects/${projectId}/environments`, { name: 'staging', kind: 'staging', base_url: stack.api.url, dataset_id: dataset.body.id });
  expect(environment.status).toBe(201);
  expect((await call('POST', `/api/v1/projects/${projectId}/suites`, { name: 'fixtures', paths: Object.keys(TESTS) })).status).toBe(201);
  expect((await call('POST', `/api/v1/projects/${projectId}/suites`, { name: 'broken', paths: Object.keys(BROKEN) })).status).toBe(201);
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await rm(fixtures, { recursive: true, force: true });
});

const runToEnd = (suite: string) => stack.runToEnd({ project_id: projectId, suite, environment: 'staging' });

describe('framework fixtures in a run', () => {
  it('gives tests the pinned dataset version and a real browser', async () => {
    const run = await runToEnd('fixtures');
    const tests = await call('GET', `/api/v1/runs/${run.id}/tests`);
    expect(tests.body.items.map((t: { node_id: string; outcome: string; message: string | null }) => [t.node_id, t.outcome, t.message])).toEqual(
      expect.arrayContaining([
        ['tests/test_customers.py::test_reads_the_pinned_customers', 'passed', null],
        ['tests/test_health_page.py::test_health_page_in_chromium', 'passed', null],
      ]),
    );
    expect(run).toMatchObject({ status: 'completed', total_tests: 2, passed_tests: 2 });
    expect(run.dataset_version_id).toEqual(expect.any(Number));
  });

  it("keeps a failed browser test's screenshot as a run artifact", async () => {
    const run = await runToEnd('broken');
    expect(run.status).toBe('failed');
    const artifacts = await call('GET', `/api/v1/runs/${run.id}/artifacts?limit=200`);
    const shots = artifacts.body.items.filter((a: { kind: string }) => a.kind === 'screenshot');
    expect(shots).toHaveLength(1);
    expect(shots[0].name).toContain('test_missing_welcome');
    const png = await fetch(`${stack.api.url}${shots[0].download_url}`, { headers: { Authorization: `Bearer ${stack.adminToken}` } });
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
  });
});
