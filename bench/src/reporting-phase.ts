/**
 * The reporting phase's duration (issue "Run results", DESIGN step 4): for a run of 2,000+ tests
 * over 4 shards, the time to combine the shards' coverage (coverage combine + XML + HTML) and to
 * generate one Allure report from the shards' results, measured as production runs them: side by
 * side. Target: < 15 s.
 *
 *   bash scripts/bootstrap.sh --run node --import tsx bench/src/reporting-phase.ts
 *
 * The shards are real: a generated repository (a small source package measured by coverage and
 * 2,000+ tests in 80 files) runs as 4 runShard calls, exactly as workers run them, producing the
 * coverage data files and Allure results the reporting phase consumes. Figures are printed, never
 * asserted; the temp directory is removed at the end (the venv stays cached under .tools/cache).
 *
 * Large report (issue 12, item 5): a run shaped like networkx (~9,000 tests in 300 files, with
 * parametrized tests whose values alias, failures with tracebacks, skips and xfails) over 4 real
 * shards without coverage, then its Allure report as one file (the layout every run had before)
 * and as files (the layout runs of MULTI_FILE_FROM_TESTS results or more now get), each for a first
 * run, with one earlier report in its history and with a full history (the first run's entry as 9
 * earlier reports, as after ALLURE_HISTORY_LIMIT runs): generation time, size (bytes and files),
 * and in Chromium the time until the first test shows, the bytes loaded and the requests to other
 * hosts (none allowed; Allure's page template carries Google Tag Manager, which QAtron removes).
 *
 *   bash scripts/bootstrap.sh --run node --import tsx bench/src/reporting-phase.ts --large
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planShards } from '@qatron/domain';
import { collectTests } from '@qatron/activities/execution/collect';
import { ensureEnvironment } from '@qatron/activities/execution/python-env';
import { runShard } from '@qatron/activities/execution/shard-runner';
import { ALLURE_HISTORY_LIMIT, generateAllureReport, type AllureReport } from '@qatron/activities/reporting/allure';
import { combineCoverage } from '@qatron/activities/reporting/coverage';
import { FRAMEWORK_DIR, TEST_CACHE_DIR } from '@qatron/activities/testing/fixture-environment';
import { launchChromium, serveDirectory, visitReport } from '@qatron/activities/testing/report-browser';

const FILES = 80;
const TESTS_PER_FILE = 26;
const SHARDS = 4;
const TARGET_SECONDS = 15;

/** A repository whose tests exercise a small package, so that coverage has real lines to count. */
async function generateRepository(dir: string): Promise<void> {
  await mkdir(join(dir, 'src', 'calc'), { recursive: true });
  await mkdir(join(dir, 'tests'), { recursive: true });
  await writeFile(join(dir, 'pytest.ini'), '[pytest]\npythonpath = src\n');
  await writeFile(join(dir, 'requirements.txt'), '');
  await writeFile(join(dir, 'src', 'calc', '__init__.py'), '');
  const modules = 10;
  for (let m = 0; m < modules; m++) {
    const functions = Array.from({ length: 12 }, (_, f) => `def f${f}(x):\n    if x > ${f}:\n        return x * ${f + 1}\n    return x - ${f}\n`).join('\n\n');
    await writeFile(join(dir, 'src', 'calc', `m${m}.py`), functions);
  }
  for (let i = 0; i < FILES; i++) {
    const m = i % modules;
    const tests = Array.from(
      { length: TESTS_PER_FILE },
      (_, t) => `def test_${t}():\n    assert m${m}.f${t % 12}(${t % 20}) is not None\n`,
    ).join('\n\n');
    await writeFile(join(dir, 'tests', `test_f${String(i).padStart(3, '0')}.py`), `from calc import m${m}\n\n\n${tests}`);
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

async function reportingPhase(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'qatron-bench-reporting-'));
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  try {
    const repo = join(dir, 'repo');
    await generateRepository(repo);
    const env = await ensureEnvironment(repo, TEST_CACHE_DIR, { frameworkDir: FRAMEWORK_DIR });
    const ids = await collectTests(env.python, repo, { paths: [], markers: '', keywords: '' });
    const plan = planShards(ids, SHARDS);
    console.log(`suite: ${ids.length} tests in ${FILES} files, ${plan.shards.length} shards`);
    const shards = await timed(() =>
      Promise.all(
        plan.shards.map((shard) =>
          runShard({
            python: env.python,
            checkoutDir: repo,
            testIds: shard.testIds,
            outDir: join(dir, `shard-${shard.index}`),
            env: {},
            retries: 0,
            workersPerShard: 0,
            coverage: true,
            signal: controller.signal,
            onProgress: () => undefined,
          }),
        ),
      ),
    );
    const results = shards.value;
    console.log(`shards: ${results.map((r) => r.results.length).join(' + ')} tests in ${shards.seconds.toFixed(1)} s (not part of the measure)`);

    const coverage = () =>
      timed(() =>
        combineCoverage({
          python: env.python,
          checkoutDir: repo,
          dataFiles: results.map((r) => r.outputs.coverageFile).filter((f): f is string => f !== null),
          outDir: join(dir, `coverage-${Math.random().toString(36).slice(2)}`),
          signal: controller.signal,
        }),
      );
    const allure = (history: string | null) =>
      timed(() =>
        generateAllureReport({
          resultsDirs: results.map((r) => r.outputs.allureResultsDir),
          outDir: join(dir, `allure-${Math.random().toString(36).slice(2)}`),
          history,
          reportName: 'bench',
          signal: controller.signal,
        }),
      );

    // First run (no history), then the second run of the same suite carrying the first's history.
    const rows: string[][] = [];
    let history: string | null = null;
    for (const label of ['first run', 'second run (with history)']) {
      const phase = await timed(() => Promise.all([coverage(), allure(history)]));
      const [cov, rep] = phase.value;
      history = rep.value.historyFile;
      rows.push([
        label,
        cov.seconds.toFixed(2),
        rep.seconds.toFixed(2),
        phase.seconds.toFixed(2),
        `${cov.value.summary.percent}%`,
        String(rep.value.tests),
        phase.seconds < TARGET_SECONDS ? 'meets' : 'MISSES',
      ]);
    }
    const header = ['', 'coverage s', 'allure s', 'phase s (side by side)', 'coverage', 'report tests', `target < ${TARGET_SECONDS} s`];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const LARGE_FILES = 300;
/** Per file: 20 parametrized instances, 8 plain tests, 2 instances whose parameter values alias. */
const LARGE_TESTS_PER_FILE = 30;

/**
 * A suite shaped like a large real project: each file has a parametrized test (one instance in 50
 * fails with a traceback), plain tests (some skipped, some xfail) and a parametrization whose two
 * values print alike (`[7, 7]`), which Allure folds into one test unless the pytest id keeps them apart.
 */
async function generateLargeRepository(dir: string): Promise<void> {
  await mkdir(join(dir, 'tests'), { recursive: true });
  await writeFile(join(dir, 'pytest.ini'), '[pytest]\n');
  await writeFile(join(dir, 'requirements.txt'), '');
  for (let i = 0; i < LARGE_FILES; i++) {
    const plain = Array.from({ length: 8 }, (_, t) => {
      const mark = t === 6 ? '@pytest.mark.skip(reason="needs a GPU")\n' : t === 7 && i % 3 === 0 ? '@pytest.mark.xfail(reason="known bug")\n' : '';
      return `${mark}def test_case_${t}():\n    assert sum(range(${t + 10})) > 0${t === 7 && i % 3 === 0 ? ' and False' : ''}\n`;
    }).join('\n\n');
    const failing = i % 2 === 0 ? `${(i * 7) % 20}` : '-1';
    await writeFile(
      join(dir, 'tests', `test_module_${String(i).padStart(3, '0')}.py`),
      `import pytest\n\n\n@pytest.mark.parametrize("n", range(20))\ndef test_parametrized(n):\n    assert n != ${failing}, f"value {n} is not accepted"\n\n\n` +
        `@pytest.mark.parametrize("value", [7, 7])\ndef test_aliasing(value):\n    assert value == 7\n\n\n${plain}`,
    );
  }
}

async function directorySize(dir: string): Promise<{ bytes: number; files: number }> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const sizes = await Promise.all(files.map(async (e) => (await stat(join(e.parentPath, e.name))).size));
  return { bytes: sizes.reduce((a, b) => a + b, 0), files: files.length };
}

const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

async function largeReport(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'qatron-bench-large-report-'));
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  try {
    const repo = join(dir, 'repo');
    await generateLargeRepository(repo);
    const env = await ensureEnvironment(repo, TEST_CACHE_DIR, { frameworkDir: FRAMEWORK_DIR });
    const ids = await collectTests(env.python, repo, { paths: [], markers: '', keywords: '' });
    const plan = planShards(ids, SHARDS);
    const shards = await timed(() =>
      Promise.all(
        plan.shards.map((shard) =>
          runShard({
            python: env.python,
            checkoutDir: repo,
            testIds: shard.testIds,
            outDir: join(dir, `shard-${shard.index}`),
            env: {},
            retries: 0,
            workersPerShard: 0,
            coverage: false,
            signal: controller.signal,
            onProgress: () => undefined,
          }),
        ),
      ),
    );
    const pytestResults = shards.value.reduce((n, r) => n + r.results.length, 0);
    console.log(`suite: ${ids.length} tests in ${LARGE_FILES} files of ${LARGE_TESTS_PER_FILE}; ${SHARDS} shards ran ${pytestResults} in ${shards.seconds.toFixed(1)} s (not part of the measure)`);
    const resultsDirs = shards.value.map((r) => r.outputs.allureResultsDir);

    // The history a suite reaches after ALLURE_HISTORY_LIMIT runs: the first run's entry as 9 earlier reports.
    const fullHistory = async (firstRunHistory: string): Promise<string> => {
      const entry = JSON.parse((await readFile(firstRunHistory, 'utf8')).trim()) as { uuid: string; name: string; timestamp: number };
      const lines = Array.from({ length: ALLURE_HISTORY_LIMIT - 1 }, (_, i) =>
        JSON.stringify({ ...entry, uuid: randomUUID(), name: `earlier ${i + 1}`, timestamp: entry.timestamp - (ALLURE_HISTORY_LIMIT - 1 - i) * 86_400_000 }),
      );
      const file = join(dir, `full-history-${randomUUID()}.jsonl`);
      await writeFile(file, `${lines.join('\n')}\n`);
      return file;
    };

    const browser = await launchChromium();
    const rows: string[][] = [];
    let removed: string[] = [];
    try {
      for (const singleFile of [true, false]) {
        let firstRunHistory: string | null = null;
        for (const label of ['first run', 'with 1 earlier report', `with ${ALLURE_HISTORY_LIMIT - 1} earlier reports`]) {
          const history: string | null = label === 'first run' ? null : label === 'with 1 earlier report' ? firstRunHistory : await fullHistory(firstRunHistory!);
          const outDir = join(dir, 'site', `${singleFile ? 'single' : 'multi'}-${rows.length}`);
          const generated: { value: AllureReport; seconds: number } = await timed(() =>
            generateAllureReport({ resultsDirs, outDir, history, reportName: 'bench', singleFile, signal: controller.signal }),
          );
          firstRunHistory ??= generated.value.historyFile;
          removed = generated.value.removedRequests;
          const size = await directorySize(outDir);
          const served = await serveDirectory(outDir);
          try {
            const visit = await visitReport(browser, served.url, 'test_parametrized[0]', 600_000);
            rows.push([
              singleFile ? 'one file (before)' : 'files (after)',
              label,
              generated.seconds.toFixed(1),
              megabytes(size.bytes),
              String(size.files),
              String(generated.value.tests),
              visit.seconds.toFixed(1),
              megabytes(visit.bytesLoaded),
              String(visit.outsideRequests.length),
            ]);
          } finally {
            served.server.close();
          }
          await rm(outDir, { recursive: true, force: true });
        }
      }
    } finally {
      await browser.close();
    }
    const header = ['layout', '', 'generate s', 'size', 'files', 'report tests', 'Chromium: first test shown s', 'loaded', 'outside requests'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
    console.log(`report tests = pytest results: ${rows.every((r) => Number(r[5]) === pytestResults) ? 'yes' : 'NO'} (${pytestResults})`);
    console.log(`removed from every generated page (Allure's template): ${removed.join(', ')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await (process.argv.includes('--large') ? largeReport() : reportingPhase());
