import { defineEntity, p } from '@mikro-orm/core';
import { GridHealth } from '../infrastructure/grid-status.js';
import { BaseEntity, baseProperties } from './base.js';
import { checkedJsonColumn } from './checked-json.js';
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
  /** A polled resource (a Grid, issue 16): when the platform last asked it, and why that check failed (null: it passed). */
  checkedAt: Date | null = null;
  checkError: string | null = null;
  /** A Grid's health from its last answered `/status` (kept while it is unreachable: the last known). */
  gridHealth: GridHealth | null = null;

  constructor(organization: number, name: string, kind: ResourceKind) {
    super();
    this.organization = organization;
    this.name = name;
    this.kind = kind;
  }
}

/** The Grid health column, parsed on load and checked on write. */
export const GridHealthColumn = checkedJsonColumn<GridHealth | null>((stored) => (stored === null ? null : GridHealth.parse(stored)));

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
    checkedAt: p.datetime().nullable(),
    checkError: p.text().nullable(),
    gridHealth: p.type(GridHealthColumn).$type<GridHealth | null>().nullable(),
  },
  uniques: [{ properties: ['organization', 'name'] }],
  indexes: [{ properties: ['organization', 'kind'] }],
});

export const RESOURCE_STATUSES = ['online', 'stale', 'offline', 'stopped', 'unhealthy'] as const;
export type ResourceStatus = (typeof RESOURCE_STATUSES)[number];

/**
 * Status derived from the last heartbeat: online within one interval (plus grace), stale within
 * three, offline after that or when it never beat; stopped after a clean shutdown; unhealthy when
 * the platform's latest check of it (a Grid's `/status`) failed, at once rather than after three
 * missed intervals.
 */
export function resourceStatus(
  resource: Pick<InfrastructureResource, 'lastHeartbeatAt' | 'stoppedAt' | 'checkedAt' | 'checkError'>,
  now: Date,
  heartbeatIntervalSeconds: number,
): ResourceStatus {
  const last = resource.lastHeartbeatAt;
  if (resource.stoppedAt && (!last || resource.stoppedAt >= last)) return 'stopped';
  if (resource.checkError !== null && resource.checkedAt && (!last || resource.checkedAt >= last)) return 'unhealthy';
  if (!last) return 'offline';
  const age = (now.getTime() - last.getTime()) / 1000;
  if (age <= heartbeatIntervalSeconds * 1.5) return 'online';
  if (age <= heartbeatIntervalSeconds * 3) return 'stale';
  return 'offline';
}
