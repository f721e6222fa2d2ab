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

/** Applies pending migrations in one transaction; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

export type { MikroORM };
export { EntityManager } from '@mikro-orm/postgresql';
