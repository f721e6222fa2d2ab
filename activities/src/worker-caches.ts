import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pruneEnvironments } from './execution/python-env.js';
import { validationCacheDir } from './dataset-validation.js';

/** A cached virtual environment nobody used for this long is removed. */
export const CACHED_ENVIRONMENT_MAX_AGE_MS = 14 * 24 * 3600 * 1000;

/**
 * Evicts a worker's cached environments that no run (or dataset validation) used for `maxAgeMs`,
 * and builds a crashed worker abandoned, so the cache does not grow with every requirements change.
 * Returns what was removed, as `<cache>/<name>`.
 */
export async function pruneWorkerCaches(workDir: string, maxAgeMs = CACHED_ENVIRONMENT_MAX_AGE_MS, now = new Date()): Promise<string[]> {
  const caches = { runs: workDir, 'dataset-validation': validationCacheDir(workDir) };
  const removed = await Promise.all(Object.entries(caches).map(async ([label, dir]) => (await pruneEnvironments(dir, maxAgeMs, now)).map((name) => `${label}/${name}`)));
  return [...removed.flat(), ...(await pruneRunWorkspaces(workDir, now))];
}

/** A run's shared checkout nobody started a shard in for this long belongs to a finished run. */
export const RUN_WORKSPACE_MAX_AGE_MS = 12 * 3600 * 1000;

/**
 * Removes the run directories (`runs/<id>`: the checkout the run's shards on this worker shared)
 * whose newest entry is older than `maxAgeMs`. A shard's work tree goes with the shard; the shared
 * checkout stays for the run's next shard on this worker, and its marker is touched by each.
 */
export async function pruneRunWorkspaces(workDir: string, now = new Date(), maxAgeMs = RUN_WORKSPACE_MAX_AGE_MS): Promise<string[]> {
  const runs = join(workDir, 'runs');
  const removed: string[] = [];
  for (const entry of await readdir(runs, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory()) continue;
    const dir = join(runs, entry.name);
    const stamps = await Promise.all([dir, ...(await readdir(dir).catch(() => [])).map((name) => join(dir, name))].map((path) => stat(path).then((s) => s.mtimeMs, () => 0)));
    if (now.getTime() - Math.max(...stamps) < maxAgeMs) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(`run-workspaces/${entry.name}`);
  }
  return removed;
}
