import { z } from 'zod';
import { AUTH_METHODS } from '@qatron/domain';
import { PageQuery } from '../http/pagination.js';
import { branchNameProblem, repoUrlProblem } from './repository.js';
import { SecretRefName } from './secret-ref.js';

/** A zod check from a function that answers why a value is invalid (or null). */
function checkedBy(problem: (value: string) => string | null) {
  return (value: string, ctx: z.core.$RefinementCtx<string>) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  };
}

/** `:id` path parameter of project, environment and suite routes. */

const name = z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters').describe('Unique within the organization');
const description = z.string().max(10_000, 'must be at most 10000 characters');
const repoUrl = z
  .string()
  .trim()
  .min(1, { message: 'is required', abort: true })
  .max(2000, { message: 'must be at most 2000 characters', abort: true })
  .superRefine(checkedBy(repoUrlProblem))
  .describe('https://, http://, ssh://, git@host:path or file:// URL, or an absolute local path; never with credentials');
const defaultBranch = z.string().trim().superRefine(checkedBy(branchNameProblem)).describe('Branch that runs use unless they name another');
const authMethod = z.enum(AUTH_METHODS).describe('How the worker authenticates to the repository');
const secretRef = SecretRefName.nullable().describe(
  'NAME of the secret holding the token or SSH key (FR-SEC-04); required for token and ssh, null for none',
);

/** POST /api/v1/projects (FR-PRJ-01). */
export const ProjectCreate = z.object({
  name,
  description: description.default(''),
  repo_url: repoUrl,
  default_branch: defaultBranch.default('main'),
  auth_method: authMethod.default('none'),
  secret_ref: secretRef.optional(),
});
export type ProjectCreateInput = z.output<typeof ProjectCreate>;

/** PUT /api/v1/projects/:id: any subset of the fields; those left out keep their value. */
export const ProjectUpdate = z.object({
  name: name.optional(),
  description: description.optional(),
  repo_url: repoUrl.optional(),
  default_branch: defaultBranch.optional(),
  auth_method: authMethod.optional(),
  secret_ref: secretRef.optional(),
});
export type ProjectUpdateInput = z.output<typeof ProjectUpdate>;

/** GET /api/v1/projects: a page, optionally only the projects whose name contains `q`. */
export const ProjectListQuery = PageQuery.extend({
  q: z.string().trim().max(200, 'must be at most 200 characters').optional().describe('Case-insensitive part of the project name'),
});

export const ProjectOut = z.object({
  id: z.number().int(),
  organization_id: z.number().int(),
  name: z.string(),
  description: z.string(),
  repo_url: z.string(),
  default_branch: z.string(),
  auth_method: z.enum(AUTH_METHODS),
  secret_ref: z.string().nullable(),
  environment_count: z.number().int(),
  suite_count: z.number().int(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
