/**
 * The plan of the real-world bench's generated suite: which test files exist, how many tests each
 * holds, how long each test takes and what pytest will say about it. Pure data from a seed, so
 * every bench run (and the unit tests) see the same suite; render.ts turns it into Python.
 *
 * Shaped like a large real project (networkx: ~8,900 tests in ~300 files, ~8% xfail, a few dozen
 * modules skipped at import): a long-tailed distribution of time over files (the per-file totals
 * are the shard-plan bench's Pareto draw), test counts per file that vary independently of time,
 * parametrized tests (some whose ids alias), classes, skips, xfails, an xpass, a strict xpass,
 * a few genuine failures and a fixture error.
 */
import { apportion, generateSuite, seededRandom } from '../shard-plan/suite.js';

/** What a test does, and so what pytest reports for it. */
export type TestKind =
  | 'pass'
  | 'fail'
  | 'error'
  | 'skip'
  | 'skipif'
  | 'runtime_skip'
  | 'xfail'
  | 'xfail_strict'
  | 'xpass'
  | 'xpass_strict';

/** pytest's outcomes, as its summary line names them. */
export const OUTCOMES = ['passed', 'failed', 'error', 'skipped', 'xfailed', 'xpassed'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export type OutcomeCounts = Record<Outcome, number>;

/** What pytest reports for each kind; a strict xpass is a failure ("[XPASS(strict)]"). */
export const KIND_OUTCOME: Record<TestKind, Outcome> = {
  pass: 'passed',
  fail: 'failed',
  error: 'error',
  skip: 'skipped',
  skipif: 'skipped',
  runtime_skip: 'skipped',
  xfail: 'xfailed',
  xfail_strict: 'xfailed',
  xpass: 'xpassed',
  xpass_strict: 'failed',
};

export interface PlannedTest {
  kind: TestKind;
  /** Its nominal time (CPU share plus sleep), in milliseconds; skipped tests do not spend it. */
  ms: number;
}

/**
 * How a run of tests is written: one function each, one parametrized function, one parametrized
 * function whose ids alias (`7` and `"7"` both give the id `7`; pytest disambiguates them), or
 * the methods of one class.
 */
export type BlockStyle = 'function' | 'parametrize' | 'alias' | 'class';

export interface PlannedBlock {
  style: BlockStyle;
  tests: PlannedTest[];
}

export interface PlannedFile {
  /** Relative to the repository root, as in pytest node ids. */
  path: string;
  /** The test package (directory under tests/) it lives in. */
  area: string;
  /** The module calls `pytest.importorskip("nonexistent_mod")`: pytest reports one skip for it, none of its tests run. */
  importSkip: boolean;
  /** Module marker (`pytestmark`): the slowest files are `slow`. */
  marker: 'slow' | null;
  /** It defines a module-scoped fixture some of its tests use. */
  moduleFixture: boolean;
  blocks: PlannedBlock[];
  /** Sum of its tests' nominal times (0 for an import-skipped module). */
  ms: number;
}

export interface RealWorldOptions {
  seed: number;
  files: number;
  /** Tests defined over all files, import-skipped modules included. */
  tests: number;
  /** Nominal serial time of every test together, in seconds. */
  targetSeconds: number;
  /** Share of each test's time spent on CPU work in the package under test (the rest sleeps). */
  cpuShare: number;
  /** Share of the files skipped at import. */
  importSkipShare: number;
  /** Share of the tests marked xfail (half of them strict). */
  xfailShare: number;
  /** Share of the tests skipped (skip marker, skipif, pytest.skip in the body). */
  skipShare: number;
  failures: number;
  errors: number;
  xpasses: number;
  strictXpasses: number;
}

export const DEFAULT_OPTIONS: RealWorldOptions = {
  seed: 20261206,
  files: 260,
  tests: 5400,
  targetSeconds: 90,
  cpuShare: 0.3,
  importSkipShare: 0.04,
  xfailShare: 0.06,
  skipShare: 0.03,
  failures: 3,
  errors: 1,
  xpasses: 2,
  strictXpasses: 1,
};

/** Test packages under tests/, one conftest each; files are dealt to them in turn. */
export const AREAS = ['algorithms', 'classes', 'generators', 'linalg', 'readwrite', 'text', 'traversal', 'utils', 'drawing', 'flow'] as const;

export interface RealWorldSuite {
  options: RealWorldOptions;
  files: PlannedFile[];
  /** Tests defined (what `--tests` asked for). */
  testCount: number;
  /** Nominal serial time of the tests that run (skipped ones excluded), in milliseconds. */
  runnableMs: number;
  /** What pytest should report for the whole suite in one process. */
  expected: OutcomeCounts;
}

/** A standard normal draw (Box-Muller) from a uniform source. */
function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
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

/** Groups a file's tests into blocks: special kinds alone, passing ones in functions, parametrized runs and classes. */
function blocksOf(tests: readonly PlannedTest[], random: () => number): PlannedBlock[] {
  const blocks: PlannedBlock[] = [];
  let i = 0;
  while (i < tests.length) {
    const test = tests[i]!;
    if (test.kind !== 'pass') {
      blocks.push({ style: 'function', tests: [test] });
      i += 1;
      continue;
    }
    let run = 0;
    while (i + run < tests.length && tests[i + run]!.kind === 'pass') run += 1;
    const draw = random();
    const [style, size]: [BlockStyle, number] =
      draw < 0.35 ? ['parametrize', 2 + Math.floor(random() * 11)] : draw < 0.42 ? ['alias', 2 * (1 + Math.floor(random() * 2))] : draw < 0.57 ? ['class', 2 + Math.floor(random() * 5)] : ['function', 1];
    const take = Math.min(run, size);
    // An alias block needs pairs; a lone passing test is a function.
    const chosen: BlockStyle = take < 2 ? 'function' : style === 'alias' && take % 2 === 1 ? 'parametrize' : style;
    blocks.push({ style: chosen, tests: tests.slice(i, i + take) });
    i += take;
  }
  return blocks;
}

function checkOptions(o: RealWorldOptions): void {
  if (!Number.isInteger(o.files) || o.files < 2) throw new Error('files must be an integer >= 2');
  if (!Number.isInteger(o.tests) || o.tests < o.files) throw new Error('tests must be an integer >= files');
  if (!(o.targetSeconds > 0)) throw new Error('targetSeconds must be positive');
  if (!(o.cpuShare >= 0 && o.cpuShare <= 1)) throw new Error('cpuShare must be within [0, 1]');
}

/**
 * Plans the suite: per-file totals from the shard-plan bench's capped Pareto draw (no file above
 * an eighth of the total, so total/N binds the lower bound on few shards, as in real suites), test
 * counts per file log-normal, special outcomes scattered over the runnable tests.
 */
export function planSuite(overrides: Partial<RealWorldOptions> = {}): RealWorldSuite {
  const options = { ...DEFAULT_OPTIONS, ...overrides };
  checkOptions(options);
  const random = seededRandom(options.seed);
  const importSkipCount = Math.min(options.files - 1, Math.round(options.files * options.importSkipShare));
  const importSkipped = new Set(shuffled([...Array(options.files).keys()].slice(1), random).slice(0, importSkipCount));
  const runnableIndexes = [...Array(options.files).keys()].filter((i) => !importSkipped.has(i));

  const totalMs = Math.round(options.targetSeconds * 1000);
  const maxFileMs = Math.max(Math.ceil(totalMs / 8), Math.ceil(totalMs / runnableIndexes.length) + 200);
  const fileMs = generateSuite(options.seed, { files: runnableIndexes.length, totalMs, minTestsPerFile: 1, maxTestsPerFile: 1, maxFileMs, paretoAlpha: 1.1 }).files.map((f) => f.ms);
  const counts = apportion(options.tests, Array.from({ length: options.files }, () => Math.exp(0.9 * gaussian(random))), 1);

  const msByFile = new Map(runnableIndexes.map((index, k) => [index, fileMs[k]!]));
  const meanMs = totalMs / runnableIndexes.length;
  const testsByFile = counts.map((count, f) => {
    const ms = msByFile.get(f) ?? 0;
    // Uneven inside a file too: a slow test among quick ones is common.
    const shares = Array.from({ length: count }, () => 0.2 + random() * random() * 3);
    return apportion(ms, shares, 0).map((m): PlannedTest => ({ kind: 'pass', ms: m }));
  });

  // Special outcomes on runnable tests, chosen at random.
  const slots = shuffled(
    runnableIndexes.flatMap((f) => testsByFile[f]!.map((_, t) => [f, t] as const)),
    random,
  );
  const runnableTests = slots.length;
  const xfails = Math.round(runnableTests * options.xfailShare);
  const skips = Math.round(runnableTests * options.skipShare);
  const wanted: Array<[TestKind, number]> = [
    ['fail', options.failures],
    ['error', options.errors],
    ['xpass', options.xpasses],
    ['xpass_strict', options.strictXpasses],
    ['xfail_strict', Math.floor(xfails / 2)],
    ['xfail', xfails - Math.floor(xfails / 2)],
    ['skip', Math.ceil(skips / 3)],
    ['skipif', Math.ceil(skips / 3)],
    ['runtime_skip', skips - 2 * Math.ceil(skips / 3)],
  ];
  let next = 0;
  for (const [kind, count] of wanted) {
    for (let k = 0; k < count && next < slots.length; k++, next++) {
      const [f, t] = slots[next]!;
      testsByFile[f]![t]!.kind = kind;
    }
  }

  const files = testsByFile.map((tests, f): PlannedFile => {
    const area = AREAS[f % AREAS.length]!;
    const ms = msByFile.get(f) ?? 0;
    return {
      path: `tests/${area}/test_${area}_${String(f).padStart(3, '0')}.py`,
      area,
      importSkip: importSkipped.has(f),
      marker: ms > 4 * meanMs ? 'slow' : null,
      moduleFixture: random() < 0.3,
      blocks: blocksOf(tests, random),
      ms,
    };
  });
  return { options, files, testCount: options.tests, runnableMs: files.reduce((sum, f) => sum + f.blocks.reduce((s, b) => s + b.tests.reduce((t, x) => t + (KIND_OUTCOME[x.kind] === 'skipped' ? 0 : x.ms), 0), 0), 0), expected: expectedCounts(files) };
}

/** What pytest reports for these files in one process: one skip per import-skipped module. */
export function expectedCounts(files: readonly PlannedFile[]): OutcomeCounts {
  const counts: OutcomeCounts = { passed: 0, failed: 0, error: 0, skipped: 0, xfailed: 0, xpassed: 0 };
  for (const file of files) {
    if (file.importSkip) {
      counts.skipped += 1;
      continue;
    }
    for (const block of file.blocks) for (const test of block.tests) counts[KIND_OUTCOME[test.kind]] += 1;
  }
  return counts;
}

/** Each planned file's nominal seconds, for a lower bound before any run has measured them. */
export function nominalFileSeconds(suite: RealWorldSuite): number[] {
  return suite.files.filter((f) => !f.importSkip).map((f) => f.ms / 1000);
}
