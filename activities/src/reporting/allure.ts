/**
 * The run's Allure report (DESIGN "A run, step by step", step 4; PRD FR-RPT-01, 13.3): one static
 * HTML report from the Allure results of every shard, generated once after the shards and stored,
 * never regenerated on demand.
 *
 * Generation runs Allure Report 3 (the `allure` npm package) as a child process in its own process
 * group, so that a crash, a runaway heap or a hang in the report generator cannot take the worker
 * down; it is killed on cancellation and after a time limit.
 *
 * History (trends, "new"/"fixed"/"regressed" transitions, each test's previous results): Allure 3
 * keeps it in one JSON Lines file, one line per report (the results of every test in that report),
 * read before generating and appended to after. The previous run's file of the same project, suite
 * and environment goes in; a copy with this report's line appended comes out, to be stored as this
 * run's `allure_history` artifact for the next run to pick up. The input file is never modified.
 *
 * Layout: a run of fewer than MULTI_FILE_FROM_TESTS results gets one self-contained `index.html` (one
 * object to store, opens from a downloaded file); a larger one gets a directory of files (the page,
 * its script, one JSON file per test, widgets) that the browser loads as needed, instead of one HTML
 * file of tens of megabytes that it must parse whole before showing anything.
 *
 * A report stays home: it requests nothing from any other host (see `keepReportHome`).
 */
import { copyFile, link, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { abortError } from '../execution/errors.js';
import { baseEnvironment, runCommand } from '../execution/process.js';

/** How long one generation may take before it is killed (2,000 tests take a few seconds). */
export const ALLURE_TIMEOUT_MS = 10 * 60_000;

/**
 * How many reports the history file keeps. Each line holds every test's status, message and trace
 * (about 0.7 MB per 1,000 tests), and a report embeds each test's history (about 1.7 MB per 1,000
 * tests and earlier report): ten keeps the trend useful and a one-file report of up to
 * MULTI_FILE_FROM_TESTS tests near 20 MB.
 */
export const ALLURE_HISTORY_LIMIT = 10;

/**
 * From how many test results (retries included, as allure-pytest writes them) a report is
 * generated as a directory of files. Measured by `bench/src/reporting-phase.ts --large`: a one-file
 * report takes about 5 KB per test plus 1.7 KB per test and earlier report in its history, so with
 * the full history (ALLURE_HISTORY_LIMIT) 1,000 tests make about 20 MB, which Chromium must read,
 * decode and parse whole before it shows anything (9,000 tests: 44 MB on the first run, several
 * seconds to tens of seconds). A report of files shows its tree after loading about 6 MB whatever
 * the history, and fetches a test's details when it is opened. Below the threshold one file is
 * kept for what it alone allows: it opens from a downloaded copy, without a server.
 */
export const MULTI_FILE_FROM_TESTS = 1_000;

/** What the awesome plugin prints (and exits 1) when the data does not fit in one HTML string. */
const TOO_LARGE_FOR_ONE_FILE = 'too large to be generated in the single file mode';

export interface AllureReportOptions {
  /** The shards' `--alluredir` directories; their results are merged into one report. */
  resultsDirs: string[];
  /** Where the report goes; created, and it must not hold anything yet. */
  outDir: string;
  /** The previous run's history file (same project, suite and environment), or null for none. */
  history: string | null;
  /** Shown as the report's title and recorded in the history (e.g. `shop · regression · staging · run 42`). */
  reportName: string;
  /** Aborting kills the generator's process group; the promise rejects with an AbortError. */
  signal?: AbortSignal;
  /** Time limit in ms (default ALLURE_TIMEOUT_MS); past it the generator is killed. */
  timeoutMs?: number;
  /** Reports kept in the history file (default ALLURE_HISTORY_LIMIT). */
  historyLimit?: number;
  /**
   * One self-contained `index.html` (true) or a directory of files (false); by default one file
   * below MULTI_FILE_FROM_TESTS test results and files from there on. A report too large for one
   * file (V8's string limit, several hundred MB of attachments) is generated as files whatever this
   * says; `singleFile` in the result tells which.
   */
  singleFile?: boolean;
  /** The test-result count from which the default layout is files (default MULTI_FILE_FROM_TESTS). */
  multiFileFromTests?: number;
}

export interface AllureReport {
  /** The report directory (`outDir`): `index.html` and, for a multi-file report, its assets. */
  reportDir: string;
  /** The history with this report's entry appended: `<outDir>.history.jsonl`, beside the report. */
  historyFile: string;
  /** Tests in the report; a test retried inside its shard counts once. */
  tests: number;
  /** Whether `index.html` is the whole report. */
  singleFile: boolean;
  /** Outside requests removed from the report's pages (Allure's analytics), as `<tag> url` lines. */
  removedRequests: string[];
}

/** The generator failed, timed out or produced no report; `message` ends with the tail of its output. */
export class AllureGenerationError extends Error {
  override name = 'AllureGenerationError';
}

/** The `allure` command line (`allure/cli.js`), resolved through the package's own entry point. */
function allureCli(): string {
  const entry = createRequire(import.meta.url).resolve('allure');
  return join(dirname(entry), '..', 'cli.js');
}

/**
 * The Allure 3 configuration (`allurerc.json`) of a QAtron report: the awesome plugin only, a named
 * report, history in `historyPath` bounded to `historyLimit` reports. The agent plugin, which Allure
 * adds unless told otherwise, is off: it writes state for coding assistants under the temp directory.
 */
export function allureConfig(options: { reportName: string; historyPath: string; historyLimit: number; singleFile: boolean }): Record<string, unknown> {
  return {
    name: options.reportName,
    historyPath: options.historyPath,
    historyLimit: options.historyLimit,
    appendHistory: true,
    plugins: {
      awesome: { options: { reportName: options.reportName, singleFile: options.singleFile, reportLanguage: 'en' } },
      agent: { enabled: false },
    },
  };
}

/**
 * Copies the history reports of `from` that Allure can read into `to` and returns how many there
 * are. Allure fails on a line it cannot parse, and a damaged history would then fail the report of
 * every later run that inherits it: such lines are dropped instead, losing their trend points only.
 */
async function copyHistory(from: string, to: string): Promise<number> {
  const kept: string[] = [];
  for (const line of (await readFile(from, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    try {
      const point = JSON.parse(line) as unknown;
      if (typeof point === 'object' && point !== null && typeof (point as { uuid?: unknown }).uuid === 'string') kept.push(line);
    } catch {
      // Not JSON: a truncated upload or a foreign file.
    }
  }
  await writeFile(to, kept.map((line) => `${line}\n`).join(''));
  return kept.length;
}

/** Non-empty lines of a JSON Lines file; 0 when it does not exist. */
async function countLines(path: string): Promise<number> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  return text.split('\n').filter((line) => line.trim()).length;
}

/**
 * Links (or, across file systems, copies) every file of `from` into `to`. The command line takes
 * results directories as glob patterns relative to its working directory: staging them under fixed
 * names (`shard-0`, …) means no path the caller chose is ever read as a pattern.
 */
async function stageDirectory(from: string, to: string): Promise<number> {
  const entries = await readdir(from, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new AllureGenerationError(`Allure results directory ${from} does not exist`);
    throw err;
  });
  await mkdir(to, { recursive: true });
  let results = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    if (entry.name.endsWith('-result.json')) results++;
    const source = join(entry.parentPath, entry.name);
    const target = join(to, source.slice(from.length + 1));
    await mkdir(dirname(target), { recursive: true });
    await link(source, target).catch(() => copyFile(source, target));
  }
  return results;
}

/** Tests in a generated report, from the registry Allure writes beside it (`test-results.json`, retries excluded). */
async function reportedTests(reportDir: string): Promise<number> {
  const registry = await readFile(join(reportDir, 'test-results.json'), 'utf8').catch(() => undefined);
  if (registry === undefined) throw new AllureGenerationError(`Allure wrote no test-results.json into ${reportDir}`);
  const parsed = JSON.parse(registry) as { byId?: Record<string, unknown> };
  return Object.keys(parsed.byId ?? {}).length;
}

/** A URL that leaves the page's own origin: `http(s)://…` or protocol-relative `//…`. */
const OUTSIDE_URL = /^\s*(?:https?:)?\/\//i;
/** `<script …>…</script>` whose body has no `<` (Allure's template scripts and its base64 data). */
const SCRIPT_ELEMENT = /[ \t]*<script\b([^>]*)>([^<]*)<\/script>[ \t]*\n?/gi;
/** `<link …>`: stylesheets, fonts, preconnects. */
const LINK_ELEMENT = /[ \t]*<link\b([^>]*)>[ \t]*\n?/gi;
/** Inline code that feeds Google's tag manager (Allure's `gtag('config', …)` block). */
const TRACKER_CODE = /\bgtag\s*\(|\bdataLayer\b/;

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attributes);
  return match ? (match[1] ?? match[2] ?? match[3]) : undefined;
}

/**
 * `html` without the elements that would make a browser request something from another host,
 * and what was removed (`script <url>`, `link <url>`, `script gtag(…)` for the inline tracker).
 *
 * Allure Report 3's page template ends with Google Tag Manager (`gtag/js?id=G-…`) and a `gtag`
 * configuration that sends the report's id, Allure version and layout to Google. The awesome
 * plugin hard-codes it on (`analyticsEnable: true` in @allurereport/plugin-awesome's
 * generators.js, version 3.18); neither allurerc nor the plugin options can turn it off, hence
 * this pass over the generated page. Any other external script or `<link>` a later version adds
 * goes the same way: a self-hosted report must work offline and tell no one it was opened.
 * Scripts and styles from `data:` URLs and relative paths (the report itself) stay.
 */
export function removeOutsideRequests(html: string): { html: string; removed: string[] } {
  const removed: string[] = [];
  const withoutScripts = html.replace(SCRIPT_ELEMENT, (element, attributes: string, body: string) => {
    const src = attribute(attributes, 'src');
    if (src !== undefined && OUTSIDE_URL.test(src)) {
      removed.push(`script ${src}`);
      return '';
    }
    // Only small inline scripts: the report's own data is one inline script of many megabytes.
    if (src === undefined && body.length < 16_384 && TRACKER_CODE.test(body)) {
      removed.push('script gtag(…)');
      return '';
    }
    return element;
  });
  const withoutLinks = withoutScripts.replace(LINK_ELEMENT, (element, attributes: string) => {
    const href = attribute(attributes, 'href');
    if (href === undefined || !OUTSIDE_URL.test(href)) return element;
    removed.push(`link ${href}`);
    return '';
  });
  return { html: withoutLinks, removed };
}

/** Applies removeOutsideRequests to the report's pages (`*.html` at its top level); returns what it removed. */
async function keepReportHome(reportDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of (await readdir(reportDir)).filter((n) => n.endsWith('.html'))) {
    const page = join(reportDir, name);
    const result = removeOutsideRequests(await readFile(page, 'utf8'));
    if (result.removed.length === 0) continue;
    await writeFile(page, result.html);
    removed.push(...result.removed);
  }
  return removed;
}

async function assertEmptyOrMissing(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  if (entries.length > 0) throw new AllureGenerationError(`report directory ${dir} is not empty`);
}

/**
 * Generates one Allure report from all the shards' results (FR-RPT-01), carrying the history of
 * earlier runs forward (see the module comment). The generator runs out of process with a minimal
 * environment (no worker configuration, no CI variables), offline, in its own process group.
 *
 * @throws AllureGenerationError when the generator fails or exceeds its time limit, a results
 *   directory is missing, or `outDir` is not empty; an AbortError when `signal` aborts.
 */
export async function generateAllureReport(options: AllureReportOptions): Promise<AllureReport> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal, 'Allure report generation');
  if (options.resultsDirs.length === 0) throw new AllureGenerationError('no Allure results directories to generate a report from');
  const reportDir = resolve(options.outDir);
  const historyFile = `${reportDir}.history.jsonl`;
  const historyLimit = options.historyLimit ?? ALLURE_HISTORY_LIMIT;
  const timeoutMs = options.timeoutMs ?? ALLURE_TIMEOUT_MS;
  await assertEmptyOrMissing(reportDir);
  await mkdir(dirname(reportDir), { recursive: true });

  const work = await mkdtemp(join(dirname(reportDir), `.${basename(reportDir)}-allure-`));
  let done = false;
  try {
    const shards = options.resultsDirs.map((_, i) => `shard-${i}`);
    let results = 0;
    for (const [i, dir] of options.resultsDirs.entries()) results += await stageDirectory(resolve(dir), join(work, shards[i]!));
    const deadline = AbortSignal.timeout(timeoutMs);
    const stop = signal ? AbortSignal.any([signal, deadline]) : deadline;

    // In the one-file layout, a report too large for a JavaScript string fails; it is generated again as files.
    let singleFile = options.singleFile ?? results < (options.multiFileFromTests ?? MULTI_FILE_FROM_TESTS);
    for (;;) {
      const workingHistory = join(work, 'history.jsonl');
      await rm(workingHistory, { force: true });
      const previousReports = options.history ? await copyHistory(options.history, workingHistory) : 0;
      await rm(reportDir, { recursive: true, force: true });
      const configFile = join(work, 'allurerc.json');
      await writeFile(configFile, JSON.stringify(allureConfig({ reportName: options.reportName, historyPath: workingHistory, historyLimit, singleFile })));

      const args = [allureCli(), 'generate', '--config', configFile, '--cwd', work, '--output', reportDir, ...shards];
      let result;
      try {
        result = await runCommand(process.execPath, args, { cwd: work, env: { ...baseEnvironment(), NO_COLOR: '1' }, signal: stop, tailLines: 40 });
      } catch (err) {
        if (deadline.aborted && !signal?.aborted) throw new AllureGenerationError(`Allure report generation timed out after ${timeoutMs} ms and was killed`);
        throw err;
      }
      const output = result.tail.join('\n').trim();
      if (result.exitCode === 0) {
        const tests = await reportedTests(reportDir);
        const removedRequests = await keepReportHome(reportDir);
        // Allure only logs a failed history append; a report without its history line would break the trend silently.
        const expected = Math.min(previousReports + 1, historyLimit);
        const written = await countLines(workingHistory);
        if (historyLimit > 0 && written !== expected) {
          throw new AllureGenerationError(`Allure history has ${written} report(s), expected ${expected}:\n${output}`);
        }
        if (historyLimit > 0) await rename(workingHistory, historyFile);
        else await writeFile(historyFile, '');
        done = true;
        return { reportDir, historyFile, tests, singleFile, removedRequests };
      }
      if (singleFile && output.includes(TOO_LARGE_FOR_ONE_FILE)) {
        singleFile = false;
        continue;
      }
      const how = result.exitCode === null ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
      throw new AllureGenerationError(`Allure report generation ${how}:\n${output}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    // A half-written report must not be mistaken for one: the directory was empty before.
    if (!done) await rm(reportDir, { recursive: true, force: true });
  }
}
