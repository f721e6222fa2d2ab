import type { EntityManager } from '@mikro-orm/postgresql';
import { Organization, OrganizationSso } from '@qatron/domain';
import type { z } from 'zod';
import { actorOf, changes, recordAudit } from '../../audit/record.js';
import { iso } from '../../http/pagination.js';
import { notFound } from '../../http/problems.js';
import type { Principal, RequestOrigin } from '../../http/principal.js';
import { getOrganization } from '../../organizations/service.js';
import type { SsoSettingsInput, SsoSettingsOut } from './schema.js';

/** The path of the one callback every organization's provider redirects to (the state names the organization). */
export const CALLBACK_PATH = '/api/v1/auth/oidc/callback';

/** The settings as the API answers them; the secret's name only. */
export function ssoSettingsOut(sso: OrganizationSso, apiOrigin: string): z.output<typeof SsoSettingsOut> {
  return {
    organization_id: sso.organization,
    issuer: sso.issuer,
    client_id: sso.clientId,
    client_secret_name: sso.clientSecretName,
    scopes: sso.scopes.split(' ').filter(Boolean),
    groups_claim: sso.groupsClaim,
    group_roles: sso.groupRoles,
    default_role: sso.defaultRole,
    password_login_disabled: sso.passwordLoginDisabled,
    redirect_uri: apiOrigin + CALLBACK_PATH,
    updated_at: iso(sso.updatedAt),
  };
}

/** The organization's SSO settings, if the caller may see the organization (404 otherwise, or when none are set). */
export async function getSsoSettings(em: EntityManager, principal: Principal, organizationId: number): Promise<OrganizationSso> {
  const organization = await getOrganization(em, principal, organizationId);
  const sso = await em.findOne(OrganizationSso, { organization: organization.id });
  if (!sso) throw notFound(`SSO settings of organization ${organization.id}`);
  return sso;
}

/** Fields compared for the audit entry, in the API's words (never a secret's value: none is held). */
function auditedFields(sso: OrganizationSso): Record<string, unknown> {
  return {
    issuer: sso.issuer,
    client_id: sso.clientId,
    client_secret_name: sso.clientSecretName,
    scopes: sso.scopes,
    groups_claim: sso.groupsClaim,
    group_roles: sso.groupRoles,
    default_role: sso.defaultRole,
    password_login_disabled: sso.passwordLoginDisabled,
  };
}

/**
 * Creates or replaces the organization's SSO settings (its admin, or a platform administrator),
 * audited as organization.sso_updated with what changed.
 */
export async function putSsoSettings(
  em: EntityManager,
  principal: Principal,
  organizationId: number,
  input: SsoSettingsInput,
  origin: RequestOrigin,
): Promise<OrganizationSso> {
  const organization = await getOrganization(em, principal, organizationId);
  const existing = await em.findOne(OrganizationSso, { organization: organization.id });
  const sso = existing ?? new OrganizationSso(organization.id, input.issuer, input.client_id, input.client_secret_name);
  const before = existing ? auditedFields(existing) : {};
  sso.issuer = input.issuer;
  sso.clientId = input.client_id;
  sso.clientSecretName = input.client_secret_name;
  sso.scopes = [...new Set(input.scopes)].join(' ');
  sso.groupsClaim = input.groups_claim;
  sso.groupRoles = input.group_roles;
  sso.defaultRole = input.default_role;
  sso.passwordLoginDisabled = input.password_login_disabled;
  const diff = changes(before, auditedFields(sso));
  if (!existing || Object.keys(diff).length) {
    em.persist(sso);
    recordAudit(em, actorOf(principal), 'organization.sso_updated', { type: 'organization', id: organization.id }, { ...diff, created: !existing }, origin);
    await em.flush();
  }
  return sso;
}

/** Removes the organization's SSO: its users sign in with passwords again (SSO-created ones need an admin's reset). */
export async function deleteSsoSettings(em: EntityManager, principal: Principal, organizationId: number, origin: RequestOrigin): Promise<void> {
  const sso = await getSsoSettings(em, principal, organizationId);
  em.remove(sso);
  recordAudit(em, actorOf(principal), 'organization.sso_updated', { type: 'organization', id: organizationId }, { removed: true, issuer: sso.issuer }, origin);
  await em.flush();
}

/** Whether the organization refuses password login to its users. */
export async function passwordLoginDisabled(em: EntityManager, organizationId: number): Promise<boolean> {
  const sso = await em.findOne(OrganizationSso, { organization: organizationId });
  return sso?.passwordLoginDisabled === true;
}

/** The organization named by `slug` and its SSO settings, or null when either is missing or it is deactivated. */
export async function ssoOfSlug(em: EntityManager, slug: string): Promise<{ organization: Organization; sso: OrganizationSso } | null> {
  const organization = await em.findOne(Organization, { slug });
  if (!organization || !organization.isActive) return null;
  const sso = await em.findOne(OrganizationSso, { organization: organization.id });
  return sso ? { organization, sso } : null;
}
