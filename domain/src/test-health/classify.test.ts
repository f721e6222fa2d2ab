import { describe, expect, it } from 'vitest';
import type { TestOutcome } from '../runs/outcomes.js';
import { assessTestHealth, classifyTestHealth, DEFAULT_TEST_HEALTH_POLICY, testHealthStats, TEST_HEALTH_RULES } from './classify.js';
import { appendToWindow, type WindowEntry } from './window.js';

const OUTCOMES: Record<string, { outcome: TestOutcome; retried: boolean }> = {
  P: { outcome: 'passed', retried: false },
  F: { outcome: 'failed', retried: false },
  E: { outcome: 'error', retried: false },
  R: { outcome: 'passed', retried: true },
  S: { outcome: 'skipped', retried: false },
  X: { outcome: 'xfailed', retried: false },
};

/**
 * A window from a history like `P@a P@a F@b F@b`: one run per token, run ids 1, 2, … (or 10, 11, …
 * with `firstRun`), the letter the outcome (P passed, F failed, E error, R passed on a retry, S
 * skipped, X xfailed), after `@` the commit the run tested.
 */
function history(text: string, firstRun = 1): WindowEntry[] {
  return text.split(/\s+/).filter(Boolean).map((token, i) => {
    const [letter, commit] = token.split('@');
    const { outcome, retried } = OUTCOMES[letter!]!;
    return { run_id: firstRun + i, outcome, commit: commit ?? null, retried, duration_seconds: i + 1, at: new Date(Date.UTC(2026, 11, 1 + i)).toISOString() };
  });
}

const classify = (text: string) => classifyTestHealth(history(text));

describe('classifyTestHealth: one test per rule', () => {
  it('failing_since_clean_history: a test that starts failing at a new commit and keeps failing is broken from its first failure', () => {
    expect(classify('P@a P@a P@a P@b P@c F@d')).toEqual({
      classification: 'broken',
      evidence: { rule: 'failing_since_clean_history', run_ids: [6], detail: 'failing since run 6 (commit d); it passed in every run before (5)' },
    });
    expect(classify('P@a P@b P@c F@d F@d F@e').evidence.run_ids).toEqual([4, 5, 6]);
  });

  it('failing_since_clean_history: a regression on the commit the test last passed on (a changed environment) is broken, never flaky', () => {
    expect(classify('P@a P@a P@a P@a F@a')).toMatchObject({ classification: 'broken', evidence: { rule: 'failing_since_clean_history', run_ids: [5] } });
    expect(classify('P@a P@a P@a E@a E@a')).toMatchObject({ classification: 'broken', evidence: { rule: 'failing_since_clean_history', run_ids: [4, 5] } });
  });

  it('failing_streak: after flaky history, a trailing streak of at least 3 failures is broken', () => {
    expect(classify('P@a F@a P@a P@b F@c F@c F@d')).toEqual({
      classification: 'broken',
      evidence: { rule: 'failing_streak', run_ids: [5, 6, 7], detail: 'failing since run 5 (commit c): 3 failures in a row (at least 3)' },
    });
    // A test that never passed fails consistently too, once it has failed 3 times.
    expect(classify('F@a F@b F@c')).toMatchObject({ classification: 'broken', evidence: { rule: 'failing_streak', run_ids: [1, 2, 3] } });
  });

  it('same_commit_disagreement: passing and failing on one commit is flaky, consecutive or not', () => {
    expect(classify('P@a P@a F@a P@a P@a P@a')).toEqual({
      classification: 'flaky',
      evidence: { rule: 'same_commit_disagreement', run_ids: [1, 2, 3, 4, 5, 6], detail: 'passed and failed on the same commit (a)' },
    });
    // Not consecutive: a re-run of the failed test on commit b passed later.
    expect(classify('P@a F@b P@c P@b P@d P@e')).toMatchObject({ classification: 'flaky', evidence: { rule: 'same_commit_disagreement', run_ids: [2, 4] } });
  });

  it('same_commit_disagreement: a test failing every other run on one commit is flaky even when it just failed', () => {
    expect(classify('P@a F@a P@a F@a P@a F@a')).toMatchObject({ classification: 'flaky', evidence: { rule: 'same_commit_disagreement' } });
  });

  it('pass_on_retry: a pass on a retry inside the shard is flaky', () => {
    expect(classify('P@a P@b R@c P@d P@e')).toEqual({
      classification: 'flaky',
      evidence: { rule: 'pass_on_retry', run_ids: [3], detail: 'passed on a retry inside its shard in 1 run(s)' },
    });
  });

  it('repeated_failures: failures interleaved with passes on different commits are flaky', () => {
    expect(classify('P@a F@b P@c P@d F@e P@f')).toEqual({
      classification: 'flaky',
      evidence: { rule: 'repeated_failures', run_ids: [2, 5], detail: '2 separate failure episodes with passes between them' },
    });
    // Just failed again, with a streak too short to be broken: the history says flaky.
    expect(classify('P@a F@b P@c P@d F@e')).toMatchObject({ classification: 'flaky', evidence: { rule: 'repeated_failures', run_ids: [2, 5] } });
  });

  it('few_runs: fewer than 5 executed runs and no other evidence is new', () => {
    expect(classify('P@a P@b S@c P@d')).toEqual({
      classification: 'new',
      evidence: { rule: 'few_runs', run_ids: [1, 2, 4], detail: '3 run(s), fewer than 5' },
    });
    expect(classify('F@a F@b')).toMatchObject({ classification: 'new', evidence: { rule: 'few_runs' } });
  });

  it('no_flakiness: passing throughout, or one failure episode fixed by a new commit, is stable', () => {
    expect(classify('P@a P@b P@c P@d X@e')).toEqual({ classification: 'stable', evidence: { rule: 'no_flakiness', run_ids: [], detail: 'passed in all 5 runs' } });
    expect(classify('P@a P@b F@c F@d P@e P@f')).toMatchObject({ classification: 'stable', evidence: { rule: 'no_flakiness', run_ids: [3, 4] } });
  });

  it('has a test above for every rule', () => {
    expect(TEST_HEALTH_RULES).toEqual(['failing_since_clean_history', 'failing_streak', 'same_commit_disagreement', 'pass_on_retry', 'repeated_failures', 'few_runs', 'no_flakiness']);
  });
});

describe('classifyTestHealth: regressions are never flaky', () => {
  it('labels a regression broken at every run after it starts, on a new commit or the same one', () => {
    const before = 'P@a P@a P@b P@b P@c P@c';
    for (const commit of ['c', 'd']) {
      let text = before;
      for (let n = 1; n <= 6; n += 1) {
        text += ` F@${commit}`;
        expect(classify(text).classification, text).toBe('broken');
      }
    }
  });

  it('labels a regression in a test that once flaked broken once it failed 3 times in a row', () => {
    expect(classify('P@a R@a P@b F@c F@c').classification).toBe('flaky');
    expect(classify('P@a R@a P@b F@c F@c F@c').classification).toBe('broken');
  });
});

describe('testHealthStats', () => {
  it('counts runs, passes, failures, flips, retries and same-commit disagreements over executed runs only', () => {
    expect(testHealthStats(history('P@a F@a S@a P@b R@c F@c E@d P@d'))).toEqual({
      runs: 7,
      passes: 4,
      failures: 3,
      flips: 4,
      flipRate: 4 / 6,
      passOnRetry: 1,
      sameCommitDisagreements: 3,
      // Durations 1..8 without the skipped run's 3: 1 2 4 5 6 7 8.
      medianDurationSeconds: 5,
    });
  });

  it('has no flip rate below two runs and no median without runs', () => {
    expect(testHealthStats(history('F@a'))).toMatchObject({ runs: 1, flips: 0, flipRate: 0, medianDurationSeconds: 1 });
    expect(testHealthStats([])).toMatchObject({ runs: 0, flipRate: 0, medianDurationSeconds: null });
    expect(testHealthStats(history('P@a F@b')).medianDurationSeconds).toBe(1.5);
  });

  it('assesses figures and classification together', () => {
    const assessment = assessTestHealth(history('P@a F@a P@a'));
    expect(assessment.stats.flips).toBe(2);
    expect(assessment.classification).toBe('flaky');
  });
});

describe('appendToWindow', () => {
  it('keeps the most recent runs in run order, without skips, replacing a run recorded twice', () => {
    const window = history('P@a F@a P@a');
    const next = appendToWindow(window, history('S@b F@b', 4), 4);
    expect(next.map((e) => [e.run_id, e.outcome])).toEqual([[1, 'passed'], [2, 'failed'], [3, 'passed'], [5, 'failed']]);
    const again = appendToWindow(next, history('P@b', 5), 4);
    expect(again.map((e) => [e.run_id, e.outcome])).toEqual([[1, 'passed'], [2, 'failed'], [3, 'passed'], [5, 'passed']]);
    expect(appendToWindow(again, history('P@c P@c', 6), 4).map((e) => e.run_id)).toEqual([3, 5, 6, 7]);
  });

  it('equals the window built at once, whatever the order runs finalize in', () => {
    const all = history('P@a F@a P@b R@b F@c P@c S@d P@d');
    const atOnce = appendToWindow([], all, DEFAULT_TEST_HEALTH_POLICY.window);
    const oneByOne = [...all].reverse().reduce<WindowEntry[]>((w, e) => appendToWindow(w, [e], DEFAULT_TEST_HEALTH_POLICY.window), []);
    expect(oneByOne).toEqual(atOnce);
  });
});
