import type { ApiDeps } from '../http/deps.js';
import { pageOf, PageQuery } from '../http/pagination.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { IdParams } from '../http/params.js';
import { EnvironmentCreate, EnvironmentOut, EnvironmentUpdate } from './schema.js';
import { environmentOut } from './serialize.js';
import { createEnvironment, deleteEnvironment, getEnvironment, gridNamesOf, listEnvironments, updateEnvironment } from './service.js';
import { PurgeOut } from '../purges/schema.js';
import { purgeOut } from '../purges/serialize.js';

/** A project's environments (PRD 9.1): base URL, variables, secret references, retention, dataset, Selenium Grid. */
export function environmentRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/projects/:id/environments',
      summary: "List a project's environments by name",
      tag: 'environments',
      role: 'viewer',
      params: IdParams,
      query: PageQuery,
      response: { status: 200, schema: pageOf(EnvironmentOut) },
      errors: [404],
      handler: async ({ em, principal, params, query }) => {
        const { items, total } = await listEnvironments(em, principal, params.id, query);
        const gridNames = await gridNamesOf(em, items);
        return { body: { items: items.map((e) => environmentOut(e, gridNames)), total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/projects/:id/environments',
      summary: 'Add an environment to a project (admin)',
      tag: 'environments',
      role: 'admin',
      params: IdParams,
      body: EnvironmentCreate,
      response: { status: 201, schema: EnvironmentOut },
      errors: [404, 409],
      handler: async ({ em, principal, params, body, origin }) => {
        const environment = await createEnvironment(em, principal, params.id, body, origin);
        return { status: 201, body: environmentOut(environment, await gridNamesOf(em, [environment])) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/environments/:id',
      summary: 'Get an environment',
      tag: 'environments',
      role: 'viewer',
      params: IdParams,
      response: { status: 200, schema: EnvironmentOut },
      errors: [404],
      handler: async ({ em, principal, params }) => {
        const environment = await getEnvironment(em, principal, params.id);
        return { body: environmentOut(environment, await gridNamesOf(em, [environment])) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/environments/:id',
      summary: 'Update an environment; fields left out keep their value, maps given replace the stored ones (admin)',
      tag: 'environments',
      role: 'admin',
      params: IdParams,
      body: EnvironmentUpdate,
      response: { status: 200, schema: EnvironmentOut },
      errors: [404, 409],
      handler: async ({ em, principal, params, body, origin }) => {
        const environment = await updateEnvironment(em, principal, params.id, body, origin);
        return { body: environmentOut(environment, await gridNamesOf(em, [environment])) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/environments/:id',
      summary:
        "Delete an environment and its runs; refused while one of its runs is in progress (admin). Answers its purge: the runs' artifacts are deleted from the store in the background (GET /api/v1/purges/{id})",
      tag: 'environments',
      role: 'admin',
      params: IdParams,
      response: { status: 202, schema: PurgeOut },
      // 503 engine_unavailable: the purge could not be started, so nothing was deleted.
      errors: [404, 409, 503],
      handler: async ({ em, principal, params, origin }) => ({ status: 202, body: purgeOut(await deleteEnvironment(em, deps.purges, principal, params.id, origin)) }),
    }),
  ];
}
