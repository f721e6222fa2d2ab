import { CONTROL_TASK_QUEUE, purgeWorkflowId, type QatronWorkflows } from '@qatron/domain';
import { engineUnavailable } from '../http/problems.js';
import type { TemporalConnection } from '../temporal.js';

/** Starts the purge workflow of a recorded purge (issue 17 item 4). */
export interface PurgeStarter {
  /**
   * Starts workflow `purge-<id>` (joining one already running); throws a 503 problem when Temporal
   * is out of reach, so that the deletion that recorded the purge rolls back.
   */
  start(purgeId: number): Promise<void>;
}

export function temporalPurges(temporal: TemporalConnection): PurgeStarter {
  return {
    async start(purgeId) {
      try {
        await (await temporal.client()).workflow.start<QatronWorkflows['purgeWorkflow']>('purgeWorkflow', {
          taskQueue: CONTROL_TASK_QUEUE,
          workflowId: purgeWorkflowId(purgeId),
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [{ purgeId }],
        });
      } catch (err) {
        throw engineUnavailable(`The run engine (Temporal) is unreachable, so the artifacts could not be purged: nothing was deleted, try again shortly (${(err as Error).message})`);
      }
    },
  };
}

/**
 * Where no engine is connected (the API-only tests): the deletion goes through and its purge stays
 * `pending`, as a triggered run stays queued.
 */
export const purgesWithoutEngine: PurgeStarter = { start: async () => undefined };
