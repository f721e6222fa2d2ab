import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsoLogin } from '@qatron/domain';
import { buildUser } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../../testing/harness.js';
import { CALLBACK_PATH } from './settings.js';
import { TestBrowser } from './testing/browser.js';
import { startTestIdentityProvider, type ProviderAccount, type TestIdentityProvider } from './testing/identity-provider.js';

/**
 * Single sign-on against a real OpenID Provider (oidc-provider on a free port): the browser's
 * redirects are driven hop by hop with plain HTTP, as a browser would follow them.
 */

const CLIENT = { clientId: 'qatron-test', clientSecret: 'a-client-secret-of-the-test-provider' };
const SECRET_NAME = 'QATRON_TEST_OIDC_CLIENT_SECRET';
const ALICE: ProviderAccount = { sub: 'alice-at-idp', email: 'alice@acme-sso.test', preferred_username: 'alice-sso', groups: ['qa'] };

let api: TestApi;
let idp: TestIdentityProvider;
let secretsDir: string;
let platformAdmin: string;
let orgAdmin: string;
let organizationId: number;

const ssoSettings = (extra: Record<string, unknown> = {}) => ({
  issuer: idp.issuer,
  client_id: CLIENT.clientId,
  client_secret_name: SECRET_NAME,
  scopes: ['openid', 'email', 'profile', 'groups'],
  group_roles: { qa: 'user', 'qa-leads': 'admin' },
  default_role: 'viewer',
  ...extra,
});

beforeAll(async () => {
  // The client secret is resolved by name from SECRETS_DIR, as a mounted Kubernetes Secret would be.
  secretsDir = await mkdtemp(join(tmpdir(), 'qatron-sso-secrets-'));
  await writeFile(join(secretsDir, SECRET_NAME), `${CLIENT.clientSecret}\n`);
  api = await startTestApi({ SECRETS_DIR: secretsDir });
  idp = await startTestIdentityProvider({ ...CLIENT, redirectUri: api.url + CALLBACK_PATH }, ALICE);
  platformAdmin = await api.login('admin', 'admin');
  const created = await api.request('POST', '/api/v1/organizations', {
    token: platformAdmin,
    json: { name: 'Acme SSO', admin: { username: 'acme-sso-admin', email: 'admin@acme-sso.test', password: 'initial-password' } },
  });
  expect(created.status).toBe(201);
  organizationId = created.body.id;
  orgAdmin = await api.login('acme-sso-admin', 'initial-password');
  expect((await api.request('POST', '/api/v1/auth/password', { token: orgAdmin, json: { current_password: 'initial-password', new_password: 'chosen-password' } })).status).toBe(204);
}, 60_000);

afterAll(async () => {
  await idp?.close();
  await api?.close();
  await rm(secretsDir, { recursive: true, force: true });
});

/** Starts a sign-in at the API: the redirect to the provider and the browser that holds its cookie. */
async function startSignIn(slug = 'acme-sso'): Promise<{ browser: TestBrowser; authorize: URL }> {
  const browser = new TestBrowser();
  const start = await browser.get(`${api.url}/api/v1/auth/oidc/${slug}/login`);
  expect(start.status).toBe(302);
  return { browser, authorize: new URL(start.location!) };
}

/** Signs in at the provider as its current account and answers the callback URL the provider redirects to. */
async function callbackOf(browser: TestBrowser, authorize: URL): Promise<string> {
  return browser.followUntil(authorize.href, api.url + CALLBACK_PATH);
}

/** The whole flow: the Board's one-time code from the callback's redirect, exchanged for a session. */
async function signIn(): Promise<{ token: string; code: string }> {
  const { browser, authorize } = await startSignIn();
  const callback = await browser.get(await callbackOf(browser, authorize));
  expect(callback.status).toBe(302);
  const location = new URL(callback.location!);
  expect(location.origin + location.pathname).toBe(`${api.url}/login`);
  const code = new URLSearchParams(location.hash.slice(1)).get('sso_code')!;
  const session = await api.request('POST', '/api/v1/auth/oidc/session', { json: { code } });
  expect(session.status).toBe(200);
  return { token: session.body.access_token, code };
}

describe('SSO settings', () => {
  it("are set by the organization's admin with the secret's name only, audited as organization.sso_updated", async () => {
    const none = await api.request('GET', `/api/v1/organizations/${organizationId}/sso`, { token: orgAdmin });
    expect(none.status).toBe(404);
    const res = await api.request('PUT', `/api/v1/organizations/${organizationId}/sso`, { token: orgAdmin, json: ssoSettings() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      organization_id: organizationId,
      issuer: idp.issuer,
      client_secret_name: SECRET_NAME,
      scopes: ['openid', 'email', 'profile', 'groups'],
      group_roles: { qa: 'user', 'qa-leads': 'admin' },
      default_role: 'viewer',
      password_login_disabled: false,
      redirect_uri: api.url + CALLBACK_PATH,
    });
    expect(JSON.stringify(res.body)).not.toContain(CLIENT.clientSecret);
    const audit = await api.request('GET', '/api/v1/audit-logs?action=organization.sso_updated', { token: orgAdmin });
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].details).toMatchObject({ created: true, issuer: { to: idp.issuer } });
    const bad = await api.request('PUT', `/api/v1/organizations/${organizationId}/sso`, { token: orgAdmin, json: ssoSettings({ client_secret_name: 'not a name!', default_role: 'owner' }) });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['client_secret_name', 'default_role']);
    const { token: member } = await api.userWithToken('user');
    expect((await api.request('GET', `/api/v1/organizations/${organizationId}/sso`, { token: member })).status).toBe(403);
  });

  it('tell the login page whether an organization signs in with SSO, unknown slugs like ones without', async () => {
    const acme = await api.request('GET', '/api/v1/auth/oidc/acme-sso/options');
    expect(acme.body).toEqual({ sso_enabled: true, password_login_enabled: true, login_url: '/api/v1/auth/oidc/acme-sso/login' });
    const unknown = await api.request('GET', '/api/v1/auth/oidc/no-such-organization/options');
    expect(unknown.body).toEqual({ sso_enabled: false, password_login_enabled: true, login_url: null });
    const start = await new TestBrowser().get(`${api.url}/api/v1/auth/oidc/no-such-organization/login`);
    expect(start.status).toBe(404);
  });
});

describe('SSO sign-in (authorization code with PKCE)', () => {
  it("redirects to the provider's authorization endpoint with state, nonce and an S256 challenge of a verifier kept server-side", async () => {
    const { browser, authorize } = await startSignIn();
    expect(authorize.origin + authorize.pathname).toBe(`${idp.issuer}/auth`);
    const params = Object.fromEntries(authorize.searchParams);
    expect(params).toMatchObject({ response_type: 'code', client_id: CLIENT.clientId, redirect_uri: api.url + CALLBACK_PATH, scope: 'openid email profile groups', code_challenge_method: 'S256' });
    const login = await api.orm.em.fork().findOneOrFail(SsoLogin, { state: params.state! });
    expect(params.code_challenge).toBe(createHash('sha256').update(login.codeVerifier).digest('base64url'));
    expect(params.nonce).toBe(login.nonce);
    expect(browser).toBeDefined();
  });

  it('creates the user in the organization with the role its groups map to, and matches the same user at the next sign-in', async () => {
    idp.account = ALICE;
    const first = await signIn();
    const me = await api.request('GET', '/api/v1/auth/me', { token: first.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ kind: 'user', organization_id: organizationId, role: 'user', name: 'alice-sso', user: { email: 'alice@acme-sso.test' } });
    // The one-time code is spent.
    const again = await api.request('POST', '/api/v1/auth/oidc/session', { json: { code: first.code } });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('sso_code_invalid');

    idp.account = { ...ALICE, groups: ['qa', 'qa-leads'] };
    const second = await signIn();
    const meAgain = await api.request('GET', '/api/v1/auth/me', { token: second.token });
    expect(meAgain.body).toMatchObject({ role: 'admin', user: { id: me.body.user.id } });
    const audit = await api.request('GET', '/api/v1/audit-logs?action=auth.sso_login', { token: orgAdmin });
    expect(audit.body.items.map((e: { details: Record<string, unknown> }) => e.details)).toEqual([
      { issuer: idp.issuer, subject: ALICE.sub, created: false, role: 'admin', previous_role: 'user' },
      { issuer: idp.issuer, subject: ALICE.sub, created: true, role: 'user' },
    ]);

    idp.account = { sub: 'bob-at-idp', email: 'bob@acme-sso.test', groups: ['other'] };
    const bob = await api.request('GET', '/api/v1/auth/me', { token: (await signIn()).token });
    expect(bob.body).toMatchObject({ organization_id: organizationId, role: 'viewer', name: 'bob@acme-sso.test' });
  });

  it('refuses a tampered state, and a callback without the browser\'s state cookie, with a problem detail', async () => {
    idp.account = ALICE;
    const { browser, authorize } = await startSignIn();
    const callback = new URL(await callbackOf(browser, authorize));
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    const refused = await browser.get(tampered.href);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.parse(refused.text)).toMatchObject({ status: 400, code: 'sso_state_invalid' });

    // Another browser (no state cookie) replaying the genuine callback is refused too.
    const elsewhere = await new TestBrowser().get(callback.href);
    expect(elsewhere.status).toBe(400);
    expect(JSON.parse(elsewhere.text).code).toBe('sso_state_invalid');
  });

  it('refuses an ID token whose nonce is not the one the sign-in sent', async () => {
    const { browser, authorize } = await startSignIn();
    authorize.searchParams.set('nonce', 'a-nonce-of-another-sign-in');
    const callback = await browser.get(await callbackOf(browser, authorize));
    expect(callback.status).toBe(400);
    expect(JSON.parse(callback.text)).toMatchObject({ status: 400, code: 'sso_nonce_mismatch' });
  });
});

describe('password login disabled', () => {
  it("answers 403 password_login_disabled to the organization's users; its admin's session still reads the settings", async () => {
    const res = await api.request('PUT', `/api/v1/organizations/${organizationId}/sso`, { token: orgAdmin, json: ssoSettings({ password_login_disabled: true }) });
    expect(res.status).toBe(200);
    const audit = await api.request('GET', '/api/v1/audit-logs?action=organization.sso_updated', { token: orgAdmin });
    expect(audit.body.items[0].details).toMatchObject({ password_login_disabled: { from: false, to: true }, created: false });
    const refused = await api.request('POST', '/api/v1/auth/login', { form: { username: 'acme-sso-admin', password: 'chosen-password' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'password_login_disabled', status: 403 });
    // A wrong password still says only that: the setting is told to the account's holder alone.
    const wrong = await api.request('POST', '/api/v1/auth/login', { form: { username: 'acme-sso-admin', password: 'not-it' } });
    expect(wrong.status).toBe(401);
    const read = await api.request('GET', `/api/v1/organizations/${organizationId}/sso`, { token: orgAdmin });
    expect(read.status).toBe(200);
    expect(read.body.password_login_disabled).toBe(true);
    expect((await api.request('GET', '/api/v1/auth/oidc/acme-sso/options')).body.password_login_enabled).toBe(false);
    // SSO still signs in.
    idp.account = ALICE;
    expect((await api.request('GET', '/api/v1/auth/me', { token: (await signIn()).token })).status).toBe(200);
  });

  it('keeps password login for the platform administrator (break-glass), not for the other users of its organization', async () => {
    const own = api.organization.id;
    const res = await api.request('PUT', `/api/v1/organizations/${own}/sso`, { token: platformAdmin, json: ssoSettings({ password_login_disabled: true }) });
    expect(res.status).toBe(200);
    const member = await buildUser(api.orm.em.fork(), { organization: api.organization, role: 'admin', password: 'password123' });
    const refused = await api.request('POST', '/api/v1/auth/login', { form: { username: member.username, password: 'password123' } });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('password_login_disabled');
    expect(await api.login('admin', 'admin')).toEqual(expect.any(String));
    const removed = await api.request('DELETE', `/api/v1/organizations/${own}/sso`, { token: platformAdmin });
    expect(removed.status).toBe(204);
    expect((await api.request('POST', '/api/v1/auth/login', { form: { username: member.username, password: 'password123' } })).status).toBe(200);
  });
});
