import { defineEntity, p } from '@mikro-orm/core';
import { BaseEntity, baseProperties } from './base.js';
import { Organization } from './organization.js';
import { Project } from './project.js';

export const SUITE_LAYERS = ['unit', 'contract', 'integration', 'e2e'] as const;
export type SuiteLayer = (typeof SUITE_LAYERS)[number];

export const MAX_SHARDS = 64;

/** A named selection of a project's tests (smoke, regression, …) and how to run it. */
export class Suite extends BaseEntity {
  organization: number;
  project: number;
  name: string;
  description = '';
  layer: SuiteLayer = 'integration';
  /** pytest marker expression (`-m`), e.g. "smoke and not slow"; empty selects every test. */
  markers = '';
  /** pytest keyword expression (`-k`); empty selects every test. */
  keywords = '';
  /** Paths inside the repository to collect from; empty means the repository root. */
  paths: string[] = [];
  shards = 1;
  /** pytest-xdist workers inside each shard (`-n`); 0 runs each shard in one process. */
  workersPerShard = 0;
  /** How many times failed tests are re-run inside their shard (FR-TEST-05). */
  retries = 0;
  timeoutSeconds = 3600;
  /** Measure coverage in the shards and combine it (PRD 15). Off, tests run at full speed. */
  coverage = true;
  /** Minimum combined coverage in percent, enforced after the run (FR-RPT-07); null: none. Needs `coverage`. */
  coverageThreshold: number | null = null;
  /** A selection of no test ends `completed` instead of `failed` ("no tests collected"). */
  allowEmpty = false;
  /**
   * How the repository installs itself, instead of what QAtron reads from its files
   * (e.g. `pip install -e .[test]`); run in the venv, part of the venv's cache key.
   */
  installCommand: string | null = null;
  /** The Python version to run on (e.g. `3.12`), instead of the newest that `requires-python` allows. */
  pythonVersion: string | null = null;
  /** Refuse to start when the environment's dataset version has not passed validation (FR-DATA-04). */
  requireDatasetHealth = false;

  constructor(organization: number, project: number, name: string) {
    super();
    this.organization = organization;
    this.project = project;
    this.name = name;
  }
}

export const SuiteSchema = defineEntity({
  class: Suite,
  tableName: 'suites',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk().index(),
    project: p.manyToOne(Project).mapToPk().deleteRule('cascade'),
    name: p.string().length(100),
    description: p.text().default(''),
    layer: p.enum(SUITE_LAYERS).default('integration'),
    markers: p.string().length(1000).default(''),
    keywords: p.string().length(1000).default(''),
    paths: p.json<string[]>(),
    shards: p.integer().default(1),
    workersPerShard: p.integer().default(0),
    retries: p.integer().default(0),
    timeoutSeconds: p.integer().default(3600),
    coverage: p.boolean().default(true),
    coverageThreshold: p.double().nullable(),
    allowEmpty: p.boolean().default(false),
    installCommand: p.string().length(1000).nullable(),
    pythonVersion: p.string().length(20).nullable(),
    requireDatasetHealth: p.boolean().default(false),
  },
  uniques: [{ properties: ['project', 'name'] }],
});
