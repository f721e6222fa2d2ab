import { z } from 'zod';
import { QUARANTINE_LIFT_REASONS } from '@qatron/domain';
import { PageQuery } from '../http/pagination.js';
import { DbId } from '../http/params.js';

/** `/api/v1/projects/:id/quarantine/:quarantine_id`. */
export const QuarantineParams = z.object({ id: DbId, quarantine_id: DbId });

/** POST /api/v1/projects/:id/quarantine (issue 15 item 2). */
export const QuarantineCreate = z.object({
  node_id: z
    .string()
    .trim()
    .min(1, 'is required')
    .max(4000, 'must be at most 4000 characters')
    .describe('The pytest node id, exactly as the run lists it, e.g. `tests/test_cart.py::test_add[2-3]`'),
  reason: z.string().trim().min(1, 'is required').max(2000, 'must be at most 2000 characters').describe('Why the test is quarantined'),
  owner: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters').describe('Who answers for the test meanwhile: a person or a team handle'),
  expires_at: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone (2027-01-31T00:00:00Z)' })
    .nullable()
    .default(null)
    .describe('When the quarantine lifts itself; in the future. Null: until lifted'),
});
export type QuarantineCreateInput = z.output<typeof QuarantineCreate>;

/** GET /api/v1/projects/:id/quarantine. */
export const QuarantineListQuery = PageQuery.extend({
  active: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe('true: only quarantines in force now (not lifted, not expired); false: only lifted or expired ones; absent: all'),
});
export type QuarantineListFilter = z.output<typeof QuarantineListQuery>;

export const QuarantineOut = z.object({
  id: z.number().int(),
  organization_id: z.number().int(),
  project_id: z.number().int(),
  node_id: z.string(),
  reason: z.string(),
  owner: z.string(),
  expires_at: z.iso.datetime().nullable(),
  /** In force now: not lifted and not past its expiry (an expired one counts no more, even before the sweep lifts it). */
  active: z.boolean().describe('In force now: not lifted and its expiry (if any) not reached'),
  created_by: z.string().describe('Who added it: a username or `token:<name>`'),
  created_at: z.iso.datetime(),
  lifted_at: z.iso.datetime().nullable(),
  lifted_by: z.string().nullable().describe('Who lifted it; `system` when it expired'),
  lift_reason: z.enum(QUARANTINE_LIFT_REASONS).nullable(),
});
