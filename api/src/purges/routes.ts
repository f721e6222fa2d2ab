import type { ApiDeps } from '../http/deps.js';
import { IdParams } from '../http/params.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { PurgeOut } from './schema.js';
import { purgeOut } from './serialize.js';
import { getPurge } from './service.js';

/** Purges (issue 17 item 4): what a deleted project, suite or environment left in the artifact store, followed until it is gone. */
export function purgeRoutes(_deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/purges/:id',
      summary: "A deletion's purge of the artifact store: pending while its workflow deletes the runs' artifacts, purged once none is left (admin)",
      tag: 'purges',
      role: 'admin',
      params: IdParams,
      response: { status: 200, schema: PurgeOut },
      errors: [404],
      handler: async ({ em, principal, params }) => ({ body: purgeOut(await getPurge(em, principal, params.id)) }),
    }),
  ];
}
