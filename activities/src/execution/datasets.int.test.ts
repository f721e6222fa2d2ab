import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dataset, DatasetVersion, LocalArtifactStore } from '@qatron/domain';
import { connectDatabase, type MikroORM } from '@qatron/domain/db';
import { buildOrganization } from '@qatron/domain/testing';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { DATASETS_FILE_VARIABLE, materializeDatasets, type DatasetManifest } from './datasets.js';

let orm: MikroORM;
let drop: () => Promise<void>;
let dir: string;
let store: LocalArtifactStore;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url, { pool: { min: 0, max: 2 } });
  dir = await mkdtemp(join(tmpdir(), 'qatron-datasets-'));
  store = new LocalArtifactStore(join(dir, 'store'));
});
afterAll(async () => {
  await orm.close(true);
  await drop();
  await rm(dir, { recursive: true, force: true });
});

const CSV = 'email,tier\nann@example.com,gold\n';
const CSV_SHA = 'sha256:' + (await import('node:crypto')).createHash('sha256').update(CSV).digest('hex');

async function storedVersion(checksum: string | null, label: string): Promise<DatasetVersion> {
  const em = orm.em.fork();
  const org = await buildOrganization(em);
  const dataset = new Dataset(org.id, `customers-${label}`);
  await em.persist(dataset).flush();
  const key = `${org.id}/datasets/${dataset.id}/${label}/customers.csv`;
  await store.put(key, CSV, 'text/csv');
  const version = new DatasetVersion(dataset.id, label, key);
  version.checksum = checksum;
  await em.persist(version).flush();
  return version;
}

describe('materializeDatasets', () => {
  it("downloads the run's pinned version and writes the manifest the framework reads", async () => {
    const version = await storedVersion(CSV_SHA, 'v1');
    const env = await materializeDatasets(orm.em.fork(), store, version.id, join(dir, 'run-1'));
    const manifest = JSON.parse(await readFile(env[DATASETS_FILE_VARIABLE]!, 'utf8')) as DatasetManifest;
    const entry = manifest.datasets['customers-v1']!;
    expect(entry).toMatchObject({ version: 'v1', checksum: CSV_SHA, content_type: 'text/csv; charset=utf-8' });
    expect(await readFile(entry.path, 'utf8')).toBe(CSV);
  });

  it('writes an empty manifest for a run without a pinned dataset', async () => {
    const env = await materializeDatasets(orm.em.fork(), store, null, join(dir, 'run-2'));
    expect(JSON.parse(await readFile(env[DATASETS_FILE_VARIABLE]!, 'utf8'))).toEqual({ datasets: {} });
  });

  it('refuses content whose checksum does not match the registered one', async () => {
    const version = await storedVersion('sha256:' + '0'.repeat(64), 'v2');
    await expect(materializeDatasets(orm.em.fork(), store, version.id, join(dir, 'run-3'))).rejects.toThrow(/customers-v2 version v2 is corrupt/);
  });
});
