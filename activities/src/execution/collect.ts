/**
 * Test collection for planning (DESIGN "A run, step by step", step 2): the node ids a suite's
 * selection yields, in pytest's collection order, which the shard planner then splits by file.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CollectionError } from './errors.js';
import { baseEnvironment, runCommand } from './process.js';
import { grantToSandbox, sandboxCommand, type SandboxMode } from './sandbox.js';
import { redact } from './secrets.js';

export { CollectionError } from './errors.js';

/** A suite's selection: paths (relative to the checkout; empty = pytest's testpaths/rootdir), `-m` and `-k` expressions. */
export interface TestSelection {
  paths: string[];
  markers: string;
  keywords: string;
  /**
   * Exact pytest node ids instead of the paths and expressions (a re-run of failed tests, issue 15
   * item 3), handed to pytest through `-p qatron.select` and a file: they may not fit on a command line.
   */
  nodeIds?: string[];
}

/** `-p qatron.select` appends the node ids listed in this file to pytest's arguments. */
export const SELECT_VARIABLE = 'QATRON_SELECT_FILE';

/**
 * The pytest arguments and environment of `selection`: its node ids through a file written into
 * `dir` (which the test process must be able to read), or its paths, `-m` and `-k`.
 */
export async function selectionArguments(selection: TestSelection, dir: string): Promise<{ args: string[]; env: Record<string, string> }> {
  if (selection.nodeIds && selection.nodeIds.length > 0) {
    const idsFile = join(dir, 'selection.txt');
    await writeFile(idsFile, selection.nodeIds.map((id) => `${id}\n`).join(''));
    return { args: ['-p', 'qatron.select'], env: { [SELECT_VARIABLE]: idsFile } };
  }
  const args = [...(selection.markers.trim() ? ['-m', selection.markers] : []), ...(selection.keywords.trim() ? ['-k', selection.keywords] : []), ...selection.paths];
  return { args, env: {} };
}

export interface CollectOptions {
  signal?: AbortSignal;
  /** Extra environment for the test process (the run's environment variables: conftest files may read them). */
  env?: Record<string, string>;
  /** Values to scrub from error messages. */
  secrets?: string[];
  /** How the test code is confined (sandbox.ts; WORKER_SANDBOX, default bwrap): the checkout is read-only to it. */
  sandbox?: SandboxMode;
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
 * What a run plans for `selection`, in collection order: the test node ids (`python -m pytest
 * --collect-only -q` with `-m`/`-k` when given, the `qatron.collect` plugin writing them to a file:
 * parsing the quiet output would mistake warnings and plugin chatter for ids), followed by the node
 * ids of modules that fail to import or are skipped at import. Those count in pytest's summary
 * (issue 12 "Counts are pytest's"), so they are planned like tests: the shard that runs one
 * reports its error or skip, and the other tests still run (`--continue-on-collection-errors`).
 * No test selected gives [].
 * @throws CollectionError with the tail of pytest's output when the session itself cannot collect
 *   (a broken root conftest.py, an invalid expression, a path that does not exist, a usage error).
 */
export async function collectTests(python: string, checkoutDir: string, selection: TestSelection, options: CollectOptions = {}): Promise<string[]> {
  for (const path of selection.paths) {
    if (path.startsWith('-')) throw new CollectionError(`test path ${JSON.stringify(path)} must not start with "-"`, null);
  }
  const workDir = await mkdtemp(join(tmpdir(), 'qatron-collect-'));
  const outFile = join(workDir, 'collected.json');
  const secrets = options.secrets ?? [];
  const mode = options.sandbox ?? 'bwrap';
  try {
    const selected = await selectionArguments(selection, workDir);
    const args = ['-m', 'pytest', '--collect-only', '-q', '-p', 'no:cacheprovider', '-p', 'qatron.collect', '--continue-on-collection-errors', ...selected.args];
    // Collecting imports the repository's test modules: its code runs, sandboxed like a shard's.
    await grantToSandbox(mode, [workDir]);
    const pytest = await sandboxCommand(python, args, pytestEnvironment(python, { ...options.env, ...selected.env, QATRON_COLLECT_FILE: outFile }), {
      mode,
      python,
      writable: [workDir],
      readable: [checkoutDir],
      cwd: checkoutDir,
    });
    const result = await runCommand(pytest.command, pytest.args, {
      cwd: resolve(checkoutDir),
      env: pytest.env,
      signal: options.signal,
      tailLines: 60,
    });
    const output = redact(result.tail.join('\n').trim(), secrets);
    const failed = () => new CollectionError(`collecting tests failed (pytest exit code ${result.exitCode ?? result.signal}):\n${output}`, result.exitCode);
    // 1: some modules failed to import (listed in the file); 5: nothing selected (maybe a skipped module).
    if (result.exitCode !== 0 && result.exitCode !== 1 && result.exitCode !== 5) throw failed();
    let collected: CollectedFile;
    try {
      collected = parseCollected(await readFile(outFile, 'utf8'));
    } catch {
      if (result.exitCode === 5) return [];
      throw new CollectionError(`pytest collected without reporting test ids (is the qatron package installed?):\n${output}`, result.exitCode);
    }
    const modules = collected.collect_reports.map((r) => r.nodeid);
    // A failure with no module to blame (or one at the root, which would re-collect everything) is the session's.
    if ((result.exitCode === 1 && !collected.collect_reports.some((r) => r.outcome === 'error')) || modules.some((m) => !m || m === '.')) throw failed();
    const tests = new Set(collected.nodeids);
    return [...collected.nodeids, ...modules.filter((m) => !tests.has(m))];
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The `qatron.collect` plugin's file (framework/src/qatron/collect.py). */
interface CollectedFile {
  nodeids: string[];
  collect_reports: Array<{ nodeid: string; outcome: 'error' | 'skipped' }>;
}

function parseCollected(text: string): CollectedFile {
  const value = JSON.parse(text) as Partial<CollectedFile>;
  if (!Array.isArray(value.nodeids)) throw new Error('no nodeids');
  const reports = Array.isArray(value.collect_reports) ? value.collect_reports : [];
  return {
    nodeids: value.nodeids.filter((id): id is string => typeof id === 'string'),
    collect_reports: reports.filter((r) => typeof r?.nodeid === 'string' && (r.outcome === 'error' || r.outcome === 'skipped')),
  };
}
