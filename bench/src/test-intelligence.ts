/**
 * The test-health bench (issue 15 item 6): how well per-test health (domain/test-health) tells
 * flaky tests from stable ones and from real regressions, on a generated pytest repository pushed
 * through the real stack (the bench stack: embedded PostgreSQL, Temporal dev server, the API in
 * this process, a worker process running pytest), run after run.
 *
 *   bash scripts/bootstrap.sh --run node --import tsx bench/src/test-intelligence.ts \
 *     [--tests 2000] [--files 40] [--runs 30] [--seed 15] [--shards 2] [--commit-every 5] [--simulate 200] [--keep]
 *
 * The repository (test-intelligence/render.ts): `--tests` tests in `--files` files, 2% flaky with
 * failure probabilities from 10% to 40% (drawn while pytest runs, seeded per run through an
 * environment variable), 1% regressions that a commit breaks at a random run and that keep
 * failing, the rest stable. The suite runs with `--shards` shards, coverage off and retries 0: a
 * retry inside the shard would hand the classifier pass-on-retry, the one signal a CI without
 * retries does not have, and the bench measures the history rules. Commits: one at run 1, one at
 * every run where a regression starts, and a routine one every `--commit-every` runs; the runs in
 * between retest the same commit. A throwaway warm-up run in a suite of its own builds the
 * worker's venv first (not counted).
 *
 * Printed: per run its commit and counts, then precision and recall of `flaky`, regressions
 * labelled flaky and broken, the confusion matrix (from GET /api/v1/projects/{id}/tests), every
 * mislabelled test with the rule that decided, wall time and seed; and, for scale, the same
 * scores over `--simulate` plans of the same sizes computed offline (test-intelligence/simulate.ts:
 * one bench run is one draw). Figures are printed, never asserted (DESIGN "Testing tiers").
 */
import { chmod, mkdtemp } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiCall, finished, trigger } from './run-overhead/measure.js';
import { removeBenchLeftovers, runBenchMain } from './run-overhead/lifecycle.js';
import { startBenchStack, type BenchStack } from './run-overhead/stack.js';
import { fetchTestHealth, labelsOf, mislabelledLines, unseenFlaky } from './test-intelligence/health.js';
import { DEFAULT_OPTIONS, groundTruth, planTestIntelligence, type TestIntelligenceOptions, type TestIntelligencePlan, warmupFile } from './test-intelligence/plan.js';
import { flakeSeed, FLAKE_SEED_VARIABLE } from './test-intelligence/render.js';
import { commitRunState } from './test-intelligence/repository.js';
import { scoreClassifications, scoreLines } from './test-intelligence/score.js';
import { simulateScores, simulationLines } from './test-intelligence/simulate.js';

const RUN_TIMEOUT_MS = 15 * 60_000;
const SUITE = 'health';
const ENVIRONMENT = 'bench';
const interrupt = new AbortController();
const log = (line: string) => console.log(line);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const seconds = (fromMs: number) => ((Date.now() - fromMs) / 1000).toFixed(1);

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function integerArg(name: string, fallback: number, min = 1): number {
  const raw = argValue(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} wants an integer of at least ${min}, got ${raw}`);
  return value;
}

const SHARDS = integerArg('--shards', 2);

function optionsFromArgs(): TestIntelligenceOptions {
  return {
    ...DEFAULT_OPTIONS,
    seed: integerArg('--seed', DEFAULT_OPTIONS.seed, 0),
    tests: integerArg('--tests', DEFAULT_OPTIONS.tests),
    files: integerArg('--files', DEFAULT_OPTIONS.files),
    runs: integerArg('--runs', DEFAULT_OPTIONS.runs, 2),
    commitEvery: integerArg('--commit-every', DEFAULT_OPTIONS.commitEvery, 0),
  };
}

interface BenchProject {
  id: number;
  environmentId: number;
  repoUrl: string;
}

/** The project, its environment and the measured suite (coverage off, retries 0), plus a warm-up suite. */
async function createProject(stack: BenchStack, token: string, repoUrl: string, warmupPath: string): Promise<BenchProject> {
  const project = await apiCall<{ id: number }>(stack, token, 'POST', '/api/v1/projects', { name: 'test-health-bench', repo_url: repoUrl }, 201);
  const environment = await apiCall<{ id: number }>(stack, token, 'POST', `/api/v1/projects/${project.id}/environments`, { name: ENVIRONMENT, kind: 'development' }, 201);
  await apiCall(stack, token, 'POST', `/api/v1/projects/${project.id}/suites`, { name: SUITE, shards: SHARDS, retries: 0, coverage: false }, 201);
  await apiCall(stack, token, 'POST', `/api/v1/projects/${project.id}/suites`, { name: 'warmup', shards: 1, retries: 0, coverage: false, paths: [warmupPath] }, 201);
  return { id: project.id, environmentId: environment.id, repoUrl };
}

/** One run of `suite` to its end (the workflow done: verdict, test health and report recorded). */
async function runToEnd(stack: BenchStack, project: BenchProject, suite: string, flakeSeedValue: string) {
  const token = await stack.adminToken();
  await apiCall(stack, token, 'PUT', `/api/v1/environments/${project.environmentId}`, { variables: { [FLAKE_SEED_VARIABLE]: flakeSeedValue } }, 200);
  const triggered = await trigger(stack, token, { projectId: project.id, suite, environment: ENVIRONMENT });
  return finished(stack, triggered.runId, RUN_TIMEOUT_MS, interrupt.signal);
}

/** The plan's runs through the stack, committing where the plan says; each run's id joins `runIds`. */
async function pushRuns(stack: BenchStack, project: BenchProject, plan: TestIntelligencePlan, repo: string, runIds: number[]): Promise<void> {
  for (const planned of plan.runs) {
    if (planned.run > 1 && planned.newCommit) await commitRunState(repo, plan, planned.run);
    const started = Date.now();
    const run = await runToEnd(stack, project, SUITE, flakeSeed(plan.options.seed, planned.run));
    runIds.push(run.id);
    const change = planned.newCommit ? ` new commit (${planned.commitReason})` : ' same commit';
    log(`run ${planned.run}/${plan.runs.length}: id ${run.id}, ${(run.commit ?? '?').slice(0, 10)}${change}: ${run.status}, ${run.passedTests} passed, ${run.failedTests} failed, ${run.errorTests} errors, ${seconds(started)} s (load ${load()})`);
  }
}

/** The mix of commits, in words, for the output. */
function commitMix(plan: TestIntelligencePlan): string {
  const commits = plan.runs.filter((r) => r.newCommit);
  const breaking = commits.filter((r) => r.regressions.length > 0).length;
  const routine = commits.length - breaking - 1;
  return `${commits.length} commits over ${plan.runs.length} runs: the initial one, ${breaking} that break tests (at runs ${commits.filter((r) => r.regressions.length).map((r) => r.run).join(', ') || 'none'}), ${routine} routine release bump(s) (every ${plan.options.commitEvery} runs when no regression lands then); the other ${plan.runs.length - commits.length} runs retest the commit before them`;
}

/** Reads the classifications back and prints the score. */
async function report(stack: BenchStack, project: BenchProject, plan: TestIntelligencePlan, startedMs: number, runsMs: number): Promise<void> {
  const rows = await fetchTestHealth(stack, await stack.adminToken(), project.id, { suite: SUITE, environment: ENVIRONMENT });
  const score = scoreClassifications(groundTruth(plan), labelsOf(rows));
  const { options } = plan;
  log(`\n=== test-health bench: ${options.tests} tests / ${options.files} files, ${options.runs} runs, ${SHARDS} shards, coverage off, retries 0, seed ${options.seed} ===`);
  log(`truth: ${plan.tests.filter((t) => t.kind === 'flaky').length} flaky (p ${options.minFailureProbability}-${options.maxFailureProbability}), ${plan.tests.filter((t) => t.kind === 'regression').length} regressions, ${plan.tests.filter((t) => t.kind === 'stable').length} stable; ${rows.length} health rows read from the API`);
  log(`commits: ${commitMix(plan)}`);
  for (const line of scoreLines(score)) log(line);
  const unseen = unseenFlaky(plan.tests, rows);
  log(`\nflaky tests that never failed in their window (no history can reveal them): ${unseen.length}${unseen.length ? ` (${unseen.map((t) => `${t.nodeId} p=${t.failureProbability}`).join(', ')})` : ''}`);
  const mislabelled = mislabelledLines(plan.tests, rows);
  log(`mislabelled tests (truth -> label by rule): ${mislabelled.length === 0 ? 'none' : ''}`);
  for (const line of mislabelled) log(line);
  const wallSeconds = seconds(startedMs);
  const plans = integerArg('--simulate', 200, 0);
  if (plans > 0) for (const line of ['', ...simulationLines(simulateScores(options, plans))]) log(line);
  log(`\nwall time: ${wallSeconds} s in all (stack start to classifications read), ${(runsMs / 1000).toFixed(1)} s for the ${options.runs} runs (${(runsMs / 1000 / options.runs).toFixed(1)} s a run, each to its workflow's end); seed ${options.seed}; ${cpus().length} cores, load average ${load()}`);
}

async function main(): Promise<number> {
  const startedMs = Date.now();
  const plan = planTestIntelligence(optionsFromArgs());
  const tempDir = await mkdtemp(join(tmpdir(), 'qatron-bench-test-health-'));
  // As root, PostgreSQL runs as the `postgres` user, which must reach its data directory in here.
  await chmod(tempDir, 0o755);
  let stack: BenchStack | undefined;
  let project: BenchProject | undefined;
  const runIds: number[] = [];
  try {
    log(`QAtron test-health bench: ${plan.options.tests} tests in ${plan.options.files} files, ${plan.options.runs} runs, seed ${plan.options.seed}; ${cpus().length} cores, load average ${load()}; temporary directory ${tempDir}`);
    const repo = join(tempDir, 'repo');
    const first = await commitRunState(repo, plan, 1);
    log(`repository ${repo}, first commit ${first.slice(0, 10)}`);
    stack = await startBenchStack({ tempDir, workers: 1, shardSlots: SHARDS, signal: interrupt.signal, log: (l) => log(`  ${l}`) });
    project = await createProject(stack, await stack.adminToken(), repo, warmupFile(plan));
    const warmupStarted = Date.now();
    const warmup = await runToEnd(stack, project, 'warmup', 'warmup');
    runIds.push(warmup.id);
    log(`warm-up run ${warmup.id} (${warmupFile(plan)}, its own suite): ${warmup.status} in ${seconds(warmupStarted)} s (builds the worker's venv; not counted)`);
    const runsStarted = Date.now();
    await pushRuns(stack, project, plan, repo, runIds);
    const runsMs = Date.now() - runsStarted;
    await report(stack, project, plan, startedMs, runsMs);
    if (stack.apiErrors.length) console.error(`\nthe API logged errors:\n${stack.apiErrors.join('\n')}`);
    return 0;
  } finally {
    await stack?.close();
    await removeBenchLeftovers(project, runIds, tempDir);
  }
}

runBenchMain(main, interrupt);
