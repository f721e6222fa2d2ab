/**
 * Pure pieces of the shard runner: reading the `qatron.progress` plugin's JSON lines, folding the
 * attempts of a shard into one result per test (FR-TEST-05 retries), and live progress counts.
 */

import { isFailingOutcome, isTestOutcome, outcomeOf, progressBucket, type TestOutcome } from '@qatron/domain/runs/outcomes';

export type { TestOutcome } from '@qatron/domain/runs/outcomes';

/** One line of the progress file, as written by `framework/src/qatron/progress.py`. */
export interface ProgressRecord {
  nodeid: string;
  /** pytest's summary categories of the test's reports (usually one; a teardown error adds `error`). */
  categories: TestOutcome[];
  /** The worst of the categories (domain `outcomeOf`). */
  outcome: TestOutcome;
  /** Seconds, setup + call + teardown. */
  duration: number;
  message: string | null;
  /** The phase that closed the test: 'teardown' normally, 'collect' for a collection error. */
  when: string;
  /** The test's `qatron_*` user properties: a BDD scenario's stable id and lines (framework labels). */
  properties: Record<string, string>;
}

/** The final result of one test of a shard, over all its attempts. */
export interface TestCaseResult {
  nodeId: string;
  outcome: TestOutcome;
  /** The last attempt's summary categories: what the test adds to pytest's (and the run's) counts. */
  categories: TestOutcome[];
  /** Duration of the last attempt, in seconds (what the shard planner should expect next time). */
  durationSeconds: number;
  /** How many times the test ran (1 + the retries it needed). */
  attempts: number;
  /** Failed or errored at first, then passed on a retry. */
  flaky: boolean;
  /** Failure or skip reason; for a flaky test, the failure it recovered from. */
  message: string | null;
  /** The last attempt's `qatron_*` user properties. */
  properties: Record<string, string>;
}

/** Parses progress lines, ignoring anything that is not a complete, well-formed record. */
export function parseProgressLines(lines: readonly string[]): ProgressRecord[] {
  const records: ProgressRecord[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as Partial<Record<keyof ProgressRecord, unknown>>;
      if (typeof value.nodeid !== 'string' || !Array.isArray(value.categories)) continue;
      const categories = value.categories.filter(isTestOutcome);
      records.push({
        nodeid: value.nodeid,
        categories,
        outcome: outcomeOf(categories),
        duration: typeof value.duration === 'number' ? value.duration : 0,
        message: typeof value.message === 'string' ? value.message : null,
        when: typeof value.when === 'string' ? value.when : 'teardown',
        properties: stringProperties(value.properties),
      });
    } catch {
      // A line cut short by a killed process.
    }
  }
  return records;
}

function stringProperties(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/**
 * The node ids worth retrying after an attempt: tests that failed or errored. Collection errors
 * are not retried: an import error does not go away on a second try.
 */
export function retryCandidates(records: readonly ProgressRecord[]): string[] {
  const latest = new Map<string, ProgressRecord>();
  for (const record of records) latest.set(record.nodeid, record);
  return [...latest.values()].filter((r) => isFailingOutcome(r.outcome) && r.when !== 'collect').map((r) => r.nodeid);
}

/**
 * One result per test from the records of successive attempts (attempt 1 first), in the order
 * tests first finished. The last attempt decides the outcome; a test that failed before and passed
 * at last is flaky.
 */
export function mergeAttempts(attempts: readonly (readonly ProgressRecord[])[]): TestCaseResult[] {
  const history = new Map<string, ProgressRecord[]>();
  for (const records of attempts) {
    const seen = new Map<string, ProgressRecord>();
    for (const record of records) seen.set(record.nodeid, record);
    for (const [nodeid, record] of seen) {
      const runs = history.get(nodeid);
      if (runs) runs.push(record);
      else history.set(nodeid, [record]);
    }
  }
  return [...history].map(([nodeId, runs]) => {
    const last = runs.at(-1)!;
    const lastFailure = runs.findLast((r) => isFailingOutcome(r.outcome));
    const flaky = last.outcome === 'passed' && lastFailure !== undefined;
    return {
      nodeId,
      outcome: last.outcome,
      categories: last.categories,
      durationSeconds: last.duration,
      attempts: runs.length,
      flaky,
      message: flaky ? lastFailure!.message : last.outcome === 'passed' ? null : last.message,
      properties: last.properties,
    };
  });
}

/** Counts for a live progress report from the latest outcome of each finished test (domain `progressBucket`). */
export function progressCounts(latest: ReadonlyMap<string, TestOutcome>): { done: number; passed: number; failed: number; skipped: number } {
  const counts = { done: latest.size, passed: 0, failed: 0, skipped: 0 };
  for (const outcome of latest.values()) counts[progressBucket(outcome)] += 1;
  return counts;
}
