import type { EntityManager } from '@mikro-orm/postgresql';
import { GridOutage } from '../entities/grid-outage.js';
import { InfrastructureResource } from '../entities/infrastructure-resource.js';
import { gridProblem, GridUnavailableError, readGridHealth, type GridHealth } from './grid-status.js';

/**
 * The platform's checks of registered Selenium Grids (issue 16 item 3). Control workers call
 * `checkDueGrids` every GRID_CHECK_INTERVAL_SECONDS; the API calls `checkGridNow` when a Grid is
 * registered or an admin asks, and the run calls it before its shards start. Every check is
 * recorded the same way: a passing one counts as the Grid's heartbeat and closes an open outage,
 * a failing one marks it unhealthy at once and opens an outage if none is open.
 */

/** One check's result: the Grid's health, or why it cannot take sessions (with what it answered, if anything). */
export type GridCheckResult = { ok: true; health: GridHealth } | { ok: false; reason: string; health: GridHealth | null };

/** Checks the Grid at `url` (one request) without recording anything. */
export async function probeGrid(url: string): Promise<GridCheckResult> {
  let health: GridHealth;
  try {
    health = await readGridHealth(url);
  } catch (err) {
    if (!(err instanceof GridUnavailableError)) throw err;
    return { ok: false, reason: err.message, health: null };
  }
  // A Grid that answered but cannot take sessions still tells what it has.
  const problem = gridProblem(health);
  return problem ? { ok: false, reason: problem, health } : { ok: true, health };
}

/**
 * Records `result` on Grid `id` and its outage history; answers whether this check changed its
 * health. The Grid is loaded through `em` (the caller's instance when `em` manages it already).
 */
export async function recordGridCheck(em: EntityManager, id: number, result: GridCheckResult, now: Date): Promise<{ changed: boolean }> {
  const grid = await em.findOneOrFail(InfrastructureResource, { id });
  const wasHealthy = grid.checkedAt === null ? null : grid.checkError === null;
  grid.checkedAt = now;
  if (result.health) grid.gridHealth = result.health;
  const open = await em.findOne(GridOutage, { resource: grid.id, endedAt: null }, { orderBy: { startedAt: 'desc' } });
  if (result.ok) {
    grid.checkError = null;
    grid.lastHeartbeatAt = now;
    grid.stoppedAt = null;
    grid.capacity = Math.max(1, result.health.slots_total);
    if (open) open.endedAt = now;
  } else {
    grid.checkError = result.reason.slice(0, 2000);
    if (!open) em.persist(new GridOutage(grid.organization, grid.id, now, grid.checkError));
  }
  await em.flush();
  return { changed: wasHealthy !== result.ok };
}

/** Checks Grid `grid` at its URL now and records the result (on `grid` itself when `em` manages it). */
export async function checkGridNow(em: EntityManager, grid: InfrastructureResource, now = new Date()): Promise<GridCheckResult> {
  if (!grid.url) return { ok: false, reason: 'has no URL to check', health: null };
  const result = await probeGrid(grid.url);
  await recordGridCheck(em, grid.id, result, now);
  return result;
}

/**
 * Claims the Grids whose last check is older than most of an interval, across organizations, by
 * stamping `checked_at` in one statement: with several control workers, each Grid is checked by
 * one of them per interval rather than by all.
 */
async function claimDueGrids(em: EntityManager, now: Date, intervalSeconds: number): Promise<number[]> {
  const dueBefore = new Date(now.getTime() - intervalSeconds * 800);
  const rows = await em.getConnection().execute<Array<{ id: number }>>(
    `update "infrastructure_resources" set "checked_at" = ? where "kind" = 'grid' and "url" is not null and ("checked_at" is null or "checked_at" < ?) returning "id"`,
    [now, dueBefore],
  );
  return rows.map((r) => r.id);
}

/** One scheduled round: every due Grid checked in parallel; answers the Grids whose health changed, for the log. */
export async function checkDueGrids(em: EntityManager, now: Date, intervalSeconds: number): Promise<Array<{ name: string; organization: number; result: GridCheckResult }>> {
  const ids = await claimDueGrids(em, now, intervalSeconds);
  const changes = await Promise.all(
    ids.map(async (id) => {
      const fork = em.fork();
      const grid = await fork.findOne(InfrastructureResource, { id });
      if (!grid?.url) return null;
      const result = await probeGrid(grid.url);
      const { changed } = await recordGridCheck(fork, id, result, new Date());
      return changed ? { name: grid.name, organization: grid.organization, result } : null;
    }),
  );
  return changes.filter((c) => c !== null);
}
