import { z } from 'zod';
import { AUDIT_ACTIONS } from '@qatron/domain';
import { PageQuery } from '../http/pagination.js';

/** Whether `action` is an audit action (`project.created`) or a prefix of some, ending in '.' (`project.`). */
export function isActionFilter(action: string): boolean {
  if (action.endsWith('.')) return AUDIT_ACTIONS.some((a) => a.startsWith(action));
  return (AUDIT_ACTIONS as readonly string[]).includes(action);
}

/** Every value isActionFilter accepts, spelled out so that the OpenAPI document says which (an enum). */
const ACTION_FILTERS = [...AUDIT_ACTIONS, ...new Set(AUDIT_ACTIONS.flatMap((a) => a.split('.').slice(0, -1).map((_, i, parts) => `${parts.slice(0, i + 1).join('.')}.`)))];

const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone (2026-01-31T12:00:00Z)' });

/** `GET /api/v1/audit-logs` filters (FR-AUD-06); the date range is inclusive at both ends. */
export const AuditLogQuery = PageQuery.extend({
  user_id: z.coerce.number().int().positive('must be a positive integer').optional().describe('Entries by this user'),
  action: z
    .string()
    .refine(isActionFilter, `must be an audit action (project.created) or a prefix ending in '.' (project.); actions: ${AUDIT_ACTIONS.join(', ')}`)
    .meta({ enum: ACTION_FILTERS })
    .optional()
    .describe("An exact action, or every action of a resource with a prefix ending in '.' (`project.`)"),
  resource_type: z.string().min(1).max(64).optional().describe('run, project, user, …'),
  resource_id: z.string().min(1).max(64).optional(),
  from: instant.optional().describe('Entries at or after this time'),
  to: instant.optional().describe('Entries at or before this time'),
}).superRefine((query, ctx) => {
  if (query.from !== undefined && query.to !== undefined && new Date(query.from) > new Date(query.to)) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after to' });
  }
});
export type AuditLogFilter = z.output<typeof AuditLogQuery>;

export const AuditLogOut = z.object({
  id: z.number().int(),
  created_at: z.iso.datetime(),
  action: z.string(),
  user_id: z.number().int().nullable().describe('Null for service tokens and the platform'),
  actor: z.string().describe('A username, `token:<name>`, or `system`'),
  resource_type: z.string(),
  resource_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).describe('What changed; secret references by name only'),
  ip_address: z.string().nullable(),
  user_agent: z.string().nullable(),
});
