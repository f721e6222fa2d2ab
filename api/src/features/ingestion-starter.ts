import { WorkflowFailedError } from '@temporalio/client';
import { featureIngestionWorkflowId, type IngestionRecord, type QatronWorkflows } from '@qatron/domain';
import type { AuditActor } from '../audit/record.js';
import type { FailedStartRecorder } from '../audit/failed-start.js';
import type { RequestOrigin } from '../http/principal.js';
import { engineUnavailable } from '../http/problems.js';
import { ONE_OFF_WORKFLOW, resultWithin, type TemporalConnection } from '../temporal.js';

/** Starts the indexing of a project's feature files (FR-BDD-01) on an execution worker. */
export interface FeatureIngestionStarter {
  /**
   * Indexes now; a request while one is running joins it. Resolves with the result, or null when
   * `waitMs` passes first (the ingestion goes on). Rejects with WorkflowFailedError when the
   * ingestion failed, and with a 503 problem when there is no engine to run it.
   */
  ingest(projectId: number, branch: string | null, waitMs: number): Promise<IngestionRecord | null>;
  /** Starts indexing a newly registered project without waiting; a failed start is logged and audited. */
  startInBackground(projectId: number, actor: AuditActor, origin: RequestOrigin): void;
}

type IngestionWorkflow = QatronWorkflows['featureIngestionWorkflow'];

export function temporalFeatureIngestion(temporal: TemporalConnection, recordFailedStart: FailedStartRecorder): FeatureIngestionStarter {
  /** Starts the ingestion, or joins the one running for the project, and waits up to `waitMs`. */
  const start = async (projectId: number, branch: string | null, waitMs: number) => {
    const handle = await (await temporal.client()).workflow.start<IngestionWorkflow>('featureIngestionWorkflow', {
      ...ONE_OFF_WORKFLOW,
      workflowId: featureIngestionWorkflowId(projectId),
      args: [{ projectId, branch }],
    });
    return resultWithin(handle, waitMs);
  };
  return {
    async ingest(projectId, branch, waitMs) {
      try {
        return await start(projectId, branch, waitMs);
      } catch (err) {
        if (err instanceof WorkflowFailedError) throw err;
        throw engineUnavailable('The run engine (Temporal) is unreachable; try again shortly');
      }
    },
    startInBackground(projectId, actor, origin) {
      start(projectId, null, 0).catch((error: unknown) =>
        recordFailedStart({
          what: `feature ingestion of project ${projectId}`,
          action: 'project.feature_ingestion_not_started',
          resource: { type: 'project', id: projectId },
          details: { workflow_id: featureIngestionWorkflowId(projectId) },
          actor,
          origin,
          error,
        }),
      );
    },
  };
}

/**
 * Where no engine is connected (the API-only tests): indexing on request answers 503, and a new
 * project is not indexed in the background (its first run indexes it).
 */
export const featureIngestionWithoutEngine: FeatureIngestionStarter = {
  ingest: () => Promise.reject(engineUnavailable('Feature ingestion needs the run engine (Temporal), which this API is not connected to')),
  startInBackground: () => undefined,
};
