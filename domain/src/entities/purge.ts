import { defineEntity, p } from '@mikro-orm/core';
import { z } from 'zod';
import { BaseEntity, baseProperties } from './base.js';
import { checkedJsonColumn } from './checked-json.js';
import { Organization } from './organization.js';

/** What a deletion that frees storage removed (issue 17 item 4). */
export const PURGED_RESOURCE_TYPES = ['project', 'suite', 'environment'] as const;
export type PurgedResourceType = (typeof PURGED_RESOURCE_TYPES)[number];

/** `pending` until the purge workflow has deleted every prefix, then `purged`. */
export const PURGE_STATUSES = ['pending', 'purged'] as const;
export type PurgeStatus = (typeof PURGE_STATUSES)[number];

/** Artifact-store prefixes, each ending in '/', in the order the workflow deletes them. */
const PurgePrefixes = z.array(z.string().min(2).endsWith('/'));

/**
 * The artifacts a deleted project, suite or environment left in the store, recorded in the same
 * transaction that deletes its rows: once the rows (and with them the runs that named the objects)
 * are gone, this row is what still knows where the objects are, so none is orphaned however long
 * the purge workflow (`purge-<id>`) takes. `prefixesDone` is its durable cursor: the prefixes
 * before it are gone from the store; a retried or restarted purge goes on from there.
 */
export class Purge extends BaseEntity {
  organization: number;
  resourceType: PurgedResourceType;
  /** The deleted row's id; no foreign key, since the row is gone. */
  resourceId: number;
  resourceName: string;
  /** The project deleted, or the project of the suite or environment deleted (a scoped token sees its own); no foreign key either. */
  project: number;
  status: PurgeStatus = 'pending';
  /** Every run's prefix (`{org}/projects/{project}/runs/{run}/`), then, for a project, its dataset and project prefixes. */
  prefixes: string[];
  prefixesDone = 0;
  objectsDeleted = 0;
  completedAt: Date | null = null;
  /** Who deleted the resource, as audit entries show it; the `*.purged` entry names them too. */
  requestedBy: string;

  constructor(organization: number, resource: { type: PurgedResourceType; id: number; name: string; project: number }, prefixes: string[], requestedBy: string) {
    super();
    this.organization = organization;
    this.project = resource.project;
    this.resourceType = resource.type;
    this.resourceId = resource.id;
    this.resourceName = resource.name;
    this.prefixes = prefixes;
    this.requestedBy = requestedBy;
  }
}

/** The prefixes column, parsed on load and checked on write. */
export const PurgePrefixesColumn = checkedJsonColumn<string[]>((stored) => PurgePrefixes.parse(stored));

export const PurgeSchema = defineEntity({
  class: Purge,
  tableName: 'purges',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk(),
    resourceType: p.enum(PURGED_RESOURCE_TYPES),
    resourceId: p.integer(),
    resourceName: p.string().length(200),
    project: p.integer().fieldName('project_id'),
    status: p.enum(PURGE_STATUSES).default('pending'),
    prefixes: p.type(PurgePrefixesColumn).$type<string[]>(),
    prefixesDone: p.integer().default(0),
    objectsDeleted: p.integer().default(0),
    completedAt: p.datetime().nullable(),
    requestedBy: p.string().length(200),
  },
});
