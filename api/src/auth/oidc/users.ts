import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { hashPassword, ROLES, User, type OrganizationSso, type Role, type SsoGroupRoles } from '@qatron/domain';
import { recordAudit } from '../../audit/record.js';
import { badRequest, conflict, Problem } from '../../http/problems.js';
import type { RequestOrigin } from '../../http/principal.js';
import { EmailAddress } from '../schema.js';

/** The role of a member of `groups`: the highest of their mapped groups' roles, else the default. */
export function roleOfGroups(groups: readonly string[], mapping: SsoGroupRoles, defaultRole: Role): Role {
  const mapped = groups.flatMap((group) => (mapping[group] ? [mapping[group]] : []));
  if (mapped.length === 0) return defaultRole;
  return mapped.reduce((highest, role) => (ROLES.indexOf(role) > ROLES.indexOf(highest) ? role : highest));
}

/** The groups claim as a list of names: providers send an array, a few a single string. */
export function groupsOf(claims: Record<string, unknown>, claim: string): string[] {
  const value = claims[claim];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((group): group is string => typeof group === 'string') : [];
}

const USERNAME = /^[A-Za-z0-9_.@-]{3,150}$/;

/** A free username for a new SSO user: preferred_username or the email, made unique with a hash of the subject if taken. */
async function freeUsername(em: EntityManager, claims: Record<string, unknown>, email: string, subject: string): Promise<string> {
  const preferred = typeof claims.preferred_username === 'string' && USERNAME.test(claims.preferred_username) ? claims.preferred_username : email;
  if (!(await em.count(User, { username: preferred }))) return preferred;
  const suffix = createHash('sha256').update(subject).digest('hex').slice(0, 8);
  return `${preferred.slice(0, 140)}-${suffix}`;
}

/**
 * The QAtron user of a signed-in identity: matched by (organization, issuer, subject), else created
 * in the organization with the email of the claims and the role its groups map to. A matched user's
 * role follows the provider's groups at every sign-in, so the provider stays the source of truth.
 * An email already used by another account is refused (409): accounts are never joined by email.
 */
export async function signInUser(
  em: EntityManager,
  sso: OrganizationSso,
  claims: Record<string, unknown> & { sub: string },
  origin: RequestOrigin,
  now = new Date(),
): Promise<User> {
  const role = roleOfGroups(groupsOf(claims, sso.groupsClaim), sso.groupRoles, sso.defaultRole);
  let user = await em.findOne(User, { organization: sso.organization, ssoIssuer: sso.issuer, ssoSubject: claims.sub });
  const created = !user;
  if (!user) {
    const email = EmailAddress.safeParse(typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined);
    if (!email.success || claims.email_verified === false) {
      throw badRequest('The provider sent no verified email address for this user; ask for the email scope', 'sso_claims_invalid');
    }
    if (await em.count(User, { email: email.data })) {
      throw conflict(`Another account already uses ${email.data}; an admin must remove or rename it before this identity can sign in`, 'sso_email_taken');
    }
    // An unusable password: SSO users sign in at their provider, and a guessed password never matches.
    user = new User(sso.organization, await freeUsername(em, claims, email.data, claims.sub), email.data, await hashPassword(randomBytes(32).toString('hex')), role);
    user.ssoIssuer = sso.issuer;
    user.ssoSubject = claims.sub;
    em.persist(user);
    await em.flush();
  }
  if (!user.isActive) throw new Problem(403, 'user_deactivated', 'Forbidden', 'Your QAtron account is deactivated; ask an admin of your organization');
  const previousRole = user.role;
  user.role = role;
  user.lastLoginAt = now;
  user.failedLogins = 0;
  const actor = { organizationId: user.organization, userId: user.id, name: user.username };
  recordAudit(em, actor, 'auth.sso_login', { type: 'user', id: user.id }, { issuer: sso.issuer, subject: claims.sub, created, role, ...(previousRole !== role && !created && { previous_role: previousRole }) }, origin);
  await em.flush();
  return user;
}
