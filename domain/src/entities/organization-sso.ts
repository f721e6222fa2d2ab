import { defineEntity, p } from '@mikro-orm/core';
import { z } from 'zod';
import { ROLES, type Role } from '../auth/roles.js';
import { BaseEntity, baseProperties } from './base.js';
import { Organization } from './organization.js';

/**
 * Which role a member of an identity-provider group gets (the `group_roles` JSON column): group
 * name → QAtron role. A user in several mapped groups gets the highest of their roles.
 */
export const SsoGroupRoles = z.record(z.string().trim().min(1).max(200), z.enum(ROLES));
export type SsoGroupRoles = z.infer<typeof SsoGroupRoles>;

/**
 * An organization's single sign-on (OpenID Connect, issue 17 item 6): the issuer its users sign in
 * at, the client QAtron is registered as there, and how claims become a QAtron user and role. The
 * client secret is referenced by name and resolved from the API's environment or SECRETS_DIR when a
 * code is exchanged, like the workers' secrets: its value is never stored.
 */
export class OrganizationSso extends BaseEntity {
  organization: number;
  /** The OpenID Provider's issuer identifier; discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** Name of the secret holding the client secret (an environment variable or a file in SECRETS_DIR). */
  clientSecretName: string;
  /** Space-separated scopes asked for; `openid` is always among them. */
  scopes = 'openid email profile';
  /** The claim (ID token or userinfo) that lists the user's groups. */
  groupsClaim = 'groups';
  groupRoles: SsoGroupRoles = {};
  /** The role of a user in none of the mapped groups. */
  defaultRole: Role = 'viewer';
  /** The organization's users sign in through SSO only; the platform administrator keeps password login (break-glass). */
  passwordLoginDisabled = false;

  constructor(organization: number, issuer: string, clientId: string, clientSecretName: string) {
    super();
    this.organization = organization;
    this.issuer = issuer;
    this.clientId = clientId;
    this.clientSecretName = clientSecretName;
  }
}

export const OrganizationSsoSchema = defineEntity({
  class: OrganizationSso,
  tableName: 'organization_sso',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk().unique().deleteRule('cascade'),
    issuer: p.string().length(500),
    clientId: p.string().length(255),
    clientSecretName: p.string().length(255),
    scopes: p.string().length(500).default('openid email profile'),
    groupsClaim: p.string().length(200).default('groups'),
    groupRoles: p.json<SsoGroupRoles>().default('{}'),
    defaultRole: p.enum(ROLES).default('viewer'),
    passwordLoginDisabled: p.boolean().default(false),
  },
});
