import { EXIT, UsageError } from '../errors.js';
import { defined, intOption, listAll, noArgs, numberOption, oneArg, projectOption, resolveInProject, resolveProject } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */
/** @typedef {import('../types.js').OptionSpec} OptionSpec */

const COLUMNS = ['id', 'name', 'layer', 'markers', 'shards', { header: 'WORKERS', key: 'workers_per_shard' }, 'retries', { header: 'TIMEOUT', key: 'timeout_seconds' }, 'coverage', { header: 'COVERAGE MIN', key: 'coverage_threshold' }, { header: 'PYTHON', key: 'python_version' }];
const FIELDS = [
  'id', 'project_id', 'name', 'description', 'layer', 'markers', 'keywords', 'paths', 'shards', 'workers_per_shard', 'retries', 'timeout_seconds',
  'coverage', 'coverage_threshold', 'allow_empty', 'install_command', 'python_version', 'require_dataset_health', 'created_at', 'updated_at',
];

const PROJECT = { project: { type: /** @type {const} */ ('string'), description: 'The project, by name or id (default: the project of ./qatron.yaml)' } };

/** @type {Record<string, OptionSpec>} */
const FIELD_OPTIONS = {
  name: { type: 'string', description: 'Suite name, unique in the project (e.g. smoke)' },
  description: { type: 'string', description: 'Free text' },
  layer: { type: 'string', description: 'unit, contract, integration or e2e' },
  markers: { type: 'string', description: 'pytest -m expression (e.g. "smoke and not slow")' },
  keywords: { type: 'string', description: 'pytest -k expression' },
  path: { type: 'string', multiple: true, description: 'Repository-relative path or node id to collect; on update the given set replaces the stored one' },
  shards: { type: 'string', description: 'Parallel shards' },
  'workers-per-shard': { type: 'string', description: 'pytest-xdist workers per shard (0: one process)' },
  retries: { type: 'string', description: 'Re-runs of failed tests inside their shard' },
  'timeout-seconds': { type: 'string', description: 'Run timeout in seconds' },
  coverage: { type: 'boolean', description: 'Measure coverage in the shards (the default on creation)' },
  'no-coverage': { type: 'boolean', description: 'Run the tests at full speed without coverage; clears the threshold' },
  'coverage-threshold': { type: 'string', description: 'Minimum combined coverage in percent (none: no threshold)' },
  'allow-empty': { type: 'boolean', description: 'A selection of no test completes the run instead of failing it' },
  'no-allow-empty': { type: 'boolean', description: 'A selection of no test fails the run (the default on creation)' },
  'install-command': { type: 'string', description: 'How the repository installs itself, e.g. "pip install -e .[test]" (none: requirements files and pyproject.toml)' },
  'python-version': { type: 'string', description: "The Python to run on, e.g. 3.12 (none: the newest the worker has that requires-python allows)" },
};

/**
 * The request body the field options spell; options left out are left out of it.
 * @param {Record<string, any>} options
 * @returns {Record<string, unknown>}
 * @throws {UsageError} on a malformed value or contradicting options
 */
export function bodyOf(options) {
  const coverage = switchOption(options, 'coverage');
  const coverageThreshold = numberOption(options, 'coverage-threshold', { nullable: true });
  if (coverage === false && typeof coverageThreshold === 'number') throw new UsageError('--coverage-threshold needs coverage: drop --no-coverage or the threshold');
  return defined({
    name: options.name,
    description: options.description,
    layer: options.layer,
    markers: options.markers,
    keywords: options.keywords,
    paths: options.path,
    shards: intOption(options, 'shards'),
    workers_per_shard: intOption(options, 'workers-per-shard'),
    retries: intOption(options, 'retries'),
    timeout_seconds: intOption(options, 'timeout-seconds'),
    coverage,
    // The API refuses a threshold on a suite without coverage: turning it off clears the threshold.
    coverage_threshold: coverage === false ? null : coverageThreshold,
    allow_empty: switchOption(options, 'allow-empty'),
    install_command: textOption(options, 'install-command'),
    python_version: textOption(options, 'python-version'),
  });
}

/**
 * `--NAME` → true, `--no-NAME` → false, neither → undefined.
 * @param {Record<string, any>} options
 * @param {string} name
 * @returns {boolean | undefined}
 */
function switchOption(options, name) {
  if (options[name] && options[`no-${name}`]) throw new UsageError(`give --${name} or --no-${name}, not both`);
  if (options[name]) return true;
  return options[`no-${name}`] ? false : undefined;
}

/**
 * A text option where `none` means null (the server's default), or undefined when absent.
 * @param {Record<string, any>} options
 * @param {string} name
 * @returns {string | null | undefined}
 */
function textOption(options, name) {
  const value = options[name];
  return value === undefined ? undefined : value === 'none' ? null : value;
}

/** @type {Command} */
const list = {
  name: 'suites list',
  summary: "List a project's suites",
  usage: 'qatron suites list [--project PROJECT]',
  examples: ['qatron suites list --project shop', 'qatron suites list --output json'],
  options: PROJECT,
  needsAuth: true,
  async run({ args, options, client, output }) {
    noArgs(args, 'suites list');
    const project = await resolveProject(client, /** @type {string} */ (await projectOption(options, true)));
    output.print(await listAll(client, `/api/v1/projects/${project.id}/suites`), { columns: COLUMNS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const get = {
  name: 'suites get',
  summary: 'Show a suite',
  usage: 'qatron suites get SUITE [--project PROJECT]',
  examples: ['qatron suites get smoke --project shop', 'qatron suites get 4 --output json'],
  options: PROJECT,
  needsAuth: true,
  async run({ args, options, client, output }) {
    const ref = oneArg(args, 'SUITE', 'suites get');
    output.print(await resolveInProject(client, 'suites', ref, await projectOption(options)), { columns: FIELDS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const create = {
  name: 'suites create',
  summary: 'Add a suite to a project (admin)',
  usage: 'qatron suites create --project PROJECT --name NAME [OPTIONS]',
  examples: [
    'qatron suites create --project shop --name smoke --markers smoke --shards 2',
    'qatron suites create --project shop --name regression --path tests/ --shards 8 --retries 1 --coverage-threshold 80',
    'qatron suites create --project shop --name fast --no-coverage --allow-empty --install-command "pip install -e .[test]" --python-version 3.12',
  ],
  options: { ...PROJECT, ...FIELD_OPTIONS },
  needsAuth: true,
  async run({ args, options, client, output }) {
    noArgs(args, 'suites create');
    if (!options.name) throw new UsageError('missing --name');
    const body = bodyOf(options);
    const project = await resolveProject(client, /** @type {string} */ (await projectOption(options, true)));
    output.print(await client.request('POST', `/api/v1/projects/${project.id}/suites`, { json: body }), { columns: FIELDS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const update = {
  name: 'suites update',
  summary: 'Change a suite; options left out keep their value (admin)',
  usage: 'qatron suites update SUITE [--project PROJECT] [OPTIONS]',
  examples: ['qatron suites update smoke --project shop --shards 4', 'qatron suites update 4 --coverage-threshold none', 'qatron suites update smoke --python-version none --install-command none'],
  options: { ...PROJECT, ...FIELD_OPTIONS },
  needsAuth: true,
  async run({ args, options, client, output }) {
    const ref = oneArg(args, 'SUITE', 'suites update');
    const body = bodyOf(options);
    if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give at least one option (see `qatron suites update --help`)');
    const suite = await resolveInProject(client, 'suites', ref, await projectOption(options));
    output.print(await client.request('PUT', `/api/v1/suites/${suite.id}`, { json: body }), { columns: FIELDS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const remove = {
  name: 'suites delete',
  summary: 'Delete a suite and its runs (admin)',
  usage: 'qatron suites delete SUITE [--project PROJECT]',
  examples: ['qatron suites delete smoke --project shop'],
  options: PROJECT,
  needsAuth: true,
  async run({ args, options, client, output }) {
    const ref = oneArg(args, 'SUITE', 'suites delete');
    const suite = await resolveInProject(client, 'suites', ref, await projectOption(options));
    await client.request('DELETE', `/api/v1/suites/${suite.id}`);
    if (output.structured) output.print({ deleted: true, id: suite.id, name: suite.name });
    else output.note(`Deleted suite ${suite.name} (${suite.id})`);
    return EXIT.OK;
  },
};

export default [list, get, create, update, remove];
