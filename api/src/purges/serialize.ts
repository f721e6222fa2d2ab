import type { Purge } from '@qatron/domain';
import type { z } from 'zod';
import { iso } from '../http/pagination.js';
import type { PurgeOut } from './schema.js';

export function purgeOut(purge: Purge): z.output<typeof PurgeOut> {
  return {
    id: purge.id,
    project_id: purge.project,
    resource_type: purge.resourceType,
    resource_id: purge.resourceId,
    resource_name: purge.resourceName,
    status: purge.status,
    prefixes: purge.prefixes.length,
    prefixes_done: purge.prefixesDone,
    objects_deleted: purge.objectsDeleted,
    requested_by: purge.requestedBy,
    created_at: iso(purge.createdAt),
    completed_at: purge.completedAt ? iso(purge.completedAt) : null,
  };
}
