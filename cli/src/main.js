import { parseArgs } from 'node:util';
import { ApiClient } from './client.js';
import { commands } from './commands/index.js';
import { loadConfig } from './config.js';
import { CliError, EXIT, UsageError } from './errors.js';
import { Output, parseOutputFormat } from './output.js';

/** @typedef {import('./types.js').Command} Command */
/** @typedef {import('./types.js').OptionSpec} OptionSpec */

/** Options every command accepts. */
/** @type {Record<string, OptionSpec>} */
export const GLOBAL_OPTIONS = {
  output: { type: 'string', description: 'Output format: table (default), json or yaml' },
  url: { type: 'string', description: 'API URL (default: QATRON_API_URL, then the URL you logged in to)' },
  token: { type: 'string', description: 'API token (default: QATRON_SERVICE_TOKEN, QATRON_TOKEN, then the stored login)' },
  help: { type: 'boolean', short: 'h', description: 'Show help for the command' },
};

const VERSION = '0.1.0';

/**
 * @typedef {object} MainIO
 * @property {NodeJS.WriteStream} stdout
 * @property {NodeJS.WriteStream} stderr
 * @property {NodeJS.ReadStream} stdin
 */

/**
 * Runs `qatron ARGS` and resolves to the exit code; errors are printed as one line on stderr.
 * @param {string[]} argv
 * @param {Record<string, string | undefined>} env
 * @param {MainIO} [io]
 * @returns {Promise<number>}
 */
export async function main(argv, env, io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }) {
  try {
    return await dispatch(argv, env, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`qatron: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`qatron: ${err instanceof Error ? (env.QATRON_DEBUG ? err.stack : err.message) : String(err)}\n`);
    return EXIT.ERROR;
  }
}

/**
 * Finds the command named by the first one or two words of `argv`.
 * @param {string[]} argv
 * @returns {{ command: Command, rest: string[] } | { group: string, rest: string[] } | null}
 */
export function findCommand(argv) {
  const [first, second] = argv;
  if (!first || first.startsWith('-')) return null;
  const pair = commands.find((c) => c.name === `${first} ${second}`);
  if (pair) return { command: pair, rest: argv.slice(2) };
  const single = commands.find((c) => c.name === first);
  if (single) return { command: single, rest: argv.slice(1) };
  if (commands.some((c) => c.name.startsWith(`${first} `))) return { group: first, rest: argv.slice(1) };
  return null;
}

/**
 * @param {string[]} argv
 * @param {Record<string, string | undefined>} env
 * @param {MainIO} io
 */
async function dispatch(argv, env, io) {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    if (argv[0] === 'help' && argv.length > 1) return dispatch([...argv.slice(1), '--help'], env, io);
    io.stdout.write(globalHelp());
    return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
  }
  if (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version') {
    io.stdout.write(`qatron ${VERSION}\n`);
    return EXIT.OK;
  }
  const found = findCommand(argv);
  if (!found) throw new UsageError(`unknown command "${argv[0]}": run \`qatron --help\` for the list`);
  if ('group' in found) {
    const wantsHelp = found.rest.length === 0 || found.rest[0] === '--help' || found.rest[0] === '-h';
    if (wantsHelp) {
      io.stdout.write(groupHelp(found.group));
      return found.rest.length === 0 ? EXIT.USAGE : EXIT.OK;
    }
    throw new UsageError(`unknown command "${found.group} ${found.rest[0]}": run \`qatron ${found.group} --help\``);
  }
  const { command, rest } = found;
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  /** @type {{ values: Record<string, any>, positionals: string[] }} */
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err);
    throw new UsageError(`${message.replace(/\.$/, '')}; run \`qatron ${command.name} --help\``);
  }
  if (parsed.values.help) {
    io.stdout.write(commandHelp(command));
    return EXIT.OK;
  }
  const format = parseOutputFormat(parsed.values.output);
  const config = await loadConfig({ url: parsed.values.url, token: parsed.values.token }, env);
  if (command.needsAuth) {
    if (!config.url) throw new UsageError('not logged in: run `qatron login --url URL` (or set QATRON_API_URL and QATRON_SERVICE_TOKEN)');
    if (!config.token) throw new UsageError(`not logged in to ${config.url}: run \`qatron login --url ${config.url}\` (or set QATRON_SERVICE_TOKEN)`);
  }
  const client = new ApiClient({ url: config.url, token: config.token, userAgent: `qatron-cli/${VERSION}` });
  const output = new Output(format, io.stdout, io.stderr);
  return command.run({
    args: parsed.positionals,
    options: parsed.values,
    client,
    config,
    output,
    io: { ...io, isTTY: Boolean(io.stdin.isTTY && io.stderr.isTTY) },
    env,
  });
}

/** The command list of `qatron --help`. */
export function globalHelp() {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'qatron: the QAtron command-line client',
    '',
    'Usage: qatron COMMAND [SUBCOMMAND] [ARGS] [OPTIONS]',
    '',
    'Commands:',
    ...lines,
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Exit codes: 0 ok; 1 run failed, partially failed or missed its threshold; 2 run timed out,',
    'failed on infrastructure or was cancelled; 3 usage or authentication error; 4 other API or network error.',
    '',
    'Run `qatron COMMAND --help` for the options and examples of a command.',
    '',
  ].join('\n');
}

/** @param {string} group */
function groupHelp(group) {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...members.map((c) => c.name.length));
  return [`Usage: qatron ${group} COMMAND`, '', 'Commands:', ...members.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), '', `Run \`qatron ${group} COMMAND --help\` for details.`, ''].join('\n');
}

/** @param {Command} command */
export function commandHelp(command) {
  const own = command.options ?? {};
  return [
    command.summary,
    '',
    `Usage: ${command.usage}`,
    ...(Object.keys(own).length ? ['', 'Options:', ...optionLines(own)] : []),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    ...(command.examples.length ? ['', 'Examples:', ...command.examples.map((e) => `  ${e}`)] : []),
    '',
  ].join('\n');
}

/** @param {Record<string, OptionSpec>} options */
function optionLines(options) {
  const entries = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` ${name.toUpperCase().replace(/-/g, '_')}` : ''}`;
    return /** @type {const} */ ([flag, `${spec.description}${spec.multiple ? ' (repeatable)' : ''}`]);
  });
  const width = Math.max(...entries.map(([flag]) => flag.length));
  return entries.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}
