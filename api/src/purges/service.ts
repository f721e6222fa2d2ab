import type { EntityManager } from '@mikro-orm/postgresql';
import { Purge } from '@qatron/domain';
import { prefixesToPurge, type PurgeScope } from '@qatron/domain/purge/prefixes';
import { notFound } from '../http/problems.js';
import type { Principal } from '../http/principal.js';
import { projectChildFilter } from '../http/scope.js';
import type { PurgeStarter } from './starter.js';

/**
 * Records what the deletion of `scope` leaves in the artifact store and starts its purge workflow,
 * inside the caller's deleting transaction (issue 17 item 4). Called before the rows go: their
 * runs are what name the prefixes. Starting the workflow before the commit means no committed
 * deletion is ever left without its purge: if Temporal is out of reach the start throws (503) and
 * the whole deletion rolls back; the workflow itself waits until the purge row is committed.
 */
export async function recordPurge(tx: EntityManager, purges: PurgeStarter, scope: PurgeScope & { name: string }, principal: Principal): Promise<Purge> {
  const prefixes = await prefixesToPurge(tx, scope);
  const purge = new Purge(scope.organization, { type: scope.type, id: scope.id, name: scope.name, project: scope.project }, prefixes, principal.name);
  tx.persist(purge);
  await tx.flush();
  await purges.start(purge.id);
  return purge;
}

/** One purge the caller may see (its organization, a scoped token's project); 404 otherwise. */
export async function getPurge(em: EntityManager, principal: Principal, id: number): Promise<Purge> {
  const purge = await em.findOne(Purge, { ...projectChildFilter(principal), id });
  if (!purge) throw notFound('Purge', id);
  return purge;
}
