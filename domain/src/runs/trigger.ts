import type { EntityManager } from '@mikro-orm/postgresql';
import { Dataset, DatasetVersion } from '../entities/dataset.js';
import type { Environment } from '../entities/environment.js';
import type { Project } from '../entities/project.js';
import { Run, type RunTrigger } from '../entities/run.js';
import type { Suite } from '../entities/suite.js';
import type { QatronConfig } from '../config.js';
import { runWorkflowId, type RunWorkflowInput } from './contract.js';
import { CONTROL_TASK_QUEUE } from './task-queues.js';

/**
 * Queuing a run, shared by every way one is triggered (DESIGN "A run, step by step" step 1): the
 * API's manual trigger (api/src/runs/service.ts) and a fired run schedule (activities/src/schedules/,
 * issue 17 item 2) write the same row, pin the dataset version by the same rule and start the
 * same workflow, so a scheduled run is a run like any other.
 */

/** A suite that requires dataset health met a version that has not passed validation (FR-DATA-04/05). */
export class DatasetUnhealthy extends Error {
  override readonly name = 'DatasetUnhealthy';
}

/**
 * The dataset version a run pins (FR-DATA-03): the newest version of the environment's dataset.
 * An environment without a dataset pins nothing, and a suite's health requirement has nothing to
 * check then; with a dataset, a suite that requires health refuses (DatasetUnhealthy) a version
 * that has not passed.
 */
export async function pinDatasetVersion(em: EntityManager, suite: Suite, environment: Environment): Promise<DatasetVersion | null> {
  if (environment.dataset === null) return null;
  const version = await em.findOne(DatasetVersion, { dataset: environment.dataset }, { orderBy: { id: 'desc' } });
  if (suite.requireDatasetHealth && version?.validationStatus !== 'passed') {
    const dataset = await em.findOneOrFail(Dataset, { id: environment.dataset });
    const state = version ? `version ${version.version} has validation status ${version.validationStatus}` : 'has no version yet';
    throw new DatasetUnhealthy(`Suite ${suite.name} requires a dataset that passed validation, but dataset ${dataset.name} ${state}; validate a version first`);
  }
  return version;
}

/** What a new run is of, and who asked for it. */
export interface RunRequest {
  project: Project;
  suite: Suite;
  environment: Environment;
  branch: string;
  commit: string | null;
  trigger: RunTrigger;
}

/**
 * Writes the queued run with its pinned dataset version, and its `run.triggered` audit entry
 * (written by `audit`, which names the actor), in one transaction. DatasetUnhealthy when the
 * suite refuses the environment's dataset version; nothing is written then.
 */
export async function queueRun(em: EntityManager, request: RunRequest, audit: (tx: EntityManager, run: Run, details: Record<string, unknown>) => void): Promise<Run> {
  const { project, suite, environment } = request;
  const datasetVersion = await pinDatasetVersion(em, suite, environment);
  const run = new Run(project.organization, project.id, suite.id, environment.id, request.branch, request.trigger);
  run.commit = request.commit;
  run.datasetVersion = datasetVersion?.id ?? null;
  await em.transactional(async (tx) => {
    tx.persist(run);
    await tx.flush();
    audit(tx, run, {
      project_id: project.id,
      suite: suite.name,
      environment: environment.name,
      branch: run.branch,
      commit: run.commit,
      dataset_version_id: run.datasetVersion,
    });
  });
  return run;
}

/**
 * How run `run`'s workflow `run-<id>` starts on `qatron-control`: the options of
 * `client.workflow.start('runWorkflow', …)`, with the suite's timeout and the shard settings fixed
 * now, so that a suite edited mid-run does not change a running run.
 */
export function runWorkflowStart(run: Run, suite: Suite, shards: QatronConfig['shards']) {
  const input: RunWorkflowInput = {
    runId: run.id,
    timeoutSeconds: suite.timeoutSeconds,
    scheduleToStartSeconds: shards.scheduleToStartSeconds,
    heartbeatTimeoutSeconds: shards.heartbeatTimeoutSeconds,
    shardAttempts: shards.attempts,
  };
  return {
    taskQueue: CONTROL_TASK_QUEUE,
    workflowId: runWorkflowId(run.id),
    args: [input] as [RunWorkflowInput],
    memo: { project_id: run.project, suite_id: run.suite, environment_id: run.environment },
  };
}

/** Why a run's workflow could not be started, as the run's `status_reason` when it ends infra_failed at once. */
export function engineUnreachable(run: Run, err: unknown, now = new Date()): void {
  run.status = 'infra_failed';
  run.statusReason = `The run engine could not be reached: ${err instanceof Error ? err.message : String(err)}`;
  run.completedAt = now;
}
