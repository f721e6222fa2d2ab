import type { EntityManager } from '@mikro-orm/postgresql';
import { hashPassword, Organization, User } from '@qatron/domain';
import { actorOf, changes, recordAudit } from '../audit/record.js';
import { conflict, notFound, Problem } from '../http/problems.js';
import type { Principal, RequestOrigin } from '../http/principal.js';
import { requireOrganizationWide } from '../http/scope.js';
import type { OrganizationCreateInput, OrganizationListFilter, OrganizationUpdateInput } from './schema.js';

/**
 * Organizations (PRD 8, issue 13 item 3). A platform administrator (a user with `platformAdmin`,
 * the installation's first admin) creates, lists, changes and deactivates every organization; an
 * organization's own admin sees and renames only their own. Other organizations' ids answer 404.
 */

/** Whether the caller administers the platform: a signed-in user with the flag, never a service token. */
export async function isPlatformAdmin(em: EntityManager, principal: Principal): Promise<boolean> {
  if (principal.kind !== 'user' || principal.userId === null) return false;
  const user = await em.findOne(User, { id: principal.userId });
  return user?.platformAdmin === true;
}

async function requirePlatformAdmin(em: EntityManager, principal: Principal, action: string): Promise<void> {
  if (!(await isPlatformAdmin(em, principal))) {
    throw new Problem(403, 'platform_admin_required', 'Forbidden', `Only a platform administrator can ${action}`);
  }
}

/** A page of organizations: all of them for a platform administrator, the caller's own otherwise. */
export async function listOrganizations(
  em: EntityManager,
  principal: Principal,
  filter: OrganizationListFilter,
): Promise<{ items: Organization[]; total: number; platformAdmin: boolean }> {
  requireOrganizationWide(principal, 'list organizations');
  const platformAdmin = await isPlatformAdmin(em, principal);
  const where = {
    ...(platformAdmin ? {} : { id: principal.organizationId }),
    ...(filter.is_active !== undefined && { isActive: filter.is_active }),
  };
  const [items, total] = await em.findAndCount(Organization, where, { orderBy: { id: 'asc' }, limit: filter.limit, offset: filter.offset });
  return { items, total, platformAdmin };
}

/** The organization `id` if the caller may see it; 404 otherwise (another tenant learns nothing). */
export async function getOrganization(em: EntityManager, principal: Principal, id: number): Promise<Organization> {
  requireOrganizationWide(principal, 'read organizations');
  const visible = id === principal.organizationId || (await isPlatformAdmin(em, principal));
  const organization = visible ? await em.findOne(Organization, { id }) : null;
  if (!organization) throw notFound('Organization', id);
  return organization;
}

/** `Acme QA` → `acme-qa`: the default slug of a new organization. */
export function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);
  return slug.length >= 2 ? slug : `org-${slug}`.replace(/-$/, '');
}

/**
 * Creates an organization and its first admin in one transaction, audited in both the platform
 * administrator's organization (`organization.created`) and the new one (`user.registered`). The
 * initial password must be changed at first sign-in (403 password_change_required until then).
 */
export async function createOrganization(
  em: EntityManager,
  principal: Principal,
  input: OrganizationCreateInput,
  origin: RequestOrigin,
): Promise<{ organization: Organization; admin: User }> {
  await requirePlatformAdmin(em, principal, 'create organizations');
  const slug = input.slug ?? slugOf(input.name);
  if (await em.count(Organization, { slug })) throw conflict(`An organization with slug ${slug} already exists`, 'already_exists');
  const taken = await em.findOne(User, { $or: [{ username: input.admin.username }, { email: input.admin.email }] });
  if (taken) {
    const field = taken.username === input.admin.username ? `username ${input.admin.username}` : `email ${input.admin.email}`;
    throw conflict(`A user with ${field} already exists`, 'already_exists');
  }
  const passwordHash = await hashPassword(input.admin.password);
  return em.transactional(async (tx) => {
    const organization = new Organization(input.name, slug);
    organization.settings = input.settings;
    tx.persist(organization);
    await tx.flush();
    const admin = new User(organization.id, input.admin.username, input.admin.email, passwordHash, 'admin');
    // The platform administrator chose this password: the new admin replaces it before anything else.
    admin.mustChangePassword = true;
    tx.persist(admin);
    await tx.flush();
    recordAudit(tx, actorOf(principal), 'organization.created', { type: 'organization', id: organization.id }, { name: organization.name, slug, admin: admin.username }, origin);
    recordAudit(
      tx,
      { organizationId: organization.id, userId: principal.userId, name: principal.name },
      'user.registered',
      { type: 'user', id: admin.id },
      { username: admin.username, role: 'admin', reason: 'organization created', must_change_password: true },
      origin,
    );
    return { organization, admin };
  });
}

/** Renames an organization or replaces its settings: its own admin, or a platform administrator. */
export async function updateOrganization(
  em: EntityManager,
  principal: Principal,
  id: number,
  input: OrganizationUpdateInput,
  origin: RequestOrigin,
): Promise<Organization> {
  const organization = await getOrganization(em, principal, id);
  const before = { name: organization.name, settings: organization.settings };
  if (input.name !== undefined) organization.name = input.name;
  if (input.settings !== undefined) organization.settings = input.settings;
  const diff = changes(before, { name: organization.name, settings: organization.settings });
  if (Object.keys(diff).length) {
    recordAudit(em, actorOf(principal), 'organization.updated', { type: 'organization', id }, diff, origin);
    await em.flush();
  }
  return organization;
}

/**
 * Deactivates (or reactivates) an organization: its data stays, its users and service tokens are
 * refused with 403 organization_deactivated. A platform administrator cannot deactivate their own.
 */
export async function setOrganizationActive(
  em: EntityManager,
  principal: Principal,
  id: number,
  active: boolean,
  origin: RequestOrigin,
): Promise<Organization> {
  await requirePlatformAdmin(em, principal, active ? 'activate organizations' : 'deactivate organizations');
  const organization = await getOrganization(em, principal, id);
  if (!active && organization.id === principal.organizationId) {
    throw conflict('You cannot deactivate your own organization: you would lock yourself out', 'own_organization');
  }
  if (organization.isActive !== active) {
    organization.isActive = active;
    organization.deactivatedAt = active ? null : new Date();
    recordAudit(em, actorOf(principal), active ? 'organization.activated' : 'organization.deactivated', { type: 'organization', id }, { name: organization.name, slug: organization.slug }, origin);
    // The deactivated organization's own log says so too: its admins see why they were refused.
    if (!active) {
      recordAudit(em, { organizationId: id, userId: principal.userId, name: principal.name }, 'organization.deactivated', { type: 'organization', id }, { name: organization.name }, origin);
    }
    await em.flush();
  }
  return organization;
}

/**
 * Refuses a caller of a deactivated organization (403 organization_deactivated): a principal, or a
 * report link signed for one of its runs.
 */
export async function requireActiveOrganization(em: EntityManager, organizationId: number): Promise<void> {
  const organization = await em.findOne(Organization, { id: organizationId });
  if (!organization || !organization.isActive) {
    throw new Problem(403, 'organization_deactivated', 'Forbidden', `Organization ${organizationId} is deactivated: its users, service tokens and report links are refused`);
  }
}

