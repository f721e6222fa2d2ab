import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, Run, Suite, type AuditAction, type Project } from '@qatron/domain';
import { buildEnvironment, buildOrganization, buildProject, buildRun, buildServiceToken, buildSuite } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';

let api: TestApi;
let admin: string;
let user: string;
let viewer: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.login('admin', 'admin');
  user = (await api.userWithToken('user')).token;
  viewer = (await api.userWithToken('viewer')).token;
});
afterAll(() => api.close());

const em = () => api.orm.em.fork();
const auditOf = (action: AuditAction, id: number) => em().find(AuditLog, { action, resourceType: 'suite', resourceId: String(id) }, { orderBy: { id: 'asc' } });
const auditCount = () => em().count(AuditLog, { action: { $like: 'suite.%' } });
const fields = (res: { body: { errors?: { field: string }[] } }) => (res.body.errors ?? []).map((e) => e.field);
const ownProject = () => buildProject(em(), { organization: api.organization });
const foreignProject = async () => buildProject(em(), { organization: await buildOrganization(em()) });
const create = (project: Project, json: unknown, token = admin) => api.request('POST', `/api/v1/projects/${project.id}/suites`, { token, json });

const DEFAULTS = {
  description: '',
  layer: 'integration',
  markers: '',
  keywords: '',
  paths: [],
  shards: 1,
  workers_per_shard: 0,
  retries: 0,
  timeout_seconds: 3600,
  coverage: true,
  coverage_threshold: null,
  allow_empty: false,
  install_command: null,
  python_version: null,
  require_dataset_health: false,
};

describe('POST /api/v1/projects/:id/suites', () => {
  it('creates a suite with defaults and audits it', async () => {
    const project = await ownProject();
    const res = await create(project, { name: 'smoke' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      organization_id: api.organization.id,
      project_id: project.id,
      name: 'smoke',
      ...DEFAULTS,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const [entry, ...rest] = await auditOf('suite.created', res.body.id);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ actor: 'admin', organization: api.organization.id });
    expect(entry!.details).toEqual({ project_id: project.id, name: 'smoke', ...DEFAULTS });
  });

  it('stores every setting', async () => {
    const project = await ownProject();
    const settings = {
      name: 'regression',
      description: 'Full checkout regression',
      layer: 'e2e',
      markers: 'regression and not (slow or flaky)',
      keywords: 'checkout or cart',
      paths: ['tests/e2e', './tests/api/test_cart.py::test_add[sku/1]'],
      shards: 64,
      workers_per_shard: 32,
      retries: 10,
      timeout_seconds: 86400,
      coverage_threshold: 72.5,
      allow_empty: true,
      install_command: 'pip install -e .[test]',
      python_version: '3.12',
      require_dataset_health: true,
    };
    const res = await create(project, settings);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject(settings);
    const row = await em().findOneOrFail(Suite, { id: res.body.id });
    expect(row).toMatchObject({ layer: 'e2e', paths: settings.paths, shards: 64, workersPerShard: 32, coverageThreshold: 72.5, allowEmpty: true, installCommand: 'pip install -e .[test]', pythonVersion: '3.12', requireDatasetHealth: true });
  });

  it('refuses a coverage threshold on a suite that measures no coverage, and a malformed Python version or install command', async () => {
    const project = await ownProject();
    const off = await create(project, { name: 'fast', coverage: false, coverage_threshold: 80 });
    expect(off.status).toBe(422);
    expect(off.body.errors).toEqual([{ field: 'coverage_threshold', message: 'needs coverage on: a suite that does not measure coverage cannot have a threshold' }]);
    const bad = await create(project, { name: 'fast', python_version: '2.7; rm -rf /', install_command: 'pip install .\nrm -rf /' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['install_command', 'python_version']);
    const fast = await create(project, { name: 'fast', coverage: false });
    expect(fast.body).toMatchObject({ coverage: false, coverage_threshold: null });
    // Turning coverage off later needs the threshold gone too.
    const gated = await create(project, { name: 'gated', coverage_threshold: 50 });
    const update = await api.request('PUT', `/api/v1/suites/${gated.body.id}`, { token: admin, json: { coverage: false } });
    expect(update.status).toBe(422);
    expect((await em().findOneOrFail(Suite, { id: gated.body.id })).coverage).toBe(true);
  });

  it('names every invalid field and writes nothing', async () => {
    const project = await ownProject();
    const audits = await auditCount();
    const cases: [unknown, string[]][] = [
      [{}, ['name']],
      [{ name: 'x'.repeat(101) }, ['name']],
      [{ name: 'x', layer: 'system' }, ['layer']],
      [{ name: 'x', shards: 0, workers_per_shard: 33, retries: 11, timeout_seconds: 0 }, ['retries', 'shards', 'timeout_seconds', 'workers_per_shard']],
      [{ name: 'x', shards: 65, timeout_seconds: 86401, workers_per_shard: -1, retries: -1 }, ['retries', 'shards', 'timeout_seconds', 'workers_per_shard']],
      [{ name: 'x', shards: 1.5 }, ['shards']],
      [{ name: 'x', coverage_threshold: 100.1 }, ['coverage_threshold']],
      [{ name: 'x', coverage_threshold: -1 }, ['coverage_threshold']],
      [{ name: 'x', require_dataset_health: 'yes' }, ['require_dataset_health']],
      [{ name: 'x', markers: 'smoke and (not slow' }, ['markers']],
      [{ name: 'x', keywords: 'a\nb' }, ['keywords']],
      [{ name: 'x', paths: 'tests' }, ['paths']],
      [{ name: 'x', paths: Array.from({ length: 101 }, (_, i) => `tests/t${i}`) }, ['paths']],
      [{ name: 'x', paths: ['tests/ok', '/etc/passwd', '../outside', 'tests/../../x', '-p', '--rootdir=/', '~/x', 'C:/x', 'tests\\win', ''] }, [
        'paths.1', 'paths.2', 'paths.3', 'paths.4', 'paths.5', 'paths.6', 'paths.7', 'paths.8', 'paths.9',
      ]],
    ];
    for (const [json, expected] of cases) {
      const res = await create(project, json);
      expect(res.status, JSON.stringify(json).slice(0, 200)).toBe(422);
      expect(fields(res).sort(), JSON.stringify(json).slice(0, 200)).toEqual(expected);
    }
    expect(await em().count(Suite, { project: project.id })).toBe(0);
    expect(await auditCount()).toBe(audits);
  });

  it('explains path errors', async () => {
    const res = await create(await ownProject(), { name: 'x', paths: ['/abs', 'a/../b', '-x'] });
    expect(res.body.errors).toEqual([
      { field: 'paths.0', message: 'must be relative to the repository root' },
      { field: 'paths.1', message: 'must not contain .. segments' },
      { field: 'paths.2', message: 'must not start with -' },
    ]);
  });

  it('answers 409 already_exists for a name taken in the project only', async () => {
    const project = await ownProject();
    await buildSuite(em(), { project, name: 'smoke' });
    const audits = await auditCount();
    const res = await create(project, { name: 'smoke' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'already_exists', detail: 'This project already has a suite named smoke' });
    expect(await auditCount()).toBe(audits);
    expect((await create(await ownProject(), { name: 'smoke' })).status).toBe(201);
  });

  it('is for admins, within the organization and the token scope', async () => {
    const project = await ownProject();
    expect((await api.request('POST', `/api/v1/projects/${project.id}/suites`, { json: { name: 'x' } })).status).toBe(401);
    expect((await create(project, { name: 'x' }, viewer)).status).toBe(403);
    expect((await create(project, { name: 'x' }, user)).status).toBe(403);
    expect((await create(await foreignProject(), { name: 'x' })).status).toBe(404);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project, role: 'admin' });
    expect((await create(await ownProject(), { name: 'x' }, scoped.token)).status).toBe(404);
    expect((await create(project, { name: 'x' }, scoped.token)).status).toBe(201);
  });
});

describe('GET /api/v1/projects/:id/suites', () => {
  it("lists a project's suites by name, a page at a time", async () => {
    const project = await ownProject();
    for (const name of ['smoke', 'api', 'regression']) await buildSuite(em(), { project, name });
    await buildSuite(em(), { project: await ownProject(), name: 'elsewhere' });
    const res = await api.request('GET', `/api/v1/projects/${project.id}/suites`, { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 3, limit: 50, offset: 0 });
    expect(res.body.items.map((s: { name: string }) => s.name)).toEqual(['api', 'regression', 'smoke']);
    const page = await api.request('GET', `/api/v1/projects/${project.id}/suites?limit=2&offset=2`, { token: viewer });
    expect(page.body.items.map((s: { name: string }) => s.name)).toEqual(['smoke']);
  });

  it('answers 404 for projects of another organization or outside the token scope, 401 without a token', async () => {
    expect((await api.request('GET', `/api/v1/projects/${(await foreignProject()).id}/suites`, { token: viewer })).status).toBe(404);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: await ownProject(), role: 'viewer' });
    const other = await ownProject();
    expect((await api.request('GET', `/api/v1/projects/${other.id}/suites`, { token: scoped.token })).status).toBe(404);
    expect((await api.request('GET', `/api/v1/projects/${other.id}/suites`)).status).toBe(401);
  });
});

describe('GET /api/v1/suites/:id', () => {
  it('answers a suite to a viewer', async () => {
    const project = await ownProject();
    const suite = await buildSuite(em(), { project, name: 'nightly', shards: 4 });
    const res = await api.request('GET', `/api/v1/suites/${suite.id}`, { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: suite.id, project_id: project.id, name: 'nightly', shards: 4 });
  });

  it('answers 404 across organizations and token scopes, 401 without a token, 422 for a bad id', async () => {
    const foreign = await buildSuite(em(), { project: await foreignProject() });
    const res = await api.request('GET', `/api/v1/suites/${foreign.id}`, { token: admin });
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe(`Suite ${foreign.id} not found`);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: await ownProject(), role: 'viewer' });
    const other = await buildSuite(em(), { project: await ownProject() });
    expect((await api.request('GET', `/api/v1/suites/${other.id}`, { token: scoped.token })).status).toBe(404);
    expect((await api.request('GET', `/api/v1/suites/${other.id}`)).status).toBe(401);
    expect(fields(await api.request('GET', '/api/v1/suites/-3', { token: viewer }))).toEqual(['path.id']);
  });
});

describe('PUT /api/v1/suites/:id', () => {
  const put = (id: number, json: unknown, token = admin) => api.request('PUT', `/api/v1/suites/${id}`, { token, json });

  it('changes only the fields given and audits exactly what changed', async () => {
    const suite = await buildSuite(em(), { project: await ownProject(), name: 'smoke' });
    const res = await put(suite.id, { shards: 8, paths: ['tests/smoke'], coverage_threshold: 80 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ...DEFAULTS, name: 'smoke', shards: 8, paths: ['tests/smoke'], coverage_threshold: 80 });
    const [entry, ...rest] = await auditOf('suite.updated', suite.id);
    expect(rest).toEqual([]);
    expect(entry!.details).toEqual({
      paths: { from: [], to: ['tests/smoke'] },
      shards: { from: 1, to: 8 },
      coverage_threshold: { from: null, to: 80 },
    });
    expect((await put(suite.id, { shards: 8, paths: ['tests/smoke'] })).status).toBe(200);
    expect((await put(suite.id, {})).status).toBe(200);
    expect(await auditOf('suite.updated', suite.id)).toHaveLength(1);
    const cleared = await put(suite.id, { coverage_threshold: null });
    expect(cleared.body.coverage_threshold).toBeNull();
  });

  it('changes nothing on invalid input', async () => {
    const suite = await buildSuite(em(), { project: await ownProject() });
    const res = await put(suite.id, { name: 'renamed', shards: 65 });
    expect(res.status).toBe(422);
    expect(fields(res)).toEqual(['shards']);
    expect(await em().findOneOrFail(Suite, { id: suite.id })).toMatchObject({ name: suite.name, shards: 1 });
    expect(await auditOf('suite.updated', suite.id)).toEqual([]);
  });

  it('answers 409 already_exists when renaming onto a sibling', async () => {
    const project = await ownProject();
    await buildSuite(em(), { project, name: 'smoke' });
    const suite = await buildSuite(em(), { project, name: 'regression' });
    const res = await put(suite.id, { name: 'smoke', retries: 2 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('already_exists');
    expect(await em().findOneOrFail(Suite, { id: suite.id })).toMatchObject({ name: 'regression', retries: 0 });
    expect(await auditOf('suite.updated', suite.id)).toEqual([]);
  });

  it('is for admins, within the organization and the token scope', async () => {
    const suite = await buildSuite(em(), { project: await ownProject() });
    expect((await api.request('PUT', `/api/v1/suites/${suite.id}`, { json: {} })).status).toBe(401);
    expect((await put(suite.id, { retries: 1 }, viewer)).status).toBe(403);
    expect((await put(suite.id, { retries: 1 }, user)).status).toBe(403);
    expect((await put((await buildSuite(em(), { project: await foreignProject() })).id, { retries: 1 })).status).toBe(404);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: await ownProject(), role: 'admin' });
    expect((await put(suite.id, { retries: 1 }, scoped.token)).status).toBe(404);
    expect((await em().findOneOrFail(Suite, { id: suite.id })).retries).toBe(0);
  });
});

describe('DELETE /api/v1/suites/:id', () => {
  const del = (id: number, token = admin) => api.request('DELETE', `/api/v1/suites/${id}`, { token });

  it('deletes the suite with its finished runs and audits it', async () => {
    const project = await ownProject();
    const suite = await buildSuite(em(), { project, name: 'smoke' });
    const run = await buildRun(em(), { project, suite, status: 'partial_failed' });
    const res = await del(suite.id);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ project_id: project.id, resource_type: 'suite', resource_id: suite.id, resource_name: 'smoke', status: 'pending', prefixes: 1 });
    expect(await em().count(Suite, { id: suite.id })).toBe(0);
    expect(await em().count(Run, { id: run.id })).toBe(0);
    const [entry] = await auditOf('suite.deleted', suite.id);
    expect(entry!.details).toEqual({ project_id: project.id, name: 'smoke' });
    expect((await del(suite.id)).status).toBe(404);
  });

  it('answers 409 runs_in_progress while a run using it is not final', async () => {
    const project = await ownProject();
    const suite = await buildSuite(em(), { project });
    const environment = await buildEnvironment(em(), { project });
    for (const status of ['queued', 'provisioning', 'running', 'reporting'] as const) {
      const run = await buildRun(em(), { project, suite, environment, status });
      const res = await del(suite.id);
      expect(res.status, status).toBe(409);
      expect(res.body).toMatchObject({ code: 'runs_in_progress', detail: `Suite ${suite.id} is used by 1 run(s) in progress; cancel them or let them finish first` });
      await em().nativeUpdate(Run, { id: run.id }, { status: 'timed_out' });
    }
    expect(await auditOf('suite.deleted', suite.id)).toEqual([]);
    expect((await del(suite.id)).status).toBe(202);
  });

  it('is for admins, within the organization and the token scope', async () => {
    const suite = await buildSuite(em(), { project: await ownProject() });
    expect((await api.request('DELETE', `/api/v1/suites/${suite.id}`)).status).toBe(401);
    expect((await del(suite.id, viewer)).status).toBe(403);
    expect((await del(suite.id, user)).status).toBe(403);
    const foreign = await buildSuite(em(), { project: await foreignProject() });
    expect((await del(foreign.id)).status).toBe(404);
    expect(await em().count(Suite, { id: foreign.id })).toBe(1);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: await ownProject(), role: 'admin' });
    expect((await del(suite.id, scoped.token)).status).toBe(404);
    expect(await em().count(Suite, { id: suite.id })).toBe(1);
  });
});
