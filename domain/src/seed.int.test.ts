import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { verifyPassword } from './auth/passwords.js';
import { connectDatabase, type MikroORM } from './db.js';
import { AuditLog } from './entities/audit-log.js';
import { Organization } from './entities/organization.js';
import { User } from './entities/user.js';
import { DefaultCredentialsError, seedDefaults } from './seed.js';

/** First start (PRD 8.1, 20.3) and the production guard against admin/admin (NFR-SEC-04). */
let orm: MikroORM;
let drop: () => Promise<void>;

beforeEach(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url);
  // The template database is migrated but empty: no organization, no user.
});
afterEach(async () => {
  await orm.close(true);
  await drop();
});

describe('seedDefaults', () => {
  it('creates the Default Organization and admin/admin outside production, once', async () => {
    const first = await seedDefaults(orm.em.fork(), { env: 'development', adminPassword: undefined });
    expect(first.createdAdmin).toBe(true);
    const second = await seedDefaults(orm.em.fork(), { env: 'development', adminPassword: undefined });
    expect(second.createdAdmin).toBe(false);
    const em = orm.em.fork();
    expect(await em.count(Organization, {})).toBe(1);
    const admin = await em.findOneOrFail(User, { username: 'admin' });
    expect(admin.role).toBe('admin');
    expect(await verifyPassword('admin', admin.passwordHash)).toBe(true);
    expect(await em.count(AuditLog, { action: 'user.registered', actor: 'system' })).toBe(1);
  });

  it('refuses to create admin/admin in production and writes no user', async () => {
    await expect(seedDefaults(orm.em.fork(), { env: 'production', adminPassword: undefined })).rejects.toThrow(DefaultCredentialsError);
    await expect(seedDefaults(orm.em.fork(), { env: 'production', adminPassword: 'admin' })).rejects.toThrow(/DEFAULT_ADMIN_PASSWORD/);
    expect(await orm.em.fork().count(User, {})).toBe(0);
  });

  it('uses DEFAULT_ADMIN_PASSWORD in production', async () => {
    await seedDefaults(orm.em.fork(), { env: 'production', adminPassword: 'a-long-production-secret' });
    const admin = await orm.em.fork().findOneOrFail(User, { username: 'admin' });
    expect(await verifyPassword('a-long-production-secret', admin.passwordHash)).toBe(true);
    expect(await verifyPassword('admin', admin.passwordHash)).toBe(false);
  });

  it('refuses to start production while the existing admin still accepts admin/admin', async () => {
    await seedDefaults(orm.em.fork(), { env: 'development', adminPassword: undefined });
    await expect(seedDefaults(orm.em.fork(), { env: 'production', adminPassword: 'whatever-else' })).rejects.toThrow(/still has the default password/);
  });
});
