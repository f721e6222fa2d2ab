import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitChange, createFixtureRepository, GREEN_TEST_IDS } from '@qatron/activities/testing/fixture-repo';
import { startEngineStack, type EngineStack } from './testing/stack.js';

/**
 * Per-test health through the real stack (issue 15 item 1): six runs of the fixture shop's tests
 * with real pytest. One test fails on every other run on the same commit (an inventory replica
 * that lags every other sync round): flaky. One starts failing at a new commit (an off-by-one in
 * the free-shipping threshold) and keeps failing: broken, never flaky.
 */
const REPLICA_TEST = 'tests/test_replica.py::test_inventory_replica_is_in_sync';
const SHIPPING_TEST = 'tests/test_pricing.py::test_free_shipping_over_the_threshold';
const SKIPPED_TEST = 'tests/test_pricing.py::test_express_shipping';

const REPLICA_FILE = `import os


def test_inventory_replica_is_in_sync():
    # The staging replica lags behind the primary on every other sync round; the code is the same.
    sync_round = int(os.environ.get("SHOP_SYNC_ROUND", "1"))
    assert sync_round % 2 == 1, f"replica is behind the primary in sync round {sync_round}"
`;

const OFF_BY_ONE_PRICING = `def apply_discount(amount, percent):
    if not 0 <= percent <= 100:
        raise ValueError("percent must be between 0 and 100")
    return round(amount * (100 - percent) / 100, 2)


def shipping_cost(total, express=False):
    if express:
        return 15.0
    return 0.0 if total > 50 else 4.99
`;

let stack: EngineStack;
let fixtures: string;
let repoPath: string;
let projectId: number;
let environmentId: number;

const call = (method: string, path: string, json?: unknown) => stack.api.request(method, path, { token: stack.adminToken, ...(json !== undefined ? { json } : {}) });

beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'qatron-test-health-'));
  stack = await startEngineStack();
  await stack.startWorker({ name: 'worker-health' });
  const repo = await createFixtureRepository(join(fixtures, 'repo'), { extraFiles: { 'tests/test_replica.py': REPLICA_FILE } });
  repoPath = repo.path;
  projectId = (await call('POST', '/api/v1/projects', { name: 'shop', repo_url: repo.path })).body.id;
  environmentId = (await call('POST', `/api/v1/projects/${projectId}/environments`, { name: 'staging', kind: 'staging' })).body.id;
  expect((await call('POST', `/api/v1/projects/${projectId}/suites`, { name: 'regression', shards: 1, coverage: false })).status).toBe(201);
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await rm(fixtures, { recursive: true, force: true });
});

describe('test health over real runs', () => {
  const runIds: number[] = [];

  it('runs six times: the replica test flips on one commit, the shipping test breaks at the fourth run\'s commit', async () => {
    for (let round = 1; round <= 6; round += 1) {
      if (round === 4) await commitChange(repoPath, { 'src/shop/pricing.py': OFF_BY_ONE_PRICING }, 'Free shipping only above 50');
      expect((await call('PUT', `/api/v1/environments/${environmentId}`, { variables: { SHOP_SYNC_ROUND: String(round) } })).status).toBe(200);
      const run = await stack.runToEnd({ project_id: projectId, suite: 'regression', environment: 'staging' });
      // Rounds 1 and 3 are all green: the replica is in sync and the threshold not yet broken.
      expect(run.status, `run ${round}`).toBe(round === 1 || round === 3 ? 'completed' : 'failed');
      runIds.push(run.id);
    }
  }, 900_000);

  it('classifies the replica test flaky by same-commit disagreement, the shipping test broken since the new commit', async () => {
    const flaky = await call('GET', `/api/v1/projects/${projectId}/tests?classification=flaky`);
    expect(flaky.body.items.map((t: { node_id: string }) => t.node_id)).toEqual([REPLICA_TEST]);
    expect(flaky.body.items[0]).toMatchObject({ rule: 'same_commit_disagreement', runs: 6, failures: 3, flips: 5, flip_rate: 1, same_commit_disagreements: 2, evidence: { run_ids: runIds } });

    const broken = await call('GET', `/api/v1/projects/${projectId}/tests?classification=broken`);
    expect(broken.body.items.map((t: { node_id: string }) => t.node_id)).toEqual([SHIPPING_TEST]);
    expect(broken.body.items[0]).toMatchObject({ rule: 'failing_since_clean_history', runs: 6, failures: 3, flips: 1, evidence: { run_ids: runIds.slice(3) }, last_failure_run_id: runIds[5] });

    const stable = await call('GET', `/api/v1/projects/${projectId}/tests?classification=stable&limit=200`);
    const expectedStable = GREEN_TEST_IDS.filter((id) => id !== SHIPPING_TEST && id !== SKIPPED_TEST);
    expect(stable.body.items.map((t: { node_id: string }) => t.node_id).sort()).toEqual([...expectedStable].sort());
    expect((await call('GET', `/api/v1/projects/${projectId}/tests?text=test_express_shipping`)).body.total).toBe(0);
  });

  it("answers the broken test's history: passes on the first commit, failures on the second", async () => {
    const broken = (await call('GET', `/api/v1/projects/${projectId}/tests?classification=broken`)).body.items[0];
    const detail = await call('GET', `/api/v1/projects/${projectId}/tests/${broken.id}`);
    expect(detail.status).toBe(200);
    const history: Array<{ run_id: number; outcome: string; commit: string }> = detail.body.history;
    expect(history.map((e) => [e.run_id, e.outcome])).toEqual(runIds.map((id, i) => [id, i < 3 ? 'passed' : 'failed']));
    expect(new Set(history.slice(0, 3).map((e) => e.commit)).size).toBe(1);
    expect(history[3]!.commit).not.toBe(history[0]!.commit);
    expect(detail.body.evidence.detail).toContain(`failing since run ${runIds[3]}`);
  });
});
