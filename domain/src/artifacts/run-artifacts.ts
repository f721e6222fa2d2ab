import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/core';
import { RunArtifact, type ArtifactKind } from '../entities/run-artifact.js';
import type { Run } from '../entities/run.js';
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
