/**
 * Artifact retention (PRD 13.1-13.2): when a finished run's artifacts are due for deletion, and
 * which runs are overdue. The durable timer per run (the retention workflow) and the daily sweep
 * both decide with these, so that they cannot disagree.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DEFAULT_RETENTION_DAYS, ENVIRONMENT_KINDS } from './entities/environment.js';
import { FINAL_RUN_STATUSES } from './runs/status.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * When a run's artifacts are due for deletion: `completed_at + retention` (PRD 13.1 "retention
 * calculated from run.completed_at"), retention in days of exactly 24 hours (no calendar or DST
 * arithmetic; `findRunsPastRetention` multiplies `interval '24 hours'`, not `'1 day'`, for the same
 * reason).
 */
export function retentionDueAt(completedAt: Date, retentionDays: number): Date {
  return new Date(completedAt.getTime() + retentionDays * DAY_MS);
}

/**
 * The effective retention of an environment in SQL, for an `environments` row aliased `alias`:
 * its own `retention_days`, else the default of its kind (DEFAULT_RETENTION_DAYS, built from the
 * same table as `Environment.effectiveRetentionDays()`).
 */
export function effectiveRetentionDaysSql(alias: string): string {
  const byKind = ENVIRONMENT_KINDS.map((kind) => `when '${kind}' then ${DEFAULT_RETENTION_DAYS[kind]}`).join(' ');
  return `coalesce(${alias}.retention_days, case ${alias}.kind ${byKind} end)`;
}

const FINAL_STATUSES_SQL = FINAL_RUN_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * Ids of finished runs whose retention has passed at `now` and whose artifacts were not deleted
 * yet: what the per-run timers missed (a run that ended outside its workflow, a timer lost with
 * its workflow). One set-based query per batch: at most `limit` ids above `afterId`, ascending,
 * so that a caller pages by the last id it got (keyset) and never reads a run twice.
 */
export async function findRunsPastRetention(em: EntityManager, now: Date, limit: number, afterId = 0): Promise<number[]> {
  const rows = await em.getConnection().execute<{ id: number }[]>(
    `select r.id
       from runs r join environments e on e.id = r.environment_id
      where r.id > ?
        and r.artifacts_deleted = false
        and r.completed_at is not null
        and r.status in (${FINAL_STATUSES_SQL})
        and r.completed_at + ${effectiveRetentionDaysSql('e')} * interval '24 hours' <= ?
      order by r.id
      limit ?`,
    [afterId, now, limit],
  );
  return rows.map((row) => Number(row.id));
}
