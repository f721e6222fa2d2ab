/**
 * When a quarantine counts (issue 15 item 2). A quarantine is active at a moment when it was added
 * by then, not lifted by then, and its expiry (if any) is still ahead: so a quarantine whose expiry
 * has passed stops counting at that exact moment, whether or not the daily sweep has lifted it yet.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode, type FilterQuery } from '@mikro-orm/core';
import { AuditLog } from '../entities/audit-log.js';
import { Quarantine } from '../entities/quarantine.js';
import type { Run } from '../entities/run.js';
import type { QuarantinedReports } from '../runs/verdict.js';

/** The actor an expiry is recorded under: the platform itself, as the seed's entries are. */
export const SYSTEM_ACTOR = 'system';

/** Quarantines active at `moment` (the ORM filter). */
export function activeAt(moment: Date): FilterQuery<Quarantine> {
  return {
    createdAt: { $lte: moment },
    $and: [{ $or: [{ liftedAt: null }, { liftedAt: { $gt: moment } }] }, { $or: [{ expiresAt: null }, { expiresAt: { $gt: moment } }] }],
  };
}

/** The same rule for a loaded quarantine. */
export function isActiveAt(quarantine: Pick<Quarantine, 'createdAt' | 'liftedAt' | 'expiresAt'>, moment: Date): boolean {
  return quarantine.createdAt <= moment && (quarantine.liftedAt === null || quarantine.liftedAt > moment) && (quarantine.expiresAt === null || quarantine.expiresAt > moment);
}

/** Quarantines not lifted but whose expiry has passed at `moment`. */
export function expiredAt(moment: Date): FilterQuery<Quarantine> {
  return { liftedAt: null, expiresAt: { $ne: null, $lte: moment } };
}

/** The same rule as `activeAt`, in SQL over the alias `q`, with `?` bound to the moment three times. */
const ACTIVE_AT_SQL = `q.created_at <= ? and (q.lifted_at is null or q.lifted_at > ?) and (q.expires_at is null or q.expires_at > ?)`;

/** A run's failing tests that were quarantined at `moment`, by shard: what the verdict leaves out. */
export async function quarantinedFailuresByShard(em: EntityManager, run: Pick<Run, 'id' | 'project'>, moment: Date): Promise<Map<number, QuarantinedReports>> {
  const rows = await em.getConnection().execute<{ shard_index: number; outcome: 'failed' | 'error'; tests: string }[]>(
    `select t.shard_index, t.outcome, count(*) as tests
       from test_results t
      where t.run_id = ? and t.outcome in ('failed', 'error')
        and exists (select 1 from quarantines q where q.project_id = ? and q.node_id = t.node_id and ${ACTIVE_AT_SQL})
      group by t.shard_index, t.outcome`,
    [run.id, run.project, moment, moment, moment],
  );
  const byShard = new Map<number, QuarantinedReports>();
  for (const row of rows) {
    const reports = byShard.get(row.shard_index) ?? { failed: 0, error: 0 };
    reports[row.outcome] += Number(row.tests);
    byShard.set(row.shard_index, reports);
  }
  return byShard;
}

/**
 * Lifts the quarantine as expired (at its expiry, the moment it stopped counting) and audits it as
 * done by the platform. The caller flushes, in one transaction with whatever else it changes.
 */
export function recordExpiry(em: EntityManager, quarantine: Quarantine): void {
  quarantine.liftedAt = quarantine.expiresAt ?? new Date();
  quarantine.liftedBy = null;
  quarantine.liftedByName = SYSTEM_ACTOR;
  quarantine.liftReason = 'expired';
  const entry = new AuditLog(quarantine.organization, 'quarantine.expired', SYSTEM_ACTOR, 'quarantine');
  entry.resourceId = String(quarantine.id);
  entry.details = { project_id: quarantine.project, node_id: quarantine.nodeId, owner: quarantine.owner, expires_at: quarantine.expiresAt?.toISOString() ?? null };
  em.persist(entry);
}

/**
 * Lifts every quarantine whose expiry has passed at `now`, each with its audit entry, in one
 * transaction: repeating it (a retried sweep) finds nothing left to lift. Returns how many.
 */
export async function liftExpiredQuarantines(em: EntityManager, now: Date): Promise<number> {
  return em.transactional(async (tx) => {
    const expired = await tx.find(Quarantine, expiredAt(now), { orderBy: { id: 'asc' }, lockMode: LockMode.PESSIMISTIC_WRITE });
    for (const quarantine of expired) recordExpiry(tx, quarantine);
    return expired.length;
  });
}
