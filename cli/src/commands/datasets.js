import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { CliError, EXIT, UsageError } from '../errors.js';
import { defined, isId, listAll, noArgs, oneArg, projectOption, resolveProject } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */

const COLUMNS = ['id', 'name', { header: 'PROJECT', key: 'project_id' }, { header: 'LATEST', key: 'latest' }, 'description'];
const VERSION_COLUMNS = ['version', 'file_name', 'checksum', { header: 'VALIDATION', key: 'validation_status' }, 'created_at'];

/** What the server stores a file as, by its extension (the framework reads it by the same). */
const CONTENT_TYPES = /** @type {Record<string, string>} */ ({
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.txt': 'text/plain',
  '.xml': 'application/xml',
});

/**
 * A dataset by id or exact name.
 * @param {import('../client.js').ApiClient} client
 * @param {string} ref
 */
async function resolveDataset(client, ref) {
  if (isId(ref)) return client.request('GET', `/api/v1/datasets/${ref}`);
  const found = (await listAll(client, '/api/v1/datasets')).filter((d) => d.name === ref);
  if (found.length !== 1) throw new CliError(`dataset "${ref}" not found`, EXIT.ERROR);
  return client.request('GET', `/api/v1/datasets/${found[0].id}`);
}

/** @type {Command} */
const list = {
  name: 'datasets list',
  summary: 'List test datasets with their newest version (FR-DATA-01)',
  usage: 'qatron datasets list [--project PROJECT]',
  examples: ['qatron datasets list', 'qatron datasets list --project shop --output json'],
  options: { project: { type: 'string', description: "Only the datasets a project may use: its own and the shared ones" } },
  needsAuth: true,
  async run({ args, options, client, output }) {
    noArgs(args, 'datasets list');
    const projectRef = await projectOption(options);
    const query = projectRef ? { project_id: (await resolveProject(client, projectRef)).id } : {};
    const items = await listAll(client, '/api/v1/datasets', query);
    output.print(output.structured ? items : items.map((d) => ({ ...d, latest: d.latest_version?.version ?? '' })), { columns: COLUMNS });
    return EXIT.OK;
  },
};

/** @type {Command} */
const get = {
  name: 'datasets get',
  summary: 'Show a dataset and its versions, newest first',
  usage: 'qatron datasets get DATASET',
  examples: ['qatron datasets get customers', 'qatron datasets get 2 --output json'],
  needsAuth: true,
  async run({ args, client, output }) {
    const dataset = await resolveDataset(client, oneArg(args, 'DATASET', 'datasets get'));
    if (output.structured) output.print(dataset);
    else {
      output.note(`${dataset.name} (id ${dataset.id}${dataset.project_id ? `, project ${dataset.project_id}` : ', shared'})${dataset.description ? `: ${dataset.description}` : ''}`);
      output.print(dataset.versions, { columns: VERSION_COLUMNS });
    }
    return EXIT.OK;
  },
};

/** @type {Command} */
const create = {
  name: 'datasets create',
  summary: 'Register a dataset for a project, or shared by the organization (user)',
  usage: 'qatron datasets create --name NAME [--project PROJECT] [--description TEXT]',
  examples: ['qatron datasets create --name customers --project shop', 'qatron datasets create --name currencies --description "ISO 4217 codes"'],
  options: {
    name: { type: 'string', description: 'Unique in the organization' },
    project: { type: 'string', description: 'The owning project (default: shared by every project)' },
    description: { type: 'string', description: 'Free text' },
  },
  needsAuth: true,
  async run({ args, options, client, output }) {
    noArgs(args, 'datasets create');
    if (!options.name) throw new UsageError('missing --name');
    const projectId = options.project ? (await resolveProject(client, options.project)).id : null;
    const created = await client.request('POST', '/api/v1/datasets', { json: defined({ name: options.name, description: options.description, project_id: projectId }) });
    if (output.structured) output.print(created);
    else output.note(`Created dataset ${created.name} (id ${created.id})`);
    return EXIT.OK;
  },
};

/** @type {Command} */
const upload = {
  name: 'datasets upload',
  summary: 'Upload a file as a new, immutable version of a dataset; runs pin the newest (user)',
  usage: 'qatron datasets upload DATASET FILE --version VERSION',
  examples: ['qatron datasets upload customers data/customers.csv --version v3', 'qatron datasets upload 2 users.json --version 2026-12-04'],
  options: { version: { type: 'string', description: 'Version label: letters, digits, dots, dashes, underscores' } },
  needsAuth: true,
  async run({ args, options, client, output }) {
    if (args.length !== 2) throw new UsageError('usage: `qatron datasets upload DATASET FILE --version VERSION`');
    if (!options.version) throw new UsageError('missing --version');
    const [ref, file] = /** @type {[string, string]} */ (args);
    let data;
    try {
      data = await readFile(file);
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${/** @type {NodeJS.ErrnoException} */ (err).code ?? String(err)}`);
    }
    const dataset = await resolveDataset(client, ref);
    const contentType = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const version = await client.request('PUT', `/api/v1/datasets/${dataset.id}/versions/${encodeURIComponent(options.version)}`, {
      raw: { data, contentType },
      query: { file_name: basename(file) },
    });
    if (output.structured) output.print(version);
    else output.note(`Uploaded ${dataset.name} ${version.version} (${version.file_name}, ${version.checksum})`);
    return EXIT.OK;
  },
};

/**
 * One line for a failed expectation: what it is and what GE found.
 * @param {{ type: string, kwargs: Record<string, unknown>, exception?: string, unexpected_count?: number, partial_unexpected_list?: unknown[], observed_value?: unknown }} result
 */
export function failedExpectationLine(result) {
  const args = Object.keys(result.kwargs ?? {}).length > 0 ? ` ${JSON.stringify(result.kwargs)}` : '';
  let found = 'failed';
  if (result.exception) found = `error: ${result.exception}`;
  else if (result.unexpected_count !== undefined) {
    const examples = (result.partial_unexpected_list ?? []).slice(0, 5).map((value) => JSON.stringify(value));
    found = `${result.unexpected_count} unexpected${examples.length > 0 ? ` (${examples.join(', ')}${result.unexpected_count > examples.length ? ', …' : ''})` : ''}`;
  } else if (result.observed_value !== undefined) found = `observed ${JSON.stringify(result.observed_value)}`;
  return `  ✗ ${result.type}${args}: ${found}`;
}

/** @type {Command} */
const validate = {
  name: 'datasets validate',
  summary: 'Validate a version with Great Expectations against an expectation suite (FR-DATA-02); exit 0 passed, 1 failed (user)',
  usage: 'qatron datasets validate DATASET VERSION [--expectations FILE.json]',
  examples: ['qatron datasets validate customers v3 --expectations customers.suite.json', 'qatron datasets validate customers v4'],
  options: {
    expectations: {
      type: 'string',
      description: "A suite in Great Expectations' JSON format ({\"expectations\": [{\"type\": \"expect_…\", \"kwargs\": {…}}]}); default: the version's stored suite, else the newest earlier version's",
    },
  },
  needsAuth: true,
  async run({ args, options, client, output }) {
    if (args.length !== 2) throw new UsageError('usage: `qatron datasets validate DATASET VERSION [--expectations FILE.json]`');
    const [ref, label] = /** @type {[string, string]} */ (args);
    /** @type {unknown} */
    let suite;
    if (options.expectations) {
      let text;
      try {
        text = await readFile(options.expectations, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${options.expectations}: ${/** @type {NodeJS.ErrnoException} */ (err).code ?? String(err)}`);
      }
      try {
        suite = JSON.parse(text);
      } catch (err) {
        throw new UsageError(`${options.expectations} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const dataset = await resolveDataset(client, ref);
    const version = await client.request('POST', `/api/v1/datasets/${dataset.id}/versions/${encodeURIComponent(label)}/validate`, {
      json: suite === undefined ? {} : { expectations: suite },
    });
    const status = version.validation_status;
    if (output.structured) output.print(version);
    const report = version.validation_report;
    if (status === 'pending') {
      output.note(`${dataset.name} ${version.version}: still validating; see \`qatron datasets get ${dataset.name}\``);
      return EXIT.INCOMPLETE;
    }
    if (!output.structured) {
      const counts = report ? ` (${report.successful} of ${report.evaluated} expectations met)` : '';
      output.note(`${dataset.name} ${version.version}: ${status}${counts}`);
      if (report?.error) output.note(`  ✗ ${report.error}`);
      for (const result of report?.results ?? []) if (!result.success) output.note(failedExpectationLine(result));
    }
    return status === 'passed' ? EXIT.OK : EXIT.FAILED;
  },
};

export default [list, get, create, upload, validate];
