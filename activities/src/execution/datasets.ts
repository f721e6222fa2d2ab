import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { contentTypeFor, Dataset, DatasetVersion, type ArtifactStore } from '@qatron/domain';

/** The variable naming the manifest the framework's `dataset(name)` fixture reads. */
export const DATASETS_FILE_VARIABLE = 'QATRON_DATASETS_FILE';

/** What the framework reads: every dataset the run pinned, by name. */
export interface DatasetManifest {
  datasets: Record<string, { version: string; path: string; checksum: string | null; content_type: string }>;
}

/** One dataset version downloaded into `dir`, its checksum verified; `name` is the dataset's. */
export async function downloadDatasetVersion(
  db: EntityManager,
  store: ArtifactStore,
  versionId: number,
  dir: string,
): Promise<{ name: string; entry: DatasetManifest['datasets'][string] }> {
  const version = await db.findOneOrFail(DatasetVersion, { id: versionId });
  const dataset = await db.findOneOrFail(Dataset, { id: version.dataset });
  const fileName = version.storagePath.slice(version.storagePath.lastIndexOf('/') + 1);
  const target = join(dir, String(version.id), fileName);
  await mkdir(join(dir, String(version.id)), { recursive: true });
  const hash = createHash('sha256');
  const { body } = await store.get(version.storagePath);
  await pipeline(body, new Transform({ transform: (chunk: Buffer, _e, done) => (hash.update(chunk), done(null, chunk)) }), createWriteStream(target));
  const checksum = `sha256:${hash.digest('hex')}`;
  if (version.checksum !== null && version.checksum !== checksum) {
    throw new Error(`dataset ${dataset.name} version ${version.version} is corrupt in the artifact store: checksum ${checksum}, expected ${version.checksum}`);
  }
  return { name: dataset.name, entry: { version: version.version, path: target, checksum: version.checksum, content_type: contentTypeFor(fileName) } };
}

/**
 * FR-DATA-03 on the worker: the run's pinned dataset version, downloaded into `dir` with its
 * checksum verified, and a manifest for the framework. A run without a pinned version gets an empty
 * manifest, so `dataset(name)` can say that nothing is pinned instead of guessing.
 */
export async function materializeDatasets(db: EntityManager, store: ArtifactStore, datasetVersionId: number | null, dir: string): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const manifest: DatasetManifest = { datasets: {} };
  if (datasetVersionId !== null) {
    const { name, entry } = await downloadDatasetVersion(db, store, datasetVersionId, dir);
    manifest.datasets[name] = entry;
  }
  const file = join(dir, 'manifest.json');
  await writeFile(file, JSON.stringify(manifest, null, 2));
  return { [DATASETS_FILE_VARIABLE]: file };
}
