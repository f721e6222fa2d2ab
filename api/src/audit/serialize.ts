import type { AuditLog } from '@qatron/domain';
import type { z } from 'zod';
import { iso } from '../http/pagination.js';
import type { AuditLogOut } from './schema.js';

/** An audit entry as the API answers it. */
export function auditLogOut(entry: AuditLog): z.output<typeof AuditLogOut> {
  return {
    id: entry.id,
    created_at: iso(entry.createdAt),
    action: entry.action,
    user_id: entry.userId,
    actor: entry.actor,
    resource_type: entry.resourceType,
    resource_id: entry.resourceId,
    details: entry.details,
    ip_address: entry.ipAddress,
    user_agent: entry.userAgent,
  };
}
