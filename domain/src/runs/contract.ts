/**
 * The workflow contract (DESIGN "The contract is shared, not owned"): what passes between the
 * workflows, their activities and the API. Workflows and activities both import it and never each
 * other: the workflows call activities through the interfaces below, the activities implement
 * them, the API starts and queries workflows by the names and types below.
 *
 * Everything here is plain data (Temporal payloads) and pure: the deterministic workflow bundle
 * includes this file, so it imports only types. The signal, query and update definitions are the
 * plain `{ type, name }` objects `@temporalio/workflow`'s `defineSignal` & co. return (their shape
 * is @temporalio/common's), written here so that domain needs no Temporal runtime and the three
 * users share one typed definition each.
 */
import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { OutcomeCounts } from './outcomes.js';
import type { FinalRunStatus, RunStatus, ShardOutcome } from './status.js';
import type { CollectedFile } from './work-queue.js';
import type { ReportStatus } from '../entities/run.js';

// ---- Workflows: types (the exported function names), ids, inputs and results -----------------

/** The workflows a QAtron worker registers, by workflow type; `workflows/src/index.ts` implements them. */
export interface QatronWorkflows {
  runWorkflow: (input: RunWorkflowInput) => Promise<FinalRunStatus>;
  retentionWorkflow: (input: RetentionWorkflowInput) => Promise<RetentionResult>;
  sweepWorkflow: () => Promise<SweepResult>;
  featureIngestionWorkflow: (input: FeatureIngestionInput) => Promise<IngestionRecord>;
  datasetValidationWorkflow: (input: DatasetValidationInput) => Promise<DatasetValidationOutcome>;
  scheduledRunWorkflow: (input: ScheduledRunInput) => Promise<ScheduledRunOutcome>;
  notifyRunWorkflow: (input: NotifyRunInput) => Promise<NotifyRunResult>;
  purgeWorkflow: (input: PurgeWorkflowInput) => Promise<PurgeResult>;
}
/** A workflow type name, as clients start it (`client.workflow.start<QatronWorkflows[T]>(T, …)`). */
export type WorkflowType = keyof QatronWorkflows;

/** The workflow id of a run (DESIGN: business ids). */
export const runWorkflowId = (runId: number) => `run-${runId}`;
/** The workflow id of a run's retention timer. */
export const retentionWorkflowId = (runId: number) => `retention-${runId}`;
/** One feature ingestion per project at a time: a second request while one runs joins it. */
export const featureIngestionWorkflowId = (projectId: number) => `features-${projectId}`;
/** One validation per dataset version at a time: a second request while one runs joins it. */
export const datasetValidationWorkflowId = (versionId: number) => `dataset-version-${versionId}-validation`;
/** The purge of what a deleted project, suite or environment left in the artifact store (a `purges` row). */
export const purgeWorkflowId = (purgeId: number) => `purge-${purgeId}`;
/** A run's notifications, started by its finalize activity: one per run however often finalizing is retried. */
export const notifyRunWorkflowId = (runId: number) => `notify-run-${runId}`;
/** A test message an admin asked for: one workflow per request. */
export const notificationTestWorkflowId = (channelId: number, requestId: string) => `notify-test-${channelId}-${requestId}`;

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

export interface RetentionWorkflowInput {
  runId: number;
}

export interface RetentionResult {
  /** False when there was nothing to delete: already deleted (by the sweep), or the run is gone. */
  artifactsDeleted: boolean;
  /** Objects removed from the artifact store. */
  objects: number;
}

/** What one sweep did. */
export interface SweepResult {
  /** Runs past retention whose artifacts were deleted (the ones their timers missed). */
  runs: number;
  /** Expired service tokens recorded as revoked. */
  serviceTokens: number;
  /** Expired signed-out sessions purged. */
  revokedSessions: number;
}

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

export interface DatasetValidationInput {
  versionId: number;
}

/** How a validation ended: the version's `validationStatus` (`pending` if its suite was replaced meanwhile). */
export interface DatasetValidationOutcome {
  versionId: number;
  status: 'pending' | 'passed' | 'failed';
}

/** What the notify workflow tells (issue 17 item 3): a run that reached its verdict, or a test message to one channel. */
export type NotifyRunInput = { kind: 'run'; runId: number } | { kind: 'test'; channelId: number };

/** One notification to deliver: which channel, about what, under one delivery id for all its attempts. */
export interface PlannedNotification {
  channelId: number;
  /** Null for a test message. */
  runId: number | null;
  event: 'run.failed' | 'run.recovered' | 'run.finished' | 'test';
  deliveryId: string;
}

/** How one notification ended after its attempts (each attempt is a row of the delivery log). */
export interface NotificationOutcome {
  channelId: number;
  deliveryId: string;
  delivered: boolean;
  /** The last attempt's error; null when delivered. */
  error: string | null;
}

export interface NotifyRunResult {
  deliveries: NotificationOutcome[];
}

export interface PurgeWorkflowInput {
  purgeId: number;
}

/** How a purge ended. */
export interface PurgeResult {
  /** False when the purge was never recorded (the deletion that started it rolled back): nothing was deleted. */
  purged: boolean;
  /** Objects removed from the artifact store by this purge, over every attempt. */
  objects: number;
}

/** What one batch of a purge did. */
export interface PurgeBatch {
  /** Prefixes still to delete after this batch; 0 when the store holds nothing of the purge any more. */
  remaining: number;
  /** Objects this batch removed. */
  objects: number;
}

/** What a run schedule's Temporal Schedule passes to the workflow it starts (issue 17 item 2). */
export interface ScheduledRunInput {
  /** The run_schedules row id. */
  scheduleId: number;
}

/** What one firing of a run schedule did: shown as the workflow's result in the Temporal UI. */
export type ScheduledRunOutcome =
  /** A run was queued and its workflow started (or it ended infra_failed at once when Temporal refused the start). */
  | { kind: 'triggered'; runId: number }
  /** The schedule's previous run is still live: overlap is skipped (see the policy in api/src/schedules/temporal-schedule.ts). */
  | { kind: 'skipped'; liveRunId: number }
  /** The suite refused the environment's dataset version (FR-DATA-04/05): no run, as for a manual trigger's 409. */
  | { kind: 'refused'; reason: string }
  /** The row is gone (deleted with its suite, environment or project): the Temporal Schedule was removed. */
  | { kind: 'orphaned' };

// ---- The run workflow's signal, query and updates ----------------------------------------------

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

export type ShardState = 'pending' | 'running' | ShardOutcome;

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

/** The run's live progress, asked by the API for the Board (`GET /api/v1/runs/{id}`). */
export const progressQuery = { type: 'query', name: 'progress' } as QueryDefinition<RunProgressView, [], 'progress'>;
/** A shard's progress, sent by its activity. */
export const shardProgressSignal = { type: 'signal', name: 'shardProgress' } as SignalDefinition<[ShardProgressSignal], 'shardProgress'>;
/** A shard's collection (DESIGN "Work is pulled, not pre-split"): seeds the run's work queue. */
export const shardCollectedUpdate = { type: 'update', name: 'shardCollected' } as UpdateDefinition<void, [ShardCollected], 'shardCollected'>;
/** A shard asking for its next test files; answered with their paths, [] when none is left. */
export const nextFilesUpdate = { type: 'update', name: 'nextFiles' } as UpdateDefinition<string[], [NextFilesRequest], 'nextFiles'>;

// ---- What the run's activities exchange with the run workflow ----------------------------------

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
  /** infra_failed: tests failed while the run's Selenium Grid was down (issue 16 item 4); `reason` names the Grid. */
  outcome: 'passed' | 'failed' | 'infra_failed';
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

// ---- The activities each workflow calls (activities/ implements them) ---------------------------

/** The run workflow's activities (activities/src/runs/). */
export interface RunActivities {
  /** Moves the run along the status model; returns the status it now has. */
  markRunStatus: (input: { runId: number; status: RunStatus }) => Promise<RunStatus>;
  markReportStatus: (input: { runId: number; status: ReportStatus; error: string | null }) => Promise<void>;
  /** Provisioning: resolves the commit, checks out, indexes features, reads the duration history. */
  prepareRun: (input: { runId: number }) => Promise<PreparedRun>;
  /** One shard, pulling its files from the workflow's work queue until none is left. */
  executeShard: (input: { runId: number; shardIndex: number; commit: string }) => Promise<ShardSummary>;
  combineRunCoverage: (input: { runId: number }) => Promise<CoverageOutcome>;
  /** The Allure report (and the coverage HTML when `coverage`), after the verdict. */
  attachRunReports: (input: { runId: number; coverage: boolean }) => Promise<ReportStatus>;
  /** Decides and writes the verdict, once. */
  finalizeRun: (conclusion: RunConclusion) => Promise<FinalRunStatus>;
}

/** The moment the daily sweep judges by (ISO 8601); the sweep workflow passes Temporal's clock. */
export interface SweepInput {
  now?: string;
}

export interface ArtifactDeletion {
  /** False when there was nothing to do: the artifacts were already deleted, or the run is gone. */
  deleted: boolean;
  /** Objects removed from the store. */
  objects: number;
}

/** The retention and sweep workflows' activities (activities/src/retention.ts). */
export interface RetentionActivities {
  /** When a run's artifacts are due; null when there is nothing left to delete (already deleted, or no such run). */
  retentionDueAt: (input: { runId: number }) => Promise<{ dueAt: string | null }>;
  deleteRunArtifacts: (input: { runId: number }) => Promise<ArtifactDeletion>;
  sweepExpiredArtifacts: (input?: SweepInput) => Promise<{ runs: number }>;
  deactivateExpiredServiceTokens: (input?: SweepInput) => Promise<{ serviceTokens: number }>;
  purgeRevokedSessions: (input?: SweepInput) => Promise<{ revokedSessions: number }>;
}

/** The feature ingestion workflow's activity (activities/src/features.ts). */
export interface FeatureActivities {
  ingestProjectFeatures: (input: { projectId: number; branch?: string | null }) => Promise<IngestionRecord>;
}

/** The dataset validation workflow's activities (activities/src/dataset-validation.ts). */
export interface DatasetValidationActivities {
  validateDatasetVersion: (input: { versionId: number }) => Promise<DatasetValidationOutcome>;
  /** Records a validation that could not be done at all as failed, saying why. */
  recordDatasetValidationError: (input: { versionId: number; message: string }) => Promise<DatasetValidationOutcome>;
}

/** The notify workflow's activities (activities/src/notifications/). */
export interface NotificationActivities {
  /** The channels whose rules match the run's verdict (or the one channel tested), each with a new delivery id. */
  planNotifications: (input: NotifyRunInput) => Promise<PlannedNotification[]>;
  /** One attempt to deliver one notification, recorded in the delivery log; throws when it was not accepted. */
  deliverNotification: (input: PlannedNotification) => Promise<NotificationOutcome>;
}

/** The purge workflow's activities (activities/src/purge/). */
export interface PurgeActivities {
  /** The purge's prefix count once its row is committed; fails (retried, PurgeNotRecorded) until it is. */
  awaitPurgeRecorded: (input: { purgeId: number }) => Promise<{ prefixes: number }>;
  /** Deletes the next batch of the purge's prefixes from the store, heartbeating after each, and moves its cursor. */
  purgeArtifactBatch: (input: { purgeId: number }) => Promise<PurgeBatch>;
  /** Marks the purge `purged` and audits `<resource>.purged` (once, however often it is called). */
  finishPurge: (input: { purgeId: number }) => Promise<PurgeResult>;
}

/** The scheduled run workflow's one activity (activities/src/schedules/). */
export interface ScheduledRunActivities {
  /** Queues a run of the schedule's suite the way a manual trigger does, and starts its run workflow. */
  triggerScheduledRun: (input: ScheduledRunInput) => Promise<ScheduledRunOutcome>;
}

// ---- Error types -------------------------------------------------------------------------------

/**
 * The one list of activity failures a retry cannot fix: an activity raises them non-retryable
 * (`activityFailure` / `asActivityFailure` in activities/src/failures.ts) and every workflow's retry
 * policy names them too, so the two sides cannot disagree. Each error's `type` is its name.
 */
export const NON_RETRYABLE_ERRORS = [
  // The run's row is gone (its project was deleted): no attempt will find it.
  'RunNotFound',
  // The status model refuses the move (the run is already final): the same move is refused again.
  'InvalidTransition',
  // Retention asked about a run still going: a bug to see, not to wait out (its timer starts at the end).
  'RunNotFinished',
  // On-demand feature ingestion for a project deleted meanwhile.
  'ProjectNotFound',
  // Validation of a dataset version deleted meanwhile.
  'DatasetVersionNotFound',
  // The operator's QATRON_LOCAL_REPO_ROOTS refuses the repository's path: a retry meets the same rule.
  'LocalRepositoryRefused',
  // A secret the project or environment names is missing: a configuration error, not a hiccup.
  'SecretNotFoundError',
  // The repository's declared requirements do not install (its pins, its build): the same on every worker.
  'EnvironmentSetupError',
  // pytest cannot collect the selection (import errors, bad -m/-k, missing path): the repository's fault.
  'CollectionError',
  // pytest itself failed (internal or usage error): another attempt runs the same command.
  'ShardExecutionError',
  // The environment's Selenium Grid cannot take sessions (issue 16 item 4): the run ends infra_failed
  // at once, naming the Grid, instead of running browser tests that can only error.
  'GridUnavailable',
  // A notification's receiver refused it for good (HTTP 4xx other than 408/429, SMTP 5xx), or the worker
  // cannot send that kind at all (no SMTP server configured): the same attempt is refused again.
  'NotificationRejected',
] as const;
export type NonRetryableError = (typeof NON_RETRYABLE_ERRORS)[number];

/** Failures that are retried: each may pass on the next attempt or on another worker. */
export const RETRYABLE_ERRORS = [
  // git could not fetch or check out, most often a network hiccup; an unknown branch fails after the attempts.
  'GitError',
  // The database was unreachable past what the activity waits out in place (activities/src/database-outage.ts).
  'DatabaseUnavailable',
  // The daily sweep could not delete some runs' artifacts (the store failed): the next attempt tries them again.
  'RetentionSweepIncomplete',
  // Validating a dataset version failed (QAtron's own validation environment, the script, the store).
  'DatasetValidationError',
  // A notification's receiver was unreachable or failed (HTTP 5xx, 408, 429, SMTP 4xx): retried with backoff.
  'NotificationUndelivered',
  // A purge's row is not committed yet (the API starts the workflow inside the deleting transaction).
  'PurgeNotRecorded',
] as const;
export type RetryableError = (typeof RETRYABLE_ERRORS)[number];

/** The `type` of every application failure an activity raises on purpose. */
export type ActivityErrorType = NonRetryableError | RetryableError;

/** Whether a failure of this type is final (in NON_RETRYABLE_ERRORS). */
export function isNonRetryable(type: string): type is NonRetryableError {
  return (NON_RETRYABLE_ERRORS as readonly string[]).includes(type);
}
