import { z } from 'zod';
import { ENVIRONMENT_KINDS } from '@qatron/domain';
import { hasCredentialMarker, SecretRefName } from '../projects/secret-ref.js';

/** Names the tests see as environment variables (POSIX portable names). */
export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Upper bound on `variables` and on `secret_refs`: each becomes an environment variable of every shard. */
export const MAX_ENTRIES = 200;

const ENV_VAR_MESSAGE = 'must be an environment variable name: a letter or _ first, then letters, digits or _ (at most 255 characters)';
const variableName = z.string().max(255).regex(ENV_VAR_NAME);

/** A map keyed by variable names, of at most MAX_ENTRIES entries, whose key errors name the key. */
function variableMap<V extends z.ZodType<string>>(value: V) {
  return z
    .record(variableName, value, { error: (issue) => (issue.code === 'invalid_key' ? ENV_VAR_MESSAGE : undefined) })
    .refine((map) => Object.keys(map).length <= MAX_ENTRIES, `must have at most ${MAX_ENTRIES} entries`);
}

const name = z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters').describe('Unique within the project');
const kind = z.enum(ENVIRONMENT_KINDS).describe('Sets the default artifact retention (PRD 13.1)');
const baseUrl = z
  .string()
  .trim()
  .max(2000, 'must be at most 2000 characters')
  .superRefine((value, ctx) => {
    const message = baseUrlProblem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  })
  // What baseUrlProblem accepts, for the OpenAPI document (a little stricter: a plain host name or address).
  .meta({ pattern: String.raw`^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,4})?(?:[/?#]\S*)?$` })
  .nullable()
  .describe('http(s) URL of the system under test, handed to the tests as base_url');
const variables = variableMap(
  z
    .string()
    .max(10_000, 'must be at most 10000 characters')
    .refine((value) => !hasCredentialMarker(value), 'looks like a credential: plain variables are stored as they are, so reference the secret in secret_refs instead'),
).describe('Plain, non-secret environment variables for the tests');
const secretRefs = variableMap(SecretRefName).describe(
  'Environment variable name → NAME of the secret whose value the worker injects at run time (FR-SEC-03, FR-SEC-04)',
);
const retentionDays = z
  .number()
  .int('must be a whole number of days')
  .min(1, 'must be at least 1')
  .max(3650, 'must be at most 3650')
  .nullable()
  .describe("Days to keep run artifacts; null for the kind's default");
const datasetId = z.number().int().positive('must be a positive integer').nullable().describe('Test data set the runs use (FR-DATA)');
const gridId = z
  .number()
  .int()
  .positive('must be a positive integer')
  .nullable()
  .describe("Selenium Grid (an infrastructure resource of kind grid) its browser tests use; checked before a run's shards start (issue 16)");

/** POST /api/v1/projects/:id/environments. */
export const EnvironmentCreate = z.object({
  name,
  kind,
  base_url: baseUrl.default(null),
  variables: variables.default({}),
  secret_refs: secretRefs.default({}),
  retention_days: retentionDays.default(null),
  dataset_id: datasetId.default(null),
  grid_id: gridId.default(null),
});
export type EnvironmentCreateInput = z.output<typeof EnvironmentCreate>;

/** PUT /api/v1/environments/:id: any subset of the fields; `variables` and `secret_refs` are replaced whole. */
export const EnvironmentUpdate = z.object({
  name: name.optional(),
  kind: kind.optional(),
  base_url: baseUrl.optional(),
  variables: variables.optional(),
  secret_refs: secretRefs.optional(),
  retention_days: retentionDays.optional(),
  dataset_id: datasetId.optional(),
  grid_id: gridId.optional(),
});
export type EnvironmentUpdateInput = z.output<typeof EnvironmentUpdate>;

export const EnvironmentOut = z.object({
  id: z.number().int(),
  organization_id: z.number().int(),
  project_id: z.number().int(),
  name: z.string(),
  kind: z.enum(ENVIRONMENT_KINDS),
  base_url: z.string().nullable(),
  variables: z.record(z.string(), z.string()),
  secret_refs: z.record(z.string(), z.string()),
  retention_days: z.number().int().nullable(),
  effective_retention_days: z.number().int().describe('retention_days, or the default of the kind when it is null'),
  dataset_id: z.number().int().nullable(),
  grid_id: z.number().int().nullable(),
  grid_name: z.string().nullable().describe("The Grid's name; null when the environment has none"),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});

/** Why `value` is not an acceptable base URL, or null: http(s) with a host and no credentials. */
function baseUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (!url.hostname) return 'must name a host';
  if (url.username || url.password) return 'must not contain credentials: reference them in secret_refs';
  return null;
}
