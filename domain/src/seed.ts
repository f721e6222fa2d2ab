import type { EntityManager } from '@mikro-orm/postgresql';
import { hashPassword, verifyPassword } from './auth/passwords.js';
import { AuditLog } from './entities/audit-log.js';
import { Organization } from './entities/organization.js';
import { User } from './entities/user.js';

export const DEFAULT_ORGANIZATION = { name: 'Default Organization', slug: 'default' };
export const DEFAULT_ADMIN = { username: 'admin', email: 'admin@qatron.local', password: 'admin' };

/** Thrown when production would start with the well-known admin/admin credentials (NFR-SEC-04). */
export class DefaultCredentialsError extends Error {
  override name = 'DefaultCredentialsError';
}

/**
 * First start (PRD 8.1, 20.3): the Default Organization and the admin user. Idempotent: existing
 * rows are left alone (a changed admin password stays changed). In production the admin password
 * must come from DEFAULT_ADMIN_PASSWORD; admin/admin is refused.
 */
export async function seedDefaults(
  em: EntityManager,
  options: { env: 'development' | 'production' | 'test'; adminPassword: string | undefined },
): Promise<{ organization: Organization; createdAdmin: boolean }> {
  let organization = await em.findOne(Organization, { slug: DEFAULT_ORGANIZATION.slug });
  if (!organization) {
    organization = new Organization(DEFAULT_ORGANIZATION.name, DEFAULT_ORGANIZATION.slug);
    em.persist(organization);
    await em.flush();
  }
  const existingAdmin = await em.count(User, { organization: organization.id, role: 'admin' });
  if (existingAdmin > 0) {
    if (options.env === 'production') await refuseDefaultPassword(em);
    return { organization, createdAdmin: false };
  }
  const password = options.adminPassword ?? DEFAULT_ADMIN.password;
  if (options.env === 'production' && (!options.adminPassword || options.adminPassword === DEFAULT_ADMIN.password)) {
    throw new DefaultCredentialsError(
      'QATRON_ENV=production refuses to create the admin user with the default password: set DEFAULT_ADMIN_PASSWORD to a strong password',
    );
  }
  await em.transactional(async (tx) => {
    const admin = new User(organization.id, DEFAULT_ADMIN.username, DEFAULT_ADMIN.email, await hashPassword(password), 'admin');
    // The installation's first admin also administers the platform: it creates the other organizations.
    admin.platformAdmin = true;
    tx.persist(admin);
    await tx.flush();
    const entry = new AuditLog(organization.id, 'user.registered', 'system', 'user');
    entry.resourceId = String(admin.id);
    entry.details = { username: admin.username, role: 'admin', reason: 'first start' };
    tx.persist(entry);
  });
  return { organization, createdAdmin: true };
}

/** In production, an active admin account that still accepts admin/admin stops the start. */
async function refuseDefaultPassword(em: EntityManager): Promise<void> {
  const admin = await em.findOne(User, { username: DEFAULT_ADMIN.username, isActive: true });
  if (admin && (await verifyPassword(DEFAULT_ADMIN.password, admin.passwordHash))) {
    throw new DefaultCredentialsError(
      'QATRON_ENV=production refuses to start while the admin user still has the default password: change it first',
    );
  }
}
