/**
 * The generated pytest suite of the shard-plan bench: pure data from a seed, so every run (and
 * the unit tests) see the same suite. Durations are integer milliseconds, which keeps the totals
 * exact when they are summed per file and per shard.
 */

/** One generated test: its pytest function name and how long it sleeps. */
export interface GeneratedTest {
  name: string;
  ms: number;
}

/** One generated test file, path relative to the suite root (as in pytest node ids). */
export interface GeneratedFile {
  path: string;
  tests: GeneratedTest[];
  /** Sum of its tests' sleeps, in milliseconds. */
  ms: number;
}

/** A generated suite and its shape. */
export interface GeneratedSuite {
  seed: number;
  files: GeneratedFile[];
  testCount: number;
  totalMs: number;
}

/** Knobs of {@link generateSuite}; the defaults are the bench's suite. */
export interface SuiteOptions {
  files: number;
  /** Sum of every test's sleep, in milliseconds. */
  totalMs: number;
  /** Fewest and most tests of a file (inclusive). */
  minTestsPerFile: number;
  maxTestsPerFile: number;
  /** No file may sleep longer than this: keeps total/N, not one file, the binding lower bound. */
  maxFileMs: number;
  /** Pareto shape of the per-file totals: smaller is more skewed (a few heavy files, a long light tail). */
  paretoAlpha: number;
}

export const DEFAULT_SUITE_OPTIONS: SuiteOptions = {
  files: 96,
  totalMs: 80_000,
  minTestsPerFile: 5,
  maxTestsPerFile: 10,
  maxFileMs: 10_000,
  paretoAlpha: 1.2,
};

/**
 * mulberry32: a tiny seeded PRNG (uniform in [0, 1)). Not for cryptography; chosen because it is
 * a few lines, fast, and identical on every platform, so a seed always yields the same suite.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Splits `total` into integers proportional to `weights` (largest-remainder rounding), each at
 * least `floor`, summing exactly to `total`. Exact sums are what let the bench state a lower bound
 * that the generated files really add up to.
 */
export function apportion(total: number, weights: readonly number[], floor = 0): number[] {
  const n = weights.length;
  if (n === 0) return [];
  const spare = total - floor * n;
  if (spare < 0) throw new Error(`cannot give ${n} parts at least ${floor} out of ${total}`);
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (sum > 0 ? (w / sum) * spare : spare / n));
  const parts = exact.map(Math.floor);
  let left = spare - parts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts.map((p) => p + floor);
}

/**
 * Per-file totals from a Pareto draw, water-filled under `maxFileMs`: the files whose share would
 * exceed the cap are pinned at it and the others are rescaled to fill the rest, until stable. Sums
 * exactly to `totalMs`; every file sleeps at least 20 ms.
 */
function fileTotals(random: () => number, options: SuiteOptions): number[] {
  const weights = Array.from({ length: options.files }, () => Math.pow(1 - random(), -1 / options.paretoAlpha));
  const floorMs = 20;
  // Work above the floor, and 1 ms under the cap, so that rounding up cannot cross it.
  const spare = options.totalMs - floorMs * options.files;
  const cap = options.maxFileMs - floorMs - 1;
  let capped = new Set<number>();
  for (;;) {
    const free = weights.reduce((sum, w, i) => (capped.has(i) ? sum : sum + w), 0);
    const scale = (spare - capped.size * cap) / free;
    const next = new Set(weights.flatMap((w, i) => (capped.has(i) || w * scale >= cap ? [i] : [])));
    if (next.size === capped.size) return apportion(options.totalMs, weights.map((w, i) => (capped.has(i) ? cap : w * scale)), floorMs);
    capped = next;
  }
}

/**
 * Generates the bench's suite from `seed`: `files` files named `tests/test_f<nnn>.py`, each with
 * a random test count (independent of its duration, as in real suites where a few slow files hold
 * few tests) and a Pareto-skewed total split unevenly among its tests.
 */
export function generateSuite(seed: number, overrides: Partial<SuiteOptions> = {}): GeneratedSuite {
  const options = { ...DEFAULT_SUITE_OPTIONS, ...overrides };
  if ((options.maxFileMs - 21) * options.files < options.totalMs) throw new Error('maxFileMs * files must reach totalMs');
  const random = seededRandom(seed);
  const totals = fileTotals(random, options);
  const span = options.maxTestsPerFile - options.minTestsPerFile + 1;
  const files = totals.map((fileMs, f): GeneratedFile => {
    const count = Math.min(fileMs, options.minTestsPerFile + Math.floor(random() * span));
    // Uneven shares inside a file too: one slow test among quick ones is common.
    const shares = Array.from({ length: count }, () => 0.2 + random() * random() * 3);
    const ms = apportion(fileMs, shares, 1);
    return {
      path: `tests/test_f${String(f).padStart(3, '0')}.py`,
      tests: ms.map((m, t) => ({ name: `test_${String(t).padStart(2, '0')}`, ms: m })),
      ms: fileMs,
    };
  });
  return {
    seed,
    files,
    testCount: files.reduce((a, f) => a + f.tests.length, 0),
    totalMs: files.reduce((a, f) => a + f.ms, 0),
  };
}

/** The environment variable that scales every sleep: 0 measures the run's fixed overhead alone. */
export const SLEEP_SCALE_ENV = 'QATRON_BENCH_SLEEP_SCALE';

/** The Python source of one generated file: each test sleeps its known time times the scale. */
export function renderTestFile(file: GeneratedFile, seed: number): string {
  const lines = [
    `# Generated by QAtron bench/src/shard-plan.ts (seed ${seed}); each test sleeps a known time.`,
    'import os',
    'import time',
    '',
    `SCALE = float(os.environ.get("${SLEEP_SCALE_ENV}", "1"))`,
    '',
  ];
  for (const test of file.tests) {
    lines.push('', `def ${test.name}():`, `    time.sleep(${(test.ms / 1000).toFixed(3)} * SCALE)`, '');
  }
  return lines.join('\n');
}

/**
 * The suite's pytest.ini: pins the root (node ids relative to it) and asks for xunit1 JUnit XML,
 * whose `file` attribute names each test's file without guessing from the dotted classname.
 */
export function renderPytestIni(): string {
  return ['[pytest]', 'testpaths = tests', 'junit_family = xunit1', ''].join('\n');
}
