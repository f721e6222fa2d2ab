import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestResult, type Project, type Run, type TestOutcome } from '@qatron/domain';
import { fingerprintFailure } from '@qatron/domain/failures/fingerprint';
import { buildEnvironment, buildOrganization, buildProject, buildRun, buildServiceToken, buildSuite } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';
import { ProjectFailureGroups, RunFailureGroups } from './schema.js';

let api: TestApi;
let viewerToken: string;
let project: Project;
let first: Run;
let second: Run;

const em = () => api.orm.em.fork();

/** pytest's texts of a rewritten assert failing in test_totals, for `got`. */
const totalsAssert = (got: number) => ({
  message: `assert ${got} == 100\n +  where ${got} = order_total()`,
  traceback: `def test_totals():\n>       assert order_total() == 100\nE       assert ${got} == 100\nE        +  where ${got} = order_total()\n\ntests/test_orders.py:12: AssertionError`,
});
const refused = (port: number) => ({
  message: `requests.exceptions.ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=${port}): Max retries exceeded with url: /health (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f3b2c1d0e${port % 100}>: Failed to establish a new connection: [Errno 111] Connection refused'))`,
  traceback: null,
});
const keyError = { message: "KeyError: 'pen'", traceback: `def test_pen_price():\n>       assert PRICES["pen"] == 3\nE       KeyError: 'pen'\n\ntests/test_catalog.py:7: KeyError` };

/** A stored result, fingerprinted as the shard activity does when it records a failure. */
async function record(run: Run, nodeId: string, outcome: TestOutcome, failure?: { message: string; traceback: string | null }) {
  const fork = em();
  const row = new TestResult(run, 0, nodeId, nodeId.split('::')[0]!, outcome, 0.2);
  if (failure) {
    const group = fingerprintFailure(failure);
    Object.assign(row, { message: failure.message, fingerprint: group.fingerprint, exceptionType: group.exceptionType, normalizedMessage: group.normalizedMessage, failureFrame: group.frame });
  }
  await fork.persist(row).flush();
}

beforeAll(async () => {
  api = await startTestApi();
  ({ token: viewerToken } = await api.userWithToken('viewer'));
  project = await buildProject(em(), { organization: api.organization });
  const suite = await buildSuite(em(), { project });
  const environment = await buildEnvironment(em(), { project });
  first = await buildRun(em(), { project, suite, environment, status: 'failed' });
  await record(first, 'tests/test_orders.py::test_totals[a]', 'failed', totalsAssert(90));
  await record(first, 'tests/test_orders.py::test_totals[b]', 'failed', totalsAssert(95));
  await record(first, 'tests/test_catalog.py::test_pen_price', 'failed', keyError);
  second = await buildRun(em(), { project, suite, environment, status: 'failed' });
  await record(second, 'tests/test_orders.py::test_totals[a]', 'failed', totalsAssert(91));
  await record(second, 'tests/test_orders.py::test_totals[b]', 'failed', totalsAssert(92));
  await record(second, 'tests/test_orders.py::test_totals[c]', 'failed', totalsAssert(93));
  await record(second, 'tests/test_health.py::test_api_up', 'error', refused(8081));
  await record(second, 'tests/test_health.py::test_db_up', 'failed', refused(5432));
  await record(second, 'tests/test_catalog.py::test_book_price', 'passed');
  // A failure stored before failure groups existed has no fingerprint.
  await record(second, 'tests/test_legacy.py::test_old', 'failed');
  // Another project failing the same way does not make the group known here.
  const other = await buildRun(em(), { project: await buildProject(em(), { organization: api.organization }), status: 'failed' });
  await record(other, 'tests/test_health.py::test_api_up', 'failed', refused(9000));
});
afterAll(() => api.close());

const get = (path: string, token = viewerToken) => api.request('GET', path, { token });
const totals = fingerprintFailure(totalsAssert(1)).fingerprint;
const connection = fingerprintFailure(refused(1)).fingerprint;
const pen = fingerprintFailure(keyError).fingerprint;

describe('GET /api/v1/runs/:id/failure-groups', () => {
  it('groups the run’s failures by cause, largest first, known when an earlier run of the project had them', async () => {
    const res = await get(`/api/v1/runs/${second.id}/failure-groups`);
    expect(res.status).toBe(200);
    expect(RunFailureGroups.parse(res.body)).toEqual(res.body);
    expect(res.body).toEqual({
      run_id: second.id,
      failures: 6,
      ungrouped: 1,
      groups: [
        {
          fingerprint: totals,
          count: 3,
          exception_type: 'AssertionError',
          message: totalsAssert(91).message,
          normalized_message: 'assert <n> == <n>',
          frame: 'tests/test_orders.py::test_totals',
          node_ids: ['tests/test_orders.py::test_totals[a]', 'tests/test_orders.py::test_totals[b]', 'tests/test_orders.py::test_totals[c]'],
          known: true,
          first_seen_run_id: first.id,
        },
        {
          fingerprint: connection,
          count: 2,
          exception_type: 'requests.exceptions.ConnectionError',
          message: refused(8081).message,
          normalized_message: expect.stringContaining("HTTPConnectionPool(host='<ip>', port=<n>)"),
          frame: null,
          node_ids: ['tests/test_health.py::test_api_up', 'tests/test_health.py::test_db_up'],
          known: false,
          first_seen_run_id: second.id,
        },
      ],
    });
  });

  it('answers every group of the first run as new', async () => {
    const res = await get(`/api/v1/runs/${first.id}/failure-groups`);
    expect(res.status).toBe(200);
    expect(res.body.groups.map((g: { fingerprint: string; count: number; known: boolean; first_seen_run_id: number }) => [g.fingerprint, g.count, g.known, g.first_seen_run_id])).toEqual(
      [
        [totals, 2, false, first.id],
        [pen, 1, false, first.id],
      ].sort((a, b) => Number(b[1]) - Number(a[1]) || String(a[0]).localeCompare(String(b[0]))),
    );
  });

  it('answers 404 for an unknown run or one the caller cannot see, 401 without a token', async () => {
    expect((await get('/api/v1/runs/2147483000/failure-groups')).status).toBe(404);
    const foreign = await buildRun(em(), { project: await buildProject(em(), { organization: await buildOrganization(em()) }) });
    expect((await get(`/api/v1/runs/${foreign.id}/failure-groups`)).status).toBe(404);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: await buildProject(em(), { organization: api.organization }), role: 'viewer' });
    expect((await get(`/api/v1/runs/${second.id}/failure-groups`, scoped.token)).status).toBe(404);
    expect((await api.request('GET', `/api/v1/runs/${second.id}/failure-groups`)).status).toBe(401);
  });
});

describe('GET /api/v1/projects/:id/failure-groups', () => {
  it('answers the top groups over the latest runs with the runs and tests they affected', async () => {
    const res = await get(`/api/v1/projects/${project.id}/failure-groups`);
    expect(res.status).toBe(200);
    expect(ProjectFailureGroups.parse(res.body)).toEqual(res.body);
    expect(res.body.project_id).toBe(project.id);
    expect(res.body.runs).toBe(2);
    expect(res.body.groups.map((g: Record<string, unknown>) => [g.fingerprint, g.count, g.runs_affected, g.tests, g.first_seen_run_id, g.last_seen_run_id])).toEqual([
      [totals, 5, 2, 3, first.id, second.id],
      [connection, 2, 1, 2, second.id, second.id],
      [pen, 1, 1, 1, first.id, first.id],
    ]);
    expect(res.body.groups[0]).toMatchObject({ exception_type: 'AssertionError', normalized_message: 'assert <n> == <n>', frame: 'tests/test_orders.py::test_totals', message: totalsAssert(91).message });
  });

  it('looks at the last `runs` runs only, and caps the groups at `limit`', async () => {
    const latest = await get(`/api/v1/projects/${project.id}/failure-groups?runs=1`);
    expect(latest.body.runs).toBe(1);
    expect(latest.body.groups.map((g: Record<string, unknown>) => [g.fingerprint, g.count, g.runs_affected, g.first_seen_run_id])).toEqual([
      [totals, 3, 1, first.id],
      [connection, 2, 1, second.id],
    ]);
    expect((await get(`/api/v1/projects/${project.id}/failure-groups?limit=1`)).body.groups).toHaveLength(1);
    const bad = await get(`/api/v1/projects/${project.id}/failure-groups?runs=0`);
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('query.runs');
  });

  it('answers 404 for a project the caller cannot see, and no groups for a project without runs', async () => {
    expect((await get('/api/v1/projects/2147483000/failure-groups')).status).toBe(404);
    const foreign = await buildProject(em(), { organization: await buildOrganization(em()) });
    expect((await get(`/api/v1/projects/${foreign.id}/failure-groups`)).status).toBe(404);
    const empty = await buildProject(em(), { organization: api.organization });
    expect((await get(`/api/v1/projects/${empty.id}/failure-groups`)).body).toEqual({ project_id: empty.id, runs: 0, groups: [] });
  });
});
