import { CliError, EXIT, UsageError } from '../errors.js';
import { isId, listAll, resolveInProject, resolveProject } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */
/** @typedef {import('../types.js').OptionSpec} OptionSpec */

/** Where a channel sends: its URL, the secret named for Slack, or its recipients. */
const target = (/** @type {any} */ c) => (c.kind === 'webhook' ? c.url : c.kind === 'slack' ? `secret ${c.secret_ref}` : c.recipients.join(', '));
const COLUMNS = ['id', 'name', 'kind', { header: 'ON', value: (/** @type {any} */ c) => c.on.join(',') }, { header: 'SUITES', value: (/** @type {any} */ c) => (c.suite_ids.length ? c.suite_ids.join(',') : 'all') }, 'enabled', { header: 'TARGET', value: target }];
const DELIVERY_COLUMNS = ['created_at', 'event', 'run_id', 'attempt', { header: 'STATUS', value: (/** @type {any} */ d) => d.status_code ?? '' }, { header: 'RESULT', value: (/** @type {any} */ d) => (d.delivered_at ? 'delivered' : d.error) }];

/** @type {Record<string, OptionSpec>} */
const RULE_OPTIONS = {
  on: { type: 'string', description: 'Comma-separated triggers: failure, recovery, every_run (default failure)' },
  suite: { type: 'string', multiple: true, description: "Only this suite's runs (name or id; repeatable); default every suite" },
};

/**
 * The rules the options ask for, as the API takes them.
 * @param {import('../client.js').ApiClient} client
 * @param {Record<string, any>} options
 * @param {string} projectRef
 */
async function rulesOf(client, options, projectRef) {
  const on = options.on === undefined ? undefined : String(options.on).split(',').map((t) => t.trim()).filter(Boolean);
  /** @type {number[]} */
  const suiteIds = [];
  for (const ref of options.suite ?? []) suiteIds.push((await resolveInProject(client, 'suites', ref, projectRef)).id);
  return { ...(on && { on }), suite_ids: suiteIds };
}

/**
 * A channel by id, or by name within the project.
 * @param {import('../client.js').ApiClient} client
 * @param {string} projectRef
 * @param {string} ref
 */
async function resolveChannel(client, projectRef, ref) {
  if (isId(ref)) return client.request('GET', `/api/v1/notification-channels/${ref}`);
  const project = await resolveProject(client, projectRef);
  const found = (await listAll(client, `/api/v1/projects/${project.id}/notification-channels`)).filter((c) => c.name === ref);
  if (found.length !== 1) throw new CliError(`notification channel "${ref}" not found in project ${project.name} (see \`qatron notifications list ${projectRef}\`)`, EXIT.ERROR);
  return found[0];
}

/**
 * Exactly `count` positional arguments.
 * @param {string[]} args
 * @param {string} usage
 * @param {number} count
 */
function argsOf(args, usage, count) {
  if (args.length !== count) throw new UsageError(`${args.length < count ? 'missing arguments' : `unexpected argument "${args[count]}"`}: usage \`${usage}\``);
  return args;
}

/**
 * An `add-*` command: PROJECT NAME plus what the kind needs.
 * @param {'webhook' | 'slack' | 'email'} kind
 * @param {Omit<Command, 'name' | 'needsAuth' | 'run'>} help
 * @param {(options: Record<string, any>) => Record<string, unknown>} fields
 * @returns {Command}
 */
function addCommand(kind, help, fields) {
  return {
    name: `notifications add-${kind}`,
    ...help,
    options: { ...help.options, ...RULE_OPTIONS },
    needsAuth: true,
    async run({ args, options, client, output }) {
      const [projectRef, name] = /** @type {[string, string]} */ (argsOf(args, help.usage.split(' --')[0] ?? help.usage, 2));
      const kindFields = fields(options);
      const project = await resolveProject(client, projectRef);
      const body = { name, kind, ...kindFields, ...(await rulesOf(client, options, projectRef)) };
      output.print(await client.request('POST', `/api/v1/projects/${project.id}/notification-channels`, { json: body }), { columns: COLUMNS });
      return EXIT.OK;
    },
  };
}

/**
 * The value of a required option.
 * @param {Record<string, any>} options
 * @param {string} name
 * @param {string} what
 */
function required(options, name, what) {
  if (!options[name]) throw new UsageError(`missing --${name} (${what})`);
  return String(options[name]);
}

const addWebhook = addCommand(
  'webhook',
  {
    summary: 'Add a webhook: a JSON POST signed with HMAC-SHA256 (X-QAtron-Signature) under a worker secret (admin)',
    usage: 'qatron notifications add-webhook PROJECT NAME --webhook-url URL --secret-ref SECRET [--on failure,recovery] [--suite SUITE]',
    examples: ['qatron notifications add-webhook shop ops --webhook-url https://ops.example.com/qatron --secret-ref OPS_WEBHOOK_KEY --on failure,recovery'],
    options: { 'webhook-url': { type: 'string', description: 'Where the JSON is POSTed (--url is the API\'s address)' }, 'secret-ref': { type: 'string', description: 'NAME of the worker secret that signs the body' } },
  },
  (options) => ({ url: required(options, 'webhook-url', 'where the JSON is POSTed'), secret_ref: required(options, 'secret-ref', 'the NAME of the signing secret') }),
);

const addSlack = addCommand(
  'slack',
  {
    summary: "Add a Slack incoming webhook; its URL is a secret, so name the worker secret that holds it (admin)",
    usage: 'qatron notifications add-slack PROJECT NAME --secret-ref SECRET [--on failure,recovery] [--suite SUITE]',
    examples: ['qatron notifications add-slack shop team --secret-ref SLACK_QA_WEBHOOK --on failure,recovery --suite smoke'],
    options: { 'secret-ref': { type: 'string', description: 'NAME of the worker secret holding the incoming-webhook URL' } },
  },
  (options) => ({ secret_ref: required(options, 'secret-ref', 'the NAME of the secret holding the Slack webhook URL') }),
);

const addEmail = addCommand(
  'email',
  {
    summary: "Add an email channel, sent through the workers' SMTP server (admin)",
    usage: 'qatron notifications add-email PROJECT NAME --to ADDRESS [--to ADDRESS] [--on failure,recovery] [--suite SUITE]',
    examples: ['qatron notifications add-email shop leads --to qa@example.com --to lead@example.com --on every_run'],
    options: { to: { type: 'string', multiple: true, description: 'A recipient (repeatable)' } },
  },
  (options) => {
    if (!options.to?.length) throw new UsageError('missing --to (at least one recipient)');
    return { recipients: options.to };
  },
);

/** @type {Command} */
const list = {
  name: 'notifications list',
  summary: "List a project's notification channels with their rules",
  usage: 'qatron notifications list PROJECT',
  examples: ['qatron notifications list shop', 'qatron notifications list shop --output json'],
  needsAuth: true,
  async run({ args, client, output }) {
    const [projectRef] = argsOf(args, 'qatron notifications list PROJECT', 1);
    const project = await resolveProject(client, /** @type {string} */ (projectRef));
    output.print(await listAll(client, `/api/v1/projects/${project.id}/notification-channels`), { columns: COLUMNS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const test = {
  name: 'notifications test',
  summary: 'Send a channel a test message now, through a worker; exit 1 when the receiver did not accept it (admin)',
  usage: 'qatron notifications test PROJECT CHANNEL',
  examples: ['qatron notifications test shop ops'],
  needsAuth: true,
  async run({ args, client, output }) {
    const [projectRef, ref] = /** @type {[string, string]} */ (argsOf(args, 'qatron notifications test PROJECT CHANNEL', 2));
    const channel = await resolveChannel(client, projectRef, ref);
    const answer = await client.request('POST', `/api/v1/notification-channels/${channel.id}/test`);
    if (output.structured) output.print(answer);
    else output.note(answer.delivered ? `Test message delivered to ${channel.name} (${answer.status_code})` : `Test message to ${channel.name} not delivered: ${answer.error}`);
    return answer.delivered ? EXIT.OK : EXIT.FAILED;
  },
};

/** @type {Command} */
const deliveries = {
  name: 'notifications deliveries',
  summary: "A channel's delivery log: every attempt, newest first",
  usage: 'qatron notifications deliveries PROJECT CHANNEL',
  examples: ['qatron notifications deliveries shop ops'],
  needsAuth: true,
  async run({ args, client, output }) {
    const [projectRef, ref] = /** @type {[string, string]} */ (argsOf(args, 'qatron notifications deliveries PROJECT CHANNEL', 2));
    const channel = await resolveChannel(client, projectRef, ref);
    const page = await client.request('GET', `/api/v1/notification-channels/${channel.id}/deliveries`, { query: { limit: '50' } });
    output.print(page.items, { columns: DELIVERY_COLUMNS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const remove = {
  name: 'notifications remove',
  summary: 'Remove a notification channel and its delivery log (admin)',
  usage: 'qatron notifications remove PROJECT CHANNEL',
  examples: ['qatron notifications remove shop ops'],
  needsAuth: true,
  async run({ args, client, output }) {
    const [projectRef, ref] = /** @type {[string, string]} */ (argsOf(args, 'qatron notifications remove PROJECT CHANNEL', 2));
    const channel = await resolveChannel(client, projectRef, ref);
    await client.request('DELETE', `/api/v1/notification-channels/${channel.id}`);
    output.note(`Removed notification channel ${channel.name} (id ${channel.id})`);
    return EXIT.OK;
  },
};

export default [list, addWebhook, addSlack, addEmail, test, deliveries, remove];
