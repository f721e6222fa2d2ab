import { resolve } from 'node:path';
import { EXIT, UsageError } from '../errors.js';
import { PROJECT_FILE, ProjectFileError, readProjectFile } from '../project-file.js';
import { listAll } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */
/** @typedef {import('../types.js').CommandContext} CommandContext */
/** @typedef {import('../project-file.js').ProjectFile} ProjectFile */
/** @typedef {import('../project-file.js').EnvironmentSpec} EnvironmentSpec */
/** @typedef {{ request(method: string, path: string, options?: { json?: unknown, query?: Record<string, any> }): Promise<any> }} Client */

/**
 * What apply did (or, with `dryRun`, would do) to one resource.
 * @typedef {object} AppliedResource
 * @property {'project' | 'environment' | 'suite'} resource
 * @property {string} name
 * @property {'created' | 'updated' | 'unchanged'} action
 * @property {number | null} id null for a resource a dry run would create
 * @property {string[]} changed the fields sent in the update (all given fields on creation)
 */

/**
 * @typedef {object} ApplyOptions
 * @property {boolean} [dryRun] compare only: no POST or PUT
 * @property {(result: AppliedResource) => void} [onResult] called as each resource is done
 */

/**
 * Creates or updates the project of `file`, then its environments and its suites, matched by
 * name (FR-CLI-02, issue 5). Idempotent: a resource whose given fields already have the file's
 * values is left alone, and an update sends only the fields that differ, so the server's
 * `updated_at` and audit trail record real changes only. Nothing the file does not name is
 * deleted, and fields the file leaves out keep their value on the server.
 * @param {Client} client
 * @param {Pick<ProjectFile, 'project' | 'environments' | 'suites'>} file
 * @param {ApplyOptions} [options]
 * @returns {Promise<AppliedResource[]>}
 * @throws {import('../client.js').ApiError} when the API refuses a request; what was applied
 *   before it stays applied (every step is idempotent, so fix the file and apply again)
 */
export async function applyProjectFile(client, file, options = {}) {
  /** @type {AppliedResource[]} */
  const results = [];
  /** @param {AppliedResource} result */
  const report = (result) => {
    results.push(result);
    options.onResult?.(result);
  };

  // Grid names are resolved before anything is written, so an unknown one changes nothing.
  const environmentBodies = await environmentsWithGridIds(client, file.environments);
  const candidates = await listAll(/** @type {any} */ (client), '/api/v1/projects', { q: file.project.name });
  const existing = candidates.find((project) => project.name === file.project.name);
  const project = await upsert(client, {
    resource: 'project',
    name: file.project.name,
    existing,
    desired: file.project,
    createPath: '/api/v1/projects',
    updatePath: (id) => `/api/v1/projects/${id}`,
    dryRun: options.dryRun,
  });
  report(project);

  const projectId = project.id;
  const environments = projectId === null ? [] : await listAll(/** @type {any} */ (client), `/api/v1/projects/${projectId}/environments`);
  for (const environment of environmentBodies) {
    report(
      await upsert(client, {
        resource: 'environment',
        name: environment.name,
        existing: environments.find((e) => e.name === environment.name),
        desired: environment,
        createPath: `/api/v1/projects/${projectId}/environments`,
        updatePath: (id) => `/api/v1/environments/${id}`,
        dryRun: options.dryRun,
      }),
    );
  }

  const suites = projectId === null ? [] : await listAll(/** @type {any} */ (client), `/api/v1/projects/${projectId}/suites`);
  for (const suite of file.suites) {
    report(
      await upsert(client, {
        resource: 'suite',
        name: suite.name,
        existing: suites.find((s) => s.name === suite.name),
        desired: suite,
        createPath: `/api/v1/projects/${projectId}/suites`,
        updatePath: (id) => `/api/v1/suites/${id}`,
        dryRun: options.dryRun,
      }),
    );
  }
  return results;
}

/**
 * The environments as the API takes them: a `grid` name becomes the `grid_id` of the Selenium Grid
 * registered under it (`grid: null` unsets it; no `grid` leaves the environment's Grid alone).
 * @param {Client} client
 * @param {EnvironmentSpec[]} environments
 * @returns {Promise<(Omit<EnvironmentSpec, 'grid'> & { grid_id?: number | null })[]>}
 * @throws {UsageError} naming the environment and the Grid when no Grid has that name
 */
async function environmentsWithGridIds(client, environments) {
  const named = environments.some((e) => typeof e.grid === 'string');
  const grids = named ? await listAll(/** @type {any} */ (client), '/api/v1/infrastructure', { kind: 'grid' }) : [];
  return environments.map(({ grid, ...environment }) => {
    if (grid === undefined) return environment;
    if (grid === null) return { ...environment, grid_id: null };
    const match = grids.find((g) => g.name === grid) ?? grids.find((g) => String(g.name).toLowerCase() === grid.toLowerCase());
    if (!match) {
      throw new UsageError(`environment ${environment.name}: no Selenium Grid is registered as "${grid}" (see \`qatron grids list\`, or register it with \`qatron grids add ${grid} URL\`)`);
    }
    return { ...environment, grid_id: match.id };
  });
}

/**
 * @param {Client} client
 * @param {{ resource: AppliedResource['resource'], name: string, existing: any, desired: object, createPath: string, updatePath: (id: number) => string, dryRun?: boolean }} step
 * @returns {Promise<AppliedResource>}
 */
async function upsert(client, { resource, name, existing, desired, createPath, updatePath, dryRun }) {
  if (!existing) {
    const created = dryRun ? null : await client.request('POST', createPath, { json: desired });
    return { resource, name, action: 'created', id: created ? created.id : null, changed: Object.keys(desired) };
  }
  const changes = changedFields(existing, desired);
  if (Object.keys(changes).length === 0) return { resource, name, action: 'unchanged', id: existing.id, changed: [] };
  if (!dryRun) await client.request('PUT', updatePath(existing.id), { json: changes });
  return { resource, name, action: 'updated', id: existing.id, changed: Object.keys(changes) };
}

/**
 * The fields of `desired` whose value differs from the server's `existing` one.
 * @param {Record<string, any>} existing
 * @param {Record<string, any>} desired
 * @returns {Record<string, unknown>}
 */
export function changedFields(existing, desired) {
  /** @type {Record<string, unknown>} */
  const changes = {};
  for (const [key, value] of Object.entries(desired)) {
    if (value !== undefined && !sameValue(existing[key], value)) changes[key] = value;
  }
  return changes;
}

/**
 * Structural equality of JSON values; maps compare regardless of key order, lists in order.
 * @param {unknown} a
 * @param {unknown} b
 * @returns {boolean}
 */
function sameValue(a, b) {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return (a ?? null) === (b ?? null);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const left = /** @type {Record<string, unknown>} */ (a);
    const right = /** @type {Record<string, unknown>} */ (b);
    const keys = Object.keys(left);
    return keys.length === Object.keys(right).length && keys.every((key) => Object.hasOwn(right, key) && sameValue(left[key], right[key]));
  }
  return false;
}

/**
 * One line per resource: `environment staging: updated (base_url, retention_days)`.
 * @param {AppliedResource} result
 * @param {boolean} [dryRun]
 * @returns {string}
 */
export function describeResult(result, dryRun = false) {
  const action = dryRun && result.action !== 'unchanged' ? `would be ${result.action}` : result.action;
  const fields = result.action === 'updated' ? ` (${result.changed.join(', ')})` : '';
  return `${result.resource.padEnd(11)} ${result.name}: ${action}${fields}`;
}

/**
 * Applies the qatron.yaml at `path`, printing a line per resource as it goes (table output) or
 * the list of results at the end (json/yaml). Shared by `qatron apply` and `qatron init --register`.
 * @param {CommandContext} ctx
 * @param {string} path
 * @param {{ dryRun?: boolean }} [options]
 * @returns {Promise<number>} the exit code
 */
export async function applyFile(ctx, path, options = {}) {
  let file;
  try {
    file = await readProjectFile(path);
  } catch (error) {
    if (!(error instanceof ProjectFileError)) throw error;
    ctx.io.stderr.write(`${error.message.split('\n').map((line) => `qatron: ${line}`).join('\n')}\n`);
    return EXIT.USAGE;
  }
  const structured = ctx.options.output === 'json' || ctx.options.output === 'yaml';
  const dryRun = Boolean(options.dryRun);
  if (dryRun && !structured) ctx.io.stdout.write(`Dry run: comparing ${path} with ${ctx.config?.url ?? 'the server'}; nothing is changed.\n`);
  const results = await applyProjectFile(ctx.client, file, {
    dryRun,
    onResult: structured ? undefined : (result) => ctx.io.stdout.write(`${describeResult(result, dryRun)}\n`),
  });
  if (structured) ctx.output.print(results, { columns: ['resource', 'name', 'action', 'id', 'changed'] });
  return EXIT.OK;
}

/** @type {Command} */
const apply = {
  name: 'apply',
  // "never deletes" is stated because people expect "apply" to converge (and so delete) like kubectl apply.
  summary: 'Create or update the project, its environments and suites from qatron.yaml (never deletes anything)',
  usage: 'qatron apply [--file qatron.yaml] [--dry-run]',
  examples: ['qatron apply', 'qatron apply --dry-run', 'qatron apply --file ci/qatron.yaml --output json'],
  options: {
    file: { type: 'string', short: 'f', description: `The project file (default ${PROJECT_FILE} in the current directory)` },
    'dry-run': { type: 'boolean', description: 'Show what would be created or updated without changing anything' },
  },
  needsAuth: true,
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`apply takes no arguments (got "${ctx.args[0]}"); use --file to name the file`);
    return applyFile(ctx, resolve(ctx.options.file ?? PROJECT_FILE), { dryRun: ctx.options['dry-run'] });
  },
};

export default apply;
