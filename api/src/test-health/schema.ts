import { z } from 'zod';
import { TEST_HEALTH_CLASSIFICATIONS, TEST_HEALTH_RULES, TestHealthEvidence } from '@qatron/domain/test-health/classify';
import { WindowEntry } from '@qatron/domain/test-health/window';
import { pageOf, PageQuery } from '../http/pagination.js';
import { DbId } from '../http/params.js';

/** What the list sorts by, worst first: `flip_rate`, `failures` or median `duration`. */
export const TEST_HEALTH_SORTS = ['flip_rate', 'failures', 'duration'] as const;
export type TestHealthSort = (typeof TEST_HEALTH_SORTS)[number];

/** `GET /api/v1/projects/:id/tests`: a page of the project's per-test health. */
export const TestHealthQuery = PageQuery.extend({
  suite: z.string().trim().min(1, 'must not be empty').max(100).optional().describe('Only tests of this suite (by name)'),
  environment: z.string().trim().min(1, 'must not be empty').max(100).optional().describe('Only tests in this environment (by name)'),
  classification: z.enum(TEST_HEALTH_CLASSIFICATIONS).optional().describe('Only tests classified so'),
  quarantined: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('Only tests under an active quarantine in the project (true) or not (false)'),
  text: z.string().min(1, 'must not be empty').max(1000).optional().describe('Only node ids containing this text (case-insensitive)'),
  sort: z.enum(TEST_HEALTH_SORTS).default('flip_rate').describe('Worst first: highest flip rate, most failures, or longest median duration; then by id'),
});
export type TestHealthFilter = z.output<typeof TestHealthQuery>;

export const TestHealthParams = z.object({ id: DbId, test_id: DbId });

export const TestHealthOut = z.object({
  id: z.number().int().describe('The health row: one test in one suite and environment'),
  project_id: z.number().int(),
  suite_id: z.number().int(),
  suite: z.string(),
  environment_id: z.number().int(),
  environment: z.string(),
  node_id: z.string().describe('The pytest node id'),
  classification: z.enum(TEST_HEALTH_CLASSIFICATIONS).describe('stable, flaky, broken or new (domain/test-health/classify.ts)'),
  rule: z.enum(TEST_HEALTH_RULES).describe('The rule that decided the classification'),
  evidence: TestHealthEvidence,
  quarantined: z.boolean().describe('Under an active quarantine in the project'),
  runs: z.number().int().describe('Executed runs in the window (skips take no place)'),
  passes: z.number().int(),
  failures: z.number().int().describe('Failed or errored runs in the window'),
  flips: z.number().int().describe('Outcome changes between consecutive runs of the window'),
  flip_rate: z.number().describe('flips / (runs - 1); 0 below two runs'),
  pass_on_retry: z.number().int().describe('Runs in which it failed and passed on a retry inside its shard'),
  same_commit_disagreements: z.number().int().describe('Commits on which it both passed and failed'),
  median_duration_seconds: z.number().nullable(),
  first_seen_at: z.string(),
  last_seen_at: z.string(),
  last_failure_at: z.string().nullable(),
  last_failure_run_id: z.number().int().nullable(),
  recent: z
    .array(WindowEntry.pick({ run_id: true, outcome: true, retried: true }))
    .describe("The window's outcomes, oldest first, for a sparkline (the detail adds commit, duration and time)"),
});

export const TestHealthPage = pageOf(TestHealthOut);

export const TestHealthDetail = TestHealthOut.extend({
  history: z.array(WindowEntry).describe("The window's runs, oldest first: outcome, commit, retried, duration"),
});
