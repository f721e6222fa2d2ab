import { EXIT, UsageError } from '../errors.js';
import { listAll, oneArg, resolveProject } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */

/**
 * A test's health as `GET /api/v1/projects/{id}/tests` answers it (api/src/test-health/schema.ts),
 * until the generated API types carry it.
 * @typedef {{ id: number, node_id: string, suite: string, environment: string, classification: string, rule: string, evidence: { rule: string, run_ids: number[], detail: string }, quarantined: boolean, runs: number, failures: number, flip_rate: number, pass_on_retry: number, same_commit_disagreements: number, median_duration_seconds: number | null, last_failure_at: string | null }} TestHealth
 */

const SORTS = ['flip_rate', 'failures', 'duration'];

const COLUMNS = [
  'id',
  'node_id',
  'suite',
  { header: 'ENV', key: 'environment' },
  { header: 'HEALTH', value: (/** @type {TestHealth} */ t) => (t.quarantined ? `${t.classification} (quarantined)` : t.classification) },
  'runs',
  'failures',
  { header: 'FLIP RATE', value: (/** @type {TestHealth} */ t) => `${Math.round(t.flip_rate * 100)}%` },
  { header: 'MEDIAN', value: (/** @type {TestHealth} */ t) => (t.median_duration_seconds === null ? '-' : `${t.median_duration_seconds.toFixed(2)}s`) },
  { header: 'WHY', value: (/** @type {TestHealth} */ t) => t.evidence.detail },
];

/**
 * The list's query from the options: `--flaky` and `--broken` are shorthands for `--classification`.
 * @param {Record<string, any>} options
 */
export function testHealthQuery(options) {
  const shorthands = ['flaky', 'broken'].filter((c) => options[c]);
  if (shorthands.length + (options.classification ? 1 : 0) > 1) throw new UsageError('give one of --flaky, --broken or --classification');
  if (options.sort !== undefined && !SORTS.includes(options.sort)) throw new UsageError(`--sort must be one of ${SORTS.join(', ')}, not "${options.sort}"`);
  return {
    classification: shorthands[0] ?? options.classification,
    suite: options.suite,
    environment: options.environment,
    text: options.text,
    sort: options.sort,
    quarantined: options.quarantined ? 'true' : undefined,
  };
}

/** @type {Command} */
const tests = {
  name: 'tests',
  summary: "List a project's tests by health over recent runs: flaky, broken, new or stable, and why",
  usage: 'qatron tests PROJECT [--flaky | --broken | --classification C] [--suite S] [--environment E] [--text T] [--quarantined] [--sort flip_rate|failures|duration]',
  examples: ['qatron tests shop --flaky', 'qatron tests shop --broken --suite regression --environment staging', 'qatron tests shop --sort duration --output json'],
  options: {
    flaky: { type: 'boolean', description: 'Only flaky tests (flips on one commit, passes on retry, repeated failures)' },
    broken: { type: 'boolean', description: 'Only broken tests (failing consistently since a run)' },
    classification: { type: 'string', description: 'Only tests classified so: stable, flaky, broken or new' },
    suite: { type: 'string', short: 's', description: 'Only tests of this suite (by name)' },
    environment: { type: 'string', short: 'e', description: 'Only tests in this environment (by name)' },
    text: { type: 'string', description: 'Only node ids containing this text' },
    quarantined: { type: 'boolean', description: 'Only tests under an active quarantine' },
    sort: { type: 'string', description: 'Worst first by flip_rate (default), failures or duration' },
  },
  needsAuth: true,
  async run({ args, options, client, output }) {
    const projectRef = oneArg(args, 'PROJECT', 'tests');
    const query = testHealthQuery(options);
    const project = await resolveProject(client, projectRef);
    output.print(await listAll(client, `/api/v1/projects/${project.id}/tests`, query), { columns: COLUMNS });
    return EXIT.OK;
  },
};

export default tests;
