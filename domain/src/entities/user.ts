import { defineEntity, p } from '@mikro-orm/core';
import { ROLES, type Role } from '../auth/roles.js';
import { BaseEntity, baseProperties } from './base.js';
import { Organization } from './organization.js';

/** A person who signs in with username and password. */
export class User extends BaseEntity {
  organization: number;
  username: string;
  email: string;
  /** scrypt hash in the self-describing form `scrypt$N$r$p$salt$hash`, never the password. */
  passwordHash: string;
  role: Role;
  isActive = true;
  /** Failed logins since the last success (audit and support); login guards are in the API's LoginThrottle. */
  failedLogins = 0;
  /** No longer set: accounts are never locked as a whole (issue 13 item 4); kept for existing rows. */
  lockedUntil: Date | null = null;
  lastLoginAt: Date | null = null;
  /** Manages organizations across the installation (not only its own); the first seeded admin has it. */
  platformAdmin = false;
  /** Set when an admin reset the password: the user must choose a new one before anything else. */
  mustChangePassword = false;
  /** The OpenID issuer and subject (`sub`) of a user created by single sign-on; null for a password user. */
  ssoIssuer: string | null = null;
  ssoSubject: string | null = null;

  constructor(organization: number, username: string, email: string, passwordHash: string, role: Role) {
    super();
    this.organization = organization;
    this.username = username;
    this.email = email;
    this.passwordHash = passwordHash;
    this.role = role;
  }
}

export const UserSchema = defineEntity({
  class: User,
  tableName: 'users',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk().index(),
    username: p.string().length(150).unique(),
    email: p.string().length(320).unique(),
    passwordHash: p.string().length(300).hidden(),
    role: p.enum(ROLES).default('user'),
    isActive: p.boolean().default(true),
    failedLogins: p.integer().default(0),
    lockedUntil: p.datetime().nullable(),
    lastLoginAt: p.datetime().nullable(),
    platformAdmin: p.boolean().default(false),
    mustChangePassword: p.boolean().default(false),
    ssoIssuer: p.string().length(500).nullable(),
    ssoSubject: p.string().length(255).nullable(),
  },
  // A signed-in identity is one user per organization (issue 17 item 6); password users have none.
  uniques: [{ properties: ['organization', 'ssoIssuer', 'ssoSubject'] }],
});
