import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { ArtifactStoreConfig } from '../config.js';
import { ArtifactExistsError, ArtifactNotFoundError, assertValidKey, type ArtifactStore, type StoredArtifact } from './store.js';

export type S3ArtifactStoreConfig = Omit<Extract<ArtifactStoreConfig, { kind: 's3' }>, 'kind'>;

export interface S3ArtifactStoreOptions {
  /**
   * A Readable of unknown length is held in memory up to this many bytes (default 8 MiB), and
   * spooled to a temporary file beyond that: a single PutObject must state its Content-Length.
   */
  memoryBufferBytes?: number;
  /**
   * Whether to write with `If-None-Match: *` (default true). When false, or once the server has
   * answered 501 to a conditional write, every write checks with HeadObject first (see `put`).
   */
  conditionalWrites?: boolean;
}

/** S3 DeleteObjects takes at most 1000 keys a call. */
const DELETE_BATCH = 1000;
/** Attempts for uploads from a file; the SDK cannot retry a stream it has already consumed. */
const FILE_UPLOAD_ATTEMPTS = 3;
const DEFAULT_MEMORY_BUFFER = 8 * 1024 * 1024;

/**
 * Artifacts in an S3 bucket (FR-RUN-05): AWS S3, MinIO, or any S3 API (versitygw in the tests).
 *
 * Immutability (PRD 13.4) rests on conditional writes: PutObject with `If-None-Match: *` answers
 * 412 when the key exists, and AWS S3 and MinIO decide that atomically, so of concurrent writers
 * exactly one wins. Writes of one key from this process are also queued behind each other, which
 * keeps that guarantee within a process on servers whose check is not atomic with the write
 * (versitygw's posix backend checks, then writes) or that lack conditional writes altogether.
 *
 * Uploads are single PutObject calls with a known Content-Length, streamed from files; that caps
 * one artifact at 5 GiB, S3's single-PUT limit (multipart would need @aws-sdk/lib-storage, which is
 * not a dependency). Run artifacts (reports, logs, coverage files) are far smaller.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly memoryBufferBytes: number;
  private conditionalWrites: boolean;
  /** The write in progress per key, so that writes of one key from this process run one at a time. */
  private readonly writing = new Map<string, Promise<unknown>>();

  constructor(config: S3ArtifactStoreConfig, options: S3ArtifactStoreOptions = {}) {
    this.bucket = config.bucket;
    this.memoryBufferBytes = options.memoryBufferBytes ?? DEFAULT_MEMORY_BUFFER;
    this.conditionalWrites = options.conditionalWrites ?? true;
    this.client = new S3Client({
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      ...(config.endpoint !== undefined && { endpoint: config.endpoint }),
      // Without explicit keys the SDK's default chain applies (environment, IAM role, IRSA).
      ...(config.accessKeyId !== undefined &&
        config.secretAccessKey !== undefined && {
          credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
        }),
      // Checksums only where the API requires them (DeleteObjects): newer SDK defaults send
      // streamed bodies as aws-chunked with trailing checksums, which not every S3 API accepts.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      logger: quietStreamingLogger,
    });
  }

  /**
   * Stores `body` under `key`, or throws ArtifactExistsError. Buffers and strings are sent as they
   * are; a Readable is buffered in memory up to `memoryBufferBytes` and spooled to a temporary file
   * beyond that, because S3 needs the length before the first byte.
   */
  async put(key: string, body: Buffer | string | Readable, contentType: string): Promise<StoredArtifact> {
    assertValidKey(key);
    if (!(body instanceof Readable)) {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      return this.upload(key, bytes.length, () => bytes, contentType, 1);
    }
    const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const next = await iterator.next();
      if (next.done) {
        const bytes = Buffer.concat(chunks, size);
        return this.upload(key, size, () => bytes, contentType, 1);
      }
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      chunks.push(chunk);
      size += chunk.length;
      if (size > this.memoryBufferBytes) break;
    }
    const spool = await mkdtemp(join(tmpdir(), 'qatron-s3-spool-'));
    try {
      const file = join(spool, 'body');
      async function* all() {
        yield* chunks;
        chunks.length = 0;
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
      }
      await pipeline(all(), createWriteStream(file));
      return await this.putFile(key, file, contentType);
    } finally {
      await rm(spool, { recursive: true, force: true });
    }
  }

  /** Streams a file from disk under `key`; each attempt reopens the file. */
  async putFile(key: string, path: string, contentType: string): Promise<StoredArtifact> {
    assertValidKey(key);
    const { size } = await stat(path);
    return this.upload(key, size, () => createReadStream(path), contentType, FILE_UPLOAD_ATTEMPTS);
  }

  private upload(key: string, size: number, open: () => Buffer | Readable, contentType: string, attempts: number): Promise<StoredArtifact> {
    return this.oneWriterPerKey(key, async () => {
      for (let attempt = 1; ; attempt++) {
        const body = open();
        try {
          if (!this.conditionalWrites && (await this.exists(key))) throw new ArtifactExistsError(key);
          await this.client.send(
            new PutObjectCommand({
              Bucket: this.bucket,
              Key: key,
              Body: body,
              ContentLength: size,
              ContentType: contentType,
              ...(this.conditionalWrites && { IfNoneMatch: '*' }),
            }),
          );
          return { key, sizeBytes: size };
        } catch (err) {
          if (err instanceof ArtifactExistsError) throw err;
          if (statusOf(err) === 412) throw new ArtifactExistsError(key);
          if (this.conditionalWrites && (statusOf(err) === 501 || nameOf(err) === 'NotImplemented')) {
            // The server lacks conditional writes: fall back to HeadObject-then-PutObject. Across
            // processes that leaves a window between check and write; keys carry the run id and
            // each is written by one activity, so a collision needs a retried activity racing itself.
            this.conditionalWrites = false;
            attempt--;
            continue;
          }
          // AWS answers 409 ConditionalRequestConflict to a conditional write racing another one;
          // retried, it learns who won (412) or writes.
          if (attempt < Math.max(attempts, 2) && nameOf(err) === 'ConditionalRequestConflict') continue;
          if (attempt < attempts && isTransient(err)) {
            await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
            continue;
          }
          throw err;
        } finally {
          if (body instanceof Readable) body.destroy();
        }
      }
    });
  }

  private async oneWriterPerKey<T>(key: string, write: () => Promise<T>): Promise<T> {
    const previous = this.writing.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(write);
    this.writing.set(key, current);
    try {
      return await current;
    } finally {
      if (this.writing.get(key) === current) this.writing.delete(key);
    }
  }

  async get(key: string): Promise<{ body: Readable; sizeBytes: number; contentType: string }> {
    assertValidKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      // In Node the SDK's body is an http.IncomingMessage, a Readable.
      return { body: out.Body as Readable, sizeBytes: out.ContentLength ?? 0, contentType: out.ContentType ?? 'application/octet-stream' };
    } catch (err) {
      if (isNotFound(err)) throw new ArtifactNotFoundError(key);
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredArtifact> {
    assertValidKey(prefix, { prefix: true });
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        // Keys ending in '/' are "folder" markers some tools create; they are not artifacts.
        if (object.Key && !object.Key.endsWith('/')) yield { key: object.Key, sizeBytes: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Deletes page by page, at most 1000 keys a DeleteObjects call. */
  async deletePrefix(prefix: string): Promise<number> {
    assertValidKey(prefix, { prefix: true });
    let count = 0;
    let batch: string[] = [];
    for await (const object of this.list(prefix)) {
      batch.push(object.key);
      if (batch.length === DELETE_BATCH) {
        count += await this.deleteBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) count += await this.deleteBatch(batch);
    return count;
  }

  private async deleteBatch(keys: string[]): Promise<number> {
    const out = await this.client.send(
      new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
    );
    const errors = out.Errors ?? [];
    if (errors.length > 0) {
      const sample = errors.slice(0, 3).map((e) => `${e.Key}: ${e.Code} ${e.Message}`);
      throw new Error(`S3 refused to delete ${errors.length} of ${keys.length} objects (${sample.join('; ')})`);
    }
    return keys.length;
  }

  /** Closes the client's connections; the store is unusable afterwards. */
  close(): void {
    this.client.destroy();
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function nameOf(err: unknown): string | undefined {
  return (err as { name?: string; Code?: string } | null)?.Code ?? (err as { name?: string } | null)?.name;
}

function isNotFound(err: unknown): boolean {
  const name = nameOf(err);
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(err) === 404;
}

const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/** Server-side failures, throttling and dropped connections; never 4xx answers. */
function isTransient(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status >= 500 || status === 429;
  const code = (err as { code?: string } | null)?.code;
  return (code !== undefined && NETWORK_ERRORS.has(code)) || nameOf(err) === 'TimeoutError';
}

/**
 * Given a logger, the SDK logs every failed command at error level, and warns on every failed
 * streamed request ("non-retryable streaming request"), which includes each expected 412 of a
 * conditional write and each 404 of `exists`. The store reports failures by throwing, so only the
 * SDK's other warnings (deprecations, configuration) reach the console.
 */
const quietStreamingLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (...args: unknown[]) => {
    if (!String(args[0]).includes('non-retryable streaming request')) console.warn(...args);
  },
  error: () => undefined,
};
