import type { Quarantine } from '@qatron/domain';
import { isActiveAt } from '@qatron/domain/quarantine/active';
import type { z } from 'zod';
import { iso, isoOrNull } from '../http/pagination.js';
import type { QuarantineOut } from './schema.js';

/** A quarantine as the API answers it. */
export function quarantineOut(quarantine: Quarantine, now = new Date()): z.output<typeof QuarantineOut> {
  return {
    id: quarantine.id,
    organization_id: quarantine.organization,
    project_id: quarantine.project,
    node_id: quarantine.nodeId,
    reason: quarantine.reason,
    owner: quarantine.owner,
    expires_at: isoOrNull(quarantine.expiresAt),
    active: isActiveAt(quarantine, now),
    created_by: quarantine.createdByName,
    created_at: iso(quarantine.createdAt),
    lifted_at: isoOrNull(quarantine.liftedAt),
    lifted_by: quarantine.liftedByName,
    lift_reason: quarantine.liftReason,
  };
}
