import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import {
  CONTROL_TASK_QUEUE,
  datasetValidationWorkflowId,
  featureIngestionWorkflowId,
  progressQuery,
  runWorkflowId,
  type DatasetValidationOutcome,
  type IngestionRecord,
  type QatronConfig,
  type QatronWorkflows,
  type Run,
  type RunProgressView,
  type RunWorkflowInput,
  type Suite,
  type WorkflowType,
} from '@qatron/domain';

const PROGRESS_QUERY_TIMEOUT_MS = 2000;

/**
 * The API's view of the run engine (DESIGN step 1): start a run's workflow, cancel it, read its
 * live progress. Temporal is reached only through @temporalio/client (module boundaries).
 */
export interface RunEngine {
  /** Starts workflow `run-<id>`; starting a run that already has one is a no-op. */
  start(run: Run, suite: Suite): Promise<void>;
  /** Requests cancellation; a run whose workflow is gone or finished is left alone. */
  cancel(runId: number): Promise<void>;
  /** Live shard progress, or null when the workflow cannot be asked (finished long ago, not started). */
  progress(runId: number): Promise<RunProgressView | null>;
  /**
   * Indexes a project's feature files at its branch head (FR-BDD-01) on an execution worker. A
   * request while one is running joins it. Resolves with the result, or `null` when `waitMs`
   * passes first (the ingestion goes on).
   */
  ingestFeatures(projectId: number, branch: string | null, waitMs: number): Promise<IngestionRecord | null>;
  /**
   * Validates a dataset version against its stored expectation suite (FR-DATA-02) on an execution
   * worker. A request while one is running joins it. Resolves with the outcome, or `null` when
   * `waitMs` passes first (the validation goes on).
   */
  validateDatasetVersion(versionId: number, waitMs: number): Promise<DatasetValidationOutcome | null>;
  close(): Promise<void>;
}

/** The engine on a Temporal server; the connection is opened on first use and reopened after failures. */
export function createTemporalRunEngine(config: QatronConfig): RunEngine {
  const address = config.temporal.address;
  if (!address) throw new Error('TEMPORAL_ADDRESS is required for the run engine');
  let client: Promise<Client> | undefined;
  const connect = () =>
    (client ??= Connection.connect({ address, connectTimeout: 5000 }).then(
      (connection) => new Client({ connection, namespace: config.temporal.namespace }),
      (err: unknown) => {
        client = undefined;
        throw err;
      },
    ));

  /**
   * Starts a one-off workflow, or joins the one running under the same id, and waits up to
   * `waitMs` for its result (null when the time is up; the workflow goes on).
   */
  async function startOrJoin<R>(type: WorkflowType, workflowId: string, args: unknown[], waitMs: number): Promise<R | null> {
    const handle = await (await connect()).workflow.start(type, {
      taskQueue: CONTROL_TASK_QUEUE,
      workflowId,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowExecutionTimeout: '30 minutes',
      args,
    });
    return waitMs <= 0 ? null : within(handle.result() as Promise<R>, waitMs);
  }

  return {
    async start(run, suite) {
      const input: RunWorkflowInput = {
        runId: run.id,
        timeoutSeconds: suite.timeoutSeconds,
        scheduleToStartSeconds: config.shards.scheduleToStartSeconds,
        heartbeatTimeoutSeconds: config.shards.heartbeatTimeoutSeconds,
        shardAttempts: config.shards.attempts,
      };
      try {
        await (await connect()).workflow.start<QatronWorkflows['runWorkflow']>('runWorkflow', {
          taskQueue: CONTROL_TASK_QUEUE,
          workflowId: runWorkflowId(run.id),
          args: [input],
          memo: { project_id: run.project, suite_id: run.suite, environment_id: run.environment },
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },
    async cancel(runId) {
      try {
        await (await connect()).workflow.getHandle(runWorkflowId(runId)).cancel();
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },
    async progress(runId) {
      try {
        const handle = (await connect()).workflow.getHandle(runWorkflowId(runId));
        // A query needs a worker to answer it; with none polling it would wait, so bound it.
        return await within(handle.query(progressQuery), PROGRESS_QUERY_TIMEOUT_MS);
      } catch {
        return null;
      }
    },
    ingestFeatures: (projectId, branch, waitMs) =>
      startOrJoin<IngestionRecord>('featureIngestionWorkflow', featureIngestionWorkflowId(projectId), [{ projectId, branch }] satisfies Parameters<QatronWorkflows['featureIngestionWorkflow']>, waitMs),
    validateDatasetVersion: (versionId, waitMs) =>
      startOrJoin<DatasetValidationOutcome>('datasetValidationWorkflow', datasetValidationWorkflowId(versionId), [{ versionId }] satisfies Parameters<QatronWorkflows['datasetValidationWorkflow']>, waitMs),
    async close() {
      const current = client;
      client = undefined;
      await current?.then((c) => c.connection.close()).catch(() => undefined);
    },
  };
}

/** `promise`'s value, or null once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  return Promise.race([promise, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms).unref())]);
}
