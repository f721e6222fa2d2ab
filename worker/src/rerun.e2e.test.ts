import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Run, TestResult } from '@qatron/domain';
import { commitChange, createFixtureRepository, GREEN_TEST_IDS, type FixtureRepository } from '@qatron/activities/testing/fixture-repo';
import { startEngineStack, type EngineStack } from './testing/stack.js';

/**
 * Re-run what failed (issue 15 item 3) end to end: API → Temporal → worker processes → real pytest.
 * A repository whose orders tests fail twice is run; then the branch moves on (a commit that would
 * make them pass); the re-runs still run the original commit, and only the tests they were given.
 */
const CLI = fileURLToPath(new URL('../../cli/bin/qatron.js', import.meta.url));

/** Four order tests, two of which fail while the tax rate is wrong (the next commit corrects it). */
const ORDERS = (taxRate: string) => `"""Order totals with tax."""
import pytest

TAX_RATE = ${taxRate}


def total_with_tax(net):
    return round(net * (1 + TAX_RATE), 2)


def test_zero_order_has_no_tax():
    assert total_with_tax(0) == 0


def test_total_includes_tax():
    assert total_with_tax(100) == 120.0


@pytest.mark.parametrize("net, gross", [(0, 0.0), (50, 60.0)])
def test_gross_totals(net, gross):
    assert total_with_tax(net) == gross
`;
const FAILING = ['tests/test_orders.py::test_gross_totals[50-60.0]', 'tests/test_orders.py::test_total_includes_tax'];

let stack: EngineStack;
let fixtures: string;
let repo: FixtureRepository;
let projectId: number;
let original: { id: number; commit: string };
let head: string;

const em = () => stack.api.orm.em.fork();
const call = (method: string, path: string, json?: unknown) => stack.api.request(method, path, { token: stack.adminToken, ...(json !== undefined ? { json } : {}) });
const FINAL = ['completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'];

async function finished(runId: number, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call('GET', `/api/v1/runs/${runId}`);
    if (FINAL.includes(res.body.status)) return res.body;
    if (Date.now() > deadline) throw new Error(`timed out waiting for run ${runId}: ${res.body.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The real qatron bin against the stack's API, as CI runs it. */
function qatron(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: fixtures, QATRON_CONFIG_DIR: join(fixtures, 'cli'), QATRON_API_URL: stack.api.url, QATRON_TOKEN: stack.adminToken }, timeout: 240_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const nodeIdsOf = async (runId: number) => (await em().find(TestResult, { run: runId }, { orderBy: { nodeId: 'asc' } })).map((r) => r.nodeId);

beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'qatron-rerun-fixtures-'));
  stack = await startEngineStack();
  await Promise.all([stack.startWorker({ name: 'worker-a' }), stack.startWorker({ name: 'worker-b' })]);
  repo = await createFixtureRepository(join(fixtures, 'repo'), { variant: 'green', extraFiles: { 'tests/test_orders.py': ORDERS('0.19') } });
  const project = await call('POST', '/api/v1/projects', { name: 'orders', repo_url: repo.path });
  projectId = project.body.id;
  expect((await call('POST', `/api/v1/projects/${projectId}/environments`, { name: 'staging', kind: 'staging' })).status).toBe(201);
  expect((await call('POST', `/api/v1/projects/${projectId}/suites`, { name: 'regression', shards: 2 })).status).toBe(201);

  const triggered = await call('POST', '/api/v1/runs', { project_id: projectId, suite: 'regression', environment: 'staging' });
  const run = await finished(triggered.body.id);
  // 15 green-fixture tests (one skipped) and 4 order tests, 2 of which fail.
  expect(run, run.status_reason).toMatchObject({ status: expect.stringMatching(/^(failed|partial_failed)$/), commit: repo.commit, total_tests: GREEN_TEST_IDS.length + 4, failed_tests: 2 });
  original = { id: run.id, commit: run.commit };
  // The branch moves on: the tax rate is corrected and a test added. A re-run must not see either.
  head = await commitChange(repo.path, { 'tests/test_orders.py': ORDERS('0.2'), 'tests/test_refunds.py': 'def test_refund_is_negative():\n    assert -5 < 0\n' }, 'correct the tax rate');
}, 360_000);

afterAll(async () => {
  await stack?.close();
  await rm(fixtures, { recursive: true, force: true });
});

describe('re-run what failed, through the real stack', () => {
  it('qatron rerun --failed --wait runs exactly the 2 failed node ids on the original commit, and fails again there', async () => {
    const cli = await qatron(['rerun', String(original.id), '--failed', '--wait', '--output', 'json']);
    // Exit 1: the re-run failed, as it must on the commit where the tax rate is still wrong.
    expect(cli.code, cli.stderr).toBe(1);
    const rerun = JSON.parse(cli.stdout);
    expect(rerun).toMatchObject({ status: 'failed', rerun_of: original.id, rerun_scope: 'failed', commit: original.commit, total_tests: 2, failed_tests: 2, passed_tests: 0 });
    expect(rerun.commit).not.toBe(head);
    expect(rerun.run_metadata).toMatchObject({ selection: { scope: 'failed', shards: null, tests: 2 }, shard_count: 1 });
    expect(rerun.failures.map((f: { node_id: string }) => f.node_id).sort()).toEqual(FAILING);
    expect(await nodeIdsOf(rerun.id)).toEqual(FAILING);
    expect((await em().findOneOrFail(Run, { id: rerun.id })).rerunOf).toBe(original.id);

    const shown = await call('GET', `/api/v1/runs/${original.id}`);
    expect(shown.body.reruns).toEqual([expect.objectContaining({ id: rerun.id, status: 'failed', scope: 'failed', total_tests: 2, failed_tests: 2 })]);
  }, 300_000);

  it("scope shards re-runs every test those shards ran, on the original commit", async () => {
    const originalResults = await em().find(TestResult, { run: original.id });
    const shard = originalResults.find((r) => r.nodeId === FAILING[0])!.shardIndex;
    const expected = originalResults.filter((r) => r.shardIndex === shard).map((r) => r.nodeId).sort();

    const created = await call('POST', `/api/v1/runs/${original.id}/rerun`, { scope: 'shards', shards: [shard] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ rerun_of: original.id, rerun_scope: 'shards', commit: original.commit, run_metadata: { selection: { scope: 'shards', shards: [shard], tests: expected.length } } });
    const rerun = await finished(created.body.id);
    expect(rerun).toMatchObject({ commit: original.commit, total_tests: expected.length, failed_tests: 2 });
    // Which shard of the re-run pulls the orders file decides between the two; never green.
    expect(['failed', 'partial_failed']).toContain(rerun.status);
    // Nothing of the new commit ran: its added test is not there.
    expect(await nodeIdsOf(rerun.id)).toEqual(expected);

    const unknown = await call('POST', `/api/v1/runs/${original.id}/rerun`, { scope: 'shards', shards: [7] });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'unknown_shard', detail: `run ${original.id} has no shard 7; its shards are 0, 1` });
  }, 300_000);
});
