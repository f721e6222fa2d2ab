import { EXIT, UsageError } from '../errors.js';
import { ask } from '../prompt.js';
import { defined, isId, listAll, noArgs, oneArg } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */

const COLUMNS = ['id', 'name', 'slug', 'is_active', 'deactivated_at', 'created_at'];

/**
 * The organization an argument names: its id, or its slug among those the caller may see.
 * @param {import('../client.js').ApiClient} client
 * @param {string} ref
 */
async function resolveOrganization(client, ref) {
  if (isId(ref)) return client.request('GET', `/api/v1/organizations/${ref}`);
  const found = (await listAll(client, '/api/v1/organizations')).find((o) => o.slug === ref || o.name === ref);
  if (!found) throw new UsageError(`no organization "${ref}": \`qatron organizations list\` shows the ones you can see`);
  return found;
}

/** @type {Command} */
const list = {
  name: 'organizations list',
  summary: 'List organizations: every one for a platform administrator, your own otherwise (admin)',
  usage: 'qatron organizations list',
  examples: ['qatron organizations list', 'qatron organizations list --output json'],
  needsAuth: true,
  async run({ args, client, output }) {
    noArgs(args, 'organizations list');
    output.print(await listAll(client, '/api/v1/organizations'), { columns: COLUMNS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const create = {
  name: 'organizations create',
  summary: 'Create an organization with its first admin user (platform administrator)',
  usage: 'qatron organizations create --name NAME --admin-username USER --admin-email EMAIL [--admin-password PASSWORD] [--slug SLUG]',
  examples: [
    'qatron organizations create --name "Acme QA" --admin-username acme-admin --admin-email qa@acme.test',
    'QATRON_ADMIN_PASSWORD=... qatron organizations create --name acme --admin-username acme-admin --admin-email qa@acme.test --output json',
  ],
  options: {
    name: { type: 'string', description: 'Name of the organization' },
    slug: { type: 'string', description: 'Short name in lower case (default: from the name)' },
    'admin-username': { type: 'string', description: "The organization's first admin" },
    'admin-email': { type: 'string', description: "The first admin's email" },
    'admin-password': { type: 'string', description: 'Initial password (default: QATRON_ADMIN_PASSWORD, else a hidden prompt)' },
  },
  needsAuth: true,
  async run({ args, options, client, output, io, env }) {
    noArgs(args, 'organizations create');
    for (const name of ['name', 'admin-username', 'admin-email']) {
      if (!options[name]) throw new UsageError(`missing --${name}`);
    }
    let password = options['admin-password'] ?? env.QATRON_ADMIN_PASSWORD;
    if (!password && !io.isTTY) throw new UsageError('missing --admin-password (or QATRON_ADMIN_PASSWORD)');
    password ||= await ask(io, 'Initial password of the first admin: ', { hidden: true });
    const body = defined({
      name: options.name,
      slug: options.slug,
      admin: { username: options['admin-username'], email: options['admin-email'], password },
    });
    const created = await client.request('POST', '/api/v1/organizations', { json: body });
    if (output.structured) output.print(created);
    else output.note(`Created organization ${created.name} (id ${created.id}, slug ${created.slug}); its admin ${created.admin.username} signs in with the initial password and must change it first (qatron passwd)`);
    return EXIT.OK;
  },
};

/** @type {Command} */
const deactivate = {
  name: 'organizations deactivate',
  summary: "Deactivate an organization: its data stays, its users and service tokens are refused (platform administrator)",
  usage: 'qatron organizations deactivate ORGANIZATION',
  examples: ['qatron organizations deactivate acme', 'qatron organizations deactivate 2 --output json'],
  needsAuth: true,
  async run({ args, client, output }) {
    const ref = oneArg(args, 'ORGANIZATION', 'organizations deactivate');
    const organization = await resolveOrganization(client, ref);
    const deactivated = await client.request('POST', `/api/v1/organizations/${organization.id}/deactivate`);
    if (output.structured) output.print(deactivated);
    else output.note(`Deactivated organization ${deactivated.name} (${deactivated.id}): its users and service tokens are refused until it is reactivated`);
    return EXIT.OK;
  },
};

export default [list, create, deactivate];
