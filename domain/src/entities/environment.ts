import { defineEntity, p } from '@mikro-orm/core';
import { BaseEntity, baseProperties, type StringMap } from './base.js';
import { Dataset } from './dataset.js';
import { InfrastructureResource } from './infrastructure-resource.js';
import { Organization } from './organization.js';
import { Project } from './project.js';

export const ENVIRONMENT_KINDS = ['development', 'staging', 'production'] as const;
export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];

/** Artifact retention by environment kind when the environment sets none (PRD 13.1). */
export const DEFAULT_RETENTION_DAYS: Record<EnvironmentKind, number> = {
  production: 180,
  staging: 90,
  development: 30,
};

/** A deployment target of a project's tests (dev, staging, production) with its base URL. */
export class Environment extends BaseEntity {
  organization: number;
  project: number;
  name: string;
  kind: EnvironmentKind;
  baseUrl: string | null = null;
  /** Plain (non-secret) variables handed to the tests as environment variables. */
  variables: StringMap = {};
  /** Test-visible variable name → secret name; values are resolved on the worker at run time (FR-SEC-03). */
  secretRefs: StringMap = {};
  /** Null means the kind's default (DEFAULT_RETENTION_DAYS). */
  retentionDays: number | null = null;
  dataset: number | null = null;
  /** The Selenium Grid its browser tests use (issue 16): checked before a run's shards start, its URL handed to the tests. */
  grid: number | null = null;

  constructor(organization: number, project: number, name: string, kind: EnvironmentKind) {
    super();
    this.organization = organization;
    this.project = project;
    this.name = name;
    this.kind = kind;
  }

  /** The retention that applies to this environment's runs, in days. */
  effectiveRetentionDays(): number {
    return this.retentionDays ?? DEFAULT_RETENTION_DAYS[this.kind];
  }
}

export const EnvironmentSchema = defineEntity({
  class: Environment,
  tableName: 'environments',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk().index(),
    project: p.manyToOne(Project).mapToPk().deleteRule('cascade'),
    name: p.string().length(100),
    kind: p.enum(ENVIRONMENT_KINDS),
    baseUrl: p.string().length(2000).nullable(),
    variables: p.json<StringMap>(),
    secretRefs: p.json<StringMap>(),
    retentionDays: p.integer().nullable(),
    dataset: p.manyToOne(Dataset).mapToPk().nullable().deleteRule('set null').index(),
    grid: p.manyToOne(InfrastructureResource).mapToPk().nullable().deleteRule('set null').index(),
  },
  uniques: [{ properties: ['project', 'name'] }],
});
