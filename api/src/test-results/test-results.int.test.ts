import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestResult, type Run, type TestOutcome } from '@qatron/domain';
import { buildOrganization, buildProject, buildRun, buildServiceToken } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';
import { TestResultPage } from './schema.js';

let api: TestApi;
let viewerToken: string;
let run: Run;

const em = () => api.orm.em.fork();

async function record(target: Run, shard: number, nodeId: string, outcome: TestOutcome, extra: Partial<TestResult> = {}) {
  const fork = em();
  const row = new TestResult(target, shard, nodeId, nodeId.split('::')[0]!, outcome, 0.5);
  Object.assign(row, extra);
  await fork.persist(row).flush();
}

beforeAll(async () => {
  api = await startTestApi();
  ({ token: viewerToken } = await api.userWithToken('viewer'));
  run = await buildRun(em(), { project: await buildProject(em(), { organization: api.organization }) });
  await record(run, 0, 'tests/test_a.py::test_ok', 'passed');
  await record(run, 0, 'tests/test_a.py::test_broken', 'failed', { message: 'assert 1 == 2' });
  await record(run, 1, 'tests/test_b.py::test_retried', 'passed', { flaky: true, attempts: 2 });
  await record(run, 1, 'tests/test_b.py::test_later', 'skipped', { message: 'not yet' });
});
afterAll(() => api.close());

const list = (query = '', token = viewerToken, id = run.id) => api.request('GET', `/api/v1/runs/${id}/tests${query}`, { token });

describe('GET /api/v1/runs/:id/tests', () => {
  it('lists every result, matching the contract', async () => {
    const res = await list();
    expect(res.status).toBe(200);
    expect(TestResultPage.parse(res.body)).toEqual(res.body);
    expect(res.body.total).toBe(4);
    expect(res.body.items.map((t: { node_id: string }) => t.node_id).sort()).toEqual([
      'tests/test_a.py::test_broken',
      'tests/test_a.py::test_ok',
      'tests/test_b.py::test_later',
      'tests/test_b.py::test_retried',
    ]);
  });

  it('filters by outcome, flakiness and shard', async () => {
    const failed = await list('?outcome=failed');
    expect(failed.body.items).toEqual([
      expect.objectContaining({ node_id: 'tests/test_a.py::test_broken', outcome: 'failed', message: 'assert 1 == 2', shard_index: 0, file: 'tests/test_a.py' }),
    ]);
    expect((await list('?flaky=true')).body.items.map((t: { node_id: string; attempts: number }) => [t.node_id, t.attempts])).toEqual([['tests/test_b.py::test_retried', 2]]);
    expect((await list('?shard=1')).body.total).toBe(2);
    const bad = await list('?outcome=exploded');
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('query.outcome');
  });

  it("answers 401 without a token and 404 for runs the caller cannot see", async () => {
    expect((await api.request('GET', `/api/v1/runs/${run.id}/tests`)).status).toBe(401);
    const foreign = await buildRun(em(), { project: await buildProject(em(), { organization: await buildOrganization(em()) }) });
    expect((await list('', viewerToken, foreign.id)).status).toBe(404);
    const other = await buildProject(em(), { organization: api.organization });
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: other, role: 'viewer' });
    expect((await list('', scoped.token)).status).toBe(404);
  });
});
