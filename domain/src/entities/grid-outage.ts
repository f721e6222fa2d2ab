import { defineEntity, p } from '@mikro-orm/core';
import { BaseEntity, baseProperties } from './base.js';
import { InfrastructureResource } from './infrastructure-resource.js';
import { Organization } from './organization.js';

/**
 * A stretch of time a polled Grid failed its checks (issue 16 item 3): opened by the first failed
 * check, closed by the next passing one. Kept as transitions, not one row per check, so a year of
 * 10-second checks is a handful of rows and the Board can list the outages themselves.
 */
export class GridOutage extends BaseEntity {
  organization: number;
  resource: number;
  startedAt: Date;
  endedAt: Date | null = null;
  /** The first failed check's reason ("connection refused", "not ready: …"). */
  reason: string;

  constructor(organization: number, resource: number, startedAt: Date, reason: string) {
    super();
    this.organization = organization;
    this.resource = resource;
    this.startedAt = startedAt;
    this.reason = reason;
  }
}

export const GridOutageSchema = defineEntity({
  class: GridOutage,
  tableName: 'grid_outages',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk(),
    resource: p.manyToOne(InfrastructureResource).mapToPk().deleteRule('cascade'),
    startedAt: p.datetime(),
    endedAt: p.datetime().nullable(),
    reason: p.text(),
  },
  indexes: [{ properties: ['resource', 'startedAt'] }],
});
