import { defineEntity, p } from '@mikro-orm/core';
import { readRunMetadata, storeRunMetadata, type RunMetadata } from '../runs/metadata.js';
import { RUN_STATUSES, type RunStatus } from '../runs/status.js';
import { BaseEntity, baseProperties } from './base.js';
import { checkedJsonColumn } from './checked-json.js';
import { DatasetVersion } from './dataset.js';
import { Environment } from './environment.js';
import { Organization } from './organization.js';
import { Project } from './project.js';
import { Suite } from './suite.js';
import { User } from './user.js';

/** Who triggered a run: a user, a service token (CI), or the platform itself. */
export interface RunTrigger {
  userId: number | null;
  serviceTokenId: number | null;
  /** Display name kept even if the user or token is later removed. */
  name: string;
}

export const REPORT_STATUSES = ['pending', 'ready', 'failed', 'skipped'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** One execution of a suite against an environment at a commit (PRD 9.1, 9.2). */
export class Run extends BaseEntity {
  organization: number;
  project: number;
  suite: number;
  environment: number;
  status: RunStatus = 'queued';
  /** Why the run ended as it did, when that is not obvious from the counts (infra errors, timeouts, thresholds). */
  statusReason: string | null = null;
  branch: string;
  /** The commit requested, or resolved from the branch during provisioning. */
  commit: string | null = null;
  triggeredBy: number | null = null;
  triggeredByToken: number | null = null;
  triggeredByName: string;
  datasetVersion: number | null = null;
  startedAt: Date | null = null;
  completedAt: Date | null = null;
  totalTests = 0;
  /** pytest's summary categories, summed over shards (issue 12 "Counts are pytest's"; domain/runs/outcomes.ts). */
  passedTests = 0;
  failedTests = 0;
  /** Setup/teardown errors and collection errors. */
  errorTests = 0;
  skippedTests = 0;
  xfailedTests = 0;
  /** Non-strict xpasses; a strict xpass is a failure, as in pytest. */
  xpassedTests = 0;
  flakyTests = 0;
  /** Failed or errored tests that were quarantined when the run was created: counted above, not in the verdict (issue 15). */
  quarantinedFailures = 0;
  /** Longest shard's duration (PRD 12.4). */
  durationSeconds: number | null = null;
  coveragePercent: number | null = null;
  /**
   * The Allure report and coverage HTML, attached after the verdict: `pending` until the reporting
   * phase ends, then `ready`, `failed` (the reason is in run_metadata.reporting) or `skipped` (no results).
   */
  reportStatus: ReportStatus = 'pending';
  /** Shards, plan, coverage details and scenario mapping (PRD 12.2); parsed on load, checked on flush (RunMetadataColumn). */
  runMetadata: RunMetadata = {};
  artifactsDeleted = false;
  artifactsDeletedAt: Date | null = null;
  /** The run this one re-runs (issue 15 item 3): same commit, only the tests in `runMetadata.selection`. */
  rerunOf: number | null = null;

  constructor(
    organization: number,
    project: number,
    suite: number,
    environment: number,
    branch: string,
    trigger: RunTrigger,
  ) {
    super();
    this.organization = organization;
    this.project = project;
    this.suite = suite;
    this.environment = environment;
    this.branch = branch;
    this.triggeredBy = trigger.userId;
    this.triggeredByToken = trigger.serviceTokenId;
    this.triggeredByName = trigger.name;
  }
}

/**
 * The run_metadata column: every row is parsed when it is loaded and every write is checked (and
 * stamped with its version) before it reaches the database, so no reader needs to trust or cast it.
 */
export const RunMetadataColumn = checkedJsonColumn<RunMetadata>(readRunMetadata, storeRunMetadata);

export const RunSchema = defineEntity({
  class: Run,
  tableName: 'runs',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk(),
    project: p.manyToOne(Project).mapToPk().deleteRule('cascade'),
    suite: p.manyToOne(Suite).mapToPk().deleteRule('cascade'),
    environment: p.manyToOne(Environment).mapToPk().deleteRule('cascade'),
    status: p.enum(RUN_STATUSES).default('queued'),
    statusReason: p.text().nullable(),
    branch: p.string().length(255),
    commit: p.string().length(64).nullable(),
    triggeredBy: p.manyToOne(User).mapToPk().nullable().deleteRule('set null'),
    // A plain column, not a foreign key: revoked tokens are kept, but a run must not pin one.
    triggeredByToken: p.integer().nullable(),
    triggeredByName: p.string().length(200),
    datasetVersion: p.manyToOne(DatasetVersion).mapToPk().nullable().deleteRule('set null'),
    startedAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable(),
    totalTests: p.integer().default(0),
    passedTests: p.integer().default(0),
    failedTests: p.integer().default(0),
    errorTests: p.integer().default(0),
    skippedTests: p.integer().default(0),
    xfailedTests: p.integer().default(0),
    xpassedTests: p.integer().default(0),
    flakyTests: p.integer().default(0),
    quarantinedFailures: p.integer().default(0),
    durationSeconds: p.double().nullable(),
    coveragePercent: p.double().nullable(),
    reportStatus: p.enum(REPORT_STATUSES).default('pending'),
    runMetadata: p.type(RunMetadataColumn).$type<RunMetadata>(),
    artifactsDeleted: p.boolean().default(false),
    artifactsDeletedAt: p.datetime().nullable(),
    rerunOf: p.manyToOne(Run).mapToPk().nullable().deleteRule('set null'),
  },
  // Every list filter is served by an index that also orders by id (newest first) for pagination.
  indexes: [
    { properties: ['organization', 'id'] },
    { properties: ['project', 'id'] },
    { properties: ['suite', 'id'] },
    { properties: ['environment', 'id'] },
    { properties: ['status', 'id'] },
    { properties: ['project', 'status', 'id'] },
    { properties: ['branch', 'id'] },
    { properties: ['completedAt'] },
    // The Board's dashboard aggregates an organization's (or a project's) runs of the last days.
    { properties: ['organization', 'createdAt'] },
    { properties: ['project', 'createdAt'] },
    // A run shows its re-runs.
    { properties: ['rerunOf'] },
  ],
});
