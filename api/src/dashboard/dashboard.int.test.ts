import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestResult, type Project, type Run, type RunStatus, type Suite } from '@qatron/domain';
import { buildEnvironment, buildOrganization, buildProject, buildRun, buildServiceToken, buildSuite } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';
import { DashboardOut } from './schema.js';

let api: TestApi;
let viewerToken: string;
let shop: Project;
let blog: Project;
let smoke: Suite;

const em = () => api.orm.em.fork();
const DAY = 86_400_000;
const today = new Date();
const daysAgo = (n: number) => new Date(today.getTime() - n * DAY);

async function finishedRun(project: Project, suite: Suite, status: RunStatus, createdAt: Date, counts: { passed: number; failed: number; duration: number; coverage?: number }): Promise<Run> {
  const fork = em();
  const run = await buildRun(fork, { project, suite, environment: await buildEnvironment(fork, { project, name: `env-${Math.random()}` }), status, createdAt });
  Object.assign(run, { passedTests: counts.passed, failedTests: counts.failed, totalTests: counts.passed + counts.failed, durationSeconds: counts.duration, coveragePercent: counts.coverage ?? null });
  await fork.flush();
  return run;
}

async function result(run: Run, nodeId: string, outcome: 'passed' | 'failed', seconds: number) {
  await em().persist(new TestResult(run, 0, nodeId, nodeId.split('::')[0]!, outcome, seconds)).flush();
}

beforeAll(async () => {
  api = await startTestApi();
  ({ token: viewerToken } = await api.userWithToken('viewer'));
  shop = await buildProject(em(), { organization: api.organization, name: 'shop' });
  blog = await buildProject(em(), { organization: api.organization, name: 'blog' });
  smoke = await buildSuite(em(), { project: shop, name: 'smoke' });
  const blogSuite = await buildSuite(em(), { project: blog, name: 'regression' });
  // shop/smoke: two days ago 1 completed (8/10 pass... 8 passed 2 failed), yesterday 1 failed run.
  const a = await finishedRun(shop, smoke, 'partial_failed', daysAgo(2), { passed: 8, failed: 2, duration: 30, coverage: 80 });
  const b = await finishedRun(shop, smoke, 'failed', daysAgo(1), { passed: 0, failed: 10, duration: 10, coverage: 60 });
  await finishedRun(blog, blogSuite, 'completed', daysAgo(1), { passed: 5, failed: 0, duration: 20 });
  // Outside a 7-day window, and a live run (counted by status, not in the trends).
  await finishedRun(blog, blogSuite, 'completed', daysAgo(40), { passed: 1, failed: 0, duration: 1 });
  await buildRun(em(), { project: blog, suite: blogSuite, status: 'running' });
  await result(a, 'tests/test_cart.py::test_total', 'failed', 2);
  await result(b, 'tests/test_cart.py::test_total', 'failed', 4);
  await result(a, 'tests/test_slow.py::test_slow', 'passed', 9);
  // Another organization's runs never show.
  const other = await buildProject(em(), { organization: await buildOrganization(em()) });
  await finishedRun(other, await buildSuite(em(), { project: other }), 'failed', daysAgo(1), { passed: 0, failed: 99, duration: 99 });
});
afterAll(() => api.close());

const dashboard = (query = '', token = viewerToken) => api.request('GET', `/api/v1/dashboard${query}`, { token });

describe('GET /api/v1/dashboard', () => {
  it('aggregates the window: statuses, totals, trends per project and suite, coverage, test rankings', async () => {
    const res = await dashboard('?days=7');
    expect(res.status).toBe(200);
    expect(DashboardOut.parse(res.body)).toEqual(res.body);
    const body = DashboardOut.parse(res.body);
    expect(body.days).toBe(7);
    expect(Object.fromEntries(body.runs_by_status.map((s) => [s.status, s.count]))).toEqual({ partial_failed: 1, failed: 1, completed: 1, running: 1 });
    expect(body.totals).toEqual({ runs: 4, passed_tests: 13, total_tests: 25, pass_rate: (100 * 13) / 25, avg_duration_seconds: 20 });
    const shopTrend = body.trends.find((t) => t.project_name === 'shop')!;
    expect(shopTrend.suite_name).toBe('smoke');
    expect(shopTrend.points).toEqual([
      { day: daysAgo(2).toISOString().slice(0, 10), runs: 1, pass_rate: 80, avg_duration_seconds: 30 },
      { day: daysAgo(1).toISOString().slice(0, 10), runs: 1, pass_rate: 0, avg_duration_seconds: 10 },
    ]);
    expect(body.trends.map((t) => t.project_name).sort()).toEqual(['blog', 'shop']);
    expect(body.coverage).toEqual([
      { day: daysAgo(2).toISOString().slice(0, 10), avg_coverage_percent: 80 },
      { day: daysAgo(1).toISOString().slice(0, 10), avg_coverage_percent: 60 },
    ]);
    expect(body.slowest_tests[0]).toEqual({ project_name: 'shop', node_id: 'tests/test_slow.py::test_slow', avg_duration_seconds: 9, runs: 1 });
    expect(body.failing_tests).toEqual([{ project_name: 'shop', node_id: 'tests/test_cart.py::test_total', failures: 2, runs: 2 }]);
    expect(body.recent_runs).toHaveLength(5);
    expect(body.recent_runs[0]!.status).toBe('running');
  });

  it('narrows to one project, and to a scoped token’s project whatever is asked', async () => {
    const only = DashboardOut.parse((await dashboard(`?days=7&project_id=${blog.id}`)).body);
    expect(only.totals.runs).toBe(2);
    expect(only.trends.map((t) => t.project_name)).toEqual(['blog']);
    const { token } = await buildServiceToken(em(), { organization: api.organization, project: shop, role: 'viewer' });
    const scoped = DashboardOut.parse((await dashboard(`?days=7&project_id=${blog.id}`, token)).body);
    expect(scoped.totals.runs).toBe(0);
    expect(scoped.recent_runs).toEqual([]);
  });

  it('answers 422 for a bad window and 401 without a token', async () => {
    const bad = await dashboard('?days=0');
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toBe('query.days: must be at least 1');
    expect((await api.request('GET', '/api/v1/dashboard')).status).toBe(401);
  });
});
