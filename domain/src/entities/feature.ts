import { defineEntity, p } from '@mikro-orm/core';
import { BaseEntity, baseProperties } from './base.js';
import { Organization } from './organization.js';
import { Project } from './project.js';

/** Where a feature file failed to parse (PRD 14, FR-BDD). */
export interface FeatureParseError {
  line: number | null;
  message: string;
}

/** A `.feature` file of a project's repository, as last indexed (FR-BDD-01, FR-BDD-02). */
export class Feature extends BaseEntity {
  organization: number;
  project: number;
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  name = '';
  description = '';
  tags: string[] = [];
  language = 'en';
  /** SHA-256 of the file, to skip unchanged files when re-indexing. */
  contentHash = '';
  isActive = true;
  parseError: FeatureParseError | null = null;
  /** The commit the file was last indexed at. */
  indexedCommit: string | null = null;

  constructor(organization: number, project: number, path: string) {
    super();
    this.organization = organization;
    this.project = project;
    this.path = path;
  }
}

export const FeatureSchema = defineEntity({
  class: Feature,
  tableName: 'features',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk().index(),
    project: p.manyToOne(Project).mapToPk().deleteRule('cascade'),
    path: p.string().length(1000),
    name: p.text().default(''),
    description: p.text().default(''),
    tags: p.json<string[]>(),
    language: p.string().length(16).default('en'),
    contentHash: p.string().length(64).default(''),
    isActive: p.boolean().default(true),
    parseError: p.json<FeatureParseError>().nullable(),
    indexedCommit: p.string().length(64).nullable(),
  },
  uniques: [{ properties: ['project', 'path'] }],
});

export const SCENARIO_TYPES = ['scenario', 'scenario_outline'] as const;
export type ScenarioType = (typeof SCENARIO_TYPES)[number];

/**
 * How re-indexing found a stored scenario again (issue 6): the same stable id; the same name in
 * the same feature (it moved within its file); the same steps in the same feature (renamed); the
 * same name and steps in a file that disappeared (the file moved); or not at all (new).
 */
export const SCENARIO_MATCHES = ['new', 'stable_id', 'name', 'steps', 'moved_file'] as const;
export type ScenarioMatch = (typeof SCENARIO_MATCHES)[number];

/** One Examples table of a scenario outline. */
export interface ScenarioExamples {
  name: string;
  /** The table's own tags (not inherited). */
  tags: string[];
  /** The Examples keyword's line. */
  line: number;
  header: string[];
  rows: string[][];
  /** The line of each body row: how a result of one outline row finds its row (`example_line`). */
  rowLines: number[];
}

/** A scenario or scenario outline with its stable id (PRD 14.2). */
export class Scenario extends BaseEntity {
  organization: number;
  project: number;
  feature: number;
  /**
   * `{feature_path}:{line_start}:{line_end}:{sha256(name)[:8]}` at the last indexing. The row id,
   * not this label, carries history: a moved or renamed scenario keeps its row and gets its new
   * label, so results labelled by either commit's framework map to it.
   */
  stableId: string;
  name: string;
  type: ScenarioType = 'scenario';
  /** The Rule it belongs to, if any. */
  rule: string | null = null;
  tags: string[] = [];
  lineStart: number;
  lineEnd: number;
  examples: ScenarioExamples[] = [];
  /** Hash of the steps' text, which lets a renamed or moved scenario keep its id. */
  stepsHash = '';
  isActive = true;
  /** How this row was matched at the last indexing (see SCENARIO_MATCHES). */
  matchedBy: ScenarioMatch = 'new';

  constructor(
    organization: number,
    project: number,
    feature: number,
    stableId: string,
    name: string,
    lineStart: number,
    lineEnd: number,
  ) {
    super();
    this.organization = organization;
    this.project = project;
    this.feature = feature;
    this.stableId = stableId;
    this.name = name;
    this.lineStart = lineStart;
    this.lineEnd = lineEnd;
  }
}

export const ScenarioSchema = defineEntity({
  class: Scenario,
  tableName: 'scenarios',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk().index(),
    project: p.manyToOne(Project).mapToPk().deleteRule('cascade'),
    feature: p.manyToOne(Feature).mapToPk().deleteRule('cascade').index(),
    stableId: p.string().length(1200),
    name: p.text(),
    type: p.enum(SCENARIO_TYPES).default('scenario'),
    rule: p.text().nullable(),
    tags: p.json<string[]>(),
    lineStart: p.integer(),
    lineEnd: p.integer(),
    examples: p.json<ScenarioExamples[]>(),
    stepsHash: p.string().length(64).default(''),
    isActive: p.boolean().default(true),
    matchedBy: p.string().$type<ScenarioMatch>().length(16).default('new'),
  },
  // Deferred: re-indexing relabels many scenarios in one statement, and a label may pass from one
  // row to another within it; only the state at commit has to be unique.
  uniques: [{ properties: ['project', 'stableId'], deferMode: 'deferred' }],
});

/** One step of a scenario (or of the Background it inherits), in order. */
export class Step {
  id!: number;
  scenario: number;
  position: number;
  keyword: string;
  text: string;
  dataTable: string[][] | null = null;
  docString: string | null = null;
  constructor(scenario: number, position: number, keyword: string, text: string) {
    this.scenario = scenario;
    this.position = position;
    this.keyword = keyword;
    this.text = text;
  }
}

export const StepSchema = defineEntity({
  class: Step,
  tableName: 'steps',
  properties: {
    id: p.integer().primary().autoincrement(),
    scenario: p.manyToOne(Scenario).mapToPk().deleteRule('cascade').index(),
    position: p.integer(),
    keyword: p.string().length(64),
    text: p.text(),
    dataTable: p.json<string[][]>().nullable(),
    docString: p.text().nullable(),
  },
});
