import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import { ENTITY_SCHEMAS } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';

/** ORM options for a database URL: every entity, the migration list, no schema changes at boot. */
export function ormOptions(databaseUrl: string, overrides: Partial<Options> = {}): Options {
  const { migrations: migrationOverrides, ...rest } = overrides;
  return defineConfig({
    clientUrl: databaseUrl,
    entities: ENTITY_SCHEMAS,
    extensions: [Migrator],
    migrations: {
      tableName: 'qatron_migrations',
      migrationsList: MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      // The callers report what was applied in their own words.
      silent: true,
      ...migrationOverrides,
    },
    pool: { min: 0, max: 10 },
    ...rest,
  });
}

/** Connects the ORM. The schema is changed only by `migrate()`, never here (STYLE 5). */
export async function connectDatabase(databaseUrl: string, overrides: Partial<Options> = {}): Promise<MikroORM> {
  return MikroORM.init(ormOptions(databaseUrl, overrides));
}

/**
 * The advisory lock every migrator of a database takes (bytes of "qatronmg"). Advisory locks are
 * per database, so migrators of different databases never wait for each other.
 */
export const MIGRATION_LOCK_KEY = 0x7161_7472_6f6e_6d67n;

/**
 * Applies pending migrations in one transaction, once however many processes start together;
 * returns the names applied. Every API replica started with --migrate runs this (the Helm chart
 * runs two or more), and so does `npm start`. Each first takes a session-level advisory lock on a
 * pooled connection of its own, so a second migrator waits until the first has committed and let
 * go, then finds nothing pending and returns []. Without the lock both would create the migrations
 * table and apply the same migrations at once, and one would fail. A migrator that dies loses its
 * session, and the lock with it.
 * The pool needs two connections: one holds the lock while the migrator works on another.
 */
export async function migrate(orm: MikroORM, thenUnderLock?: () => Promise<unknown>): Promise<string[]> {
  const pool = await orm.em.getConnection().getNativeClient();
  const session = await pool.connect();
  const key = MIGRATION_LOCK_KEY.toString();
  let unlocked = false;
  try {
    await session.query('select pg_advisory_lock($1::bigint)', [key]);
    try {
      const applied = (await orm.migrator.up()).map((m) => m.name);
      // The first start's seeding (default organization, admin) is serialized too: two replicas
      // seeding at once would race on the same unique names.
      await thenUnderLock?.();
      return applied;
    } finally {
      await session.query('select pg_advisory_unlock($1::bigint)', [key]);
      unlocked = true;
    }
  } finally {
    // A session that may still hold the lock is closed rather than pooled: closing releases it.
    session.release(!unlocked);
  }
}

export type { MikroORM };
export { EntityManager } from '@mikro-orm/postgresql';
