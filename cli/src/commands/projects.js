import { EXIT, UsageError } from '../errors.js';
import { defined, listAll, noArgs, oneArg, resolveProject } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */
/** @typedef {import('../types.js').OptionSpec} OptionSpec */

const COLUMNS = ['id', 'name', 'repo_url', 'default_branch', 'auth_method', { header: 'ENVS', key: 'environment_count' }, { header: 'SUITES', key: 'suite_count' }];
const FIELDS = ['id', 'name', 'description', 'repo_url', 'default_branch', 'auth_method', 'secret_ref', 'environment_count', 'suite_count', 'created_at', 'updated_at'];

/** @type {Record<string, OptionSpec>} */
const FIELD_OPTIONS = {
  name: { type: 'string', description: 'Project name, unique in the organization' },
  description: { type: 'string', description: 'Free text' },
  'repo-url': { type: 'string', description: 'Git repository URL (https://, ssh://, git@host:path, file:// or a local path)' },
  'default-branch': { type: 'string', description: 'Branch runs use unless they name another (default main)' },
  'auth-method': { type: 'string', description: 'How workers authenticate to the repository: none, token or ssh' },
  'secret-ref': { type: 'string', description: 'NAME of the secret with the token or SSH key (none to clear)' },
};

/** @param {Record<string, any>} options */
function bodyOf(options) {
  return defined({
    name: options.name,
    description: options.description,
    repo_url: options['repo-url'],
    default_branch: options['default-branch'],
    auth_method: options['auth-method'],
    secret_ref: options['secret-ref'] === 'none' ? null : options['secret-ref'],
  });
}

/** @type {Command} */
const list = {
  name: 'projects list',
  summary: 'List projects',
  usage: 'qatron projects list [--search TEXT]',
  examples: ['qatron projects list', 'qatron projects list --output json'],
  options: { search: { type: 'string', description: 'Only projects whose name contains TEXT' } },
  needsAuth: true,
  async run({ args, options, client, output }) {
    noArgs(args, 'projects list');
    output.print(await listAll(client, '/api/v1/projects', { q: options.search }), { columns: COLUMNS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const get = {
  name: 'projects get',
  summary: 'Show a project',
  usage: 'qatron projects get PROJECT',
  examples: ['qatron projects get shop', 'qatron projects get 3 --output yaml'],
  needsAuth: true,
  async run({ args, client, output }) {
    output.print(await resolveProject(client, oneArg(args, 'PROJECT', 'projects get')), { columns: FIELDS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const create = {
  name: 'projects create',
  summary: 'Create a project (admin)',
  usage: 'qatron projects create --name NAME --repo-url URL [OPTIONS]',
  examples: [
    'qatron projects create --name shop --repo-url https://github.com/acme/shop-tests.git',
    'qatron projects create --name shop --repo-url git@github.com:acme/shop-tests.git --auth-method ssh --secret-ref SHOP_DEPLOY_KEY',
  ],
  options: FIELD_OPTIONS,
  needsAuth: true,
  async run({ args, options, client, output }) {
    noArgs(args, 'projects create');
    if (!options.name) throw new UsageError('missing --name');
    if (!options['repo-url']) throw new UsageError('missing --repo-url');
    output.print(await client.request('POST', '/api/v1/projects', { json: bodyOf(options) }), { columns: FIELDS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const update = {
  name: 'projects update',
  summary: 'Change a project; options left out keep their value (admin)',
  usage: 'qatron projects update PROJECT [OPTIONS]',
  examples: ['qatron projects update shop --default-branch develop', 'qatron projects update 3 --name shop-web --description "Web shop"'],
  options: FIELD_OPTIONS,
  needsAuth: true,
  async run({ args, options, client, output }) {
    const project = await resolveProject(client, oneArg(args, 'PROJECT', 'projects update'));
    const body = bodyOf(options);
    if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give at least one option (see `qatron projects update --help`)');
    output.print(await client.request('PUT', `/api/v1/projects/${project.id}`, { json: body }), { columns: FIELDS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const remove = {
  name: 'projects delete',
  summary: 'Delete a project with its environments, suites and runs (admin)',
  usage: 'qatron projects delete PROJECT',
  examples: ['qatron projects delete shop'],
  needsAuth: true,
  async run({ args, client, output }) {
    const project = await resolveProject(client, oneArg(args, 'PROJECT', 'projects delete'));
    await client.request('DELETE', `/api/v1/projects/${project.id}`);
    if (output.structured) output.print({ deleted: true, id: project.id, name: project.name });
    else output.note(`Deleted project ${project.name} (${project.id})`);
    return EXIT.OK;
  },
};

export default [list, get, create, update, remove];
