import { IdParams } from '../http/params.js';
import { UserOut } from '../auth/schema.js';
import { userOut } from '../auth/serialize.js';
import type { ApiDeps } from '../http/deps.js';
import { pageOf } from '../http/pagination.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { PasswordReset, UserListQuery, UserUpdate } from './schema.js';
import { getUser, listUsers, resetPassword, updateUser } from './service.js';

/** User administration (FR-AUTH-04): list, read, change role or active flag, reset a password. Admins only. */
export function userRoutes(_deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/users',
      summary: "List the organization's users, optionally by role (admin only)",
      tag: 'users',
      role: 'admin',
      query: UserListQuery,
      response: { status: 200, schema: pageOf(UserOut) },
      handler: async ({ em, principal, query }) => {
        const page = await listUsers(em, principal, query);
        return { body: { items: page.items.map((u) => userOut(u)), total: page.total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/users/:id',
      summary: 'Get a user (admin only)',
      tag: 'users',
      role: 'admin',
      params: IdParams,
      response: { status: 200, schema: UserOut },
      errors: [404],
      handler: async ({ em, principal, params }) => ({ body: userOut(await getUser(em, principal, params.id)) }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/users/:id',
      summary: "Change a user's role or active flag (admin only); the last active admin cannot be demoted or deactivated (409 last_admin)",
      tag: 'users',
      role: 'admin',
      params: IdParams,
      body: UserUpdate,
      response: { status: 200, schema: UserOut },
      errors: [404, 409],
      handler: async ({ em, principal, params, body, origin }) => ({ body: userOut(await updateUser(em, principal, params.id, body, origin)) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/users/:id/password',
      summary: "Set a user's password (admin only); by default the user must change it before doing anything else",
      tag: 'users',
      role: 'admin',
      params: IdParams,
      body: PasswordReset,
      response: { status: 204 },
      errors: [404],
      handler: async ({ em, principal, params, body, origin }) => {
        await resetPassword(em, principal, params.id, body, origin);
        return { status: 204 };
      },
    }),
  ];
}
