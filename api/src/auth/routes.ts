
import { User } from '@qatron/domain';
import { defineRoute, type AnyRoute } from '../http/route.js';
import type { ApiDeps } from '../http/deps.js';
import { pageOf } from '../http/pagination.js';
import { IdParams } from '../http/params.js';
import { LoginForm, PasswordChange, MeOut, RegisterBody, ServiceTokenCreate, ServiceTokenCreated, ServiceTokenOut, TokenResponse, UserOut } from './schema.js';
import { serviceTokenOut, userOut } from './serialize.js';
import { oidcRoutes } from './oidc/routes.js';
import { changePassword, createServiceToken, listServiceTokens, login, logout, refreshSession, registerUser, revokeServiceToken } from './service.js';

/** PRD 16.1: login, register, me, logout, service tokens. */
export function authRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/login',
      summary: 'Log in with username (or email) and password; returns a JWT (OAuth2 password form)',
      tag: 'auth',
      role: 'public',
      body: LoginForm,
      bodyFormat: 'form',
      response: { status: 200, schema: TokenResponse },
      errors: [401, 403, 429],
      handler: async ({ em, body, origin }) => {
        const session = await login(em, deps.signer, deps.throttle, body, origin);
        return {
          body: { access_token: session.token, token_type: 'bearer' as const, expires_in: session.expiresIn, password_change_required: session.passwordChangeRequired },
          headers: { 'Cache-Control': 'no-store' },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/logout',
      summary: 'End the current session: its token is refused from now on',
      tag: 'auth',
      role: 'viewer',
      response: { status: 204 },
      handler: async ({ em, principal, origin }) => {
        await logout(em, principal, origin);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/refresh',
      summary: 'Exchange the current, unrevoked session token for a new one before it expires; the old one is revoked',
      tag: 'auth',
      role: 'viewer',
      response: { status: 200, schema: TokenResponse },
      errors: [400],
      handler: async ({ em, principal }) => {
        const session = await refreshSession(em, deps.signer, principal);
        return {
          body: { access_token: session.token, token_type: 'bearer' as const, expires_in: session.expiresIn, password_change_required: session.passwordChangeRequired },
          headers: { 'Cache-Control': 'no-store' },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/register',
      summary: 'Register a user (admin only: every endpoint but health needs authentication, NFR-SEC-06)',
      tag: 'auth',
      role: 'admin',
      body: RegisterBody,
      response: { status: 201, schema: UserOut },
      errors: [409],
      handler: async ({ em, principal, body, origin }) => ({ status: 201, body: userOut(await registerUser(em, principal, body, origin)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/auth/me',
      summary: 'Who the caller is: user or service token, organization and role',
      tag: 'auth',
      role: 'viewer',
      response: { status: 200, schema: MeOut },
      handler: async ({ em, principal }) => {
        const user = principal.userId ? await em.findOne(User, { id: principal.userId }) : null;
        return {
          body: {
            kind: principal.kind,
            organization_id: principal.organizationId,
            role: principal.role,
            name: principal.name,
            user: user ? userOut(user) : null,
            service_token_id: principal.serviceTokenId,
            project_id: principal.projectId,
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/password',
      summary: "Change the caller's own password (the current one is required)",
      tag: 'auth',
      role: 'viewer',
      body: PasswordChange,
      response: { status: 204 },
      handler: async ({ em, principal, body, origin }) => {
        await changePassword(em, principal, body, origin);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/service-tokens',
      summary: 'Create a service token for CI; the token is shown once (admin only)',
      tag: 'auth',
      role: 'admin',
      body: ServiceTokenCreate,
      response: { status: 201, schema: ServiceTokenCreated },
      handler: async ({ em, principal, body, origin }) => {
        const { serviceToken, token } = await createServiceToken(em, principal, body, origin);
        return { status: 201, body: { ...serviceTokenOut(serviceToken), token }, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/auth/service-tokens',
      summary: 'List service tokens (never the tokens themselves)',
      tag: 'auth',
      role: 'admin',
      response: { status: 200, schema: pageOf(ServiceTokenOut) },
      handler: async ({ em, principal }) => {
        const tokens = await listServiceTokens(em, principal);
        return { body: { items: tokens.map((t) => serviceTokenOut(t)), total: tokens.length, limit: tokens.length, offset: 0 } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/auth/service-tokens/:id',
      summary: 'Revoke a service token; it stops working at once',
      tag: 'auth',
      role: 'admin',
      params: IdParams,
      response: { status: 200, schema: ServiceTokenOut },
      errors: [404],
      handler: async ({ em, principal, params, origin }) => ({ body: serviceTokenOut(await revokeServiceToken(em, principal, params.id, origin)) }),
    }),
    ...oidcRoutes(deps),
  ];
}

