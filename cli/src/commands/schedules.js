import { EXIT, UsageError } from '../errors.js';
import { isId, listAll, oneArg, projectOption, resolveInProject } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * `--every` as the API's `interval_seconds`: a whole number with a unit, `90s`, `15m`, `1h`, `1d`.
 * @param {string} every
 * @returns {number}
 */
export function intervalSecondsOf(every) {
  const match = /^([1-9][0-9]*)([smhd])$/.exec(every.trim());
  if (!match) throw new UsageError(`--every takes a whole number with a unit s, m, h or d (e.g. 15m, 1h, 1d), not "${every}"`);
  return Number(match[1]) * UNIT_SECONDS[/** @type {'s' | 'm' | 'h' | 'd'} */ (match[2])];
}

/**
 * When a schedule fires, as one short text: its cron expression, or `every 1h`.
 * @param {any} schedule
 */
export function timingOf(schedule) {
  if (schedule.cron) return schedule.cron;
  const seconds = Number(schedule.interval_seconds);
  const [unit, size] = [['d', 86_400], ['h', 3600], ['m', 60]].find(([, size]) => seconds % Number(size) === 0) ?? ['s', 1];
  return `every ${seconds / Number(size)}${unit}`;
}

const COLUMNS = [
  'id',
  { header: 'WHEN', value: timingOf },
  'timezone',
  { header: 'ENVIRONMENT', value: (/** @type {any} */ s) => s.environment_name },
  'branch',
  { header: 'STATE', value: (/** @type {any} */ s) => (s.paused ? 'paused' : 'active') },
  { header: 'NEXT RUN', value: (/** @type {any} */ s) => s.next_run_at ?? '-' },
];
const FIELDS = ['id', 'suite_name', 'environment_name', 'cron', 'interval_seconds', 'timezone', 'branch', 'paused', 'next_run_at', 'temporal_schedule_id', 'description'];

/**
 * The suite `--suite` names: an id, or a name within `--project` (or the project of ./qatron.yaml).
 * @param {import('../types.js').CommandContext} ctx
 */
async function suiteOf({ options, client }) {
  if (!options.suite) throw new UsageError('missing --suite');
  return resolveInProject(client, 'suites', options.suite, isId(options.suite) ? undefined : await projectOption(options, true));
}

/** @type {Command} */
const list = {
  name: 'schedules list',
  summary: "List a suite's run schedules with when each fires next",
  usage: 'qatron schedules list --suite SUITE [--project PROJECT]',
  examples: ['qatron schedules list --suite nightly --project shop', 'qatron schedules list --suite 4 --output json'],
  options: {
    suite: { type: 'string', short: 's', description: 'The suite, by name (or id)' },
    project: { type: 'string', short: 'p', description: 'The project, by name or id (default: the project of ./qatron.yaml)' },
  },
  needsAuth: true,
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`unexpected argument "${ctx.args[0]}": usage \`${list.usage}\``);
    const suite = await suiteOf(ctx);
    ctx.output.print(await listAll(ctx.client, `/api/v1/suites/${suite.id}/schedules`), { columns: COLUMNS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const create = {
  name: 'schedules create',
  summary: 'Schedule runs of a suite on an environment, by cron expression or interval (a Temporal Schedule fires them)',
  usage: 'qatron schedules create --suite SUITE --env ENVIRONMENT (--cron "MIN HOUR DOM MON DOW" | --every 1h) [--timezone TZ] [--branch BRANCH] [--paused] [--project PROJECT]',
  examples: [
    'qatron schedules create --suite regression --env staging --cron "0 2 * * *" --timezone Europe/Berlin',
    'qatron schedules create --suite smoke --env staging --every 1h --branch develop --paused',
  ],
  options: {
    suite: { type: 'string', short: 's', description: 'The suite, by name (or id)' },
    env: { type: 'string', short: 'e', description: "The environment, by name (or id), of the suite's project" },
    cron: { type: 'string', description: 'A standard 5-field cron expression: minute hour day-of-month month day-of-week' },
    every: { type: 'string', description: 'A fixed interval instead: 15m, 1h, 1d' },
    timezone: { type: 'string', description: 'IANA time zone the cron expression is read in (default UTC)' },
    branch: { type: 'string', short: 'b', description: "Git branch each run tests (default: the project's default branch)" },
    paused: { type: 'boolean', description: 'Create it paused; it fires once resumed' },
    description: { type: 'string', description: 'What the schedule is for' },
    project: { type: 'string', short: 'p', description: 'The project, by name or id (default: the project of ./qatron.yaml)' },
  },
  needsAuth: true,
  async run(ctx) {
    const { args, options, client, output } = ctx;
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}": usage \`${create.usage}\``);
    if (!options.env) throw new UsageError('missing --env');
    if ((options.cron === undefined) === (options.every === undefined)) throw new UsageError('give --cron or --every (one of them)');
    const suite = await suiteOf(ctx);
    const body = {
      ...(options.cron !== undefined ? { cron: options.cron } : { interval_seconds: intervalSecondsOf(options.every) }),
      ...(isId(options.env) ? { environment_id: Number(options.env) } : { environment: options.env }),
      ...(options.timezone !== undefined && { timezone: options.timezone }),
      ...(options.branch !== undefined && { branch: options.branch }),
      ...(options.description !== undefined && { description: options.description }),
      paused: Boolean(options.paused),
    };
    const created = await client.request('POST', `/api/v1/suites/${suite.id}/schedules`, { json: body });
    if (output.structured) output.print(created);
    else output.note(`Schedule ${created.id} ${created.paused ? 'paused' : 'active'}: ${created.suite_name} on ${created.environment_name} (${created.branch}) ${timingOf(created)} ${created.timezone}; next run ${created.next_run_at ?? '-'}`);
    return EXIT.OK;
  },
};

/**
 * `schedules pause|resume|delete ID`.
 * @param {'pause' | 'resume' | 'delete'} verb
 * @returns {Command}
 */
function change(verb) {
  const summaries = { pause: 'Pause a run schedule: it fires no run until resumed', resume: 'Resume a paused run schedule', delete: 'Delete a run schedule (the runs it triggered stay)' };
  return {
    name: `schedules ${verb}`,
    summary: summaries[verb],
    usage: `qatron schedules ${verb} SCHEDULE_ID`,
    examples: [`qatron schedules ${verb} 3`],
    needsAuth: true,
    async run({ args, client, output }) {
      const id = oneArg(args, 'SCHEDULE_ID', `schedules ${verb}`);
      if (!isId(id)) throw new UsageError(`SCHEDULE_ID must be an id (see \`qatron schedules list\`), not "${id}"`);
      if (verb === 'delete') {
        await client.request('DELETE', `/api/v1/schedules/${id}`);
        output.note(`Deleted schedule ${id}`);
        return EXIT.OK;
      }
      const schedule = await client.request('POST', `/api/v1/schedules/${id}/${verb}`);
      if (output.structured) output.print(schedule, { columns: FIELDS });
      else output.note(`Schedule ${schedule.id} ${schedule.paused ? 'paused' : `active; next run ${schedule.next_run_at ?? '-'}`}`);
      return EXIT.OK;
    },
  };
}

export default [list, create, change('pause'), change('resume'), change('delete')];
