/**
 * Test collection for planning (DESIGN "A run, step by step", step 2): the node ids a suite's
 * selection yields, in pytest's collection order, which the shard planner then splits by file.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CollectionError } from './errors.js';
import { baseEnvironment, runCommand } from './process.js';
import { redact } from './secrets.js';

export { CollectionError } from './errors.js';

/** A suite's selection: paths (relative to the checkout; empty = pytest's testpaths/rootdir), `-m` and `-k` expressions. */
export interface TestSelection {
  paths: string[];
  markers: string;
  keywords: string;
}

export interface CollectOptions {
  signal?: AbortSignal;
  /** Extra environment for the test process (the run's environment variables: conftest files may read them). */
  env?: Record<string, string>;
  /** Values to scrub from error messages. */
  secrets?: string[];
}

/** The environment of a pytest process: the worker's minimal one, the venv first on PATH, then `extra`. */
export function pytestEnvironment(python: string, extra: Record<string, string> = {}): Record<string, string> {
  const base = baseEnvironment();
  const venv = dirname(dirname(python));
  return {
    ...base,
    PATH: `${join(venv, 'bin')}:${base.PATH}`,
    VIRTUAL_ENV: venv,
    PYTHONUNBUFFERED: '1',
    ...extra,
  };
}

/**
 * The test node ids of `selection` in collection order: `python -m pytest --collect-only -q` with
 * `-m`/`-k` when given, and the `qatron.collect` plugin writing the ids to a file (parsing the
 * quiet output would mistake warnings and plugin chatter for ids). No test selected gives [].
 * @throws CollectionError with the tail of pytest's output when collection fails (import errors,
 *   an invalid expression, a path that does not exist).
 */
export async function collectTests(python: string, checkoutDir: string, selection: TestSelection, options: CollectOptions = {}): Promise<string[]> {
  for (const path of selection.paths) {
    if (path.startsWith('-')) throw new CollectionError(`test path ${JSON.stringify(path)} must not start with "-"`, null);
  }
  const workDir = await mkdtemp(join(tmpdir(), 'qatron-collect-'));
  const outFile = join(workDir, 'collected.json');
  const args = ['-m', 'pytest', '--collect-only', '-q', '-p', 'no:cacheprovider', '-p', 'qatron.collect'];
  if (selection.markers.trim()) args.push('-m', selection.markers);
  if (selection.keywords.trim()) args.push('-k', selection.keywords);
  args.push(...selection.paths);
  const secrets = options.secrets ?? [];
  try {
    const result = await runCommand(python, args, {
      cwd: resolve(checkoutDir),
      env: pytestEnvironment(python, { ...options.env, QATRON_COLLECT_FILE: outFile }),
      signal: options.signal,
      tailLines: 60,
    });
    if (result.exitCode === 5) return [];
    const output = redact(result.tail.join('\n').trim(), secrets);
    if (result.exitCode !== 0) {
      throw new CollectionError(`collecting tests failed (pytest exit code ${result.exitCode ?? result.signal}):\n${output}`, result.exitCode);
    }
    try {
      return (JSON.parse(await readFile(outFile, 'utf8')) as { nodeids: string[] }).nodeids;
    } catch {
      throw new CollectionError(`pytest collected without reporting test ids (is the qatron package installed?):\n${output}`, result.exitCode);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
