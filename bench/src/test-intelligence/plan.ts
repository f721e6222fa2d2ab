/**
 * The ground truth of the test-health bench (issue 15 item 6), pure: which generated tests are
 * stable, which are flaky (and how often they fail), which become real regressions (and at which
 * run), and on which runs the repository gets a new commit. The classifier never sees any of it:
 * the rendered repository (render.ts) makes flaky tests fail at random while pytest runs them, and
 * regressions fail because a commit changed the code they test.
 */
import { apportion, seededRandom } from '../shard-plan/suite.js';

/** What a test really is. */
export const TEST_KINDS = ['stable', 'flaky', 'regression'] as const;
export type TestKind = (typeof TEST_KINDS)[number];

export interface TestIntelligenceOptions {
  seed: number;
  tests: number;
  files: number;
  runs: number;
  /** Share of flaky tests (issue: 2%). */
  flakyShare: number;
  /** Share of tests that become regressions (issue: 1%). */
  regressionShare: number;
  /** Failure probability of a flaky test, drawn uniformly in [min, max] (issue: 10% to 40%). */
  minFailureProbability: number;
  maxFailureProbability: number;
  /** A routine commit (no test broken) every this many runs; 0: none. */
  commitEvery: number;
}

export const DEFAULT_OPTIONS: TestIntelligenceOptions = {
  seed: 15,
  tests: 2000,
  files: 40,
  runs: 30,
  flakyShare: 0.02,
  regressionShare: 0.01,
  minFailureProbability: 0.1,
  maxFailureProbability: 0.4,
  commitEvery: 5,
};

export interface PlannedTest {
  nodeId: string;
  file: string;
  name: string;
  /** The catalogue item the test checks (render.ts): unique per test. */
  item: number;
  kind: TestKind;
  /** A flaky test's chance to fail in a run; null otherwise. */
  failureProbability: number | null;
  /** A regression's first failing run (1-based; its commit breaks the test); null otherwise. */
  regressesAtRun: number | null;
}

export interface PlannedRun {
  /** 1-based. */
  run: number;
  /** Whether the run tests a new commit (run 1: the initial one). */
  newCommit: boolean;
  /** Why the commit was made ('' on a run without one). */
  commitReason: string;
  /** Node ids whose regression starts at this run (its commit breaks them). */
  regressions: string[];
}

export interface TestIntelligencePlan {
  options: TestIntelligenceOptions;
  tests: PlannedTest[];
  runs: PlannedRun[];
}

/** Fisher-Yates with the seeded source. */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function checkOptions(o: TestIntelligenceOptions): void {
  const positive = { tests: o.tests, files: o.files, runs: o.runs };
  for (const [name, value] of Object.entries(positive)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  }
  if (o.files > o.tests) throw new Error(`files (${o.files}) must not exceed tests (${o.tests})`);
  if (o.runs < 2) throw new Error('runs must be at least 2: a regression needs a run before it');
  if (!(o.minFailureProbability > 0 && o.minFailureProbability <= o.maxFailureProbability && o.maxFailureProbability < 1)) {
    throw new Error(`failure probabilities must satisfy 0 < min <= max < 1, got ${o.minFailureProbability}..${o.maxFailureProbability}`);
  }
}

/** The test list: `files` files, tests apportioned evenly, each checking its own catalogue item. */
function plannedTests(options: TestIntelligenceOptions): Array<Pick<PlannedTest, 'nodeId' | 'file' | 'name' | 'item'>> {
  const perFile = apportion(options.tests, Array.from({ length: options.files }, () => 1), 1);
  const width = String(options.files).length;
  const itemWidth = String(options.tests - 1).length;
  const tests: Array<Pick<PlannedTest, 'nodeId' | 'file' | 'name' | 'item'>> = [];
  perFile.forEach((count, f) => {
    const file = `tests/test_catalog_${String(f + 1).padStart(width, '0')}.py`;
    for (let k = 0; k < count; k++) {
      const item = tests.length;
      const name = `test_item_${String(item).padStart(itemWidth, '0')}`;
      tests.push({ nodeId: `${file}::${name}`, file, name, item });
    }
  });
  return tests;
}

/**
 * The plan for `options`, the same for the same options: flaky and regressing tests drawn at
 * random among all tests; each regression starts at a run drawn uniformly from 2 to `runs` (it
 * passed at least once, as a regression does); a new commit at run 1, at every run where a
 * regression starts, and a routine one every `commitEvery` runs; the other runs retest the commit
 * before them (nightly runs, re-triggered pipelines).
 */
export function planTestIntelligence(options: TestIntelligenceOptions = DEFAULT_OPTIONS): TestIntelligencePlan {
  checkOptions(options);
  const random = seededRandom(options.seed);
  const base = plannedTests(options);
  const flakyCount = Math.round(options.tests * options.flakyShare);
  const regressionCount = Math.round(options.tests * options.regressionShare);
  if (flakyCount + regressionCount > options.tests) throw new Error('flaky and regression shares exceed the suite');
  const order = shuffled(base.map((_, i) => i), random);
  const kinds = new Map<number, TestKind>();
  order.slice(0, flakyCount).forEach((i) => kinds.set(i, 'flaky'));
  order.slice(flakyCount, flakyCount + regressionCount).forEach((i) => kinds.set(i, 'regression'));
  const span = options.maxFailureProbability - options.minFailureProbability;
  const tests: PlannedTest[] = base.map((t, i) => {
    const kind = kinds.get(i) ?? 'stable';
    return {
      ...t,
      kind,
      failureProbability: kind === 'flaky' ? Number((options.minFailureProbability + random() * span).toFixed(3)) : null,
      regressesAtRun: kind === 'regression' ? 2 + Math.floor(random() * (options.runs - 1)) : null,
    };
  });
  return { options, tests, runs: plannedRuns(options, tests) };
}

function plannedRuns(options: TestIntelligenceOptions, tests: readonly PlannedTest[]): PlannedRun[] {
  return Array.from({ length: options.runs }, (_, i) => {
    const run = i + 1;
    const regressions = tests.filter((t) => t.regressesAtRun === run).map((t) => t.nodeId);
    const routine = run > 1 && options.commitEvery > 0 && (run - 1) % options.commitEvery === 0;
    let commitReason = '';
    if (run === 1) commitReason = 'initial commit';
    else if (regressions.length > 0) commitReason = `price change that breaks ${regressions.length} test(s)`;
    else if (routine) commitReason = 'routine release bump';
    return { run, newCommit: commitReason !== '', commitReason, regressions };
  });
}

/** The tests a regression has broken by run `run` (their regression started at or before it). */
export function brokenBy(plan: TestIntelligencePlan, run: number): Set<string> {
  return new Set(plan.tests.filter((t) => t.regressesAtRun !== null && t.regressesAtRun <= run).map((t) => t.nodeId));
}

/** How many commits the plan makes before run `run` is tested (run 1's included): the release number. */
export function releaseAt(plan: TestIntelligencePlan, run: number): number {
  return plan.runs.filter((r) => r.run <= run && r.newCommit).length;
}

/** A file for the warm-up run: the first without a flaky test, so that the warm-up passes. */
export function warmupFile(plan: TestIntelligencePlan): string {
  const flakyFiles = new Set(plan.tests.filter((t) => t.kind === 'flaky').map((t) => t.file));
  return plan.tests.find((t) => !flakyFiles.has(t.file))?.file ?? plan.tests[0]!.file;
}

/** The ground truth the score compares against: node id → kind. */
export function groundTruth(plan: TestIntelligencePlan): Map<string, TestKind> {
  return new Map(plan.tests.map((t) => [t.nodeId, t.kind]));
}
