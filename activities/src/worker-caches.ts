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
  return removed.flat();
}
