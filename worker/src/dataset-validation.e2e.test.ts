import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureValidationEnvironment } from '@qatron/activities/dataset-validation';
import { createFixtureRepository } from '@qatron/activities/testing/fixture-repo';
import { REPO_ROOT } from '@qatron/scripts/embedded/temporal';
import { E2E_WORKER_CACHE, startEngineStack, type EngineStack } from './testing/stack.js';

/**
 * Dataset validation end to end (FR-DATA-02, FR-DATA-04, FR-DATA-05): the API starts the validation
 * workflow, a worker validates the version with Great Expectations, and a suite that requires a
 * healthy dataset runs on a version that passed and refuses one that failed. A new version is
 * validated against its predecessor's suite without being asked. The CLI reports the verdict.
 */
const exec = promisify(execFile);
const QATRON = join(REPO_ROOT, 'cli', 'bin', 'qatron.js');

let stack: EngineStack;
let work: string;
let projectId: number;
let datasetId: number;

const call = (method: string, path: string, json?: unknown) => stack.api.request(method, path, { token: stack.adminToken, ...(json !== undefined ? { json } : {}) });

async function upload(version: string, csv: string, dataset = datasetId) {
  const res = await fetch(`${stack.api.url}/api/v1/datasets/${dataset}/versions/${version}?file_name=customers.csv`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${stack.adminToken}`, 'Content-Type': 'text/csv' },
    body: csv,
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function qatron(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH, HOME: work, QATRON_CONFIG_DIR: join(work, '.config'), LANG: 'C.UTF-8' };
  try {
    const { stdout, stderr } = await exec(process.execPath, [QATRON, ...args, '--url', stack.api.url, '--token', stack.adminToken], { cwd: work, env, timeout: 180_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const SUITE = {
  name: 'customers',
  expectations: [
    { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1, max_value: 1000 } },
    { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'email' } },
    { type: 'expect_column_values_to_be_unique', kwargs: { column: 'email' } },
    { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'tier', value_set: ['gold', 'silver'] } },
    { type: 'expect_column_values_to_match_regex', kwargs: { column: 'email', regex: '^[^@]+@example\\.com$' } },
  ],
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'qatron-dataset-validation-e2e-'));
  // The worker's Great Expectations venv, built here on a fresh machine (it is cached after that), so
  // that the first validation answers within the API's two-minute wait even on a slow index.
  await ensureValidationEnvironment(E2E_WORKER_CACHE);
  stack = await startEngineStack();
  await stack.startWorker({ name: 'worker-datasets' });
  const repo = await createFixtureRepository(join(work, 'repo'));
  projectId = (await call('POST', '/api/v1/projects', { name: 'shop', repo_url: repo.path })).body.id;
  datasetId = (await call('POST', '/api/v1/datasets', { name: 'customers', project_id: projectId })).body.id;
  expect((await call('POST', `/api/v1/projects/${projectId}/environments`, { name: 'staging', kind: 'staging', base_url: stack.api.url, dataset_id: datasetId })).status).toBe(201);
  expect((await call('POST', `/api/v1/projects/${projectId}/suites`, { name: 'checkout', paths: ['tests/test_cart.py'], require_dataset_health: true })).status).toBe(201);
}, 600_000);

afterAll(async () => {
  await stack?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('dataset validation', () => {
  it('validates a version, lets a suite that requires dataset health run on it, and refuses a version that failed', async () => {
    const v1 = await upload('v1', 'email,tier\nann@example.com,gold\ncy@example.com,silver\n');
    expect(v1.status).toBe(201);
    expect(v1.body.validation_status).toBe('pending');
    // Pending is not healthy: the suite refuses to run until the version passed.
    const early = await call('POST', '/api/v1/runs', { project_id: projectId, suite: 'checkout', environment: 'staging' });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('dataset_unhealthy');

    const validated = await call('POST', `/api/v1/datasets/${datasetId}/versions/v1/validate`, { expectations: SUITE });
    expect(validated.status).toBe(200);
    expect(validated.body).toMatchObject({ version: 'v1', validation_status: 'passed', validated_at: expect.any(String) });
    expect(validated.body.validation_report).toMatchObject({ success: true, evaluated: 5, successful: 5, unsuccessful: 0, ge_version: '1.24.1' });

    const run = await stack.runToEnd({ project_id: projectId, suite: 'checkout', environment: 'staging' });
    expect(run).toMatchObject({ status: 'completed', dataset_version_id: v1.body.id });

    // v2 inherits v1's suite and is validated in the background; the upload answers at once.
    const v2 = await upload('v2', 'email,tier\nann@example.com,gold\nann@example.com,bronze\n');
    expect(v2.status).toBe(201);
    expect(v2.body.validation_status).toBe('pending');
    let latest: any;
    const deadline = Date.now() + 120_000;
    do {
      await new Promise((r) => setTimeout(r, 500));
      latest = (await call('GET', `/api/v1/datasets/${datasetId}`)).body.versions.find((v: { version: string }) => v.version === 'v2');
    } while (latest.validation_status === 'pending' && Date.now() < deadline);
    expect(latest.validation_status).toBe('failed');
    expect(latest.validation_report).toMatchObject({ success: false, evaluated: 5, successful: 3, unsuccessful: 2 });
    expect(latest.validation_report.results.filter((r: { success: boolean }) => !r.success)).toEqual([
      { type: 'expect_column_values_to_be_unique', kwargs: { column: 'email' }, success: false, unexpected_count: 2, partial_unexpected_list: ['ann@example.com', 'ann@example.com'] },
      { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'tier', value_set: ['gold', 'silver'] }, success: false, unexpected_count: 1, partial_unexpected_list: ['bronze'] },
    ]);

    const refused = await call('POST', '/api/v1/runs', { project_id: projectId, suite: 'checkout', environment: 'staging' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('dataset_unhealthy');

    const audit = await call('GET', '/api/v1/audit-logs?action=dataset.validated&limit=50');
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((e: { details: { version: string; trigger: string } }) => [e.details.version, e.details.trigger]).sort()).toEqual([
      ['v1', 'request'],
      ['v2', 'upload'],
    ]);
  });

  it('records a version that cannot be validated as failed, saying why, instead of leaving it pending', async () => {
    const orders = (await call('POST', '/api/v1/datasets', { name: 'orders', project_id: projectId })).body.id as number;
    expect((await upload('v1', 'email,tier\nann@example.com,gold\n', orders)).status).toBe(201);
    // Content changed behind the platform's back: every attempt finds a checksum that does not match.
    const prefix = `${stack.api.organization.id}/datasets/${orders}/v1/`;
    await stack.api.store.deletePrefix(prefix);
    await stack.api.store.put(`${prefix}customers.csv`, 'email,tier\nmallory@example.com,gold\n', 'text/csv');
    const res = await call('POST', `/api/v1/datasets/${orders}/versions/v1/validate`, { expectations: SUITE });
    expect(res.status).toBe(200);
    expect(res.body.validation_status).toBe('failed');
    expect(res.body.validation_report).toMatchObject({ success: false, evaluated: 0, results: [], error: expect.stringMatching(/^the version could not be validated: dataset orders version v1 is corrupt in the artifact store/) });
  });

  it('qatron datasets validate prints the verdict and the failed expectations, exiting 0 on passed and 1 on failed', async () => {
    const failed = await qatron(['datasets', 'validate', 'customers', 'v2']);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout.split('\n')).toEqual([
      'customers v2: failed (3 of 5 expectations met)',
      '  ✗ expect_column_values_to_be_unique {"column":"email"}: 2 unexpected ("ann@example.com", "ann@example.com")',
      '  ✗ expect_column_values_to_be_in_set {"column":"tier","value_set":["gold","silver"]}: 1 unexpected ("bronze")',
      '',
    ]);

    const lenient = join(work, 'lenient.json');
    await writeFile(lenient, JSON.stringify({ expectations: [{ expectation_type: 'expect_column_values_to_not_be_null', kwargs: { column: 'email' } }] }));
    const passed = await qatron(['datasets', 'validate', 'customers', 'v2', '--expectations', lenient]);
    expect(passed.code, passed.stderr).toBe(0);
    expect(passed.stdout).toBe('customers v2: passed (1 of 1 expectations met)\n');
    // The suite sent is stored with the version: v2 is now healthy for it.
    const v2 = (await call('GET', `/api/v1/datasets/${datasetId}`)).body.versions.find((v: { version: string }) => v.version === 'v2');
    expect(v2).toMatchObject({ validation_status: 'passed' });
  });
});
