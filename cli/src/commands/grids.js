import { CliError, EXIT, UsageError } from '../errors.js';
import { isId, listAll, noArgs, oneArg } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */
/** @typedef {import('../output.js').Output} Output */

/** How many of a Grid's outages `grids show` lists, newest first. */
const SHOWN_OUTAGES = 10;

/**
 * `4 s ago`, `3 min ago`, `2 h ago`, `5 d ago`; `never` without a time.
 * @param {string | null | undefined} iso
 * @param {Date} [now]
 */
export function ago(iso, now = new Date()) {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/**
 * A duration in words: `45 s`, `12 min 5 s`, `3 h 20 min`.
 * @param {number | null | undefined} seconds
 */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  return `${Math.floor(whole / 3600)} h ${Math.floor((whole % 3600) / 60)} min`;
}

/**
 * The browsers a Grid offers as `chrome 156.0 (2)`: name, version and how many slots run it.
 * @param {any} grid
 */
export function browsersOf(grid) {
  const browsers = grid.check?.health?.browsers ?? [];
  return browsers.map((/** @type {any} */ b) => `${b.name}${b.version ? ` ${b.version}` : ''} (${b.slots_total})`).join(', ');
}

/**
 * `1/2` free of total slots, from the last check that reached the Grid.
 * @param {any} grid
 */
export function slotsOf(grid) {
  const health = grid.check?.health;
  return health ? `${health.slots_free}/${health.slots_total}` : '';
}

const COLUMNS = [
  'id',
  'name',
  'status',
  { header: 'SLOTS FREE', value: slotsOf },
  { header: 'BROWSERS', value: browsersOf },
  { header: 'LAST CHECK', value: (/** @type {any} */ g) => ago(g.check?.checked_at) },
  'url',
];

const FIELDS = [
  'id',
  'name',
  'url',
  'status',
  { header: 'READY', value: (/** @type {any} */ g) => g.check?.health?.ready },
  { header: 'MESSAGE', value: (/** @type {any} */ g) => g.check?.health?.message },
  { header: 'NODES UP', value: (/** @type {any} */ g) => (g.check?.health ? `${g.check.health.nodes_up}/${g.check.health.nodes}` : '') },
  { header: 'SLOTS FREE', value: slotsOf },
  { header: 'BROWSERS', value: browsersOf },
  { header: 'VERSION', value: (/** @type {any} */ g) => g.check?.health?.version },
  { header: 'LAST CHECK', value: (/** @type {any} */ g) => (g.check ? `${ago(g.check.checked_at)} (${g.check.checked_at})` : 'never') },
  { header: 'CHECK ERROR', value: (/** @type {any} */ g) => g.check?.error },
  'created_at',
];

/**
 * How long an outage lasted; an ongoing one, how long so far.
 * @param {any} outage
 * @param {Date} [now]
 */
export function outageDuration(outage, now = new Date()) {
  if (outage.ended_at) return duration(outage.duration_seconds);
  return `${duration(Math.max(0, (now.getTime() - new Date(outage.started_at).getTime()) / 1000))} so far`;
}

const OUTAGE_COLUMNS = [
  { header: 'STARTED', key: 'started_at' },
  { header: 'ENDED', value: (/** @type {any} */ o) => o.ended_at ?? 'ongoing' },
  { header: 'DURATION', value: (/** @type {any} */ o) => outageDuration(o) },
  'reason',
];

/**
 * A Grid by id or by name (exactly; else the only case-insensitive match).
 * @param {import('../client.js').ApiClient} client
 * @param {string} ref
 */
async function resolveGrid(client, ref) {
  if (isId(ref)) {
    const resource = await client.request('GET', `/api/v1/infrastructure/${ref}`);
    if (resource.kind !== 'grid') throw new CliError(`infrastructure resource ${ref} is a ${resource.kind}, not a Selenium Grid`, EXIT.ERROR);
    return resource;
  }
  const grids = await listAll(client, '/api/v1/infrastructure', { kind: 'grid' });
  const exact = grids.filter((g) => g.name === ref);
  const found = exact.length === 1 ? exact : grids.filter((g) => String(g.name).toLowerCase() === ref.toLowerCase());
  if (found.length !== 1) throw new CliError(`Selenium Grid "${ref}" not found (see \`qatron grids list\`)`, EXIT.ERROR);
  return found[0];
}

/**
 * One line on what the last check found: `online, 1/2 slots free (chrome 156.0 (2))` or
 * `unhealthy: connection refused`.
 * @param {any} grid
 */
export function healthLine(grid) {
  if (grid.check?.error) return `${grid.status}: ${grid.check.error}`;
  const slots = grid.check?.health ? `, ${slotsOf(grid)} slots free` : '';
  const browsers = browsersOf(grid);
  return `${grid.status}${slots}${browsers ? ` (${browsers})` : ''}`;
}

/**
 * Prints a Grid just checked: the resource with json/yaml (and, when it is unhealthy, a line on
 * stderr saying so), else one line with its health.
 * @param {Output} output
 * @param {any} grid
 * @param {string} verb e.g. `Registered`
 */
function printChecked(output, grid, verb) {
  if (!output.structured) output.note(`${verb} Selenium Grid ${grid.name} (id ${grid.id}): ${healthLine(grid)}`);
  else {
    output.print(grid);
    if (grid.status === 'unhealthy') output.note(`Selenium Grid ${grid.name} is unhealthy: ${grid.check?.error ?? 'see its last check'}`);
  }
}

/** @type {Command} */
const add = {
  name: 'grids add',
  summary: 'Register a Selenium Grid by URL and check it at once (admin); exit 0 even when it is unhealthy',
  usage: 'qatron grids add NAME URL',
  examples: ['qatron grids add local http://localhost:4444', 'qatron grids add ci-grid http://selenium-hub:4444 --output json'],
  needsAuth: true,
  async run({ args, client, output }) {
    if (args.length !== 2) throw new UsageError(`${args.length < 2 ? `missing ${args.length === 0 ? 'NAME' : 'URL'}` : `unexpected argument "${args[2]}"`}: usage \`qatron grids add NAME URL\``);
    const [name, url] = /** @type {[string, string]} */ (args);
    const grid = await client.request('POST', '/api/v1/infrastructure', { json: { name, kind: 'grid', url } });
    printChecked(output, grid, 'Registered');
    return EXIT.OK;
  },
};

/** @type {Command} */
const list = {
  name: 'grids list',
  summary: 'List the registered Selenium Grids with their health, free slots and browsers',
  usage: 'qatron grids list',
  examples: ['qatron grids list', 'qatron grids list --output json'],
  needsAuth: true,
  async run({ args, client, output }) {
    noArgs(args, 'grids list');
    const grids = await listAll(client, '/api/v1/infrastructure', { kind: 'grid' });
    output.print(grids, { columns: COLUMNS });
    if (!output.structured) for (const grid of grids) if (grid.check?.error) output.note(`${grid.name}: ${grid.check.error}`);
    return EXIT.OK;
  },
};

/** @type {Command} */
const show = {
  name: 'grids show',
  summary: `Show a Selenium Grid: its last check, slots and browsers, and its last ${SHOWN_OUTAGES} outages`,
  usage: 'qatron grids show GRID',
  examples: ['qatron grids show local', 'qatron grids show 3 --output json'],
  needsAuth: true,
  async run({ args, client, output }) {
    const grid = await resolveGrid(client, oneArg(args, 'GRID', 'grids show'));
    const outages = await client.request('GET', `/api/v1/infrastructure/${grid.id}/outages`, { query: { limit: SHOWN_OUTAGES, offset: 0 } });
    if (output.structured) {
      output.print({ ...grid, outages: outages.items, outages_total: outages.total });
      return EXIT.OK;
    }
    output.print(grid, { columns: FIELDS });
    if (outages.total === 0) output.note('\nNo outage recorded.');
    else {
      output.note(`\nOutages (${outages.items.length < outages.total ? `the last ${outages.items.length} of ${outages.total}` : outages.total}, newest first):`);
      output.print(outages.items, { columns: OUTAGE_COLUMNS });
    }
    return EXIT.OK;
  },
};

/** @type {Command} */
const check = {
  name: 'grids check',
  summary: "Check a Selenium Grid now rather than at the next poll (admin); exit 0 even when it is unhealthy",
  usage: 'qatron grids check GRID',
  examples: ['qatron grids check local'],
  needsAuth: true,
  async run({ args, client, output }) {
    const grid = await resolveGrid(client, oneArg(args, 'GRID', 'grids check'));
    printChecked(output, await client.request('POST', `/api/v1/infrastructure/${grid.id}/check`), 'Checked');
    return EXIT.OK;
  },
};

/** @type {Command} */
const remove = {
  name: 'grids remove',
  summary: 'Forget a Selenium Grid (admin)',
  usage: 'qatron grids remove GRID',
  examples: ['qatron grids remove old-grid'],
  needsAuth: true,
  async run({ args, client, output }) {
    const grid = await resolveGrid(client, oneArg(args, 'GRID', 'grids remove'));
    await client.request('DELETE', `/api/v1/infrastructure/${grid.id}`);
    if (output.structured) output.print({ deleted: true, id: grid.id, name: grid.name });
    else output.note(`Removed Selenium Grid ${grid.name} (id ${grid.id})`);
    return EXIT.OK;
  },
};

export default [add, list, show, check, remove];
