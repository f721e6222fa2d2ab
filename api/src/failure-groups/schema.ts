import { z } from 'zod';

/** What every failure group shows: its fingerprint and the parts it is made of (domain `fingerprintFailure`). */
const FailureGroupParts = z.object({
  fingerprint: z.string().describe('16 hex digits: the hash of exception_type, normalized_message and frame'),
  count: z.number().int().describe('Failed and errored tests in the group'),
  exception_type: z.string().nullable().describe("The exception's type as pytest names it (AssertionError, requests.exceptions.ConnectionError)"),
  message: z.string().nullable().describe("A representative raw message: the first failing test's, by node id"),
  normalized_message: z.string().describe('The message with numbers, ids, addresses, temporary paths, timestamps and durations masked'),
  frame: z.string().nullable().describe("The innermost frame in the repository's own code, path::function; null when pytest printed none"),
  node_ids: z.array(z.string()).describe('The failing tests, by node id'),
});

export const RunFailureGroup = FailureGroupParts.extend({
  known: z.boolean().describe('Seen in an earlier run of the same project'),
  first_seen_run_id: z.number().int().describe('The earliest run of the project with this group (this run when it is new)'),
});

/** `GET /api/v1/runs/:id/failure-groups`. */
export const RunFailureGroups = z.object({
  run_id: z.number().int(),
  failures: z.number().int().describe('Failed and errored tests of the run'),
  ungrouped: z.number().int().describe('Failures without a fingerprint (recorded before failure groups existed)'),
  groups: z.array(RunFailureGroup).describe('Largest group first'),
});

export const ProjectFailureGroupsQuery = z.object({
  runs: z.coerce.number().int().min(1).max(500).default(30).describe("How many of the project's latest runs are looked at"),
  limit: z.coerce.number().int().min(1).max(200).default(20).describe('How many groups are answered, those affecting the most runs first'),
});
export type ProjectFailureGroupsFilter = z.output<typeof ProjectFailureGroupsQuery>;

/** How many node ids a project-level group lists. */
export const PROJECT_GROUP_NODE_IDS = 50;

export const ProjectFailureGroup = FailureGroupParts.extend({
  message: z.string().nullable().describe("A representative raw message: the latest run's first failing test's, by node id"),
  runs_affected: z.number().int().describe('Runs in the window with at least one failure of the group'),
  tests: z.number().int().describe('Distinct failing tests in the window'),
  node_ids: z.array(z.string()).describe(`The failing tests, by node id (the first ${PROJECT_GROUP_NODE_IDS})`),
  first_seen_run_id: z.number().int().describe('The earliest run of the project with this group, inside the window or before it'),
  last_seen_run_id: z.number().int().describe('The latest run in the window with this group'),
});

/** `GET /api/v1/projects/:id/failure-groups`. */
export const ProjectFailureGroups = z.object({
  project_id: z.number().int(),
  runs: z.number().int().describe('Runs looked at (at most the `runs` asked for)'),
  groups: z.array(ProjectFailureGroup),
});
