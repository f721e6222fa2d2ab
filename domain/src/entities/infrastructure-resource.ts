import { defineEntity, p } from '@mikro-orm/core';
import { BaseEntity, baseProperties } from './base.js';
import { Organization } from './organization.js';

export const RESOURCE_KINDS = ['worker', 'grid'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** A worker or Selenium Grid known to the platform (FR-INF-01, FR-INF-02). */
export class InfrastructureResource extends BaseEntity {
  organization: number;
  name: string;
  kind: ResourceKind;
  url: string | null = null;
  /** Parallel slots it offers (shards for a worker, sessions for a grid). */
  capacity = 1;
  /** Free-form facts it reports: version, host, task queues, browsers. */
  metadata: Record<string, unknown> = {};
  lastHeartbeatAt: Date | null = null;
  /** Set when the resource announced a clean shutdown; cleared by its next heartbeat. */
  stoppedAt: Date | null = null;

  constructor(organization: number, name: string, kind: ResourceKind) {
    super();
    this.organization = organization;
    this.name = name;
    this.kind = kind;
  }
}

export const InfrastructureResourceSchema = defineEntity({
  class: InfrastructureResource,
  tableName: 'infrastructure_resources',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk(),
    name: p.string().length(200),
    kind: p.enum(RESOURCE_KINDS),
    url: p.string().length(2000).nullable(),
    capacity: p.integer().default(1),
    metadata: p.json<Record<string, unknown>>(),
    lastHeartbeatAt: p.datetime().nullable(),
    stoppedAt: p.datetime().nullable(),
  },
  uniques: [{ properties: ['organization', 'name'] }],
  indexes: [{ properties: ['organization', 'kind'] }],
});

export const RESOURCE_STATUSES = ['online', 'stale', 'offline', 'stopped'] as const;
export type ResourceStatus = (typeof RESOURCE_STATUSES)[number];

/**
 * Status derived from the last heartbeat: online within one interval (plus grace), stale within
 * three, offline after that or when it never beat; stopped after a clean shutdown.
 */
export function resourceStatus(
  resource: Pick<InfrastructureResource, 'lastHeartbeatAt' | 'stoppedAt'>,
  now: Date,
  heartbeatIntervalSeconds: number,
): ResourceStatus {
  const last = resource.lastHeartbeatAt;
  if (resource.stoppedAt && (!last || resource.stoppedAt >= last)) return 'stopped';
  if (!last) return 'offline';
  const age = (now.getTime() - last.getTime()) / 1000;
  if (age <= heartbeatIntervalSeconds * 1.5) return 'online';
  if (age <= heartbeatIntervalSeconds * 3) return 'stale';
  return 'offline';
}
