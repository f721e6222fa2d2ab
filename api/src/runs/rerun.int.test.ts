import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, Run, TestResult, type RunStatus, type TestOutcome, type User } from '@qatron/domain';
import { buildEnvironment, buildProject, buildRun, buildSuite } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';
import { RunOut } from './schema.js';

let api: TestApi;
let user: User;
let userToken: string;
let viewerToken: string;

beforeAll(async () => {
  api = await startTestApi();
  ({ user, token: userToken } = await api.userWithToken('user'));
  ({ token: viewerToken } = await api.userWithToken('viewer'));
});
afterAll(() => api.close());

const em = () => api.orm.em.fork();
const COMMIT = '3f2c9a1b7d4e5f60718293a4b5c6d7e8f9012345';

/** Shard 0 and shard 1 of a finished run, as finalizeRun and the shards record them (pytest node ids, pytest's outcomes). */
const RESULTS: Array<[shard: number, nodeId: string, outcome: TestOutcome]> = [
  [0, 'tests/test_cart.py::test_add_item', 'passed'],
  [0, 'tests/test_cart.py::test_remove_item', 'failed'],
  [0, 'tests/test_cart.py::test_total[2-3]', 'passed'],
  [0, 'tests/test_cart.py::TestDiscount::test_coupon[SPRING 10%]', 'error'],
  [1, 'tests/test_checkout.py::test_pay', 'passed'],
  [1, 'tests/test_checkout.py::test_refund', 'skipped'],
  [1, 'tests/test_checkout.py::test_receipt', 'xfailed'],
  [1, 'tests/test_login.py', 'error'],
  // What the shard runner records when pytest's session failed without a test to blame: no node id to select.
  [1, '<pytest session>', 'error'],
];

/** A finished run of a project's suite at COMMIT with two shards and RESULTS. */
async function finishedRun(options: { status?: RunStatus; commit?: string | null; results?: typeof RESULTS } = {}) {
  const project = await buildProject(em(), { organization: api.organization });
  const suite = await buildSuite(em(), { project, name: 'smoke' });
  const environment = await buildEnvironment(em(), { project, name: 'staging', kind: 'staging' });
  const run = await buildRun(em(), { project, suite, environment, status: options.status ?? 'failed', branch: 'main' });
  const db = em();
  const row = await db.findOneOrFail(Run, { id: run.id });
  row.commit = options.commit === undefined ? COMMIT : options.commit;
  row.runMetadata = {
    shard_count: 2,
    shards: [0, 1].map((shard_id) => ({ shard_id, status: 'failed', tests: 4, passed: 1, failed: 1, skipped: 0, flaky: 0, duration: 1.5, attempt: 1, worker: 'worker-a', files: [], reason: null })),
  };
  for (const [shard, nodeId, outcome] of options.results ?? RESULTS) {
    db.persist(new TestResult(row, shard, nodeId, nodeId.split('::')[0]!, outcome, 0.1));
  }
  await db.flush();
  return { project, suite, environment, run: row };
}

const rerun = (runId: number, json: unknown, token = userToken) => api.request('POST', `/api/v1/runs/${runId}/rerun`, { token, json });

describe('POST /api/v1/runs/{id}/rerun', () => {
  it("creates a queued run on the original commit that runs only the failed and errored tests, and audits it", async () => {
    const { run, suite, environment } = await finishedRun();
    const res = await rerun(run.id, { scope: 'failed' });
    expect(res.status).toBe(201);
    expect(RunOut.parse(res.body)).toEqual(res.body);
    expect(res.body).toMatchObject({
      status: 'queued',
      suite_id: suite.id,
      environment_id: environment.id,
      branch: 'main',
      commit: COMMIT,
      triggered_by: user.id,
      rerun_of: run.id,
      rerun_scope: 'failed',
      reruns: [],
      run_metadata: { selection: { scope: 'failed', shards: null, tests: 3 } },
    });
    // The node ids are the workers' business: the answer counts them, the row holds them.
    expect(JSON.stringify(res.body)).not.toContain('test_remove_item');

    const row = await em().findOneOrFail(Run, { id: res.body.id });
    expect(row.rerunOf).toBe(run.id);
    expect(row.commit).toBe(COMMIT);
    expect(row.runMetadata).toEqual({
      selection: { scope: 'failed', shards: null, node_ids: ['tests/test_cart.py::test_remove_item', 'tests/test_cart.py::TestDiscount::test_coupon[SPRING 10%]', 'tests/test_login.py'] },
    });
    const entry = await em().findOneOrFail(AuditLog, { action: 'run.rerun', resourceId: String(row.id) });
    expect(entry).toMatchObject({ userId: user.id, actor: user.username, resourceType: 'run' });
    expect(entry.details).toEqual({ rerun_of: run.id, scope: 'failed', shards: null, tests: 3, commit: COMMIT });
  });

  it('re-runs every test the named shards ran, and the original run lists its re-runs with their status and scope', async () => {
    const { project, run } = await finishedRun({ status: 'partial_failed' });
    const first = await rerun(run.id, { scope: 'failed' });
    const second = await rerun(run.id, { scope: 'shards', shards: [1] });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ rerun_of: run.id, rerun_scope: 'shards', commit: COMMIT, run_metadata: { selection: { scope: 'shards', shards: [1], tests: 4 } } });
    const row = await em().findOneOrFail(Run, { id: second.body.id });
    expect(row.runMetadata.selection?.node_ids).toEqual(['tests/test_checkout.py::test_pay', 'tests/test_checkout.py::test_refund', 'tests/test_checkout.py::test_receipt', 'tests/test_login.py']);

    const shown = await api.request('GET', `/api/v1/runs/${run.id}`, { token: viewerToken });
    expect(shown.status).toBe(200);
    const created_at = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
    const counts = { total_tests: 0, passed_tests: 0, failed_tests: 0, error_tests: 0 };
    expect(shown.body).toMatchObject({ rerun_of: null, rerun_scope: null });
    expect(shown.body.reruns).toEqual([
      { id: first.body.id, status: 'queued', scope: 'failed', ...counts, created_at },
      { id: second.body.id, status: 'queued', scope: 'shards', ...counts, created_at },
    ]);
    const listed = await api.request('GET', `/api/v1/runs?project_id=${project.id}`, { token: viewerToken });
    expect(listed.body.items.map((r: { id: number; rerun_of: number | null; reruns: { id: number }[] }) => [r.id, r.rerun_of, r.reruns.map((x) => x.id)])).toEqual([
      [second.body.id, run.id, []],
      [first.body.id, run.id, []],
      [run.id, null, [first.body.id, second.body.id]],
    ]);
  });

  it('keeps a re-run when its original run is deleted (rerun_of set null)', async () => {
    const { run } = await finishedRun();
    const res = await rerun(run.id, { scope: 'failed' });
    await em().nativeDelete(Run, { id: run.id });
    expect((await em().findOneOrFail(Run, { id: res.body.id })).rerunOf).toBeNull();
  });

  it('answers 404 for an unknown run', async () => {
    const res = await rerun(999_999, { scope: 'failed' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: 404, code: 'not_found', detail: 'Run 999999 not found' });
  });

  it('answers 409 run_not_final while the run is live', async () => {
    const { run } = await finishedRun({ status: 'running' });
    const res = await rerun(run.id, { scope: 'failed' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'run_not_final', detail: `run ${run.id} is running; only a final run can be re-run` });
  });

  it('answers 409 nothing_to_rerun for a run with no failed or errored test (a failed session is not a test)', async () => {
    const { run } = await finishedRun({
      status: 'failed',
      results: [
        [0, 'tests/test_cart.py::test_add_item', 'passed'],
        [0, '<pytest session>', 'error'],
      ],
    });
    const res = await rerun(run.id, { scope: 'failed' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'nothing_to_rerun', detail: `run ${run.id} has no failed or errored tests to re-run` });
    expect(await em().count(Run, { rerunOf: run.id })).toBe(0);
  });

  it('answers 400 unknown_shard for a shard index the run did not have', async () => {
    const { run } = await finishedRun();
    const res = await rerun(run.id, { scope: 'shards', shards: [0, 2, 5] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'unknown_shard', detail: `run ${run.id} has no shard 2, 5; its shards are 0, 1` });
  });

  it('answers 409 commit_unknown for a run that ended before its commit was resolved', async () => {
    const { run } = await finishedRun({ status: 'infra_failed', commit: null });
    const res = await rerun(run.id, { scope: 'failed' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'commit_unknown' });
    expect(res.body.detail).toContain(`run ${run.id} never resolved its commit`);
  });

  it('answers 422 for shards missing with scope shards or given with scope failed, and 403 to a viewer', async () => {
    const { run } = await finishedRun();
    const missing = await rerun(run.id, { scope: 'shards' });
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([{ field: 'shards', message: 'is required with scope shards' }]);
    const extra = await rerun(run.id, { scope: 'failed', shards: [0] });
    expect(extra.status).toBe(422);
    expect(extra.body.errors).toEqual([{ field: 'shards', message: 'is only for scope shards' }]);
    expect((await rerun(run.id, { scope: 'everything' })).status).toBe(422);
    expect((await rerun(run.id, { scope: 'failed' }, viewerToken)).status).toBe(403);
  });
});
