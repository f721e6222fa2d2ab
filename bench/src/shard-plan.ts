/**
 * Shard-plan quality (DESIGN "A run, step by step" step 2): on a generated pytest suite with known,
 * skewed durations, measures in one run the real makespan of
 *   a. `pytest -n 4 --dist=loadfile` (the baseline),
 *   b. QAtron's plan without history (weights = test counts), 4 concurrent pytest processes,
 *   c. QAtron's plan with history (per-file durations summed from b's JUnit XML), the same way,
 * and prints each against the lower bound max(total / 4, longest file). Target: ratio <= 1.10 with
 * history.
 *
 *   bash scripts/bootstrap.sh --run node --import tsx bench/src/shard-plan.ts
 *
 * Tests sleep (time.sleep) rather than compute: the machine has 2 cores, and sleeping lets 4
 * shards run truly in parallel, so the figures measure the plans, not CPU contention. The lower
 * bound counts only the sleeps, while every real strategy also pays interpreter start, plugin
 * loading and collection; so each strategy is also run once with every sleep scaled to zero, and
 * that fixed start-up is reported beside the raw figures (and subtracted in the adjusted ratio).
 *
 * Self-contained and bounded: the suite lives in a temporary directory removed at the end (also on
 * error or Ctrl-C); the only network use is the first run's pip install of pytest and pytest-xdist
 * into a venv cached under .tools/cache; every pytest process has a time limit. Figures are printed,
 * never asserted (DESIGN "Testing tiers"): the exit code is 0 whether the target is met or not.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makespanLowerBound, planShards, testFile, type ShardPlan } from '@qatron/domain';
import { fileDurationsFromJunit } from './shard-plan/junit.js';
import { fmtRatio, fmtSeconds, formatTable, makespanRatio, planEstimate, planIdealMakespan, shardIdealSeconds, startupAdjusted, verdict } from './shard-plan/figures.js';
import { killAll, run, runChecked, type Finished } from './shard-plan/process.js';
import { generateSuite, renderPytestIni, renderTestFile, SLEEP_SCALE_ENV, type GeneratedSuite } from './shard-plan/suite.js';

const SEED = 20261122;
const SHARDS = 4;
const TARGET_RATIO = 1.1;
/** Pinned so the cached venv, and the baseline, stay the same from run to run. */
const PYTHON_REQUIREMENTS = ['pytest==9.2.0', 'pytest-xdist==3.8.0'];
/** Per pytest process: a measured strategy takes ~20 s; anything near this limit is a hang. */
const PYTEST_TIMEOUT_MS = 180_000;
const PIP_TIMEOUT_MS = 300_000;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** One measured execution of a strategy (4 shards, or one xdist process). */
interface Execution {
  makespan: number;
  /** Wall time of each shard process, in plan order (one entry for xdist). */
  shardSeconds: number[];
  failures: string[];
  junitReports: string[];
}

/**
 * The venv with pytest and pytest-xdist, cached by a hash of the interpreter and the pins so a
 * rerun skips the install. Built beside its final place and renamed, so a failed or interrupted
 * install never leaves a half-made venv that looks ready.
 */
async function ensureVenv(): Promise<string> {
  const version = (await runChecked('python3', ['-c', 'import sys; print(sys.version)'], { cwd: ROOT, timeoutMs: 30_000 })).trim();
  const hash = createHash('sha256').update([version, ...PYTHON_REQUIREMENTS].join('\n')).digest('hex').slice(0, 16);
  const cache = join(ROOT, '.tools', 'cache');
  const venv = join(cache, `bench-venv-${hash}`);
  const python = join(venv, 'bin', 'python');
  if (existsSync(join(venv, '.qatron-ready'))) return python;
  console.log(`creating the bench venv (${PYTHON_REQUIREMENTS.join(', ')}) in ${venv}`);
  await mkdir(cache, { recursive: true });
  const building = `${venv}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  try {
    await runChecked('python3', ['-m', 'venv', building], { cwd: ROOT, timeoutMs: 120_000 });
    await runChecked(join(building, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PYTHON_REQUIREMENTS], { cwd: ROOT, timeoutMs: PIP_TIMEOUT_MS });
    await rm(venv, { recursive: true, force: true });
    await rename(building, venv);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  }
  // venv scripts carry the absolute path of the directory they were made in: use `python -m`
  // only (never bin/pytest or bin/pip), which works wherever the venv was renamed to.
  await writeFile(join(venv, '.qatron-ready'), `${PYTHON_REQUIREMENTS.join('\n')}\n`);
  return python;
}

/** Writes the generated suite under `dir`. */
async function writeSuite(dir: string, suite: GeneratedSuite): Promise<void> {
  await mkdir(join(dir, 'tests'), { recursive: true });
  await writeFile(join(dir, 'pytest.ini'), renderPytestIni());
  await Promise.all(suite.files.map((f) => writeFile(join(dir, f.path), renderTestFile(f, suite.seed))));
}

/** The child environment: sleeps scaled by `scale`, no user-level pytest options leaking in. */
function pytestEnv(scale: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [SLEEP_SCALE_ENV]: String(scale), PYTHONUNBUFFERED: '1' };
  delete env.PYTEST_ADDOPTS;
  delete env.PYTEST_PLUGINS;
  return env;
}

/** Node ids as pytest collects them (`tests/test_f000.py::test_00`). */
async function collect(python: string, suiteDir: string): Promise<string[]> {
  const out = await runChecked(python, ['-m', 'pytest', '--collect-only', '-q', '-p', 'no:cacheprovider'], { cwd: suiteDir, env: pytestEnv(0), timeoutMs: PYTEST_TIMEOUT_MS });
  return out.split('\n').filter((line) => line.includes('::')).map((line) => line.trim());
}

/** A pytest exit code the bench accepts: 0 (all passed) or 5 (a shard with no tests). */
function failureOf(label: string, result: Finished): string | undefined {
  if (result.timedOut) return `${label}: timed out after ${PYTEST_TIMEOUT_MS / 1000} s`;
  if (result.code === 0 || result.code === 5) return undefined;
  return `${label}: exit ${result.code ?? result.signal}\n${result.stdout.slice(-2000)}${result.stderr.slice(-2000)}`;
}

/** `pytest -n 4 --dist=loadfile` over the whole suite; the makespan is the pytest process's wall time. */
async function runXdist(python: string, suiteDir: string, scale: number): Promise<Execution> {
  const args = ['-m', 'pytest', '-n', String(SHARDS), '--dist=loadfile', '-q', '-p', 'no:cacheprovider'];
  const result = await run(python, args, { cwd: suiteDir, env: pytestEnv(scale), timeoutMs: PYTEST_TIMEOUT_MS });
  const failure = failureOf('xdist', result);
  return { makespan: result.seconds, shardSeconds: [result.seconds], failures: failure ? [failure] : [], junitReports: [] };
}

/**
 * The plan's shards as concurrent `python -m pytest @ids-k.txt` processes, as QAtron's shard
 * activities run them (DESIGN step 3, JUnit XML included). The makespan runs from the first spawn
 * to the last exit.
 */
async function runPlan(python: string, suiteDir: string, plan: ShardPlan, label: string, scale: number): Promise<Execution> {
  const work = join(suiteDir, '.bench', `${label}-${scale}`);
  await mkdir(work, { recursive: true });
  const shards = await Promise.all(
    plan.shards.map(async (shard) => {
      const ids = join(work, `ids-${shard.index}.txt`);
      await writeFile(ids, `${shard.testIds.join('\n')}\n`);
      return { shard, ids, junit: join(work, `junit-${shard.index}.xml`) };
    }),
  );
  const results = await Promise.all(
    shards.map(({ ids, junit }) => run(python, ['-m', 'pytest', `@${ids}`, '-q', '-p', 'no:cacheprovider', `--junitxml=${junit}`], { cwd: suiteDir, env: pytestEnv(scale), timeoutMs: PYTEST_TIMEOUT_MS })),
  );
  const first = Math.min(...results.map((r) => r.startedAt));
  const last = Math.max(...results.map((r) => r.exitedAt));
  const failures = results.flatMap((r, k) => failureOf(`${label} shard ${k}`, r) ?? []);
  const junitReports = await Promise.all(shards.map(({ junit }) => readFile(junit, 'utf8').catch(() => '')));
  return { makespan: (last - first) / 1000, shardSeconds: results.map((r) => r.seconds), failures, junitReports };
}

/** Prints the failures of an execution, if any: a failing run's figures are not trustworthy. */
function reportFailures(execution: Execution): void {
  for (const failure of execution.failures) console.warn(`warning: ${failure}`);
}

async function main(tempDirs: string[]): Promise<void> {
  const suite = generateSuite(SEED);
  const fileSeconds = new Map(suite.files.map((f) => [f.path, f.ms / 1000]));
  const lowerBound = makespanLowerBound([...fileSeconds.values()], SHARDS);
  const longest = Math.max(...fileSeconds.values());
  const heaviest = [...suite.files].sort((a, b) => b.ms - a.ms).slice(0, 5);
  console.log(`suite (seed ${SEED}): ${suite.testCount} tests in ${suite.files.length} files, total ${fmtSeconds(suite.totalMs / 1000)} s, longest file ${fmtSeconds(longest)} s`);
  console.log(`  heaviest files: ${heaviest.map((f) => `${f.path} ${fmtSeconds(f.ms / 1000)} s/${f.tests.length} tests`).join(', ')}`);
  console.log(`  lower bound for ${SHARDS} shards: max(total/${SHARDS} = ${fmtSeconds(suite.totalMs / 1000 / SHARDS)}, longest = ${fmtSeconds(longest)}) = ${fmtSeconds(lowerBound)} s`);

  const python = await ensureVenv();
  const suiteDir = await mkdtemp(join(tmpdir(), 'qatron-bench-shards-'));
  tempDirs.push(suiteDir);
  await writeSuite(suiteDir, suite);

  // Collection also imports every module once, so no measured run pays the first bytecode compile.
  const ids = await collect(python, suiteDir);
  const collectedFiles = new Set(ids.map(testFile));
  console.log(`collected ${ids.length} test ids in ${collectedFiles.size} files`);
  if (ids.length !== suite.testCount) console.warn(`warning: generated ${suite.testCount} tests but pytest collected ${ids.length}`);

  // a. pytest-xdist: start-up (zero-sleep run of the same suite), then the measured run.
  console.log('running a. pytest -n 4 --dist=loadfile (zero-sleep, then measured) ...');
  const xdistStartup = await runXdist(python, suiteDir, 0);
  const xdist = await runXdist(python, suiteDir, 1);
  [xdistStartup, xdist].forEach(reportFailures);

  // b. QAtron's plan without history: weights are test counts.
  const planB = planShards(ids, SHARDS);
  console.log(`running b. QAtron plan without history (basis ${planB.basis}) ...`);
  const bStartup = await runPlan(python, suiteDir, planB, 'b', 0);
  const b = await runPlan(python, suiteDir, planB, 'b', 1);
  [bStartup, b].forEach(reportFailures);

  // c. QAtron's plan with history: per-file durations from b's JUnit XML, as step 4 records them.
  const history = fileDurationsFromJunit(b.junitReports, collectedFiles);
  const planC = planShards(ids, SHARDS, history);
  console.log(`running c. QAtron plan with history (basis ${planC.basis}, ${planC.filesWithHistory} files with history, ${planC.filesWithoutHistory} without) ...`);
  const cStartup = await runPlan(python, suiteDir, planC, 'c', 0);
  const c = await runPlan(python, suiteDir, planC, 'c', 1);
  [cStartup, c].forEach(reportFailures);

  const historyTotal = [...history.values()].reduce((a, v) => a + v, 0);
  console.log(`history from b's JUnit XML: ${history.size} files, total ${fmtSeconds(historyTotal)} s (known sleeps ${fmtSeconds(suite.totalMs / 1000)} s)`);

  console.log('');
  const rows = [
    ['strategy', 'makespan s', 'start-up s', 'adjusted s', 'lower bound s', 'ratio', 'adj. ratio', 'plan estimate', 'plan ideal s'],
    strategyRow('a. pytest-xdist --dist=loadfile -n 4', xdist, xdistStartup, lowerBound, '–', undefined),
    strategyRow('b. QAtron plan, no history', b, bStartup, lowerBound, `${planEstimate(planB)} tests`, planIdealMakespan(planB, fileSeconds)),
    strategyRow('c. QAtron plan, with history', c, cStartup, lowerBound, `${fmtSeconds(planEstimate(planC))} s`, planIdealMakespan(planC, fileSeconds)),
  ];
  console.log(formatTable(rows));
  console.log('  start-up = the same strategy with every sleep scaled to 0; adjusted = makespan - start-up;');
  console.log('  plan ideal = the plan\'s longest shard by the known sleeps (planning loss alone, no process overhead).');

  console.log('');
  const shardRows = [['plan', 'shard', 'files', 'tests', 'estimate', 'ideal s', 'measured s', 'start-up s', 'measured - start-up s']];
  for (const [name, plan, execution, startup] of [['b', planB, b, bStartup], ['c', planC, c, cStartup]] as const) {
    for (const shard of plan.shards) {
      const measured = execution.shardSeconds[shard.index]!;
      const overhead = startup.shardSeconds[shard.index]!;
      shardRows.push([
        name,
        String(shard.index),
        String(shard.files.length),
        String(shard.testIds.length),
        plan.basis === 'history' ? fmtSeconds(shard.estimatedWeight) : `${shard.estimatedWeight} tests`,
        fmtSeconds(shardIdealSeconds(shard.files, fileSeconds)),
        fmtSeconds(measured),
        fmtSeconds(overhead),
        fmtSeconds(measured - overhead),
      ]);
    }
  }
  console.log(formatTable(shardRows));

  const ratioC = makespanRatio(c.makespan, lowerBound);
  const adjustedC = makespanRatio(startupAdjusted(c.makespan, cStartup.makespan), lowerBound);
  const idealC = planIdealMakespan(planC, fileSeconds);
  console.log('');
  console.log(`verdict: QAtron's plan with history ratio ${fmtRatio(ratioC)} (target <= ${TARGET_RATIO.toFixed(2)}): ${verdict(ratioC, TARGET_RATIO).toUpperCase()}` + ` (start-up-adjusted ${fmtRatio(adjustedC)}; xdist ${fmtRatio(makespanRatio(xdist.makespan, lowerBound))}, adjusted ${fmtRatio(makespanRatio(startupAdjusted(xdist.makespan, xdistStartup.makespan), lowerBound))})`);
  // Where the distance to the bound goes: the plan itself (ideal vs bound), the fixed start-up of
  // a pytest process (which the bound ignores), and whatever is left (per-test overhead, jitter).
  const meanStartup = cStartup.shardSeconds.reduce((a, v) => a + v, 0) / Math.max(1, cStartup.shardSeconds.length);
  console.log(
    `  c's distance to the bound: plan ${fmtSeconds(idealC - lowerBound)} s (ideal/bound ${fmtRatio(makespanRatio(idealC, lowerBound))}), ` +
      `start-up ${fmtSeconds(cStartup.makespan)} s (mean shard ${fmtSeconds(meanStartup)} s), rest ${fmtSeconds(c.makespan - idealC - cStartup.makespan)} s`,
  );
  const failures = [xdistStartup, xdist, bStartup, b, cStartup, c].reduce((n, e) => n + e.failures.length, 0);
  if (failures > 0) console.warn(`warning: ${failures} pytest process(es) failed; the figures above are suspect`);
}

/** One line of the summary table. */
function strategyRow(name: string, execution: Execution, startup: Execution, lowerBound: number, estimate: string, ideal: number | undefined): string[] {
  const adjusted = startupAdjusted(execution.makespan, startup.makespan);
  return [
    name,
    fmtSeconds(execution.makespan),
    fmtSeconds(startup.makespan),
    fmtSeconds(adjusted),
    fmtSeconds(lowerBound),
    fmtRatio(makespanRatio(execution.makespan, lowerBound)),
    fmtRatio(makespanRatio(adjusted, lowerBound)),
    estimate,
    fmtSeconds(ideal),
  ];
}

const tempDirs: string[] = [];
const cleanUp = async () => {
  killAll();
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
};
process.once('SIGINT', () => {
  console.warn('interrupted: stopping the pytest processes and removing the temporary suite');
  void cleanUp().finally(() => process.exit(130));
});
try {
  await main(tempDirs);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
