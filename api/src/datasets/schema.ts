import { z } from 'zod';
import { DATASET_VALIDATION_STATUSES } from '@qatron/domain';
import { DbId } from '../http/params.js';
import { PageQuery } from '../http/pagination.js';

/** A version label: what runs pin and the CLI names (`v3`, `2026-12-01`, `1.4.0`). */
export const VERSION_LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** The stored file's name: one safe path segment, so the store key cannot escape its prefix. */
export const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
/** Largest dataset version accepted in one upload. */
export const DATASET_MAX_BYTES = 100 * 1024 * 1024;

/** POST /api/v1/datasets. */
export const DatasetCreate = z.object({
  name: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters').describe('Unique within the organization'),
  description: z.string().max(10_000, 'must be at most 10000 characters').default(''),
  project_id: DbId.nullable().default(null).describe("The project that owns it; null shares it with every project of the organization"),
});
export type DatasetCreateInput = z.output<typeof DatasetCreate>;

export const DatasetListQuery = PageQuery.extend({
  project_id: DbId.optional().describe("Datasets a project may use: its own and the organization's shared ones"),
});

export const DatasetVersionParams = z.object({
  id: DbId,
  version: z.string().regex(VERSION_LABEL, 'must be 1-100 letters, digits, dots, dashes or underscores, starting with a letter or digit'),
});

export const DatasetUploadQuery = z.object({
  file_name: z
    .string()
    .regex(FILE_NAME, 'must be one file name of letters, digits, dots, dashes or underscores')
    .optional()
    .describe('Name of the stored file (its extension tells the tests how to read it); defaults from the Content-Type'),
});

/** Most expectations one suite may hold: a suite is stored with its version and sent to the worker. */
export const MAX_EXPECTATIONS = 500;

/**
 * One expectation in Great Expectations' JSON format: `{ "type": "expect_…", "kwargs": {…} }`.
 * Suites exported by GE before 1.0 name the type `expectation_type`; both are accepted.
 */
export const Expectation = z.preprocess(
  (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || 'type' in value || !('expectation_type' in value)) return value;
    const { expectation_type: type, ...rest } = value as Record<string, unknown>;
    return { ...rest, type };
  },
  z.object({
    type: z
      .string('must be a string naming an expectation')
      .regex(/^expect_[A-Za-z0-9_]{1,200}$/, 'must name a Great Expectations expectation: expect_ followed by letters, digits or underscores')
      .describe('The expectation, e.g. expect_column_values_to_not_be_null (legacy key: expectation_type)'),
    kwargs: z.record(z.string(), z.unknown(), 'must be an object of the expectation\'s arguments').describe('Its arguments, e.g. {"column": "email"}'),
  }, 'must be an expectation: {"type": "expect_…", "kwargs": {…}}'),
);

/** An expectation suite in Great Expectations' JSON format (its other keys, such as `name`, are ignored). */
export const ExpectationSuite = z.object(
  {
    expectations: z
      .array(Expectation, 'must be a list of expectations')
      .min(1, 'must hold at least one expectation')
      .max(MAX_EXPECTATIONS, `must hold at most ${MAX_EXPECTATIONS} expectations`),
  },
  'must be an expectation suite: {"expectations": [{"type": "expect_…", "kwargs": {…}}]}',
);
export type ExpectationSuiteInput = z.output<typeof ExpectationSuite>;

/** POST …/versions/{version}/validate. */
export const DatasetValidateBody = z.object({
  expectations: ExpectationSuite.optional().describe("The suite to validate against, stored with the version; without it, the version's stored suite or else the newest earlier version's"),
});

const ExpectationResultOut = z.object({
  type: z.string(),
  kwargs: z.record(z.string(), z.unknown()),
  success: z.boolean(),
  observed_value: z.unknown().optional(),
  unexpected_count: z.number().optional(),
  partial_unexpected_list: z.array(z.unknown()).optional().describe('The first 20 unexpected values'),
  exception: z.string().optional().describe('Why the expectation could not be evaluated (unknown type, invalid arguments, missing column)'),
});

export const ValidationReportOut = z.object({
  success: z.boolean(),
  evaluated: z.number().int(),
  successful: z.number().int(),
  unsuccessful: z.number().int(),
  results: z.array(ExpectationResultOut),
  ge_version: z.string().describe('The Great Expectations version that validated'),
  error: z.string().optional().describe('Why nothing could be evaluated (an unreadable file, no worker could validate)'),
});

export const DatasetVersionOut = z.object({
  id: z.number().int(),
  dataset_id: z.number().int(),
  version: z.string(),
  file_name: z.string(),
  content_type: z.string(),
  checksum: z.string().nullable().describe('sha256:<hex> of the content'),
  size_bytes: z.number().int().nullable().describe('Size of the content; null for versions uploaded before sizes were recorded'),
  uploaded_by: z.string().nullable().describe('Who uploaded it (user or service token name); null for versions uploaded before it was recorded'),
  validation_status: z.enum(DATASET_VALIDATION_STATUSES),
  validated_at: z.string().nullable(),
  validation_report: ValidationReportOut.nullable().describe('What the last validation found, per expectation; null until validated'),
  created_at: z.string(),
  download_url: z.string(),
});

export const DatasetOut = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string(),
  project_id: z.number().int().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  latest_version: DatasetVersionOut.nullable(),
});

export const DatasetDetailOut = DatasetOut.extend({ versions: z.array(DatasetVersionOut) });
