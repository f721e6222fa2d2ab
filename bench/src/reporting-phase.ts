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
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planShards } from '@qatron/domain';
import { collectTests } from '@qatron/activities/execution/collect';
import { ensureEnvironment } from '@qatron/activities/execution/python-env';
import { runShard } from '@qatron/activities/execution/shard-runner';
import { generateAllureReport } from '@qatron/activities/reporting/allure';
import { combineCoverage } from '@qatron/activities/reporting/coverage';
import { FRAMEWORK_DIR, TEST_CACHE_DIR } from '@qatron/activities/testing/fixture-environment';

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

async function main(): Promise<void> {
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

await main();
