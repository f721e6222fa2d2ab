import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ensureDatabase } from '@qatron/scripts/embedded/postgres';
import { connectDatabase, migrate, MIGRATION_LOCK_KEY, type MikroORM } from './db.js';
import { MIGRATIONS } from './migrations/index.js';
import { seedDefaults } from './seed.js';

/**
 * Migrations run once however many migrators start together (issue 17 item 7): two API replicas
 * started with --migrate against one fresh database, as a Helm release with api.replicas=2 does.
 */
const allNames = MIGRATIONS.map((m) => m.name);
let url: string;
let orms: MikroORM[] = [];

/** A migrator's own ORM, as each replica has (closed after the test). */
async function connect(): Promise<MikroORM> {
  const orm = await connectDatabase(url, { pool: { min: 0, max: 3 } });
  orms.push(orm);
  return orm;
}

/** Rows of one query on the test database, through an ORM's pool. */
async function rows<T extends object>(orm: MikroORM, query: string, params: unknown[] = []): Promise<T[]> {
  return orm.em.getConnection().execute<T[]>(query, params);
}

/** Migrators waiting for the migration lock in this database (pg_locks: advisory, not granted). */
async function waitingMigrators(orm: MikroORM): Promise<number> {
  const [row] = await rows<{ waiting: number }>(
    orm,
    `select count(*)::int as waiting from pg_locks
      where locktype = 'advisory' and not granted and objsubid = 1
        and database = (select oid from pg_database where datname = current_database())
        and ((classid::bigint << 32) | objid::bigint) = ?::bigint`,
    [MIGRATION_LOCK_KEY.toString()],
  );
  return row?.waiting ?? 0;
}

beforeEach(async () => {
  // An empty database, not the migrated template: the migrations table does not exist yet.
  const adminUrl = inject('postgresAdminUrl');
  const name = `t_migrate_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(adminUrl, name);
  url = adminUrl.replace(/\/postgres$/, `/${name}`);
});
afterEach(async () => {
  await Promise.all(orms.map((orm) => orm.close(true)));
  orms = [];
  const admin = await connectDatabase(inject('postgresAdminUrl'), { pool: { min: 0, max: 1 } });
  const name = new URL(url).pathname.slice(1);
  await admin.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
  await admin.close(true);
});

describe('migrate', () => {
  it('applies every migration exactly once when two migrators start together on a fresh database', async () => {
    const [first, second] = await Promise.all([connect(), connect()]);
    const applied = await Promise.all([migrate(first), migrate(second)]);

    // One migrator applied everything; the other waited for the lock and found nothing pending.
    const [none, all] = [...applied].sort((a, b) => a.length - b.length);
    expect(none).toEqual([]);
    expect(all).toEqual(allNames);
    const table = await rows<{ name: string; times: number }>(first, 'select name, count(*)::int as times from qatron_migrations group by name order by name');
    expect(table.map((r) => r.name)).toEqual([...allNames].sort());
    expect(table.filter((r) => r.times !== 1)).toEqual([]);
    // Neither left the lock behind: a third migrator gets it at once and has nothing to do.
    expect(await migrate(await connect())).toEqual([]);
  });

  it('seeds the first start once when two replicas migrate and seed together', async () => {
    const [first, second] = [await connect(), await connect()];
    const seeded: boolean[] = [];
    const seed = (orm: MikroORM) => async () => void seeded.push((await seedDefaults(orm.em.fork(), { env: 'test', adminPassword: undefined })).createdAdmin);
    await Promise.all([migrate(first, seed(first)), migrate(second, seed(second))]);
    // One replica created the admin, the other found it: neither failed on a unique name.
    expect(seeded.sort()).toEqual([false, true]);
    expect(await rows(first, `select count(*)::int as n from organizations`)).toEqual([{ n: 1 }]);
    expect(await rows(first, `select count(*)::int as n from users`)).toEqual([{ n: 1 }]);
  });

  it('makes a migrator wait while another holds the lock, then finds the schema already migrated', async () => {
    const holder = await connect();
    const session = await (await holder.em.getConnection().getNativeClient()).connect();
    await session.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      let done = false;
      const waiting = migrate(await connect()).finally(() => {
        done = true;
      });
      await expect.poll(() => waitingMigrators(holder), { timeout: 10_000 }).toBe(1);
      // Still blocked, and it has touched nothing: not even the migrations table exists.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(done).toBe(false);
      expect(await rows(holder, `select 1 from pg_class where relname = 'qatron_migrations'`)).toEqual([]);

      // The holder migrates (as the first replica would) and lets go; the waiter then has nothing to do.
      await holder.migrator.up();
      await session.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
      expect(await waiting).toEqual([]);
      expect(await waitingMigrators(holder)).toBe(0);
    } finally {
      session.release(true);
    }
    const [count] = await rows<{ n: number }>(holder, 'select count(*)::int as n from qatron_migrations');
    expect(count?.n).toBe(allNames.length);
  });
});
