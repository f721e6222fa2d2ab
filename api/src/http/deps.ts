import type { MikroORM } from '@mikro-orm/postgresql';
import type { ArtifactStore, QatronConfig } from '@qatron/domain';
import type { LoginThrottle } from '../auth/login-throttle.js';
import type { SessionSigner } from '../auth/sessions.js';
import type { Metrics } from '../health/metrics.js';
import type { ReadinessProbe } from '../health/readiness.js';
import type { ReportTokenSigner } from '../reports/tokens.js';
import type { DatasetValidationStarter } from '../datasets/validation-starter.js';
import type { FeatureIngestionStarter } from '../features/ingestion-starter.js';
import type { PurgeStarter } from '../purges/starter.js';
import type { RunEngine } from '../runs/engine.js';
import type { RunScheduler } from '../schedules/temporal-schedule.js';

/** Everything the API's routes depend on, built once at start-up (or per test). */
export interface ApiDeps {
  orm: MikroORM;
  config: QatronConfig;
  signer: SessionSigner;
  /** Signs the short-lived links that open a run's report from a browser (`report_url`). */
  reportTokens: ReportTokenSigner;
  throttle: LoginThrottle;
  metrics: Metrics;
  readiness: ReadinessProbe;
  /** Starts, cancels and reads run workflows (detached, in API tests without Temporal). */
  engine: RunEngine;
  /** Starts feature ingestion on request and for new projects. */
  featureIngestion: FeatureIngestionStarter;
  /** Starts dataset validation on request and for uploads. */
  datasetValidation: DatasetValidationStarter;
  /** Starts the purge of the artifacts a deleted project, suite or environment leaves in the store. */
  purges: PurgeStarter;
  /** Creates, changes and removes the Temporal Schedules of run schedules (issue 17 item 2). */
  scheduler: RunScheduler;
  /** Closes the connection to Temporal the three above share. */
  closeEngine(): Promise<void>;
  /** Where run artifacts are read from (a local directory or S3, by configuration). */
  store: ArtifactStore;
  log: (message: string, err?: unknown) => void;
  /** The API's environment, where SSO client secrets are looked up by name (then SECRETS_DIR). */
  environment: Record<string, string | undefined>;
}
