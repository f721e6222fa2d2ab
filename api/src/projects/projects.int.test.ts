import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, Environment, Project, Run, Suite, type AuditAction } from '@qatron/domain';
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
const auditOf = (action: AuditAction, id: number) => em().find(AuditLog, { action, resourceType: 'project', resourceId: String(id) }, { orderBy: { id: 'asc' } });
const auditCount = () => em().count(AuditLog, { action: { $like: 'project.%' } });
const fields = (res: { body: { errors?: { field: string }[] } }) => (res.body.errors ?? []).map((e) => e.field);
const foreignProject = async () => buildProject(em(), { organization: await buildOrganization(em()) });
const ownProject = (name?: string) => buildProject(em(), { organization: api.organization, ...(name ? { name } : {}) });
const post = (json: unknown, token = admin) => api.request('POST', '/api/v1/projects', { token, json });
let seq = 0;
const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${seq++}`;

describe('POST /api/v1/projects', () => {
  it('creates a project with defaults and audits it', async () => {
    const name = uniqueName('shop');
    const res = await post({ name: `  ${name} `, repo_url: 'https://github.com/acme/shop-tests.git' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      organization_id: api.organization.id,
      name,
      description: '',
      repo_url: 'https://github.com/acme/shop-tests.git',
      default_branch: 'main',
      auth_method: 'none',
      secret_ref: null,
      environment_count: 0,
      suite_count: 0,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const row = await em().findOneOrFail(Project, { id: res.body.id });
    expect(row.organization).toBe(api.organization.id);
    const created = await auditOf('project.created', res.body.id);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ actor: 'admin', organization: api.organization.id });
    expect(created[0]!.details).toEqual({
      name,
      description: '',
      repo_url: 'https://github.com/acme/shop-tests.git',
      default_branch: 'main',
      auth_method: 'none',
      secret_ref: null,
    });
    expect(await auditOf('project.secret_ref_changed', res.body.id)).toEqual([]);
  });

  it('stores a secret reference by name and audits the reference', async () => {
    const res = await post({
      name: uniqueName('private'),
      description: 'Checkout flows',
      repo_url: 'git@github.com:acme/private-tests.git',
      default_branch: 'release/2.x',
      auth_method: 'ssh',
      secret_ref: 'ACME_DEPLOY_KEY',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ auth_method: 'ssh', secret_ref: 'ACME_DEPLOY_KEY', default_branch: 'release/2.x', description: 'Checkout flows' });
    const [entry] = await auditOf('project.secret_ref_changed', res.body.id);
    expect(entry!.details).toEqual({ auth_method: { from: null, to: 'ssh' }, secret_ref: { from: null, to: 'ACME_DEPLOY_KEY' } });
  });

  it('accepts every supported repository form', async () => {
    // Local repositories must exist under QATRON_LOCAL_REPO_ROOTS (the test API allows the temp directory).
    const local = await mkdtemp(join(tmpdir(), 'qatron-repos-'));
    await mkdir(join(local, 'tests.git'));
    await mkdir(join(local, 'local tests'));
    const urls = [
      'https://gitlab.example.test/group/sub/repo.git',
      'http://git.internal:8080/repo',
      'ssh://git@git.example.test:2222/team/repo.git',
      'git@github.com:acme/repo.git',
      `file://${join(local, 'tests.git')}`,
      join(local, 'local tests'),
    ];
    for (const repo_url of urls) {
      const res = await post({ name: uniqueName('forms'), repo_url });
      expect(res.status, repo_url).toBe(201);
      expect(res.body.repo_url).toBe(repo_url);
    }
    await rm(local, { recursive: true, force: true });
  });

  it('rejects other repository URLs, option injection and embedded credentials with 422 on repo_url', async () => {
    const urls = [
      'ftp://example.test/repo.git',
      'ext::sh -c touch% /tmp/pwned',
      'relative/path/repo',
      '--upload-pack=touch /tmp/pwned',
      'ssh://-oProxyCommand=touch%20x/repo',
      'git@github.com:-oProxyCommand=x',
      'https://oauth2:glpat-abcdefghijklmnop@gitlab.example.test/repo.git',
      'https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/acme/repo.git',
      'file://otherhost/srv/repo',
      'javascript:alert(1)',
      '/srv/repo\nmalicious',
      '',
    ];
    const before = await em().count(Project, {});
    for (const repo_url of urls) {
      const res = await post({ name: uniqueName('bad-url'), repo_url });
      expect(res.status, repo_url).toBe(422);
      expect(res.body.code).toBe('validation_failed');
      expect(fields(res), repo_url).toEqual(['repo_url']);
      expect(JSON.stringify(res.body)).not.toContain('glpat-abcdefghijklmnop');
    }
    expect(await em().count(Project, {})).toBe(before);
  });

  it('rejects invalid branch names', async () => {
    for (const default_branch of ['feature..x', '-x', 'a b', 'topic.lock', 'HEAD', 'a:b', 'trailing/', 'x@{1}', '']) {
      const res = await post({ name: uniqueName('branch'), repo_url: 'https://example.test/r.git', default_branch });
      expect(res.status, default_branch).toBe(422);
      expect(fields(res)).toEqual(['default_branch']);
    }
  });

  it('requires secret_ref for token and ssh, and refuses it for none', async () => {
    const token = await post({ name: uniqueName('auth'), repo_url: 'https://example.test/r.git', auth_method: 'token' });
    expect(token.status).toBe(422);
    expect(token.body.errors).toEqual([{ field: 'secret_ref', message: 'is required when auth_method is token' }]);
    const ssh = await post({ name: uniqueName('auth'), repo_url: 'git@example.test:r.git', auth_method: 'ssh', secret_ref: null });
    expect(ssh.status).toBe(422);
    expect(fields(ssh)).toEqual(['secret_ref']);
    const none = await post({ name: uniqueName('auth'), repo_url: 'https://example.test/r.git', secret_ref: 'GIT_TOKEN' });
    expect(none.status).toBe(422);
    expect(none.body.errors).toEqual([{ field: 'secret_ref', message: 'must be null when auth_method is none' }]);
  });

  it('refuses a secret value where a secret name belongs, without echoing or storing it (FR-SEC-04)', async () => {
    const secrets = [
      'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8',
      'github_pat_11ABCDEFG0123456789_abcdefghijklmnop',
      'glpat-xxxxxxxxxxxxxxxxxxxx',
      'qat_k2J9xQm4T7vB1nL8pR3sW6yZ0cF5hD2gA9eU4iO7tM1',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      'Zx9_kQ2mN7pL4vR8tY1wE6uI3oP5aS0dF2gH7jK9lBq',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ];
    const audits = await auditCount();
    for (const secret_ref of secrets) {
      const res = await post({ name: uniqueName('leak'), repo_url: 'https://example.test/r.git', auth_method: 'token', secret_ref });
      expect(res.status, secret_ref).toBe(422);
      expect(res.body.errors).toEqual([{ field: 'secret_ref', message: expect.stringContaining('must name a secret') }]);
      expect(JSON.stringify(res.body)).not.toContain(secret_ref.slice(0, 12));
      expect(await em().count(Project, { secretRef: secret_ref })).toBe(0);
    }
    expect(await auditCount()).toBe(audits);
  });

  it('accepts long secret names made of words and refuses malformed names', async () => {
    const ok = await post({
      name: uniqueName('names'),
      repo_url: 'https://example.test/r.git',
      auth_method: 'token',
      secret_ref: 'org.example.payments-service.deploy-token.production_v2',
    });
    expect(ok.status).toBe(201);
    for (const secret_ref of ['1TOKEN', 'GIT TOKEN', 'token$', 'x'.repeat(256)]) {
      const res = await post({ name: uniqueName('names'), repo_url: 'https://example.test/r.git', auth_method: 'token', secret_ref });
      expect(res.status, secret_ref).toBe(422);
      expect(fields(res)).toEqual(['secret_ref']);
    }
  });

  it('names every invalid field and writes nothing', async () => {
    const projects = await em().count(Project, {});
    const audits = await auditCount();
    const res = await post({ name: '', repo_url: 42, auth_method: 'password', description: 'x'.repeat(10_001) });
    expect(res.status).toBe(422);
    expect(fields(res).sort()).toEqual(['auth_method', 'description', 'name', 'repo_url']);
    const long = await post({ name: 'n'.repeat(201), repo_url: 'https://example.test/r.git' });
    expect(fields(long)).toEqual(['name']);
    expect(await em().count(Project, {})).toBe(projects);
    expect(await auditCount()).toBe(audits);
  });

  it('answers 409 already_exists for a name taken in the organization, but not for one in another organization', async () => {
    const taken = await ownProject();
    const audits = await auditCount();
    const res = await post({ name: taken.name, repo_url: 'https://example.test/r.git' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'already_exists', detail: `A project named ${taken.name} already exists` });
    expect(await auditCount()).toBe(audits);
    const elsewhere = await foreignProject();
    expect((await post({ name: elsewhere.name, repo_url: 'https://example.test/r.git' })).status).toBe(201);
  });

  it('needs an admin that is not scoped to a project', async () => {
    const body = { name: uniqueName('roles'), repo_url: 'https://example.test/r.git' };
    expect((await api.request('POST', '/api/v1/projects', { json: body })).status).toBe(401);
    expect((await post(body, viewer)).status).toBe(403);
    expect((await post(body, user)).status).toBe(403);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: await ownProject(), role: 'admin' });
    const res = await post(body, scoped.token);
    expect(res.status).toBe(403);
    expect(res.body.detail).toBe('A project-scoped token cannot create projects');
    expect(await em().count(Project, { name: body.name })).toBe(0);
  });
});

describe('GET /api/v1/projects', () => {
  it("lists the organization's projects by name with counts, never another organization's", async () => {
    const prefix = uniqueName('listing');
    const b = await ownProject(`${prefix}-b`);
    const a = await ownProject(`${prefix}-a`);
    await buildEnvironment(em(), { project: a, kind: 'staging' });
    await buildEnvironment(em(), { project: a, kind: 'production' });
    await buildSuite(em(), { project: a, name: 'smoke' });
    const foreign = await buildProject(em(), { organization: await buildOrganization(em()), name: `${prefix}-c` });
    const res = await api.request('GET', `/api/v1/projects?q=${prefix}`, { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(res.body.items.map((p: { id: number }) => p.id)).toEqual([a.id, b.id]);
    expect(res.body.items[0]).toMatchObject({ name: `${prefix}-a`, environment_count: 2, suite_count: 1 });
    expect(res.body.items[1]).toMatchObject({ environment_count: 0, suite_count: 0 });
    const all = await api.request('GET', '/api/v1/projects?limit=200', { token: viewer });
    expect(all.body.items.some((p: { id: number }) => p.id === foreign.id)).toBe(false);
    expect(all.body.items.every((p: { organization_id: number }) => p.organization_id === api.organization.id)).toBe(true);
  });

  it('pages with limit and offset and matches q case-insensitively and literally', async () => {
    const prefix = uniqueName('Paging');
    for (const suffix of ['1', '2', '3']) await ownProject(`${prefix}-${suffix}`);
    await ownProject(`${prefix}%-x`);
    const page = await api.request('GET', `/api/v1/projects?q=${prefix.toLowerCase()}-&limit=2&offset=1`, { token: viewer });
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 1 });
    expect(page.body.items.map((p: { name: string }) => p.name)).toEqual([`${prefix}-2`, `${prefix}-3`]);
    const literal = await api.request('GET', `/api/v1/projects?q=${encodeURIComponent(`${prefix}%`)}`, { token: viewer });
    expect(literal.body.items.map((p: { name: string }) => p.name)).toEqual([`${prefix}%-x`]);
  });

  it('shows a project-scoped token its own project only', async () => {
    const mine = await ownProject();
    await ownProject();
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: mine, role: 'viewer' });
    const res = await api.request('GET', '/api/v1/projects', { token: scoped.token });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(1);
    expect(res.body.items.map((p: { id: number }) => p.id)).toEqual([mine.id]);
  });

  it('validates the page and needs authentication', async () => {
    const res = await api.request('GET', '/api/v1/projects?limit=0&offset=-1', { token: viewer });
    expect(res.status).toBe(422);
    expect(fields(res).sort()).toEqual(['query.limit', 'query.offset']);
    expect((await api.request('GET', '/api/v1/projects')).status).toBe(401);
  });
});

describe('GET /api/v1/projects/:id', () => {
  it('answers a project with its counts to a viewer', async () => {
    const project = await ownProject();
    await buildSuite(em(), { project, name: 'smoke' });
    await buildSuite(em(), { project, name: 'regression' });
    const res = await api.request('GET', `/api/v1/projects/${project.id}`, { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: project.id, name: project.name, repo_url: 'https://example.test/repo.git', environment_count: 0, suite_count: 2 });
  });

  it('answers 404 for unknown ids, other organizations and projects outside a scoped token', async () => {
    const foreign = await foreignProject();
    const res = await api.request('GET', `/api/v1/projects/${foreign.id}`, { token: admin });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'not_found', detail: `Project ${foreign.id} not found` });
    expect((await api.request('GET', '/api/v1/projects/99999999', { token: admin })).status).toBe(404);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: await ownProject(), role: 'admin' });
    const other = await ownProject();
    expect((await api.request('GET', `/api/v1/projects/${other.id}`, { token: scoped.token })).status).toBe(404);
  });

  it('validates the id and needs authentication', async () => {
    const res = await api.request('GET', '/api/v1/projects/abc', { token: viewer });
    expect(res.status).toBe(422);
    expect(fields(res)).toEqual(['path.id']);
    expect((await api.request('GET', '/api/v1/projects/1')).status).toBe(401);
  });
});

describe('PUT /api/v1/projects/:id', () => {
  const put = (id: number, json: unknown, token = admin) => api.request('PUT', `/api/v1/projects/${id}`, { token, json });

  it('changes only the fields given and audits exactly what changed', async () => {
    const project = await ownProject();
    const res = await put(project.id, { description: 'Nightly regression' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: project.name, description: 'Nightly regression', repo_url: project.repoUrl, default_branch: 'main', auth_method: 'none' });
    const [entry, ...rest] = await auditOf('project.updated', project.id);
    expect(rest).toEqual([]);
    expect(entry!.details).toEqual({ description: { from: '', to: 'Nightly regression' } });
    expect(await auditOf('project.secret_ref_changed', project.id)).toEqual([]);
  });

  it('writes no audit entry when nothing changes', async () => {
    const project = await ownProject();
    const res = await put(project.id, { name: project.name, default_branch: 'main' });
    expect(res.status).toBe(200);
    expect((await put(project.id, {})).status).toBe(200);
    expect(await auditOf('project.updated', project.id)).toEqual([]);
  });

  it('audits secret reference changes by name, and drops the reference when switching to none', async () => {
    const project = await ownProject();
    const toToken = await put(project.id, { auth_method: 'token', secret_ref: 'GIT_TOKEN' });
    expect(toToken.status).toBe(200);
    expect(toToken.body).toMatchObject({ auth_method: 'token', secret_ref: 'GIT_TOKEN' });
    const renamed = await put(project.id, { secret_ref: 'GIT_TOKEN_V2' });
    expect(renamed.body.secret_ref).toBe('GIT_TOKEN_V2');
    const toNone = await put(project.id, { auth_method: 'none' });
    expect(toNone.body).toMatchObject({ auth_method: 'none', secret_ref: null });
    const secretEntries = await auditOf('project.secret_ref_changed', project.id);
    expect(secretEntries.map((e) => e.details)).toEqual([
      { auth_method: { from: 'none', to: 'token' }, secret_ref: { from: null, to: 'GIT_TOKEN' } },
      { auth_method: { from: 'token', to: 'token' }, secret_ref: { from: 'GIT_TOKEN', to: 'GIT_TOKEN_V2' } },
      { auth_method: { from: 'token', to: 'none' }, secret_ref: { from: 'GIT_TOKEN_V2', to: null } },
    ]);
    const updates = await auditOf('project.updated', project.id);
    expect(updates.map((e) => e.details)).toEqual([
      { auth_method: { from: 'none', to: 'token' }, secret_ref: { from: null, to: 'GIT_TOKEN' } },
      { secret_ref: { from: 'GIT_TOKEN', to: 'GIT_TOKEN_V2' } },
      { auth_method: { from: 'token', to: 'none' }, secret_ref: { from: 'GIT_TOKEN_V2', to: null } },
    ]);
  });

  it('checks auth_method and secret_ref against the stored values', async () => {
    const project = await ownProject();
    const res = await put(project.id, { auth_method: 'ssh' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'secret_ref', message: 'is required when auth_method is ssh' }]);
    const none = await put(project.id, { secret_ref: 'GIT_TOKEN' });
    expect(none.status).toBe(422);
    expect(fields(none)).toEqual(['secret_ref']);
    const leak = await put(project.id, { auth_method: 'token', secret_ref: 'glpat-AbCdEfGhIjKlMnOpQrSt' });
    expect(leak.status).toBe(422);
    const row = await em().findOneOrFail(Project, { id: project.id });
    expect(row).toMatchObject({ authMethod: 'none', secretRef: null });
    expect(await auditOf('project.updated', project.id)).toEqual([]);
  });

  it('leaves the project untouched on invalid input', async () => {
    const project = await ownProject();
    const res = await put(project.id, { name: 'renamed', repo_url: 'ftp://nope' });
    expect(res.status).toBe(422);
    expect(fields(res)).toEqual(['repo_url']);
    expect((await em().findOneOrFail(Project, { id: project.id })).name).toBe(project.name);
    expect(await auditOf('project.updated', project.id)).toEqual([]);
  });

  it('answers 409 already_exists when renaming onto another project', async () => {
    const first = await ownProject();
    const second = await ownProject();
    const res = await put(second.id, { name: first.name, description: 'changed' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('already_exists');
    expect(await em().findOneOrFail(Project, { id: second.id })).toMatchObject({ name: second.name, description: '' });
    expect(await auditOf('project.updated', second.id)).toEqual([]);
  });

  it('is for admins, within the organization and the token scope', async () => {
    const project = await ownProject();
    expect((await api.request('PUT', `/api/v1/projects/${project.id}`, { json: {} })).status).toBe(401);
    expect((await put(project.id, { description: 'x' }, viewer)).status).toBe(403);
    expect((await put(project.id, { description: 'x' }, user)).status).toBe(403);
    expect((await put((await foreignProject()).id, { description: 'x' })).status).toBe(404);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project, role: 'admin' });
    expect((await put((await ownProject()).id, { description: 'x' }, scoped.token)).status).toBe(404);
    const own = await put(project.id, { description: 'by token' }, scoped.token);
    expect(own.status).toBe(200);
    const [entry] = await auditOf('project.updated', project.id);
    expect(entry!.actor).toBe(`token:${scoped.serviceToken.name}`);
  });
});

describe('DELETE /api/v1/projects/:id', () => {
  const del = (id: number, token = admin) => api.request('DELETE', `/api/v1/projects/${id}`, { token });

  it('deletes the project with its environments, suites and finished runs, and audits it', async () => {
    const project = await ownProject();
    const environment = await buildEnvironment(em(), { project });
    const suite = await buildSuite(em(), { project });
    await buildRun(em(), { project, suite, environment, status: 'completed' });
    const res = await del(project.id);
    // The artifacts go in the background (an API without Temporal leaves the purge pending).
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ project_id: project.id, resource_type: 'project', resource_id: project.id, resource_name: project.name, status: 'pending', prefixes_done: 0 });
    expect(await em().count(Project, { id: project.id })).toBe(0);
    expect(await em().count(Environment, { project: project.id })).toBe(0);
    expect(await em().count(Suite, { project: project.id })).toBe(0);
    expect(await em().count(Run, { project: project.id })).toBe(0);
    const [entry] = await auditOf('project.deleted', project.id);
    expect(entry!.details).toEqual({ name: project.name, repo_url: project.repoUrl, environments: 1, suites: 1, runs: 1 });
    expect((await del(project.id)).status).toBe(404);
  });

  it('answers 409 runs_in_progress while a run is not final, and deletes once it is', async () => {
    const project = await ownProject();
    const run = await buildRun(em(), { project, status: 'running' });
    const res = await del(project.id);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'runs_in_progress', detail: `Project ${project.id} has 1 run(s) in progress; cancel them or let them finish first` });
    expect(await em().count(Project, { id: project.id })).toBe(1);
    expect(await auditOf('project.deleted', project.id)).toEqual([]);
    await em().nativeUpdate(Run, { id: run.id }, { status: 'cancelled' });
    expect((await del(project.id)).status).toBe(202);
  });

  it('is for admins, within the organization and the token scope', async () => {
    const project = await ownProject();
    expect((await api.request('DELETE', `/api/v1/projects/${project.id}`)).status).toBe(401);
    expect((await del(project.id, viewer)).status).toBe(403);
    expect((await del(project.id, user)).status).toBe(403);
    const foreign = await foreignProject();
    expect((await del(foreign.id)).status).toBe(404);
    expect(await em().count(Project, { id: foreign.id })).toBe(1);
    const scoped = await buildServiceToken(em(), { organization: api.organization, project, role: 'admin' });
    const other = await ownProject();
    expect((await del(other.id, scoped.token)).status).toBe(404);
    expect(await em().count(Project, { id: other.id })).toBe(1);
    expect(await em().count(Project, { id: project.id })).toBe(1);
  });
});
