import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArtifactExistsError, ArtifactNotFoundError, assertValidKey, type ArtifactStore, type StoredArtifact } from './store.js';

/** Content types are kept beside each object, so a download answers with the type it was stored with. */
const META_SUFFIX = '.qatron-meta';

/**
 * Artifacts as files under a root directory (the embedded stack). Each write goes to a temporary
 * file first and is published with link(2), which fails if the name exists: atomic and immutable.
 */
export class LocalArtifactStore implements ArtifactStore {
  readonly kind = 'local' as const;
  constructor(private readonly root: string) {}

  private path(key: string): string {
    return join(this.root, 'objects', ...key.split('/'));
  }

  async put(key: string, body: Buffer | string | Readable, contentType: string): Promise<StoredArtifact> {
    assertValidKey(key);
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(this.root, 'tmp', randomBytes(12).toString('hex'));
    await mkdir(dirname(tmp), { recursive: true });
    try {
      if (body instanceof Readable) await pipeline(body, createWriteStream(tmp, { flags: 'wx' }));
      else await writeFile(tmp, body, { flag: 'wx' });
      await writeFile(tmp + META_SUFFIX, contentType);
      try {
        await link(tmp + META_SUFFIX, target + META_SUFFIX);
        await link(tmp, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ArtifactExistsError(key);
        throw err;
      }
      return { key, sizeBytes: (await stat(target)).size };
    } finally {
      await Promise.all([unlink(tmp).catch(() => undefined), unlink(tmp + META_SUFFIX).catch(() => undefined)]);
    }
  }

  putFile(key: string, path: string, contentType: string): Promise<StoredArtifact> {
    return this.put(key, createReadStream(path), contentType);
  }

  async get(key: string): Promise<{ body: Readable; sizeBytes: number; contentType: string }> {
    assertValidKey(key);
    const target = this.path(key);
    const info = await stat(target).catch(() => undefined);
    if (!info?.isFile()) throw new ArtifactNotFoundError(key);
    const { readFile } = await import('node:fs/promises');
    const contentType = await readFile(target + META_SUFFIX, 'utf8').catch(() => 'application/octet-stream');
    return { body: createReadStream(target), sizeBytes: info.size, contentType };
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key);
    return (await stat(this.path(key)).catch(() => undefined))?.isFile() ?? false;
  }

  async *list(prefix: string): AsyncIterable<StoredArtifact> {
    assertValidKey(prefix, { prefix: true });
    const base = join(this.root, 'objects');
    const start = this.path(prefix.replace(/\/$/, ''));
    const entries = await readdir(start, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith(META_SUFFIX)) continue;
      const full = join(entry.parentPath, entry.name);
      yield { key: relative(base, full).split(sep).join('/'), sizeBytes: (await stat(full)).size };
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    assertValidKey(prefix, { prefix: true });
    let count = 0;
    for await (const _ of this.list(prefix)) count++;
    await rm(this.path(prefix.replace(/\/$/, '')), { recursive: true, force: true });
    return count;
  }
}
