/**
 * Brute-force guards on password login (issue 13, item 4), in memory: each API replica limits on
 * its own, which bounds a guessing rate per replica.
 *
 * - Per address: `addressMaxFailures` failed logins within `windowMs` and the address gets 429
 *   until the oldest falls out of the window. Successes never clear it, so an attacker holding
 *   one account cannot reset the counter while guessing others.
 * - Per account and address: after `pairMaxFailures` failures of one account from one address,
 *   that address is locked out of that account for `pairLockMs`, doubling with every further
 *   failure up to `maxLockMs`. The owner elsewhere is never locked out by someone else's guesses.
 * - Per account: after `accountMaxFailures` failures within the window from anywhere, each attempt
 *   on the account is answered `accountDelayMs` later. It slows guessing; it never locks.
 *
 * An "account" is a key the caller picks: the user's id when the user exists, the name as typed
 * otherwise, so unknown names are treated exactly like accounts (no enumeration by behaviour).
 */
export interface LoginThrottleOptions {
  addressMaxFailures: number;
  windowMs: number;
  pairMaxFailures: number;
  pairLockMs: number;
  maxLockMs: number;
  accountMaxFailures: number;
  accountDelayMs: number;
}

interface PairState {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
}

const MAX_ENTRIES = 10_000;

export class LoginThrottle {
  private readonly addressFailures = new Map<string, number[]>();
  private readonly accountFailures = new Map<string, number[]>();
  private readonly pairs = new Map<string, PairState>();

  constructor(
    readonly options: LoginThrottleOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `ip` may try again, or 0 if it may now. */
  retryAfter(ip: string): number {
    const recent = this.recent(this.addressFailures, ip);
    if (recent.length < this.options.addressMaxFailures) return 0;
    return ((recent[0] ?? 0) + this.options.windowMs - this.now()) / 1000;
  }

  /** Whether `ip` is locked out of `account` now (answered like a wrong password). */
  isLocked(account: string, ip: string): boolean {
    return (this.pairs.get(pairKey(account, ip))?.lockedUntil ?? 0) > this.now();
  }

  /** How long to hold the answer for `account` (0 unless it is being guessed at from many places). */
  delayMs(account: string): number {
    return this.recent(this.accountFailures, account).length >= this.options.accountMaxFailures ? this.options.accountDelayMs : 0;
  }

  /** Counts a failed login of `account` from `ip`; returns whether the pair is now locked. */
  recordFailure(account: string, ip: string): boolean {
    const now = this.now();
    this.push(this.addressFailures, ip, now);
    this.push(this.accountFailures, account, now);
    const key = pairKey(account, ip);
    const pair = this.pairs.get(key) ?? { failures: 0, lockedUntil: 0, lastFailure: now };
    // Attempts while locked are not guesses that count: they would only lengthen the lock.
    if (pair.lockedUntil <= now) {
      pair.failures += 1;
      const beyond = pair.failures - this.options.pairMaxFailures;
      if (beyond >= 0) pair.lockedUntil = now + Math.min(this.options.pairLockMs * 2 ** Math.min(beyond, 30), this.options.maxLockMs);
    }
    pair.lastFailure = now;
    this.pairs.set(key, pair);
    if (this.pairs.size > MAX_ENTRIES) this.prune();
    return pair.lockedUntil > now;
  }

  /** A successful login clears that account's lock from that address only; the address counter stays. */
  recordSuccess(account: string, ip: string): void {
    this.pairs.delete(pairKey(account, ip));
  }

  private push(map: Map<string, number[]>, key: string, now: number): void {
    const recent = this.recent(map, key);
    recent.push(now);
    map.set(key, recent);
    if (map.size > MAX_ENTRIES) this.prune();
  }

  private recent(map: Map<string, number[]>, key: string): number[] {
    const cutoff = this.now() - this.options.windowMs;
    return (map.get(key) ?? []).filter((t) => t > cutoff);
  }

  private prune(): void {
    for (const map of [this.addressFailures, this.accountFailures]) {
      for (const key of [...map.keys()]) {
        const recent = this.recent(map, key);
        if (recent.length === 0) map.delete(key);
        else map.set(key, recent);
      }
    }
    const now = this.now();
    for (const [key, pair] of this.pairs) {
      if (pair.lockedUntil <= now && pair.lastFailure < now - this.options.maxLockMs) this.pairs.delete(key);
    }
  }
}

const pairKey = (account: string, ip: string) => `${account}\u0000${ip}`;

/** Per-address failures that get 429: the 11th failed login from one address within the window is refused. */
export const ADDRESS_MAX_FAILURES = 10;

/**
 * The guards from the configuration: LOGIN_MAX_FAILURES failures of one account from one address
 * lock that pair for 30 s, doubling up to LOGIN_LOCK_MINUTES; twice as many from anywhere slow
 * every attempt on the account by a second.
 */
export function loginThrottleFor(auth: { loginMaxFailures: number; loginLockMinutes: number }): LoginThrottle {
  return new LoginThrottle({
    addressMaxFailures: ADDRESS_MAX_FAILURES,
    windowMs: auth.loginLockMinutes * 60_000,
    pairMaxFailures: auth.loginMaxFailures,
    pairLockMs: 30_000,
    maxLockMs: auth.loginLockMinutes * 60_000,
    accountMaxFailures: auth.loginMaxFailures * 2,
    accountDelayMs: 1000,
  });
}
