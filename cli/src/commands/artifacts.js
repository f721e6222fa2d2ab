import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CliError, EXIT, UsageError } from '../errors.js';
import { isId, listAll, oneArg } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */

const KINDS = ['report', 'coverage', 'junit', 'logs', 'all'];

/** @param {string} value */
function runId(value) {
  if (!isId(value)) throw new UsageError(`RUN must be a run id, not "${value}"`);
  return Number(value);
}

/** @param {number} bytes */
function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** @type {Command} */
const list = {
  name: 'artifacts list',
  summary: "List a run's artifacts (reports, coverage, JUnit XML, logs)",
  usage: 'qatron artifacts list RUN',
  examples: ['qatron artifacts list 42', 'qatron artifacts list 42 --output json'],
  needsAuth: true,
  async run({ args, client, output }) {
    const id = runId(oneArg(args, 'RUN', 'artifacts list'));
    const artifacts = await listAll(client, `/api/v1/runs/${id}/artifacts`);
    output.print(artifacts, {
      columns: ['id', 'kind', 'name', { header: 'SHARD', key: 'shard_index' }, { header: 'SIZE', value: (a) => size(a.size_bytes) }, 'created_at'],
    });
    return EXIT.OK;
  },
};

/** @type {Command} */
const download = {
  name: 'artifacts download',
  summary: "Download a run's artifacts as a zip, optionally extracted (FR-CLI-04)",
  usage: 'qatron artifacts download RUN [--kind report|coverage|junit|logs|all] [-o DIR] [--extract]',
  examples: ['qatron artifacts download 42', 'qatron artifacts download 42 --kind report -o out --extract', 'qatron artifacts download 42 --kind coverage --output json'],
  options: {
    kind: { type: 'string', short: 'k', description: 'report, coverage, junit, logs or all (default all)' },
    'output-dir': { type: 'string', short: 'o', description: 'Directory to save into (default: the current one)' },
    extract: { type: 'boolean', short: 'x', description: 'Unzip into DIR/run-RUN-KIND/ (needs the unzip program)' },
  },
  needsAuth: true,
  async run({ args, options, client, output }) {
    const id = runId(oneArg(args, 'RUN', 'artifacts download'));
    const kind = options.kind ?? 'all';
    if (!KINDS.includes(kind)) throw new UsageError(`--kind must be one of ${KINDS.join(', ')}, not "${kind}"`);
    const dir = resolve(options['output-dir'] ?? '.');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `run-${id}-${kind}.zip`);
    const { bytes } = await client.download(`/api/v1/runs/${id}/artifacts/download?kind=${encodeURIComponent(kind)}`, file);
    /** @type {string | null} */
    let extracted = null;
    if (options.extract) {
      extracted = join(dir, `run-${id}-${kind}`);
      await unzip(file, extracted);
    }
    if (output.structured) output.print({ run_id: id, kind, file, size_bytes: bytes, extracted_to: extracted });
    else output.note(`Saved ${file} (${size(bytes)})${extracted ? `, extracted to ${extracted}` : ''}`);
    return EXIT.OK;
  },
};

/**
 * Extracts with the system's `unzip` (keeps the CLI free of dependencies).
 * @param {string} file
 * @param {string} dir
 */
function unzip(file, dir) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('unzip', ['-o', '-q', file, '-d', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (err) => {
      const missing = /** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT';
      reject(new CliError(missing ? `saved ${file}, but cannot extract it: the unzip program is not installed` : `unzip failed: ${err.message}`, EXIT.ERROR));
    });
    child.on('close', (code) => (code === 0 ? resolvePromise(undefined) : reject(new CliError(`unzip of ${file} failed: ${stderr.trim().split('\n')[0] ?? `exit ${code}`}`, EXIT.ERROR))));
  });
}

export default [list, download];
