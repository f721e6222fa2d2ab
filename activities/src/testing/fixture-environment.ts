/**
 * Shared by the execution tests: the framework package and one cache directory for venvs, so
 * every test file of a run (and every later run) installs the fixture's environment once. The
 * cache lives under the repository's ignored `.tools/`; its key changes whenever the fixture's
 * requirements, the plugin pins or the framework change.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ensureEnvironment, type PythonEnvironment } from '../execution/python-env.js';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The `qatron` Python package that ensureEnvironment installs. */
export const FRAMEWORK_DIR = join(REPO_ROOT, 'framework');

/** Venvs built by tests, shared across test files and runs. */
export const TEST_CACHE_DIR = join(REPO_ROOT, '.tools', 'cache', 'execution');

/** The cached environment for a checkout of the fixture repository (built on first use, ~15 s). */
export function fixtureEnvironment(checkoutDir: string): Promise<PythonEnvironment> {
  return ensureEnvironment(checkoutDir, TEST_CACHE_DIR, { frameworkDir: FRAMEWORK_DIR });
}
