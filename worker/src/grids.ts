import type { MikroORM } from '@mikro-orm/postgresql';
import { checkDueGrids, DEFAULT_ORGANIZATION, Organization, registerResource } from '@qatron/domain';

/**
 * Selenium Grids from the worker's side (issue 16 items 1 and 3): the Grid a deployment brings
 * (`npm start`'s embedded one, compose's and the chart's hub: QATRON_GRID_URL) is registered by
 * its workers, and control workers check every registered Grid's `/status` on an interval.
 *
 * The checks are a loop in the control workers rather than a Temporal Schedule: a check every 10 s
 * as a scheduled workflow would write a workflow history per check (8,640 a day) for work that
 * needs no durability, since a missed check is simply the next one. Several control workers do
 * not check a Grid twice per interval: each round claims the due Grids in one statement.
 */

/**
 * Registers the configured Grid in the default organization (re-registering keeps its id and
 * history). It is not checked here: the control workers' checks find a Grid never checked due at
 * once, so a worker's start never waits on a Grid that does not answer.
 */
export async function registerConfiguredGrid(orm: MikroORM, grid: { url: string; name: string }): Promise<void> {
  const em = orm.em.fork();
  const organization = await em.findOneOrFail(Organization, { slug: DEFAULT_ORGANIZATION.slug });
  await registerResource(em, { organization: organization.id, name: grid.name, kind: 'grid', url: grid.url, metadata: { registered_by: 'QATRON_GRID_URL' } }, new Date());
}

/** Checks the due Grids every `intervalSeconds` until stopped; logs each Grid whose health changed. */
export function startGridChecks(orm: MikroORM, intervalSeconds: number, log: (m: string) => void): { stop(): void } {
  let round: Promise<void> = Promise.resolve();
  const tick = () => {
    round = checkDueGrids(orm.em.fork(), new Date(), intervalSeconds)
      .then((changes) => {
        for (const { name, result } of changes) log(result.ok ? `Selenium Grid ${name} is healthy (${result.health.slots_free} of ${result.health.slots_total} slots free)` : `Selenium Grid ${name} is unhealthy: ${result.reason}`);
      })
      .catch((err: unknown) => log(`checking Selenium Grids failed: ${(err as Error).message}`));
  };
  tick();
  const timer = setInterval(() => void round.then(tick), intervalSeconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
