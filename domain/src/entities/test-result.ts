import { defineEntity, p } from '@mikro-orm/core';
import { TEST_OUTCOMES, type TestOutcome } from '../runs/outcomes.js';
import { Environment } from './environment.js';
import { Organization } from './organization.js';
import { Project } from './project.js';
import { Run } from './run.js';
import { Suite } from './suite.js';

/**
 * One test's result in one run: the per-test history that the shard planner reads durations
 * from (median per file over recent runs), and that trends, flakiness and scenario mapping use.
 */
export class TestResult {
  id!: number;
  createdAt: Date = new Date();
  organization: number;
  project: number;
  suite: number;
  environment: number;
  run: number;
  shardIndex: number;
  /** pytest node id, e.g. `tests/test_cart.py::test_add[2-3]`. */
  nodeId: string;
  /** The node id's file part, for per-file history. */
  file: string;
  outcome: TestOutcome;
  durationSeconds: number;
  /** Executions of this test in the shard: 1, or more when suite retries re-ran it. */
  attempts = 1;
  /** Failed first, passed on a retry (FR-TEST-05). */
  flaky = false;
  /** The failure or skip reason, shortened. */
  message: string | null = null;
  /** A failure's group (issue 15 item 4, domain `fingerprintFailure`); null for a test that did not fail. */
  fingerprint: string | null = null;
  /** The failure's exception type, as pytest names it. */
  exceptionType: string | null = null;
  /** The failure's message with what varies between failures of one cause masked. */
  normalizedMessage: string | null = null;
  /** The innermost frame of the failure in the repository's own code, `path::function`. */
  failureFrame: string | null = null;

  constructor(
    run: Pick<Run, 'id' | 'organization' | 'project' | 'suite' | 'environment'>,
    shardIndex: number,
    nodeId: string,
    file: string,
    outcome: TestOutcome,
    durationSeconds: number,
  ) {
    this.organization = run.organization;
    this.project = run.project;
    this.suite = run.suite;
    this.environment = run.environment;
    this.run = run.id;
    this.shardIndex = shardIndex;
    this.nodeId = nodeId;
    this.file = file;
    this.outcome = outcome;
    this.durationSeconds = durationSeconds;
  }
}

export const TestResultSchema = defineEntity({
  class: TestResult,
  tableName: 'test_results',
  properties: {
    id: p.integer().primary().autoincrement(),
    createdAt: p.datetime().onCreate(() => new Date()),
    organization: p.manyToOne(Organization).mapToPk(),
    project: p.manyToOne(Project).mapToPk().deleteRule('cascade'),
    suite: p.manyToOne(Suite).mapToPk().deleteRule('cascade'),
    environment: p.manyToOne(Environment).mapToPk().deleteRule('cascade'),
    run: p.manyToOne(Run).mapToPk().deleteRule('cascade'),
    shardIndex: p.integer(),
    nodeId: p.text(),
    file: p.string().length(1000),
    outcome: p.enum(TEST_OUTCOMES),
    durationSeconds: p.double(),
    attempts: p.integer().default(1),
    flaky: p.boolean().default(false),
    message: p.text().nullable(),
    fingerprint: p.string().length(16).nullable(),
    exceptionType: p.text().nullable(),
    normalizedMessage: p.text().nullable(),
    failureFrame: p.text().nullable(),
  },
  uniques: [{ properties: ['run', 'nodeId'] }],
  indexes: [{ properties: ['project', 'suite', 'file', 'run'] }, { properties: ['project', 'nodeId', 'run'] }, { properties: ['project', 'fingerprint'] }],
});
