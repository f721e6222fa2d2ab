import { z } from 'zod';
import { MAX_SHARDS, SUITE_LAYERS } from '@qatron/domain';

export const MAX_PATHS = 100;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Why `value` is not a repository-relative test path, or null. Paths reach pytest as arguments
 * inside the cloned repository: anything that escapes it (absolute, `..`) or that pytest would
 * read as an option (`-p plugin`) is refused. Node ids (`tests/test_a.py::test_b[x/y]`) are
 * fine: only the file part, before `::`, is a path.
 */
export function suitePathProblem(value: string): string | null {
  if (CONTROL_CHARACTERS.test(value)) return 'must not contain control characters';
  const file = value.split('::')[0]!;
  if (file.startsWith('-')) return 'must not start with -';
  if (file.startsWith('/') || file.startsWith('~') || /^[A-Za-z]:/.test(file)) return 'must be relative to the repository root';
  if (file.includes('\\')) return 'must use / as the separator';
  if (file.split('/').includes('..')) return 'must not contain .. segments';
  return null;
}

/**
 * What suitePathProblem accepts, as a pattern for the OpenAPI document; a little stricter (no
 * backslash or `..` segment after `::` either, no surrounding spaces), never looser.
 */
const SUITE_PATH_PATTERN = String.raw`^(?![\s\-/~])(?![A-Za-z]:)(?!.*\\)(?!(?:.*/)?\.\.(?:/|::|$))[^\u0000-\u001f\u007f]*[^\s\u0000-\u001f\u007f]$`;

/** Why a pytest `-m`/`-k` expression is malformed in a way pytest would reject, or null. */
export function expressionProblem(value: string): string | null {
  if (CONTROL_CHARACTERS.test(value)) return 'must not contain control characters or line breaks';
  let depth = 0;
  for (const char of value) {
    if (char === '(') depth++;
    else if (char === ')' && --depth < 0) return 'has unbalanced parentheses';
  }
  return depth === 0 ? null : 'has unbalanced parentheses';
}

function checkedBy(problem: (value: string) => string | null) {
  return (value: string, ctx: z.core.$RefinementCtx<string>) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  };
}

const name = z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters').describe('Unique within the project, e.g. smoke');
const description = z.string().max(10_000, 'must be at most 10000 characters');
const layer = z.enum(SUITE_LAYERS).describe('Test layer the suite belongs to');
const markers = z.string().trim().max(1000, 'must be at most 1000 characters').superRefine(checkedBy(expressionProblem)).describe('pytest -m expression; empty selects every test');
const keywords = z.string().trim().max(1000, 'must be at most 1000 characters').superRefine(checkedBy(expressionProblem)).describe('pytest -k expression; empty selects every test');
const paths = z
  .array(z.string().trim().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters').superRefine(checkedBy(suitePathProblem)).meta({ pattern: SUITE_PATH_PATTERN }))
  .max(MAX_PATHS, `must have at most ${MAX_PATHS} entries`)
  .describe('Repository-relative paths or node ids to collect from; empty: the repository root');
const int = (min: number, max: number) =>
  z.number().int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
const shards = int(1, MAX_SHARDS).describe('Parallel shards (PRD 12)');
const workersPerShard = int(0, 32).describe('pytest-xdist workers per shard (-n); 0: one process');
const retries = int(0, 10).describe('Re-runs of failed tests inside their shard (FR-TEST-05)');
const timeoutSeconds = int(1, 86_400).describe('Run timeout; past it the run ends as timed_out');
const coverageThreshold = z.number().min(0, 'must be at least 0').max(100, 'must be at most 100').nullable().describe('Minimum combined coverage in percent (PRD 15.3); null: none');
const coverage = z.boolean().describe('Measure coverage in the shards and combine it (PRD 15); false runs the tests at full speed and allows no threshold');
const allowEmpty = z.boolean().describe('A selection of no test ends the run completed instead of failed ("no tests collected")');
// eslint-disable-next-line no-control-regex
const installCommand = z.string().trim().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters').regex(/^[^\u0000-\u001f\u007f]*$/, 'must be one line without control characters').nullable()
  .describe("How the repository installs itself into the run's virtual environment, e.g. `pip install -e .[test]`; null: QAtron reads requirements files and pyproject.toml");
const pythonVersion = z.string().trim().regex(/^3\.\d{1,2}$/, 'must be a Python 3 minor version such as 3.12').nullable()
  .describe("The Python version to run the tests on; null: the newest this worker has that the repository's requires-python allows");
const requireDatasetHealth = z.boolean().describe("Refuse to start unless the environment's dataset version passed validation (FR-DATA-04)");

/** POST /api/v1/projects/:id/suites. */
export const SuiteCreate = z.object({
  name,
  description: description.default(''),
  layer: layer.default('integration'),
  markers: markers.default(''),
  keywords: keywords.default(''),
  paths: paths.default([]),
  shards: shards.default(1),
  workers_per_shard: workersPerShard.default(0),
  retries: retries.default(0),
  timeout_seconds: timeoutSeconds.default(3600),
  coverage: coverage.default(true),
  coverage_threshold: coverageThreshold.default(null),
  allow_empty: allowEmpty.default(false),
  install_command: installCommand.default(null),
  python_version: pythonVersion.default(null),
  require_dataset_health: requireDatasetHealth.default(false),
});
export type SuiteCreateInput = z.output<typeof SuiteCreate>;

/** PUT /api/v1/suites/:id: any subset of the fields; `paths` given replaces the stored list. */
export const SuiteUpdate = z.object({
  name: name.optional(),
  description: description.optional(),
  layer: layer.optional(),
  markers: markers.optional(),
  keywords: keywords.optional(),
  paths: paths.optional(),
  shards: shards.optional(),
  workers_per_shard: workersPerShard.optional(),
  retries: retries.optional(),
  timeout_seconds: timeoutSeconds.optional(),
  coverage: coverage.optional(),
  coverage_threshold: coverageThreshold.optional(),
  allow_empty: allowEmpty.optional(),
  install_command: installCommand.optional(),
  python_version: pythonVersion.optional(),
  require_dataset_health: requireDatasetHealth.optional(),
});
export type SuiteUpdateInput = z.output<typeof SuiteUpdate>;

export const SuiteOut = z.object({
  id: z.number().int(),
  organization_id: z.number().int(),
  project_id: z.number().int(),
  name: z.string(),
  description: z.string(),
  layer: z.enum(SUITE_LAYERS),
  markers: z.string(),
  keywords: z.string(),
  paths: z.array(z.string()),
  shards: z.number().int(),
  workers_per_shard: z.number().int(),
  retries: z.number().int(),
  timeout_seconds: z.number().int(),
  coverage: z.boolean(),
  coverage_threshold: z.number().nullable(),
  allow_empty: z.boolean(),
  install_command: z.string().nullable(),
  python_version: z.string().nullable(),
  require_dataset_health: z.boolean(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
