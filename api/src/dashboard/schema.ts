import { z } from 'zod';
import { RUN_STATUSES } from '@qatron/domain';
import { RunOut } from '../runs/schema.js';

/** `GET /api/v1/dashboard`: the window in days and, optionally, one project. */
export const DashboardQuery = z.object({
  days: z.coerce.number().int('must be a whole number of days').min(1, 'must be at least 1').max(365, 'must be at most 365').default(30).describe('How many days back the figures reach'),
  project_id: z.coerce.number().int().positive('must be a positive integer').optional().describe('Only this project'),
});
export type DashboardFilter = z.output<typeof DashboardQuery>;

const day = z.string().describe('A UTC day, YYYY-MM-DD');

export const DashboardOut = z.object({
  days: z.number().int(),
  since: z.iso.datetime(),
  totals: z.object({
    runs: z.number().int().describe('Runs created in the window'),
    passed_tests: z.number().int(),
    total_tests: z.number().int(),
    pass_rate: z.number().nullable().describe('Passed over passed + failed tests of the finished runs, in percent'),
    avg_duration_seconds: z.number().nullable(),
  }),
  runs_by_status: z.array(z.object({ status: z.enum(RUN_STATUSES), count: z.number().int() })),
  trends: z
    .array(
      z.object({
        project_id: z.number().int(),
        project_name: z.string(),
        suite_id: z.number().int(),
        suite_name: z.string(),
        points: z.array(z.object({ day, runs: z.number().int(), pass_rate: z.number().nullable(), avg_duration_seconds: z.number().nullable() })),
      }),
    )
    .describe('Per day, for the project/suite pairs with the most runs in the window (at most 8)'),
  coverage: z.array(z.object({ day, avg_coverage_percent: z.number() })).describe('Mean combined coverage of the finished runs per day'),
  slowest_tests: z.array(z.object({ project_name: z.string(), node_id: z.string(), avg_duration_seconds: z.number(), runs: z.number().int() })),
  failing_tests: z.array(z.object({ project_name: z.string(), node_id: z.string(), failures: z.number().int(), runs: z.number().int() })),
  recent_runs: z.array(RunOut),
});
