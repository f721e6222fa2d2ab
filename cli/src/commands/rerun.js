import { EXIT, UsageError } from '../errors.js';
import { isId, oneArg } from '../resolve.js';
import { follow, presentRun } from './runs.js';

/** @typedef {import('../types.js').Command} Command */

/**
 * The request body for `--failed` or `--shards 0,2` (issue 15 item 3); `--failed` when neither is given.
 * @param {Record<string, any>} options
 * @returns {{ scope: 'failed' } | { scope: 'shards', shards: number[] }}
 */
export function rerunBody(options) {
  if (options.failed && options.shards !== undefined) throw new UsageError('give --failed or --shards, not both');
  if (options.shards === undefined) return { scope: 'failed' };
  const parts = String(options.shards).split(',').map((part) => part.trim());
  if (parts.some((part) => !/^\d+$/.test(part))) throw new UsageError(`--shards must be shard indexes separated by commas (0,2), not "${options.shards}"`);
  return { scope: 'shards', shards: parts.map(Number) };
}

/** @type {Command} */
const rerun = {
  name: 'rerun',
  summary: "Re-run a finished run's failed tests, or its shards' tests, on the same commit; --wait follows the new run to its verdict",
  usage: 'qatron rerun RUN [--failed | --shards 0,2] [--wait | --wait-report] [--timeout SECONDS]',
  examples: ['qatron rerun 42 --failed --wait', 'qatron rerun 42 --shards 0,2', 'qatron rerun 42 --wait --output json'],
  options: {
    failed: { type: 'boolean', description: "The run's failed and errored tests (the default)" },
    shards: { type: 'string', description: 'Every test these shards of the run ran: indexes separated by commas (0,2)' },
    wait: { type: 'boolean', short: 'w', description: 'Follow the re-run: live progress per shard, then the summary; the exit code tells its verdict' },
    'wait-report': { type: 'boolean', description: 'Like --wait, and also wait until the Allure report and coverage HTML are attached' },
    timeout: { type: 'string', description: 'With --wait: stop waiting after SECONDS (exit 2; the run goes on)' },
  },
  needsAuth: true,
  async run(ctx) {
    const { args, options, client, config, output } = ctx;
    const id = oneArg(args, 'RUN', 'rerun');
    if (!isId(id)) throw new UsageError(`RUN must be a run id, not "${id}"`);
    const body = rerunBody(options);
    const timeout = options.timeout === undefined ? undefined : Number(options.timeout);
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) throw new UsageError(`--timeout must be a number of seconds, not "${options.timeout}"`);
    const wait = Boolean(options.wait || options['wait-report']);
    if (timeout !== undefined && !wait) throw new UsageError('--timeout needs --wait');
    const created = presentRun(await client.request('POST', `/api/v1/runs/${id}/rerun`, { json: body }), config);
    const what = body.scope === 'failed' ? 'the failed tests' : `the tests of shard(s) ${body.shards.join(', ')}`;
    const line = `Run ${created.id} ${created.status}: re-runs ${what} of run ${id} on ${created.commit ?? created.branch}`;
    if (!wait) {
      if (output.structured) output.print(created);
      else output.note(`${line}\n${created.board_url ?? ''}`.trimEnd());
      return EXIT.OK;
    }
    ctx.io.stderr.write(`${line} ${created.board_url ?? ''}`.trimEnd() + '\n');
    return follow(ctx, created.id, timeout, Boolean(options['wait-report']));
  },
};

export default rerun;
