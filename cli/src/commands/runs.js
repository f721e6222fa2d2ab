import { ApiError } from '../client.js';
import { EXIT, UsageError } from '../errors.js';
import { isId, noArgs, oneArg, projectOption, resolveInProject, resolveProject } from '../resolve.js';
import { ProgressView, exitCodeOf, formatDuration, waitForRun } from '../wait.js';

/** @typedef {import('../types.js').Command} Command */
/** @typedef {import('../types.js').CommandContext} CommandContext */
/** @typedef {import('@qatron/api-types').Run} Run */
/** @typedef {import('@qatron/api-types').TestResult} TestResult */
/** @typedef {Run & { board_url: string | null }} PresentedRun the API's run with `report_url` made absolute and its Board link */

const RUN_FIELDS = [
  'id',
  { header: 'PROJECT', key: 'project_name' },
  { header: 'SUITE', key: 'suite_name' },
  { header: 'ENVIRONMENT', key: 'environment_name' },
  'status',
  'status_reason',
  'branch',
  'commit',
  { header: 'TRIGGERED BY', key: 'triggered_by_name' },
  { header: 'TESTS', value: (/** @type {Run} */ r) => testCounts(r) },
  { header: 'DURATION', value: (/** @type {Run} */ r) => formatDuration(r.duration_seconds) },
  { header: 'COVERAGE', value: (/** @type {Run} */ r) => percent(r.coverage_percent) },
  { header: 'REPORT', key: 'report_status' },
  'created_at',
  'started_at',
  'completed_at',
  'report_url',
  'board_url',
];

const RUN_COLUMNS = [
  'id',
  { header: 'PROJECT', key: 'project_name' },
  { header: 'SUITE', key: 'suite_name' },
  { header: 'ENV', key: 'environment_name' },
  'status',
  'branch',
  { header: 'PASSED/TOTAL', value: (/** @type {Run} */ r) => `${r.passed_tests}/${r.total_tests}` },
  { header: 'FAILED', value: (/** @type {Run} */ r) => r.failed_tests + (r.error_tests ?? 0) },
  { header: 'DURATION', value: (/** @type {Run} */ r) => formatDuration(r.duration_seconds) },
  'created_at',
];

/** @param {Run} run */
function testCounts(run) {
  // pytest's own categories, in its order (a run's counts equal `pytest -rA`'s summary line).
  const counts = [
    `${run.passed_tests} passed`,
    `${run.failed_tests} failed`,
    `${run.error_tests ?? 0} errors`,
    `${run.skipped_tests} skipped`,
    `${run.xfailed_tests ?? 0} xfailed`,
    `${run.xpassed_tests ?? 0} xpassed`,
    `${run.flaky_tests} flaky`,
  ];
  return `${run.total_tests} total: ${counts.join(', ')}`;
}

/** @param {number | null | undefined} value */
function percent(value) {
  return value === null || value === undefined ? '-' : `${Math.round(value * 10) / 10}%`;
}

/**
 * The run as the CLI shows it: the API's run with `report_url` made absolute and its Board link.
 * @param {Run} run
 * @param {import('../config.js').CliConfig} config
 * @returns {PresentedRun}
 */
export function presentRun(run, config) {
  return {
    ...run,
    report_url: run.report_url && config.url ? new URL(run.report_url, `${config.url}/`).toString() : run.report_url,
    board_url: config.boardUrl ? `${config.boardUrl}/runs/${run.id}` : null,
  };
}

/** @param {string} value */
function runId(value) {
  if (!isId(value)) throw new UsageError(`RUN must be a run id, not "${value}"`);
  return Number(value);
}

/** @type {Command} */
const run = {
  name: 'run',
  summary: 'Trigger a run of a suite on an environment; --wait follows it to its verdict (FR-CLI-03)',
  usage: 'qatron run --suite SUITE --env ENVIRONMENT [--project PROJECT] [--branch BRANCH] [--commit SHA] [--wait | --wait-report] [--timeout SECONDS]',
  examples: [
    'qatron run --suite smoke --env staging',
    'qatron run --suite regression --env staging --project shop --branch feature/cart --wait',
    'qatron run --suite smoke --env staging --wait --timeout 1800 --output json',
    'qatron run --suite regression --env staging --wait-report   # also waits for the Allure report',
  ],
  options: {
    suite: { type: 'string', short: 's', description: 'The suite, by name (or id)' },
    env: { type: 'string', short: 'e', description: 'The environment, by name (or id)' },
    project: { type: 'string', short: 'p', description: 'The project, by name or id (default: the project of ./qatron.yaml)' },
    branch: { type: 'string', short: 'b', description: "Git branch to test (default: the project's default branch)" },
    commit: { type: 'string', short: 'c', description: 'Commit to test (default: the head of the branch)' },
    wait: { type: 'boolean', short: 'w', description: 'Follow the run: live progress per shard, then the summary as soon as the verdict is in; the exit code tells it' },
    'wait-report': { type: 'boolean', description: 'Like --wait, and also wait until the Allure report and coverage HTML are attached' },
    timeout: { type: 'string', description: 'With --wait: stop waiting after SECONDS (exit 2; the run goes on)' },
  },
  needsAuth: true,
  async run(ctx) {
    const { args, options, client, config, output } = ctx;
    noArgs(args, 'run');
    if (!options.suite) throw new UsageError('missing --suite');
    if (!options.env) throw new UsageError('missing --env');
    const timeout = options.timeout === undefined ? undefined : Number(options.timeout);
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) throw new UsageError(`--timeout must be a number of seconds, not "${options.timeout}"`);
    const wait = Boolean(options.wait || options['wait-report']);
    if (timeout !== undefined && !wait) throw new UsageError('--timeout needs --wait');
    const project = await projectOption(options, true);
    const body = {
      ...(isId(/** @type {string} */ (project)) ? { project_id: Number(project) } : { project }),
      ...(isId(options.suite) ? { suite_id: Number(options.suite) } : { suite: options.suite }),
      ...(isId(options.env) ? { environment_id: Number(options.env) } : { environment: options.env }),
      branch: options.branch,
      commit: options.commit,
    };
    const created = presentRun(await client.request('POST', '/api/v1/runs', { json: body }), config);
    if (!wait) {
      if (output.structured) output.print(created);
      else output.note(`Run ${created.id} ${created.status}: ${created.project_name} / ${created.suite_name} on ${created.environment_name} (${created.branch})\n${created.board_url ?? ''}`.trimEnd());
      return EXIT.OK;
    }
    ctx.io.stderr.write(`Run ${created.id} ${created.status}: ${created.board_url ?? ''}\n`);
    return follow(ctx, created.id, timeout, Boolean(options['wait-report']));
  },
};

/**
 * Waits for a run (and with `waitReport` for its report) and prints its summary; resolves to the
 * exit code of its verdict.
 * @param {CommandContext} ctx
 * @param {number} id
 * @param {number | undefined} timeoutSeconds
 * @param {boolean} [waitReport]
 */
export async function follow(ctx, id, timeoutSeconds, waitReport = false) {
  const { client, config, output, io } = ctx;
  const view = new ProgressView(io.stderr, Boolean(io.stderr.isTTY));
  const result = await waitForRun({ client, runId: id, view, io, timeoutSeconds, waitReport });
  if ('gaveUp' in result) {
    const board = config.boardUrl ? `: ${config.boardUrl}/runs/${id}` : '';
    if (result.gaveUp === 'timeout') {
      io.stderr.write(`qatron: gave up waiting for run ${id} after ${timeoutSeconds}s; it is still ${result.run.status}${board}\n`);
      return EXIT.INCOMPLETE;
    }
    io.stderr.write(`qatron: detached from run ${id}; it is still ${result.run.status}${board}\n`);
    return 130;
  }
  const finished = presentRun(result.run, config);
  const failures = await failedTests(client, id);
  if (output.structured) output.print({ ...finished, failures });
  else output.note(summary(finished, failures));
  return exitCodeOf(finished.status);
}

/**
 * The failed tests of a run (`GET /api/v1/runs/{id}/tests?outcome=failed`); null while the API lacks the endpoint.
 * @param {import('../client.js').ApiClient} client
 * @param {number} id
 * @returns {Promise<TestResult[] | null>}
 */
async function failedTests(client, id) {
  try {
    const page = await client.request('GET', `/api/v1/runs/${id}/tests`, { query: { outcome: 'failed', limit: 50 } });
    return page.items ?? [];
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/**
 * The human summary of a finished run.
 * @param {PresentedRun} run
 * @param {TestResult[] | null} failures
 */
export function summary(run, failures) {
  const lines = [
    `Run ${run.id} ${run.status}${run.status_reason ? ` (${run.status_reason})` : ''} in ${formatDuration(run.duration_seconds)}`,
    `  tests:    ${testCounts(run)}`,
    `  coverage: ${percent(run.coverage_percent)}`,
  ];
  if (failures && failures.length) {
    lines.push('  failed tests:');
    for (const test of failures) lines.push(`    ${test.node_id}${test.message ? `: ${String(test.message).split(/\r?\n/)[0]}` : ''}`);
    if (run.failed_tests > failures.length) lines.push(`    … and ${run.failed_tests - failures.length} more`);
  }
  if (run.report_url) lines.push(`  report:   ${run.report_url}`);
  else if (run.report_status === 'pending') lines.push('  report:   being generated (qatron status ID --wait-report waits for it)');
  else if (run.report_status === 'failed') lines.push('  report:   failed (see run_metadata.reporting)');
  if (run.board_url) lines.push(`  board:    ${run.board_url}`);
  return lines.join('\n');
}

/** @type {Command} */
const status = {
  name: 'status',
  summary: 'Show a run: status, counts, duration, coverage, report (FR-CLI-04)',
  usage: 'qatron status RUN [--wait | --wait-report] [--timeout SECONDS]',
  examples: ['qatron status 42', 'qatron status 42 --output json', 'qatron status 42 --wait', 'qatron status 42 --wait-report'],
  options: {
    wait: { type: 'boolean', short: 'w', description: 'Follow the run to its verdict; the exit code tells it' },
    'wait-report': { type: 'boolean', description: 'Like --wait, and also wait until the Allure report is attached' },
    timeout: { type: 'string', description: 'With --wait: stop waiting after SECONDS (exit 2)' },
  },
  needsAuth: true,
  async run(ctx) {
    const { args, client, config, output, options } = ctx;
    const id = runId(oneArg(args, 'RUN', 'status'));
    if (options.wait || options['wait-report']) {
      const timeout = options.timeout === undefined ? undefined : Number(options.timeout);
      if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) throw new UsageError(`--timeout must be a number of seconds, not "${options.timeout}"`);
      return follow(ctx, id, timeout, Boolean(options['wait-report']));
    }
    const current = presentRun(await client.request('GET', `/api/v1/runs/${id}`), config);
    output.print(current, { columns: RUN_FIELDS });
    if (!output.structured && current.progress?.shards?.length) {
      output.print(current.progress.shards, {
        columns: [{ header: 'SHARD', key: 'index' }, 'status', { header: 'DONE', value: (s) => `${s.done}/${s.total}` }, 'passed', 'failed', 'skipped', 'attempt', 'worker', 'reason'],
      });
    }
    return EXIT.OK;
  },
};

/** @type {Command} */
const list = {
  name: 'runs list',
  summary: 'List runs, newest first, with filters',
  usage: 'qatron runs list [--project P] [--suite S] [--env E] [--status S[,S…]] [--branch B] [--limit N]',
  examples: ['qatron runs list', 'qatron runs list --project shop --suite smoke --status failed,partial_failed', 'qatron runs list --limit 5 --output json'],
  options: {
    project: { type: 'string', short: 'p', description: 'Only runs of this project (name or id)' },
    suite: { type: 'string', short: 's', description: 'Only runs of this suite (name needs --project, or an id)' },
    env: { type: 'string', short: 'e', description: 'Only runs on this environment (name needs --project, or an id)' },
    status: { type: 'string', description: 'Only runs in this status, or comma-separated statuses' },
    branch: { type: 'string', short: 'b', description: 'Only runs of this branch' },
    limit: { type: 'string', short: 'n', description: 'At most N runs (default 20, at most 200)' },
  },
  needsAuth: true,
  async run({ args, options, client, config, output }) {
    noArgs(args, 'runs list');
    const limit = options.limit === undefined ? 20 : Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new UsageError(`--limit must be a whole number from 1 to 200, not "${options.limit}"`);
    /** @type {Record<string, string | number | undefined>} */
    const query = { limit, status: options.status, branch: options.branch };
    if (options.project) query.project_id = (await resolveProject(client, options.project)).id;
    if (options.suite) query.suite_id = (await resolveInProject(client, 'suites', options.suite, options.project)).id;
    if (options.env) query.environment_id = (await resolveInProject(client, 'environments', options.env, options.project)).id;
    const page = await client.request('GET', '/api/v1/runs', { query });
    output.print(page.items.map((/** @type {Run} */ r) => presentRun(r, config)), { columns: RUN_COLUMNS });
    return EXIT.OK;
  },
};

export default [run, status, list];
