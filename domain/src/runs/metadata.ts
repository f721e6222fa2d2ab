/**
 * A run's metadata (PRD 12.2): the `runs.run_metadata` jsonb column, one record per phase of the
 * run, each written by one activity (activities/src/runs/):
 *
 * - trigger (the API's re-run, issue 15 item 3): `selection`, the node ids a re-run runs instead of
 *   the suite's selection, and how they were chosen;
 * - provisioning (`prepareRun`): `bdd`, the feature files indexed at the run's commit,
 *   `shard_count` as the suite asked for it (a re-run: no more than its tests' files; a browser
 *   run: no more than its Grid's free slots), and `grid`, the environment's Grid as checked then;
 * - plan (`finalizeRun`): `plan`, how the work was handed out;
 * - shards (`finalizeRun`): `shards`, how each shard ended, and `shard_count` as it ran;
 * - gates (`combineRunCoverage`, `attachRunReports`): `coverage`, the combined figure the suite's
 *   threshold is checked against (FR-RPT-07);
 * - reporting (`attachRunReports`, `markReportStatus`): `reporting`, the Allure report's test
 *   count and what went wrong while reporting.
 *
 * Live progress is not stored here: the API asks the run workflow for it (`progressQuery`).
 *
 * The column holds `{ version, ...phases }`. `readRunMetadata` and `storeRunMetadata` are the one
 * way in and out (the Run entity's column type calls them), so every row is parsed when it is
 * loaded and every write is checked before it reaches the database. Rows written before the
 * version field (version 0) hold the same records; their plan and shards may have older shapes,
 * which the schemas below still accept (`SplitPlan`, the optional fields of `ShardRecord`).
 */
import { z } from 'zod';
import type { ShardOutcome } from './status.js';

/** The version `storeRunMetadata` writes; rows without one were written before it (version 0). */
export const RUN_METADATA_VERSION = 1;

const count = z.int().nonnegative();
/** The shard outcomes (status.ts), spelled out for the schema; the mapped type makes the two agree exactly. */
const SHARD_OUTCOMES: { [O in ShardOutcome]: O } = { passed: 'passed', failed: 'failed', timed_out: 'timed_out', infra_failed: 'infra_failed', cancelled: 'cancelled' };

// ---- trigger ------------------------------------------------------------------------------------

/** How a re-run chose its tests: the original run's failed and errored tests, or what some of its shards ran. */
export const RERUN_SCOPES = ['failed', 'shards'] as const;
export type RerunScope = (typeof RERUN_SCOPES)[number];

/**
 * A re-run's tests (issue 15 item 3): pytest node ids of the original run, at the original run's
 * commit. The shards collect exactly these instead of the suite's paths, `-m` and `-k`.
 */
export const SelectionMetadata = z.strictObject({
  scope: z.enum(RERUN_SCOPES),
  shards: z.array(count).nullable().describe('The original run\'s shards whose tests are re-run (scope shards); null for scope failed'),
  node_ids: z.array(z.string().min(1)).min(1).describe('The pytest node ids the re-run runs'),
});
export type SelectionMetadata = z.infer<typeof SelectionMetadata>;

// ---- provisioning -------------------------------------------------------------------------------

/** The feature files indexed at the run's commit (FR-BDD-02); same shape as the contract's `IngestionRecord`. */
export const IngestionMetadata = z.strictObject({
  commit: z.string(),
  files: count,
  parsed: count,
  added: count,
  updated: count,
  deactivated: count,
  pickles: count,
  error_count: count,
  errors: z
    .array(z.strictObject({ path: z.string(), line: z.int().nullable(), message: z.string() }))
    .describe('The first errors: a file that does not parse, with its line'),
});

/** An index that could not be written; the tests ran anyway. */
export const IngestionFailureMetadata = z.strictObject({
  commit: z.string(),
  failed: z.string().describe('Why the feature files could not be indexed'),
});

export const BddMetadata = z.union([IngestionMetadata, IngestionFailureMetadata]).describe('The feature files indexed at the run\'s commit before any test ran (FR-BDD-02)');

// ---- plan ---------------------------------------------------------------------------------------

/** Work pulled from the run's queue (DESIGN "Work is pulled, not pre-split"): what every run since writes. */
export const PulledPlan = z.strictObject({
  work: z.literal('pulled'),
  basis: z.enum(['history', 'test_count']).describe('How files were ordered: by their seconds in earlier runs, or by their test counts'),
  total_tests: count,
  total_files: count,
});

/** One shard of a pre-split plan. */
export const SplitPlanShard = z.strictObject({
  index: count,
  files: z.array(z.string()),
  test_ids: z.array(z.string()),
  estimated_weight: z.number(),
});

/** Work split between the shards before they started: runs from before pulled work (version 0 rows only). */
export const SplitPlan = z.strictObject({
  commit: z.string(),
  basis: z.enum(['history', 'test_count']),
  total_tests: count,
  shards: z.array(SplitPlanShard),
});

export const PlanMetadata = z.union([PulledPlan, SplitPlan]).describe('How the work was handed out to the shards');

// ---- shards -------------------------------------------------------------------------------------

/** How one shard ended (PRD 12.2 shard metadata): its outcome and pytest's counts. */
export const ShardRecord = z.strictObject({
  shard_id: count,
  status: z.enum(SHARD_OUTCOMES),
  tests: count,
  passed: count,
  failed: count,
  // Absent in runs finished before pytest's six categories were counted (version 0 rows).
  error: count.optional(),
  skipped: count,
  xfailed: count.optional(),
  xpassed: count.optional(),
  flaky: count,
  duration: z.number().nullable().describe('Seconds; null when the shard never reported'),
  attempt: z.int().nullable(),
  worker: z.string().nullable(),
  // Absent in runs from before pulled work (version 0 rows): the plan listed the files then.
  files: z.array(z.string()).optional().describe('The test files the shard ran'),
  reason: z.string().nullable(),
});

/**
 * The environment's Selenium Grid as the run found it before its shards started (issue 16 item 4):
 * the shards hand its URL to the tests, and a shard whose tests failed while it was down ends
 * infra_failed.
 */
export const GridMetadata = z.strictObject({
  id: z.int(),
  name: z.string(),
  url: z.string(),
  slots_total: count,
  slots_free: count,
  shards_wanted: count.describe('Shards the run would have started without the Grid\'s limit'),
});
export type GridMetadata = z.infer<typeof GridMetadata>;

// ---- gates --------------------------------------------------------------------------------------

/** The combined coverage (FR-RPT-07, PRD 15.3) and the threshold it was held to. */
export const CoverageMetadata = z.strictObject({
  percent: z.number(),
  covered_lines: count,
  total_lines: count,
  threshold: z.number().nullable().describe("The suite's threshold in percent when the figure was combined; null: no gate"),
  files: z.array(z.strictObject({ path: z.string(), percent: z.number(), statements: count, missing: count })),
});

// ---- reporting ----------------------------------------------------------------------------------

/** The reporting phase (NFR-AVAIL-02): failures are recorded here, never fail the run. */
export const ReportingMetadata = z.strictObject({
  report_tests: count.nullable().describe("Tests in the Allure report; null until it was generated"),
  errors: z.array(z.string()).describe('What went wrong while reporting, in order'),
});

// ---- the document -------------------------------------------------------------------------------

/** A run's metadata: each phase's record, absent until that phase wrote it. */
export const RunMetadata = z.strictObject({
  selection: SelectionMetadata.optional(),
  bdd: BddMetadata.optional(),
  grid: GridMetadata.optional(),
  shard_count: count.optional().describe('Shards the suite asked for, then shards that ran'),
  plan: PlanMetadata.optional(),
  shards: z.array(ShardRecord).optional(),
  coverage: CoverageMetadata.nullable().optional().describe('Null when reporting could not combine any coverage'),
  reporting: ReportingMetadata.optional(),
});
export type RunMetadata = z.infer<typeof RunMetadata>;
export type ShardRecord = z.infer<typeof ShardRecord>;
export type PlanMetadata = z.infer<typeof PlanMetadata>;
export type ReportingMetadata = z.infer<typeof ReportingMetadata>;

/** What the column holds. */
export const StoredRunMetadata = RunMetadata.extend({ version: z.literal(RUN_METADATA_VERSION) });
export type StoredRunMetadata = z.infer<typeof StoredRunMetadata>;

/** Run metadata that does not fit its schema; the message names the field. */
export class RunMetadataError extends Error {
  override name = 'RunMetadataError';
}

function refused(action: string, error: z.ZodError): RunMetadataError {
  const problems = error.issues.map((issue) => `${['run_metadata', ...issue.path.map(String)].join('.')}: ${issue.message}`);
  return new RunMetadataError(`${action} run metadata: ${problems.join('; ')}`);
}

/** Parses the column's value as loaded (any version this code knows); throws a RunMetadataError naming the field otherwise. */
export function readRunMetadata(stored: unknown): RunMetadata {
  // Rows written before the version field hold the same records, in shapes the schemas still accept.
  if (typeof stored !== 'object' || stored === null || !('version' in stored)) {
    const unversioned = RunMetadata.safeParse(stored);
    if (!unversioned.success) throw refused('cannot read', unversioned.error);
    return unversioned.data;
  }
  const parsed = StoredRunMetadata.safeParse(stored);
  if (!parsed.success) throw refused('cannot read', parsed.error);
  const { version: _version, ...metadata } = parsed.data;
  return metadata;
}

/** Checks `metadata` before it is written and stamps the current version; throws a RunMetadataError naming the field. */
export function storeRunMetadata(metadata: RunMetadata): StoredRunMetadata {
  const parsed = RunMetadata.safeParse(metadata);
  if (!parsed.success) throw refused('refusing to write', parsed.error);
  return { version: RUN_METADATA_VERSION, ...parsed.data };
}
