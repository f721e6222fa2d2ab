import { readdir } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/core';
import { RunArtifact, type ArtifactKind } from '../entities/run-artifact.js';
import type { Run } from '../entities/run.js';
import { contentTypeFor } from './content-types.js';
import { runPrefix, type ArtifactStore } from './store.js';

/** What to store for a run: the bytes (`body`) or a file on disk (`filePath`, streamed). */
export type RunArtifactInput = {
  kind: ArtifactKind;
  /**
   * Where the object goes inside the run's prefix, e.g. `shards/0/junit.xml`; the same key rules
   * as the store (no `..`, no empty segments, ASCII letters, digits and ` ._=+@-`).
   */
  relativePath: string;
  contentType: string;
  /** The shard that produced it; null (default) for run-level artifacts such as the Allure report. */
  shardIndex?: number | null;
  /** The file name offered on download, which may be any Unicode text; default the last path segment. */
  name?: string;
} & ({ body: Buffer | string | Readable; filePath?: never } | { filePath: string; body?: never });

/**
 * Stores one artifact of a run and records it (FR-RUN-05): the object goes to
 * `runPrefix(run) + relativePath` (PRD 8.2), and a RunArtifact row describing it is persisted in
 * `em`; the caller flushes, so the row can join the caller's transaction. The object is written
 * first: a row never points at bytes that were not stored (the reverse, an object without a row
 * after a failed flush, is removed with the run's prefix by retention).
 *
 * Throws ArtifactExistsError when the key is taken (artifacts are immutable, PRD 13.4) and
 * InvalidArtifactKeyError for a bad `relativePath`, both before a row is persisted.
 */
export async function storeRunArtifact(
  em: EntityManager,
  store: ArtifactStore,
  run: Pick<Run, 'id' | 'organization' | 'project'>,
  input: RunArtifactInput,
): Promise<RunArtifact> {
  const key = runPrefix(run) + input.relativePath;
  const stored =
    input.filePath !== undefined
      ? await store.putFile(key, input.filePath, input.contentType)
      : await store.put(key, input.body, input.contentType);
  const artifact = new RunArtifact(
    run.organization,
    run.id,
    input.kind,
    stored.key,
    input.name ?? basename(input.relativePath),
    input.contentType,
    stored.sizeBytes,
  );
  artifact.shardIndex = input.shardIndex ?? null;
  em.persist(artifact);
  return artifact;
}

/**
 * Stores a generated directory (an Allure or coverage HTML report) under
 * `runPrefix(run) + relativeDir + '/'` and records it as ONE RunArtifact row whose storage key is
 * that prefix: the API serves files from under it and downloads it as a zip. Content types come
 * from the file extensions. The caller flushes.
 */
export async function storeRunDirectory(
  em: EntityManager,
  store: ArtifactStore,
  run: Pick<Run, 'id' | 'organization' | 'project'>,
  input: { kind: ArtifactKind; relativeDir: string; localDir: string; name?: string },
): Promise<RunArtifact> {
  const prefix = `${runPrefix(run)}${input.relativeDir.replace(/\/+$/, '')}/`;
  const files = (await readdir(input.localDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  let total = 0;
  // A few at a time: reports have hundreds of small files, and S3 round trips dominate.
  const queue = [...files];
  const workers = Array.from({ length: 8 }, async () => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      const path = join(entry.parentPath, entry.name);
      const key = prefix + relative(input.localDir, path).split(sep).join('/');
      total += (await store.putFile(key, path, contentTypeFor(entry.name))).sizeBytes;
    }
  });
  await Promise.all(workers);
  const artifact = new RunArtifact(run.organization, run.id, input.kind, prefix, input.name ?? basename(input.relativeDir), 'inode/directory', total);
  em.persist(artifact);
  return artifact;
}
