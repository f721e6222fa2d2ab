import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, RevokedSession, ServiceToken, User, type AuditAction } from '@qatron/domain';
import { buildOrganization, buildProject, buildServiceToken } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';

let api: TestApi;
let adminToken: string;

beforeAll(async () => {
  api = await startTestApi({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_MINUTES: '15', TRUST_PROXY: 'true' });
  adminToken = await api.login('admin', 'admin');
});
afterAll(() => api.close());

const audit = (action: AuditAction) => api.orm.em.fork().find(AuditLog, { action }, { orderBy: { id: 'asc' } });

describe('POST /api/v1/auth/login', () => {
  it('accepts the OAuth2 password form and answers a bearer JWT that expires in 30 minutes', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', { form: { username: 'admin', password: 'admin', grant_type: 'password' } });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('bearer');
    expect(res.body.expires_in).toBe(1800);
    expect(res.body.access_token.split('.')).toHaveLength(3);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const me = await api.request('GET', '/api/v1/auth/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ kind: 'user', role: 'admin', name: 'admin', organization_id: api.organization.id });
    expect(me.body.user.username).toBe('admin');
  });

  it('accepts JSON too', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', { json: { username: 'admin', password: 'admin' } });
    expect(res.status).toBe(200);
  });

  it('answers 401 problem details for a wrong password and audits the attempt', async () => {
    const { user } = await api.userWithToken('viewer');
    const res = await api.request('POST', '/api/v1/auth/login', { form: { username: user.username, password: 'wrong-password' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 401, code: 'unauthorized', detail: 'Incorrect username or password' });
    const failures = await audit('user.login_failed');
    expect(failures.some((f) => f.userId === user.id)).toBe(true);
  });

  it('answers the same 401 for an unknown user', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', { form: { username: 'nobody-here', password: 'whatever1' } });
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe('Incorrect username or password');
  });

  it('names missing fields with 422', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', { form: { username: 'admin' } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors).toEqual([{ field: 'password', message: expect.any(String) }]);
  });

  it('rejects malformed JSON with 400, not 500', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', { json: '{"username": ', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('bad_request');
  });

  const attempt = (username: string, password: string, address: string) =>
    api.request('POST', '/api/v1/auth/login', { form: { username, password }, headers: { 'x-forwarded-for': address } });

  it('locks an account out of the guessing address only, and the owner elsewhere still logs in', async () => {
    const { user } = await api.userWithToken('user');
    for (let i = 0; i < 3; i++) expect((await attempt(user.username, 'nope-nope', '10.1.0.1')).status).toBe(401);
    const fromAttacker = await attempt(user.username, 'password123', '10.1.0.1');
    expect(fromAttacker.status).toBe(401);
    expect((await attempt(user.username, 'password123', '10.1.0.2')).status).toBe(200);
    const row = await api.orm.em.fork().findOneOrFail(User, { id: user.id });
    expect(row.lockedUntil).toBeNull();
    const failures = (await audit('user.login_failed')).filter((a) => a.userId === user.id);
    expect(failures.map((a) => a.details)).toEqual([
      { reason: 'bad_password', locked: false },
      { reason: 'bad_password', locked: false },
      { reason: 'bad_password', locked: true },
      { reason: 'locked', locked: true },
    ]);
  });

  it('answers a locked account exactly like an unknown user', async () => {
    const { user } = await api.userWithToken('user');
    for (let i = 0; i < 3; i++) await attempt(user.username, 'nope-nope', '10.2.0.1');
    const locked = await attempt(user.username, 'password123', '10.2.0.1');
    const unknown = await attempt('nobody-at-all', 'password123', '10.2.0.1');
    expect(locked.status).toBe(401);
    expect(unknown.status).toBe(401);
    const { instance: _a, ...lockedBody } = locked.body;
    const { instance: _b, ...unknownBody } = unknown.body;
    expect(lockedBody).toEqual(unknownBody);
    expect(locked.headers.get('retry-after')).toBeNull();
    expect(unknown.headers.get('retry-after')).toBeNull();
  });

  it('keeps the same timing class for unknown, locked and wrong-password attempts (one password hash each)', async () => {
    const { user } = await api.userWithToken('user');
    for (let i = 0; i < 3; i++) await attempt(user.username, 'nope-nope', '10.3.0.1');
    // The fastest of three tries of each: a pause of the machine can only slow one down.
    const timed = async (username: string, addresses: string[]) => {
      const times: number[] = [];
      for (const address of addresses) {
        const started = performance.now();
        await attempt(username, 'password123-wrong', address);
        times.push(performance.now() - started);
      }
      return Math.min(...times);
    };
    const unknown = await timed('nobody-timed', ['10.3.1.1', '10.3.1.2', '10.3.1.3']);
    const locked = await timed(user.username, ['10.3.0.1', '10.3.0.1', '10.3.0.1']);
    // Another account: this one's failures now pass the account-wide limit and are slowed on purpose.
    const other = (await api.userWithToken('user')).user;
    const wrong = await timed(other.username, ['10.3.2.1', '10.3.2.2', '10.3.2.3']);
    // A password hash takes tens of milliseconds; a skipped one would answer in a few.
    for (const ms of [unknown, locked]) expect(ms).toBeGreaterThan(wrong / 3);
  });

  it('answers 429 to an address from its 11th failure, even when another account logs in meanwhile', async () => {
    const { user } = await api.userWithToken('viewer');
    for (let i = 0; i < 10; i++) {
      expect((await attempt(`guess-${i}`, 'nope-nope', '10.4.0.1')).status).toBe(401);
      if (i === 5) expect((await attempt(user.username, 'password123', '10.4.0.1')).status).toBe(200);
    }
    const refused = await attempt('guess-10', 'nope-nope', '10.4.0.1');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
    expect((await attempt(user.username, 'password123', '10.4.0.2')).status).toBe(200);
  });

  it('slows an account guessed at from many addresses without locking its owner out', async () => {
    const { user } = await api.userWithToken('user');
    for (let i = 0; i < 6; i++) expect((await attempt(user.username, 'nope-nope', `10.5.0.${i}`)).status).toBe(401);
    const started = performance.now();
    const owner = await attempt(user.username, 'password123', '10.5.1.1');
    expect(owner.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('audits successful logins with the address and user agent', async () => {
    await api.request('POST', '/api/v1/auth/login', { form: { username: 'admin', password: 'admin' }, headers: { 'user-agent': 'audit-test/1.0' } });
    const logins = await audit('user.login');
    const last = logins.at(-1)!;
    expect(last.actor).toBe('admin');
    expect(last.userAgent).toBe('audit-test/1.0');
    expect(last.ipAddress).toMatch(/127\.0\.0\.1/);
  });
});

describe('authentication of other endpoints', () => {
  it('answers 401 without a token, with a forged token and with garbage', async () => {
    for (const token of [undefined, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged', 'qat_unknown', 'garbage']) {
      const res = await api.request('GET', '/api/v1/auth/me', token ? { token } : {});
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('refuses a token whose user was deactivated', async () => {
    const { user, token } = await api.userWithToken('user');
    await api.orm.em.fork().nativeUpdate(User, { id: user.id }, { isActive: false });
    expect((await api.request('GET', '/api/v1/auth/me', { token })).status).toBe(401);
  });
});

describe('POST /api/v1/auth/logout', () => {
  it('revokes the session token and audits the logout', async () => {
    const { user, token } = await api.userWithToken('viewer');
    expect((await api.request('POST', '/api/v1/auth/logout', { token })).status).toBe(204);
    expect((await api.request('GET', '/api/v1/auth/me', { token })).status).toBe(401);
    expect(await api.orm.em.fork().count(RevokedSession, {})).toBeGreaterThan(0);
    expect((await audit('user.logout')).some((a) => a.userId === user.id)).toBe(true);
  });

  it('needs authentication', async () => {
    expect((await api.request('POST', '/api/v1/auth/logout')).status).toBe(401);
  });
});

describe('POST /api/v1/auth/refresh', () => {
  it('exchanges a valid session token for a new one and revokes the old one', async () => {
    const { token } = await api.userWithToken('viewer');
    const res = await api.request('POST', '/api/v1/auth/refresh', { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 1800 });
    expect(res.body.access_token).not.toBe(token);
    expect((await api.request('GET', '/api/v1/auth/me', { token: res.body.access_token })).status).toBe(200);
    expect((await api.request('GET', '/api/v1/auth/me', { token })).status).toBe(401);
    expect((await api.request('POST', '/api/v1/auth/refresh', { token })).status).toBe(401);
  });

  it('refuses a logged-out session, an expired or forged token and service tokens', async () => {
    const { token } = await api.userWithToken('viewer');
    expect((await api.request('POST', '/api/v1/auth/logout', { token })).status).toBe(204);
    expect((await api.request('POST', '/api/v1/auth/refresh', { token })).status).toBe(401);
    const { SessionSigner } = await import('./sessions.js');
    const expired = await new SessionSigner('test-secret-that-is-long-enough-for-hs256-signing', -1).sign({ id: 1, organization: api.organization.id, role: 'admin' });
    expect((await api.request('POST', '/api/v1/auth/refresh', { token: expired.token })).status).toBe(401);
    const forged = await new SessionSigner('another-secret-that-is-long-enough-for-hs256', 30).sign({ id: 1, organization: api.organization.id, role: 'admin' });
    expect((await api.request('POST', '/api/v1/auth/refresh', { token: forged.token })).status).toBe(401);
    const created = await api.request('POST', '/api/v1/auth/service-tokens', { token: adminToken, json: { name: 'refresh-ci', role: 'user' } });
    const refused = await api.request('POST', '/api/v1/auth/refresh', { token: created.body.token });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('not_a_session');
  });

  it('keeps revocation: logging out with the refreshed token ends the session', async () => {
    const { token } = await api.userWithToken('user');
    const refreshed = (await api.request('POST', '/api/v1/auth/refresh', { token })).body.access_token;
    expect((await api.request('POST', '/api/v1/auth/logout', { token: refreshed })).status).toBe(204);
    expect((await api.request('POST', '/api/v1/auth/refresh', { token: refreshed })).status).toBe(401);
  });
});

describe('POST /api/v1/auth/register', () => {
  it('lets an admin create a user who can then log in', async () => {
    const res = await api.request('POST', '/api/v1/auth/register', {
      token: adminToken,
      json: { username: 'new.user', email: 'New.User@Example.test', password: 'long-password', role: 'viewer' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ username: 'new.user', email: 'new.user@example.test', role: 'viewer', is_active: true });
    expect(res.body).not.toHaveProperty('password_hash');
    await api.login('new.user', 'long-password');
    const entries = await audit('user.registered');
    expect(entries.at(-1)).toMatchObject({ actor: 'admin', resourceId: String(res.body.id) });
  });

  it('answers 409 for a taken username or email', async () => {
    const body = { username: 'twice', email: 'twice@example.test', password: 'long-password' };
    expect((await api.request('POST', '/api/v1/auth/register', { token: adminToken, json: body })).status).toBe(201);
    const again = await api.request('POST', '/api/v1/auth/register', { token: adminToken, json: body });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('user_exists');
  });

  it('validates every field', async () => {
    const res = await api.request('POST', '/api/v1/auth/register', { token: adminToken, json: { username: 'a', email: 'not-an-email', password: 'short', role: 'root' } });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'password', 'role', 'username']);
  });

  it('is for admins only', async () => {
    const { token } = await api.userWithToken('user');
    expect((await api.request('POST', '/api/v1/auth/register', { token, json: {} })).status).toBe(403);
    expect((await api.request('POST', '/api/v1/auth/register', { json: {} })).status).toBe(401);
  });
});

describe('service tokens', () => {
  it('are shown once, stored hashed, work as Bearer and record last use', async () => {
    const res = await api.request('POST', '/api/v1/auth/service-tokens', { token: adminToken, json: { name: 'GitHub Actions' } });
    expect(res.status).toBe(201);
    const token: string = res.body.token;
    expect(token).toMatch(/^qat_[\w-]{43}$/);
    const row = await api.orm.em.fork().findOneOrFail(ServiceToken, { id: res.body.id });
    expect(row.tokenHash).not.toContain(token);
    expect(row.tokenHash).toHaveLength(64);
    const me = await api.request('GET', '/api/v1/auth/me', { token });
    expect(me.body).toMatchObject({ kind: 'service_token', role: 'user', name: 'token:GitHub Actions', project_id: null });
    const list = await api.request('GET', '/api/v1/auth/service-tokens', { token: adminToken });
    const listed = list.body.items.find((t: { id: number }) => t.id === res.body.id);
    expect(listed).not.toHaveProperty('token');
    expect(listed.last_used_at).not.toBeNull();
    expect(listed.token_prefix).toBe(token.slice(0, 12));
    const created = await audit('service_token.created');
    expect(created.at(-1)?.details).toMatchObject({ name: 'GitHub Actions' });
    expect(JSON.stringify(created.at(-1))).not.toContain(token);
  });

  it('can be scoped to a project and must name an existing one', async () => {
    const project = await buildProject(api.orm.em.fork(), { organization: api.organization });
    const ok = await api.request('POST', '/api/v1/auth/service-tokens', { token: adminToken, json: { name: 'scoped', project_id: project.id } });
    expect(ok.status).toBe(201);
    expect(ok.body.project_id).toBe(project.id);
    const bad = await api.request('POST', '/api/v1/auth/service-tokens', { token: adminToken, json: { name: 'scoped', project_id: 999999 } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('project_id');
  });

  it('stop working once revoked or expired', async () => {
    const created = await api.request('POST', '/api/v1/auth/service-tokens', { token: adminToken, json: { name: 'to revoke' } });
    const revoke = await api.request('DELETE', `/api/v1/auth/service-tokens/${created.body.id}`, { token: adminToken });
    expect(revoke.status).toBe(200);
    expect(revoke.body.is_active).toBe(false);
    expect((await api.request('GET', '/api/v1/auth/me', { token: created.body.token })).status).toBe(401);
    expect((await audit('service_token.revoked')).at(-1)?.resourceId).toBe(String(created.body.id));

    const expired = await buildServiceToken(api.orm.em.fork(), { organization: api.organization, expiresAt: new Date(Date.now() - 1000) });
    expect((await api.request('GET', '/api/v1/auth/me', { token: expired.token })).status).toBe(401);
  });

  it('refuse an expiry in the past', async () => {
    const res = await api.request('POST', '/api/v1/auth/service-tokens', { token: adminToken, json: { name: 'old', expires_at: '2001-01-01T00:00:00Z' } });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].field).toBe('expires_at');
  });

  it('are managed by admins only and stay within the organization', async () => {
    const { token } = await api.userWithToken('user');
    expect((await api.request('POST', '/api/v1/auth/service-tokens', { token, json: { name: 'x' } })).status).toBe(403);
    expect((await api.request('GET', '/api/v1/auth/service-tokens', { token })).status).toBe(403);
    const other = await buildOrganization(api.orm.em.fork());
    const foreign = await buildServiceToken(api.orm.em.fork(), { organization: other });
    expect((await api.request('DELETE', `/api/v1/auth/service-tokens/${foreign.serviceToken.id}`, { token: adminToken })).status).toBe(404);
  });
});

describe('POST /api/v1/auth/password', () => {
  it('changes the own password after checking the current one, and audits it', async () => {
    const { user, token } = await api.userWithToken('viewer');
    const wrong = await api.request('POST', '/api/v1/auth/password', { token, json: { current_password: 'not-it', new_password: 'brand-new-pass' } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors[0].field).toBe('current_password');
    const ok = await api.request('POST', '/api/v1/auth/password', { token, json: { current_password: 'password123', new_password: 'brand-new-pass' } });
    expect(ok.status).toBe(204);
    await api.login(user.username, 'brand-new-pass');
    const old = await api.request('POST', '/api/v1/auth/login', { form: { username: user.username, password: 'password123' } });
    expect(old.status).toBe(401);
    expect((await audit('user.password_changed')).some((a) => a.userId === user.id)).toBe(true);
  });

  it('refuses short passwords, service tokens and anonymous callers', async () => {
    const { token } = await api.userWithToken('user');
    const short = await api.request('POST', '/api/v1/auth/password', { token, json: { current_password: 'password123', new_password: 'short' } });
    expect(short.status).toBe(422);
    expect(short.body.errors[0].field).toBe('new_password');
    const service = await buildServiceToken(api.orm.em.fork(), { organization: api.organization });
    const viaToken = await api.request('POST', '/api/v1/auth/password', { token: service.token, json: { current_password: 'x', new_password: 'long-enough-1' } });
    expect(viaToken.status).toBe(400);
    expect((await api.request('POST', '/api/v1/auth/password', { json: {} })).status).toBe(401);
  });
});
