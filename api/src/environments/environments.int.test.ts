import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, Dataset, Environment, Run, type AuditAction, type Project } from '@qatron/domain';
import { registerResource } from '@qatron/domain/infrastructure/registry';
import { buildEnvironment, buildOrganization, buildProject, buildRun, buildServiceToken } from '@qatron/domain/testing';
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
const auditOf = (action: AuditAction, id: number) => em().find(AuditLog, { action, resourceType: 'environment', resourceId: String(id) }, { orderBy: { id: 'asc' } });
const auditCount = () => em().count(AuditLog, { action: { $like: 'environment.%' } });
const fields = (res: { body: { errors?: { field: string }[] } }) => (res.body.errors ?? []).map((e) => e.field);
const ownProject = () => buildProject(em(), { organization: api.organization });
const foreignProject = async () => buildProject(em(), { organization: await buildOrganization(em()) });
const create = (project: Project | number, json: unknown, token = admin) =>
  api.request('POST', `/api/v1/projects/${typeof project === 'number' ? project : project.id}/environments`, { token, json });

async function buildDataset(organization: number, project: number | null = null): Promise<Dataset> {
  const fork = em();
  const dataset = new Dataset(organization, `dataset-${Math.random().toString(36).slice(2)}`);
  dataset.project = project;
  await fork.persist(dataset).flush();
  return dataset;
}

describe('POST /api/v1/projects/:id/environments', () => {
  it('creates an environment with defaults and audits it', async () => {
    const project = await ownProject();
    const res = await create(project, { name: ' staging ', kind: 'staging' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      organization_id: api.organization.id,
      project_id: project.id,
      name: 'staging',
      kind: 'staging',
      base_url: null,
      variables: {},
      secret_refs: {},
      retention_days: null,
      effective_retention_days: 90,
      dataset_id: null,
      grid_id: null,
      grid_name: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const [entry, ...rest] = await auditOf('environment.created', res.body.id);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ actor: 'admin', organization: api.organization.id });
    expect(entry!.details).toEqual({
      project_id: project.id,
      name: 'staging',
      kind: 'staging',
      base_url: null,
      variables: {},
      secret_refs: {},
      retention_days: null,
      dataset_id: null,
      grid_id: null,
    });
    expect(await auditOf('environment.secret_ref_changed', res.body.id)).toEqual([]);
  });

  it('stores variables, secret references by name, retention and a dataset, and audits the references', async () => {
    const project = await ownProject();
    const dataset = await buildDataset(api.organization.id, project.id);
    const res = await create(project, {
      name: 'prod',
      kind: 'production',
      base_url: 'https://shop.example.test/',
      variables: { LOCALE: 'de-DE', API_VERSION: '2' },
      secret_refs: { SHOP_PASSWORD: 'shop-prod.password', API_TOKEN: 'SHOP_API_TOKEN' },
      retention_days: 365,
      dataset_id: dataset.id,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      base_url: 'https://shop.example.test/',
      variables: { API_VERSION: '2', LOCALE: 'de-DE' },
      secret_refs: { API_TOKEN: 'SHOP_API_TOKEN', SHOP_PASSWORD: 'shop-prod.password' },
      retention_days: 365,
      effective_retention_days: 365,
      dataset_id: dataset.id,
    });
    expect(Object.keys(res.body.variables)).toEqual(['API_VERSION', 'LOCALE']);
    const [entry] = await auditOf('environment.secret_ref_changed', res.body.id);
    expect(entry!.details).toEqual({ secret_refs: { from: {}, to: { API_TOKEN: 'SHOP_API_TOKEN', SHOP_PASSWORD: 'shop-prod.password' } } });
    const row = await em().findOneOrFail(Environment, { id: res.body.id });
    expect(row.secretRefs).toEqual({ API_TOKEN: 'SHOP_API_TOKEN', SHOP_PASSWORD: 'shop-prod.password' });
  });

  it('applies the default retention of the kind (PRD 13.1)', async () => {
    const project = await ownProject();
    for (const [kind, days] of [['development', 30], ['staging', 90], ['production', 180]] as const) {
      const res = await create(project, { name: kind, kind });
      expect(res.body.effective_retention_days).toBe(days);
    }
  });

  it('names every invalid field and writes nothing', async () => {
    const project = await ownProject();
    const audits = await auditCount();
    const tooMany = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`VAR_${i}`, 'x']));
    const cases: [unknown, string[]][] = [
      [{ name: 'x' }, ['kind']],
      [{ name: '', kind: 'qa' }, ['kind', 'name']],
      [{ name: 'n'.repeat(101), kind: 'staging' }, ['name']],
      [{ name: 'x', kind: 'staging', base_url: 'ftp://files.example.test' }, ['base_url']],
      [{ name: 'x', kind: 'staging', base_url: 'not a url' }, ['base_url']],
      [{ name: 'x', kind: 'staging', base_url: 'https://admin:hunter2@shop.example.test' }, ['base_url']],
      [{ name: 'x', kind: 'staging', variables: { '1BAD': 'x', 'WITH-DASH': 'y', OK: 3 } }, ['variables.1BAD', 'variables.OK', 'variables.WITH-DASH']],
      [{ name: 'x', kind: 'staging', variables: tooMany }, ['variables']],
      [{ name: 'x', kind: 'staging', variables: ['A=1'] }, ['variables']],
      [{ name: 'x', kind: 'staging', variables: { TOKEN: 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8' } }, ['variables.TOKEN']],
      [{ name: 'x', kind: 'staging', secret_refs: { 'BAD KEY': 'NAME', GOOD: '9starts-with-digit' } }, ['secret_refs.BAD KEY', 'secret_refs.GOOD']],
      [{ name: 'x', kind: 'staging', retention_days: 0 }, ['retention_days']],
      [{ name: 'x', kind: 'staging', retention_days: 3651 }, ['retention_days']],
      [{ name: 'x', kind: 'staging', retention_days: 1.5 }, ['retention_days']],
      [{ name: 'x', kind: 'staging', dataset_id: 'one' }, ['dataset_id']],
    ];
    for (const [json, expected] of cases) {
      const res = await create(project, json);
      expect(res.status, JSON.stringify(json).slice(0, 200)).toBe(422);
      expect(fields(res).sort(), JSON.stringify(json).slice(0, 200)).toEqual(expected);
    }
    expect(await em().count(Environment, { project: project.id })).toBe(0);
    expect(await auditCount()).toBe(audits);
  });

  it('refuses secret values in secret_refs without echoing them (FR-SEC-04)', async () => {
    const project = await ownProject();
    const secret = 'glpat-Zx9kQ2mN7pL4vR8tY1wE';
    const res = await create(project, { name: 'x', kind: 'staging', secret_refs: { GIT_TOKEN: secret } });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'secret_refs.GIT_TOKEN', message: expect.stringContaining('must name a secret') }]);
    expect(JSON.stringify(res.body)).not.toContain(secret);
  });

  it('refuses a name that is both a variable and a secret reference', async () => {
    const project = await ownProject();
    const res = await create(project, { name: 'x', kind: 'staging', variables: { API_KEY: 'x' }, secret_refs: { API_KEY: 'API_KEY' } });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'secret_refs.API_KEY', message: 'is also in variables; a name is either a plain variable or a secret reference' }]);
  });

  it("accepts a shared or the project's own dataset, and refuses others with 422 on dataset_id", async () => {
    const project = await ownProject();
    const shared = await buildDataset(api.organization.id);
    expect((await create(project, { name: 'shared', kind: 'staging', dataset_id: shared.id })).status).toBe(201);
    const audits = await auditCount();
    const foreignOrg = await buildOrganization(em());
    const others = [
      await buildDataset(foreignOrg.id),
      await buildDataset(api.organization.id, (await ownProject()).id),
      { id: 99999999 },
    ];
    for (const dataset of others) {
      const res = await create(project, { name: `d-${dataset.id}`, kind: 'staging', dataset_id: dataset.id });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ field: 'dataset_id', message: `dataset ${dataset.id} does not exist` }]);
    }
    expect(await auditCount()).toBe(audits);
    expect(await em().count(Environment, { project: project.id })).toBe(1);
  });

  it('answers 409 already_exists for a name taken in the project only', async () => {
    const project = await ownProject();
    await buildEnvironment(em(), { project, name: 'qa' });
    const audits = await auditCount();
    const res = await create(project, { name: 'qa', kind: 'development' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'already_exists', detail: 'This project already has an environment named qa' });
    expect(await auditCount()).toBe(audits);
    expect((await create(await ownProject(), { name: 'qa', kind: 'development' })).status).toBe(201);
  });

  it('is for admins, within the organization and the token scope', async () => {
    const project = await ownProject();
    const body = { name: 'roles', kind: 'staging' };
    expect((await api.request('POST', `/api/v1/projects/${project.id}/environments`, { json: body })).status).toBe(401);
    expect((await create(project, body, viewer)).status).toBe(403);
    expect((await create(project, body, user)).status).toBe(403);
    const foreign = await create(await foreignProject(), body);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('not_found');
    const scoped = await buildServiceToken(em(), { organization: api.organization, project, role: 'admin' });
    expect((await create(await ownProject(), body, scoped.token)).status).toBe(404);
    const own = await create(project, body, scoped.token);
    expect(own.status).toBe(201);
    const [entry] = await auditOf('environment.created', own.body.id);
    expect(entry!.actor).toBe(`token:${scoped.serviceToken.name}`);
  });
});

describe('GET /api/v1/projects/:id/environments', () => {
  it("lists a project's environments by name, a page at a time", async () => {
    const project = await ownProject();
    for (const name of ['staging', 'dev', 'prod']) await buildEnvironment(em(), { project, name });
    await buildEnvironment(em(), { project: await ownProject(), name: 'elsewhere' });
    const res = await api.request('GET', `/api/v1/projects/${project.id}/environments`, { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 3, limit: 50, offset: 0 });
    expect(res.body.items.map((e: { name: string }) => e.name)).toEqual(['dev', 'prod', 'staging']);
    const page = await api.request('GET', `/api/v1/projects/${project.id}/environments?limit=1&offset=1`, { token: viewer });
    expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(page.body.items.map((e: { name: string }) => e.name)).toEqual(['prod']);
  });

  it('answers 404 for projects of another organization or outside the token scope, 401 without a token', async () => {
    expect((await api.request('GET', `/api/v1/projects/${(await foreignProject()).id}/environments`, { token: viewer })).status).toBe(404);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: await ownProject(), role: 'viewer' });
    const other = await ownProject();
    expect((await api.request('GET', `/api/v1/projects/${other.id}/environments`, { token: scoped.token })).status).toBe(404);
    expect((await api.request('GET', `/api/v1/projects/${other.id}/environments`)).status).toBe(401);
    const bad = await api.request('GET', `/api/v1/projects/${other.id}/environments?limit=500`, { token: viewer });
    expect(bad.status).toBe(422);
    expect(fields(bad)).toEqual(['query.limit']);
  });
});

describe('GET /api/v1/environments/:id', () => {
  it('answers an environment to a viewer', async () => {
    const project = await ownProject();
    const environment = await buildEnvironment(em(), { project, kind: 'production', name: 'live' });
    const res = await api.request('GET', `/api/v1/environments/${environment.id}`, { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: environment.id, project_id: project.id, name: 'live', kind: 'production', base_url: 'https://production.example.test', effective_retention_days: 180 });
  });

  it('answers 404 across organizations and token scopes, 401 without a token, 422 for a bad id', async () => {
    const foreign = await buildEnvironment(em(), { project: await foreignProject() });
    const res = await api.request('GET', `/api/v1/environments/${foreign.id}`, { token: admin });
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe(`Environment ${foreign.id} not found`);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: await ownProject(), role: 'admin' });
    const other = await buildEnvironment(em(), { project: await ownProject() });
    expect((await api.request('GET', `/api/v1/environments/${other.id}`, { token: scoped.token })).status).toBe(404);
    expect((await api.request('GET', `/api/v1/environments/${other.id}`)).status).toBe(401);
    expect(fields(await api.request('GET', '/api/v1/environments/0', { token: viewer }))).toEqual(['path.id']);
  });
});

describe('PUT /api/v1/environments/:id', () => {
  const put = (id: number, json: unknown, token = admin) => api.request('PUT', `/api/v1/environments/${id}`, { token, json });

  it('changes only the fields given and audits exactly what changed', async () => {
    const environment = await buildEnvironment(em(), { project: await ownProject(), kind: 'staging' });
    const res = await put(environment.id, { retention_days: 14, variables: { B: '2', A: '1' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: environment.name, kind: 'staging', base_url: environment.baseUrl, retention_days: 14, effective_retention_days: 14, variables: { A: '1', B: '2' } });
    const [entry, ...rest] = await auditOf('environment.updated', environment.id);
    expect(rest).toEqual([]);
    expect(entry!.details).toEqual({ variables: { from: {}, to: { A: '1', B: '2' } }, retention_days: { from: null, to: 14 } });
    expect(await auditOf('environment.secret_ref_changed', environment.id)).toEqual([]);
    // The same maps in another order, and a null that was null: nothing to audit.
    expect((await put(environment.id, { variables: { A: '1', B: '2' }, base_url: environment.baseUrl })).status).toBe(200);
    expect((await put(environment.id, {})).status).toBe(200);
    expect(await auditOf('environment.updated', environment.id)).toHaveLength(1);
    const reset = await put(environment.id, { retention_days: null, kind: 'production' });
    expect(reset.body).toMatchObject({ retention_days: null, effective_retention_days: 180 });
  });

  it('audits secret reference changes by name', async () => {
    const environment = await buildEnvironment(em(), { project: await ownProject() });
    await put(environment.id, { secret_refs: { DB_PASSWORD: 'staging-db' } });
    await put(environment.id, { secret_refs: { DB_PASSWORD: 'staging-db-v2', SMTP: 'SMTP_PASSWORD' } });
    await put(environment.id, { secret_refs: {} });
    const entries = await auditOf('environment.secret_ref_changed', environment.id);
    expect(entries.map((e) => e.details)).toEqual([
      { secret_refs: { from: {}, to: { DB_PASSWORD: 'staging-db' } } },
      { secret_refs: { from: { DB_PASSWORD: 'staging-db' }, to: { DB_PASSWORD: 'staging-db-v2', SMTP: 'SMTP_PASSWORD' } } },
      { secret_refs: { from: { DB_PASSWORD: 'staging-db-v2', SMTP: 'SMTP_PASSWORD' }, to: {} } },
    ]);
    expect((await em().findOneOrFail(Environment, { id: environment.id })).secretRefs).toEqual({});
  });

  it('checks the merged maps, the dataset and the input, and changes nothing when they fail', async () => {
    const environment = await buildEnvironment(em(), { project: await ownProject() });
    await put(environment.id, { variables: { REGION: 'eu' } });
    const overlap = await put(environment.id, { secret_refs: { REGION: 'REGION_SECRET' } });
    expect(overlap.status).toBe(422);
    expect(fields(overlap)).toEqual(['secret_refs.REGION']);
    const dataset = await put(environment.id, { dataset_id: (await buildDataset((await buildOrganization(em())).id)).id });
    expect(dataset.status).toBe(422);
    expect(fields(dataset)).toEqual(['dataset_id']);
    const invalid = await put(environment.id, { name: 'renamed', kind: 'prod' });
    expect(invalid.status).toBe(422);
    expect(fields(invalid)).toEqual(['kind']);
    const row = await em().findOneOrFail(Environment, { id: environment.id });
    expect(row).toMatchObject({ name: environment.name, secretRefs: {}, dataset: null, variables: { REGION: 'eu' } });
    expect(await auditOf('environment.updated', environment.id)).toHaveLength(1);
  });

  it('answers 409 already_exists when renaming onto a sibling', async () => {
    const project = await ownProject();
    await buildEnvironment(em(), { project, name: 'dev' });
    const environment = await buildEnvironment(em(), { project, name: 'qa' });
    const res = await put(environment.id, { name: 'dev', retention_days: 5 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('already_exists');
    expect(await em().findOneOrFail(Environment, { id: environment.id })).toMatchObject({ name: 'qa', retentionDays: null });
    expect(await auditOf('environment.updated', environment.id)).toEqual([]);
  });

  it('is for admins, within the organization and the token scope', async () => {
    const project = await ownProject();
    const environment = await buildEnvironment(em(), { project });
    expect((await api.request('PUT', `/api/v1/environments/${environment.id}`, { json: {} })).status).toBe(401);
    expect((await put(environment.id, { retention_days: 3 }, viewer)).status).toBe(403);
    expect((await put(environment.id, { retention_days: 3 }, user)).status).toBe(403);
    expect((await put((await buildEnvironment(em(), { project: await foreignProject() })).id, { retention_days: 3 })).status).toBe(404);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: await ownProject(), role: 'admin' });
    expect((await put(environment.id, { retention_days: 3 }, scoped.token)).status).toBe(404);
    expect((await em().findOneOrFail(Environment, { id: environment.id })).retentionDays).toBeNull();
  });
});

describe('the Selenium Grid of an environment (grid_id)', () => {
  const resource = async (organization: number, kind: 'grid' | 'worker') =>
    (await registerResource(em(), { organization, name: `${kind}-${Math.random().toString(36).slice(2)}`, kind, url: 'http://127.0.0.1:1' }, new Date())).resource;

  it('names an own Grid on create and update, answers its name, audits the change, and clears it with null', async () => {
    const grid = await resource(api.organization.id, 'grid');
    const created = await create(await ownProject(), { name: 'browsers', kind: 'staging', grid_id: grid.id });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ grid_id: grid.id, grid_name: grid.name });
    const read = await api.request('GET', `/api/v1/environments/${created.body.id}`, { token: viewer });
    expect(read.body).toMatchObject({ grid_id: grid.id, grid_name: grid.name });
    const other = await resource(api.organization.id, 'grid');
    const moved = await api.request('PUT', `/api/v1/environments/${created.body.id}`, { token: admin, json: { grid_id: other.id } });
    expect(moved.body).toMatchObject({ grid_id: other.id, grid_name: other.name });
    const cleared = await api.request('PUT', `/api/v1/environments/${created.body.id}`, { token: admin, json: { grid_id: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ grid_id: null, grid_name: null });
    expect((await em().findOneOrFail(Environment, { id: created.body.id })).grid).toBeNull();
    expect((await auditOf('environment.updated', created.body.id)).map((e) => e.details)).toEqual([
      { grid_id: { from: grid.id, to: other.id } },
      { grid_id: { from: other.id, to: null } },
    ]);
  });

  it("refuses an unknown id, a worker and another organization's Grid with 422 naming grid_id, and changes nothing", async () => {
    const worker = await resource(api.organization.id, 'worker');
    const foreign = await resource((await buildOrganization(em())).id, 'grid');
    const project = await ownProject();
    const cases: [number, string][] = [
      [2_000_000_000, 'grid 2000000000 does not exist'],
      [worker.id, `infrastructure resource ${worker.id} is a worker, not a Grid`],
      [foreign.id, `grid ${foreign.id} does not exist`],
    ];
    const environment = await buildEnvironment(em(), { project });
    for (const [gridId, message] of cases) {
      const created = await create(project, { name: `refused-${gridId}`, kind: 'staging', grid_id: gridId });
      expect(created.status).toBe(422);
      expect(created.body.errors).toEqual([{ field: 'grid_id', message }]);
      const updated = await api.request('PUT', `/api/v1/environments/${environment.id}`, { token: admin, json: { grid_id: gridId } });
      expect(updated.status).toBe(422);
      expect(updated.body.errors).toEqual([{ field: 'grid_id', message }]);
    }
    expect(await em().count(Environment, { project: project.id })).toBe(1);
    expect((await em().findOneOrFail(Environment, { id: environment.id })).grid).toBeNull();
    expect(fields(await create(project, { name: 'x', kind: 'staging', grid_id: 'one' }))).toEqual(['grid_id']);
  });

  it('is left without a Grid when the Grid is removed', async () => {
    const grid = await resource(api.organization.id, 'grid');
    const created = await create(await ownProject(), { name: 'orphaned', kind: 'staging', grid_id: grid.id });
    expect((await api.request('DELETE', `/api/v1/infrastructure/${grid.id}`, { token: admin })).status).toBe(204);
    const read = await api.request('GET', `/api/v1/environments/${created.body.id}`, { token: viewer });
    expect(read.body).toMatchObject({ grid_id: null, grid_name: null });
  });
});

describe('DELETE /api/v1/environments/:id', () => {
  const del = (id: number, token = admin) => api.request('DELETE', `/api/v1/environments/${id}`, { token });

  it('deletes the environment with its finished runs and audits it', async () => {
    const project = await ownProject();
    const environment = await buildEnvironment(em(), { project, kind: 'development', name: 'dev' });
    const run = await buildRun(em(), { project, environment, status: 'failed' });
    const res = await del(environment.id);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ project_id: project.id, resource_type: 'environment', resource_id: environment.id, resource_name: 'dev', status: 'pending', prefixes: 1 });
    expect(await em().count(Environment, { id: environment.id })).toBe(0);
    expect(await em().count(Run, { id: run.id })).toBe(0);
    const [entry] = await auditOf('environment.deleted', environment.id);
    expect(entry!.details).toEqual({ project_id: project.id, name: 'dev', kind: 'development' });
    expect((await del(environment.id)).status).toBe(404);
  });

  it('answers 409 runs_in_progress while a run using it is not final', async () => {
    const project = await ownProject();
    const environment = await buildEnvironment(em(), { project });
    const run = await buildRun(em(), { project, environment, status: 'queued' });
    const res = await del(environment.id);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'runs_in_progress', detail: `Environment ${environment.id} is used by 1 run(s) in progress; cancel them or let them finish first` });
    expect(await em().count(Environment, { id: environment.id })).toBe(1);
    expect(await auditOf('environment.deleted', environment.id)).toEqual([]);
    await em().nativeUpdate(Run, { id: run.id }, { status: 'completed' });
    expect((await del(environment.id)).status).toBe(202);
  });

  it('is for admins, within the organization and the token scope', async () => {
    const project = await ownProject();
    const environment = await buildEnvironment(em(), { project });
    expect((await api.request('DELETE', `/api/v1/environments/${environment.id}`)).status).toBe(401);
    expect((await del(environment.id, viewer)).status).toBe(403);
    expect((await del(environment.id, user)).status).toBe(403);
    const foreign = await buildEnvironment(em(), { project: await foreignProject() });
    expect((await del(foreign.id)).status).toBe(404);
    expect(await em().count(Environment, { id: foreign.id })).toBe(1);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: await ownProject(), role: 'admin' });
    expect((await del(environment.id, scoped.token)).status).toBe(404);
    expect(await em().count(Environment, { id: environment.id })).toBe(1);
  });
});
