/**
 * Runs one shard of a run (DESIGN "A run, step by step", step 3; PRD 11, 12): pytest on the
 * shard's node ids with JUnit XML, Allure results and optional coverage, live progress from the
 * `qatron.progress` plugin, and in-shard retries of failed tests (FR-TEST-05). Failing tests are a
 * result, not an error: only pytest itself failing (internal or usage error) throws.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CoverageError, writeCoverageRc } from '../reporting/coverage.js';
import { pytestEnvironment, SELECT_VARIABLE, selectionArguments, type TestSelection } from './collect.js';
import { ShardExecutionError } from './errors.js';
import { runCommand } from './process.js';
import { countCategories, isFailingOutcome, type OutcomeCounts } from '@qatron/domain/runs/outcomes';
import { ProgressReader, startPolling } from './progress-file.js';
import { mergeAttempts, progressCounts, retryCandidates, type ProgressRecord, type TestCaseResult, type TestOutcome } from './results.js';
import { redact } from './secrets.js';
import { grantCheckoutToSandbox, grantToSandbox, removeSpecialFiles, sandboxCommand, type SandboxMode } from './sandbox.js';
import { openWorkChannel, type WorkSource } from './work-channel.js';

export { ShardExecutionError } from './errors.js';
export type { WorkSource } from './work-channel.js';
export type { TestCaseResult } from './results.js';

export interface ShardProgress {
  /** Tests in the shard (grows if an id expands to several tests). */
  total: number;
  /** Tests that have a result; retried tests are not counted twice. */
  done: number;
  passed: number;
  /** Failed and errored tests, as of their latest attempt. */
  failed: number;
  skipped: number;
  elapsedSeconds: number;
  phase: 'running' | 'retrying';
}

export interface ShardRunResult {
  outcome: 'passed' | 'failed';
  /** Tests the shard was given (ids) or handed (pulled work); 0 for a shard that found no work left. */
  expectedTests: number;
  /** Why the pytest session failed without a test to blame (the SESSION_NODE_ID result's message), if it did. */
  sessionError: string | null;
  /** pytest's summary counts of the final results (the last attempt of each test). */
  counts: OutcomeCounts;
  results: TestCaseResult[];
  /** Wall-clock time of all attempts. */
  durationSeconds: number;
  /** Exit code of the last pytest attempt. */
  exitCode: number;
  outputs: {
    /** One JUnit XML file per attempt (`junit-1.xml`, `junit-2.xml`, …). */
    junitXml: string[];
    /** Allure results of every attempt (Allure shows retries as the history of one test). */
    allureResultsDir: string;
    /** The shard's coverage data file (`relative_files`, ready for `coverage combine`), if asked. */
    coverageFile: string | null;
    /** pytest's output of all attempts, redacted. */
    log: string;
  };
}

export interface RunShardOptions {
  /** The environment's interpreter (`ensureEnvironment().python`). */
  python: string;
  checkoutDir: string;
  /** A fixed list of node ids to run; or `work`. */
  testIds?: string[];
  /**
   * Work pulled from the run instead of a fixed list (DESIGN "Work is pulled, not pre-split"):
   * each pytest process collects the suite's selection and asks `source` for files until none is left.
   */
  work?: { selection: TestSelection; source: WorkSource };
  /** Where the shard's outputs go; created if missing. */
  outDir: string;
  /** Run variables for the tests (QATRON_BASE_URL, SELENIUM_REMOTE_URL, …) on top of a minimal environment. */
  env: Record<string, string>;
  /** How many more times failed tests are re-run. */
  retries: number;
  /** Parallel pytest processes inside the shard: pulling lanes, or pytest-xdist workers (`-n`) for a fixed list; 0 or 1: one. */
  workersPerShard: number;
  coverage: boolean;
  signal: AbortSignal;
  /** Called at most about twice a second while tests finish (drives activity heartbeats). */
  onProgress: (progress: ShardProgress) => void;
  /** Values to scrub from the log and errors (the run's secret variables). */
  secrets?: string[];
  /** How often the progress file is read, in ms. */
  progressIntervalMs?: number;
  /** Time between SIGTERM and SIGKILL when cancelled, in ms (default 5000). */
  killGraceMs?: number;
  /**
   * How the tests are confined (sandbox.ts): `mode` (WORKER_SANDBOX, default bwrap), and what they
   * may see besides the checkout and `outDir` (both writable): more writable directories (the
   * artifacts directory) and read-only ones (datasets).
   */
  sandbox?: { mode?: SandboxMode; writable?: string[]; readable?: string[] };
}

/** The result that stands for the pytest session itself when it failed with no test failing. */
export const SESSION_NODE_ID = '<pytest session>';

/** `-p qatron.progress` reports into this file, one JSON line per finished test. */
const PROGRESS_VARIABLE = 'QATRON_PROGRESS_FILE';

/** `-p qatron.pull` asks for work on this Unix socket. */
const PULL_VARIABLE = 'QATRON_PULL_SOCKET';

/** What one shard run shares between its pytest processes. */
interface ShardSession {
  options: RunShardOptions;
  outDir: string;
  allureResultsDir: string;
  coverageFile: string;
  /** `--cov` arguments (with the rc file), empty without coverage. */
  coverageArgs: string[];
  coverageEnv: Record<string, string>;
  log: WriteStream;
  secrets: string[];
  sandbox: SandboxMode;
  /** What every pytest process of the shard may write (the checkout, the outputs) and read. */
  writable: string[];
  readable: string[];
  junitXml: string[];
  /** The latest outcome of every test seen, for live progress. */
  latest: Map<string, TestOutcome>;
  /** Tests the shard is expected to run (grows while work is pulled). */
  expected: () => number;
  elapsed: () => number;
}

/** How one pytest process ended. */
interface Invocation {
  records: ProgressRecord[];
  exitCode: number | null;
  signal: string | null;
  tail: string;
}

/**
 * Runs the shard's tests with pytest and folds the attempts into one result per test, counted as
 * pytest counts them. The first attempt pulls its work from the run (`work`, in `workersPerShard`
 * parallel processes) or runs a fixed list of ids (`-p qatron.select`); retries re-run the failed
 * ids. A module that fails to import is an `error` result and the rest of the shard still runs
 * (`--continue-on-collection-errors`). A session that failed without a test to blame
 * (`sessionFailure`: exit codes 2 to 5 and beyond, no results) adds an `error` result for
 * SESSION_NODE_ID, so the shard is failed and says why; only death by a signal, or a work source
 * that failed, throws (the platform's problem).
 * When `signal` aborts, the process groups get SIGTERM, SIGKILL 5 s later, and the promise rejects
 * with an AbortError.
 * @throws ShardExecutionError with the tail of pytest's output.
 */
export async function runShard(options: RunShardOptions): Promise<ShardRunResult> {
  const session = await openSession(options);
  const attempts: ProgressRecord[][] = [];
  let last: Invocation;
  try {
    last = options.work ? await pulledAttempt(session, options.work) : await idsAttempt(session, 1, options.testIds ?? []);
    attempts.push(last.records);
    let ids = last.exitCode === 0 || last.exitCode === 1 ? retryCandidates(last.records) : [];
    for (let attempt = 2; attempt <= 1 + Math.max(0, options.retries) && ids.length > 0; attempt++) {
      last = await idsAttempt(session, attempt, ids);
      attempts.push(last.records);
      // Interrupted (pytest.exit, a session hook), an internal or usage error: retrying would hit the same wall.
      ids = last.exitCode === 0 || last.exitCode === 1 ? retryCandidates(last.records) : [];
    }
  } finally {
    await new Promise<void>((done) => session.log.end(done));
  }
  // What the worker reads and uploads from here on was written by test code: regular files only.
  if (session.sandbox !== 'off') {
    for (const dir of session.writable.slice(1)) await removeSpecialFiles(dir);
  }
  return shardResult(session, attempts, last);
}

/** Output directories, the coverage settings and the log of one shard run. */
async function openSession(options: RunShardOptions): Promise<ShardSession> {
  const outDir = resolve(options.outDir);
  const allureResultsDir = join(outDir, 'allure-results');
  const secrets = options.secrets ?? [];
  await mkdir(allureResultsDir, { recursive: true });
  const sandbox = options.sandbox?.mode ?? 'bwrap';
  const checkoutDir = resolve(options.checkoutDir);
  const extraWritable = (options.sandbox?.writable ?? []).map((dir) => resolve(dir));
  for (const dir of extraWritable) await mkdir(dir, { recursive: true });
  // The sandbox's user writes its results, coverage data and the checkout's caches (the checkout
  // is the run's own copy on this worker).
  await grantToSandbox(sandbox, [outDir, allureResultsDir, ...extraWritable]);
  await grantCheckoutToSandbox(sandbox, checkoutDir, options.signal);
  const started = performance.now();
  const coverageFile = join(outDir, '.coverage');
  const coverageArgs: string[] = [];
  const coverageEnv: Record<string, string> = {};
  if (options.coverage) {
    // The repository's own coverage configuration, with paths relative to the checkout: shards
    // are combined on another machine, with the same rc (reporting/coverage.ts). COVERAGE_FILE
    // makes one data file per shard (pytest-cov merges the xdist workers' files into it).
    const rcFile = join(outDir, 'coveragerc');
    let core: string | null;
    try {
      ({ core } = await writeCoverageRc({ python: options.python, checkoutDir: options.checkoutDir, rcPath: rcFile, signal: options.signal }));
    } catch (error) {
      if (error instanceof CoverageError) throw new ShardExecutionError(redact(error.message, secrets), error.exitCode);
      throw error;
    }
    coverageArgs.push('--cov', '--cov-report=', `--cov-config=${rcFile}`);
    coverageEnv.COVERAGE_FILE = coverageFile;
    coverageEnv.COVERAGE_RCFILE = rcFile;
    // The cheapest core the interpreter offers (sys.monitoring on 3.12+), unless the run sets one.
    if (core && !options.env.COVERAGE_CORE) coverageEnv.COVERAGE_CORE = core;
  }
  const ids = options.testIds?.length ?? 0;
  return {
    options,
    outDir,
    allureResultsDir,
    coverageFile,
    coverageArgs,
    coverageEnv,
    log: createWriteStream(join(outDir, 'pytest.log'), { flags: 'w' }),
    secrets,
    sandbox,
    // The checkout first: the others are the outputs the worker reads afterwards.
    writable: [checkoutDir, outDir, ...extraWritable],
    readable: options.sandbox?.readable ?? [],
    junitXml: [],
    latest: new Map(),
    expected: () => ids,
    elapsed: () => (performance.now() - started) / 1000,
  };
}

/** The common pytest arguments: progress, JUnit XML, Allure, and collection errors as results. */
function pytestArgs(session: ShardSession, junitFile: string): string[] {
  return ['-m', 'pytest', '-p', 'no:cacheprovider', '-p', 'qatron.progress', `--junitxml=${junitFile}`, `--alluredir=${session.allureResultsDir}`, '-ra', '--continue-on-collection-errors'];
}

/** A fixed list of ids (`-p qatron.select`, not `@file`, which needs pytest 8.2), under xdist when asked. */
async function idsAttempt(session: ShardSession, attempt: number, ids: string[]): Promise<Invocation> {
  const { options, outDir } = session;
  const idsFile = join(outDir, `ids-${attempt}.txt`);
  await writeFile(idsFile, ids.map((id) => `${id}\n`).join(''));
  const junitFile = join(outDir, `junit-${attempt}.xml`);
  const args = [...pytestArgs(session, junitFile), '-p', 'qatron.select'];
  // loadfile keeps a file's tests (and its module fixtures) on one xdist worker (PRD 12.1).
  // Retries are few tests: no point starting more workers than there are tests.
  if (options.workersPerShard > 0) args.push('-n', String(Math.min(options.workersPerShard, ids.length)), '--dist=loadfile');
  if (options.coverage) args.push(...session.coverageArgs, ...(attempt > 1 ? ['--cov-append'] : []));
  const heading = attempt === 1 ? `${ids.length} test id(s)` : `re-running ${ids.length} failed test(s)`;
  writeLine(session.log, `===== attempt ${attempt} of ${1 + options.retries}: ${heading} =====`, session.secrets);
  return invoke(session, { args, env: { ...session.coverageEnv, [SELECT_VARIABLE]: idsFile }, progressFile: join(outDir, `progress-${attempt}.jsonl`), junitFile, phase: attempt === 1 ? 'running' : 'retrying' });
}

/**
 * The first attempt with pulled work: `lanes` pytest processes collect the selection and ask the
 * work source for files until it has none; their coverage data is combined into the shard's file.
 */
async function pulledAttempt(session: ShardSession, work: NonNullable<RunShardOptions['work']>): Promise<Invocation> {
  const { options, outDir } = session;
  const lanes = Math.max(1, options.workersPerShard);
  const channel = await openWorkChannel(work.source, { sandbox: session.sandbox });
  session.expected = () => channel.handedTests();
  writeLine(session.log, `===== attempt 1 of ${1 + options.retries}: work pulled from the run by ${lanes} process(es) =====`, session.secrets);
  try {
    const selection = await selectionArguments(work.selection, outDir);
    const ended = await Promise.all(
      Array.from({ length: lanes }, (_, lane) => {
        const name = lanes === 1 ? '1' : `1-lane${lane}`;
        const junitFile = join(outDir, `junit-${name}.xml`);
        // xdist, if the repository's addopts ask for it, would take over the run loop: -n 0 keeps it in-process.
        const args = [...pytestArgs(session, junitFile), '-p', 'qatron.pull', '-n', '0', ...(options.coverage ? session.coverageArgs : []), ...selection.args];
        const coverageEnv = lanes === 1 || !options.coverage ? session.coverageEnv : { ...session.coverageEnv, COVERAGE_FILE: `${session.coverageFile}.lane${lane}` };
        return invoke(session, { args, env: { ...coverageEnv, ...selection.env, [PULL_VARIABLE]: channel.path }, progressFile: join(outDir, `progress-${name}.jsonl`), junitFile, phase: 'running', writable: [dirname(channel.path)] });
      }),
    );
    const failure = channel.error();
    if (failure) throw new ShardExecutionError(`the run's work queue did not answer: ${failure.message}`, null);
    if (lanes > 1 && options.coverage) await combineLaneCoverage(session, lanes);
    return mergeLanes(ended);
  } finally {
    await channel.close();
  }
}

/** The lanes of one attempt as one: all their records, the worst exit code with its output. */
function mergeLanes(lanes: Invocation[]): Invocation {
  const severity = (l: Invocation) => (l.exitCode === null ? 100 : l.exitCode === 0 || l.exitCode === 1 || l.exitCode === 5 ? l.exitCode : 10 + l.exitCode);
  const worst = [...lanes].sort((a, b) => severity(b) - severity(a))[0]!;
  // Exit 5 in one lane (it was handed nothing) is no failure when another lane ran tests.
  const exitCode = worst.exitCode === 5 && lanes.some((l) => l.exitCode === 0 || l.exitCode === 1) ? Math.max(...lanes.map((l) => (l.exitCode === 1 ? 1 : 0))) : worst.exitCode;
  return { records: lanes.flatMap((l) => l.records), exitCode, signal: worst.signal, tail: worst.tail };
}

/** `coverage combine` of the lanes' data files into the shard's one file. */
async function combineLaneCoverage(session: ShardSession, lanes: number): Promise<void> {
  const files = Array.from({ length: lanes }, (_, lane) => `${session.coverageFile}.lane${lane}`);
  const present = (await Promise.all(files.map(async (f) => ((await exists(f)) ? f : null)))).filter((f): f is string => f !== null);
  if (present.length === 0) return;
  const combine = await sandboxed(session, ['-m', 'coverage', 'combine', ...present], pytestEnvironment(session.options.python, session.coverageEnv));
  const out = await runCommand(combine.command, combine.args, {
    cwd: resolve(session.options.checkoutDir),
    env: combine.env,
    signal: session.options.signal,
    capture: true,
  });
  if (out.exitCode !== 0) throw new ShardExecutionError(`combining the shard's coverage failed:\n${redact(out.tail.join('\n'), session.secrets)}`, out.exitCode);
}

/** One pytest process, with live progress from its progress file and its output in the log. */
async function invoke(session: ShardSession, spec: { args: string[]; env: Record<string, string>; progressFile: string; junitFile: string; phase: ShardProgress['phase']; writable?: string[] }): Promise<Invocation> {
  const { options } = session;
  await rm(spec.progressFile, { force: true });
  writeLine(session.log, `$ ${options.python} ${spec.args.join(' ')}`, session.secrets);
  const tail: string[] = [];
  const reader = new ProgressReader(spec.progressFile);
  const report = (records: ProgressRecord[]) => {
    for (const record of records) session.latest.set(record.nodeid, record.outcome);
    try {
      options.onProgress({ total: Math.max(session.expected(), session.latest.size), ...progressCounts(session.latest), elapsedSeconds: Math.round(session.elapsed() * 10) / 10, phase: spec.phase });
    } catch {
      // A progress callback failing must not fail the shard.
    }
  };
  const poller = startPolling(reader, options.progressIntervalMs ?? 500, report);
  let result;
  try {
    const pytest = await sandboxed(session, spec.args, pytestEnvironment(options.python, { ...options.env, ...spec.env, [PROGRESS_VARIABLE]: spec.progressFile }), spec.writable);
    result = await runCommand(pytest.command, pytest.args, {
      cwd: resolve(options.checkoutDir),
      env: pytest.env,
      signal: options.signal,
      killGraceMs: options.killGraceMs ?? 5_000,
      onLine: (line) => {
        const clean = redact(line, session.secrets);
        tail.push(clean);
        if (tail.length > 60) tail.shift();
        writeLine(session.log, clean, []);
      },
    });
  } finally {
    await poller.stop();
  }
  report(await reader.read());
  if (await exists(spec.junitFile)) session.junitXml.push(spec.junitFile);
  const tailText = tail.join('\n').trim();
  if (result.exitCode === null) {
    // The platform's problem (out of memory, a killed worker), not the tests': infra_failed.
    throw new ShardExecutionError(`pytest was killed by ${result.signal} (out of memory?):\n${tailText}`, null);
  }
  return { records: await reader.all(), exitCode: result.exitCode, signal: result.signal ?? null, tail: tailText };
}

/** The shard's interpreter with `args` as it runs in the shard's sandbox (test code: DESIGN "Test code is untrusted"). */
function sandboxed(session: ShardSession, args: string[], env: Record<string, string>, writable: string[] = []) {
  const { python } = session.options;
  return sandboxCommand(python, args, env, { mode: session.sandbox, python, writable: [...session.writable, ...writable], readable: session.readable, cwd: session.options.checkoutDir });
}

/** One result per test over the attempts, plus a session error when pytest failed without a test to blame. */
async function shardResult(session: ShardSession, attempts: ProgressRecord[][], last: Invocation): Promise<ShardRunResult> {
  const { options, secrets } = session;
  const exitCode = last.exitCode ?? -1;
  const lastLines = last.tail.split('\n').slice(-3).join(' ');
  // Failure messages quote test output, which may quote the run's secrets.
  const results = mergeAttempts(attempts).map((r) => (r.message && secrets.length ? { ...r, message: redact(r.message, secrets) } : r));
  const sessionError = sessionFailure(exitCode, session.expected(), results.length, results.some((r) => isFailingOutcome(r.outcome)), lastLines);
  if (sessionError) {
    results.push({ nodeId: SESSION_NODE_ID, outcome: 'error', categories: ['error'], durationSeconds: 0, attempts: 1, flaky: false, properties: {}, message: redact(sessionError, secrets) });
  }
  return {
    outcome: results.some((r) => isFailingOutcome(r.outcome)) ? 'failed' : 'passed',
    counts: countCategories(results.flatMap((r) => r.categories)),
    results,
    expectedTests: session.expected(),
    sessionError: sessionError ? redact(sessionError, secrets) : null,
    durationSeconds: Math.round(session.elapsed() * 1000) / 1000,
    exitCode,
    outputs: {
      junitXml: session.junitXml,
      allureResultsDir: session.allureResultsDir,
      coverageFile: options.coverage && (await exists(session.coverageFile)) ? session.coverageFile : null,
      log: join(session.outDir, 'pytest.log'),
    },
  };
}

const EXIT_CODE_MEANINGS: Record<number, string> = {
  2: 'interrupted',
  3: 'internal error',
  4: 'usage error (a bad option or ini setting)',
  5: 'no tests collected',
};

/**
 * Why a pytest session failed without a test to blame, if it did (issue 12 "No false greens"):
 * exit 1 or 2 with no failing result (pytest.exit(), a session hook, an addopts `--cov-fail-under`),
 * exit 3 or 4 (internal or usage error: the repository's configuration or plugins), exit 5 although
 * the shard had tests to run (the ids were deselected or vanished), any other code, and a session
 * that reported no result at all. Such a shard is failed, never green.
 */
export function sessionFailure(exitCode: number, idsGiven: number, resultCount: number, someTestFailed: boolean, lastLines: string): string | null {
  const meaning = EXIT_CODE_MEANINGS[exitCode] ?? 'unexpected exit code';
  if (exitCode === 0 || exitCode === 1) {
    if (resultCount === 0 && idsGiven > 0) return `pytest reported no result for the shard's ${idsGiven} test(s) (exit code ${exitCode}): ${lastLines}`;
    if (exitCode === 1 && !someTestFailed) return `pytest exited with code 1 although no test failed: ${lastLines}`;
    return null;
  }
  if (exitCode === 5) return idsGiven > 0 && resultCount === 0 ? `pytest collected none of the shard's ${idsGiven} test(s) (exit code 5, ${meaning}): ${lastLines}` : null;
  if (exitCode === 2 && someTestFailed) return null;
  return `pytest failed with exit code ${exitCode} (${meaning}): ${lastLines}`;
}

function writeLine(log: WriteStream, line: string, secrets: string[]): void {
  log.write(`${secrets.length ? redact(line, secrets) : line}\n`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
