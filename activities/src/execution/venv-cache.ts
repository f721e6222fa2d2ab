/**
 * The worker's cache of virtual environments (`<cacheDir>/venvs/<key>`): built once per key under a
 * lock, renamed into place when complete, marked on every reuse and pruned when unused.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { withFileLock } from './file-lock.js';

const MARKER = '.qatron-environment.json';

/**
 * A virtual environment cached as `venvs/<key>`: reused (and marked as used) when its marker is
 * there, else built by `build` in a temporary directory that is renamed into place when complete,
 * under a lock file so that workers sharing the cache build each key once. `build` returns what
 * the marker records besides the key.
 */
export async function cachedVenv(
  venvs: string,
  key: string,
  build: (partial: string) => Promise<Record<string, unknown>>,
  signal?: AbortSignal,
): Promise<{ path: string; reused: boolean }> {
  const venv = join(venvs, key);
  const reuse = async () => {
    const now = new Date();
    await utimes(join(venv, MARKER), now, now).catch(() => undefined);
    return { path: venv, reused: true };
  };
  if (await isReady(venv)) return reuse();
  await mkdir(venvs, { recursive: true });
  return withFileLock(
    `${venv}.lock`,
    async () => {
      if (await isReady(venv)) return reuse();
      const partial = join(venvs, `.partial-${key}-${randomBytes(4).toString('hex')}`);
      try {
        const recorded = await build(partial);
        await writeFile(join(partial, MARKER), JSON.stringify({ key, createdAt: new Date().toISOString(), ...recorded }, null, 2));
        try {
          await rename(partial, venv);
        } catch (error) {
          // Someone outside the lock (a stale-lock takeover) finished the same key first: theirs is as good.
          if (!(await isReady(venv))) throw error;
        }
        return { path: venv, reused: false };
      } finally {
        await rm(partial, { recursive: true, force: true });
      }
    },
    { signal },
  );
}

/**
 * Removes cached environments not used for `maxAgeMs` (their marker is touched on every reuse) and
 * builds abandoned by a crashed worker, so the cache does not grow with every requirements change.
 * An environment in use is never that old: each run touches it before starting its shards.
 * Returns the names removed.
 */
export async function pruneEnvironments(cacheDir: string, maxAgeMs: number, now: Date = new Date()): Promise<string[]> {
  const venvs = join(resolve(cacheDir), 'venvs');
  const entries = await readdir(venvs, { withFileTypes: true }).catch(() => []);
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const path = join(venvs, entry.name);
    const stamp = entry.name.startsWith('.partial-') ? path : join(path, MARKER);
    const lastUsed = await stat(stamp).then(
      (s) => s.mtimeMs,
      () => 0,
    );
    if (now.getTime() - lastUsed < maxAgeMs) continue;
    // A build in progress holds the key's lock: leave that key alone.
    const key = entry.name.startsWith('.partial-') ? entry.name.slice('.partial-'.length, -9) : entry.name;
    if (await stat(join(venvs, `${key}.lock`)).then(() => true, () => false)) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(entry.name);
  }
  return removed.sort();
}

async function isReady(venv: string): Promise<boolean> {
  return stat(join(venv, MARKER)).then(
    () => true,
    () => false,
  );
}
