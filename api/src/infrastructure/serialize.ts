import { resourceStatus, type InfrastructureResource } from '@qatron/domain';
import type { z } from 'zod';
import { iso, isoOrNull } from '../http/pagination.js';
import type { ResourceOut } from './schema.js';

/** A resource as the API shows it, with its status derived at `now` (FR-INF-02). */
export function resourceOut(resource: InfrastructureResource, now: Date, heartbeatIntervalSeconds: number): z.output<typeof ResourceOut> {
  const last = resource.lastHeartbeatAt;
  return {
    id: resource.id,
    name: resource.name,
    kind: resource.kind,
    url: resource.url,
    capacity: resource.capacity,
    metadata: resource.metadata,
    status: resourceStatus(resource, now, heartbeatIntervalSeconds),
    last_heartbeat_at: isoOrNull(last),
    // A worker's clock may run slightly ahead of the API's: never report negative ages.
    seconds_since_heartbeat: last ? Math.max(0, Math.floor((now.getTime() - last.getTime()) / 1000)) : null,
    stopped_at: isoOrNull(resource.stoppedAt),
    created_at: iso(resource.createdAt),
    updated_at: iso(resource.updatedAt),
  };
}
