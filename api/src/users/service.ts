import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { hashPassword, User } from '@qatron/domain';
import { actorOf, recordAudit } from '../audit/record.js';
import { conflict, notFound } from '../http/problems.js';
import type { Principal, RequestOrigin } from '../http/principal.js';
import { requireOrganizationWide } from '../http/scope.js';
import type { PasswordResetInput, UserListFilter, UserUpdateInput } from './schema.js';

/** A page of the organization's users, in the order they were created. */
export async function listUsers(em: EntityManager, principal: Principal, filter: UserListFilter): Promise<{ items: User[]; total: number }> {
  requireOrganizationWide(principal, 'manage users');
  const where = { organization: principal.organizationId, ...(filter.role !== undefined && { role: filter.role }) };
  const [items, total] = await em.findAndCount(User, where, { orderBy: { id: 'asc' }, limit: filter.limit, offset: filter.offset });
  return { items, total };
}

/** A user of the caller's organization; 404 for any other id. */
export async function getUser(em: EntityManager, principal: Principal, id: number): Promise<User> {
  requireOrganizationWide(principal, 'manage users');
  const user = await em.findOne(User, { id, organization: principal.organizationId });
  if (!user) throw notFound('User', id);
  return user;
}

/**
 * Changes a user's role or active flag. A role change is audited as `user.role_changed`
 * (FR-AUD-05). The organization always keeps one active admin: a change that could demote or
 * deactivate first locks the active admins (in id order, so that concurrent requests cannot
 * deadlock), so two admins demoting each other at once cannot both succeed.
 */
export async function updateUser(em: EntityManager, principal: Principal, id: number, input: UserUpdateInput, origin: RequestOrigin): Promise<User> {
  requireOrganizationWide(principal, 'manage users');
  const demoting = (input.role !== undefined && input.role !== 'admin') || input.is_active === false;
  return em.transactional(async (tx) => {
    const locked = { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true } as const;
    const activeAdmins = demoting
      ? await tx.find(User, { organization: principal.organizationId, role: 'admin', isActive: true }, { ...locked, orderBy: { id: 'asc' } })
      : [];
    const user = await tx.findOne(User, { id, organization: principal.organizationId }, locked);
    if (!user) throw notFound('User', id);
    const role = input.role ?? user.role;
    const isActive = input.is_active ?? user.isActive;
    const losesAdmin = user.role === 'admin' && user.isActive && !(role === 'admin' && isActive);
    if (losesAdmin && activeAdmins.every((admin) => admin.id === user.id)) {
      throw conflict(`${user.username} is the last active admin of the organization; make another user admin first`, 'last_admin');
    }
    if (role !== user.role) {
      recordAudit(tx, actorOf(principal), 'user.role_changed', { type: 'user', id: user.id }, { username: user.username, from: user.role, to: role }, origin);
    }
    if (isActive !== user.isActive) {
      recordAudit(tx, actorOf(principal), isActive ? 'user.activated' : 'user.deactivated', { type: 'user', id: user.id }, { username: user.username }, origin);
    }
    user.role = role;
    user.isActive = isActive;
    return user;
  });
}

/**
 * Sets a user's password (admin): by default the user must change it at the next login, and
 * until then every call but the password change and logout answers 403 password_change_required.
 * Audited as `user.password_reset`, never with the password.
 */
export async function resetPassword(em: EntityManager, principal: Principal, id: number, input: PasswordResetInput, origin: RequestOrigin): Promise<void> {
  const user = await getUser(em, principal, id);
  user.passwordHash = await hashPassword(input.new_password);
  user.mustChangePassword = input.must_change_password;
  user.failedLogins = 0;
  recordAudit(em, actorOf(principal), 'user.password_reset', { type: 'user', id: user.id }, { username: user.username, must_change_password: input.must_change_password }, origin);
  await em.flush();
}
