import type { Readable } from 'node:stream';

/**
 * Where run artifacts live (FR-RUN-05, PRD 13): a local directory in the embedded stack, S3 in
 * deployments. Keys are `{org}/projects/{project}/runs/{run}/…` (PRD 8.2) and immutable (PRD 13.4):
 * writing an existing key fails instead of replacing it.
 */
export interface ArtifactStore {
  readonly kind: 'local' | 's3';
  /** Stores `body` under `key`; throws ArtifactExistsError if the key is taken. */
  put(key: string, body: Buffer | string | Readable, contentType: string): Promise<StoredArtifact>;
  /** Stores a file from disk (streamed) under `key`. */
  putFile(key: string, path: string, contentType: string): Promise<StoredArtifact>;
  /** Opens an artifact for reading; throws ArtifactNotFoundError. */
  get(key: string): Promise<{ body: Readable; sizeBytes: number; contentType: string }>;
  exists(key: string): Promise<boolean>;
  /** Every key under `prefix` (which ends in '/'), in no particular order. */
  list(prefix: string): AsyncIterable<StoredArtifact>;
  /** Removes every object under `prefix`; returns how many were removed. Idempotent. */
  deletePrefix(prefix: string): Promise<number>;
}

export interface StoredArtifact {
  key: string;
  sizeBytes: number;
}

export class ArtifactExistsError extends Error {
  override name = 'ArtifactExistsError';
  constructor(readonly key: string) {
    super(`artifact ${key} already exists; artifacts are immutable`);
  }
}

export class ArtifactNotFoundError extends Error {
  override name = 'ArtifactNotFoundError';
  constructor(readonly key: string) {
    super(`artifact ${key} not found`);
  }
}

export class InvalidArtifactKeyError extends Error {
  override name = 'InvalidArtifactKeyError';
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid artifact key ${JSON.stringify(key)}: ${reason}`);
  }
}

const SEGMENT = /^[A-Za-z0-9._=+@-][A-Za-z0-9 ._=+@-]*$/;

/**
 * Refuses keys that could escape the store's root or be read differently by different stores:
 * absolute paths, `.`/`..` segments, empty segments, backslashes and control characters. With
 * `prefix`, the key must end in '/': S3 matches prefixes by characters, a directory by segments,
 * and only a trailing '/' makes `runs/1/` mean the same (never `runs/12/`) in both.
 */
export function assertValidKey(key: string, { prefix = false } = {}): void {
  if (key.length === 0 || key.length > 1024) throw new InvalidArtifactKeyError(key, 'must be 1-1024 characters');
  if (prefix && !key.endsWith('/')) throw new InvalidArtifactKeyError(key, 'a prefix must end in "/"');
  const body = prefix && key.endsWith('/') ? key.slice(0, -1) : key;
  for (const segment of body.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') throw new InvalidArtifactKeyError(key, 'empty, "." or ".." segment');
    if (!SEGMENT.test(segment)) throw new InvalidArtifactKeyError(key, `segment ${JSON.stringify(segment)} has characters outside [A-Za-z0-9 ._=+@-]`);
  }
}

/** The key prefix of everything a run stores (PRD 8.2, 13.3). */
export function runPrefix(run: { organization: number; project: number; id: number }): string {
  return `${run.organization}/projects/${run.project}/runs/${run.id}/`;
}
