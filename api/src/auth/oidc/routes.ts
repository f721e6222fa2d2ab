import type { Context } from 'koa';
import { defineRoute, type AnyRoute } from '../../http/route.js';
import type { ApiDeps } from '../../http/deps.js';
import { IdParams } from '../../http/params.js';
import { SsoSettingsInput, SsoSettingsOut } from './schema.js';
import { deleteSsoSettings, getSsoSettings, putSsoSettings, ssoSettingsOut } from './settings.js';

/** Where the browser reached the API (X-Forwarded-* behind a trusted proxy); Koa 3's `ctx.origin` is the Origin header. */
function apiOrigin(ctx: Context): string {
  return `${ctx.protocol}://${ctx.host}`;
}

/** Single sign-on with OpenID Connect (issue 17 item 6): the organization's settings. */
export function oidcRoutes(_deps: ApiDeps): AnyRoute[] {
  return ssoSettingsRoutes();
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
