import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type MikroORM } from '@qatron/domain/db';
import { createTestDatabase } from '@qatron/scripts/testing/database';

let orm: MikroORM;
let db: { url: string; drop: () => Promise<void> };

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await connectDatabase(db.url, { pool: { min: 0, max: 2 } });
});
afterAll(async () => {
  await orm.close(true);
  await db.drop();
});

describe('Migration20261206052026_organizations on an existing installation', () => {
  it("makes the Default Organization's admins platform administrators, nobody else; every organization stays active", async () => {
    await orm.migrator.down({ to: 'Migration20261206041823_run_counts_suite_execution' });
    const sql = orm.em.getConnection();
    await sql.execute(`insert into organizations (created_at, updated_at, name, slug) values (now(), now(), 'Default Organization', 'default'), (now(), now(), 'Other', 'other')`);
    const user = (org: string, username: string, role: string) =>
      `insert into users (created_at, updated_at, organization_id, username, email, password_hash, role)
       select now(), now(), id, '${username}', '${username}@x.test', 'x', '${role}' from organizations where slug = '${org}'`;
    await sql.execute(user('default', 'admin', 'admin'));
    await sql.execute(user('default', 'alice', 'user'));
    await sql.execute(user('other', 'bob', 'admin'));

    await orm.migrator.up();

    const users = await sql.execute<{ username: string; platform_admin: boolean }[]>('select username, platform_admin from users order by username');
    expect(users).toEqual([
      { username: 'admin', platform_admin: true },
      { username: 'alice', platform_admin: false },
      { username: 'bob', platform_admin: false },
    ]);
    const organizations = await sql.execute<{ slug: string; is_active: boolean; settings: unknown }[]>('select slug, is_active, settings from organizations order by slug');
    expect(organizations).toEqual([
      { slug: 'default', is_active: true, settings: {} },
      { slug: 'other', is_active: true, settings: {} },
    ]);
  });
});
