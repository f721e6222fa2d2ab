import { defineEntity, p } from '@mikro-orm/core';
import { assessTestHealth, TEST_HEALTH_CLASSIFICATIONS, TEST_HEALTH_RULES, TestHealthEvidence, type TestHealthClassification, type TestHealthPolicy, type TestHealthRule } from '../test-health/classify.js';
import { HealthWindow, type WindowEntry } from '../test-health/window.js';
import { BaseEntity, baseProperties } from './base.js';
import { checkedJsonColumn } from './checked-json.js';
import { Environment } from './environment.js';
import { Organization } from './organization.js';
import { Project } from './project.js';
import { Suite } from './suite.js';

/**
 * One test's health in one project + suite + environment (issue 15 item 1): its window of recent
 * runs and what domain/test-health/classify.ts makes of it. Updated from the row alone when a run
 * finalizes (the window is appended to, never rebuilt from test_results); the figures are columns
 * so that the list can filter and sort on them.
 */
export class TestHealth extends BaseEntity {
  organization: number;
  project: number;
  suite: number;
  environment: number;
  /** pytest node id, as test results record it. */
  nodeId: string;
  /** The most recent executed runs, oldest first (domain/test-health/window.ts). */
  window: WindowEntry[] = [];
  classification: TestHealthClassification = 'new';
  /** The rule that decided the classification (also in `evidence`), as a column to filter on. */
  rule: TestHealthRule = 'few_runs';
  evidence: TestHealthEvidence = { rule: 'few_runs', run_ids: [], detail: '' };
  runs = 0;
  passes = 0;
  failures = 0;
  flips = 0;
  flipRate = 0;
  passOnRetry = 0;
  sameCommitDisagreements = 0;
  medianDurationSeconds: number | null = null;
  /** The first run that recorded the test, kept after it leaves the window. */
  firstSeenAt: Date;
  lastSeenAt: Date;
  lastFailureAt: Date | null = null;
  /** A plain column, not a foreign key: the run is evidence, not an owner. */
  lastFailureRun: number | null = null;

  constructor(series: { organization: number; project: number; suite: number; environment: number }, nodeId: string, seenAt: Date) {
    super();
    this.organization = series.organization;
    this.project = series.project;
    this.suite = series.suite;
    this.environment = series.environment;
    this.nodeId = nodeId;
    this.firstSeenAt = seenAt;
    this.lastSeenAt = seenAt;
  }

  /** Sets the window and everything derived from it; first/last seen and last failure only move outward. */
  assess(window: WindowEntry[], policy: TestHealthPolicy): void {
    const { stats, classification, evidence } = assessTestHealth(window, policy);
    this.window = window;
    Object.assign(this, stats);
    this.classification = classification;
    this.rule = evidence.rule;
    this.evidence = evidence;
    for (const entry of window) {
      const at = new Date(entry.at);
      if (at < this.firstSeenAt) this.firstSeenAt = at;
      if (at > this.lastSeenAt) this.lastSeenAt = at;
      const failed = entry.outcome === 'failed' || entry.outcome === 'error';
      if (failed && (this.lastFailureAt === null || at >= this.lastFailureAt)) {
        this.lastFailureAt = at;
        this.lastFailureRun = entry.run_id;
      }
    }
  }
}

/** The window column, parsed on load and checked on write. */
export const TestHealthWindowColumn = checkedJsonColumn<WindowEntry[]>((stored) => HealthWindow.parse(stored));

/** The evidence column, parsed on load and checked on write. */
export const TestHealthEvidenceColumn = checkedJsonColumn<TestHealthEvidence>((stored) => TestHealthEvidence.parse(stored));

export const TestHealthSchema = defineEntity({
  class: TestHealth,
  tableName: 'test_health',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk(),
    project: p.manyToOne(Project).mapToPk().deleteRule('cascade'),
    suite: p.manyToOne(Suite).mapToPk().deleteRule('cascade'),
    environment: p.manyToOne(Environment).mapToPk().deleteRule('cascade'),
    nodeId: p.text(),
    window: p.type(TestHealthWindowColumn).$type<WindowEntry[]>(),
    classification: p.enum(TEST_HEALTH_CLASSIFICATIONS),
    rule: p.enum(TEST_HEALTH_RULES),
    evidence: p.type(TestHealthEvidenceColumn).$type<TestHealthEvidence>(),
    runs: p.integer(),
    passes: p.integer(),
    failures: p.integer(),
    flips: p.integer(),
    flipRate: p.double(),
    passOnRetry: p.integer(),
    sameCommitDisagreements: p.integer(),
    medianDurationSeconds: p.double().nullable(),
    firstSeenAt: p.datetime(),
    lastSeenAt: p.datetime(),
    lastFailureAt: p.datetime().nullable(),
    lastFailureRun: p.integer().nullable(),
  },
  // The finalizing run reads its series' rows; the list filters by project (and classification) and sorts by a figure.
  uniques: [{ properties: ['project', 'suite', 'environment', 'nodeId'] }],
  indexes: [
    { properties: ['project', 'classification', 'flipRate'] },
    { properties: ['project', 'flipRate'] },
    { properties: ['project', 'failures'] },
    { properties: ['project', 'medianDurationSeconds'] },
  ],
});
