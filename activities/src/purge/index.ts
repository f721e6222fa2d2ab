import { LockMode } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import { AuditLog, Purge, type AuditAction, type PurgeActivities, type PurgeBatch, type PurgedResourceType, type PurgeResult } from '@qatron/domain';
import { SYSTEM_ACTOR } from '@qatron/domain/quarantine/active';
import type { ActivityDeps } from '../deps.js';
import { activityFailure } from '../failures.js';

/**
 * Prefixes one activity deletes before it returns to the workflow: small enough that a batch ends
 * well within its timeout on S3 (a run holds up to a few thousand objects, deleted 1,000 a request),
 * large enough that a project with thousands of runs takes few workflow events.
 */
export const PURGE_BATCH = 50;

/** The audit action that says a deletion's artifacts are gone from the store. */
const PURGED_ACTION: Record<PurgedResourceType, AuditAction> = { project: 'project.purged', suite: 'suite.purged', environment: 'environment.purged' };

/**
 * The purge workflow's activities (issue 17 item 4): delete what a deleted project, suite or
 * environment left in the artifact store, prefix by prefix, from its `purges` row. Each deleted
 * prefix moves the row's cursor in its own statement, so a retried activity, another worker or a
 * restarted workflow goes on after the last prefix known gone; deleting a prefix again (the one a
 * dying worker was on) finds nothing and is harmless, as the store's `deletePrefix` is idempotent.
 */
export function createPurgeActivities(deps: Pick<ActivityDeps, 'orm' | 'store' | 'log'>, options: { batchSize?: number } = {}): PurgeActivities {
  const em = () => deps.orm.em.fork();
  const batchSize = options.batchSize ?? PURGE_BATCH;

  async function purgeOf(purgeId: number): Promise<Purge> {
    const purge = await em().findOne(Purge, { id: purgeId });
    // The API starts the workflow inside the transaction that records the purge: until it commits, wait.
    if (!purge) throw activityFailure('PurgeNotRecorded', `purge ${purgeId} is not recorded (yet)`);
    return purge;
  }

  /** Records that prefix `index` is gone (the cursor moves only from where this attempt found it). */
  async function advance(purgeId: number, index: number, objects: number): Promise<void> {
    await em()
      .getConnection()
      .execute('update "purges" set "prefixes_done" = ?, "objects_deleted" = "objects_deleted" + ?, "updated_at" = now() where "id" = ? and "prefixes_done" = ?', [
        index + 1,
        objects,
        purgeId,
        index,
      ]);
  }

  return {
    async awaitPurgeRecorded({ purgeId }) {
      return { prefixes: (await purgeOf(purgeId)).prefixes.length };
    },

    /**
     * Deletes up to `batchSize` prefixes from the cursor on, heartbeating after each so that a
     * worker that dies mid-batch is noticed within the heartbeat timeout and the next attempt
     * starts where the cursor stands. Store failures fail the attempt (retried by the workflow).
     */
    async purgeArtifactBatch({ purgeId }): Promise<PurgeBatch> {
      const purge = await purgeOf(purgeId);
      const end = Math.min(purge.prefixesDone + batchSize, purge.prefixes.length);
      let objects = 0;
      for (let index = purge.prefixesDone; index < end; index++) {
        const removed = await deps.store.deletePrefix(purge.prefixes[index]!);
        await advance(purgeId, index, removed);
        objects += removed;
        Context.current().heartbeat({ prefixesDone: index + 1, objects });
      }
      return { remaining: purge.prefixes.length - end, objects };
    },

    /**
     * Marks the purge done and audits `<resource>.purged` as the platform's doing, naming who
     * deleted the resource. Once: a repeated call finds it purged and only reports it.
     */
    async finishPurge({ purgeId }): Promise<PurgeResult> {
      return em().transactional(async (tx) => {
        const purge = await tx.findOne(Purge, { id: purgeId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!purge) throw activityFailure('PurgeNotRecorded', `purge ${purgeId} is not recorded`);
        if (purge.status === 'purged') return { purged: true, objects: purge.objectsDeleted };
        if (purge.prefixesDone < purge.prefixes.length) {
          throw new Error(`purge ${purgeId} has ${purge.prefixes.length - purge.prefixesDone} prefix(es) left; it cannot finish yet`);
        }
        purge.status = 'purged';
        purge.completedAt = new Date();
        const entry = new AuditLog(purge.organization, PURGED_ACTION[purge.resourceType], SYSTEM_ACTOR, purge.resourceType);
        entry.resourceId = String(purge.resourceId);
        entry.details = { purge_id: purge.id, name: purge.resourceName, requested_by: purge.requestedBy, prefixes: purge.prefixes.length, objects: purge.objectsDeleted };
        tx.persist(entry);
        deps.log(`purge ${purge.id}: ${purge.resourceType} ${purge.resourceId} (${purge.resourceName}) purged, ${purge.objectsDeleted} object(s) deleted`);
        return { purged: true, objects: purge.objectsDeleted };
      });
    },
  };
}
