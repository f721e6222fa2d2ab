import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { connectDatabase, type MikroORM } from '../db.js';

let orm: MikroORM;
let drop: () => Promise<void>;

beforeAll(async () => {
  // createTestDatabase applies every migration in MIGRATIONS.
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url, { pool: { min: 0, max: 2 } });
});
afterAll(async () => {
  await orm.close(true);
  await drop();
});

describe('the migrations', () => {
  it('build exactly the schema the entities describe (an entity change without its migration fails here)', async () => {
    const drift = await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
    expect(drift.trim(), 'the entities differ from the migrated schema: run `npm run migration:create <name>` and commit the migration').toBe('');
  });
});
