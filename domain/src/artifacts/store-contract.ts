import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactExistsError, ArtifactNotFoundError, InvalidArtifactKeyError, type ArtifactStore, type StoredArtifact } from './store.js';

/**
 * The behaviour every ArtifactStore must have (STYLE 9), run against each implementation: the
 * local directory store and the S3 store on a real S3 server. A store is made once per suite; each
 * test writes under its own random prefix, so tests neither see nor disturb each other's objects.
 */
export function describeArtifactStoreContract(
  name: string,
  makeStore: () => Promise<{ store: ArtifactStore; cleanup: () => Promise<void> }>,
): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    let store: ArtifactStore;
    let cleanup: (() => Promise<void>) | undefined;
    let scratch: string;

    beforeAll(async () => {
      ({ store, cleanup } = await makeStore());
      scratch = await mkdtemp(join(tmpdir(), 'qatron-store-contract-'));
    });
    afterAll(async () => {
      await cleanup?.();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    /** A prefix no other test uses, shaped like a run's (`{org}/projects/{project}/runs/{run}/`). */
    const freshPrefix = () => `${randomBytes(4).toString('hex')}/projects/1/runs/1/`;

    it('round-trips bytes and content type through put and get', async () => {
      const prefix = freshPrefix();
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      expect(await store.put(`${prefix}shots/all-bytes.png`, bytes, 'image/png')).toEqual({ key: `${prefix}shots/all-bytes.png`, sizeBytes: 256 });

      const got = await store.get(`${prefix}shots/all-bytes.png`);
      expect(got.sizeBytes).toBe(256);
      expect(got.contentType).toBe('image/png');
      expect((await readAll(got.body)).equals(bytes)).toBe(true);
      expect(await store.exists(`${prefix}shots/all-bytes.png`)).toBe(true);
    });

    it('stores strings as UTF-8 and Readables of unknown length', async () => {
      const prefix = freshPrefix();
      const text = 'Zusammenfassung: ✓ 12 passed — 日本語\n';
      expect(await store.put(`${prefix}summary.txt`, text, 'text/plain; charset=utf-8')).toEqual({
        key: `${prefix}summary.txt`,
        sizeBytes: Buffer.byteLength(text),
      });
      const got = await store.get(`${prefix}summary.txt`);
      expect(got.contentType).toBe('text/plain; charset=utf-8');
      expect((await readAll(got.body)).toString('utf8')).toBe(text);

      const chunks = ['<testsuite name="a">', '<testcase/>', '</testsuite>'];
      expect(await store.put(`${prefix}junit.xml`, Readable.from(chunks.map((c) => Buffer.from(c))), 'application/xml')).toEqual({
        key: `${prefix}junit.xml`,
        sizeBytes: chunks.join('').length,
      });
      expect((await readAll((await store.get(`${prefix}junit.xml`)).body)).toString()).toBe(chunks.join(''));
    });

    it('streams a multi-megabyte file with putFile and a multi-megabyte Readable with put', async () => {
      const prefix = freshPrefix();
      const bytes = randomBytes(12 * 1024 * 1024 + 17);
      const file = join(scratch, 'coverage.tar');
      await writeFile(file, bytes);

      expect(await store.putFile(`${prefix}coverage/coverage.tar`, file, 'application/x-tar')).toEqual({
        key: `${prefix}coverage/coverage.tar`,
        sizeBytes: bytes.length,
      });
      const got = await store.get(`${prefix}coverage/coverage.tar`);
      expect(got.sizeBytes).toBe(bytes.length);
      expect(got.contentType).toBe('application/x-tar');
      expect(await sha256(got.body)).toBe(createHash('sha256').update(bytes).digest('hex'));

      // A Readable larger than any in-memory buffer a store may keep, in 1 MiB chunks.
      const chunks = Array.from({ length: 12 }, (_, i) => bytes.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
      expect(await store.put(`${prefix}coverage/stream.bin`, Readable.from(chunks), 'application/octet-stream')).toEqual({
        key: `${prefix}coverage/stream.bin`,
        sizeBytes: 12 * 1024 * 1024,
      });
      expect(await sha256((await store.get(`${prefix}coverage/stream.bin`)).body)).toBe(
        createHash('sha256').update(bytes.subarray(0, 12 * 1024 * 1024)).digest('hex'),
      );
    });

    it('refuses to overwrite an existing key and keeps the original content and type', async () => {
      const prefix = freshPrefix();
      const key = `${prefix}logs/shard-0.log`;
      await store.put(key, 'original', 'text/plain');

      const fromBuffer = await store.put(key, Buffer.from('replacement'), 'application/json').catch((err: unknown) => err);
      expect(fromBuffer).toBeInstanceOf(ArtifactExistsError);
      expect((fromBuffer as ArtifactExistsError).key).toBe(key);

      const file = join(scratch, 'replacement.log');
      await writeFile(file, 'replacement from a file');
      await expect(store.putFile(key, file, 'text/plain')).rejects.toBeInstanceOf(ArtifactExistsError);
      await expect(store.put(key, Readable.from([Buffer.from('streamed replacement')]), 'text/plain')).rejects.toBeInstanceOf(ArtifactExistsError);

      const got = await store.get(key);
      expect(got.contentType).toBe('text/plain');
      expect(got.sizeBytes).toBe(8);
      expect((await readAll(got.body)).toString()).toBe('original');
    });

    it('answers ArtifactNotFoundError and false for a missing key', async () => {
      const prefix = freshPrefix();
      const missing = await store.get(`${prefix}nope.txt`).catch((err: unknown) => err);
      expect(missing).toBeInstanceOf(ArtifactNotFoundError);
      expect((missing as ArtifactNotFoundError).key).toBe(`${prefix}nope.txt`);
      expect(await store.exists(`${prefix}nope.txt`)).toBe(false);
      // A "directory" above stored objects is not an object either.
      await store.put(`${prefix}dir/file.txt`, 'x', 'text/plain');
      expect(await store.exists(`${prefix}dir`)).toBe(false);
      await expect(store.get(`${prefix}dir`)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    });

    it('lists exactly the keys and sizes under a prefix, and nothing under a sibling prefix', async () => {
      const org = randomBytes(4).toString('hex');
      const run1 = `${org}/projects/1/runs/1/`;
      const run12 = `${org}/projects/1/runs/12/`;
      await store.put(`${run1}junit.xml`, 'abc', 'application/xml');
      await store.put(`${run1}shards/0/allure/result.json`, '{"a":1}', 'application/json');
      await store.put(`${run1}shards/1/empty.log`, '', 'text/plain');
      await store.put(`${run12}junit.xml`, 'other run', 'application/xml');
      await store.put(`${org}/projects/2/runs/1/junit.xml`, 'other project', 'application/xml');

      expect(await listSorted(store, run1)).toEqual([
        { key: `${run1}junit.xml`, sizeBytes: 3 },
        { key: `${run1}shards/0/allure/result.json`, sizeBytes: 7 },
        { key: `${run1}shards/1/empty.log`, sizeBytes: 0 },
      ]);
      expect(await listSorted(store, `${run1}shards/0/`)).toEqual([{ key: `${run1}shards/0/allure/result.json`, sizeBytes: 7 }]);
      expect(await listSorted(store, run12)).toEqual([{ key: `${run12}junit.xml`, sizeBytes: 9 }]);
      expect(await listSorted(store, `${org}/projects/3/`)).toEqual([]);
    });

    it('deletes a prefix: counts what it removed, is idempotent, and leaves other prefixes alone', async () => {
      const org = randomBytes(4).toString('hex');
      const run1 = `${org}/projects/1/runs/1/`;
      const run12 = `${org}/projects/1/runs/12/`;
      await store.put(`${run1}a.txt`, 'a', 'text/plain');
      await store.put(`${run1}deep/b/c.txt`, 'bc', 'text/plain');
      await store.put(`${run12}a.txt`, 'kept', 'text/plain');

      expect(await store.deletePrefix(run1)).toBe(2);
      expect(await listSorted(store, run1)).toEqual([]);
      expect(await store.exists(`${run1}a.txt`)).toBe(false);
      await expect(store.get(`${run1}deep/b/c.txt`)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      expect(await store.deletePrefix(run1)).toBe(0);
      expect(await store.deletePrefix(`${org}/projects/9/`)).toBe(0);

      expect(await listSorted(store, run12)).toEqual([{ key: `${run12}a.txt`, sizeBytes: 4 }]);
      expect((await readAll((await store.get(`${run12}a.txt`)).body)).toString()).toBe('kept');
    });

    it('lists and deletes more objects than one S3 page or DeleteObjects batch (1000)', async () => {
      const prefix = freshPrefix();
      const keys = Array.from({ length: 1050 }, (_, i) => `${prefix}allure-results/${String(i).padStart(4, '0')}-result.json`);
      await inBatches(keys, 50, (key) => store.put(key, '{}', 'application/json'));
      const listed = await listSorted(store, prefix);
      expect(listed).toHaveLength(1050);
      expect(listed.map((o) => o.key)).toEqual([...keys].sort());
      expect(listed.every((o) => o.sizeBytes === 2)).toBe(true);
      expect(await store.deletePrefix(prefix)).toBe(1050);
      expect(await listSorted(store, prefix)).toEqual([]);
    });

    it('rejects invalid keys and prefixes before any I/O', async () => {
      const invalidKeys = ['../x', 'a/../../x', '/abs', '/etc/passwd', 'a//b', 'a\\b', 'a/./b', 'a/b/', '', 'a/b\u0000c', 'a/\nb', 'a/b\u007f', 'a/\u001bb'];
      const file = join(scratch, 'does-not-exist');
      for (const key of invalidKeys) {
        // An untouched body and a missing file both prove the key was checked first.
        let bodyRead = false;
        const body = new Readable({
          read() {
            bodyRead = true;
            this.push(null);
          },
        });
        await expect(store.put(key, body, 'text/plain'), key).rejects.toBeInstanceOf(InvalidArtifactKeyError);
        expect(bodyRead, key).toBe(false);
        await expect(store.put(key, 'x', 'text/plain'), key).rejects.toBeInstanceOf(InvalidArtifactKeyError);
        await expect(store.putFile(key, file, 'text/plain'), key).rejects.toBeInstanceOf(InvalidArtifactKeyError);
        await expect(store.get(key), key).rejects.toBeInstanceOf(InvalidArtifactKeyError);
        await expect(store.exists(key), key).rejects.toBeInstanceOf(InvalidArtifactKeyError);
      }
      for (const prefix of ['../', '/abs/', 'a//b/', 'a\\b/', 'a/../', 'a/b', '', 'a\u0000/']) {
        await expect(listSorted(store, prefix), prefix).rejects.toBeInstanceOf(InvalidArtifactKeyError);
        await expect(store.deletePrefix(prefix), prefix).rejects.toBeInstanceOf(InvalidArtifactKeyError);
      }
    });

    it('lets exactly one of several concurrent puts of a key win', async () => {
      const prefix = freshPrefix();
      const key = `${prefix}report/index.html`;
      const bodies = Array.from({ length: 8 }, (_, i) => `writer ${i} `.repeat(1000 + i));
      const results = await Promise.allSettled(bodies.map((body) => store.put(key, body, 'text/html')));

      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ArtifactExistsError);
      }
      const got = await store.get(key);
      expect((await readAll(got.body)).toString()).toBe(bodies[winners[0]!]);
      expect(got.sizeBytes).toBe(Buffer.byteLength(bodies[winners[0]!]!));
    });
  });
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

async function sha256(body: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function listSorted(store: ArtifactStore, prefix: string): Promise<StoredArtifact[]> {
  const listed: StoredArtifact[] = [];
  for await (const object of store.list(prefix)) listed.push(object);
  return listed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function inBatches<T>(items: readonly T[], size: number, each: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(each));
}
