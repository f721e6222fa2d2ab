/**
 * Orchestration overhead of a run (issue: "`bench/` prints … the orchestration overhead in seconds
 * (submit -> all shards running; last test done -> run final). Targets on a warm stack: each
 * overhead <= 3 s."), on a stack of its own: embedded PostgreSQL, a Temporal dev server, the API
 * in this process and 2 worker processes with 2 shard slots each, running the green fixture
 * repository (15 tests) as a 4-shard suite. One warm-up run (mirror clone, venv build on the first
 * bench run ever, JIT), then K measured runs one after the other.
 *
 *   bash scripts/bootstrap.sh --run node --import tsx bench/src/run-overhead.ts [--runs K] [--no-probe]
 *
 * Definitions (run-overhead/timeline.ts), all from timestamps of the one machine's clock:
 *   submit → all shards running: from just before POST /api/v1/runs to the moment the last of the
 *     shards' pytest sessions started (pytest_sessionstart, the JUnit XML `timestamp`: the shard's
 *     run lookup, git fetch, checkout, venv lookup and pytest's own start-up are all behind it).
 *   last test done → run final: from the end of the last test (Allure `stop`, fixture teardown
 *     included) of any shard to the run's `completed_at`, which finalizeRun writes in the
 *     transaction that sets the final status; the workflow's completion event is printed beside it.
 * Each is split into the steps of its critical path from the workflow history (fetchHistory of
 * `run-<id>`), the shards' artifacts and the rows they wrote. A probe then times the shard
 * activity's own steps (fetch, checkout, venv lookup, pytest start-up/exit, tar) one by one.
 *
 * Loopback only and self-contained: everything runs in a temporary directory removed at the end
 * (also on error or Ctrl-C); the workers' git mirrors and venvs are cached under
 * .tools/cache/bench-worker (the bench's own mirror is removed, the venv kept). The first bench
 * run on a machine installs the fixture's venv from PyPI. Figures are printed, never asserted
 * (DESIGN "Testing tiers"): the exit code is 0 whether the targets are met or not.
 */
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFixtureRepository, GREEN_TEST_IDS } from '@qatron/activities/testing/fixture-repo';
import { mirrorPath } from '@qatron/activities/execution/index';
import { type Run, Suite } from '@qatron/domain';
import { REPO_ROOT } from '@qatron/scripts/embedded/temporal';
import { analyzeFinishedRun, apiCall as api, finished, guarded as guardedBy, trigger, type RunTarget } from './run-overhead/measure.js';
import { PROBE_STEPS, probeCollection, probeShards, type ProbedShard, type ProbeTarget } from './run-overhead/probe.js';
import { componentSummary, fmt, runReport, shardSummary, spread, table, TARGET_SECONDS, verdict } from './run-overhead/report.js';
import { runBenchMain } from './run-overhead/lifecycle.js';
import { BENCH_WORKER_CACHE, startBenchStack, type BenchStack } from './run-overhead/stack.js';
import type { RunOverhead } from './run-overhead/timeline.js';

const SHARDS = 4;
const WORKERS = 2;
const SHARD_SLOTS = 2;
const WARMUP_TIMEOUT_MS = 15 * 60_000;
const RUN_TIMEOUT_MS = 3 * 60_000;
/** Between measured runs: lets the previous run's stragglers (worker cleanup, Temporal) settle. */
const PAUSE_MS = 1_500;

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const MEASURED_RUNS = Math.max(1, Number(argValue('--runs') ?? 5) || 5);
const PROBE = !process.argv.includes('--no-probe');

const interrupt = new AbortController();

/** `promise`, or a rejection on Ctrl-C, on timeout, or when a worker process dies. */
const guarded = <T>(promise: Promise<T>, what: string, timeoutMs: number, stack?: BenchStack): Promise<T> => guardedBy(promise, what, timeoutMs, interrupt.signal, stack);

const TARGET = (projectId: number): RunTarget => ({ projectId, suite: 'regression', environment: 'staging' });

interface Measured {
  run: Run;
  overhead: RunOverhead;
}

async function measureRun(stack: BenchStack, token: string, projectId: number, timeoutMs: number): Promise<Measured> {
  const t = await trigger(stack, token, TARGET(projectId));
  const run = await finished(stack, t.runId, timeoutMs, interrupt.signal);
  const { overhead } = await analyzeFinishedRun(stack, t, run, SHARDS);
  return { run, overhead };
}

function runCheck(run: Run): string | undefined {
  const expected = GREEN_TEST_IDS.length;
  if (run.status === 'completed' && run.totalTests === expected) return undefined;
  return `WARNING: run ${run.id} ended ${run.status} with ${run.totalTests}/${expected} tests (${run.statusReason ?? 'no reason'}): its figures may not be comparable`;
}

const venvCount = async () => (await readdir(join(BENCH_WORKER_CACHE, 'venvs')).catch(() => [] as string[])).filter((n) => !n.startsWith('.') && !n.endsWith('.lock')).length;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

function probeTable(parallel: ProbedShard[], serial: ProbedShard[], collect: { collect: number; tests: number }): string[] {
  const rows = PROBE_STEPS.map(([key, label]) => {
    const p = spread(parallel.map((s) => s[key]));
    const s = spread(serial.map((x) => x[key]));
    return [label, fmt(p.median), fmt(p.max), fmt(s.median), fmt(s.max)];
  });
  rows.push([`pytest --collect-only (prepareRun; ${collect.tests} tests)`, '', '', fmt(collect.collect), fmt(collect.collect)]);
  return table(['step (seconds)', `${parallel.length} at once: median`, 'max', 'one at a time: median', 'max'], rows, '  ');
}

async function main(): Promise<number> {
  const tempDir = await mkdtemp(join(tmpdir(), 'qatron-bench-overhead-'));
  // As root, PostgreSQL runs as the `postgres` user, which must reach its data directory in here.
  await chmod(tempDir, 0o755);
  let stack: BenchStack | undefined;
  let project: { id: number; repoUrl: string } | undefined;
  const runIds: number[] = [];
  try {
    console.log(`QAtron run-overhead bench: ${WORKERS} worker processes × ${SHARD_SLOTS} shard slots, green fixture (${GREEN_TEST_IDS.length} tests) in ${SHARDS} shards, 1 warm-up + ${MEASURED_RUNS} measured runs`);
    console.log(`machine: load average ${load()} (1/5/15 min) on 2 cores; temporary directory ${tempDir}`);
    // Not raced against Ctrl-C: the start checks the signal between steps and stops what it started.
    stack = await startBenchStack({ tempDir, workers: WORKERS, shardSlots: SHARD_SLOTS, signal: interrupt.signal, log: (l) => console.log(`  ${l}`) });
    const token = await stack.adminToken();

    const fixture = await createFixtureRepository(join(tempDir, 'fixture'), { variant: 'green' });
    const created = await api<{ id: number }>(stack, token, 'POST', '/api/v1/projects', { name: 'overhead-bench', repo_url: fixture.path }, 201);
    project = { id: created.id, repoUrl: fixture.path };
    await api(stack, token, 'POST', `/api/v1/projects/${project.id}/environments`, { name: 'staging', kind: 'staging', base_url: 'https://staging.shop.test', variables: { SHOP_CURRENCY: 'EUR' } }, 201);
    await api(stack, token, 'POST', `/api/v1/projects/${project.id}/suites`, { name: 'regression', shards: SHARDS }, 201);

    const venvsBefore = await venvCount();
    const warmStart = Date.now();
    const warm = await measureRun(stack, token, project.id, WARMUP_TIMEOUT_MS);
    runIds.push(warm.run.id);
    const built = (await venvCount()) > venvsBefore;
    console.log(
      `\nwarm-up run ${warm.run.id}: ${warm.run.status} in ${fmt((Date.now() - warmStart) / 1000, 1)} s (${built ? 'venv built now' : 'venv reused from an earlier bench run'}, mirror cloned); ` +
        `submit → all shards running ${fmt(warm.overhead.submitToRunning.seconds)} s, last test done → run final ${fmt(warm.overhead.lastTestToFinal.seconds)} s (not counted)`,
    );
    const warmCheck = runCheck(warm.run);
    if (warmCheck) console.log(warmCheck);

    const measured: Measured[] = [];
    for (let k = 1; k <= MEASURED_RUNS; k++) {
      await guarded(new Promise((r) => setTimeout(r, PAUSE_MS)), 'the pause between runs', PAUSE_MS + 5_000);
      const loadBefore = load();
      const m = await measureRun(stack, token, project.id, RUN_TIMEOUT_MS);
      runIds.push(m.run.id);
      measured.push(m);
      console.log('');
      for (const line of runReport(`measured run ${k}/${MEASURED_RUNS} (run ${m.run.id}, load average before ${loadBefore}, after ${load()})`, m.overhead)) console.log(line);
      const check = runCheck(m.run);
      if (check) console.log(check);
    }

    const start = spread(measured.map((m) => m.overhead.submitToRunning.seconds));
    const end = spread(measured.map((m) => m.overhead.lastTestToFinal.seconds));
    const toWorkflow = spread(measured.map((m) => m.overhead.lastTestToFinal.toWorkflowCompletedSeconds));
    const firstTests = spread(measured.map((m) => m.overhead.submitToRunning.firstTestsSeconds));
    console.log(`\n=== summary over ${measured.length} measured runs (seconds) ===`);
    console.log(`per run, submit → all shards running: ${measured.map((m) => fmt(m.overhead.submitToRunning.seconds, 2)).join('  ')}`);
    console.log(`per run, last test done → run final:   ${measured.map((m) => fmt(m.overhead.lastTestToFinal.seconds, 2)).join('  ')}`);
    for (const line of table(
      ['overhead', 'median', 'max', 'min', `target <= ${TARGET_SECONDS} s`],
      [
        ['submit → all shards running (last pytest session start)', fmt(start.median), fmt(start.max), fmt(start.min), verdict(start)],
        ['last test done → run final (runs.completed_at)', fmt(end.median), fmt(end.max), fmt(end.min), verdict(end)],
        ['  (submit → every shard in its first test)', fmt(firstTests.median), fmt(firstTests.max), fmt(firstTests.min), ''],
        ['  (last test done → workflow completed event)', fmt(toWorkflow.median), fmt(toWorkflow.max), fmt(toWorkflow.min), ''],
      ],
      '',
    )) {
      console.log(line);
    }
    console.log('\nsubmit → all shards running, step by step (each step ends at the milestone named):');
    for (const line of componentSummary(measured.map((m) => m.overhead.submitToRunning.segments))) console.log(line);
    console.log('\nlast test done → run final, step by step (steps after "run final" are not part of the overhead):');
    for (const line of componentSummary(measured.map((m) => m.overhead.lastTestToFinal.segments))) console.log(line);
    console.log(`\nper shard, over ${measured.length * SHARDS} shards:`);
    for (const line of shardSummary(measured.flatMap((m) => m.overhead.shards))) console.log(line);

    if (PROBE) {
      const last = measured.at(-1)!.run;
      // Work is pulled: what each shard ran is in its metadata (files, which pytest takes as ids).
      const shards = last.runMetadata.shards ?? [];
      const suite = await stack.orm.em.fork().findOneOrFail(Suite, { id: last.suite });
      const target: ProbeTarget = {
        cacheDir: BENCH_WORKER_CACHE,
        projectId: project.id,
        repoUrl: project.repoUrl,
        commit: last.commit ?? '',
        frameworkDir: join(REPO_ROOT, 'framework'),
        shards: shards.map((s) => s.files ?? []),
        retries: suite.retries,
        workersPerShard: suite.workersPerShard,
        env: { QATRON_BASE_URL: 'https://staging.shop.test', BASE_URL: 'https://staging.shop.test', SHOP_CURRENCY: 'EUR' },
      };
      const probeDir = join(tempDir, 'probe');
      const parallel = await guarded(probeShards(target, probeDir, true, interrupt.signal), 'the probe', RUN_TIMEOUT_MS);
      const serial = await guarded(probeShards(target, probeDir, false, interrupt.signal), 'the probe', RUN_TIMEOUT_MS);
      const collect = await guarded(probeCollection(target, probeDir, interrupt.signal), 'the probe', RUN_TIMEOUT_MS);
      console.log(`\nprobe of the shard activity's own steps (same functions and worker cache, in this process, workers idle; load average ${load()}):`);
      for (const line of probeTable(parallel, serial, collect)) console.log(line);
    }

    if (stack.apiErrors.length) console.error(`\nthe API logged errors:\n${stack.apiErrors.join('\n')}`);
    console.log(`\nmachine: load average ${load()} at the end. Other jobs on this 2-core machine disturb these figures; compare the load averages printed per run.`);
    return 0;
  } finally {
    await stack?.close();
    if (project) {
      // The fixture repository dies with the temporary directory: its mirror is of no further use.
      const mirror = mirrorPath(join(BENCH_WORKER_CACHE, 'git'), project.id, project.repoUrl);
      await rm(mirror, { recursive: true, force: true });
      await rm(`${mirror}.lock`, { force: true });
    }
    for (const id of runIds) await rm(join(BENCH_WORKER_CACHE, 'runs', String(id)), { recursive: true, force: true });
    await rm(tempDir, { recursive: true, force: true });
  }
}

runBenchMain(main, interrupt);
