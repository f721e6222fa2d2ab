/**
 * What passes between the run workflow, its activities and the API: plain data only (Temporal
 * payloads), shared by type so that the three cannot disagree. Pure types, no imports but types.
 */
import type { FinalRunStatus, RunStatus, ShardOutcome } from '@qatron/domain/status';

/** The run workflow's query and signal names (the API and the activities use them by name). */
export const RUN_PROGRESS_QUERY = 'progress';
export const SHARD_PROGRESS_SIGNAL = 'shardProgress';
/** The workflow id of a run (DESIGN: business ids). */
export const runWorkflowId = (runId: number) => `run-${runId}`;

/** Fixed at trigger time, so that a suite edited mid-run does not change a running run. */
export interface RunWorkflowInput {
  runId: number;
  /** Suite timeout: the shards race this timer (→ timed_out). */
  timeoutSeconds: number;
  /** No worker picks a shard up within this → infra_failed. */
  scheduleToStartSeconds: number;
  /** A shard whose worker stops heartbeating for this long is retried elsewhere. */
  heartbeatTimeoutSeconds: number;
  /** Attempts of a shard lost to infrastructure (worker crash), not to failing tests. */
  shardAttempts: number;
}

export interface PreparedRun {
  commit: string;
  totalTests: number;
  shardCount: number;
}

/** What a finished shard reports to the workflow. Per-test results go to the database instead. */
export interface ShardSummary {
  index: number;
  outcome: 'passed' | 'failed';
  tests: number;
  passed: number;
  failed: number;
  skipped: number;
  flaky: number;
  durationSeconds: number;
  attempt: number;
  worker: string;
}

export type ShardState = 'pending' | 'running' | ShardOutcome;

/** Live progress of one shard (the workflow's `progress` query, PRD 12.2 shard metadata). */
export interface ShardProgressView {
  index: number;
  status: ShardState;
  total: number;
  done: number;
  passed: number;
  failed: number;
  skipped: number;
  elapsedSeconds: number;
  attempt: number;
  worker: string | null;
  reason: string | null;
}

export interface RunProgressView {
  status: RunStatus;
  shards: ShardProgressView[];
}

/** Sent by a shard activity while it runs (throttled). */
export interface ShardProgressSignal {
  index: number;
  total: number;
  done: number;
  passed: number;
  failed: number;
  skipped: number;
  elapsedSeconds: number;
  attempt: number;
  worker: string;
}

/** How the run ended, for finalizeRun. */
export interface RunConclusion {
  runId: number;
  shards: Array<{ index: number; outcome: ShardOutcome; summary: ShardSummary | null; reason: string | null }>;
  /** Set when the verdict is decided before the shards (no tests, preparation failed, cancelled early). */
  forcedStatus: FinalRunStatus | null;
  reason: string | null;
  /** Combined coverage in percent, checked against the suite's threshold; null when not measured. */
  coveragePercent: number | null;
}

/** One feature ingestion per project at a time: a second request while one runs joins it. */
export const featureIngestionWorkflowId = (projectId: number) => `features-${projectId}`;

export interface FeatureIngestionInput {
  projectId: number;
  /** The branch whose head is indexed; the project's default branch when absent. */
  branch?: string | null;
}

/** What a run (run_metadata.bdd) or an on-demand ingestion reports of indexing the feature files. */
export interface IngestionRecord {
  commit: string;
  files: number;
  parsed: number;
  added: number;
  updated: number;
  deactivated: number;
  pickles: number;
  error_count: number;
  /** The first errors: a file that does not parse, with its line. */
  errors: Array<{ path: string; line: number | null; message: string }>;
}

/** One validation per dataset version at a time: a second request while one runs joins it. */
export const datasetValidationWorkflowId = (versionId: number) => `dataset-version-${versionId}-validation`;

export interface DatasetValidationInput {
  versionId: number;
}

/** How a validation ended: the version's `validationStatus` (`pending` if its suite was replaced meanwhile). */
export interface DatasetValidationOutcome {
  versionId: number;
  status: 'pending' | 'passed' | 'failed';
}
