import { describe, expect, it } from 'vitest';
import { countCategories, emptyCounts, outcomeOf, describeCounts, type OutcomeCounts } from './outcomes.js';
import { decideVerdict, effectiveShardOutcome, type ShardEnding } from './verdict.js';
import type { ShardOutcome } from './status.js';

const passed = (n: number): OutcomeCounts => ({ ...emptyCounts(), passed: n });
const shard = (index: number, outcome: ShardOutcome, counts: OutcomeCounts | null = outcome === 'passed' ? passed(3) : outcome === 'failed' ? { ...passed(2), failed: 1 } : null, reason: string | null = null): ShardEnding => ({
  index,
  outcome,
  counts,
  expected: 3,
  reason,
});
const noGate = { threshold: null, percent: null };
const strict = { allowEmpty: false };
const shards = (...list: ShardEnding[]) => ({ kind: 'shards' as const, shards: list, timeoutSeconds: null });

describe('decideVerdict: the shards (PRD 9.2)', () => {
  it('aggregates shard outcomes by the PRD rules', () => {
    const verdict = (...outcomes: ShardOutcome[]) => decideVerdict(shards(...outcomes.map((o, i) => shard(i, o))), strict, noGate).status;
    expect(verdict('passed', 'passed', 'passed', 'passed')).toBe('completed');
    expect(verdict('failed', 'failed')).toBe('failed');
    expect(verdict('passed', 'failed', 'passed')).toBe('partial_failed');
    expect(verdict('passed', 'timed_out', 'failed')).toBe('timed_out');
    expect(verdict('passed', 'infra_failed')).toBe('infra_failed');
    expect(verdict('timed_out', 'cancelled')).toBe('cancelled');
    expect(verdict()).toBe('infra_failed');
  });

  it('never calls a shard that counted nothing for the tests it was handed passed', () => {
    const empty = shard(1, 'passed', emptyCounts());
    expect(effectiveShardOutcome(empty)).toEqual({ outcome: 'failed', reason: 'the shard produced no test results for its 3 test(s)' });
    expect(decideVerdict(shards(shard(0, 'passed'), empty), strict, noGate)).toEqual({ status: 'partial_failed', reason: 'Shard 1: the shard produced no test results for its 3 test(s)' });
    expect(decideVerdict(shards(empty), strict, noGate).status).toBe('failed');
  });

  it('leaves a shard that found no work left out of the verdict: idle is neither passed nor failed', () => {
    const idle = { ...shard(1, 'passed', emptyCounts()), expected: 0 };
    expect(decideVerdict(shards(shard(0, 'passed'), idle), strict, noGate)).toEqual({ status: 'completed', reason: null });
    expect(decideVerdict(shards(shard(0, 'failed'), shard(2, 'failed'), idle), strict, noGate).status).toBe('failed');
    expect(decideVerdict(shards(idle), strict, noGate)).toEqual({ status: 'infra_failed', reason: 'no shard ran a test' });
  });

  it('never calls a shard with failing reports passed', () => {
    const lying = shard(0, 'passed', { ...passed(5), error: 1 });
    expect(decideVerdict(shards(lying), strict, noGate)).toEqual({ status: 'failed', reason: 'Shard 0: 5 passed, 1 error' });
  });

  it('names the timeout and the first failed shard', () => {
    expect(decideVerdict({ kind: 'shards', shards: [shard(0, 'passed'), shard(1, 'timed_out')], timeoutSeconds: 60 }, strict, noGate)).toEqual({ status: 'timed_out', reason: 'Suite timeout of 60 s reached' });
    expect(decideVerdict(shards(shard(0, 'passed'), shard(1, 'infra_failed', null, 'worker lost')), strict, noGate)).toEqual({ status: 'infra_failed', reason: 'Shard 1: worker lost' });
  });
});

describe('decideVerdict: before the shards', () => {
  it('fails a run that selected no tests unless the suite allows it', () => {
    expect(decideVerdict({ kind: 'nothing_selected' }, strict, noGate)).toEqual({ status: 'failed', reason: "no tests collected: the suite's paths, markers and keywords selected nothing" });
    expect(decideVerdict({ kind: 'nothing_selected' }, { allowEmpty: true }, noGate)).toEqual({ status: 'completed', reason: 'no tests collected (the suite allows an empty selection)' });
  });

  it('blames the repository or the infrastructure for a failed preparation', () => {
    expect(decideVerdict({ kind: 'preparation_failed', cause: 'repository', reason: 'conftest.py: ImportError' }, strict, noGate)).toEqual({ status: 'failed', reason: 'conftest.py: ImportError' });
    expect(decideVerdict({ kind: 'preparation_failed', cause: 'infrastructure', reason: 'pip failed' }, strict, noGate)).toEqual({ status: 'infra_failed', reason: 'pip failed' });
  });

  it('lets cancellation win', () => {
    expect(decideVerdict({ kind: 'cancelled', shards: [shard(0, 'failed')] }, strict, { threshold: 90, percent: 10 })).toEqual({ status: 'cancelled', reason: 'Cancelled' });
  });
});

describe('decideVerdict: the coverage gate (FR-RPT-07)', () => {
  const green = shards(shard(0, 'passed'), shard(1, 'passed'));

  it('fails a run below the threshold and passes one at it', () => {
    expect(decideVerdict(green, strict, { threshold: 80, percent: 79.9 })).toEqual({ status: 'failed', reason: "Coverage 79.9% is below the suite's threshold of 80%" });
    expect(decideVerdict(green, strict, { threshold: 80, percent: 80 }).status).toBe('completed');
  });

  it('fails a run whose coverage data is missing, naming why', () => {
    expect(decideVerdict(green, strict, { threshold: 80, percent: null, missing: 'no shard produced a coverage data file' })).toEqual({
      status: 'failed',
      reason: "The suite's coverage threshold of 80% cannot be checked: no coverage data arrived (no shard produced a coverage data file)",
    });
  });

  it('keeps a timed-out or lost run as it is', () => {
    expect(decideVerdict({ kind: 'shards', shards: [shard(0, 'timed_out')], timeoutSeconds: 5 }, strict, { threshold: 80, percent: null }).status).toBe('timed_out');
  });
});

describe('decideVerdict: quarantined tests (issue 15 item 2)', () => {
  const counted = (failed: number, error = 0): OutcomeCounts => ({ ...passed(5), failed, error });
  const quarantined = (index: number, counts: OutcomeCounts, failed: number, error = 0, reason: string | null = null): ShardEnding => ({
    ...shard(index, failingCountOf(counts) > 0 ? 'failed' : 'passed', counts, reason),
    quarantined: { failed, error },
  });
  const failingCountOf = (counts: OutcomeCounts) => counts.failed + counts.error;

  it('completes a run whose only failures are quarantined, and says how many did not count', () => {
    expect(decideVerdict(shards(quarantined(0, counted(1, 1), 1, 1), shard(1, 'passed')), strict, noGate)).toEqual({
      status: 'completed',
      reason: '2 failures in quarantined tests did not count',
    });
    expect(decideVerdict(shards(quarantined(0, counted(1), 1)), strict, noGate)).toEqual({ status: 'completed', reason: '1 failure in a quarantined test did not count' });
    expect(effectiveShardOutcome(quarantined(0, counted(1), 1))).toEqual({ outcome: 'passed', reason: null });
  });

  it('still fails a run on a failure that is not quarantined, and says what did not count', () => {
    expect(decideVerdict(shards(quarantined(0, counted(2), 1), shard(1, 'passed')), strict, noGate)).toEqual({
      status: 'partial_failed',
      reason: '1 failure in a quarantined test did not count',
    });
    // The shard's pytest said "passed" but counted a failure: the unquarantined error still fails it.
    const lying = { ...shard(0, 'passed', counted(1, 1)), quarantined: { failed: 1, error: 0 } };
    expect(decideVerdict(shards(lying), strict, noGate)).toEqual({ status: 'failed', reason: 'Shard 0: 1 failed, 5 passed, 1 error; 1 failure in a quarantined test did not count' });
  });

  it('keeps a shard failed for a reason of its own (a session error), whatever is quarantined', () => {
    expect(decideVerdict(shards(quarantined(0, counted(1), 1, 0, 'pytest failed with exit code 3 (internal error)')), strict, noGate)).toEqual({
      status: 'failed',
      reason: 'Shard 0: pytest failed with exit code 3 (internal error); 1 failure in a quarantined test did not count',
    });
  });

  it('never leaves out more failures than the shard counted in each category', () => {
    // A quarantined test's row says error, but pytest counted only a failure: the failure still counts.
    expect(decideVerdict(shards(quarantined(0, counted(1), 0, 3)), strict, noGate)).toEqual({ status: 'failed', reason: null });
  });

  it('lets the coverage gate and a timeout judge as before', () => {
    expect(decideVerdict(shards(quarantined(0, counted(1), 1)), strict, { threshold: 80, percent: 50 })).toEqual({
      status: 'failed',
      reason: "Coverage 50% is below the suite's threshold of 80%; 1 failure in a quarantined test did not count",
    });
    expect(decideVerdict({ kind: 'shards', shards: [quarantined(0, counted(1), 1), shard(1, 'timed_out')], timeoutSeconds: 60 }, strict, noGate).status).toBe('timed_out');
  });
});

describe('outcomes', () => {
  it('takes the worst category as the test outcome', () => {
    expect(outcomeOf(['passed', 'error'])).toBe('error');
    expect(outcomeOf(['failed', 'error'])).toBe('failed');
    expect(outcomeOf(['xfailed'])).toBe('xfailed');
    expect(outcomeOf(['skipped'])).toBe('skipped');
    expect(outcomeOf([])).toBe('error');
  });

  it('counts and words them like pytest', () => {
    const counts = countCategories(['failed', 'passed', 'passed', 'error', 'error', 'xfailed', 'skipped', 'xpassed']);
    expect(counts).toEqual({ passed: 2, failed: 1, error: 2, skipped: 1, xfailed: 1, xpassed: 1 });
    expect(describeCounts(counts)).toBe('1 failed, 2 passed, 1 skipped, 1 xfailed, 1 xpassed, 2 errors');
    expect(describeCounts(emptyCounts())).toBe('no tests ran');
  });
});
