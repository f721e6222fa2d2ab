import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, User, type Organization, type Role } from '@qatron/domain';
import { buildOrganization, buildProject, buildServiceToken, buildUser } from '@qatron/domain/testing';
import { UserOut } from '../auth/schema.js';
import { pageOf } from '../http/pagination.js';
import { startTestApi, type TestApi } from '../testing/harness.js';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const em = () => api.orm.em.fork();
const fields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field).sort();
const roleChanges = (userId: number) => em().find(AuditLog, { action: 'user.role_changed', resourceId: String(userId) }, { orderBy: { id: 'asc' } });

/** A fresh organization with one signed-in admin, so lists and the last-admin rule are exact. */
async function organizationWithAdmin(): Promise<{ organization: Organization; admin: User; token: string }> {
  const organization = await buildOrganization(em());
  const admin = await buildUser(em(), { organization, role: 'admin', password: 'password123' });
  return { organization, admin, token: await api.login(admin.username, 'password123') };
}

async function member(organization: Organization, role: Role, isActive = true): Promise<User> {
  const user = await buildUser(em(), { organization, role, password: 'password123' });
  if (!isActive) await em().nativeUpdate(User, { id: user.id }, { isActive: false });
  return user;
}

describe('GET /api/v1/users', () => {
  it("lists the organization's users in creation order, by role, paged", async () => {
    const { organization, admin, token } = await organizationWithAdmin();
    const viewer = await member(organization, 'viewer');
    const user = await member(organization, 'user');
    const second = await member(organization, 'user');
    await buildUser(em(), { role: 'admin' });
    const all = await api.request('GET', '/api/v1/users', { token });
    expect(all.status).toBe(200);
    expect(pageOf(UserOut).parse(all.body)).toEqual(all.body);
    expect(all.body.items.map((u: { id: number }) => u.id)).toEqual([admin.id, viewer.id, user.id, second.id]);
    expect(all.body).toMatchObject({ total: 4, limit: 50, offset: 0 });
    const users = await api.request('GET', '/api/v1/users?role=user', { token });
    expect(users.body.items.map((u: { id: number }) => u.id)).toEqual([user.id, second.id]);
    expect(users.body.total).toBe(2);
    const page = await api.request('GET', '/api/v1/users?limit=2&offset=1', { token });
    expect(page.body.items.map((u: { id: number }) => u.id)).toEqual([viewer.id, user.id]);
    expect(page.body).toMatchObject({ total: 4, limit: 2, offset: 1 });
  });

  it('names invalid filters with 422', async () => {
    const { token } = await organizationWithAdmin();
    const res = await api.request('GET', '/api/v1/users?role=root&limit=x', { token });
    expect(res.status).toBe(422);
    expect(fields(res.body)).toEqual(['query.limit', 'query.role']);
  });
});

describe('GET /api/v1/users/:id', () => {
  it('answers a user without secrets', async () => {
    const { organization, token } = await organizationWithAdmin();
    const viewer = await member(organization, 'viewer');
    const res = await api.request('GET', `/api/v1/users/${viewer.id}`, { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: viewer.id,
      organization_id: organization.id,
      username: viewer.username,
      email: viewer.email,
      role: 'viewer',
      is_active: true,
      must_change_password: false,
      last_login_at: null,
      created_at: viewer.createdAt.toISOString(),
    });
  });

  it("answers 404 for another organization's user and an unknown id, 422 for a malformed id", async () => {
    const { token } = await organizationWithAdmin();
    const stranger = await buildUser(em());
    const foreign = await api.request('GET', `/api/v1/users/${stranger.id}`, { token });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ code: 'not_found', detail: `User ${stranger.id} not found` });
    expect((await api.request('GET', '/api/v1/users/999999', { token })).status).toBe(404);
    const malformed = await api.request('GET', '/api/v1/users/me', { token });
    expect(malformed.status).toBe(422);
    expect(fields(malformed.body)).toEqual(['path.id']);
  });
});

describe('PUT /api/v1/users/:id', () => {
  it('changes a role and audits user.role_changed with from and to', async () => {
    const { organization, admin, token } = await organizationWithAdmin();
    const target = await member(organization, 'viewer');
    const res = await api.request('PUT', `/api/v1/users/${target.id}`, { token, json: { role: 'user' }, headers: { 'user-agent': 'users-test' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: target.id, role: 'user', is_active: true });
    expect((await em().findOneOrFail(User, { id: target.id })).role).toBe('user');
    const entries = await roleChanges(target.id);
    expect(entries.map((e) => [e.organization, e.userId, e.actor, e.resourceType, e.details, e.userAgent])).toEqual([
      [organization.id, admin.id, admin.username, 'user', { username: target.username, from: 'viewer', to: 'user' }, 'users-test'],
    ]);
    // The new role applies to the target's next request.
    const targetToken = await api.login(target.username, 'password123');
    expect((await api.request('GET', '/api/v1/auth/me', { token: targetToken })).body.role).toBe('user');
  });

  it('deactivates a user, whose sessions stop working, audited as deactivation, not as a role change', async () => {
    const { organization, token } = await organizationWithAdmin();
    const target = await member(organization, 'user');
    const targetToken = await api.login(target.username, 'password123');
    const res = await api.request('PUT', `/api/v1/users/${target.id}`, { token, json: { is_active: false } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ role: 'user', is_active: false });
    expect((await api.request('GET', '/api/v1/auth/me', { token: targetToken })).status).toBe(401);
    expect(await roleChanges(target.id)).toEqual([]);
    const back = await api.request('PUT', `/api/v1/users/${target.id}`, { token, json: { is_active: true, role: 'user' } });
    expect(back.body).toMatchObject({ role: 'user', is_active: true });
    expect(await roleChanges(target.id)).toEqual([]);
    const entries = await api.orm.em.fork().find(AuditLog, { resourceType: 'user', resourceId: String(target.id), action: { $in: ['user.activated', 'user.deactivated'] } }, { orderBy: { id: 'asc' } });
    expect(entries.map((e) => e.action)).toEqual(['user.deactivated', 'user.activated']);
  });

  it('leaves a user as is for an empty body', async () => {
    const { organization, token } = await organizationWithAdmin();
    const target = await member(organization, 'viewer');
    const res = await api.request('PUT', `/api/v1/users/${target.id}`, { token, json: {} });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ role: 'viewer', is_active: true });
    expect(await roleChanges(target.id)).toEqual([]);
  });

  it('refuses to demote or deactivate the last active admin with 409 last_admin, and writes nothing', async () => {
    const { organization, admin, token } = await organizationWithAdmin();
    await member(organization, 'admin', false);
    for (const json of [{ role: 'user' }, { is_active: false }, { role: 'viewer', is_active: false }]) {
      const res = await api.request('PUT', `/api/v1/users/${admin.id}`, { token, json });
      expect(res.status, JSON.stringify(json)).toBe(409);
      expect(res.body).toMatchObject({
        code: 'last_admin',
        detail: `${admin.username} is the last active admin of the organization; make another user admin first`,
      });
    }
    const row = await em().findOneOrFail(User, { id: admin.id });
    expect([row.role, row.isActive]).toEqual(['admin', true]);
    expect(await roleChanges(admin.id)).toEqual([]);
    // Keeping the role and the active flag is no demotion.
    expect((await api.request('PUT', `/api/v1/users/${admin.id}`, { token, json: { role: 'admin', is_active: true } })).status).toBe(200);
  });

  it('lets an admin step down once another active admin exists', async () => {
    const { organization, admin, token } = await organizationWithAdmin();
    const other = await member(organization, 'user');
    expect((await api.request('PUT', `/api/v1/users/${other.id}`, { token, json: { role: 'admin' } })).status).toBe(200);
    const res = await api.request('PUT', `/api/v1/users/${admin.id}`, { token, json: { role: 'user' } });
    expect(res.status).toBe(200);
    expect(res.body.role).toBe('user');
    expect((await roleChanges(admin.id)).map((e) => e.details)).toEqual([{ username: admin.username, from: 'admin', to: 'user' }]);
    // The former admin's token now carries the user role.
    expect((await api.request('GET', '/api/v1/users', { token })).status).toBe(403);
    const otherToken = await api.login(other.username, 'password123');
    const last = await api.request('PUT', `/api/v1/users/${other.id}`, { token: otherToken, json: { is_active: false } });
    expect(last.status).toBe(409);
    expect(last.body.code).toBe('last_admin');
  });

  it('validates the body', async () => {
    const { organization, token } = await organizationWithAdmin();
    const target = await member(organization, 'viewer');
    const res = await api.request('PUT', `/api/v1/users/${target.id}`, { token, json: { role: 'root', is_active: 'yes' } });
    expect(res.status).toBe(422);
    expect(fields(res.body)).toEqual(['is_active', 'role']);
    expect((await em().findOneOrFail(User, { id: target.id })).role).toBe('viewer');
  });

  it("answers 404 for another organization's user and changes nothing", async () => {
    const { token } = await organizationWithAdmin();
    const stranger = await buildUser(em(), { role: 'user' });
    const res = await api.request('PUT', `/api/v1/users/${stranger.id}`, { token, json: { role: 'admin' } });
    expect(res.status).toBe(404);
    expect((await em().findOneOrFail(User, { id: stranger.id })).role).toBe('user');
    expect(await roleChanges(stranger.id)).toEqual([]);
  });
});

describe('user administration access', () => {
  it('needs a token, the admin role and an organization-wide token', async () => {
    const { organization } = await organizationWithAdmin();
    const target = await member(organization, 'viewer');
    const userToken = await api.login((await member(organization, 'user')).username, 'password123');
    const project = await buildProject(em(), { organization });
    const scoped = await buildServiceToken(em(), { organization, project, role: 'admin' });
    const wide = await buildServiceToken(em(), { organization, role: 'admin' });
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/v1/users'],
      ['GET', `/api/v1/users/${target.id}`],
      ['PUT', `/api/v1/users/${target.id}`, { role: 'admin' }],
    ];
    for (const [method, path, json] of calls) {
      expect((await api.request(method, path, { json })).status, `${method} ${path}`).toBe(401);
      const asUser = await api.request(method, path, { token: userToken, json });
      expect(asUser.status, `${method} ${path}`).toBe(403);
      const asScoped = await api.request(method, path, { token: scoped.token, json });
      expect(asScoped.status, `${method} ${path}`).toBe(403);
      expect(asScoped.body.detail).toBe('A project-scoped token cannot manage users');
    }
    expect((await em().findOneOrFail(User, { id: target.id })).role).toBe('viewer');
    expect(await roleChanges(target.id)).toEqual([]);
    const byToken = await api.request('PUT', `/api/v1/users/${target.id}`, { token: wide.token, json: { role: 'user' } });
    expect(byToken.status).toBe(200);
    expect((await roleChanges(target.id)).map((e) => [e.userId, e.actor])).toEqual([[null, `token:${wide.serviceToken.name}`]]);
  });
});

describe('concurrent demotions', () => {
  it('leave one active admin when the last two are demoted at once', async () => {
    for (let round = 0; round < 5; round++) {
      const { organization, admin } = await organizationWithAdmin();
      const other = await member(organization, 'admin');
      // A token's role does not change with the users it demotes, so both requests reach the check.
      const { token } = await buildServiceToken(em(), { organization, role: 'admin' });
      const answers = await Promise.all([
        api.request('PUT', `/api/v1/users/${other.id}`, { token, json: { role: 'user' } }),
        api.request('PUT', `/api/v1/users/${admin.id}`, { token, json: { is_active: false } }),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect(answers.find((a) => a.status === 409)!.body.code).toBe('last_admin');
      expect(await em().count(User, { organization: organization.id, role: 'admin', isActive: true })).toBe(1);
    }
  });
});

describe('POST /api/v1/users/:id/password (issue 13 item 4)', () => {
  const loginAs = (username: string, password: string) => api.request('POST', '/api/v1/auth/login', { form: { username, password } });

  it('sets the password, forces a change before anything else, and audits it without the password', async () => {
    const { organization, admin, token } = await organizationWithAdmin();
    const user = await member(organization, 'user');
    const reset = await api.request('POST', `/api/v1/users/${user.id}/password`, { token, json: { new_password: 'temporary-1234' } });
    expect(reset.status).toBe(204);
    expect((await loginAs(user.username, 'password123')).status).toBe(401);

    const login = await loginAs(user.username, 'temporary-1234');
    expect(login.status).toBe(200);
    expect(login.body.password_change_required).toBe(true);
    const session = login.body.access_token as string;
    for (const [method, path] of [['GET', '/api/v1/auth/me'], ['GET', '/api/v1/projects'], ['POST', '/api/v1/auth/refresh']] as const) {
      const refused = await api.request(method, path, { token: session });
      expect(refused.status, path).toBe(403);
      expect(refused.body.code).toBe('password_change_required');
    }
    const changed = await api.request('POST', '/api/v1/auth/password', { token: session, json: { current_password: 'temporary-1234', new_password: 'chosen-by-me-99' } });
    expect(changed.status).toBe(204);
    const me = await api.request('GET', '/api/v1/auth/me', { token: session });
    expect(me.status).toBe(200);
    expect(me.body.user.must_change_password).toBe(false);
    expect((await loginAs(user.username, 'chosen-by-me-99')).body.password_change_required).toBe(false);

    const audits = await em().find(AuditLog, { action: 'user.password_reset', resourceId: String(user.id) });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ userId: admin.id, details: { username: user.username, must_change_password: true } });
    expect(JSON.stringify(audits[0]!.details)).not.toContain('temporary-1234');
  });

  it('lets the user log out before changing the password', async () => {
    const { organization, token } = await organizationWithAdmin();
    const user = await member(organization, 'viewer');
    await api.request('POST', `/api/v1/users/${user.id}/password`, { token, json: { new_password: 'temporary-1234' } });
    const session = (await loginAs(user.username, 'temporary-1234')).body.access_token as string;
    expect((await api.request('POST', '/api/v1/auth/logout', { token: session })).status).toBe(204);
  });

  it('may leave the password as set, without a forced change', async () => {
    const { organization, token } = await organizationWithAdmin();
    const user = await member(organization, 'user');
    expect((await api.request('POST', `/api/v1/users/${user.id}/password`, { token, json: { new_password: 'service-account-pw', must_change_password: false } })).status).toBe(204);
    const login = await loginAs(user.username, 'service-account-pw');
    expect(login.body.password_change_required).toBe(false);
    expect((await api.request('GET', '/api/v1/auth/me', { token: login.body.access_token })).status).toBe(200);
  });

  it('is for admins of the same organization only, and checks the password rules', async () => {
    const { organization, token } = await organizationWithAdmin();
    const user = await member(organization, 'user');
    const other = await organizationWithAdmin();
    const plain = await member(organization, 'user');
    const plainToken = await api.login(plain.username, 'password123');
    expect((await api.request('POST', `/api/v1/users/${user.id}/password`, { token: plainToken, json: { new_password: 'temporary-1234' } })).status).toBe(403);
    expect((await api.request('POST', `/api/v1/users/${user.id}/password`, { token: other.token, json: { new_password: 'temporary-1234' } })).status).toBe(404);
    expect((await api.request('POST', `/api/v1/users/${user.id}/password`, { json: { new_password: 'temporary-1234' } })).status).toBe(401);
    const short = await api.request('POST', `/api/v1/users/${user.id}/password`, { token, json: { new_password: 'short' } });
    expect(short.status).toBe(422);
    expect(fields(short.body)).toEqual(['new_password']);
    expect((await api.request('POST', '/api/v1/users/999999/password', { token, json: { new_password: 'temporary-1234' } })).status).toBe(404);
  });
});
