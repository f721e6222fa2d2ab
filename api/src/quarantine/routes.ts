import type { ApiDeps } from '../http/deps.js';
import { IdParams } from '../http/params.js';
import { pageOf } from '../http/pagination.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { QuarantineCreate, QuarantineListQuery, QuarantineOut, QuarantineParams } from './schema.js';
import { quarantineOut } from './serialize.js';
import { addQuarantine, liftQuarantine, listQuarantines } from './service.js';

/**
 * Quarantine (issue 15 item 2): tests whose failures a project's run verdicts leave out, each with
 * an owner and an optional expiry. Adding and lifting are project writes (admin), audited.
 */
export function quarantineRoutes(_deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/projects/:id/quarantine',
      summary: "List a project's quarantined tests, newest first",
      tag: 'quarantine',
      role: 'viewer',
      params: IdParams,
      query: QuarantineListQuery,
      response: { status: 200, schema: pageOf(QuarantineOut) },
      errors: [404],
      handler: async ({ em, principal, params, query }) => {
        const now = new Date();
        const { items, total } = await listQuarantines(em, principal, params.id, query, now);
        return { body: { items: items.map((q) => quarantineOut(q, now)), total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/projects/:id/quarantine',
      summary: "Quarantine a test: it still runs, but its failures no longer decide the project's run verdicts (admin)",
      tag: 'quarantine',
      role: 'admin',
      params: IdParams,
      body: QuarantineCreate,
      response: { status: 201, schema: QuarantineOut },
      errors: [404, 409],
      handler: async ({ em, principal, params, body, origin }) => ({
        status: 201,
        body: quarantineOut(await addQuarantine(em, principal, params.id, body, origin)),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/projects/:id/quarantine/:quarantine_id',
      summary: "Lift a quarantine: the test's failures count again from the next run (admin)",
      tag: 'quarantine',
      role: 'admin',
      params: QuarantineParams,
      response: { status: 200, schema: QuarantineOut },
      errors: [404, 409],
      handler: async ({ em, principal, params, origin }) => ({
        body: quarantineOut(await liftQuarantine(em, principal, params.id, params.quarantine_id, origin)),
      }),
    }),
  ];
}
