import { defineEntity, p } from '@mikro-orm/core';
import { BaseEntity, baseProperties } from './base.js';
import { Organization } from './organization.js';
import { Project } from './project.js';
import { User } from './user.js';

/** Why a quarantine ended: lifted by someone, or its expiry passed (the daily sweep records it). */
export const QUARANTINE_LIFT_REASONS = ['lifted', 'expired'] as const;
export type QuarantineLiftReason = (typeof QUARANTINE_LIFT_REASONS)[number];

/**
 * A test kept from deciding its project's run verdicts (issue 15 item 2): it still runs and is
 * reported, but its failures do not fail a run, until it is lifted or its expiry passes. A node id
 * has at most one active quarantine per project; lifted ones stay as its history.
 */
export class Quarantine extends BaseEntity {
  organization: number;
  project: number;
  /** pytest node id, exactly as test results record it (`tests/test_cart.py::test_add[2-3]`). */
  nodeId: string;
  reason: string;
  /** Who answers for the test while it is quarantined: a person or a team handle, free text. */
  owner: string;
  /** Null: until lifted. A quarantine past this moment no longer counts, even before the sweep lifts it. */
  expiresAt: Date | null = null;
  /** Null for a service token, or once the user is removed; `createdByName` stays. */
  createdBy: number | null = null;
  createdByName: string;
  liftedAt: Date | null = null;
  liftedBy: number | null = null;
  /** Who lifted it as shown (a username, `token:<name>`, or `system` for an expiry). */
  liftedByName: string | null = null;
  liftReason: QuarantineLiftReason | null = null;

  constructor(organization: number, project: number, nodeId: string, reason: string, owner: string, createdBy: { userId: number | null; name: string }) {
    super();
    this.organization = organization;
    this.project = project;
    this.nodeId = nodeId;
    this.reason = reason;
    this.owner = owner;
    this.createdBy = createdBy.userId;
    this.createdByName = createdBy.name;
  }
}

export const QuarantineSchema = defineEntity({
  class: Quarantine,
  tableName: 'quarantines',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk(),
    project: p.manyToOne(Project).mapToPk().deleteRule('cascade'),
    nodeId: p.text(),
    reason: p.string().length(2000),
    owner: p.string().length(200),
    expiresAt: p.datetime().nullable(),
    createdBy: p.manyToOne(User).mapToPk().nullable().deleteRule('set null'),
    createdByName: p.string().length(200),
    liftedAt: p.datetime().nullable(),
    liftedBy: p.manyToOne(User).mapToPk().nullable().deleteRule('set null'),
    liftedByName: p.string().length(200).nullable(),
    liftReason: p.enum(QUARANTINE_LIFT_REASONS).nullable(),
  },
  // One active quarantine per test; the verdict looks quarantines up by project and node id.
  uniques: [{ name: 'quarantines_active_node_unique', properties: ['project', 'nodeId'], where: 'lifted_at is null' }],
  indexes: [{ properties: ['project', 'nodeId', 'createdAt'] }, { properties: ['project', 'id'] }, { properties: ['expiresAt'] }],
});
