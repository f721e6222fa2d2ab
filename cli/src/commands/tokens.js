import { EXIT, UsageError } from '../errors.js';
import { defined, isId, listAll, noArgs, oneArg, resolveProject } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */

const COLUMNS = ['id', 'name', { header: 'PREFIX', key: 'token_prefix' }, 'role', { header: 'PROJECT', key: 'project_id' }, 'is_active', 'expires_at', 'last_used_at', 'created_at'];

/** @type {Command} */
const create = {
  name: 'tokens create',
  summary: 'Create a service token for CI; it is shown this once (admin, PRD 17.3)',
  usage: 'qatron tokens create --name NAME [--role ROLE] [--project PROJECT] [--expires-at ISO-DATE]',
  examples: [
    'qatron tokens create --name github-actions',
    'qatron tokens create --name shop-ci --project shop --expires-at 2026-12-31T00:00:00Z --output json',
  ],
  options: {
    name: { type: 'string', description: 'What the token is for' },
    role: { type: 'string', description: 'viewer, user (default: can trigger runs) or admin' },
    project: { type: 'string', short: 'p', description: 'Limit the token to one project (name or id)' },
    'expires-at': { type: 'string', description: 'Expiry as an ISO 8601 date-time (default: until revoked)' },
  },
  needsAuth: true,
  async run({ args, options, client, output }) {
    noArgs(args, 'tokens create');
    if (!options.name) throw new UsageError('missing --name');
    const projectId = options.project ? (await resolveProject(client, options.project)).id : undefined;
    const body = defined({ name: options.name, role: options.role, project_id: projectId, expires_at: options['expires-at'] });
    const created = await client.request('POST', '/api/v1/auth/service-tokens', { json: body });
    if (output.structured) output.print(created);
    else {
      output.note(`Created service token ${created.name} (id ${created.id}, role ${created.role}). Copy it now: it is not shown again.\n`);
      output.note(created.token);
    }
    return EXIT.OK;
  },
};

/** @type {Command} */
const list = {
  name: 'tokens list',
  summary: 'List service tokens (never the tokens themselves; admin)',
  usage: 'qatron tokens list',
  examples: ['qatron tokens list', 'qatron tokens list --output json'],
  needsAuth: true,
  async run({ args, client, output }) {
    noArgs(args, 'tokens list');
    output.print(await listAll(client, '/api/v1/auth/service-tokens'), { columns: COLUMNS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const revoke = {
  name: 'tokens revoke',
  summary: 'Revoke a service token; it stops working at once (admin)',
  usage: 'qatron tokens revoke TOKEN-ID',
  examples: ['qatron tokens revoke 3'],
  needsAuth: true,
  async run({ args, client, output }) {
    const ref = oneArg(args, 'TOKEN-ID', 'tokens revoke');
    if (!isId(ref)) throw new UsageError(`TOKEN-ID must be the id that \`qatron tokens list\` shows, not "${ref}"`);
    const revoked = await client.request('DELETE', `/api/v1/auth/service-tokens/${ref}`);
    if (output.structured) output.print(revoked);
    else output.note(`Revoked service token ${revoked.name} (${revoked.id})`);
    return EXIT.OK;
  },
};

export default [create, list, revoke];
