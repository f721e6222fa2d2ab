import { z } from 'zod';
import { TEST_OUTCOMES } from '@qatron/domain';
import { pageOf, PageQuery } from '../http/pagination.js';

/** `GET /api/v1/runs/:id/tests`: a page of the run's per-test results. */
export const TestResultQuery = PageQuery.extend({
  outcome: z.enum(TEST_OUTCOMES).optional().describe('Only results with this outcome (failed, error, skipped, passed)'),
  flaky: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('Only tests that passed on a retry (true) or did not (false)'),
  shard: z.coerce.number().int().min(0).optional().describe('Only results of this shard (0-based)'),
});
export type TestResultFilter = z.output<typeof TestResultQuery>;

export const TestResultOut = z.object({
  id: z.number().int(),
  node_id: z.string().describe('The pytest node id'),
  file: z.string(),
  outcome: z.enum(TEST_OUTCOMES),
  duration_seconds: z.number(),
  attempts: z.number().int().describe('Executions inside the shard (more than 1 when suite retries re-ran it)'),
  flaky: z.boolean().describe('Failed first, passed on a retry'),
  message: z.string().nullable().describe('The failure or skip reason, shortened'),
  shard_index: z.number().int(),
});

export const TestResultPage = pageOf(TestResultOut);
