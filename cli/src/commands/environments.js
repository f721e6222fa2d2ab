import { EXIT, UsageError } from '../errors.js';
import { defined, intOption, keyValueOption, listAll, noArgs, oneArg, projectOption, resolveInProject, resolveProject } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */
/** @typedef {import('../types.js').OptionSpec} OptionSpec */

const COLUMNS = ['id', 'name', 'kind', 'base_url', { header: 'RETENTION', key: 'effective_retention_days' }, { header: 'VARIABLES', value: (/** @type {import('@qatron/api-types').Environment} */ e) => Object.keys(e.variables ?? {}) }];
const FIELDS = ['id', 'project_id', 'name', 'kind', 'base_url', 'variables', 'secret_refs', 'retention_days', 'effective_retention_days', 'dataset_id', 'created_at', 'updated_at'];

const PROJECT = { project: { type: /** @type {const} */ ('string'), description: 'The project, by name or id (default: the project of ./qatron.yaml)' } };

/** @type {Record<string, OptionSpec>} */
const FIELD_OPTIONS = {
  name: { type: 'string', description: 'Environment name, unique in the project (e.g. staging)' },
  kind: { type: 'string', description: 'development, staging or production (sets the default retention)' },
  'base-url': { type: 'string', description: 'http(s) URL of the system under test, given to tests as base_url (none to clear)' },
  var: { type: 'string', multiple: true, description: 'Plain variable KEY=VALUE for the tests; on update the given set replaces the stored one' },
  'secret-ref': { type: 'string', multiple: true, description: 'VAR=SECRET: inject secret SECRET as variable VAR; on update replaces the stored set' },
  'retention-days': { type: 'string', description: "Days to keep artifacts (none: the kind's default)" },
};

/** @param {Record<string, any>} options */
function bodyOf(options) {
  return defined({
    name: options.name,
    kind: options.kind,
    base_url: options['base-url'] === 'none' ? null : options['base-url'],
    variables: keyValueOption(options.var, 'var'),
    secret_refs: keyValueOption(options['secret-ref'], 'secret-ref'),
    retention_days: intOption(options, 'retention-days', { nullable: true }),
  });
}

/** @type {Command} */
const list = {
  name: 'environments list',
  summary: "List a project's environments",
  usage: 'qatron environments list [--project PROJECT]',
  examples: ['qatron environments list --project shop', 'qatron environments list --output json'],
  options: PROJECT,
  needsAuth: true,
  async run({ args, options, client, output }) {
    noArgs(args, 'environments list');
    const project = await resolveProject(client, /** @type {string} */ (await projectOption(options, true)));
    output.print(await listAll(client, `/api/v1/projects/${project.id}/environments`), { columns: COLUMNS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const get = {
  name: 'environments get',
  summary: 'Show an environment',
  usage: 'qatron environments get ENVIRONMENT [--project PROJECT]',
  examples: ['qatron environments get staging --project shop', 'qatron environments get 7 --output yaml'],
  options: PROJECT,
  needsAuth: true,
  async run({ args, options, client, output }) {
    const ref = oneArg(args, 'ENVIRONMENT', 'environments get');
    output.print(await resolveInProject(client, 'environments', ref, await projectOption(options)), { columns: FIELDS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const create = {
  name: 'environments create',
  summary: 'Add an environment to a project (admin)',
  usage: 'qatron environments create --project PROJECT --name NAME --kind KIND [OPTIONS]',
  examples: [
    'qatron environments create --project shop --name staging --kind staging --base-url https://staging.shop.example.com',
    'qatron environments create --project shop --name dev --kind development --var LOCALE=en --secret-ref API_KEY=SHOP_DEV_API_KEY',
  ],
  options: { ...PROJECT, ...FIELD_OPTIONS },
  needsAuth: true,
  async run({ args, options, client, output }) {
    noArgs(args, 'environments create');
    if (!options.name) throw new UsageError('missing --name');
    if (!options.kind) throw new UsageError('missing --kind (development, staging or production)');
    const body = bodyOf(options);
    const project = await resolveProject(client, /** @type {string} */ (await projectOption(options, true)));
    output.print(await client.request('POST', `/api/v1/projects/${project.id}/environments`, { json: body }), { columns: FIELDS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const update = {
  name: 'environments update',
  summary: 'Change an environment; options left out keep their value (admin)',
  usage: 'qatron environments update ENVIRONMENT [--project PROJECT] [OPTIONS]',
  examples: ['qatron environments update staging --project shop --base-url https://staging2.shop.example.com', 'qatron environments update 7 --retention-days 30'],
  options: { ...PROJECT, ...FIELD_OPTIONS },
  needsAuth: true,
  async run({ args, options, client, output }) {
    const ref = oneArg(args, 'ENVIRONMENT', 'environments update');
    const body = bodyOf(options);
    if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give at least one option (see `qatron environments update --help`)');
    const environment = await resolveInProject(client, 'environments', ref, await projectOption(options));
    output.print(await client.request('PUT', `/api/v1/environments/${environment.id}`, { json: body }), { columns: FIELDS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const remove = {
  name: 'environments delete',
  summary: 'Delete an environment and its runs (admin)',
  usage: 'qatron environments delete ENVIRONMENT [--project PROJECT]',
  examples: ['qatron environments delete staging --project shop', 'qatron environments delete 7'],
  options: PROJECT,
  needsAuth: true,
  async run({ args, options, client, output }) {
    const ref = oneArg(args, 'ENVIRONMENT', 'environments delete');
    const environment = await resolveInProject(client, 'environments', ref, await projectOption(options));
    await client.request('DELETE', `/api/v1/environments/${environment.id}`);
    if (output.structured) output.print({ deleted: true, id: environment.id, name: environment.name });
    else output.note(`Deleted environment ${environment.name} (${environment.id})`);
    return EXIT.OK;
  },
};

export default [list, get, create, update, remove];
