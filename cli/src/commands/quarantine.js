import { EXIT, UsageError } from '../errors.js';
import { isId, listAll, resolveProject } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */

const DAY_MS = 24 * 60 * 60 * 1000;
const COLUMNS = ['id', 'node_id', 'owner', { header: 'EXPIRES', value: (/** @type {any} */ q) => q.expires_at ?? 'until lifted' }, { header: 'STATE', value: stateOf }, 'reason'];
const FIELDS = ['id', 'project_id', 'node_id', 'reason', 'owner', 'expires_at', 'active', 'created_by', 'created_at', 'lifted_at', 'lifted_by', 'lift_reason'];

/**
 * `active`, or how the quarantine ended.
 * @param {any} quarantine
 */
function stateOf(quarantine) {
  if (quarantine.active) return 'active';
  return quarantine.lift_reason ?? 'expired';
}

/**
 * Exactly the positional arguments `names`.
 * @param {string[]} args
 * @param {string[]} names
 * @param {string} commandName
 */
function exactArgs(args, names, commandName) {
  const usage = `usage \`qatron ${commandName} ${names.join(' ')}\``;
  if (args.length < names.length) throw new UsageError(`missing ${names[args.length]}: ${usage}`);
  if (args.length > names.length) throw new UsageError(`unexpected argument "${args[names.length]}": ${usage}`);
  return args;
}

/**
 * The expiry the options ask for, as the API takes it: `--expires` a date (the quarantine ends as
 * that day begins, UTC) or a date-time, `--days` from now; neither: until lifted.
 * @param {Record<string, any>} options
 * @param {Date} now
 * @returns {string | null}
 */
export function expiryOf(options, now = new Date()) {
  const { expires, days } = options;
  if (expires !== undefined && days !== undefined) throw new UsageError('give --expires or --days, not both');
  if (days !== undefined) {
    if (!/^[1-9][0-9]*$/.test(days)) throw new UsageError(`--days must be a whole number of days, at least 1, not "${days}"`);
    return new Date(now.getTime() + Number(days) * DAY_MS).toISOString();
  }
  if (expires === undefined) return null;
  const text = /^\d{4}-\d\d-\d\d$/.test(expires) ? `${expires}T00:00:00Z` : expires;
  const at = new Date(text);
  if (!/^\d{4}-\d\d-\d\d/.test(expires) || Number.isNaN(at.getTime())) throw new UsageError(`--expires takes a date (2027-01-31) or an ISO 8601 date-time, not "${expires}"`);
  return at.toISOString();
}

/** @type {Command} */
const add = {
  name: 'quarantine add',
  summary: "Quarantine a test: it still runs, but its failures no longer fail the project's runs (admin)",
  usage: 'qatron quarantine add PROJECT NODE_ID --reason REASON --owner OWNER [--expires DATE | --days N]',
  examples: [
    "qatron quarantine add shop 'tests/test_checkout.py::test_payment_timeout' --reason 'times out on the payment sandbox' --owner @team-checkout --days 14",
    "qatron quarantine add shop 'tests/test_cart.py::test_add[2-3]' --reason 'see ISSUE-412' --owner alice --expires 2027-01-31",
  ],
  options: {
    reason: { type: 'string', description: 'Why the test is quarantined' },
    owner: { type: 'string', description: 'Who answers for the test meanwhile: a person or a team handle' },
    expires: { type: 'string', description: 'When it lifts itself: a date (as that day begins, UTC) or an ISO 8601 date-time' },
    days: { type: 'string', description: 'Lifts itself this many days from now' },
  },
  needsAuth: true,
  async run({ args, options, client, output }) {
    const [projectRef, nodeId] = exactArgs(args, ['PROJECT', 'NODE_ID'], 'quarantine add');
    if (!options.reason) throw new UsageError('missing --reason');
    if (!options.owner) throw new UsageError('missing --owner (a person or a team handle)');
    const body = { node_id: nodeId, reason: options.reason, owner: options.owner, expires_at: expiryOf(options) };
    const project = await resolveProject(client, /** @type {string} */ (projectRef));
    output.print(await client.request('POST', `/api/v1/projects/${project.id}/quarantine`, { json: body }), { columns: FIELDS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const list = {
  name: 'quarantine list',
  summary: "List a project's quarantined tests (those in force; --all for lifted and expired ones too)",
  usage: 'qatron quarantine list PROJECT [--all]',
  examples: ['qatron quarantine list shop', 'qatron quarantine list shop --all --output json'],
  options: { all: { type: 'boolean', description: 'Also list quarantines that were lifted or expired' } },
  needsAuth: true,
  async run({ args, options, client, output }) {
    const [projectRef] = exactArgs(args, ['PROJECT'], 'quarantine list');
    const project = await resolveProject(client, /** @type {string} */ (projectRef));
    const items = await listAll(client, `/api/v1/projects/${project.id}/quarantine`, options.all ? {} : { active: 'true' });
    output.print(items, { columns: COLUMNS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const lift = {
  name: 'quarantine lift',
  summary: "Lift a quarantine: the test's failures count again from the next run (admin)",
  usage: 'qatron quarantine lift PROJECT QUARANTINE_ID',
  examples: ['qatron quarantine lift shop 12'],
  needsAuth: true,
  async run({ args, client, output }) {
    const [projectRef, id] = exactArgs(args, ['PROJECT', 'QUARANTINE_ID'], 'quarantine lift');
    if (!isId(/** @type {string} */ (id))) throw new UsageError(`QUARANTINE_ID must be an id (see \`qatron quarantine list\`), not "${id}"`);
    const project = await resolveProject(client, /** @type {string} */ (projectRef));
    const lifted = await client.request('DELETE', `/api/v1/projects/${project.id}/quarantine/${id}`);
    if (output.structured) output.print(lifted);
    else output.note(`Lifted quarantine ${lifted.id} of ${lifted.node_id}`);
    return EXIT.OK;
  },
};

export default [add, list, lift];
