import type { ApiDeps } from '../http/deps.js';
import { pageOf, PageQuery } from '../http/pagination.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { IdParams } from '../http/params.js';
import { SuiteCreate, SuiteOut, SuiteUpdate } from './schema.js';
import { suiteOut } from './serialize.js';
import { createSuite, deleteSuite, getSuite, listSuites, updateSuite } from './service.js';
import { PurgeOut } from '../purges/schema.js';
import { purgeOut } from '../purges/serialize.js';

/** A project's suites (PRD 9.1): which tests to run (layer, markers, keywords, paths) and how (shards, retries, timeout). */
export function suiteRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/projects/:id/suites',
      summary: "List a project's suites by name",
      tag: 'suites',
      role: 'viewer',
      params: IdParams,
      query: PageQuery,
      response: { status: 200, schema: pageOf(SuiteOut) },
      errors: [404],
      handler: async ({ em, principal, params, query }) => {
        const { items, total } = await listSuites(em, principal, params.id, query);
        return { body: { items: items.map((s) => suiteOut(s)), total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/projects/:id/suites',
      summary: 'Add a suite to a project (admin)',
      tag: 'suites',
      role: 'admin',
      params: IdParams,
      body: SuiteCreate,
      response: { status: 201, schema: SuiteOut },
      errors: [404, 409],
      handler: async ({ em, principal, params, body, origin }) => ({ status: 201, body: suiteOut(await createSuite(em, principal, params.id, body, origin)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/suites/:id',
      summary: 'Get a suite',
      tag: 'suites',
      role: 'viewer',
      params: IdParams,
      response: { status: 200, schema: SuiteOut },
      errors: [404],
      handler: async ({ em, principal, params }) => ({ body: suiteOut(await getSuite(em, principal, params.id)) }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/suites/:id',
      summary: 'Update a suite; fields left out keep their value (admin)',
      tag: 'suites',
      role: 'admin',
      params: IdParams,
      body: SuiteUpdate,
      response: { status: 200, schema: SuiteOut },
      errors: [404, 409],
      handler: async ({ em, principal, params, body, origin }) => ({ body: suiteOut(await updateSuite(em, principal, params.id, body, origin)) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/suites/:id',
      summary: "Delete a suite and its runs; refused while one of its runs is in progress (admin). Answers its purge: the runs' artifacts are deleted from the store in the background (GET /api/v1/purges/{id})",
      tag: 'suites',
      role: 'admin',
      params: IdParams,
      response: { status: 202, schema: PurgeOut },
      // 503 engine_unavailable: the purge could not be started, so nothing was deleted.
      errors: [404, 409, 503],
      handler: async ({ em, principal, params, origin }) => ({ status: 202, body: purgeOut(await deleteSuite(em, deps.purges, principal, params.id, origin)) }),
    }),
  ];
}
