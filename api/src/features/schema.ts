import { z } from 'zod';
import { SCENARIO_MATCHES, SCENARIO_STATUSES, SCENARIO_TYPES, TEST_OUTCOMES, RUN_STATUSES } from '@qatron/domain';
import { pageOf, PageQuery } from '../http/pagination.js';
import { DbId } from '../http/params.js';

/** `GET /api/v1/features`: a project's indexed feature files (PRD 14, FR-BDD-05). */
export const FeatureListQuery = PageQuery.extend({
  project_id: DbId.optional().describe('Only this project'),
  tag: z.string().trim().min(1, 'must not be empty').max(200).optional().describe('Only features with this tag on the feature or on one of its active scenarios, e.g. `@smoke`'),
  search: z.string().trim().min(1, 'must not be empty').max(200).optional().describe('Text in the feature name, its path or one of its active scenario names'),
  include_inactive: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false)
    .describe('Also list features whose file was removed from the repository'),
});
export type FeatureListFilter = z.output<typeof FeatureListQuery>;

export const ScenarioHistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Most recent results to return'),
});

const ParseErrorOut = z.object({ line: z.number().int().nullable(), message: z.string() }).describe('Why the file did not parse at its last indexing; its previous scenarios are kept');

const CoverageOut = z
  .object({
    never_run: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
  })
  .describe("Active scenarios by their newest run's outcome (FR-BDD-05)");

export const FeatureOut = z.object({
  id: z.number().int(),
  project_id: z.number().int(),
  path: z.string().describe('Relative to the repository root'),
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  language: z.string().describe('The Gherkin dialect (`# language:` header), e.g. en, de, fr'),
  is_active: z.boolean().describe('False once the file is gone from the repository; its scenarios keep their history'),
  parse_error: ParseErrorOut.nullable(),
  indexed_commit: z.string().nullable(),
  scenario_count: z.number().int().describe('Active scenarios'),
  coverage: CoverageOut,
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});

export const FeaturePage = pageOf(FeatureOut);

const ExamplesOut = z.object({
  name: z.string(),
  tags: z.array(z.string()),
  line: z.number().int(),
  header: z.array(z.string()),
  rows: z.array(z.array(z.string())),
  row_lines: z.array(z.number().int()).describe('The line of each row: `example_line` of its results'),
});

const StepOut = z.object({
  position: z.number().int(),
  keyword: z.string(),
  text: z.string(),
  data_table: z.array(z.array(z.string())).nullable(),
  doc_string: z.string().nullable(),
});

export const ScenarioOut = z.object({
  id: z.number().int(),
  stable_id: z.string().describe('`{feature_path}:{line_start}:{line_end}:{sha256(name)[:8]}` (PRD 14.2) at the last indexing'),
  name: z.string(),
  type: z.enum(SCENARIO_TYPES),
  rule: z.string().nullable(),
  tags: z.array(z.string()).describe("Its own tags after the feature's and the rule's"),
  line_start: z.number().int(),
  line_end: z.number().int(),
  examples: z.array(ExamplesOut),
  is_active: z.boolean(),
  matched_by: z.enum(SCENARIO_MATCHES).describe('How the last indexing found it again'),
  status: z.enum(SCENARIO_STATUSES).describe("Its newest run's outcome; never_run before any"),
  last_run_id: z.number().int().nullable(),
  steps: z.array(StepOut).describe("Background steps first, then its own; an outline's with their <placeholders>"),
});

export const FeatureDetailOut = FeatureOut.extend({ scenarios: z.array(ScenarioOut) });

export const ScenarioHistoryOut = z.object({
  items: z.array(
    z.object({
      run_id: z.number().int(),
      outcome: z.enum(TEST_OUTCOMES),
      example_line: z.number().int().nullable().describe("The Examples row's line for one row of an outline"),
      duration_seconds: z.number(),
      created_at: z.iso.datetime(),
      branch: z.string(),
      commit_sha: z.string().nullable(),
      run_status: z.enum(RUN_STATUSES),
    }),
  ),
});

export const IngestionErrorsOut = z.object({
  items: z.array(
    z.object({
      feature_id: z.number().int(),
      path: z.string(),
      line: z.number().int().nullable(),
      message: z.string(),
      indexed_commit: z.string().nullable(),
      updated_at: z.iso.datetime(),
    }),
  ),
});
