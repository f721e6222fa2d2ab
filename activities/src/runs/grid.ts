/**
 * A browser run and its Selenium Grid (issue 16 item 4). Before any shard starts, the run checks
 * the Grid its environment names: a Grid that is down ends the run infra_failed with "Selenium
 * Grid <name> unavailable: …" and no test executed; a Grid with every slot busy is waited for,
 * visibly (the run's status reason says so), and the run starts no more shards than the Grid has
 * free slots for, so its sessions wait in no queue and time out in none. After a shard's tests,
 * a Grid that went down meanwhile turns that shard's failures into infra_failed: the tests did
 * not fail, their browser did.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { checkGridNow, InfrastructureResource, probeGrid, Run, type Environment, type GridMetadata } from '@qatron/domain';
import { activityFailure } from '../failures.js';

/** How often a run waiting for a free slot asks the Grid again. */
const SLOT_POLL_MS = 3000;

/** What the run needs from the Grid: how many shards it wants, how many browser sessions each opens at once. */
export interface GridDemand {
  shards: number;
  sessionsPerShard: number;
  /** How long to wait for a free slot before giving up (the suite's timeout). */
  waitSeconds: number;
}

function unavailable(name: string, reason: string) {
  return activityFailure('GridUnavailable', `Selenium Grid ${name} unavailable: ${reason}`);
}

/** Shards that fit `free` slots when each opens `sessionsPerShard` sessions at once; at least one. */
export function shardsForFreeSlots(wanted: number, free: number, sessionsPerShard: number): number {
  return Math.min(wanted, Math.max(1, Math.floor(free / Math.max(1, sessionsPerShard))));
}

/**
 * Checks the environment's Grid and waits for a free slot; answers the Grid's record for the run's
 * metadata and the shards to start (null when the environment names no Grid).
 * @throws {ApplicationFailure} `GridUnavailable` (non-retryable) when the Grid is down or no slot frees up in time
 */
export async function reserveRunGrid(db: EntityManager, run: Run, environment: Environment, demand: GridDemand, signal: AbortSignal): Promise<{ grid: GridMetadata; shards: number } | null> {
  if (environment.grid === null) return null;
  const grid = await db.findOneOrFail(InfrastructureResource, { id: environment.grid });
  const deadline = Date.now() + demand.waitSeconds * 1000;
  let waiting = false;
  for (;;) {
    const result = await checkGridNow(db, grid);
    if (!result.ok) throw unavailable(grid.name, result.reason);
    const { slots_free: free, slots_total: total } = result.health;
    if (free > 0) {
      if (waiting) await setWaitingReason(db, run, null);
      const metadata = { id: grid.id, name: grid.name, url: grid.url ?? '', slots_total: total, slots_free: free, shards_wanted: demand.shards };
      return { grid: metadata, shards: shardsForFreeSlots(demand.shards, free, demand.sessionsPerShard) };
    }
    if (Date.now() >= deadline) throw unavailable(grid.name, `no browser slot became free within ${demand.waitSeconds} s (all ${total} busy)`);
    waiting = true;
    await setWaitingReason(db, run, `Waiting for a free slot on Selenium Grid ${grid.name} (all ${total} busy)`);
    await pause(SLOT_POLL_MS, signal);
  }
}

/** The run's status reason while it waits for the Grid (the Board and `qatron status` show it), cleared when it goes on. */
async function setWaitingReason(db: EntityManager, run: Run, reason: string | null): Promise<void> {
  run.statusReason = reason;
  // Written at once and by itself: the rest of the run's row is provisioning's to write.
  await db.nativeUpdate(Run, { id: run.id }, { statusReason: reason });
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

/**
 * After a shard's tests: when some failed and the run's Grid does not answer now, the Grid's outage
 * is why (issue 16 item 4: never `failed` for the Grid's fault). Answers the reason, or null when the
 * Grid is fine (the failures are the tests' own) or the run uses no Grid. The check is recorded, so
 * the Infrastructure page shows the outage at once.
 */
export async function gridOutageDuringShard(db: EntityManager, run: Run, anyFailure: boolean): Promise<string | null> {
  const recorded = run.runMetadata.grid;
  if (!recorded || !anyFailure) return null;
  const grid = await db.findOne(InfrastructureResource, { id: recorded.id });
  const result = grid ? await checkGridNow(db, grid) : await probeGrid(recorded.url);
  return result.ok ? null : `Selenium Grid ${recorded.name} unavailable: ${result.reason}`;
}
