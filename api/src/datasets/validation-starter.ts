import { WorkflowFailedError } from '@temporalio/client';
import { datasetValidationWorkflowId, type DatasetValidationOutcome, type QatronWorkflows } from '@qatron/domain';
import type { AuditActor } from '../audit/record.js';
import type { FailedStartRecorder } from '../audit/failed-start.js';
import type { RequestOrigin } from '../http/principal.js';
import { engineUnavailable } from '../http/problems.js';
import { ONE_OFF_WORKFLOW, resultWithin, type TemporalConnection } from '../temporal.js';

/** Starts the validation of a dataset version against its stored expectation suite (FR-DATA-02) on an execution worker. */
export interface DatasetValidationStarter {
  /** Whether an upload is validated in the background (and audited as such) or stays pending until validated on request. */
  readonly validatesUploads: boolean;
  /** Throws a 503 problem where validations cannot be started, so that a request fails before it stores anything. */
  requireEngine(): void;
  /**
   * Validates now; a request while one is running joins it. Resolves with the outcome, or null
   * when `waitMs` passes first (the validation goes on). Rejects with WorkflowFailedError when the
   * validation failed, and with a 503 problem when Temporal is out of reach.
   */
  validate(versionId: number, waitMs: number): Promise<DatasetValidationOutcome | null>;
  /** Starts validating an uploaded version without waiting; a failed start is logged and audited. */
  startInBackground(version: { id: number; dataset: number; version: string }, actor: AuditActor, origin: RequestOrigin): void;
}

type ValidationWorkflow = QatronWorkflows['datasetValidationWorkflow'];

export function temporalDatasetValidation(temporal: TemporalConnection, recordFailedStart: FailedStartRecorder): DatasetValidationStarter {
  /** Starts the validation, or joins the one running for the version, and waits up to `waitMs`. */
  const start = async (versionId: number, waitMs: number) => {
    const handle = await (await temporal.client()).workflow.start<ValidationWorkflow>('datasetValidationWorkflow', {
      ...ONE_OFF_WORKFLOW,
      workflowId: datasetValidationWorkflowId(versionId),
      args: [{ versionId }],
    });
    return resultWithin(handle, waitMs);
  };
  return {
    validatesUploads: true,
    requireEngine: () => undefined,
    async validate(versionId, waitMs) {
      try {
        return await start(versionId, waitMs);
      } catch (err) {
        if (err instanceof WorkflowFailedError) throw err;
        throw engineUnavailable('The run engine (Temporal) is unreachable; the version stays pending: try again shortly');
      }
    },
    startInBackground(version, actor, origin) {
      start(version.id, 0).catch((error: unknown) =>
        recordFailedStart({
          what: `validation of version ${version.version} of dataset ${version.dataset}`,
          action: 'dataset.validation_not_started',
          resource: { type: 'dataset', id: version.dataset },
          details: { version: version.version, workflow_id: datasetValidationWorkflowId(version.id) },
          actor,
          origin,
          error,
        }),
      );
    },
  };
}

/** Where no engine is connected (the API-only tests): uploads stay pending and validating on request answers 503. */
export const datasetValidationWithoutEngine: DatasetValidationStarter = {
  validatesUploads: false,
  requireEngine() {
    throw engineUnavailable('Dataset validation needs the run engine (Temporal), which this API is not connected to');
  },
  validate: () => Promise.reject(engineUnavailable('Dataset validation needs the run engine (Temporal), which this API is not connected to')),
  startInBackground: () => undefined,
};
