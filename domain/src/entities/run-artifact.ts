import { defineEntity, p } from '@mikro-orm/core';
import { BaseEntity, baseProperties } from './base.js';
import { Organization } from './organization.js';
import { Run } from './run.js';

export const ARTIFACT_KINDS = [
  'junit',
  'allure_results',
  'allure_report',
  /** The Allure history carried from run to run of the same project, suite and environment. */
  'allure_history',
  'coverage_data',
  'coverage_xml',
  'coverage_html',
  'log',
  'screenshot',
  /** The HTML of a failed browser test's page, beside its screenshot (issue 16 item 5). */
  'page_source',
  'other',
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/**
 * A reference to one stored object of a run (FR-RUN-05); the object itself lives in the artifact
 * store. A generated report (Allure, coverage HTML) is one row for a whole directory: its
 * `storageKey` is the directory's prefix, ending in '/', and its files are served from under it.
 */
export class RunArtifact extends BaseEntity {
  organization: number;
  run: number;
  kind: ArtifactKind;
  /** Store key, `{org}/projects/{project}/runs/{run}/…` (PRD 8.2); immutable once written. */
  storageKey: string;
  /** File name offered on download. */
  name: string;
  contentType: string;
  sizeBytes: number;
  shardIndex: number | null = null;

  constructor(
    organization: number,
    run: number,
    kind: ArtifactKind,
    storageKey: string,
    name: string,
    contentType: string,
    sizeBytes: number,
  ) {
    super();
    this.organization = organization;
    this.run = run;
    this.kind = kind;
    this.storageKey = storageKey;
    this.name = name;
    this.contentType = contentType;
    this.sizeBytes = sizeBytes;
  }
}

export const RunArtifactSchema = defineEntity({
  class: RunArtifact,
  tableName: 'run_artifacts',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk().index(),
    run: p.manyToOne(Run).mapToPk().deleteRule('cascade'),
    kind: p.enum(ARTIFACT_KINDS),
    storageKey: p.string().length(1024).unique(),
    name: p.string().length(500),
    contentType: p.string().length(200),
    sizeBytes: p.bigint('number'),
    shardIndex: p.integer().nullable(),
  },
  indexes: [{ properties: ['run', 'kind'] }],
});
