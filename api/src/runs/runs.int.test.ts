import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, Dataset, DatasetVersion, Environment, Project, Run, Suite, type User, type DatasetValidationStatus, type RunMetadata, type RunStatus } from '@qatron/domain';
import { buildEnvironment, buildOrganization, buildProject, buildRun, buildServiceToken, buildSuite, buildUser } from '@qatron/domain/testing';
import { pageOf } from '../http/pagination.js';
import { startTestApi, type TestApi } from '../testing/harness.js';
import { RunOut } from './schema.js';

let api: TestApi;
let userToken: string;
let user: User;
let viewerToken: string;
let adminToken: string;

beforeAll(async () => {
  api = await startTestApi();
  ({ user, token: userToken } = await api.userWithToken('user'));
  ({ token: viewerToken } = await api.userWithToken('viewer'));
  ({ token: adminToken } = await api.userWithToken('admin'));
});
afterAll(() => api.close());

const em = () => api.orm.em.fork();
const fields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field).sort();
const ids = (body: { items: { id: number }[] }) => body.items.map((r) => r.id);

/** A project in the default organization with one suite and one environment. */
async function projectWithTargets(options: { projectName?: string } = {}) {
  const project = await buildProject(em(), { organization: api.organization, ...(options.projectName && { name: options.projectName }) });
  const suite = await buildSuite(em(), { project, name: 'smoke' });
  const environment = await buildEnvironment(em(), { project, name: 'staging', kind: 'staging' });
  return { project, suite, environment };
}

const runsOf = (projectId: number) => em().find(Run, { project: projectId }, { orderBy: { id: 'asc' } });
const auditOf = (action: AuditLog['action']) => em().find(AuditLog, { action }, { orderBy: { id: 'asc' } });

describe('POST /api/v1/runs', () => {
  it('creates a queued run by ids, on the default branch, and audits the trigger', async () => {
    const { project, suite, environment } = await projectWithTargets();
    const triggeredBefore = (await api.server.deps.metrics.registry.getSingleMetric('qatron_runs_triggered_total')!.get()).values[0]?.value ?? 0;
    const res = await api.request('POST', '/api/v1/runs', {
      token: userToken,
      json: { project_id: project.id, suite_id: suite.id, environment_id: environment.id },
      headers: { 'user-agent': 'runs-test/1.0' },
    });
    expect(res.status).toBe(201);
    expect(RunOut.parse(res.body)).toEqual(res.body);
    expect(res.body).toEqual({
      id: expect.any(Number),
      organization_id: api.organization.id,
      project_id: project.id,
      project_name: project.name,
      suite_id: suite.id,
      suite_name: 'smoke',
      environment_id: environment.id,
      environment_name: 'staging',
      status: 'queued',
      status_reason: null,
      branch: 'main',
      commit: null,
      triggered_by: user.id,
      triggered_by_name: user.username,
      dataset_version_id: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      started_at: null,
      completed_at: null,
      total_tests: 0,
      passed_tests: 0,
      failed_tests: 0,
      error_tests: 0,
      skipped_tests: 0,
      xfailed_tests: 0,
      xpassed_tests: 0,
      flaky_tests: 0,
      quarantined_failures: 0,
      duration_seconds: null,
      coverage_percent: null,
      report_status: 'pending',
      artifacts_deleted: false,
      run_metadata: {},
      rerun_of: null,
      rerun_scope: null,
      reruns: [],
      progress: null,
      report_url: null,
    });

    const rows = await runsOf(project.id);
    expect(rows.map((r) => [r.id, r.status, r.triggeredBy, r.triggeredByToken, r.triggeredByName])).toEqual([[res.body.id, 'queued', user.id, null, user.username]]);
    const entry = (await auditOf('run.triggered')).find((a) => a.resourceId === String(res.body.id))!;
    expect(entry).toMatchObject({ organization: api.organization.id, userId: user.id, actor: user.username, resourceType: 'run', userAgent: 'runs-test/1.0' });
    expect(entry.details).toEqual({ project_id: project.id, suite: 'smoke', environment: 'staging', branch: 'main', commit: null, dataset_version_id: null });
    const triggeredAfter = (await api.server.deps.metrics.registry.getSingleMetric('qatron_runs_triggered_total')!.get()).values[0]!.value;
    expect(triggeredAfter).toBe(triggeredBefore + 1);
  });

  it('creates a run by names with a branch and a commit (stored in lower case)', async () => {
    const { project, suite, environment } = await projectWithTargets();
    const res = await api.request('POST', '/api/v1/runs', {
      token: userToken,
      json: { project: project.name, suite: 'smoke', environment: 'staging', branch: 'feature/login-v2', commit: 'ABCDEF0123' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ project_id: project.id, suite_id: suite.id, environment_id: environment.id, branch: 'feature/login-v2', commit: 'abcdef0123' });
    const entry = (await auditOf('run.triggered')).find((a) => a.resourceId === String(res.body.id))!;
    expect(entry.details).toEqual({
      project_id: project.id,
      suite: 'smoke',
      environment: 'staging',
      branch: 'feature/login-v2',
      commit: 'abcdef0123',
      dataset_version_id: null,
    });
  });

  it("defaults the branch to the project's default branch and accepts nulls as absent", async () => {
    const { project } = await projectWithTargets();
    await em().nativeUpdate(Project, { id: project.id }, { defaultBranch: 'develop' });
    const res = await api.request('POST', '/api/v1/runs', {
      token: userToken,
      json: { project_id: project.id, project: null, suite: 'smoke', suite_id: null, environment: 'staging', branch: null, commit: null },
    });
    expect(res.status).toBe(201);
    expect(res.body.branch).toBe('develop');
  });

  it('records a service token as the trigger', async () => {
    const { project } = await projectWithTargets();
    const { serviceToken, token } = await buildServiceToken(em(), { organization: api.organization, role: 'user' });
    const res = await api.request('POST', '/api/v1/runs', { token, json: { project_id: project.id, suite: 'smoke', environment: 'staging' } });
    expect(res.status).toBe(201);
    expect(res.body.triggered_by).toBeNull();
    expect(res.body.triggered_by_name).toBe(`token:${serviceToken.name}`);
    const row = await em().findOneOrFail(Run, { id: res.body.id });
    expect(row.triggeredByToken).toBe(serviceToken.id);
    const entry = (await auditOf('run.triggered')).find((a) => a.resourceId === String(res.body.id))!;
    expect(entry).toMatchObject({ userId: null, actor: `token:${serviceToken.name}` });
  });

  it('needs a token and the user role', async () => {
    const { project, suite, environment } = await projectWithTargets();
    const json = { project_id: project.id, suite_id: suite.id, environment_id: environment.id };
    const anonymous = await api.request('POST', '/api/v1/runs', { json });
    expect(anonymous.status).toBe(401);
    const viewer = await api.request('POST', '/api/v1/runs', { token: viewerToken, json });
    expect(viewer.status).toBe(403);
    expect(viewer.body.code).toBe('forbidden');
    expect(await runsOf(project.id)).toEqual([]);
  });

  it('requires exactly one of id and name for each of project, suite and environment', async () => {
    const { project, suite } = await projectWithTargets();
    const none = await api.request('POST', '/api/v1/runs', { token: userToken, json: {} });
    expect(none.status).toBe(422);
    expect(none.body.code).toBe('validation_failed');
    expect(none.body.errors).toEqual([
      { field: 'project_id', message: 'is required: give project_id or project' },
      { field: 'suite_id', message: 'is required: give suite_id or suite' },
      { field: 'environment_id', message: 'is required: give environment_id or environment' },
    ]);
    const both = await api.request('POST', '/api/v1/runs', {
      token: userToken,
      json: { project_id: project.id, suite_id: suite.id, suite: 'smoke', environment: 'staging' },
    });
    expect(both.status).toBe(422);
    expect(both.body.errors).toEqual([{ field: 'suite_id', message: 'give either suite_id or suite, not both' }]);
    expect(await runsOf(project.id)).toEqual([]);
  });

  it('validates types, the branch name and the commit', async () => {
    const { project } = await projectWithTargets();
    const base = { project_id: project.id, suite: 'smoke', environment: 'staging' };
    const typed = await api.request('POST', '/api/v1/runs', { token: userToken, json: { project_id: 'one', suite_id: -2, environment: '' } });
    expect(typed.status).toBe(422);
    expect(fields(typed.body)).toEqual(['environment', 'project_id', 'suite_id']);
    for (const branch of ['-rf', 'a b', '../etc', 'feature/', 'topic.lock', '.hidden', 'a:b', 'x@{1}', '@', 'x'.repeat(256)]) {
      const res = await api.request('POST', '/api/v1/runs', { token: userToken, json: { ...base, branch } });
      expect(res.status, branch).toBe(422);
      expect(fields(res.body), branch).toEqual(['branch']);
    }
    for (const commit of ['abc12', 'xyz1234', 'a'.repeat(41)]) {
      const res = await api.request('POST', '/api/v1/runs', { token: userToken, json: { ...base, commit } });
      expect(res.status, commit).toBe(422);
      expect(fields(res.body), commit).toEqual(['commit']);
    }
    expect(await runsOf(project.id)).toEqual([]);
  });

  it('answers 422 naming the field for a suite or environment outside the project', async () => {
    const { project } = await projectWithTargets();
    const elsewhere = await projectWithTargets();
    const byId = await api.request('POST', '/api/v1/runs', {
      token: userToken,
      json: { project_id: project.id, suite_id: elsewhere.suite.id, environment_id: elsewhere.environment.id },
    });
    expect(byId.status).toBe(422);
    expect(byId.body.errors).toEqual([
      { field: 'suite_id', message: `suite ${elsewhere.suite.id} is not a suite of project ${project.name}` },
      { field: 'environment_id', message: `environment ${elsewhere.environment.id} is not an environment of project ${project.name}` },
    ]);
    const byName = await api.request('POST', '/api/v1/runs', { token: userToken, json: { project_id: project.id, suite: 'nightly', environment: 'staging' } });
    expect(byName.status).toBe(422);
    expect(byName.body.errors).toEqual([{ field: 'suite', message: `project ${project.name} has no suite named "nightly"` }]);
    expect(await runsOf(project.id)).toEqual([]);
  });

  it("answers 404 for an unknown project or another organization's, by id and by name, and writes nothing", async () => {
    const other = await buildOrganization(em());
    const foreign = await buildProject(em(), { organization: other });
    const foreignSuite = await buildSuite(em(), { project: foreign, name: 'smoke' });
    const foreignEnvironment = await buildEnvironment(em(), { project: foreign, name: 'staging' });
    const triggeredBefore = (await auditOf('run.triggered')).length;
    const byId = await api.request('POST', '/api/v1/runs', {
      token: userToken,
      json: { project_id: foreign.id, suite_id: foreignSuite.id, environment_id: foreignEnvironment.id },
    });
    expect(byId.status).toBe(404);
    expect(byId.body).toMatchObject({ code: 'not_found', detail: `Project ${foreign.id} not found` });
    const byName = await api.request('POST', '/api/v1/runs', { token: userToken, json: { project: foreign.name, suite: 'smoke', environment: 'staging' } });
    expect(byName.status).toBe(404);
    expect(byName.body.detail).toBe(`Project "${foreign.name}" not found`);
    const unknown = await api.request('POST', '/api/v1/runs', { token: userToken, json: { project_id: 999999, suite: 'smoke', environment: 'staging' } });
    expect(unknown.status).toBe(404);
    expect(await runsOf(foreign.id)).toEqual([]);
    expect((await auditOf('run.triggered')).length).toBe(triggeredBefore);
  });

  it('lets a project-scoped token trigger runs in its project only', async () => {
    const mine = await projectWithTargets();
    const other = await projectWithTargets();
    const { token } = await buildServiceToken(em(), { organization: api.organization, project: mine.project, role: 'user' });
    const ok = await api.request('POST', '/api/v1/runs', { token, json: { project: mine.project.name, suite: 'smoke', environment: 'staging' } });
    expect(ok.status).toBe(201);
    expect(ok.body.project_id).toBe(mine.project.id);
    const byId = await api.request('POST', '/api/v1/runs', { token, json: { project_id: other.project.id, suite_id: other.suite.id, environment_id: other.environment.id } });
    expect(byId.status).toBe(404);
    const byName = await api.request('POST', '/api/v1/runs', { token, json: { project: other.project.name, suite: 'smoke', environment: 'staging' } });
    expect(byName.status).toBe(404);
    expect(await runsOf(other.project.id)).toEqual([]);
  });

  describe('dataset pinning (FR-DATA-03..05)', () => {
    async function withDataset(statuses: DatasetValidationStatus[], requireHealth: boolean) {
      const { project, suite, environment } = await projectWithTargets();
      const fork = em();
      const dataset = new Dataset(api.organization.id, `customers-${project.id}`);
      dataset.project = project.id;
      await fork.persist(dataset).flush();
      const versions: DatasetVersion[] = [];
      for (const [i, status] of statuses.entries()) {
        const version = new DatasetVersion(dataset.id, `v${i + 1}`, `datasets/customers/v${i + 1}.csv`);
        version.validationStatus = status;
        versions.push(version);
        await fork.persist(version).flush();
      }
      await fork.nativeUpdate(Environment, { id: environment.id }, { dataset: dataset.id });
      await fork.nativeUpdate(Suite, { id: suite.id }, { requireDatasetHealth: requireHealth });
      return { project, suite, environment, dataset, versions };
    }
    const trigger = (project: Project) =>
      api.request('POST', '/api/v1/runs', { token: userToken, json: { project_id: project.id, suite: 'smoke', environment: 'staging' } });

    it("pins the newest version of the environment's dataset, validated or not, when the suite does not require health", async () => {
      const { project, versions } = await withDataset(['passed', 'failed', 'pending'], false);
      const res = await trigger(project);
      expect(res.status).toBe(201);
      expect(res.body.dataset_version_id).toBe(versions[2]!.id);
      expect((await em().findOneOrFail(Run, { id: res.body.id })).datasetVersion).toBe(versions[2]!.id);
      const entry = (await auditOf('run.triggered')).find((a) => a.resourceId === String(res.body.id))!;
      expect(entry.details.dataset_version_id).toBe(versions[2]!.id);
    });

    it('pins the newest version when it passed validation and the suite requires health', async () => {
      const { project, versions } = await withDataset(['failed', 'passed'], true);
      const res = await trigger(project);
      expect(res.status).toBe(201);
      expect(res.body.dataset_version_id).toBe(versions[1]!.id);
    });

    it('refuses with 409 dataset_unhealthy when the newest version failed or is pending, and writes nothing', async () => {
      for (const status of ['failed', 'pending'] as const) {
        const { project, dataset } = await withDataset(['passed', status], true);
        const triggeredBefore = (await auditOf('run.triggered')).length;
        const res = await trigger(project);
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({
          code: 'dataset_unhealthy',
          detail: `Suite smoke requires a dataset that passed validation, but dataset ${dataset.name} version v2 has validation status ${status}; validate a version first`,
        });
        expect(await runsOf(project.id)).toEqual([]);
        expect((await auditOf('run.triggered')).length).toBe(triggeredBefore);
      }
    });

    it('refuses a dataset without any version', async () => {
      const { project, dataset } = await withDataset([], true);
      const res = await trigger(project);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('dataset_unhealthy');
      expect(res.body.detail).toBe(`Suite smoke requires a dataset that passed validation, but dataset ${dataset.name} has no version yet; validate a version first`);
      expect(await runsOf(project.id)).toEqual([]);
    });

    it('has nothing to check when the environment has no dataset', async () => {
      const { project, suite } = await projectWithTargets();
      await em().nativeUpdate(Suite, { id: suite.id }, { requireDatasetHealth: true });
      const res = await trigger(project);
      expect(res.status).toBe(201);
      expect(res.body.dataset_version_id).toBeNull();
    });
  });
});

describe('GET /api/v1/runs', () => {
  /** Project P: suites smoke and regression, environments staging and production, six runs. */
  async function catalogue() {
    const project = await buildProject(em(), { organization: api.organization });
    const smoke = await buildSuite(em(), { project, name: 'smoke' });
    const regression = await buildSuite(em(), { project, name: 'regression' });
    const staging = await buildEnvironment(em(), { project, name: 'staging', kind: 'staging' });
    const production = await buildEnvironment(em(), { project, name: 'production', kind: 'production' });
    const spec: [typeof smoke, typeof staging, RunStatus, string][] = [
      [smoke, staging, 'completed', 'main'],
      [smoke, production, 'failed', 'main'],
      [regression, staging, 'running', 'feature/a'],
      [regression, production, 'completed', 'feature/a'],
      [smoke, staging, 'partial_failed', 'feature/b'],
      [regression, staging, 'queued', 'main'],
    ];
    const runs: Run[] = [];
    for (const [suite, environment, status, branch] of spec) runs.push(await buildRun(em(), { project, suite, environment, status, branch }));
    return { project, smoke, regression, staging, production, runs };
  }
  const list = (query: string, token = viewerToken) => api.request('GET', `/api/v1/runs?${query}`, { token });

  it('filters by project, suite, environment, status and branch, newest first, with exact ids', async () => {
    const { project, smoke, regression, staging, production, runs } = await catalogue();
    const [r1, r2, r3, r4, r5, r6] = runs.map((r) => r.id) as [number, number, number, number, number, number];
    const p = `project_id=${project.id}`;
    const cases: [string, number[]][] = [
      [p, [r6, r5, r4, r3, r2, r1]],
      [`${p}&suite_id=${smoke.id}`, [r5, r2, r1]],
      [`suite_id=${regression.id}`, [r6, r4, r3]],
      [`environment_id=${production.id}`, [r4, r2]],
      [`${p}&environment_id=${staging.id}`, [r6, r5, r3, r1]],
      [`${p}&status=completed`, [r4, r1]],
      [`${p}&status=failed,partial_failed`, [r5, r2]],
      [`${p}&status=${encodeURIComponent(' queued , running ')}`, [r6, r3]],
      [`${p}&branch=main`, [r6, r2, r1]],
      [`${p}&branch=${encodeURIComponent('feature/a')}`, [r4, r3]],
      [`${p}&suite_id=${smoke.id}&environment_id=${staging.id}&status=completed,partial_failed&branch=main`, [r1]],
      [`${p}&branch=none`, []],
    ];
    for (const [query, expected] of cases) {
      const res = await list(query);
      expect(res.status, query).toBe(200);
      expect(ids(res.body), query).toEqual(expected);
      expect(res.body.total, query).toBe(expected.length);
    }
  });

  it('shows names beside ids and matches the contract', async () => {
    const { project, smoke, staging, runs } = await catalogue();
    const res = await list(`project_id=${project.id}&suite_id=${smoke.id}&environment_id=${staging.id}&limit=1`);
    expect(pageOf(RunOut).parse(res.body)).toEqual(res.body);
    expect(res.body.items[0]).toMatchObject({
      id: runs[4]!.id,
      project_name: project.name,
      suite_name: 'smoke',
      environment_name: 'staging',
      status: 'partial_failed',
      triggered_by_name: 'factory',
    });
  });

  it('pages with limit and offset and reports the total', async () => {
    const { project, runs } = await catalogue();
    const res = await list(`project_id=${project.id}&limit=2&offset=1`);
    expect(res.body).toMatchObject({ total: 6, limit: 2, offset: 1 });
    expect(ids(res.body)).toEqual([runs[4]!.id, runs[3]!.id]);
    const last = await list(`project_id=${project.id}&limit=4&offset=4`);
    expect(ids(last.body)).toEqual([runs[1]!.id, runs[0]!.id]);
    const beyond = await list(`project_id=${project.id}&offset=10`);
    expect(beyond.body).toMatchObject({ items: [], total: 6, limit: 50, offset: 10 });
  });

  it("stays within the caller's organization", async () => {
    const other = await buildOrganization(em());
    const foreign = await buildRun(em(), { project: await buildProject(em(), { organization: other }) });
    const mine = await buildRun(em(), { project: await buildProject(em(), { organization: api.organization }) });
    const all = await list('limit=200');
    expect(ids(all.body)).toContain(mine.id);
    expect(ids(all.body)).not.toContain(foreign.id);
    const filtered = await list(`project_id=${foreign.project}`);
    expect(filtered.body).toMatchObject({ items: [], total: 0 });

    const otherAdmin = await buildUser(em(), { organization: other, role: 'admin', password: 'password123' });
    const otherToken = await api.login(otherAdmin.username, 'password123');
    const theirs = await list('', otherToken);
    expect(ids(theirs.body)).toEqual([foreign.id]);
    expect(theirs.body.total).toBe(1);
  });

  it("shows a project-scoped token its project's runs only", async () => {
    const { project, runs } = await catalogue();
    const elsewhere = await buildRun(em(), { project: await buildProject(em(), { organization: api.organization }) });
    const { token } = await buildServiceToken(em(), { organization: api.organization, project, role: 'viewer' });
    const res = await list('', token);
    expect(ids(res.body)).toEqual(runs.map((r) => r.id).reverse());
    expect(res.body.total).toBe(6);
    const outside = await list(`project_id=${elsewhere.project}`, token);
    expect(outside.body).toMatchObject({ items: [], total: 0 });
    const suiteOutside = await list(`suite_id=${elsewhere.suite}`, token);
    expect(suiteOutside.body).toMatchObject({ items: [], total: 0 });
  });

  it('names each invalid filter with 422', async () => {
    const bad = await list('status=running,bogus&limit=0&project_id=abc&offset=-1&suite_id=0');
    expect(bad.status).toBe(422);
    expect(fields(bad.body)).toEqual(['query.limit', 'query.offset', 'query.project_id', 'query.status', 'query.suite_id']);
    const status = bad.body.errors.find((e: { field: string }) => e.field === 'query.status');
    expect(status.message).toContain('unknown status "bogus"');
    const tooMany = await list('limit=201');
    expect(fields(tooMany.body)).toEqual(['query.limit']);
  });

  it('needs a token', async () => {
    expect((await api.request('GET', '/api/v1/runs')).status).toBe(401);
  });
});

describe('GET /api/v1/runs/:id', () => {
  it('answers the run', async () => {
    const run = await buildRun(em(), { project: await buildProject(em(), { organization: api.organization }), status: 'running', branch: 'release/1.2' });
    const res = await api.request('GET', `/api/v1/runs/${run.id}`, { token: viewerToken });
    expect(res.status).toBe(200);
    expect(RunOut.parse(res.body)).toEqual(res.body);
    expect(res.body).toMatchObject({ id: run.id, project_id: run.project, suite_id: run.suite, environment_id: run.environment, status: 'running', branch: 'release/1.2' });
  });

  it("answers each phase's metadata as recorded, and an older run's pre-split plan without its test ids", async () => {
    const targets = await projectWithTargets();
    const recorded: RunMetadata = {
      bdd: { commit: 'abc1234', failed: 'database unavailable' },
      shard_count: 1,
      plan: { basis: 'test_count', total_tests: 2, total_files: 1, work: 'pulled' },
      shards: [{ shard_id: 0, status: 'passed', tests: 2, passed: 2, failed: 0, error: 0, skipped: 0, xfailed: 0, xpassed: 0, flaky: 0, duration: 1.5, attempt: 1, worker: 'w', files: ['tests/test_a.py'], reason: null }],
      coverage: null,
      reporting: { report_tests: 2, errors: [] },
    };
    const current = await buildRun(em(), { ...targets, status: 'completed' });
    const db = em();
    const loaded = await db.findOneOrFail(Run, { id: current.id });
    loaded.runMetadata = recorded;
    await db.flush();
    // A row from before the metadata had a version: work split up front, the plan listing each shard's test ids.
    const older = await buildRun(em(), { ...targets, status: 'completed' });
    const split = { commit: 'abc1234', basis: 'test_count', total_tests: 2, shards: [{ index: 0, files: ['tests/test_a.py'], test_ids: ['tests/test_a.py::test_one', 'tests/test_a.py::test_two'], estimated_weight: 2 }] };
    await api.orm.em.getConnection().execute('update runs set run_metadata = ?::jsonb where id = ?', [JSON.stringify({ shard_count: 1, plan: split }), older.id]);

    const [currentRes, olderRes] = await Promise.all([current, older].map((run) => api.request('GET', `/api/v1/runs/${run.id}`, { token: viewerToken })));
    expect(RunOut.parse(currentRes!.body)).toEqual(currentRes!.body);
    expect(currentRes!.body.run_metadata).toEqual(recorded);
    expect(RunOut.parse(olderRes!.body)).toEqual(olderRes!.body);
    expect(olderRes!.body.run_metadata).toEqual({ shard_count: 1, plan: { ...split, shards: [{ index: 0, files: ['tests/test_a.py'], estimated_weight: 2 }] } });
  });

  it("answers 404 for another organization's run, a run outside a scoped token's project and an unknown id", async () => {
    const foreign = await buildRun(em(), { project: await buildProject(em(), { organization: await buildOrganization(em()) }) });
    expect((await api.request('GET', `/api/v1/runs/${foreign.id}`, { token: viewerToken })).status).toBe(404);
    const mine = await buildRun(em(), { project: await buildProject(em(), { organization: api.organization }) });
    const other = await buildRun(em(), { project: await buildProject(em(), { organization: api.organization }) });
    const scopedProject = await em().findOneOrFail(Project, { id: mine.project });
    const { token } = await buildServiceToken(em(), { organization: api.organization, project: scopedProject, role: 'viewer' });
    expect((await api.request('GET', `/api/v1/runs/${mine.id}`, { token })).status).toBe(200);
    const outside = await api.request('GET', `/api/v1/runs/${other.id}`, { token });
    expect(outside.status).toBe(404);
    expect(outside.body).toMatchObject({ code: 'not_found', detail: `Run ${other.id} not found` });
    expect((await api.request('GET', '/api/v1/runs/999999', { token: viewerToken })).status).toBe(404);
  });

  it('answers 422 for a malformed id and 401 without a token', async () => {
    const res = await api.request('GET', '/api/v1/runs/abc', { token: viewerToken });
    expect(res.status).toBe(422);
    expect(fields(res.body)).toEqual(['path.id']);
    // Too large for the integer column: a 422 naming the parameter, not a database error.
    const huge = await api.request('GET', '/api/v1/runs/99999999999', { token: viewerToken });
    expect(huge.status).toBe(422);
    expect(fields(huge.body)).toEqual(['path.id']);
    expect((await api.request('GET', '/api/v1/runs/1')).status).toBe(401);
  });
});

describe('PUT /api/v1/runs/:id', () => {
  /** The status model of PRD 9.2, spelled out independently of the code under test. */
  const ALLOWED: Record<RunStatus, RunStatus[]> = {
    queued: ['provisioning', 'infra_failed', 'cancelled'],
    provisioning: ['running', 'completed', 'failed', 'infra_failed', 'timed_out', 'cancelled'],
    running: ['reporting', 'completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'],
    reporting: ['completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'],
    completed: [],
    failed: [],
    partial_failed: [],
    timed_out: [],
    infra_failed: [],
    cancelled: [],
  };
  const put = (id: number, json: unknown, token = userToken) => api.request('PUT', `/api/v1/runs/${id}`, { token, json });
  const newRun = async (status: RunStatus = 'queued') => buildRun(em(), { project: await buildProject(em(), { organization: api.organization }), status });
  const auditFor = (runId: number) => em().find(AuditLog, { resourceType: 'run', resourceId: String(runId) }, { orderBy: { id: 'asc' } });

  const FINAL: RunStatus[] = ['completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'];

  it('lets a user cancel a live run: completed_at stamped, started_at kept, audited as run.cancelled', async () => {
    const run = await newRun('running');
    await em().nativeUpdate(Run, { id: run.id }, { startedAt: new Date('2026-01-01T00:00:00Z') });
    const res = await put(run.id, { status: 'cancelled', status_reason: 'superseded by a newer commit' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'cancelled',
      status_reason: 'superseded by a newer commit',
      started_at: '2026-01-01T00:00:00.000Z',
      completed_at: expect.any(String),
      progress: null,
    });
    expect(await auditFor(run.id)).toMatchObject([
      { action: 'run.cancelled', details: { from: 'running', to: 'cancelled', status_reason: 'superseded by a newer commit' }, actor: user.username, userId: user.id },
    ]);
    const queued = await newRun('queued');
    const cancelled = await put(queued.id, { status: 'cancelled' });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', started_at: null, completed_at: expect.any(String), status_reason: null });
  });

  it('leaves the live statuses to the run engine: 409 status_managed_by_engine, nothing written', async () => {
    for (const to of ['queued', 'provisioning', 'running', 'reporting'] as const) {
      const run = await newRun('queued');
      const res = await put(run.id, { status: to }, adminToken);
      expect(res.status, to).toBe(409);
      expect(res.body.code).toBe('status_managed_by_engine');
      expect((await em().findOneOrFail(Run, { id: run.id })).status).toBe('queued');
      expect(await auditFor(run.id)).toEqual([]);
    }
  });

  it('lets an admin end a run with any final status the status model allows from where it is, and nothing else', async () => {
    for (const from of Object.keys(ALLOWED) as RunStatus[]) {
      for (const to of FINAL) {
        const run = await newRun(from);
        const res = await put(run.id, { status: to }, adminToken);
        const allowed = ALLOWED[from].includes(to);
        expect(res.status, `${from} -> ${to}`).toBe(allowed ? 200 : 409);
        const row = await em().findOneOrFail(Run, { id: run.id });
        expect(row.status, `${from} -> ${to}`).toBe(allowed ? to : from);
        if (allowed) expect(row.completedAt).not.toBeNull();
        else {
          expect(res.body.code).toBe('invalid_transition');
          expect(await auditFor(run.id)).toEqual([]);
        }
      }
    }
  });

  it('keeps the final-status override for admins: a user may only cancel', async () => {
    const run = await newRun('reporting');
    const res = await put(run.id, { status: 'failed' });
    expect(res.status).toBe(403);
    expect((await em().findOneOrFail(Run, { id: run.id })).status).toBe('reporting');
    expect((await put(run.id, { status: 'infra_failed', status_reason: 'worker pool lost' }, adminToken)).body).toMatchObject({ status: 'infra_failed', status_reason: 'worker pool lost' });
    expect((await auditFor(run.id)).map((e) => e.action)).toEqual(['run.updated']);
  });

  it('lists the allowed next statuses when refusing', async () => {
    const queued = await newRun('queued');
    const refused = await put(queued.id, { status: 'completed' }, adminToken);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe(`Run ${queued.id} cannot move from queued to completed; allowed next statuses: provisioning, infra_failed, cancelled`);
    const completed = await newRun('completed');
    const final = await put(completed.id, { status: 'cancelled' });
    expect(final.body.detail).toBe(`Run ${completed.id} cannot move from completed to cancelled; completed is final, no further status is allowed`);
    const row = await em().findOneOrFail(Run, { id: completed.id });
    expect([row.startedAt, row.completedAt]).toEqual([null, null]);
  });

  it('lets only one of two concurrent cancellations through', async () => {
    for (let round = 0; round < 5; round++) {
      const run = await newRun('running');
      const answers = await Promise.all([put(run.id, { status: 'cancelled' }), put(run.id, { status: 'cancelled' })]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect((await auditFor(run.id)).map((e) => e.details)).toEqual([{ from: 'running', to: 'cancelled' }]);
    }
  });

  it('needs the user role, a token and a valid status', async () => {
    const run = await newRun();
    expect((await put(run.id, { status: 'cancelled' }, viewerToken)).status).toBe(403);
    expect((await api.request('PUT', `/api/v1/runs/${run.id}`, { json: { status: 'cancelled' } })).status).toBe(401);
    const bad = await put(run.id, { status: 'done', status_reason: 7 });
    expect(bad.status).toBe(422);
    expect(fields(bad.body)).toEqual(['status', 'status_reason']);
    const missing = await put(run.id, {});
    expect(fields(missing.body)).toEqual(['status']);
    expect((await em().findOneOrFail(Run, { id: run.id })).status).toBe('queued');
    expect(await auditFor(run.id)).toEqual([]);
  });

  it("answers 404 for another organization's run and outside a scoped token's project", async () => {
    const foreign = await buildRun(em(), { project: await buildProject(em(), { organization: await buildOrganization(em()) }) });
    expect((await put(foreign.id, { status: 'cancelled' })).status).toBe(404);
    const mine = await newRun();
    const other = await newRun();
    const project = await em().findOneOrFail(Project, { id: mine.project });
    const { token } = await buildServiceToken(em(), { organization: api.organization, project, role: 'user' });
    expect((await put(other.id, { status: 'cancelled' }, token)).status).toBe(404);
    expect((await put(mine.id, { status: 'cancelled' }, token)).status).toBe(200);
    expect((await em().findOneOrFail(Run, { id: other.id })).status).toBe('queued');
    expect((await em().findOneOrFail(Run, { id: foreign.id })).status).toBe('queued');
    expect(await auditFor(other.id)).toEqual([]);
  });
});
