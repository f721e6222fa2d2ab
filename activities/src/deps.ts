import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { ArtifactStore } from '@qatron/domain';
import type { SandboxMode } from './execution/sandbox.js';
import type { SecretSource } from './execution/secrets.js';

/**
 * What the activities need from the worker process (activities-dependency-injection pattern):
 * built once at worker start, passed to `createRunActivities(deps)`.
 */
export interface ActivityDeps {
  orm: MikroORM;
  store: ArtifactStore;
  /** Signals live shard progress to the run's workflow. */
  temporal: Client;
  /** The worker's own directory: git mirrors, venvs, per-shard work trees. */
  workDir: string;
  /** The QAtron framework package (framework/), installed into every test environment. */
  frameworkDir: string;
  /** The interpreters test environments may be built with (config WORKER_PYTHONS); absent: found on PATH. */
  pythons?: readonly string[];
  /** Where repository and environment secrets are resolved by name (never stored). */
  secrets: SecretSource;
  /** How this worker names itself in shard progress and the infrastructure list. */
  workerName: string;
  /** Handed to browser tests as SELENIUM_REMOTE_URL when configured. */
  seleniumRemoteUrl: string | undefined;
  /** How test code is confined (config WORKER_SANDBOX); absent: bwrap. */
  sandbox?: SandboxMode;
  /** Runs in each test's health window (config TEST_HEALTH_WINDOW); absent: 30. */
  testHealthWindow?: number;
  log: (message: string) => void;
  /** The worker's run metrics (worker/src/metrics.ts); absent: none recorded. */
  runMetrics?: RunMetricsRecorder;
}

/** Where the activities report what the worker's metrics count (issue 17 item 1). */
export interface RunMetricsRecorder {
  /** A run has just become final (the finalize activity). */
  runFinished(runId: number): Promise<void>;
  /** Retention deleted a run's artifacts, which held this many bytes. */
  artifactBytesDeleted(bytes: number): void;
  /** A notification delivery attempt was recorded: by channel kind and how it ended. */
  notificationAttempt(kind: string, outcome: 'delivered' | 'rejected' | 'retrying'): void;
}
