/**
 * The baselines of the real-world bench: the same repository run by plain pytest in a venv of its
 * own requirements, with pytest-xdist (`-n N --dist loadfile`, with and without `--cov`) and once
 * in one process with `-rA` as the reference of the counts.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run, runChecked, type Finished } from '../shard-plan/process.js';
import { parsePytestSummary, type PytestSummary } from './counts.js';
import { REQUIREMENTS, TIME_SCALE_ENV } from './render.js';

const INSTALL_TIMEOUT_MS = 10 * 60_000;

/**
 * A venv with the repository's requirements, cached under `cacheDir/venv-<hash>` (hash of the
 * interpreter and the pins) so that bench runs after the first skip the install. Returns its python.
 */
export async function ensureBaselineVenv(cacheDir: string, basePython = 'python3'): Promise<{ python: string; built: boolean; seconds: number }> {
  await mkdir(cacheDir, { recursive: true });
  const version = (await runChecked(basePython, ['-c', 'import sys; print(sys.version)'], { cwd: cacheDir, timeoutMs: 30_000 })).trim();
  const key = createHash('sha256').update(version).update('\0').update(REQUIREMENTS.join('\n')).digest('hex').slice(0, 16);
  const venv = join(cacheDir, `venv-${key}`);
  const python = join(venv, 'bin', 'python');
  if (await access(python).then(() => true, () => false)) return { python, built: false, seconds: 0 };
  const partial = `${venv}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  const started = performance.now();
  await runChecked(basePython, ['-m', 'venv', partial], { cwd: cacheDir, timeoutMs: 120_000 });
  await runChecked(join(partial, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...REQUIREMENTS], { cwd: cacheDir, timeoutMs: INSTALL_TIMEOUT_MS });
  await rename(partial, venv);
  return { python, built: true, seconds: (performance.now() - started) / 1000 };
}

export interface PytestRun {
  label: string;
  args: string[];
  finished: Finished;
  summary: PytestSummary | null;
  /** Everything pytest printed. */
  output: string;
}

/**
 * pytest in the repository with the baseline venv; its exit code is a result, not an error. Its
 * output goes to `outputFile` in full (`-rA` prints a line per test, more than a child's captured
 * output keeps) and the summary line is read from there.
 */
export async function runPytest(python: string, repo: string, label: string, args: readonly string[], options: { timeScale?: number; timeoutMs: number; outputFile: string }): Promise<PytestRun> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LC_ALL: 'C.UTF-8', PYTEST_OUTPUT: options.outputFile };
  if (options.timeScale !== undefined) env[TIME_SCALE_ENV] = String(options.timeScale);
  const fullArgs = ['-m', 'pytest', '-p', 'no:cacheprovider', ...args];
  // `exec` keeps pytest the process group's leader, so a timeout or Ctrl-C still kills its xdist workers.
  const finished = await run('/bin/sh', ['-c', 'exec "$0" "$@" > "$PYTEST_OUTPUT" 2>&1', python, ...fullArgs], { cwd: repo, env, timeoutMs: options.timeoutMs });
  const output = await readFile(options.outputFile, 'utf8').catch(() => '');
  if (finished.timedOut) throw new Error(`${label} timed out after ${options.timeoutMs / 1000} s`);
  if (finished.code !== 0 && finished.code !== 1) throw new Error(`${label} exited ${finished.code ?? finished.signal}:\n${output.slice(-4000)}`);
  return { label, args: fullArgs, finished, summary: parsePytestSummary(output.slice(-64 * 1024)), output };
}

/** Removes what pytest-cov left in the repository, so that the next run starts clean. */
export async function cleanCoverage(repo: string): Promise<void> {
  await rm(join(repo, '.coverage'), { force: true });
}
