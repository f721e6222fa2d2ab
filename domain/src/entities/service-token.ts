import { defineEntity, p } from '@mikro-orm/core';
import { ROLES, type Role } from '../auth/roles.js';
import { BaseEntity, baseProperties } from './base.js';
import { Organization } from './organization.js';
import { Project } from './project.js';
import { User } from './user.js';

/**
 * A long-lived credential for CI (FR-AUTH-05). Only the SHA-256 of the token is stored: the token
 * carries 256 random bits, so a slow hash adds nothing and the hash doubles as the lookup key.
 */
export class ServiceToken extends BaseEntity {
  organization: number;
  /** When set, the token sees and acts on this project only. */
  project: number | null = null;
  name: string;
  tokenHash: string;
  /** The first characters of the token, shown in listings so a user can tell tokens apart. */
  tokenPrefix: string;
  role: Role = 'user';
  createdBy: number | null = null;
  expiresAt: Date | null = null;
  lastUsedAt: Date | null = null;
  revokedAt: Date | null = null;

  constructor(organization: number, name: string, tokenHash: string, tokenPrefix: string) {
    super();
    this.organization = organization;
    this.name = name;
    this.tokenHash = tokenHash;
    this.tokenPrefix = tokenPrefix;
  }

  /** Usable: neither revoked nor expired at `now`. */
  isActiveAt(now: Date): boolean {
    return this.revokedAt === null && (this.expiresAt === null || this.expiresAt > now);
  }
}

export const ServiceTokenSchema = defineEntity({
  class: ServiceToken,
  tableName: 'service_tokens',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk().index(),
    project: p.manyToOne(Project).mapToPk().nullable().deleteRule('cascade').index(),
    name: p.string().length(200),
    tokenHash: p.string().length(64).unique().hidden(),
    tokenPrefix: p.string().length(16),
    role: p.enum(ROLES).default('user'),
    createdBy: p.manyToOne(User).mapToPk().nullable().deleteRule('set null'),
    expiresAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});
