/**
 * What passes between the run workflow, its activities and the API: plain data only (Temporal
 * payloads), shared by type so that the three cannot disagree. Pure types, no imports but types.
 */
import type { OutcomeCounts } from '@qatron/domain/runs/outcomes';
import type { CollectedFile } from '@qatron/domain/runs/work-queue';
import type { RunStatus, ShardOutcome } from '@qatron/domain/status';

/** The run workflow's query and signal names (the API and the activities use them by name). */
export const RUN_PROGRESS_QUERY = 'progress';
export const SHARD_PROGRESS_SIGNAL = 'shardProgress';
/** Updates a shard sends while it pulls its work (DESIGN "Work is pulled, not pre-split"). */
export const SHARD_COLLECTED_UPDATE = 'shardCollected';
export const NEXT_FILES_UPDATE = 'nextFiles';

/** What one pytest process of a shard collected; the first report seeds the run's work queue. */
export interface ShardCollected {
  shardIndex: number;
  /** The activity attempt: a new attempt takes back what a lost one was handed. */
  attempt: number;
  files: CollectedFile[];
}

/** A shard asking for its next files (answered with file paths; [] when no work is left). */
export interface NextFilesRequest {
  shardIndex: number;
  attempt: number;
}
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
  shardCount: number;
  /** The suite has a coverage threshold: coverage is combined before the verdict. */
  coverageGate: boolean;
  /** Median seconds per test file in earlier runs of the suite: the queue hands out the longest first. */
  fileHistory: Record<string, number>;
}

/** What a finished shard reports to the workflow. Per-test results go to the database instead. */
export interface ShardSummary {
  index: number;
  outcome: 'passed' | 'failed';
  /** Results recorded (tests, plus modules skipped or broken at import). */
  tests: number;
  /** Tests the shard was handed; 0 for a shard that found no work left (it is not a failure). */
  expected: number;
  /** The files the shard ran. */
  files: string[];
  /** Why the shard failed when no test is to blame (pytest's usage error, nothing reported); null otherwise. */
  reason: string | null;
  /** pytest's summary counts (domain/runs/outcomes.ts). */
  counts: OutcomeCounts;
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

/** How one shard ended, as the workflow saw it. */
export interface ShardConclusion {
  index: number;
  outcome: ShardOutcome;
  /** What the shard reported when it finished; null when it never did (lost, cancelled, timed out). */
  summary: ShardSummary | null;
  reason: string | null;
}

/** What happened to the run, for finalizeRun, which decides the verdict (domain `decideVerdict`). */
export type RunEndingReport =
  | { kind: 'cancelled' }
  | { kind: 'preparation_failed'; cause: 'repository' | 'infrastructure'; reason: string }
  | { kind: 'nothing_selected' }
  | { kind: 'shards'; timedOutAfterSeconds: number | null };

/** How the run ended, for finalizeRun. */
export interface RunConclusion {
  runId: number;
  ending: RunEndingReport;
  shards: ShardConclusion[];
  /** How the work was handed out (run_metadata.plan); null when no shard collected. */
  plan: { basis: 'history' | 'test_count'; totalTests: number; totalFiles: number } | null;
  /** The combined coverage when the suite's threshold needed it before the verdict; null otherwise. */
  coverage: CoverageOutcome | null;
}

/** What combining the shards' coverage gave: the figure, or why there is none. */
export interface CoverageOutcome {
  percent: number | null;
  error: string | null;
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
