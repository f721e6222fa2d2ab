import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArtifactExistsError, ArtifactNotFoundError, assertValidKey, type ArtifactStore, type StoredArtifact } from './store.js';

/**
 * Artifacts as files under a root directory (the embedded stack).
 *
 * Layout: `objects/<key>` holds the bytes, `types/<key>` the content type (a parallel tree rather
 * than a suffix beside the object, so that no key can collide with another key's metadata), and
 * `tmp/` the writes in progress. `tmp/` sits on the same file system as `objects/`, which link(2)
 * needs.
 */
export class LocalArtifactStore implements ArtifactStore {
  readonly kind = 'local' as const;
  constructor(private readonly root: string) {}

  private path(tree: 'objects' | 'types', key: string): string {
    return join(this.root, tree, ...key.split('/'));
  }

  /**
   * Writes to a temporary file, then publishes it with link(2), which fails when the name exists:
   * the write is atomic, and of concurrent writers of one key exactly one wins (PRD 13.4). The
   * content type is moved into place only by the winner, after the object; a reader racing that
   * write sees `application/octet-stream` for a moment, which is why callers record the artifact
   * (and so offer it for download) only after `put` has returned.
   */
  async put(key: string, body: Buffer | string | Readable, contentType: string): Promise<StoredArtifact> {
    assertValidKey(key);
    const target = this.path('objects', key);
    const tmp = join(this.root, 'tmp', randomBytes(12).toString('hex'));
    await mkdir(dirname(tmp), { recursive: true });
    try {
      if (body instanceof Readable) await pipeline(body, createWriteStream(tmp, { flags: 'wx' }));
      else await writeFile(tmp, body, { flag: 'wx' });
      await writeFile(tmp + '.type', contentType, { flag: 'wx' });
      await mkdir(dirname(target), { recursive: true });
      try {
        await link(tmp, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ArtifactExistsError(key);
        throw err;
      }
      const typeFile = this.path('types', key);
      await mkdir(dirname(typeFile), { recursive: true });
      // rename, not link: a type file left behind by a deleted object of the same key is replaced.
      await rename(tmp + '.type', typeFile);
      return { key, sizeBytes: (await stat(target)).size };
    } finally {
      await Promise.all([unlink(tmp).catch(() => undefined), unlink(tmp + '.type').catch(() => undefined)]);
    }
  }

  async putFile(key: string, path: string, contentType: string): Promise<StoredArtifact> {
    assertValidKey(key);
    return this.put(key, createReadStream(path), contentType);
  }

  async get(key: string): Promise<{ body: Readable; sizeBytes: number; contentType: string }> {
    assertValidKey(key);
    const target = this.path('objects', key);
    const info = await stat(target).catch(() => undefined);
    if (!info?.isFile()) throw new ArtifactNotFoundError(key);
    const contentType = await readFile(this.path('types', key), 'utf8').catch(() => 'application/octet-stream');
    return { body: createReadStream(target), sizeBytes: info.size, contentType };
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key);
    return (await stat(this.path('objects', key)).catch(() => undefined))?.isFile() ?? false;
  }

  async *list(prefix: string): AsyncIterable<StoredArtifact> {
    assertValidKey(prefix, { prefix: true });
    const base = join(this.root, 'objects');
    const entries = await readdir(this.path('objects', prefix.slice(0, -1)), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const full = join(entry.parentPath, entry.name);
      // A file removed between readdir and stat (a concurrent deletePrefix) is simply not listed.
      const info = await stat(full).catch(() => undefined);
      if (info) yield { key: relative(base, full).split(sep).join('/'), sizeBytes: info.size };
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    assertValidKey(prefix, { prefix: true });
    let count = 0;
    for await (const _ of this.list(prefix)) count++;
    const directory = prefix.slice(0, -1);
    await rm(this.path('objects', directory), { recursive: true, force: true });
    await rm(this.path('types', directory), { recursive: true, force: true });
    return count;
  }
}
