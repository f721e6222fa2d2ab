/**
 * The command contract shared by every `qatron` command module (their default export).
 * Types only: this module has no runtime content.
 */

/**
 * @typedef {{ type: 'string' | 'boolean', short?: string, multiple?: boolean, description: string }} OptionSpec
 */

/**
 * @typedef {object} CommandIO
 * @property {NodeJS.WriteStream} stdout
 * @property {NodeJS.WriteStream} stderr
 * @property {NodeJS.ReadStream} stdin
 * @property {boolean} isTTY true when stdin and stderr are terminals (prompts and progress bars may be used)
 */

/**
 * @typedef {object} CommandContext
 * @property {string[]} args positional arguments after the command name
 * @property {Record<string, any>} options parsed options, global ones included (`output`, `url`, `token`)
 * @property {import('./client.js').ApiClient} client
 * @property {import('./config.js').CliConfig} config
 * @property {import('./output.js').Output} output
 * @property {CommandIO} io
 * @property {Record<string, string | undefined>} env
 */

/**
 * @typedef {object} Command
 * @property {string} name one word (`run`) or two for sub-commands (`projects list`)
 * @property {string} summary one line for `qatron --help`
 * @property {string} usage e.g. `qatron projects get PROJECT`
 * @property {string[]} examples
 * @property {Record<string, OptionSpec>} [options]
 * @property {boolean} [needsAuth] refuse to run (exit 3) without a token
 * @property {(ctx: CommandContext) => Promise<number>} run resolves to the exit code
 */

export {};
