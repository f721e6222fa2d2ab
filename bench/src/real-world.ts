/**
 * The real-world benchmark (issue 12, "Done when"): a generated repository shaped like a large real
 * project (default 5,400 tests in 260 files, long-tailed per-file times, import-time skips, xfails,
 * an xpass, a strict xpass, genuine failures and a fixture error; real/suite.ts) run on the same
 * cores, in the same bench run,
 *   (a) through QAtron: the bench stack (embedded PostgreSQL, Temporal dev server, the API in this
 *       process, worker processes) with N shards, twice per suite (cold history, then history), a
 *       suite with coverage off when the platform can turn it off and, with --coverage, one with
 *       coverage on;
 *   (b) with `pytest -n N --dist loadfile` in a venv of the repository's own requirements;
 *   (c) with `pytest -n N --dist loadfile --cov` when coverage is measured.
 * Each QAtron run follows an xdist run of the same coverage mode, its baseline: on a shared machine
 * the load changes within minutes, and a ratio is only fair against a run under the same load.
 *
 *   bash scripts/bootstrap.sh --run node --import tsx bench/src/real-world.ts \
 *     [--shards N] [--coverage] [--files F] [--tests T] [--seconds S] [--seed K] [--workers W]
 *
 * Printed: wall clock QAtron / xdist (POST /api/v1/runs → the run's completed_at, against pytest's
 * process from spawn to exit), makespan / lower bound (first test started → last test done over
 * all shards, from the Allure times; lower bound = max(total test time / N, longest file) from the
 * per-test durations QAtron recorded, GET /api/v1/runs/{id}/tests), trigger → all shards running and
 * last result → verdict (run-overhead/timeline.ts), and the run's counters next to the numbers of
 * `pytest -rA` in one process (with every test's time scaled to 0: outcomes do not depend on it).
 *
 * The cold venv build is excluded: a throwaway warm-up run of one small file (its own suite, so the
 * measured suites start with no history) builds the worker's venv and mirror first; its time is
 * printed, not counted. Figures are printed, never asserted (DESIGN "Testing tiers").
 */
import { chmod, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@qatron/scripts/embedded/temporal';
import { runReport } from './run-overhead/report.js';
import { apiCall, finished, guarded, Interrupted, trigger } from './run-overhead/measure.js';
import { removeBenchLeftovers, runBenchMain } from './run-overhead/lifecycle.js';
import { BENCH_WORKER_CACHE, startBenchStack, type BenchStack } from './run-overhead/stack.js';
import { fileDurationsFromJunit } from './shard-plan/junit.js';
import { runChecked } from './shard-plan/process.js';
import { makespanLowerBound } from '@qatron/domain';
import { cleanCoverage, ensureBaselineVenv, runPytest } from './real-world/baseline.js';
import { createSuite, detectCoverageSetting, measureQatronRun, type CoverageSetting, type MeasuredRun } from './real-world/qatron.js';
import { countsTable, timingTable, TARGETS, type TimedRow, type XdistFigures } from './real-world/report.js';
import { writeRepository } from './real-world/repository.js';
import { DEFAULT_OPTIONS, planSuite, type RealWorldSuite } from './real-world/suite.js';

const RUN_TIMEOUT_MS = 30 * 60_000;
const PYTEST_TIMEOUT_MS = 30 * 60_000;
const BASELINE_CACHE = join(REPO_ROOT, '.tools', 'cache', 'bench-real-world');

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function numberArg(name: string, fallback: number): number {
  const raw = argValue(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} wants a positive number, got ${raw}`);
  return value;
}

const SHARDS = Math.round(numberArg('--shards', 2));
const WORKERS = Math.round(numberArg('--workers', 1));
const COVERAGE = process.argv.includes('--coverage');
const interrupt = new AbortController();
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const log = (line: string) => console.log(line);

interface Variant {
  /** `plain` (coverage off) or `cov`. */
  name: 'plain' | 'cov';
  suite: string;
  xdistArgs: string[];
  xdistLabel: string;
}

/** The xdist run of one coverage mode, with its own lower bound from its JUnit XML. */
async function xdistRun(python: string, repo: string, suite: RealWorldSuite, variant: Variant, outDir: string, repeat: number): Promise<XdistFigures> {
  await cleanCoverage(repo);
  const junit = join(outDir, `xdist-${variant.name}-${repeat}.xml`);
  const label = `${variant.xdistLabel} #${repeat}`;
  log(`\n${label}: running (load average before ${load()})`);
  const run = await guarded(runPytest(python, repo, label, [...variant.xdistArgs, `--junitxml=${junit}`], { timeoutMs: PYTEST_TIMEOUT_MS, outputFile: join(outDir, `xdist-${variant.name}-${repeat}.log`) }), label, PYTEST_TIMEOUT_MS + 60_000, interrupt.signal);
  const known = new Set(suite.files.map((f) => f.path));
  const perFile = fileDurationsFromJunit([await readFile(junit, 'utf8')], known);
  const figures = { label, repeat, wallSeconds: run.finished.seconds, lowerBoundSeconds: makespanLowerBound([...perFile.values()], SHARDS), summary: run.summary, exitCode: run.finished.code };
  log(`  ${figures.wallSeconds.toFixed(1)} s wall; ${run.summary?.line ?? 'no summary line'}; load average after ${load()}`);
  return figures;
}

async function countVenvs(): Promise<number> {
  return (await readdir(join(BENCH_WORKER_CACHE, 'venvs')).catch(() => [] as string[])).filter((n) => !n.startsWith('.') && !n.endsWith('.lock')).length;
}

/** A throwaway run of one small file in a suite of its own: builds the worker's venv and mirror. */
async function warmUp(stack: BenchStack, token: string, projectId: number, suite: RealWorldSuite): Promise<number> {
  const small = suite.files.filter((f) => !f.importSkip).sort((a, b) => a.ms - b.ms)[0]!;
  await createSuite(stack, token, projectId, { name: 'warmup', shards: 1, paths: [small.path] });
  const before = await countVenvs();
  const started = Date.now();
  const t = await trigger(stack, token, { projectId, suite: 'warmup', environment: 'bench' });
  const run = await finished(stack, t.runId, RUN_TIMEOUT_MS, interrupt.signal);
  const built = (await countVenvs()) > before;
  log(`warm-up run ${run.id} (${small.path}, 1 shard): ${run.status} in ${((Date.now() - started) / 1000).toFixed(1)} s, ${built ? 'worker venv built now' : 'worker venv reused from an earlier bench run'} (not counted)`);
  return run.id;
}

/** The measured suites: coverage off and/or on, depending on the flag and on what the platform supports. */
async function variantsFor(stack: BenchStack, token: string, projectId: number, setting: CoverageSetting | null): Promise<{ variants: Variant[]; note: string }> {
  const n = String(SHARDS);
  const plainXdist: Omit<Variant, 'suite' | 'name'> = { xdistArgs: ['-n', n, '--dist', 'loadfile'], xdistLabel: `pytest -n ${n} --dist loadfile` };
  const covXdist: Omit<Variant, 'suite' | 'name'> = { xdistArgs: ['-n', n, '--dist', 'loadfile', '--cov', '--cov-report='], xdistLabel: `pytest -n ${n} --dist loadfile --cov` };
  if (!setting) {
    await createSuite(stack, token, projectId, { name: 'measured', shards: SHARDS });
    return {
      variants: [{ name: 'cov', suite: 'measured', ...covXdist }],
      note: 'the suite API has no coverage switch (no coverage/coverage_enabled field on the suite schema): QAtron always measures coverage, so its runs are compared with `--cov` xdist (and, in the second ratio column, with plain xdist)',
    };
  }
  const variants: Variant[] = [];
  const plain = await createSuite(stack, token, projectId, { name: 'coverage-off', shards: SHARDS, [setting.field]: setting.off });
  variants.push({ name: 'plain', suite: 'coverage-off', ...plainXdist });
  let note = `coverage switched by the suite field \`${setting.field}\` (${JSON.stringify(setting.off)} / ${JSON.stringify(setting.on)})`;
  if (!plain.echoed) note += `; WARNING: the API did not echo ${setting.field}=${JSON.stringify(setting.off)}`;
  if (COVERAGE) {
    await createSuite(stack, token, projectId, { name: 'coverage-on', shards: SHARDS, [setting.field]: setting.on });
    variants.push({ name: 'cov', suite: 'coverage-on', ...covXdist });
  }
  return { variants, note };
}

async function main(): Promise<number> {
  const suite = planSuite({
    seed: Math.round(numberArg('--seed', DEFAULT_OPTIONS.seed)),
    files: Math.round(numberArg('--files', DEFAULT_OPTIONS.files)),
    tests: Math.round(numberArg('--tests', DEFAULT_OPTIONS.tests)),
    targetSeconds: numberArg('--seconds', DEFAULT_OPTIONS.targetSeconds),
  });
  const tempDir = await mkdtemp(join(tmpdir(), 'qatron-bench-real-world-'));
  // As root, PostgreSQL runs as the `postgres` user, which must reach its data directory in here.
  await chmod(tempDir, 0o755);
  let stack: BenchStack | undefined;
  let project: { id: number; repoUrl: string } | undefined;
  const runIds: number[] = [];
  try {
    const { options } = suite;
    const importSkips = suite.files.filter((f) => f.importSkip).length;
    log(`QAtron real-world bench: ${suite.testCount} tests in ${options.files} files (${importSkips} skipped at import; seed ${options.seed}), nominal serial time ${(suite.runnableMs / 1000).toFixed(1)} s (${Math.round(options.cpuShare * 100)}% CPU in the package), ${SHARDS} shards, ${WORKERS} worker process(es) × ${SHARDS} slots`);
    log(`machine: ${cpus().length} cores, load average ${load()}; temporary directory ${tempDir}`);
    const repo = await writeRepository(join(tempDir, 'repo'), suite);
    const baselineRepo = join(tempDir, 'baseline');
    await runChecked('git', ['clone', '--quiet', repo.path, baselineRepo], { cwd: tempDir, timeoutMs: 120_000 });
    log(`repository: ${repo.fileCount} files, commit ${repo.commit.slice(0, 12)}; baseline clone ${baselineRepo}`);

    const venv = await guarded(ensureBaselineVenv(BASELINE_CACHE), 'the baseline venv', 15 * 60_000, interrupt.signal);
    log(`baseline venv: ${venv.python} (${venv.built ? `built in ${venv.seconds.toFixed(1)} s` : 'cached'})`);
    const reference = await guarded(runPytest(venv.python, baselineRepo, 'reference', ['-rA'], { timeScale: 0, timeoutMs: PYTEST_TIMEOUT_MS, outputFile: join(tempDir, 'reference.log') }), 'the reference run', PYTEST_TIMEOUT_MS, interrupt.signal);
    if (!reference.summary) throw new Error(`the reference run printed no summary line:\n${reference.output.slice(-2000)}`);
    log(`reference (pytest -rA, one process, times scaled to 0): ${reference.summary.line} (${reference.finished.seconds.toFixed(1)} s)`);

    stack = await startBenchStack({ tempDir, workers: WORKERS, shardSlots: SHARDS, signal: interrupt.signal, log: (l) => log(`  ${l}`) });
    const token = await stack.adminToken();
    const created = await apiCall<{ id: number }>(stack, token, 'POST', '/api/v1/projects', { name: 'real-world-bench', repo_url: repo.path }, 201);
    project = { id: created.id, repoUrl: repo.path };
    await apiCall(stack, token, 'POST', `/api/v1/projects/${project.id}/environments`, { name: 'bench', kind: 'development', base_url: 'https://bench.realpkg.test' }, 201);
    runIds.push(await warmUp(stack, token, project.id, suite));

    const setting = await detectCoverageSetting(stack, token);
    const { variants, note } = await variantsFor(stack, token, project.id, setting);
    log(`coverage: ${note}`);

    const xdist: XdistFigures[] = [];
    const timed: TimedRow[] = [];
    const measured: MeasuredRun[] = [];
    let plainXdist: XdistFigures | undefined;
    if (!setting) {
      plainXdist = await xdistRun(venv.python, baselineRepo, suite, { name: 'plain', suite: '', xdistArgs: ['-n', String(SHARDS), '--dist', 'loadfile'], xdistLabel: `pytest -n ${SHARDS} --dist loadfile` }, tempDir, 1);
      xdist.push(plainXdist);
    }
    // A failure part-way (a run that never ends, a lost worker) still prints what was measured.
    let failure: unknown;
    try {
      for (const variant of variants) {
        for (const [k, history] of [[1, 'cold history'], [2, 'with history']] as const) {
          // Each QAtron run right after an xdist run of the same mode: other jobs on the machine
          // come and go, and a baseline measured minutes earlier would not share their load.
          const baseline = await xdistRun(venv.python, baselineRepo, suite, variant, tempDir, k);
          xdist.push(baseline);
          if (variant.name === 'plain') plainXdist = baseline;
          const label = `QAtron ${variant.suite} #${k} (${history})`;
          log(`\n${label}: running (load average before ${load()})`);
          const m = await measureQatronRun(stack, () => stack!.adminToken(), { projectId: project.id, suite: variant.suite, environment: 'bench' }, { label, shards: SHARDS, timeoutMs: RUN_TIMEOUT_MS, signal: interrupt.signal });
          runIds.push(m.run.id);
          measured.push(m);
          timed.push({ qatron: m, baseline, plain: variant.name === 'cov' ? plainXdist : undefined });
          log(`  run ${m.run.id}: ${m.run.status}${m.run.statusReason ? ` (${m.run.statusReason.slice(0, 200)})` : ''}; POST → verdict ${m.toVerdictSeconds.toFixed(1)} s, → workflow done ${m.toWorkflowDoneSeconds.toFixed(1)} s; load average after ${load()}`);
          log(`  per-test rows: ${JSON.stringify(m.rowOutcomes)}${m.rowsDropped ? `, ${m.rowsDropped} unreadable` : ''}; recorded test time ${m.testTimeSeconds.toFixed(1)} s, longest file ${m.longestFile ? `${m.longestFile.file} ${m.longestFile.seconds.toFixed(1)} s` : 'n/a'}; counters ${JSON.stringify(m.run.counters)}`);
          if (m.overhead) for (const line of runReport(`  timeline of run ${m.run.id}`, m.overhead)) log(line);
          else log(`  no timeline: ${m.overheadError}`);
        }
      }
    } catch (err) {
      if (err instanceof Interrupted || interrupt.signal.aborted) throw err;
      failure = err;
      console.error(`\nmeasurement stopped: ${String(err)}; the tables below hold the runs measured before it`);
    }

    log(`\n=== real-world bench: ${suite.testCount} tests / ${options.files} files, ${SHARDS} shards on ${cpus().length} cores ===`);
    log(`targets (issue 12): QAtron/xdist <= ${TARGETS.ratio} (aim ${TARGETS.ratioAim}), makespan/LB <= ${TARGETS.makespan}, each overhead <= ${TARGETS.overheadSeconds} s; counts exact`);
    log('QAtron wall = POST /api/v1/runs → runs.completed_at, against the xdist run just before it (same coverage mode); xdist wall = pytest spawn → exit; makespan = first test start → last test done over all shards (xdist: its wall)');
    for (const line of timingTable(xdist, timed)) log(line);
    log('\ncounts (QAtron: the run\'s counter from GET /api/v1/runs/{id}, "-" when the API has none, EQUAL/DIFFERENT against pytest -rA in one process; rows: its per-test results with that outcome):');
    for (const line of countsTable(suite.expected, reference.summary, xdist.filter((x) => x.repeat === 1), measured)) log(line);
    if (stack.apiErrors.length) console.error(`\nthe API logged errors:\n${stack.apiErrors.join('\n')}`);
    log(`\nmachine: load average ${load()} at the end; other jobs on this machine disturb the figures.`);
    return failure === undefined ? 0 : 1;
  } finally {
    await stack?.close();
    await removeBenchLeftovers(project, runIds, tempDir);
  }
}

runBenchMain(main, interrupt);
