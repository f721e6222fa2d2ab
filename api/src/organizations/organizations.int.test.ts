import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunArtifact, runPrefix } from '@qatron/domain';
import { buildProject, buildRun, buildServiceToken } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';

let api: TestApi;
let platformAdmin: string;

/** A new organization's first admin signs in and replaces the initial password, as they must; the session stays. */
async function firstSignIn(username: string): Promise<string> {
  const token = await api.login(username, 'initial-password');
  const changed = await api.request('POST', '/api/v1/auth/password', { token, json: { current_password: 'initial-password', new_password: 'chosen-password' } });
  expect(changed.status).toBe(204);
  return token;
}

beforeAll(async () => {
  api = await startTestApi();
  platformAdmin = await api.login('admin', 'admin');
});
afterAll(() => api.close());

const newOrganization = (suffix: string) => ({
  name: `Acme ${suffix}`,
  settings: { description: 'QA for Acme' },
  admin: { username: `acme-admin-${suffix}`, email: `admin-${suffix}@acme.test`, password: 'initial-password' },
});

describe('POST /api/v1/organizations', () => {
  it('creates an organization with its first admin, who signs in to it and must change the initial password first, audited', async () => {
    const res = await api.request('POST', '/api/v1/organizations', { token: platformAdmin, json: newOrganization('one') });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Acme one', slug: 'acme-one', is_active: true, deactivated_at: null, settings: { description: 'QA for Acme' } });
    expect(res.body.admin).toMatchObject({ username: 'acme-admin-one', email: 'admin-one@acme.test' });
    const token = await api.login('acme-admin-one', 'initial-password');
    const refused = await api.request('GET', '/api/v1/auth/me', { token });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('password_change_required');
    const changed = await api.request('POST', '/api/v1/auth/password', { token, json: { current_password: 'initial-password', new_password: 'chosen-password' } });
    expect(changed.status).toBe(204);
    const me = await api.request('GET', '/api/v1/auth/me', { token });
    expect(me.body).toMatchObject({ organization_id: res.body.id, role: 'admin' });
    const audit = await api.request('GET', '/api/v1/audit-logs?action=organization.created', { token: platformAdmin });
    expect(audit.body.items.map((e: { resource_id: string }) => e.resource_id)).toContain(String(res.body.id));
    const own = await api.request('GET', '/api/v1/audit-logs?action=user.registered', { token });
    expect(own.body.items).toHaveLength(1);
    expect(own.body.items[0].details).toMatchObject({ username: 'acme-admin-one', reason: 'organization created' });
  });

  it('answers 403 platform_admin_required to an organization admin', async () => {
    const { token } = await api.userWithToken('admin');
    const res = await api.request('POST', '/api/v1/organizations', { token, json: newOrganization('two') });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('platform_admin_required');
  });

  it('answers 409 already_exists for a taken slug or username, 422 naming a bad field', async () => {
    const first = await api.request('POST', '/api/v1/organizations', { token: platformAdmin, json: newOrganization('three') });
    expect(first.status).toBe(201);
    const sameSlug = await api.request('POST', '/api/v1/organizations', { token: platformAdmin, json: { ...newOrganization('four'), name: 'Acme three' } });
    expect(sameSlug.status).toBe(409);
    expect(sameSlug.body.code).toBe('already_exists');
    const sameUser = await api.request('POST', '/api/v1/organizations', { token: platformAdmin, json: { ...newOrganization('five'), admin: newOrganization('three').admin } });
    expect(sameUser.status).toBe(409);
    expect(sameUser.body.detail).toBe('A user with username acme-admin-three already exists');
    const bad = await api.request('POST', '/api/v1/organizations', { token: platformAdmin, json: { ...newOrganization('six'), settings: { color: 'red' } } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('settings');
  });
});

describe('GET/PUT /api/v1/organizations', () => {
  it('lists every organization to the platform administrator and only its own to an organization admin', async () => {
    const created = await api.request('POST', '/api/v1/organizations', { token: platformAdmin, json: newOrganization('list') });
    const all = await api.request('GET', '/api/v1/organizations?limit=200', { token: platformAdmin });
    expect(all.status).toBe(200);
    expect(all.body.items.map((o: { slug: string }) => o.slug)).toEqual(expect.arrayContaining(['default', 'acme-list']));
    expect(all.body.platform_admin).toBe(true);
    const token = await firstSignIn('acme-admin-list');
    const own = await api.request('GET', '/api/v1/organizations', { token });
    expect(own.body).toMatchObject({ total: 1, items: [{ id: created.body.id, slug: 'acme-list' }], platform_admin: false });
    expect((await api.request('GET', `/api/v1/organizations/${created.body.id}`, { token })).status).toBe(200);
    const other = await api.request('GET', `/api/v1/organizations/${api.organization.id}`, { token });
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('not_found');
  });

  it('renames an organization and replaces its settings, audited with the changes', async () => {
    const created = await api.request('POST', '/api/v1/organizations', { token: platformAdmin, json: newOrganization('rename') });
    const token = await firstSignIn('acme-admin-rename');
    const res = await api.request('PUT', `/api/v1/organizations/${created.body.id}`, { token, json: { name: 'Acme Renamed', settings: { contact_email: 'qa@acme.test' } } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Acme Renamed', slug: 'acme-rename', settings: { contact_email: 'qa@acme.test' } });
    const audit = await api.request('GET', '/api/v1/audit-logs?action=organization.updated', { token });
    expect(audit.body.items[0].details.name).toEqual({ from: 'Acme rename', to: 'Acme Renamed' });
    const empty = await api.request('PUT', `/api/v1/organizations/${created.body.id}`, { token, json: {} });
    expect(empty.status).toBe(422);
  });
});

describe('POST /api/v1/organizations/{id}/deactivate', () => {
  it("refuses the organization's users and service tokens with 403 organization_deactivated until reactivated", async () => {
    const created = await api.request('POST', '/api/v1/organizations', { token: platformAdmin, json: newOrganization('gone') });
    const token = await firstSignIn('acme-admin-gone');
    const { token: serviceToken } = await buildServiceToken(api.orm.em.fork(), { organization: created.body.id });
    expect((await api.request('GET', '/api/v1/projects', { token: serviceToken })).status).toBe(200);

    const orgAdminTry = await api.request('POST', `/api/v1/organizations/${created.body.id}/deactivate`, { token });
    expect(orgAdminTry.status).toBe(403);
    expect(orgAdminTry.body.code).toBe('platform_admin_required');

    const res = await api.request('POST', `/api/v1/organizations/${created.body.id}/deactivate`, { token: platformAdmin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ is_active: false, deactivated_at: expect.any(String) });
    for (const bearer of [token, serviceToken]) {
      const refused = await api.request('GET', '/api/v1/projects', { token: bearer });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'organization_deactivated', status: 403 });
    }
    // Its users cannot sign in again either (a right password is needed to learn that).
    const signIn = await api.request('POST', '/api/v1/auth/login', { form: { username: 'acme-admin-gone', password: 'chosen-password' } });
    expect(signIn.status).toBe(403);
    expect(signIn.body.code).toBe('organization_deactivated');
    const wrong = await api.request('POST', '/api/v1/auth/login', { form: { username: 'acme-admin-gone', password: 'not-it' } });
    expect(wrong.status).toBe(401);
    const audit = await api.request('GET', '/api/v1/audit-logs?action=organization.deactivated', { token: platformAdmin });
    expect(audit.body.items[0].resource_id).toBe(String(created.body.id));
    const inactive = await api.request('GET', '/api/v1/organizations?is_active=false', { token: platformAdmin });
    expect(inactive.body.items.map((o: { id: number }) => o.id)).toContain(created.body.id);

    const back = await api.request('POST', `/api/v1/organizations/${created.body.id}/activate`, { token: platformAdmin });
    expect(back.body).toMatchObject({ is_active: true, deactivated_at: null });
    expect((await api.request('GET', '/api/v1/projects', { token })).status).toBe(200);
  });

  it("refuses the organization's report links too (403 organization_deactivated)", async () => {
    const created = await api.request('POST', '/api/v1/organizations', { token: platformAdmin, json: newOrganization('report') });
    const token = await firstSignIn('acme-admin-report');
    const em = api.orm.em.fork();
    const run = await buildRun(em, { project: await buildProject(em, { organization: created.body.id }), status: 'completed' });
    const prefix = `${runPrefix(run)}allure-report/`;
    const stored = await api.store.put(`${prefix}index.html`, '<html>report</html>', 'text/html');
    await em.persist(new RunArtifact(run.organization, run.id, 'allure_report', prefix, 'allure-report', 'text/html', stored.sizeBytes)).flush();
    const reportUrl = (await api.request('GET', `/api/v1/runs/${run.id}`, { token })).body.report_url as string;
    expect((await fetch(api.url + reportUrl)).status).toBe(200);

    await api.request('POST', `/api/v1/organizations/${created.body.id}/deactivate`, { token: platformAdmin });
    const refused = await fetch(api.url + reportUrl);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('organization_deactivated');
  });

  it("answers 409 own_organization to a platform administrator deactivating their own organization", async () => {
    const res = await api.request('POST', `/api/v1/organizations/${api.organization.id}/deactivate`, { token: platformAdmin });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('own_organization');
  });
});
