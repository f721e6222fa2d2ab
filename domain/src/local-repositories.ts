/**
 * Which local repositories a project may name (issue 13, item 2). A `file://` URL or a plain path
 * makes the worker clone whatever the path holds, so it is accepted only when, after symlinks,
 * it lies under a directory the operator allowed (QATRON_LOCAL_REPO_ROOTS) and never inside the
 * platform's own data (QATRON_HOME, the worker's directory: other projects' mirrors and checkouts,
 * secrets, the database). The API applies the rule at registration and the worker again at
 * checkout, since the path may change in between.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QatronConfig } from './config.js';

/** The rule as users read it in a 422 answer, a failed run and the CLI. */
export const LOCAL_REPOSITORY_RULE =
  'local repositories (file:// URLs and paths) are allowed only under a directory listed in QATRON_LOCAL_REPO_ROOTS, and never inside QATRON_HOME or a worker directory';

/** The directories local repositories may live under, and those they may never be inside. */
export interface LocalRepositoryPolicy {
  roots: readonly string[];
  forbidden: readonly string[];
}

/** The policy of a process from its configuration. */
export function localRepositoryPolicy(config: QatronConfig): LocalRepositoryPolicy {
  return { roots: config.localRepoRoots ?? [], forbidden: [config.home, config.worker.directory] };
}

/** The filesystem path a repository URL names, or null when it is a remote URL. */
export function localRepositoryPath(repoUrl: string): string | null {
  if (repoUrl.startsWith('/')) return repoUrl;
  if (!repoUrl.toLowerCase().startsWith('file:')) return null;
  try {
    return fileURLToPath(new URL(repoUrl).href.replace(/^file:\/\/localhost\//i, 'file:///'));
  } catch {
    return repoUrl;
  }
}

function isInside(path: string, directory: string): boolean {
  const rel = relative(directory, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** A directory after symlinks; as given (absolute) when it does not exist. */
function canonical(directory: string): string {
  try {
    return realpathSync(directory);
  } catch {
    return resolve(directory);
  }
}

/**
 * Why `repoUrl` may not be used under `policy`, or null when it may (remote URLs always may:
 * their own checks are in the API's schema). The path must exist: it is resolved with realpath so
 * that a symlink under an allowed root cannot point elsewhere. Synchronous: a few stat calls, and
 * the worker's checkout code calls it where it cannot wait.
 */
export function localRepositoryProblem(repoUrl: string, policy: LocalRepositoryPolicy): string | null {
  const path = localRepositoryPath(repoUrl);
  if (path === null) return null;
  if (policy.roots.length === 0) return `is a local repository and none are allowed on this installation: ${LOCAL_REPOSITORY_RULE}`;
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return `names a local path that does not exist: ${LOCAL_REPOSITORY_RULE}`;
  }
  for (const directory of policy.forbidden) {
    if (isInside(real, canonical(directory))) return `is inside QAtron's own data (${directory}): ${LOCAL_REPOSITORY_RULE}`;
  }
  for (const root of policy.roots) {
    if (isInside(real, canonical(root))) return null;
  }
  return `resolves to ${real}, outside the allowed directories (${policy.roots.join(':')}): ${LOCAL_REPOSITORY_RULE}`;
}
