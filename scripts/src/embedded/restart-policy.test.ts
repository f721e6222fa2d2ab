import { describe, expect, it } from 'vitest';
import { decideRestart, DEFAULT_RESTART_POLICY, NO_CRASHES, type CrashHistory, type RestartDecision } from './restart-policy.js';

/** Crashes a child `times` times, each `upMs` after its (re)start, following the delays decided. */
function crashRepeatedly(times: number, upMs: number): RestartDecision[] {
  const decisions: RestartDecision[] = [];
  let history: CrashHistory = NO_CRASHES;
  let startedAt = 0;
  for (let i = 0; i < times; i++) {
    const decision = decideRestart(history, startedAt, startedAt + upMs);
    decisions.push(decision);
    history = decision.history;
    startedAt += upMs + (decision.action === 'restart' ? decision.delayMs : 0);
  }
  return decisions;
}

describe('restart policy', () => {
  it('backs off exponentially from 1 s, capped at 30 s, numbering the restarts', () => {
    const policy = { ...DEFAULT_RESTART_POLICY, maxCrashes: 100, windowMs: 3_600_000 };
    let history: CrashHistory = NO_CRASHES;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const decision = decideRestart(history, i * 1000, i * 1000 + 500, policy);
      if (decision.action !== 'restart') throw new Error('gave up');
      expect(decision.restart).toBe(i + 1);
      delays.push(decision.delayMs);
      history = decision.history;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('starts over at 1 s once the child has stayed up a minute, and keeps counting restarts', () => {
    const first = decideRestart(NO_CRASHES, 0, 500);
    const second = decideRestart(first.history, 1500, 2000);
    expect(second).toMatchObject({ action: 'restart', delayMs: 2000 });
    const afterStableRun = decideRestart(second.history, 4000, 4000 + 60_000);
    expect(afterStableRun).toMatchObject({ action: 'restart', delayMs: 1000, restart: 3 });
  });

  it('gives up on a child that dies a sixth time within five minutes without staying up', () => {
    const decisions = crashRepeatedly(6, 2000);
    expect(decisions.slice(0, 5).map((d) => d.action)).toEqual(['restart', 'restart', 'restart', 'restart', 'restart']);
    expect(decisions[5]).toMatchObject({ action: 'give-up', reason: 'it died 6 times within 5 min' });
  });

  it('never gives up on a child that stays up between crashes', () => {
    const decisions = crashRepeatedly(20, 61_000);
    expect(decisions.every((d) => d.action === 'restart' && d.delayMs === 1000)).toBe(true);
  });

  it('forgets crashes older than the window', () => {
    // Five quick crashes, then a long quiet backoff (the child was down, not up): the window moves on.
    let history: CrashHistory = NO_CRASHES;
    for (let i = 0; i < 5; i++) history = decideRestart(history, i * 1000, i * 1000 + 100).history;
    const later = decideRestart(history, 400_000, 400_100);
    expect(later.action).toBe('restart');
  });
});
