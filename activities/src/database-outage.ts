/**
 * Riding out a database outage (issue 13 item 5). The run's state lives in Temporal, the shards'
 * evidence in the artifact store: PostgreSQL being down or restarting for a few minutes must not
 * turn a run whose tests all passed into `infra_failed`. So an activity that meets an unreachable
 * database waits, with backoff and heartbeats, and tries again in place — a shard keeps its
 * pytest results instead of running its tests again — until the database answers or the attempt's
 * own deadline nears; then it fails as a retryable `DatabaseUnavailable` and Temporal's retry
 * policy takes over. Any other error passes through at once.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { isDatabaseUnavailable } from '@qatron/domain';

/** The longest one attempt waits for the database in place (longer outages go to Temporal's retries). */
export const MAX_OUTAGE_WAIT_MS = 15 * 60_000;
/** Room left before the attempt's start-to-close deadline to fail cleanly instead of timing out. */
const DEADLINE_MARGIN_MS = 10_000;
const FIRST_WAIT_MS = 500;
const LONGEST_WAIT_MS = 5_000;
/** Within every heartbeat timeout the workflows use (the tests' is 6 s). */
const HEARTBEAT_EVERY_MS = 2_000;

export interface OutageOptions {
  /** What the work does, for the log and the failure ("storing shard 2's results"). */
  what: string;
  log: (message: string) => void;
  /** How long to wait in all; default: until shortly before this attempt's deadline, at most MAX_OUTAGE_WAIT_MS. */
  budgetMs?: number;
}

/** Runs `work`, and again after a pause whenever it fails because the database is unreachable. */
export async function untilDatabaseAnswers<T>(work: () => Promise<T>, options: OutageOptions): Promise<T> {
  const started = Date.now();
  const budget = options.budgetMs ?? attemptBudgetMs();
  let wait = FIRST_WAIT_MS;
  let waits = 0;
  for (;;) {
    try {
      const result = await work();
      if (waits > 0) options.log(`the database answers again: ${options.what} went through after ${seconds(Date.now() - started)} s`);
      return result;
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      const waited = Date.now() - started;
      if (waited + wait > budget) {
        throw ApplicationFailure.retryable(`the database was unreachable for ${seconds(waited)} s while ${options.what}: ${(err as Error).message}`, 'DatabaseUnavailable');
      }
      if (waits === 0) options.log(`the database is unreachable while ${options.what} (${(err as Error).message}); waiting for it`);
      waits += 1;
      await pause(wait);
      wait = Math.min(wait * 2, LONGEST_WAIT_MS);
    }
  }
}

/**
 * The activities with each one's whole body retried through outages, except `inPlace`: those
 * (the shard, which must not run its tests twice) guard their own database steps.
 */
export function ridingDatabaseOutages<A extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: A, inPlace: readonly (keyof A)[], log: (message: string) => void): A {
  const wrapped: Record<string, unknown> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = inPlace.includes(name) ? activity : (...args: never[]) => untilDatabaseAnswers(() => activity(...args), { what: `running ${name}`, log });
  }
  return wrapped as A;
}

/** Until shortly before this attempt's start-to-close deadline, capped. */
function attemptBudgetMs(): number {
  const info = Context.current().info;
  const deadline = info.currentAttemptScheduledTimestampMs + info.startToCloseTimeoutMs - DEADLINE_MARGIN_MS;
  return Math.max(0, Math.min(MAX_OUTAGE_WAIT_MS, deadline - Date.now()));
}

/** Waits `ms`, heartbeating meanwhile so that the wait is neither a lost worker nor deaf to cancellation. */
async function pause(ms: number): Promise<void> {
  const ctx = Context.current();
  const beat = () => ctx.heartbeat();
  beat();
  const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
  try {
    await ctx.sleep(ms);
  } finally {
    clearInterval(timer);
  }
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;
