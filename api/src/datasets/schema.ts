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

export const DatasetVersionOut = z.object({
  id: z.number().int(),
  dataset_id: z.number().int(),
  version: z.string(),
  file_name: z.string(),
  content_type: z.string(),
  checksum: z.string().nullable().describe('sha256:<hex> of the content'),
  validation_status: z.enum(DATASET_VALIDATION_STATUSES),
  validated_at: z.string().nullable(),
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
