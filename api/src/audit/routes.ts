import type { ApiDeps } from '../http/deps.js';
import { pageOf } from '../http/pagination.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { AuditLogOut, AuditLogQuery } from './schema.js';
import { auditLogOut } from './serialize.js';
import { listAuditLogs } from './service.js';

/** PRD 16.4: the audit trail, for admins. */
export function auditRoutes(_deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/audit-logs',
      summary: "List audit entries, newest first, filtered by user, action (exact or a prefix ending in '.'), resource and date range (FR-AUD-06)",
      tag: 'audit',
      role: 'admin',
      query: AuditLogQuery,
      response: { status: 200, schema: pageOf(AuditLogOut) },
      handler: async ({ em, principal, query }) => {
        const page = await listAuditLogs(em, principal, query);
        return { body: { items: page.items.map((entry) => auditLogOut(entry)), total: page.total, limit: query.limit, offset: query.offset } };
      },
    }),
  ];
}
