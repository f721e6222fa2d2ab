import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { progressQuery, runWorkflowId, type QatronConfig, type QatronWorkflows, type Run, type RunProgressView, type Suite } from '@qatron/domain';
import { runWorkflowStart } from '@qatron/domain/runs/trigger';
import { within, type TemporalConnection } from '../temporal.js';

const PROGRESS_QUERY_TIMEOUT_MS = 2000;

/**
 * The API's view of the run engine (DESIGN step 1): start a run's workflow, cancel it, read its
 * live progress. Temporal is reached only through @temporalio/client (module boundaries). Feature
 * ingestion and dataset validation have starters of their own (features/, datasets/).
 */
export interface RunEngine {
  /** Starts workflow `run-<id>`; starting a run that already has one is a no-op. */
  start(run: Run, suite: Suite): Promise<void>;
  /** Requests cancellation; a run whose workflow is gone or finished is left alone. */
  cancel(runId: number): Promise<void>;
  /** Live shard progress, or null when the workflow cannot be asked (finished long ago, not started). */
  progress(runId: number): Promise<RunProgressView | null>;
}

/** The engine on a Temporal server, through the API's shared connection. */
export function createTemporalRunEngine(temporal: TemporalConnection, config: QatronConfig): RunEngine {
  return {
    async start(run, suite) {
      try {
        await (await temporal.client()).workflow.start<QatronWorkflows['runWorkflow']>('runWorkflow', runWorkflowStart(run, suite, config.shards));
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },
    async cancel(runId) {
      try {
        await (await temporal.client()).workflow.getHandle(runWorkflowId(runId)).cancel();
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },
    async progress(runId) {
      try {
        const handle = (await temporal.client()).workflow.getHandle(runWorkflowId(runId));
        // A query needs a worker to answer it; with none polling it would wait, so bound it.
        return await within(handle.query(progressQuery), PROGRESS_QUERY_TIMEOUT_MS);
      } catch {
        return null;
      }
    },
  };
}

/**
 * The engine of an API that is connected to no Temporal (the API-only tests, some benches): a
 * triggered run stays queued, a cancel has no workflow to stop, and no run has live progress.
 */
export const detachedRunEngine: RunEngine = {
  start: async () => undefined,
  cancel: async () => undefined,
  progress: async () => null,
};
