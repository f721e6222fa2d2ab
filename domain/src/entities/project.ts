import { defineEntity, p } from '@mikro-orm/core';
import { BaseEntity, baseProperties } from './base.js';
import { Organization } from './organization.js';

export const AUTH_METHODS = ['none', 'token', 'ssh'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** A test repository (FR-PRJ). Credentials are referenced by name only (FR-SEC-04). */
export class Project extends BaseEntity {
  organization: number;
  name: string;
  description = '';
  repoUrl: string;
  defaultBranch = 'main';
  authMethod: AuthMethod = 'none';
  /** Name of the secret (worker environment variable or secret file) holding the token or SSH key. */
  secretRef: string | null = null;

  constructor(organization: number, name: string, repoUrl: string) {
    super();
    this.organization = organization;
    this.name = name;
    this.repoUrl = repoUrl;
  }
}

export const ProjectSchema = defineEntity({
  class: Project,
  tableName: 'projects',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk(),
    name: p.string().length(200),
    description: p.text().default(''),
    repoUrl: p.string().length(2000),
    defaultBranch: p.string().length(255).default('main'),
    authMethod: p.enum(AUTH_METHODS).default('none'),
    secretRef: p.string().length(255).nullable(),
  },
  uniques: [{ properties: ['organization', 'name'] }],
});
