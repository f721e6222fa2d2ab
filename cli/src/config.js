import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT } from './errors.js';

/**
 * What `qatron login` stores (FR-CLI-01), in `credentials.json` of the config directory, mode 0600.
 * @typedef {{ url: string, token: string, token_type: 'session' | 'service' }} Credentials
 */

/**
 * The effective settings of one invocation: flags > environment > credentials file.
 * @typedef {object} CliConfig
 * @property {string | null} url the API URL, without a trailing slash
 * @property {string | null} token
 * @property {'session' | 'service' | null} tokenType null when unknown (a token from a flag)
 * @property {'flag' | 'env' | 'file' | null} tokenSource
 * @property {string | null} boardUrl where Board links point
 * @property {string} configDir
 * @property {string} credentialsFile
 * @property {Credentials | null} credentials the file's content, if any
 */

/**
 * `$QATRON_CONFIG_DIR`, else `$XDG_CONFIG_HOME/qatron`, else `~/.config/qatron`.
 * @param {Record<string, string | undefined>} env
 */
export function configDir(env) {
  if (env.QATRON_CONFIG_DIR) return env.QATRON_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'qatron');
}

/**
 * @param {string} dir
 * @returns {Promise<Credentials | null>}
 */
export async function readCredentials(dir) {
  let text;
  try {
    text = await readFile(join(dir, 'credentials.json'), 'utf8');
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed.url === 'string' && typeof parsed.token === 'string') {
      return { url: parsed.url, token: parsed.token, token_type: parsed.token_type === 'service' ? 'service' : 'session' };
    }
  } catch {
    // fall through: a damaged file is reported below
  }
  throw new CliError(`${join(dir, 'credentials.json')} is damaged: run \`qatron logout\` and log in again`, EXIT.USAGE);
}

/**
 * Writes the credentials readable by their owner only: the directory 0700, the file 0600, replaced
 * atomically so no reader ever sees half a file.
 * @param {string} dir
 * @param {Credentials} credentials
 * @returns {Promise<string>} the file written
 */
export async function writeCredentials(dir, credentials) {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = join(dir, 'credentials.json');
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
  return file;
}

/**
 * @param {string} dir
 * @returns {Promise<boolean>} whether there was a file
 */
export async function deleteCredentials(dir) {
  const file = join(dir, 'credentials.json');
  try {
    await rm(file);
    return true;
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return false;
    throw err;
  }
}

/** @param {string} url */
export function normalizeUrl(url) {
  return url.trim().replace(/\/+$/, '');
}

/**
 * The Board's URL: `QATRON_BOARD_URL`, else the API URL with port 3000 when the API is on 8000
 * (the local stack), else the API URL itself (one host serving both).
 * @param {string | null} apiUrl
 * @param {Record<string, string | undefined>} env
 */
export function boardUrlOf(apiUrl, env) {
  if (env.QATRON_BOARD_URL) return normalizeUrl(env.QATRON_BOARD_URL);
  if (!apiUrl) return null;
  try {
    const url = new URL(apiUrl);
    if (url.port === '8000') url.port = '3000';
    return normalizeUrl(url.toString());
  } catch {
    return apiUrl;
  }
}

/**
 * Settles URL and token: flags > environment (`QATRON_API_URL`, `QATRON_SERVICE_TOKEN`,
 * `QATRON_TOKEN`) > credentials file. The file's token is only used for the file's URL, so a token
 * is never sent to a server other than the one it was issued by.
 * @param {{ url?: string, token?: string }} flags
 * @param {Record<string, string | undefined>} env
 * @param {Credentials | null} credentials
 * @param {string} dir
 * @returns {CliConfig}
 */
export function resolveConfig(flags, env, credentials, dir) {
  const url = flags.url ? normalizeUrl(flags.url) : env.QATRON_API_URL ? normalizeUrl(env.QATRON_API_URL) : credentials ? normalizeUrl(credentials.url) : null;
  /** @type {Pick<CliConfig, 'token' | 'tokenType' | 'tokenSource'>} */
  let token = { token: null, tokenType: null, tokenSource: null };
  if (flags.token) token = { token: flags.token, tokenType: null, tokenSource: 'flag' };
  else if (env.QATRON_SERVICE_TOKEN) token = { token: env.QATRON_SERVICE_TOKEN, tokenType: 'service', tokenSource: 'env' };
  else if (env.QATRON_TOKEN) token = { token: env.QATRON_TOKEN, tokenType: null, tokenSource: 'env' };
  else if (credentials && url === normalizeUrl(credentials.url)) token = { token: credentials.token, tokenType: credentials.token_type, tokenSource: 'file' };
  return { url, ...token, boardUrl: boardUrlOf(url, env), configDir: dir, credentialsFile: join(dir, 'credentials.json'), credentials };
}

/**
 * @param {{ url?: string, token?: string }} flags
 * @param {Record<string, string | undefined>} env
 * @returns {Promise<CliConfig>}
 */
export async function loadConfig(flags, env) {
  const dir = configDir(env);
  return resolveConfig(flags, env, await readCredentials(dir), dir);
}
