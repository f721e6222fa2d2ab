import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditLog, type AuditAction } from '@qatron/domain';
import type { Principal, RequestOrigin } from '../http/principal.js';

/** Who an audit entry names when no principal exists yet (a login attempt) or the platform acts. */
export interface AuditActor {
  organizationId: number;
  userId: number | null;
  name: string;
}

export function actorOf(principal: Principal): AuditActor {
  return { organizationId: principal.organizationId, userId: principal.userId, name: principal.name };
}

/**
 * Adds an audit entry to the unit of work: it is written by the caller's flush, in the same
 * transaction as the change it records, so an audited change never lands without its entry.
 */
export function recordAudit(
  em: EntityManager,
  actor: AuditActor,
  action: AuditAction,
  resource: { type: string; id?: string | number | null },
  details: Record<string, unknown>,
  origin: RequestOrigin,
): AuditLog {
  const entry = new AuditLog(actor.organizationId, action, actor.name, resource.type);
  entry.userId = actor.userId;
  entry.resourceId = resource.id === undefined || resource.id === null ? null : String(resource.id);
  entry.details = details;
  entry.ipAddress = origin.ip;
  entry.userAgent = origin.userAgent?.slice(0, 500) ?? null;
  em.persist(entry);
  return entry;
}

/**
 * The fields that differ between `before` and `after`, as `{field: {from, to}}`, for audit
 * details of updates. Keys are reported in the API's snake_case.
 */
export function changes(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> {
  const diff: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) diff[key] = { from: before[key], to: after[key] };
  }
  return diff;
}
