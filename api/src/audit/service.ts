import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AUDIT_ACTIONS, AuditLog, type AuditAction } from '@qatron/domain';
import type { Principal } from '../http/principal.js';
import { requireOrganizationWide } from '../http/scope.js';
import type { AuditLogFilter } from './schema.js';

/**
 * A page of the organization's audit trail, newest first (FR-AUD-06). A prefix filter becomes the
 * list of known actions it covers, so that it uses the (organization, action, created_at) index
 * and an underscore in `service_token.` is not read as a LIKE wildcard.
 */
export async function listAuditLogs(em: EntityManager, principal: Principal, filter: AuditLogFilter): Promise<{ items: AuditLog[]; total: number }> {
  requireOrganizationWide(principal, 'read the audit log');
  const action = filter.action;
  const where: FilterQuery<AuditLog> = {
    organization: principal.organizationId,
    ...(filter.user_id !== undefined && { userId: filter.user_id }),
    ...(action !== undefined && { action: action.endsWith('.') ? { $in: AUDIT_ACTIONS.filter((a) => a.startsWith(action)) } : (action as AuditAction) }),
    ...(filter.resource_type !== undefined && { resourceType: filter.resource_type }),
    ...(filter.resource_id !== undefined && { resourceId: filter.resource_id }),
    ...((filter.from !== undefined || filter.to !== undefined) && {
      createdAt: {
        ...(filter.from !== undefined && { $gte: new Date(filter.from) }),
        ...(filter.to !== undefined && { $lte: new Date(filter.to) }),
      },
    }),
  };
  const [items, total] = await em.findAndCount(AuditLog, where, {
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    limit: filter.limit,
    offset: filter.offset,
  });
  return { items, total };
}
