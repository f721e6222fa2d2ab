import { z } from 'zod';
import { PulledPlan, REPORT_STATUSES, RERUN_SCOPES, RUN_STATUSES, RunMetadata, SelectionMetadata, SplitPlan, SplitPlanShard, type RunStatus } from '@qatron/domain';
import { PageQuery } from '../http/pagination.js';

/**
 * Whether `ref` is a branch name git accepts (`git check-ref-format --branch`), and one that cannot
 * be read as a command-line option: the branch reaches `git fetch` on the workers.
 */
export function isValidBranchName(ref: string): boolean {
  if (ref.length === 0 || ref.length > 255 || ref === '@') return false;
  if (ref.startsWith('-') || ref.startsWith('/') || ref.endsWith('/') || ref.endsWith('.')) return false;
  if (ref.includes('..') || ref.includes('//') || ref.includes('@{')) return false;
  for (const char of ref) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x20 || code === 0x7f || '~^:?*[\\'.includes(char)) return false;
  }
  return ref.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'));
}

const id = z.number().int().positive('must be a positive integer');
const name = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const branch = z
  .string()
  .trim()
  .refine(isValidBranchName, 'must be a valid git branch name (no spaces, "..", "~^:?*[\\", leading "-" or trailing ".lock")');
const commit = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F]{7,40}$/, 'must be a commit hash of 7 to 40 hexadecimal characters')
  .transform((sha) => sha.toLowerCase());

/** Each resource of a run is named by id or by name: exactly one of the two. */
const PAIRS = [
  ['project_id', 'project'],
  ['suite_id', 'suite'],
  ['environment_id', 'environment'],
] as const;

/** `POST /api/v1/runs` (FR-RUN-01). Null counts as absent, so clients may send every key. */
export const RunCreate = z
  .object({
    project_id: id.nullish().describe('The project, by id (or give `project`)'),
    project: name(200).nullish().describe('The project, by name (or give `project_id`)'),
    suite_id: id.nullish().describe('The suite, by id (or give `suite`); it must belong to the project'),
    suite: name(100).nullish().describe('The suite, by name within the project (or give `suite_id`)'),
    environment_id: id.nullish().describe('The environment, by id (or give `environment`); it must belong to the project'),
    environment: name(100).nullish().describe('The environment, by name within the project (or give `environment_id`)'),
    branch: branch.nullish().describe("Git branch to test; default the project's default branch"),
    commit: commit.nullish().describe('Commit to test (7-40 hex characters); default the head of the branch when the run starts'),
  })
  .superRefine((body, ctx) => {
    for (const [idKey, nameKey] of PAIRS) {
      const byId = body[idKey] !== undefined && body[idKey] !== null;
      const byName = body[nameKey] !== undefined && body[nameKey] !== null;
      if (byId === byName) {
        ctx.addIssue({
          code: 'custom',
          path: [idKey],
          message: byId ? `give either ${idKey} or ${nameKey}, not both` : `is required: give ${idKey} or ${nameKey}`,
        });
      }
    }
  });
export type RunCreateInput = z.output<typeof RunCreate>;

/** `PUT /api/v1/runs/:id` (FR-RUN-04): a status change along the status model (PRD 9.2). */
const ShardProgress = z.object({
  index: z.number().int(),
  status: z.enum(['pending', 'running', 'passed', 'failed', 'timed_out', 'infra_failed', 'cancelled']),
  total: z.number().int(),
  done: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  elapsed_seconds: z.number(),
  attempt: z.number().int().describe('Which attempt of the shard (a shard lost with its worker runs again elsewhere)'),
  worker: z.string().nullable(),
  reason: z.string().nullable(),
});

export const RunProgress = z.object({
  status: z.enum(RUN_STATUSES),
  shards: z.array(ShardProgress),
});

export const RunUpdate = z.object({
  status: z.enum(RUN_STATUSES).describe('The new status; only moves the status model allows'),
  status_reason: z.string().trim().max(2000).nullish().describe('Why the run is in this status; omit to keep the current reason'),
});
export type RunUpdateInput = z.output<typeof RunUpdate>;

const statusList = z
  .string()
  .transform((value, ctx): RunStatus[] => {
    const statuses = value.split(',').map((s) => s.trim());
    const unknown = statuses.filter((s) => !(RUN_STATUSES as readonly string[]).includes(s));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unknown status ${unknown.map((s) => `"${s}"`).join(', ')}; use ${RUN_STATUSES.join(', ')}` });
      return z.NEVER;
    }
    return [...new Set(statuses as RunStatus[])];
  })
  // The list's grammar in the OpenAPI document, as the transform reads it (spaces around commas are trimmed).
  .meta({ pattern: `^ *(?:${RUN_STATUSES.join('|')}) *(?:, *(?:${RUN_STATUSES.join('|')}) *)*$` })
  .describe('One status or a comma-separated list (`failed,partial_failed`)');

/** `GET /api/v1/runs` filters (FR-RUN-02); every filter narrows, none reveals what the caller may not see. */
export const RunListQuery = PageQuery.extend({
  project_id: z.coerce.number().int().positive('must be a positive integer').optional(),
  suite_id: z.coerce.number().int().positive('must be a positive integer').optional(),
  environment_id: z.coerce.number().int().positive('must be a positive integer').optional(),
  status: statusList.optional(),
  branch: z.string().min(1, 'must not be empty').max(255).optional().describe('Exact branch name'),
});
export type RunListFilter = z.output<typeof RunListQuery>;

/**
 * A run's metadata as the API answers it (domain's RunMetadata, PRD 12.2): the plan of an older,
 * pre-split run without its per-shard test ids, which can run into thousands and are the workers' business.
 */
export const RunMetadataOut = RunMetadata.extend({
  selection: SelectionMetadata.omit({ node_ids: true })
    .extend({ tests: z.int().nonnegative().describe('How many node ids the re-run runs (its test results name them)') })
    .optional()
    .describe("A re-run's tests (issue 15 item 3): how they were chosen from the original run"),
  plan: z.union([PulledPlan, SplitPlan.extend({ shards: z.array(SplitPlanShard.omit({ test_ids: true })) })]).optional().describe('How the work was handed out to the shards'),
}).describe('Shards, plan (without the test ids), coverage details and scenario mapping (PRD 12.2), each phase\'s record absent until that phase wrote it');

/** One re-run of a run, as the original run lists it (issue 15 item 3). */
export const RunRerunOut = z.object({
  id: z.number().int(),
  status: z.enum(RUN_STATUSES),
  scope: z.enum(RERUN_SCOPES).describe('failed: the failed and errored tests; shards: the tests of some shards'),
  total_tests: z.number().int(),
  passed_tests: z.number().int(),
  failed_tests: z.number().int(),
  error_tests: z.number().int(),
  created_at: z.iso.datetime(),
});

/** `POST /api/v1/runs/:id/rerun` (issue 15 item 3): which of the run's tests to run again. */
export const RerunCreate = z
  .object({
    scope: z.enum(RERUN_SCOPES).describe("failed: the run's failed and errored tests; shards: every test the named shards ran"),
    shards: z.array(z.int().nonnegative()).min(1).max(1000).nullish().describe('Shard indexes of the original run (scope shards only)'),
  })
  .superRefine((body, ctx) => {
    const hasShards = body.shards !== undefined && body.shards !== null;
    if (body.scope === 'shards' && !hasShards) ctx.addIssue({ code: 'custom', path: ['shards'], message: 'is required with scope shards' });
    if (body.scope === 'failed' && hasShards) ctx.addIssue({ code: 'custom', path: ['shards'], message: 'is only for scope shards' });
  });
export type RerunCreateInput = z.output<typeof RerunCreate>;

export const RunOut = z.object({
  id: z.number().int(),
  organization_id: z.number().int(),
  project_id: z.number().int(),
  project_name: z.string(),
  suite_id: z.number().int(),
  suite_name: z.string(),
  environment_id: z.number().int(),
  environment_name: z.string(),
  status: z.enum(RUN_STATUSES),
  status_reason: z.string().nullable(),
  branch: z.string(),
  commit: z.string().nullable().describe('The commit requested, or resolved from the branch when the run started'),
  triggered_by: z.number().int().nullable().describe('The user who triggered the run; null for service tokens and the platform'),
  triggered_by_name: z.string().describe('The username, or `token:<name>` for a service token'),
  dataset_version_id: z.number().int().nullable().describe('The dataset version pinned when the run was created (FR-DATA-03)'),
  created_at: z.iso.datetime(),
  started_at: z.iso.datetime().nullable(),
  completed_at: z.iso.datetime().nullable(),
  total_tests: z.number().int().describe('Results recorded: tests, plus modules skipped or broken at import'),
  passed_tests: z.number().int().describe("pytest's summary counts, summed over shards: a test whose call passed and whose teardown failed counts once as passed and once as error, as in pytest"),
  failed_tests: z.number().int().describe('Failed calls, strict xpasses included'),
  error_tests: z.number().int().describe('Errors in setup or teardown, and modules that failed to import'),
  skipped_tests: z.number().int().describe('Skipped tests, and modules skipped at import (importorskip)'),
  xfailed_tests: z.number().int(),
  xpassed_tests: z.number().int().describe('Non-strict xpasses'),
  flaky_tests: z.number().int().describe('Failed first, passed on a retry inside their shard'),
  quarantined_failures: z.number().int().describe('Failed or errored tests that were quarantined when the run was created: counted above, left out of the verdict'),
  duration_seconds: z.number().nullable().describe("The longest shard's duration (PRD 12.4)"),
  coverage_percent: z.number().nullable(),
  report_status: z.enum(REPORT_STATUSES).describe('The Allure report and coverage HTML, attached after the verdict: pending, ready, failed (see run_metadata.reporting) or skipped (nothing to report)'),
  artifacts_deleted: z.boolean().describe('True once retention removed the artifacts; the metadata stays'),
  run_metadata: RunMetadataOut,
  rerun_of: z.number().int().nullable().describe('The run this one re-runs on the same commit (issue 15 item 3); null for a triggered run'),
  rerun_scope: z.enum(RERUN_SCOPES).nullable().describe('How a re-run chose its tests; null for a triggered run'),
  reruns: z.array(RunRerunOut).describe('The re-runs of this run, oldest first'),
  progress: RunProgress.nullable().describe('Live progress per shard while the run is live (single-run reads only)'),
  report_url: z
    .string()
    .nullable()
    .describe("The run's Allure report (FR-RPT-03): a path with a report token that opens it from a plain browser link for an hour; null until the report exists and after retention"),
});
