import type { Context } from 'koa';
import { defineRoute, type AnyRoute } from '../../http/route.js';
import type { ApiDeps } from '../../http/deps.js';
import { IdParams } from '../../http/params.js';
import { TokenResponse } from '../schema.js';
import type { SecretSource } from './client-secret.js';
import { completeSsoLogin, LOGIN_TTL_SECONDS, redeemHandoff, startSsoLogin } from './flow.js';
import { OrganizationSlugParams, SsoCallbackQuery, SsoDiscoveryOut, SsoHandoff, SsoSettingsInput, SsoSettingsOut } from './schema.js';
import { CALLBACK_PATH, deleteSsoSettings, getSsoSettings, putSsoSettings, ssoOfSlug, ssoSettingsOut } from './settings.js';

/** The cookie that ties a callback to the browser that started the sign-in (login CSRF, OIDC Core 15.5.2). */
const STATE_COOKIE = 'qatron_sso_state';
const COOKIE_PATH = '/api/v1/auth/oidc';

function setStateCookie(ctx: Context, state: string | null): void {
  ctx.cookies.set(STATE_COOKIE, state, { httpOnly: true, sameSite: 'lax', path: COOKIE_PATH, secure: ctx.secure, overwrite: true, ...(state && { maxAge: LOGIN_TTL_SECONDS * 1000 }) });
}

/** Where the browser reached the API (X-Forwarded-* behind a trusted proxy); Koa 3's `ctx.origin` is the Origin header. */
function apiOrigin(ctx: Context): string {
  return `${ctx.protocol}://${ctx.host}`;
}

/** A 302 with a short text body: a null body would turn Koa's status into 204. */
function redirect(location: string) {
  return { status: 302, headers: { Location: location, 'Cache-Control': 'no-store' }, raw: `Redirecting to ${location}`, contentType: 'text/plain' };
}

/** Single sign-on with OpenID Connect (issue 17 item 6): the browser flow and the organization's settings. */
export function oidcRoutes(deps: ApiDeps): AnyRoute[] {
  const secrets: SecretSource = { env: deps.environment, dir: deps.config.worker.secretsDir };
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/auth/oidc/:organization_slug/options',
      summary: "How an organization's users sign in (for the Board's login page): whether it has SSO and still allows passwords",
      tag: 'auth',
      role: 'public',
      params: OrganizationSlugParams,
      response: { status: 200, schema: SsoDiscoveryOut },
      handler: async ({ em, params }) => {
        // An unknown slug answers like one without SSO: the page does not tell which organizations exist.
        const found = await ssoOfSlug(em, params.organization_slug);
        return {
          body: {
            sso_enabled: found !== null,
            password_login_enabled: !found?.sso.passwordLoginDisabled,
            login_url: found ? `/api/v1/auth/oidc/${encodeURIComponent(found.organization.slug)}/login` : null,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/auth/oidc/:organization_slug/login',
      summary: "Start single sign-on: redirects the browser to the organization's OpenID Provider (authorization code with PKCE S256)",
      tag: 'auth',
      role: 'public',
      params: OrganizationSlugParams,
      response: { status: 302, description: "Redirect to the provider's authorization endpoint" },
      errors: [502],
      handler: async ({ em, params, koa }) => {
        const { location, state } = await startSsoLogin(em, params.organization_slug, apiOrigin(koa));
        setStateCookie(koa, state);
        return redirect(location);
      },
    }),
    defineRoute({
      method: 'get',
      path: CALLBACK_PATH,
      summary: 'Where the OpenID Provider sends the browser back: the code is exchanged, the ID token verified, and the Board gets a one-time code',
      tag: 'auth',
      role: 'public',
      query: SsoCallbackQuery,
      response: { status: 302, description: 'Redirect to the Board (/login#sso_code=…), which exchanges the one-time code with POST /api/v1/auth/oidc/session' },
      // 503 sso_misconfigured: the client secret the settings name is not set where the API looks.
      errors: [403, 409, 502, 503],
      handler: async ({ em, query, koa, origin }) => {
        const cookieState = koa.cookies.get(STATE_COOKIE);
        setStateCookie(koa, null);
        const input = { state: query.state, code: query.code, error: query.error, errorDescription: query.error_description, cookieState };
        const { handoffCode } = await completeSsoLogin(em, secrets, input, origin);
        // A fragment is never sent to a server nor in a Referer; the code is single-use and lives a minute.
        return redirect(`/login#sso_code=${handoffCode}`);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/oidc/session',
      summary: 'Exchange the one-time code of a completed single sign-on for a session token (once, within a minute)',
      tag: 'auth',
      role: 'public',
      body: SsoHandoff,
      response: { status: 200, schema: TokenResponse },
      errors: [403],
      handler: async ({ em, body }) => {
        const session = await redeemHandoff(em, deps.signer, body.code);
        return {
          body: { access_token: session.token, token_type: 'bearer' as const, expires_in: session.expiresIn, password_change_required: session.passwordChangeRequired },
          headers: { 'Cache-Control': 'no-store' },
        };
      },
    }),
    ...ssoSettingsRoutes(),
  ];
}

/** An organization's SSO settings: its admin, or a platform administrator. */
function ssoSettingsRoutes(): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/organizations/:id/sso',
      summary: "An organization's single sign-on settings (404 when it has none)",
      tag: 'organizations',
      role: 'admin',
      params: IdParams,
      response: { status: 200, schema: SsoSettingsOut },
      handler: async ({ em, principal, params, koa }) => ({ body: ssoSettingsOut(await getSsoSettings(em, principal, params.id), apiOrigin(koa)) }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/organizations/:id/sso',
      summary: "Set an organization's single sign-on (OpenID Connect issuer, client, group → role mapping) and whether password login is disabled",
      tag: 'organizations',
      role: 'admin',
      params: IdParams,
      body: SsoSettingsInput,
      response: { status: 200, schema: SsoSettingsOut },
      handler: async ({ em, principal, params, body, origin, koa }) => ({ body: ssoSettingsOut(await putSsoSettings(em, principal, params.id, body, origin), apiOrigin(koa)) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/organizations/:id/sso',
      summary: "Remove an organization's single sign-on: password login applies again",
      tag: 'organizations',
      role: 'admin',
      params: IdParams,
      response: { status: 204 },
      handler: async ({ em, principal, params, origin }) => {
        await deleteSsoSettings(em, principal, params.id, origin);
        return { status: 204 };
      },
    }),
  ];
}
