/**
 * Test outcomes and counts, exactly as pytest reports them (issue 12 "Counts are pytest's"). Pure:
 * no imports, so every package (the workflow code included) may use it.
 *
 * pytest's summary line ("3 failed, 6 passed, 4 skipped, 2 xfailed, 1 xpassed, 4 errors") counts
 * reports, not tests: each report of a test (setup, call, teardown) and each collection report falls
 * into at most one category (`pytest_report_teststatus`), so one test may count twice: a test whose
 * call passed and whose teardown raised is "1 passed, 1 error". The progress plugin records each
 * test's categories; counting them reproduces pytest's figures, and the test's single outcome (for
 * its history and filters) is the worst of them.
 */

/** A test's outcome, and pytest's summary categories. A strict xpass is `failed`, as in pytest. */
export const TEST_OUTCOMES = ['passed', 'failed', 'error', 'skipped', 'xfailed', 'xpassed'] as const;
export type TestOutcome = (typeof TEST_OUTCOMES)[number];

const OUTCOME_SET = new Set<string>(TEST_OUTCOMES);

/** Whether `value` is one of the outcomes (for parsing untrusted JSON). */
export function isTestOutcome(value: unknown): value is TestOutcome {
  return typeof value === 'string' && OUTCOME_SET.has(value);
}

/** Outcomes that make a test, a shard and a run fail. */
export function isFailingOutcome(outcome: TestOutcome): boolean {
  return outcome === 'failed' || outcome === 'error';
}

/** How many reports fell into each of pytest's summary categories. */
export type OutcomeCounts = Record<TestOutcome, number>;

export function emptyCounts(): OutcomeCounts {
  return { passed: 0, failed: 0, error: 0, skipped: 0, xfailed: 0, xpassed: 0 };
}

/** The counts of a list of categories (one test's, or many tests' concatenated). */
export function countCategories(categories: Iterable<TestOutcome>): OutcomeCounts {
  const counts = emptyCounts();
  for (const category of categories) counts[category] += 1;
  return counts;
}

/** The sum of several counts (shards into a run). */
export function addCounts(...all: readonly OutcomeCounts[]): OutcomeCounts {
  const total = emptyCounts();
  for (const counts of all) for (const outcome of TEST_OUTCOMES) total[outcome] += counts[outcome];
  return total;
}

/** Reports that count towards a failure: failed and error (pytest's exit code 1). */
export function failingCount(counts: OutcomeCounts): number {
  return counts.failed + counts.error;
}

/** Every report counted, whatever its category. */
export function countedReports(counts: OutcomeCounts): number {
  return TEST_OUTCOMES.reduce((sum, outcome) => sum + counts[outcome], 0);
}

/** Worst first: the order in which a test's categories decide its single outcome. */
const PRECEDENCE: readonly TestOutcome[] = ['failed', 'error', 'xpassed', 'xfailed', 'skipped', 'passed'];

/**
 * A test's one outcome from its categories: the worst of them (a passed call with a failing
 * teardown is `error`; a failed call with a failing teardown stays `failed`). A test that pytest did
 * not count at all (no category: interrupted between phases) is an `error`, never a pass.
 */
export function outcomeOf(categories: readonly TestOutcome[]): TestOutcome {
  return PRECEDENCE.find((outcome) => categories.includes(outcome)) ?? 'error';
}

/** "3 failed, 6 passed, 1 error": pytest's order and wording, for reasons and logs. */
export function describeCounts(counts: OutcomeCounts): string {
  const order: Array<[TestOutcome, string, string]> = [
    ['failed', 'failed', 'failed'],
    ['passed', 'passed', 'passed'],
    ['skipped', 'skipped', 'skipped'],
    ['xfailed', 'xfailed', 'xfailed'],
    ['xpassed', 'xpassed', 'xpassed'],
    ['error', 'error', 'errors'],
  ];
  const parts = order.filter(([outcome]) => counts[outcome] > 0).map(([outcome, one, many]) => `${counts[outcome]} ${counts[outcome] === 1 ? one : many}`);
  return parts.length ? parts.join(', ') : 'no tests ran';
}

/**
 * The three buckets of live progress (a shard's passed / failed / skipped while it runs): errors
 * with failed, xfailed with skipped, xpassed with passed. The six exact counts come at the end.
 */
export function progressBucket(outcome: TestOutcome): 'passed' | 'failed' | 'skipped' {
  if (outcome === 'passed' || outcome === 'xpassed') return 'passed';
  if (outcome === 'skipped' || outcome === 'xfailed') return 'skipped';
  return 'failed';
}

/** `counts` folded into the three live-progress buckets. */
export function progressBuckets(counts: OutcomeCounts): { passed: number; failed: number; skipped: number } {
  const buckets = { passed: 0, failed: 0, skipped: 0 };
  for (const outcome of TEST_OUTCOMES) buckets[progressBucket(outcome)] += counts[outcome];
  return buckets;
}
