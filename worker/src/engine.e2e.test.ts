import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Run, RunArtifact, ScenarioResult, TestResult, type RunStatus } from '@qatron/domain';
import { COUNTING_FILES } from '@qatron/activities/testing/counting-files';
import { fixtureEnvironment } from '@qatron/activities/testing/fixture-environment';
import { createFixtureRepository, FAILING_TEST_ID, GREEN_TEST_IDS } from '@qatron/activities/testing/fixture-repo';
import { pytestReference } from '@qatron/activities/testing/pytest-summary';
import { E2E_WORKER_CACHE, startEngineStack, type EngineStack } from './testing/stack.js';

/**
 * The run engine end to end (issue "Run engine", Done when): API → Temporal → worker processes →
 * real pytest on a fixture repository built by the test, with `shards: 4`, reaching every final
 * status through a real scenario, and a run that survives a worker killed mid-shard.
 */
let stack: EngineStack;
let fixtures: string;

beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'qatron-engine-fixtures-'));
  stack = await startEngineStack();
  await Promise.all([stack.startWorker({ name: 'worker-a' }), stack.startWorker({ name: 'worker-b' })]);
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await rm(fixtures, { recursive: true, force: true });
});

const FINAL: RunStatus[] = ['completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'];
const em = () => stack.api.orm.em.fork();

async function call(method: string, path: string, json?: unknown) {
  const res = await stack.api.request(method, path, { token: stack.adminToken, ...(json !== undefined ? { json } : {}) });
  return res;
}

let projects = 0;
/** A project on a fresh fixture repository with a staging environment and one suite. */
async function projectWith(fixture: Parameters<typeof createFixtureRepository>[1], suite: Record<string, unknown>) {
  const repo = await createFixtureRepository(join(fixtures, `repo-${++projects}`), fixture);
  const project = await call('POST', '/api/v1/projects', { name: `shop-${projects}`, repo_url: repo.path });
  expect(project.status).toBe(201);
  const environment = await call('POST', `/api/v1/projects/${project.body.id}/environments`, {
    name: 'staging',
    kind: 'staging',
    base_url: 'https://staging.shop.test',
    variables: { SHOP_CURRENCY: 'EUR' },
  });
  expect(environment.status).toBe(201);
  const created = await call('POST', `/api/v1/projects/${project.body.id}/suites`, { name: 'regression', shards: 4, ...suite });
  expect(created.status).toBe(201);
  return { projectId: project.body.id as number, repo };
}

async function trigger(projectId: number): Promise<number> {
  const res = await call('POST', '/api/v1/runs', { project_id: projectId, suite: 'regression', environment: 'staging' });
  expect(res.status).toBe(201);
  expect(res.body.status).toBe('queued');
  return res.body.id;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function finished(runId: number, timeoutMs = 150_000) {
  return waitFor(
    `run ${runId} to finish`,
    async () => {
      const res = await call('GET', `/api/v1/runs/${runId}`);
      return FINAL.includes(res.body.status) ? res.body : undefined;
    },
    timeoutMs,
  );
}

/** Waits until a final run's report status is settled (it follows the verdict). */
async function reportSettled(runId: number) {
  return waitFor(
    `run ${runId}'s report status`,
    async () => {
      const res = await call('GET', `/api/v1/runs/${runId}`);
      return FINAL.includes(res.body.status) && res.body.report_status !== 'pending' ? res.body : undefined;
    },
    60_000,
  );
}

/** Waits until every shard of a live run reports `running` through the workflow's progress query. */
async function allShardsRunning(runId: number, shards: number) {
  return waitFor(
    `run ${runId}'s ${shards} shards to run`,
    async () => {
      const res = await call('GET', `/api/v1/runs/${runId}`);
      const live = res.body.progress?.shards ?? [];
      return live.length === shards && live.every((s: { status: string }) => s.status === 'running') ? res.body : undefined;
    },
    120_000,
  );
}

/** pytest processes still running for a run (their work trees are under runs/<id>/). */
function strayPytest(runId: number): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  const marker = join(E2E_WORKER_CACHE, 'runs', String(runId)) + '/';
  return ps.split('\n').filter((line) => line.includes('pytest') && line.includes(marker));
}

describe('run engine, 4 shards', () => {
  it('completes a green suite: 4 shards in parallel, counts summed, per-test results and artifacts stored', async () => {
    const { projectId, repo } = await projectWith({ variant: 'green' }, {});
    const runId = await trigger(projectId);
    const run = await finished(runId);
    expect(run).toMatchObject({
      status: 'completed',
      commit: repo.commit,
      total_tests: GREEN_TEST_IDS.length,
      // The fixture's express-shipping test is marked skip.
      passed_tests: GREEN_TEST_IDS.length - 1,
      failed_tests: 0,
      skipped_tests: 1,
      progress: null,
    });
    expect(run.started_at).not.toBeNull();
    expect(run.completed_at).not.toBeNull();
    const shards = run.run_metadata.shards as Array<{ shard_id: number; status: string; tests: number; duration: number; worker: string }>;
    expect(run.run_metadata.shard_count).toBe(4);
    expect(shards.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    expect(shards.reduce((n, s) => n + s.tests, 0)).toBe(GREEN_TEST_IDS.length);
    expect(run.duration_seconds).toBe(Math.max(...shards.map((s) => s.duration)));
    // Work is pulled: each file went to exactly one shard, whichever asked first.
    expect(shards.flatMap((s) => (s as unknown as { files: string[] }).files).sort()).toEqual(['tests/test_cart.py', 'tests/test_checkout_steps.py', 'tests/test_inventory.py', 'tests/test_pricing.py']);
    expect(run.run_metadata.plan).toMatchObject({ work: 'pulled', total_tests: GREEN_TEST_IDS.length, total_files: 4, basis: 'test_count' });

    const results = await em().find(TestResult, { run: runId }, { orderBy: { nodeId: 'asc' } });
    expect(results.map((r) => r.nodeId)).toEqual([...GREEN_TEST_IDS].sort());
    expect(results.filter((r) => r.outcome !== 'passed').map((r) => [r.nodeId, r.outcome])).toEqual([['tests/test_pricing.py::test_express_shipping', 'skipped']]);
    expect(results.every((r) => r.durationSeconds >= 0)).toBe(true);

    const artifacts = await call('GET', `/api/v1/runs/${runId}/artifacts`);
    expect(artifacts.status).toBe(200);
    const kinds = (artifacts.body.items as Array<{ kind: string; shard_index: number }>).map((a) => `${a.shard_index}:${a.kind}`).sort();
    for (const k of [0, 1, 2, 3]) expect(kinds).toEqual(expect.arrayContaining([`${k}:junit`, `${k}:allure_results`, `${k}:coverage_data`, `${k}:log`]));
    const junit = artifacts.body.items.find((a: { kind: string }) => a.kind === 'junit');
    const download = await fetch(stack.api.url + junit.download_url, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    expect(download.status).toBe(200);
    expect(await download.text()).toContain('<testsuite');

    // The environment's base URL and variables reached the tests.
    const log = artifacts.body.items.find((a: { kind: string }) => a.kind === 'log');
    expect((await fetch(stack.api.url + log.download_url, { headers: { authorization: `Bearer ${stack.adminToken}` } })).status).toBe(200);
  });

  it('counts a repository with import-time skips, collection errors, xfails and aliasing ids exactly as pytest -rA does', async () => {
    const { projectId, repo } = await projectWith({ variant: 'green', extraFiles: COUNTING_FILES }, { shards: 2 });
    const [run, reference] = await Promise.all([finished(await trigger(projectId)), fixtureEnvironment(repo.path).then((env) => pytestReference(env.python, repo.path))]);
    expect({ passed: run.passed_tests, failed: run.failed_tests, error: run.error_tests, skipped: run.skipped_tests, xfailed: run.xfailed_tests, xpassed: run.xpassed_tests }).toEqual(reference);
    expect(Object.values(reference).every((n) => n > 0)).toBe(true);
    // Failures and errors in the run: never green; which shards failed depends on the plan.
    expect(['failed', 'partial_failed']).toContain(run.status);
    const results = await em().find(TestResult, { run: run.id });
    expect(results.find((r) => r.nodeId === 'tests/test_optional_numpy.py')).toMatchObject({ outcome: 'skipped' });
    expect(results.find((r) => r.nodeId === 'tests/test_reports_export.py')).toMatchObject({ outcome: 'error' });
    expect(results.filter((r) => r.nodeId.startsWith('tests/test_outcomes.py::test_aliasing_ids[')).map((r) => r.nodeId).sort()).toEqual([
      'tests/test_outcomes.py::test_aliasing_ids[1.0]',
      'tests/test_outcomes.py::test_aliasing_ids[1_0]',
      'tests/test_outcomes.py::test_aliasing_ids[1_1]',
    ]);
    const shards = run.run_metadata.shards as Array<{ passed: number; error: number; xfailed: number }>;
    expect(shards.reduce((n, s) => n + s.error, 0)).toBe(reference.error);
  });

  it('runs a repository that pins pytest 7.4 and pytest-bdd 6 as it is: its pins kept, counts equal to its own pytest -rA, scenarios mapped', async () => {
    const pins = { 'requirements.txt': 'pytest==7.4.4\npytest-bdd==6.1.1\n' };
    const { projectId, repo } = await projectWith({ variant: 'green', extraFiles: { ...pins, ...COUNTING_FILES } }, { shards: 2 });
    const environment = await fixtureEnvironment(repo.path);
    const [run, reference] = await Promise.all([finished(await trigger(projectId)), pytestReference(environment.python, repo.path)]);
    expect(execFileSync(environment.python, ['-c', 'from importlib.metadata import version; print(version("pytest"), version("pytest-bdd"))'], { encoding: 'utf8' }).trim()).toBe('7.4.4 6.1.1');
    expect(run.status_reason ?? '').not.toContain('Provisioning failed');
    expect({ passed: run.passed_tests, failed: run.failed_tests, error: run.error_tests, skipped: run.skipped_tests, xfailed: run.xfailed_tests, xpassed: run.xpassed_tests }).toEqual(reference);
    // Each BDD result, each outline row on its own, landed on its scenario.
    const mapped = await em().find(ScenarioResult, { run: run.id });
    expect(mapped.length).toBe(4);
  });

  it('fails a suite that selects no tests ("no tests collected"), unless the suite allows an empty selection', async () => {
    const { projectId } = await projectWith({ variant: 'green' }, { keywords: 'nothing_is_called_like_this' });
    const empty = await finished(await trigger(projectId));
    expect(empty).toMatchObject({ status: 'failed', total_tests: 0 });
    expect(await reportSettled(empty.id)).toMatchObject({ status: 'failed', report_status: 'skipped' });
    expect(empty.status_reason).toContain('no tests collected');
    const allowed = await call('POST', `/api/v1/projects/${projectId}/suites`, { name: 'placeholder', keywords: 'nothing_is_called_like_this', allow_empty: true });
    expect(allowed.status).toBe(201);
    const res = await call('POST', '/api/v1/runs', { project_id: projectId, suite: 'placeholder', environment: 'staging' });
    const run = await finished(res.body.id);
    expect(run).toMatchObject({ status: 'completed', status_reason: 'no tests collected (the suite allows an empty selection)' });
  });

  it("ends failed, not infra_failed, when the repository's own conftest.py cannot be imported", async () => {
    const { projectId } = await projectWith({ variant: 'green', extraFiles: { 'conftest.py': 'import shop.settings_that_were_deleted\n' } }, {});
    const run = await finished(await trigger(projectId));
    expect(run.status).toBe('failed');
    // Each shard's pytest stops at the broken conftest.py: a usage error, the repository's own.
    expect(run.status_reason).toMatch(/^Shard \d: pytest failed with exit code 4 \(usage error/);
    expect(run.status_reason).toContain('shop.settings_that_were_deleted');
  });

  it('ends partial_failed when one shard has a failing test', async () => {
    const { projectId } = await projectWith({ variant: 'failing' }, {});
    const run = await finished(await trigger(projectId));
    expect(run.failed_tests).toBe(1);
    expect(run.passed_tests).toBe(GREEN_TEST_IDS.length - 1);
    // Work is pulled: which shard takes which file (and whether one takes them all) is the
    // machine's doing. Exactly one shard holds the failure; the others passed or stayed idle.
    const shards = run.run_metadata.shards as Array<{ status: string; tests: number }>;
    expect(shards.map((s) => s.status).sort()).toEqual(['failed', 'passed', 'passed', 'passed']);
    const passedWithTests = shards.filter((s) => s.status === 'passed' && s.tests > 0).length;
    // PRD 9.2: mixed shard results are partial_failed; a failure in the only shard that ran is failed.
    expect(run.status).toBe(passedWithTests > 0 ? 'partial_failed' : 'failed');
    const failing = await em().findOneOrFail(TestResult, { run: run.id, nodeId: FAILING_TEST_ID });
    expect(failing.outcome).toBe('failed');
    expect(failing.message).toContain('assert');
    // Failure groups (issue 15 item 4): the shard fingerprints the failure from pytest's JUnit text.
    expect(failing).toMatchObject({ exceptionType: 'AssertionError', normalizedMessage: 'the cart does not add VAT', failureFrame: 'tests/test_failing.py::test_total_includes_tax', fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it('ends failed when every shard fails', async () => {
    const broken = Object.fromEntries(
      [1, 2, 3, 4].map((i) => [`tests/test_broken_${i}.py`, `import pytest\n\n\n@pytest.mark.regression\ndef test_broken_${i}():\n    assert ${i} == 0\n`]),
    );
    const { projectId } = await projectWith({ variant: 'green', extraFiles: broken }, { keywords: 'broken' });
    const run = await finished(await trigger(projectId));
    expect(run.status).toBe('failed');
    expect([run.total_tests, run.failed_tests, run.passed_tests]).toEqual([4, 4, 0]);
  });

  it('ends timed_out when the suite timeout fires: shards cancelled, no pytest left behind', async () => {
    const { projectId } = await projectWith({ variant: 'green', slowFiles: { count: 4, seconds: 120 } }, { keywords: 'slow', timeout_seconds: 10 });
    const runId = await trigger(projectId);
    const run = await finished(runId);
    expect(run.status).toBe('timed_out');
    expect(run.status_reason).toContain('Suite timeout of 10 s');
    expect((run.run_metadata.shards as Array<{ status: string }>).map((s) => s.status)).toEqual(['timed_out', 'timed_out', 'timed_out', 'timed_out']);
    expect(strayPytest(runId)).toEqual([]);
  });

  it('cancels through the API within seconds, killing every pytest process', async () => {
    const { projectId } = await projectWith({ variant: 'green', slowFiles: { count: 4, seconds: 120 } }, { keywords: 'slow' });
    const runId = await trigger(projectId);
    const live = await allShardsRunning(runId, 4);
    expect(live.status).toBe('running');
    expect(live.progress.shards.map((s: { worker: string }) => s.worker).sort()).toEqual(['worker-a', 'worker-a', 'worker-b', 'worker-b']);
    // A shard reports running as soon as a worker takes it; pytest starts once its checkout and venv are ready.
    await waitFor('pytest to start in all 4 shards', async () => (strayPytest(runId).length >= 4 ? true : undefined), 60_000);
    const started = Date.now();
    const cancel = await call('PUT', `/api/v1/runs/${runId}`, { status: 'cancelled' });
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
    await waitFor('the pytest processes to end', async () => (strayPytest(runId).length === 0 ? true : undefined), 15_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    const run = await waitFor(
      'the workflow to record the cancellation',
      async () => {
        const row = await em().findOneOrFail(Run, { id: runId });
        return (row.runMetadata.shards as unknown[] | undefined)?.length === 4 ? row : undefined;
      },
      30_000,
    );
    expect(run.status).toBe('cancelled');
    expect((run.runMetadata.shards as Array<{ status: string }>).map((s) => s.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
  });

  it('survives a worker killed mid-shard: the shard runs again elsewhere, results are not duplicated', async () => {
    const { projectId } = await projectWith({ variant: 'green', slowFiles: { count: 4, seconds: 6 } }, { keywords: 'slow' });
    const runId = await trigger(projectId);
    await allShardsRunning(runId, 4);
    await waitFor('pytest to start in all 4 shards', async () => (strayPytest(runId).length >= 4 ? true : undefined), 60_000);
    const victim = stack.workers.find((w) => w.name === 'worker-a')!;
    await victim.kill();
    const rescuer = await stack.startWorker({ name: 'worker-c' });
    const run = await finished(runId);
    expect(run.status).toBe('completed');
    expect([run.total_tests, run.passed_tests]).toEqual([4, 4]);
    const shards = run.run_metadata.shards as Array<{ worker: string; attempt: number }>;
    expect(shards.filter((s) => s.attempt >= 2).length).toBe(2);
    expect(shards.some((s) => s.worker === 'worker-a')).toBe(false);
    expect(await em().count(TestResult, { run: runId })).toBe(4);
    const logs = await em().find(RunArtifact, { run: runId, kind: 'log' });
    expect(logs.map((a) => a.shardIndex).sort()).toEqual([0, 1, 2, 3]);
    expect(rescuer.name).toBe('worker-c');
  });

  it('ends infra_failed with pip’s error when the environment cannot be installed', async () => {
    const { projectId } = await projectWith({ variant: 'green', extraFiles: { 'requirements.txt': 'qatron-no-such-package-anywhere==9.9.9\n' } }, {});
    const run = await finished(await trigger(projectId));
    expect(run.status).toBe('infra_failed');
    expect(run.status_reason).toContain('qatron-no-such-package-anywhere');
  });

  it('ends infra_failed when no worker takes the work within the schedule-to-start timeout', async () => {
    const lonely = await startEngineStack({ env: { SHARD_SCHEDULE_TO_START_SECONDS: '3' } });
    try {
      await lonely.startWorker({ name: 'control-only', env: { WORKER_TASK_QUEUES: 'qatron-control' } });
      const repo = await createFixtureRepository(join(fixtures, 'repo-lonely'), { variant: 'green' });
      const as = (method: string, path: string, json?: unknown) => lonely.api.request(method, path, { token: lonely.adminToken, json });
      const project = await as('POST', '/api/v1/projects', { name: 'lonely', repo_url: repo.path });
      await as('POST', `/api/v1/projects/${project.body.id}/environments`, { name: 'staging', kind: 'staging' });
      await as('POST', `/api/v1/projects/${project.body.id}/suites`, { name: 'regression', shards: 4 });
      const created = await as('POST', '/api/v1/runs', { project_id: project.body.id, suite: 'regression', environment: 'staging' });
      const run = await waitFor(
        'the lonely run to end',
        async () => {
          const res = await as('GET', `/api/v1/runs/${created.body.id}`);
          return FINAL.includes(res.body.status) ? res.body : undefined;
        },
        60_000,
      );
      expect(run.status).toBe('infra_failed');
      expect(run.status_reason).toContain('No worker picked up the work in time');
    } finally {
      await lonely.close();
    }
  });
});
