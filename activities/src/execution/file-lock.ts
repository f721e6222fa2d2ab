/**
 * A lock file shared by the workers of one machine (they share the git mirror and venv caches).
 * The holder touches the file while it works; a lock nobody touched for `staleMs` belongs to a
 * worker that died and is taken over. The lock saves duplicated work; correctness does not rest
 * on it alone: mirrors and venvs are built in temporary directories and renamed into place.
 */
import { hostname } from 'node:os';
import { open, stat, unlink, utimes } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { abortError } from './errors.js';

export interface FileLockOptions {
  signal?: AbortSignal;
  /** A lock untouched for this long is considered abandoned. */
  staleMs?: number;
  /** How often the holder touches the lock (well below staleMs). */
  refreshMs?: number;
  /** How often a waiter looks again. */
  pollMs?: number;
}

/** Runs `task` while holding the lock file `path`, waiting for another holder to finish first. */
export async function withFileLock<T>(path: string, task: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const { signal, staleMs = 60_000, refreshMs = 10_000, pollMs = 25 } = options;
  for (;;) {
    if (signal?.aborted) throw abortError(signal, `waiting for ${path}`);
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${hostname()} ${process.pid} ${new Date().toISOString()}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      const { mtimeMs } = await stat(path);
      if (Date.now() - mtimeMs > staleMs) {
        await unlink(path).catch(() => undefined);
        continue;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    await sleep(pollMs, undefined, { signal }).catch(() => undefined);
  }
  const refresh = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, refreshMs);
  refresh.unref();
  try {
    return await task();
  } finally {
    clearInterval(refresh);
    await unlink(path).catch(() => undefined);
  }
}
