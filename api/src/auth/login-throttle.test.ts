import { describe, expect, it } from 'vitest';
import { ADDRESS_MAX_FAILURES, LoginThrottle, loginThrottleFor } from './login-throttle.js';

function throttleAt() {
  const clock = { now: 0 };
  const throttle = new LoginThrottle(
    { addressMaxFailures: 10, windowMs: 15 * 60_000, pairMaxFailures: 5, pairLockMs: 30_000, maxLockMs: 15 * 60_000, accountMaxFailures: 10, accountDelayMs: 1000 },
    () => clock.now,
  );
  return { throttle, clock };
}

describe('LoginThrottle', () => {
  it('refuses an address from its 11th failure on, whatever other accounts succeed meanwhile', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 10; i++) {
      expect(throttle.retryAfter('10.0.0.1')).toBe(0);
      throttle.recordFailure(`name:victim-${i}`, '10.0.0.1');
      throttle.recordSuccess('user:1', '10.0.0.1');
    }
    expect(throttle.retryAfter('10.0.0.1')).toBe(900);
    expect(throttle.retryAfter('10.0.0.2')).toBe(0);
  });

  it('lets the address in again once its oldest failure leaves the window', () => {
    const { throttle, clock } = throttleAt();
    for (let i = 0; i < 10; i++) throttle.recordFailure(`name:n${i}`, 'a');
    clock.now = 15 * 60_000 + 1;
    expect(throttle.retryAfter('a')).toBe(0);
  });

  it('locks one account from one address only, with delays that double up to the longest lock', () => {
    const { throttle, clock } = throttleAt();
    for (let i = 0; i < 4; i++) expect(throttle.recordFailure('user:7', 'attacker')).toBe(false);
    expect(throttle.recordFailure('user:7', 'attacker')).toBe(true);
    expect(throttle.isLocked('user:7', 'attacker')).toBe(true);
    expect(throttle.isLocked('user:7', 'owner')).toBe(false);
    expect(throttle.isLocked('user:8', 'attacker')).toBe(false);
    clock.now += 30_000;
    expect(throttle.isLocked('user:7', 'attacker')).toBe(false);
    throttle.recordFailure('user:7', 'attacker');
    clock.now += 59_999;
    expect(throttle.isLocked('user:7', 'attacker')).toBe(true);
    clock.now += 1;
    expect(throttle.isLocked('user:7', 'attacker')).toBe(false);
    for (let i = 0; i < 10; i++) {
      throttle.recordFailure('user:7', 'attacker');
      clock.now += 15 * 60_000;
    }
    throttle.recordFailure('user:7', 'attacker');
    clock.now += 15 * 60_000 - 1;
    expect(throttle.isLocked('user:7', 'attacker')).toBe(true);
    clock.now += 1;
    expect(throttle.isLocked('user:7', 'attacker')).toBe(false);
  });

  it('does not lengthen a lock with attempts made while locked, and a success clears that pair only', () => {
    const { throttle, clock } = throttleAt();
    for (let i = 0; i < 5; i++) throttle.recordFailure('user:7', 'a');
    for (let i = 0; i < 5; i++) throttle.recordFailure('user:7', 'b');
    throttle.recordFailure('user:7', 'a');
    clock.now += 30_000;
    expect(throttle.isLocked('user:7', 'a')).toBe(false);
    throttle.recordSuccess('user:7', 'b');
    expect(throttle.isLocked('user:7', 'b')).toBe(false);
  });

  it('slows an account guessed at from many addresses, without locking it', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 9; i++) throttle.recordFailure('user:7', `10.0.0.${i}`);
    expect(throttle.delayMs('user:7')).toBe(0);
    throttle.recordFailure('user:7', '10.0.0.9');
    expect(throttle.delayMs('user:7')).toBe(1000);
    expect(throttle.isLocked('user:7', 'owner')).toBe(false);
    expect(throttle.delayMs('user:8')).toBe(0);
  });

  it('is configured from LOGIN_MAX_FAILURES and LOGIN_LOCK_MINUTES', () => {
    expect(loginThrottleFor({ loginMaxFailures: 5, loginLockMinutes: 15 }).options).toEqual({
      addressMaxFailures: ADDRESS_MAX_FAILURES,
      windowMs: 900_000,
      pairMaxFailures: 5,
      pairLockMs: 30_000,
      maxLockMs: 900_000,
      accountMaxFailures: 10,
      accountDelayMs: 1000,
    });
  });
});
