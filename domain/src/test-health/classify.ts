/**
 * Per-test health (issue 15 item 1): the figures of a test's window (window.ts: its outcomes in
 * the most recent runs of one project + suite + environment) and its classification, decided by
 * the first of these rules that holds, each naming the runs that decided it. Only executed
 * results count: passed, xfailed and xpassed are a pass; failed and error a fail; skipped is
 * no evidence and takes no place in the window. "The trailing streak" is the window's last run
 * of consecutive failures; "before" is the window without it.
 *
 * 1. `broken` / failing_since_clean_history: the window ends in failures and, before them, the
 *    test passed (at least once) with no failure and no pass-on-retry. A test that starts failing
 *    and keeps failing is a regression from its first failing run, whatever the commit: it is
 *    never flaky, however short the streak.
 * 2. `broken` / failing_streak: the trailing streak is at least `brokenStreak` runs long (3).
 *    A test that was flaky before and now fails every time is broken now.
 * 3. `flaky` / same_commit_disagreement: the test passed and failed on the same commit (in any
 *    runs of the window, a re-run included): the code did not change, the outcome did. A flip
 *    between consecutive runs on one commit ("a flip without a code change") is one such case.
 * 4. `flaky` / pass_on_retry: it failed and then passed on a retry inside its shard.
 * 5. `flaky` / repeated_failures: at least `flakyEpisodes` (2) separate failure episodes on
 *    different commits: it failed, passed again, and failed again (flips back and forth with
 *    failures interleaved). One episode that ended (a regression that was fixed) is not flaky.
 * 6. `new` / few_runs: fewer than `minRuns` (5) executed runs in the window and no rule above.
 * 7. `stable` / no_flakiness: none of the above (a failure that was fixed, or none at all).
 *
 * Rules 1-2 come first so that a regression is never called flaky, even when it began on the
 * commit the test last passed on (a changed environment): its failures are all in one trailing
 * streak, so rules 3-5 never see them.
 */
import { z } from 'zod';
import { healthVerdict, type WindowEntry } from './window.js';

export const TEST_HEALTH_CLASSIFICATIONS = ['stable', 'flaky', 'broken', 'new'] as const;
export type TestHealthClassification = (typeof TEST_HEALTH_CLASSIFICATIONS)[number];

/** The rules, in the order they are tried (the module's header explains each). */
export const TEST_HEALTH_RULES = [
  'failing_since_clean_history',
  'failing_streak',
  'same_commit_disagreement',
  'pass_on_retry',
  'repeated_failures',
  'few_runs',
  'no_flakiness',
] as const;
export type TestHealthRule = (typeof TEST_HEALTH_RULES)[number];

/** The thresholds of the rules and the window's length; per project or from configuration. */
export interface TestHealthPolicy {
  /** How many of the most recent runs the window keeps. */
  window: number;
  /** Below this many executed runs a test without other evidence is `new`. */
  minRuns: number;
  /** A trailing streak of this many failures is `broken` even after flaky history. */
  brokenStreak: number;
  /** This many separate failure episodes make a test `flaky`. */
  flakyEpisodes: number;
}

export const DEFAULT_TEST_HEALTH_POLICY: TestHealthPolicy = { window: 30, minRuns: 5, brokenStreak: 3, flakyEpisodes: 2 };

/** Why a test has its classification: the rule that decided and the runs it looked at. */
export const TestHealthEvidence = z.object({
  rule: z.enum(TEST_HEALTH_RULES).describe('The rule that decided the classification'),
  run_ids: z.array(z.number().int()).describe('The runs the rule looked at'),
  detail: z.string().describe('The rule in words, with its figures'),
});
export type TestHealthEvidence = z.output<typeof TestHealthEvidence>;

/** The window's figures. */
export interface TestHealthStats {
  /** Executed runs in the window. */
  runs: number;
  passes: number;
  failures: number;
  /** Outcome changes (pass to fail or back) between consecutive runs of the window. */
  flips: number;
  /** flips / (runs - 1); 0 below two runs. */
  flipRate: number;
  passOnRetry: number;
  /** Commits on which the test both passed and failed. */
  sameCommitDisagreements: number;
  medianDurationSeconds: number | null;
}

export interface TestHealthAssessment {
  stats: TestHealthStats;
  classification: TestHealthClassification;
  evidence: TestHealthEvidence;
}

interface Executed extends WindowEntry {
  failed: boolean;
}

function executed(window: readonly WindowEntry[]): Executed[] {
  return window.flatMap((entry) => {
    const verdict = healthVerdict(entry.outcome);
    return verdict === null ? [] : [{ ...entry, failed: verdict === 'fail' }];
  });
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Commits with both a pass and a fail, each with the runs on it. */
function disagreeingCommits(runs: readonly Executed[]): Map<string, Executed[]> {
  const byCommit = new Map<string, Executed[]>();
  for (const run of runs) {
    if (run.commit === null) continue;
    byCommit.set(run.commit, [...(byCommit.get(run.commit) ?? []), run]);
  }
  return new Map([...byCommit].filter(([, on]) => on.some((r) => r.failed) && on.some((r) => !r.failed)));
}

/** Maximal runs of consecutive failures, oldest first. */
function failureEpisodes(runs: readonly Executed[]): Executed[][] {
  const episodes: Executed[][] = [];
  runs.forEach((run, i) => {
    if (!run.failed) return;
    if (i > 0 && runs[i - 1]!.failed) episodes[episodes.length - 1]!.push(run);
    else episodes.push([run]);
  });
  return episodes;
}

/** The figures of a window (runs in run order, as `appendToWindow` keeps them). */
export function testHealthStats(window: readonly WindowEntry[]): TestHealthStats {
  const runs = executed(window);
  const failures = runs.filter((r) => r.failed).length;
  const flips = runs.filter((r, i) => i > 0 && r.failed !== runs[i - 1]!.failed).length;
  return {
    runs: runs.length,
    passes: runs.length - failures,
    failures,
    flips,
    flipRate: runs.length < 2 ? 0 : flips / (runs.length - 1),
    passOnRetry: runs.filter((r) => r.retried).length,
    sameCommitDisagreements: disagreeingCommits(runs).size,
    medianDurationSeconds: median(runs.map((r) => r.duration_seconds)),
  };
}

const ids = (runs: readonly Executed[]) => runs.map((r) => r.run_id);

/** Rules 1 and 2: the window ends in a failing streak that is a regression. */
function brokenEvidence(runs: readonly Executed[], policy: TestHealthPolicy): TestHealthEvidence | null {
  let start = runs.length;
  while (start > 0 && runs[start - 1]!.failed) start -= 1;
  const streak = runs.slice(start);
  if (streak.length === 0) return null;
  const before = runs.slice(0, start);
  const since = `failing since run ${streak[0]!.run_id}${streak[0]!.commit ? ` (commit ${streak[0]!.commit.slice(0, 12)})` : ''}`;
  if (before.length > 0 && before.every((r) => !r.failed && !r.retried)) {
    return { rule: 'failing_since_clean_history', run_ids: ids(streak), detail: `${since}; it passed in every run before (${before.length})` };
  }
  if (streak.length >= policy.brokenStreak) {
    return { rule: 'failing_streak', run_ids: ids(streak), detail: `${since}: ${streak.length} failures in a row (at least ${policy.brokenStreak})` };
  }
  return null;
}

/** Rules 3 to 5: evidence of flakiness, strongest first. */
function flakyEvidence(runs: readonly Executed[], policy: TestHealthPolicy): TestHealthEvidence | null {
  const disagreeing = disagreeingCommits(runs);
  if (disagreeing.size > 0) {
    const onCommits = [...disagreeing.values()].flat().sort((a, b) => a.run_id - b.run_id);
    const commits = [...disagreeing.keys()].map((c) => c.slice(0, 12)).join(', ');
    return { rule: 'same_commit_disagreement', run_ids: ids(onCommits), detail: `passed and failed on the same commit (${commits})` };
  }
  const retried = runs.filter((r) => r.retried);
  if (retried.length > 0) {
    return { rule: 'pass_on_retry', run_ids: ids(retried), detail: `passed on a retry inside its shard in ${retried.length} run(s)` };
  }
  const episodes = failureEpisodes(runs);
  if (episodes.length >= policy.flakyEpisodes) {
    return { rule: 'repeated_failures', run_ids: ids(episodes.flat()), detail: `${episodes.length} separate failure episodes with passes between them` };
  }
  return null;
}

/** The classification of a window, by the first rule that holds (see the module's header). */
export function classifyTestHealth(window: readonly WindowEntry[], policy: TestHealthPolicy = DEFAULT_TEST_HEALTH_POLICY): { classification: TestHealthClassification; evidence: TestHealthEvidence } {
  const runs = executed(window);
  const broken = brokenEvidence(runs, policy);
  if (broken) return { classification: 'broken', evidence: broken };
  const flaky = flakyEvidence(runs, policy);
  if (flaky) return { classification: 'flaky', evidence: flaky };
  if (runs.length < policy.minRuns) {
    return { classification: 'new', evidence: { rule: 'few_runs', run_ids: ids(runs), detail: `${runs.length} run(s), fewer than ${policy.minRuns}` } };
  }
  const failed = runs.filter((r) => r.failed);
  const detail = failed.length === 0 ? `passed in all ${runs.length} runs` : `${failed.length} failure(s), in fewer than ${policy.flakyEpisodes} episodes, each on a new commit and ended`;
  return { classification: 'stable', evidence: { rule: 'no_flakiness', run_ids: ids(failed), detail } };
}

/** The figures and the classification of a window, as the `test_health` row stores them. */
export function assessTestHealth(window: readonly WindowEntry[], policy: TestHealthPolicy = DEFAULT_TEST_HEALTH_POLICY): TestHealthAssessment {
  return { stats: testHealthStats(window), ...classifyTestHealth(window, policy) };
}
