import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, EXIT, UsageError } from './errors.js';

/** @typedef {import('./client.js').ApiClient} ApiClient */

const PAGE = 200;

/**
 * Every item of a paged list endpoint (`{items, total}`), fetched 200 at a time.
 * @param {ApiClient} client
 * @param {string} path
 * @param {Record<string, string | number | undefined>} [query]
 * @returns {Promise<any[]>}
 */
export async function listAll(client, path, query = {}) {
  /** @type {any[]} */
  const items = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await client.request('GET', path, { query: { ...query, limit: PAGE, offset } });
    items.push(...page.items);
    if (page.items.length < PAGE || items.length >= page.total) return items;
  }
}

/** @param {string} value */
export function isId(value) {
  return /^[1-9][0-9]*$/.test(value);
}

/**
 * The one item named `name` (exactly; else the only case-insensitive match).
 * @param {any[]} items
 * @param {string} name
 * @param {string} what e.g. `project`
 */
function byName(items, name, what) {
  const exact = items.filter((item) => item.name === name);
  if (exact.length === 1) return exact[0];
  const folded = items.filter((item) => String(item.name).toLowerCase() === name.toLowerCase());
  if (folded.length === 1) return folded[0];
  throw new CliError(`${what} "${name}" not found`, EXIT.ERROR);
}

/**
 * A project by id or name (`GET /api/v1/projects?q=`).
 * @param {ApiClient} client
 * @param {string} ref
 */
export async function resolveProject(client, ref) {
  if (isId(ref)) return client.request('GET', `/api/v1/projects/${ref}`);
  return byName(await listAll(client, '/api/v1/projects', { q: ref }), ref, 'project');
}

/**
 * An environment or suite by id, or by name within a project.
 * @param {ApiClient} client
 * @param {'environments' | 'suites'} collection
 * @param {string} ref
 * @param {string | undefined} projectRef
 */
export async function resolveInProject(client, collection, ref, projectRef) {
  if (isId(ref)) return client.request('GET', `/api/v1/${collection}/${ref}`);
  const what = collection === 'suites' ? 'suite' : 'environment';
  if (!projectRef) throw new UsageError(`name the project of ${what} "${ref}" with --project (or give its id)`);
  const project = await resolveProject(client, projectRef);
  const item = byName(await listAll(client, `/api/v1/projects/${project.id}/${collection}`), ref, `${what}`);
  return item;
}

/**
 * The project named in `qatron.yaml` of `dir`: the top-level `project: NAME` or `project: { name: NAME }`
 * (block or flow style). A minimal read of that one key, so the CLI needs no YAML parser.
 * @param {string} dir
 * @returns {Promise<string | null>}
 */
export async function projectFromQatronYaml(dir) {
  let text;
  try {
    text = await readFile(join(dir, 'qatron.yaml'), 'utf8');
  } catch {
    return null;
  }
  return projectNameOf(text);
}

/**
 * @param {string} text the content of a qatron.yaml
 * @returns {string | null}
 */
export function projectNameOf(text) {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const match = /^project\s*:(.*)$/.exec(lines[i] ?? '');
    if (!match) continue;
    const value = stripComment(match[1] ?? '').trim();
    if (value.startsWith('{')) {
      const flow = /(?:^|[{,])\s*name\s*:\s*([^,}]+)/.exec(value);
      return flow?.[1] ? unquote(flow[1].trim()) : null;
    }
    if (value) return unquote(value);
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j] ?? '';
      if (/^\S/.test(line)) break;
      const nested = /^\s+name\s*:(.*)$/.exec(line);
      if (nested) return unquote(stripComment(nested[1] ?? '').trim()) || null;
    }
    return null;
  }
  return null;
}

/** @param {string} value */
function stripComment(value) {
  if (/^\s*["']/.test(value)) return value;
  return value.replace(/\s+#.*$/, '');
}

/** @param {string} value */
function unquote(value) {
  const quoted = /^"(.*)"$|^'(.*)'$/.exec(value);
  if (!quoted) return value;
  return quoted[1] !== undefined ? JSON.parse(`"${quoted[1]}"`) : (quoted[2] ?? '').replace(/''/g, "'");
}

/**
 * `--project`, else the project of ./qatron.yaml.
 * @param {Record<string, any>} options
 * @param {boolean} [required]
 * @returns {Promise<string | undefined>}
 */
export async function projectOption(options, required = false) {
  const project = options.project ?? (await projectFromQatronYaml(process.cwd())) ?? undefined;
  if (!project && required) throw new UsageError('name the project with --project (or run in a directory whose qatron.yaml names it)');
  return project;
}

/**
 * The single positional argument a command needs.
 * @param {string[]} args
 * @param {string} name e.g. `PROJECT`
 * @param {string} commandName
 */
export function oneArg(args, name, commandName) {
  if (args.length === 0) throw new UsageError(`missing ${name}: usage \`qatron ${commandName} ${name}\``);
  if (args.length > 1) throw new UsageError(`unexpected argument "${args[1]}": usage \`qatron ${commandName} ${name}\``);
  return /** @type {string} */ (args[0]);
}

/**
 * @param {string[]} args
 * @param {string} commandName
 */
export function noArgs(args, commandName) {
  if (args.length) throw new UsageError(`unexpected argument "${args[0]}": run \`qatron ${commandName} --help\``);
}

/**
 * An integer option, or undefined when absent.
 * @param {Record<string, any>} options
 * @param {string} name
 * @param {{ nullable?: boolean }} [opts] `none` means null
 * @returns {number | null | undefined}
 */
export function intOption(options, name, opts = {}) {
  const value = options[name];
  if (value === undefined) return undefined;
  if (opts.nullable && value === 'none') return null;
  if (!/^-?[0-9]+$/.test(value)) throw new UsageError(`--${name} must be a whole number${opts.nullable ? ' or none' : ''}, not "${value}"`);
  return Number(value);
}

/**
 * @param {Record<string, any>} options
 * @param {string} name
 * @param {{ nullable?: boolean }} [opts]
 * @returns {number | null | undefined}
 */
export function numberOption(options, name, opts = {}) {
  const value = options[name];
  if (value === undefined) return undefined;
  if (opts.nullable && value === 'none') return null;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new UsageError(`--${name} must be a number${opts.nullable ? ' or none' : ''}, not "${value}"`);
  return number;
}

/**
 * `KEY=VALUE` options as a map.
 * @param {string[] | undefined} values
 * @param {string} name the option, for messages
 * @returns {Record<string, string> | undefined}
 */
export function keyValueOption(values, name) {
  if (!values) return undefined;
  /** @type {Record<string, string>} */
  const map = {};
  for (const entry of values) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new UsageError(`--${name} takes KEY=VALUE, not "${entry}"`);
    map[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return map;
}

/**
 * An object without the undefined values (left-out fields keep their value on update).
 * @template {Record<string, unknown>} T
 * @param {T} body
 * @returns {Partial<T>}
 */
export function defined(body) {
  return /** @type {Partial<T>} */ (Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)));
}
