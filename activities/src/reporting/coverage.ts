/**
 * The coverage of a run (PRD 15, FR-RPT-05/06; DESIGN "A run, step by step", steps 3-4): every
 * shard measures with the repository's own coverage configuration (carried into an rc by the
 * framework's `qatron.coverage_rc`, with `relative_files` forced), and the reporting step combines
 * the shards' data files into one total, a Cobertura XML and an HTML report.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pytestEnvironment } from '../execution/collect.js';
import { runCommand } from '../execution/process.js';

/** There is nothing to combine: coverage was off, every shard's data file was lost, or nothing was measured. */
export class CoverageUnavailableError extends Error {
  override name = 'CoverageUnavailableError';
}

/** A coverage.py step failed (an unreadable configuration, a corrupt data file, a missing source); `message` ends with the tool's output. */
export class CoverageError extends Error {
  override name = 'CoverageError';
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

export interface CoverageSummary {
  /** coverage.py's own total, with the repository's `[report] precision` (2 decimals unless set); includes branches when `branch` is on. */
  percent: number;
  coveredLines: number;
  /** Statements measured (excluded lines not counted). */
  totalLines: number;
  /** Per measured file, sorted by path; paths are relative to the checkout. */
  files: Array<{ path: string; percent: number; statements: number; missing: number }>;
}

export interface WriteCoverageRcOptions {
  /** The run environment's interpreter: the `qatron` package is installed there. */
  python: string;
  checkoutDir: string;
  /** Where the INI rc is written (its name must not end in `.toml`). */
  rcPath: string;
  signal?: AbortSignal;
}

export interface CombineCoverageOptions {
  /** The run environment's interpreter (`coverage` is pinned there, the same version the shards measured with). */
  python: string;
  /** A checkout of the run's commit: the HTML report reads the sources, paths resolve against it. */
  checkoutDir: string;
  /** The shards' data files (`ShardRunResult.outputs.coverageFile`, downloaded); may come from any checkout directory. */
  dataFiles: string[];
  /** Receives `coverage.xml` and `htmlcov/`; created if missing. */
  outDir: string;
  signal?: AbortSignal;
}

export interface CombinedCoverage {
  summary: CoverageSummary;
  /** Cobertura XML (FR-RPT-05). */
  xmlPath: string;
  /** The HTML report; `index.html` is its entry page. */
  htmlDir: string;
}

/**
 * Writes the coverage rc of a run for `checkoutDir`: `python -m qatron.coverage_rc`, which carries
 * the configuration coverage.py would read there (.coveragerc, .coveragerc.toml, setup.cfg,
 * tox.ini or pyproject.toml) with `relative_files = True` forced, `data_file` and `fail_under`
 * removed and `precision` 2 unless set. Shards measure with it and the reporting step combines and
 * reports with it, so both see the same settings. Returns the repository file it came from.
 * @throws CoverageError with the module's message (e.g. an unreadable pyproject.toml).
 */
export async function writeCoverageRc(options: WriteCoverageRcOptions): Promise<{ configFile: string | null; core: string | null }> {
  const result = await runCommand(options.python, ['-m', 'qatron.coverage_rc', resolve(options.checkoutDir), resolve(options.rcPath)], {
    cwd: resolve(options.checkoutDir),
    env: pytestEnvironment(options.python),
    signal: options.signal,
    capture: true,
    tailLines: 40,
  });
  if (result.exitCode !== 0) {
    throw new CoverageError(`reading the repository's coverage configuration failed (exit code ${result.exitCode ?? result.signal}):\n${result.tail.join('\n').trim()}`, result.exitCode);
  }
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  try {
    const summary = JSON.parse(line) as { config_file: string | null; core?: string | null };
    return { configFile: summary.config_file, core: summary.core ?? null };
  } catch {
    throw new CoverageError(`qatron.coverage_rc wrote an rc but no summary line (is the qatron package up to date?):\n${result.tail.join('\n').trim()}`, result.exitCode);
  }
}

/**
 * Combines the shards' coverage data (PRD 15.2): copies them into a work directory as
 * `.coverage.shard-<i>`, `coverage combine`s them with the rc the shards used (written again for
 * `checkoutDir`), then writes `<outDir>/coverage.xml` (Cobertura) and `<outDir>/htmlcov/` and reads
 * the totals and per-file figures from `coverage json`. The data files hold paths relative to the
 * checkout (`relative_files`), so shards measured in other directories, on other workers, combine
 * into one report of `checkoutDir`'s sources.
 * @throws CoverageUnavailableError when `dataFiles` is empty, or the data measured no file.
 * @throws CoverageError when a coverage.py step fails, with the tail of its output.
 */
export async function combineCoverage(options: CombineCoverageOptions): Promise<CombinedCoverage> {
  if (options.dataFiles.length === 0) {
    throw new CoverageUnavailableError('no coverage data to combine: coverage was off for the run, or no shard produced a coverage data file');
  }
  const checkoutDir = resolve(options.checkoutDir);
  const outDir = resolve(options.outDir);
  const xmlPath = join(outDir, 'coverage.xml');
  const htmlDir = join(outDir, 'htmlcov');
  await mkdir(outDir, { recursive: true });
  const workDir = await mkdtemp(join(tmpdir(), 'qatron-coverage-'));
  try {
    // Distinct names: every shard's file is called `.coverage`, and combine consumes its inputs.
    const shardFiles = await Promise.all(
      options.dataFiles.map(async (file, i) => {
        const copy = join(workDir, `.coverage.shard-${i}`);
        await copyFile(file, copy);
        return copy;
      }),
    );
    const rcPath = join(workDir, 'coveragerc');
    await writeCoverageRc({ python: options.python, checkoutDir, rcPath, signal: options.signal });
    const jsonPath = join(workDir, 'coverage.json');
    const coverage = (args: string[]) =>
      runCoverage(options.python, [args[0]!, `--rcfile=${rcPath}`, ...args.slice(1)], {
        cwd: checkoutDir,
        env: pytestEnvironment(options.python, { COVERAGE_FILE: join(workDir, '.coverage') }),
        signal: options.signal,
      });

    await coverage(['combine', ...shardFiles]);
    // A report from an earlier attempt of the reporting step would leave pages of files no longer measured.
    await rm(htmlDir, { recursive: true, force: true });
    // The three reports only read the combined data file. All settle before the work directory goes.
    const reports = await Promise.allSettled([coverage(['xml', '-o', xmlPath]), coverage(['html', '-d', htmlDir]), coverage(['json', '-o', jsonPath])]);
    const failed = reports.find((report) => report.status === 'rejected');
    if (failed) throw failed.reason;
    return { summary: summaryOf(JSON.parse(await readFile(jsonPath, 'utf8')) as CoverageJson), xmlPath, htmlDir };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

interface SummaryJson {
  covered_lines: number;
  num_statements: number;
  missing_lines: number;
  percent_covered_display: string;
}

/** The parts of coverage.py's JSON report (format 3) read here. */
interface CoverageJson {
  totals: SummaryJson;
  files: Record<string, { summary: SummaryJson }>;
}

/** The run's figures from a `coverage json` report; percentages are coverage.py's display values (its precision and rounding). */
export function summaryOf(report: CoverageJson): CoverageSummary {
  return {
    percent: Number(report.totals.percent_covered_display),
    coveredLines: report.totals.covered_lines,
    totalLines: report.totals.num_statements,
    files: Object.entries(report.files)
      .map(([path, { summary }]) => ({ path, percent: Number(summary.percent_covered_display), statements: summary.num_statements, missing: summary.missing_lines }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
}

/** `python -m coverage <args>`; a non-zero exit becomes an error carrying the end of its output. */
async function runCoverage(python: string, args: string[], options: { cwd: string; env: Record<string, string>; signal?: AbortSignal }): Promise<void> {
  const result = await runCommand(python, ['-m', 'coverage', ...args], { ...options, tailLines: 40 });
  if (result.exitCode === 0) return;
  const output = result.tail.join('\n').trim();
  // Data files that measured nothing (a `source` that matches no file, tests that import nothing).
  if (/^No data to report\.$/m.test(output)) {
    throw new CoverageUnavailableError(`coverage measured no files (check the repository's [run] source, include and omit): coverage ${args[0]} says:\n${output}`);
  }
  throw new CoverageError(`coverage ${args[0]} failed (exit code ${result.exitCode ?? result.signal}):\n${output}`, result.exitCode);
}
