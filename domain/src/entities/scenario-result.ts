import { defineEntity, p } from '@mikro-orm/core';
import { Scenario } from './feature.js';
import { Organization } from './organization.js';
import { Project } from './project.js';
import { Run } from './run.js';
import { TEST_OUTCOMES, type TestOutcome } from '../runs/outcomes.js';
import { TestResult } from './test-result.js';

/**
 * One scenario's result in one run (FR-BDD-04): a test result mapped to the scenario it executed,
 * an outline's Examples row to its own result (`exampleLine`). A scenario's history and its
 * coverage status (FR-BDD-05) are read from these rows; they outlive the scenario's deactivation.
 */
export class ScenarioResult {
  id!: number;
  createdAt: Date = new Date();
  organization: number;
  project: number;
  run: number;
  scenario: number;
  testResult: number | null;
  /** The Examples body row's line, for one row of a scenario outline; null for a plain scenario. */
  exampleLine: number | null = null;
  outcome: TestOutcome;
  durationSeconds: number;

  constructor(
    run: { id: number; organization: number; project: number },
    scenario: number,
    testResult: number | null,
    outcome: TestOutcome,
    durationSeconds: number,
  ) {
    this.organization = run.organization;
    this.project = run.project;
    this.run = run.id;
    this.scenario = scenario;
    this.testResult = testResult;
    this.outcome = outcome;
    this.durationSeconds = durationSeconds;
  }
}

export const ScenarioResultSchema = defineEntity({
  class: ScenarioResult,
  tableName: 'scenario_results',
  properties: {
    id: p.integer().primary().autoincrement(),
    createdAt: p.datetime().onCreate(() => new Date()),
    organization: p.manyToOne(Organization).mapToPk(),
    project: p.manyToOne(Project).mapToPk().deleteRule('cascade'),
    run: p.manyToOne(Run).mapToPk().deleteRule('cascade'),
    scenario: p.manyToOne(Scenario).mapToPk().deleteRule('cascade'),
    testResult: p.manyToOne(TestResult).mapToPk().deleteRule('cascade').nullable(),
    exampleLine: p.integer().nullable(),
    outcome: p.enum(TEST_OUTCOMES),
    durationSeconds: p.double(),
  },
  uniques: [{ properties: ['run', 'testResult'] }],
  // History and coverage read a scenario's newest runs first.
  indexes: [{ properties: ['scenario', 'run'] }, { properties: ['project', 'run'] }],
});
