/**
 * Runs one shard of a run (DESIGN "A run, step by step", step 3; PRD 11, 12): pytest on the
 * shard's node ids with JUnit XML, Allure results and optional coverage, live progress from the
 * `qatron.progress` plugin, and in-shard retries of failed tests (FR-TEST-05). Failing tests are a
 * result, not an error: only pytest itself failing (internal or usage error) throws.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CoverageError, writeCoverageRc } from '../reporting/coverage.js';
import { pytestEnvironment } from './collect.js';
import { ShardExecutionError } from './errors.js';
import { runCommand } from './process.js';
import { countCategories, isFailingOutcome, type OutcomeCounts } from '@qatron/domain/runs/outcomes';
import { mergeAttempts, parseProgressLines, progressCounts, retryCandidates, type ProgressRecord, type TestCaseResult, type TestOutcome } from './results.js';
import { redact } from './secrets.js';

export { ShardExecutionError } from './errors.js';
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
  testIds: string[];
  /** Where the shard's outputs go; created if missing. */
  outDir: string;
  /** Run variables for the tests (QATRON_BASE_URL, SELENIUM_REMOTE_URL, …) on top of a minimal environment. */
  env: Record<string, string>;
  /** How many more times failed tests are re-run. */
  retries: number;
  /** pytest-xdist workers inside the shard (`-n`); 0 runs in-process. */
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
}

/** The result that stands for the pytest session itself when it failed with no test failing. */
export const SESSION_NODE_ID = '<pytest session>';

/** `-p qatron.progress` reports into this file, one JSON line per finished test. */
const PROGRESS_VARIABLE = 'QATRON_PROGRESS_FILE';

/** `-p qatron.select` appends the node ids listed in this file to pytest's arguments. */
const SELECT_VARIABLE = 'QATRON_SELECT_FILE';

/**
 * Runs the shard's tests with pytest (`python -m pytest -p qatron.select`, the ids in a file) and folds the attempts into one
 * result per test, counted as pytest counts them. A module that fails to import is an `error`
 * result and the rest of the shard still runs (`--continue-on-collection-errors`). A session that
 * failed without a test to blame (`sessionFailure`: exit codes 2 to 5 and beyond, no results) adds
 * an `error` result for SESSION_NODE_ID, so the shard is failed and says why; only death by a
 * signal throws (the platform's problem).
 * When `signal` aborts, the process group gets SIGTERM, SIGKILL 5 s later, and the promise rejects
 * with an AbortError.
 * @throws ShardExecutionError with the tail of pytest's output.
 */
export async function runShard(options: RunShardOptions): Promise<ShardRunResult> {
  const outDir = resolve(options.outDir);
  const allureResultsDir = join(outDir, 'allure-results');
  const coverageFile = join(outDir, '.coverage');
  const logPath = join(outDir, 'pytest.log');
  const secrets = options.secrets ?? [];
  await mkdir(allureResultsDir, { recursive: true });
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;

  const coverageArgs: string[] = [];
  const coverageEnv: Record<string, string> = {};
  if (options.coverage) {
    // The repository's own coverage configuration, with paths relative to the checkout: shards
    // are combined on another machine, with the same rc (reporting/coverage.ts). COVERAGE_FILE
    // makes one data file per shard (pytest-cov merges the xdist workers' files into it).
    const rcFile = join(outDir, 'coveragerc');
    try {
      await writeCoverageRc({ python: options.python, checkoutDir: options.checkoutDir, rcPath: rcFile, signal: options.signal });
    } catch (error) {
      if (error instanceof CoverageError) throw new ShardExecutionError(redact(error.message, secrets), error.exitCode);
      throw error;
    }
    coverageArgs.push('--cov', '--cov-report=', `--cov-config=${rcFile}`);
    coverageEnv.COVERAGE_FILE = coverageFile;
    coverageEnv.COVERAGE_RCFILE = rcFile;
  }

  const log = createWriteStream(logPath, { flags: 'w' });
  const latest = new Map<string, TestOutcome>();
  const attempts: ProgressRecord[][] = [];
  const junitXml: string[] = [];
  let exitCode = 0;
  let lastLines = '';
  try {
    let ids = options.testIds;
    for (let attempt = 1; attempt <= 1 + Math.max(0, options.retries) && ids.length > 0; attempt++) {
      const phase = attempt === 1 ? 'running' : 'retrying';
      const idsFile = join(outDir, `ids-${attempt}.txt`);
      const progressFile = join(outDir, `progress-${attempt}.jsonl`);
      const junitFile = join(outDir, `junit-${attempt}.xml`);
      await writeFile(idsFile, ids.map((id) => `${id}\n`).join(''));
      await rm(progressFile, { force: true });
      // The ids reach pytest through `-p qatron.select` (QATRON_SELECT_FILE), not `@file`, which needs pytest 8.2.
      const args = ['-m', 'pytest', '-p', 'qatron.select', '-p', 'no:cacheprovider', '-p', 'qatron.progress', `--junitxml=${junitFile}`, `--alluredir=${allureResultsDir}`, '-ra', '--continue-on-collection-errors'];
      // loadfile keeps a file's tests (and its module fixtures) on one xdist worker (PRD 12.1).
      // Retries are few tests: no point starting more workers than there are tests.
      if (options.workersPerShard > 0) args.push('-n', String(Math.min(options.workersPerShard, ids.length)), '--dist=loadfile');
      if (options.coverage) args.push(...coverageArgs, ...(attempt > 1 ? ['--cov-append'] : []));

      writeLine(log, `===== attempt ${attempt} of ${1 + options.retries}: ${attempt === 1 ? `${ids.length} test id(s)` : `re-running ${ids.length} failed test(s)`} =====`, secrets);
      writeLine(log, `$ ${options.python} ${args.join(' ')}`, secrets);
      const tail: string[] = [];
      const reader = new ProgressReader(progressFile);
      const report = (records: ProgressRecord[]) => {
        for (const record of records) latest.set(record.nodeid, record.outcome);
        try {
          options.onProgress({ total: Math.max(options.testIds.length, latest.size), ...progressCounts(latest), elapsedSeconds: Math.round(elapsed() * 10) / 10, phase });
        } catch {
          // A progress callback failing must not fail the shard.
        }
      };
      const poller = startPolling(reader, options.progressIntervalMs ?? 500, report);
      let result;
      try {
        result = await runCommand(options.python, args, {
          cwd: resolve(options.checkoutDir),
          env: pytestEnvironment(options.python, { ...options.env, ...coverageEnv, [PROGRESS_VARIABLE]: progressFile, [SELECT_VARIABLE]: idsFile }),
          signal: options.signal,
          killGraceMs: options.killGraceMs ?? 5_000,
          onLine: (line) => {
            const clean = redact(line, secrets);
            tail.push(clean);
            if (tail.length > 60) tail.shift();
            writeLine(log, clean, []);
          },
        });
      } finally {
        await poller.stop();
      }
      report(await reader.read());
      const records = await reader.all();
      if (await exists(junitFile)) junitXml.push(junitFile);
      exitCode = result.exitCode ?? -1;
      const tailText = tail.join('\n').trim();
      if (result.exitCode === null) {
        // The platform's problem (out of memory, a killed worker), not the tests': infra_failed.
        throw new ShardExecutionError(`pytest was killed by ${result.signal} (out of memory?):\n${tailText}`, null);
      }
      attempts.push(records);
      lastLines = tailText.split('\n').slice(-3).join(' ');
      // Interrupted (pytest.exit, a session hook), an internal or usage error, nothing collected:
      // retrying would hit the same wall.
      if (exitCode !== 0 && exitCode !== 1) break;
      ids = retryCandidates(records);
    }
  } finally {
    await new Promise<void>((done) => log.end(done));
  }

  const isFailure = (r: TestCaseResult) => isFailingOutcome(r.outcome);
  // Failure messages quote test output, which may quote the run's secrets.
  const results = mergeAttempts(attempts).map((r) => (r.message && secrets.length ? { ...r, message: redact(r.message, secrets) } : r));
  const sessionError = sessionFailure(exitCode, options.testIds.length, results.length, results.some(isFailure), lastLines);
  if (sessionError) {
    results.push({ nodeId: SESSION_NODE_ID, outcome: 'error', categories: ['error'], durationSeconds: 0, attempts: 1, flaky: false, properties: {}, message: redact(sessionError, secrets) });
  }
  const failed = results.some(isFailure);
  return {
    outcome: failed ? 'failed' : 'passed',
    counts: countCategories(results.flatMap((r) => r.categories)),
    results,
    durationSeconds: Math.round(elapsed() * 1000) / 1000,
    exitCode,
    outputs: {
      junitXml,
      allureResultsDir,
      coverageFile: options.coverage && (await exists(coverageFile)) ? coverageFile : null,
      log: logPath,
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

/** Reads the records appended to a progress file since the last read. */
class ProgressReader {
  private offset = 0;
  private partial = '';
  private readonly records: ProgressRecord[] = [];

  constructor(private readonly path: string) {}

  /** The records completed since the previous call. */
  async read(): Promise<ProgressRecord[]> {
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch {
      return [];
    }
    try {
      const chunks: Buffer[] = [];
      const buffer = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
        if (bytesRead === 0) break;
        chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
        this.offset += bytesRead;
      }
      const lines = (this.partial + Buffer.concat(chunks).toString('utf8')).split('\n');
      this.partial = lines.pop()!;
      const records = parseProgressLines(lines);
      this.records.push(...records);
      return records;
    } finally {
      await handle.close();
    }
  }

  /** Every record read so far, plus what remains in the file. */
  async all(): Promise<ProgressRecord[]> {
    await this.read();
    return [...this.records, ...parseProgressLines([this.partial])];
  }
}

/** Reads the progress file every `intervalMs` and reports when tests finished. */
function startPolling(reader: ProgressReader, intervalMs: number, report: (records: ProgressRecord[]) => void): { stop: () => Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      const records = await reader.read().catch(() => []);
      if (records.length > 0) report(records);
    });
  }, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
