import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { connectDatabase, type MikroORM } from '../db.js';
import { Run } from '../entities/run.js';
import { buildRun } from '../testing/factories.js';
import { RUN_METADATA_VERSION, type RunMetadata } from './metadata.js';

let orm: MikroORM;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url, { pool: { min: 0, max: 2 } });
});
afterAll(async () => {
  await orm.close(true);
  await drop();
});

const rawMetadata = async (id: number): Promise<unknown> => {
  const [row] = await orm.em.getConnection().execute<Array<{ run_metadata: unknown }>>('select run_metadata from runs where id = ?', [id]);
  return row?.run_metadata;
};
const setRawMetadata = (id: number, json: unknown) => orm.em.getConnection().execute('update runs set run_metadata = ?::jsonb where id = ?', [JSON.stringify(json), id]);
const load = (id: number) => orm.em.fork().findOneOrFail(Run, { id });

describe('the run_metadata column', () => {
  it('stores what a phase wrote with its version, and loads it without', async () => {
    const run = await buildRun(orm.em.fork());
    expect(await rawMetadata(run.id)).toEqual({ version: RUN_METADATA_VERSION });
    const em = orm.em.fork();
    const loaded = await em.findOneOrFail(Run, { id: run.id });
    loaded.runMetadata = { ...loaded.runMetadata, reporting: { report_tests: 4, errors: [] } };
    await em.flush();
    expect(await rawMetadata(run.id)).toEqual({ version: RUN_METADATA_VERSION, reporting: { report_tests: 4, errors: [] } });
    expect((await load(run.id)).runMetadata).toEqual({ reporting: { report_tests: 4, errors: [] } });
  });

  it('loads a row written before the version field, and leaves it alone until a phase writes', async () => {
    const run = await buildRun(orm.em.fork());
    const old = { shard_count: 1, plan: { commit: 'abc1234', basis: 'test_count', total_tests: 1, shards: [{ index: 0, files: ['t.py'], test_ids: ['t.py::a'], estimated_weight: 1 }] } };
    await setRawMetadata(run.id, old);
    const em = orm.em.fork();
    const loaded = await em.findOneOrFail(Run, { id: run.id });
    expect(loaded.runMetadata).toEqual(old);
    loaded.statusReason = 'touched';
    await em.flush();
    expect(await rawMetadata(run.id)).toEqual(old);
  });

  it('refuses to flush malformed metadata, naming the field', async () => {
    const em = orm.em.fork();
    const run = await buildRun(em);
    const malformed: RunMetadata = { shards: [{ shard_id: 0, status: 'passed', tests: -1, passed: 0, failed: 0, skipped: 0, flaky: 0, duration: null, attempt: null, worker: null, reason: null }] };
    run.runMetadata = malformed;
    await expect(em.flush()).rejects.toThrow(/refusing to write run metadata: run_metadata\.shards\.0\.tests: /);
    expect(await rawMetadata(run.id)).toEqual({ version: RUN_METADATA_VERSION });
  });

  it('refuses to load a row that no version of the schema describes, naming the field', async () => {
    const run = await buildRun(orm.em.fork());
    await setRawMetadata(run.id, { version: RUN_METADATA_VERSION, shard_count: 'four' });
    await expect(load(run.id)).rejects.toThrow(/cannot read run metadata: run_metadata\.shard_count: /);
  });
});
