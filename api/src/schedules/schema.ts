import { z } from 'zod';
import { isValidBranchName } from '../runs/schema.js';
import { cronProblem, timezoneProblem } from './cron.js';

/** Issue 17 item 2: a run schedule fires between once a minute and once a year. */
export const MIN_INTERVAL_SECONDS = 60;
export const MAX_INTERVAL_SECONDS = 366 * 86_400;

function checkedBy(problem: (value: string) => string | null) {
  return (value: string, ctx: z.core.$RefinementCtx<string>) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  };
}

const cron = z.string().trim().max(200, 'must be at most 200 characters').superRefine(checkedBy(cronProblem))
  .describe('Standard 5-field cron expression (minute hour day-of-month month day-of-week), e.g. `0 2 * * *`; give this or interval_seconds');
const intervalSeconds = z.number().int('must be a whole number').min(MIN_INTERVAL_SECONDS, `must be at least ${MIN_INTERVAL_SECONDS}`).max(MAX_INTERVAL_SECONDS, `must be at most ${MAX_INTERVAL_SECONDS}`)
  .describe('Seconds between runs, e.g. 3600; give this or cron');
const timezone = z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters').superRefine(checkedBy(timezoneProblem))
  .describe('IANA time zone the cron expression is read in, e.g. Europe/Berlin');
const environmentId = z.number().int().positive('must be a positive integer').describe("The environment, by id (or give `environment`); it must belong to the suite's project");
const environment = z.string().trim().min(1, 'must not be empty').max(100).describe("The environment, by name within the suite's project (or give `environment_id`)");
const branch = z.string().trim().refine(isValidBranchName, 'must be a valid git branch name').describe('Git branch each run tests');
const description = z.string().max(2000, 'must be at most 2000 characters');

const given = (value: unknown) => value !== undefined && value !== null;

/** Exactly one of each pair: when (cron or interval_seconds) and where (environment or environment_id). */
function exactlyOne(pairs: readonly (readonly [string, string])[], required: boolean) {
  return (body: Record<string, unknown>, ctx: z.core.$RefinementCtx<Record<string, unknown>>) => {
    for (const [first, second] of pairs) {
      const both = given(body[first]) && given(body[second]);
      const neither = !given(body[first]) && !given(body[second]);
      if (both) ctx.addIssue({ code: 'custom', path: [first], message: `give either ${first} or ${second}, not both` });
      else if (neither && required) ctx.addIssue({ code: 'custom', path: [first], message: `is required: give ${first} or ${second}` });
    }
  };
}

/** `POST /api/v1/suites/:id/schedules`. Null counts as absent, so clients may send every key. */
export const ScheduleCreate = z
  .object({
    cron: cron.nullish(),
    interval_seconds: intervalSeconds.nullish(),
    timezone: timezone.default('UTC'),
    environment_id: environmentId.nullish(),
    environment: environment.nullish(),
    branch: branch.nullish().describe("Git branch each run tests; default the project's default branch (main unless set)"),
    paused: z.boolean().default(false).describe('Create it paused: it fires only once resumed'),
    description: description.default(''),
  })
  .superRefine(exactlyOne([['cron', 'interval_seconds'], ['environment_id', 'environment']], true));
export type ScheduleCreateInput = z.output<typeof ScheduleCreate>;

/** `PUT /api/v1/schedules/:id`: any subset; cron replaces an interval and the other way round. Pausing has its own operations. */
export const ScheduleUpdate = z
  .object({
    cron: cron.nullish(),
    interval_seconds: intervalSeconds.nullish(),
    timezone: timezone.optional(),
    environment_id: environmentId.nullish(),
    environment: environment.nullish(),
    branch: branch.optional(),
    description: description.optional(),
  })
  .superRefine(exactlyOne([['cron', 'interval_seconds'], ['environment_id', 'environment']], false));
export type ScheduleUpdateInput = z.output<typeof ScheduleUpdate>;

export const ScheduleOut = z.object({
  id: z.number().int(),
  organization_id: z.number().int(),
  project_id: z.number().int(),
  suite_id: z.number().int(),
  suite_name: z.string(),
  environment_id: z.number().int(),
  environment_name: z.string(),
  cron: z.string().nullable(),
  interval_seconds: z.number().int().nullable(),
  timezone: z.string(),
  branch: z.string(),
  paused: z.boolean(),
  description: z.string(),
  temporal_schedule_id: z.string().describe('The Temporal Schedule that fires it (visible in the Temporal UI)'),
  next_run_at: z.iso.datetime().nullable().describe("When it fires next, as Temporal's schedule says; null while paused or when Temporal cannot be asked"),
  created_by_name: z.string(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
export type ScheduleOutput = z.output<typeof ScheduleOut>;
