import { resourceStatus, type GridOutage, type InfrastructureResource } from '@qatron/domain';
import type { z } from 'zod';
import { iso, isoOrNull } from '../http/pagination.js';
import type { GridOutageOut, ResourceOut } from './schema.js';

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
    check: resource.checkedAt ? { checked_at: iso(resource.checkedAt), error: resource.checkError, health: resource.gridHealth } : null,
    created_at: iso(resource.createdAt),
    updated_at: iso(resource.updatedAt),
  };
}

/** An outage of a Grid as the API shows it; its duration only once it has ended. */
export function gridOutageOut(outage: GridOutage): z.output<typeof GridOutageOut> {
  return {
    id: outage.id,
    started_at: iso(outage.startedAt),
    ended_at: isoOrNull(outage.endedAt),
    reason: outage.reason,
    duration_seconds: outage.endedAt ? Math.floor((outage.endedAt.getTime() - outage.startedAt.getTime()) / 1000) : null,
  };
}
