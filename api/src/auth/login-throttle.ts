/**
 * Brute-force guard per client address (a sliding window of failed logins), beside the per-account
 * lockout kept in the database. In memory: each API replica limits on its own, which bounds a
 * guessing rate per replica; the account lockout is shared through the database.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `ip` may try again, or 0 if it may now. */
  retryAfter(ip: string): number {
    const recent = this.recent(ip);
    if (recent.length < this.maxFailures) return 0;
    return ((recent[0] ?? 0) + this.windowMs - this.now()) / 1000;
  }

  recordFailure(ip: string): void {
    const recent = this.recent(ip);
    recent.push(this.now());
    this.failures.set(ip, recent);
    if (this.failures.size > 10_000) this.prune();
  }

  recordSuccess(ip: string): void {
    this.failures.delete(ip);
  }

  private recent(ip: string): number[] {
    const cutoff = this.now() - this.windowMs;
    return (this.failures.get(ip) ?? []).filter((t) => t > cutoff);
  }

  private prune(): void {
    for (const ip of [...this.failures.keys()]) {
      const recent = this.recent(ip);
      if (recent.length === 0) this.failures.delete(ip);
      else this.failures.set(ip, recent);
    }
  }
}
