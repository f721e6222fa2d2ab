/**
 * A probe of what a shard activity does before pytest runs and after it ends, for the steps that
 * the workflow history cannot see inside executeShard: the same building blocks the activity
 * calls (git fetch into the worker's mirror, checkout, venv lookup, runShard), on the same worker
 * cache, timed one by one in this process. Run with `concurrency` shards at once, as the bench's
 * workers run them, and with one, to tell the steps' own cost from the machine's contention.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { collectTests, ensureEnvironment, materialize, runShard, syncMirror } from '@qatron/activities/execution/index';
import { allureTimes, parseJunitSession } from './evidence.js';

const run$ = promisify(execFile);

export interface ProbeTarget {
  /** The worker cache (WORKER_DIR): its git/ mirrors and venvs/ are the workers' own. */
  cacheDir: string;
  projectId: number;
  repoUrl: string;
  commit: string;
  frameworkDir: string;
  /** Test ids of each shard of the plan. */
  shards: string[][];
  retries: number;
  workersPerShard: number;
  env: Record<string, string>;
}

/** Seconds of each step of one probed shard. */
export interface ProbedShard {
  /** syncMirror: `git fetch --prune` into the mirror, under the mirror's lock. */
  fetch: number;
  /** materialize: read-tree + checkout-index of the commit. */
  checkout: number;
  /** ensureEnvironment on a cached venv: hash of requirements and framework, python version probe. */
  venv: number;
  /** runShard called → pytest_sessionstart: spawn, interpreter, plugin imports, conftest, coverage start. */
  pytestStart: number;
  /** pytest_sessionfinish → runShard resolved: coverage save, interpreter exit, result parsing. */
  pytestExit: number;
  /** `tar -czf` of the Allure results (what storeShardOutputs does before uploading). */
  tar: number;
  /** fetch + checkout + venv + pytestStart: what precedes the tests in an executeShard attempt (without its DB read). */
  setup: number;
}

export const PROBE_STEPS: Array<[keyof ProbedShard, string]> = [
  ['fetch', 'git fetch into the mirror (syncMirror)'],
  ['checkout', 'checkout of the commit (materialize)'],
  ['venv', 'venv lookup (ensureEnvironment, cached)'],
  ['pytestStart', 'runShard → pytest session start'],
  ['setup', '= setup before pytest session start'],
  ['pytestExit', 'pytest session finish → runShard resolved'],
  ['tar', 'tar -czf of the Allure results'],
];

async function probeOne(target: ProbeTarget, testIds: string[], dir: string, signal: AbortSignal): Promise<ProbedShard> {
  const checkout = join(dir, 'checkout');
  const outDir = join(dir, 'out');
  await mkdir(dir, { recursive: true });
  const t0 = Date.now();
  const mirror = await syncMirror(join(target.cacheDir, 'git'), target.projectId, { repoUrl: target.repoUrl, authMethod: 'none' }, signal);
  const t1 = Date.now();
  await materialize(mirror, target.commit, checkout, signal);
  const t2 = Date.now();
  const python = await ensureEnvironment(checkout, target.cacheDir, { frameworkDir: target.frameworkDir, signal });
  const t3 = Date.now();
  const result = await runShard({
    python: python.python,
    checkoutDir: checkout,
    testIds,
    outDir,
    env: target.env,
    retries: target.retries,
    workersPerShard: target.workersPerShard,
    coverage: true,
    signal,
    onProgress: () => undefined,
  });
  const t4 = Date.now();
  const junit = result.outputs.junitXml[0];
  if (!junit) throw new Error(`probe shard wrote no JUnit XML: ${result.outcome}, exit ${result.exitCode}`);
  const session = parseJunitSession(await readFile(junit, 'utf8'));
  const allureDir = result.outputs.allureResultsDir;
  const files = await Promise.all((await readdir(allureDir)).map(async (name) => ({ name, text: await readFile(join(allureDir, name), 'utf8') })));
  allureTimes(files); // the results are complete (throws otherwise)
  const t5 = Date.now();
  await run$('tar', ['-czf', join(dirname(allureDir), 'allure-results.tar.gz'), '-C', dirname(allureDir), basename(allureDir)]);
  const t6 = Date.now();
  const s = (a: number, b: number) => (b - a) / 1000;
  return {
    fetch: s(t0, t1),
    checkout: s(t1, t2),
    venv: s(t2, t3),
    pytestStart: s(t3, session.startMs),
    pytestExit: s(session.finishMs, t4),
    tar: s(t5, t6),
    setup: s(t0, session.startMs),
  };
}

/** Probes every shard of the plan at once (`concurrent`) or one after the other. */
export async function probeShards(target: ProbeTarget, workDir: string, concurrent: boolean, signal: AbortSignal): Promise<ProbedShard[]> {
  const dirs = target.shards.map((_, i) => join(workDir, `${concurrent ? 'parallel' : 'serial'}-${i}`));
  if (concurrent) return Promise.all(target.shards.map((ids, i) => probeOne(target, ids, dirs[i]!, signal)));
  const out: ProbedShard[] = [];
  for (const [i, ids] of target.shards.entries()) out.push(await probeOne(target, ids, dirs[i]!, signal));
  return out;
}

/** Seconds of `pytest --collect-only` (what prepareRun runs to list the tests) on a fresh checkout. */
export async function probeCollection(target: ProbeTarget, workDir: string, signal: AbortSignal): Promise<{ collect: number; tests: number }> {
  const checkout = join(workDir, 'collect-checkout');
  const mirror = await syncMirror(join(target.cacheDir, 'git'), target.projectId, { repoUrl: target.repoUrl, authMethod: 'none' }, signal);
  await materialize(mirror, target.commit, checkout, signal);
  const python = await ensureEnvironment(checkout, target.cacheDir, { frameworkDir: target.frameworkDir, signal });
  const t0 = Date.now();
  const ids = await collectTests(python.python, checkout, { paths: [], markers: '', keywords: '' }, { signal });
  return { collect: (Date.now() - t0) / 1000, tests: ids.length };
}
