/**
 * When `npm start` restarts a child that died (issue 13 item 5), in one place: exponential backoff
 * from `baseMs`, doubling per consecutive crash up to `maxMs`; a child that stayed up `stableMs`
 * starts over at `baseMs`; a child that died more than `maxCrashes` times within `windowMs`, never
 * staying up `stableMs` in between, is given up on (a crash loop at start-up is a configuration problem that restarting will not fix).
 * Pure: the supervisor passes the clock in.
 */
export interface RestartPolicy {
  baseMs: number;
  maxMs: number;
  stableMs: number;
  maxCrashes: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  baseMs: 1_000,
  maxMs: 30_000,
  stableMs: 60_000,
  maxCrashes: 5,
  windowMs: 5 * 60_000,
};

/** What the supervisor remembers of one child's crashes. */
export interface CrashHistory {
  /** Crashes since the child last stayed up `stableMs` (the backoff exponent). */
  readonly consecutive: number;
  /** When recent crashes happened (ms), newest last; only those within `windowMs` are kept. */
  readonly recent: readonly number[];
  /** Restarts since the stack started (said in the log as "restart #k"). */
  readonly restarts: number;
}

export const NO_CRASHES: CrashHistory = { consecutive: 0, recent: [], restarts: 0 };

export type RestartDecision =
  | { action: 'restart'; delayMs: number; restart: number; history: CrashHistory }
  | { action: 'give-up'; reason: string; history: CrashHistory };

/** The decision for a child that started at `startedAt` and died at `now`. */
export function decideRestart(history: CrashHistory, startedAt: number, now: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): RestartDecision {
  const stayedUp = now - startedAt >= policy.stableMs;
  const consecutive = stayedUp ? 0 : history.consecutive;
  // Only a crash loop counts towards giving up: a child that stayed up starts a new count.
  const recent = stayedUp ? [now] : [...history.recent.filter((t) => now - t < policy.windowMs), now];
  if (recent.length > policy.maxCrashes) {
    const minutes = Math.round(policy.windowMs / 60_000);
    return { action: 'give-up', reason: `it died ${recent.length} times within ${minutes} min`, history: { consecutive: consecutive + 1, recent, restarts: history.restarts } };
  }
  const delayMs = Math.min(policy.baseMs * 2 ** consecutive, policy.maxMs);
  const restart = history.restarts + 1;
  return { action: 'restart', delayMs, restart, history: { consecutive: consecutive + 1, recent, restarts: restart } };
}
