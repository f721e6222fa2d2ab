import { defineEntity, p } from '@mikro-orm/core';
import { BaseEntity, baseProperties } from './base.js';
import { Organization } from './organization.js';
import { Project } from './project.js';

/** A named test data set (FR-DATA-01); its content lives in versions. */
export class Dataset extends BaseEntity {
  organization: number;
  project: number | null = null;
  name: string;
  description = '';
  constructor(organization: number, name: string) {
    super();
    this.organization = organization;
    this.name = name;
  }
}

export const DatasetSchema = defineEntity({
  class: Dataset,
  tableName: 'datasets',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk(),
    project: p.manyToOne(Project).mapToPk().nullable().deleteRule('cascade').index(),
    name: p.string().length(200),
    description: p.text().default(''),
  },
  uniques: [{ properties: ['organization', 'name'] }],
});

export const DATASET_VALIDATION_STATUSES = ['pending', 'passed', 'failed'] as const;
export type DatasetValidationStatus = (typeof DATASET_VALIDATION_STATUSES)[number];

/** One immutable version of a dataset, pinned by runs (FR-DATA-03) and validated (FR-DATA-02). */
export class DatasetVersion extends BaseEntity {
  dataset: number;
  version: string;
  storagePath: string;
  checksum: string | null = null;
  /** Expectation suite (Great Expectations JSON) the version is validated against. */
  expectations: unknown = null;
  validationStatus: DatasetValidationStatus = 'pending';
  validationReport: unknown = null;
  validatedAt: Date | null = null;
  /** The uploaded content's size and who uploaded it (null for versions uploaded before they were recorded). */
  sizeBytes: number | null = null;
  uploadedByName: string | null = null;
  constructor(dataset: number, version: string, storagePath: string) {
    super();
    this.dataset = dataset;
    this.version = version;
    this.storagePath = storagePath;
  }
}

export const DatasetVersionSchema = defineEntity({
  class: DatasetVersion,
  tableName: 'dataset_versions',
  properties: {
    ...baseProperties,
    dataset: p.manyToOne(Dataset).mapToPk().deleteRule('cascade'),
    version: p.string().length(100),
    storagePath: p.string().length(2000),
    checksum: p.string().length(128).nullable(),
    expectations: p.json<unknown>().nullable(),
    validationStatus: p.enum(DATASET_VALIDATION_STATUSES).default('pending'),
    validationReport: p.json<unknown>().nullable(),
    validatedAt: p.datetime().nullable(),
    sizeBytes: p.bigint('number').nullable(),
    uploadedByName: p.string().length(200).nullable(),
  },
  uniques: [{ properties: ['dataset', 'version'] }],
});
