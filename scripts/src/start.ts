/**
 * `npm start`: the whole embedded stack on one machine, with no external service (DESIGN
 * "Processes"): PostgreSQL, the Temporal dev server, a Selenium Grid with Chromium (when the machine
 * has Java), the API (with the Board on its own port) and a worker. DATABASE_URL, TEMPORAL_ADDRESS
 * and QATRON_GRID_URL switch those parts to external services instead.
 * A child that dies is restarted with backoff (embedded/supervisor.ts); Ctrl-C or SIGTERM stops
 * every process in reverse order within 10 s; a SIGKILLed supervisor takes its children with it
 * (embedded/process.ts). All data, and the generated secrets, stay under QATRON_HOME.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connectDatabase, migrate } from '@qatron/domain/db';
import { ConfigError, DefaultCredentialsError, EMBEDDED_DATABASE, embeddedDatabasePasswordFile, loadConfig, seedDefaults, type QatronConfig } from '@qatron/domain';
import { buildAll } from './build.js';
import { ensureDatabase, startEmbeddedPostgres } from './embedded/postgres.js';
import { killAllSupervised, ORPHAN_GUARD, supervise, waitFor } from './embedded/process.js';
import { chromiumMajor, detectGrid, gridSettings, startGrid, type GridSettings } from './embedded/selenium-grid.js';
import { Supervisor, type Running } from './embedded/supervisor.js';
import { REPO_ROOT, startEmbeddedTemporal } from './embedded/temporal.js';

const say = (line: string) => process.stdout.write(`${line}\n`);
/** SIGTERM to gone: every child is stopped within this (issue 13 item 5), SIGKILLed past its share. */
const SHUTDOWN_BUDGET_MS = 9_000;
let logs = '';
let stopping: Promise<never> | undefined;

const supervisor = new Supervisor(
  (line) => say(`QAtron: ${line}`),
  (name) =>
    void logTail(join(logs, `${name}.log`)).then((tail) => {
      say(`QAtron: ${name} keeps dying; stopping. Last lines of ${join(logs, `${name}.log`)}:\n${tail}`);
      return shutdown(1);
    }),
);

function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    say('\nStopping QAtron…');
    await supervisor.stopAll(SHUTDOWN_BUDGET_MS, (name) => say(`  ${name} stopped`));
    process.exit(code);
  })();
  return stopping;
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-15).join('\n');
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  return res.ok;
}

/** Starts a QAtron node process (api or worker) and waits until `ready` (if given) says it serves. */
async function launchNodeProcess(name: string, script: string, args: string[], env: Record<string, string>, ready?: () => Promise<boolean>): Promise<Running> {
  const proc = await supervise(name, process.execPath, ['--import', 'tsx', join(REPO_ROOT, script), ...args], join(logs, `${name}.log`), {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  }, process.stdout);
  if (ready) {
    await waitFor(`${name} (log: ${join(logs, `${name}.log`)})`, ready, 60_000, proc.exited).catch(async (err: unknown) => {
      await proc.stop('SIGTERM', 2_000);
      throw err;
    });
  }
  return { exited: proc.exited, exitStatus: proc.exitStatus, stop: (graceMs) => proc.stop('SIGTERM', graceMs) };
}

/** The embedded PostgreSQL, kept alive; resolves with the database URL (password included). */
async function startPostgres(config: QatronConfig): Promise<string> {
  let url = '';
  await supervisor.start({
    name: 'postgres',
    launch: async () => {
      const pg = await startEmbeddedPostgres({
        dataDir: join(config.home, 'postgres'),
        port: config.database.embeddedPort,
        logFile: join(logs, 'postgres.log'),
        passwordFile: embeddedDatabasePasswordFile(config.home),
        say: (line) => say(`  postgres    ${line}`),
      });
      url = pg.url(EMBEDDED_DATABASE.database);
      await ensureDatabase(pg.url('postgres'), EMBEDDED_DATABASE.database).catch(async (err: unknown) => {
        await pg.stop(2_000);
        throw err;
      });
      return pg;
    },
  });
  say(`  postgres    embedded, 127.0.0.1:${config.database.embeddedPort} (password in ${embeddedDatabasePasswordFile(config.home)})`);
  return url;
}

/** The embedded Temporal dev server, kept alive; resolves with its address and UI URL. */
async function startTemporal(config: QatronConfig): Promise<{ address: string; uiUrl: string | undefined }> {
  let started: { address: string; uiUrl: string | undefined } = { address: '', uiUrl: undefined };
  await supervisor.start({
    name: 'temporal',
    launch: async () => {
      const temporal = await startEmbeddedTemporal({
        dbFile: join(config.home, 'temporal', 'temporal.db'),
        port: config.temporal.port,
        uiPort: config.temporal.uiPort,
        logFile: join(logs, 'temporal.log'),
      });
      started = { address: temporal.address, uiUrl: temporal.uiUrl };
      return temporal;
    },
  });
  say(`  temporal    embedded dev server, ${started.address}`);
  return started;
}

/** A Grid the worker hands to browser tests, and what the banner says about it. */
interface GridInUse {
  readonly url: string;
  readonly name: string;
  readonly description: string;
}

/**
 * The Selenium Grid, kept alive like the other children, when the machine can run one; otherwise
 * one line says why and the stack runs without it (browser tests then have no Grid, the rest works).
 */
async function startSeleniumGrid(config: QatronConfig, settings: GridSettings): Promise<GridInUse | undefined> {
  if (settings.mode === 'off') return void say('  Selenium Grid: off (QATRON_GRID=off)');
  if (settings.mode === 'external') {
    say(`  grid        external, ${settings.url} (QATRON_GRID_URL)`);
    return { url: settings.url, name: settings.name, description: 'external, QATRON_GRID_URL' };
  }
  const detection = await detectGrid(process.env);
  if (!detection.ok) return void say(`  Selenium Grid: not started, ${detection.reason}; running without a Grid (QATRON_GRID=off says this is meant)`);
  const { machine } = detection;
  let startupMs = 0;
  try {
    await supervisor.start({
      name: 'grid',
      launch: async () => {
        const grid = await startGrid({ machine, port: settings.port, sessions: settings.sessions, dir: join(config.home, 'grid'), logFile: join(logs, 'grid.log') });
        startupMs = grid.startupMs;
        return grid;
      },
    });
  } catch (err) {
    return void say(`  Selenium Grid: did not start, ${(err as Error).message.split('\n')[0]}; running without a Grid`);
  }
  const description = `Chromium ${chromiumMajor(machine)}, ${settings.sessions} session${settings.sessions === 1 ? '' : 's'}`;
  say(`  grid        Selenium Grid ${machine.seleniumVersion}, ${description}, ready in ${(startupMs / 1000).toFixed(1)} s (Java ${machine.javaMajor})`);
  return { url: `http://127.0.0.1:${settings.port}`, name: settings.name, description };
}

/**
 * What the worker learns about the Grid: it registers QATRON_GRID_URL as the infrastructure
 * resource QATRON_GRID_NAME, and browser tests of environments that name no Grid get it as
 * SELENIUM_REMOTE_URL, unless the user chose another one.
 */
function workerGridEnv(config: QatronConfig, grid: GridInUse | undefined): Record<string, string> {
  if (!grid) return {};
  return { QATRON_GRID_URL: grid.url, QATRON_GRID_NAME: grid.name, ...(config.worker.seleniumRemoteUrl ? {} : { SELENIUM_REMOTE_URL: grid.url }) };
}

async function main(config: QatronConfig, gridSetting: GridSettings): Promise<void> {
  logs = join(config.home, 'logs');
  await mkdir(logs, { recursive: true });
  say(`QAtron: starting the embedded stack (data in ${config.home})`);
  if (ORPHAN_GUARD !== 'setpriv') say('  (setpriv from util-linux not found: a watchdog process stops the children if this one is killed)');
  // `npm run build` (the Board's static files, the workflow bundle), each part only when its sources
  // changed; it runs while the stores start. The api only serves board/dist.
  const build = buildAll();

  const databaseUrl = config.database.url ?? (await startPostgres(config));
  if (config.database.url) say('  postgres    external (DATABASE_URL)');

  let temporalAddress = config.temporal.address;
  let temporalUi: string | undefined;
  if (!temporalAddress) ({ address: temporalAddress, uiUrl: temporalUi } = await startTemporal(config));
  else say(`  temporal    external, ${temporalAddress}`);
  // Started before the API and the worker, so it stops after them and before Temporal.
  const grid = await startSeleniumGrid(config, gridSetting);

  const orm = await connectDatabase(databaseUrl);
  try {
    const applied = await migrate(orm);
    if (applied.length) say(`  migrations  applied ${applied.length}: ${applied.join(', ')}`);
    const seeded = await seedDefaults(orm.em.fork(), { env: config.env, adminPassword: config.auth.defaultAdminPassword });
    if (seeded.createdAdmin) say(`  first start: created the Default Organization and the admin user`);
  } finally {
    await orm.close();
  }

  const { board, workflows } = await build;
  if (board.outcome === 'failed') say(`  board       build failed${board.servable ? ', serving the previous build' : ''}: ${board.error?.split('\n')[0]}`);
  else say(`  board       ${board.outcome === 'built' ? 'built' : 'build up to date'} (board/dist)`);
  if (workflows.outcome === 'failed') say(`  workflows   bundle build failed (the worker bundles them itself): ${workflows.error?.split('\n')[0]}`);

  // Local repositories (file:// and paths) are refused outside QATRON_LOCAL_REPO_ROOTS. On this
  // one-person stack the user's own clones are under their home directory (`qatron init` in
  // ~/work/shop-tests); QATRON_HOME and the worker directory inside it stay refused regardless.
  const localRepoRoots = config.localRepoRoots ?? [homedir()];
  const env = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, QATRON_HOME: config.home, QATRON_LOCAL_REPO_ROOTS: localRepoRoots.join(':') };
  const apiUrl = `http://${config.api.host}:${config.api.port}`;
  await supervisor.start({ name: 'api', launch: () => launchNodeProcess('api', 'api/src/main.ts', ['--board'], env, () => httpOk(`${apiUrl}/healthz`)) });
  // A worker finishing its activities gets the largest share of the shutdown budget.
  await supervisor.start({ name: 'worker', launch: () => launchNodeProcess('worker', 'worker/src/main.ts', [], { ...env, ...workerGridEnv(config, grid) }), stopWeight: 3 });

  say('');
  say('QAtron is running:');
  say(`  Board        ${config.board.publicUrl}`);
  say(`  API          ${apiUrl}   (OpenAPI: ${apiUrl}/api/v1/openapi.json)`);
  if (temporalUi) say(`  Temporal UI  ${temporalUi}`);
  if (grid) say(`  Selenium Grid ${grid.url}   (${grid.description})`);
  say(`  Data         ${config.home}   (logs in ${logs})`);
  say(`  Local repos  under ${localRepoRoots.join(', ')}${config.localRepoRoots ? '' : ' (default; set QATRON_LOCAL_REPO_ROOTS to change)'}`);
  if (!config.auth.defaultAdminPassword) say('  Sign in      admin / admin  (change it: POST /api/v1/auth/password)');
  say('A part that dies is restarted (said here). Press Ctrl-C to stop.');
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// Whatever ends this process, its children end with it (setpriv's parent-death signal covers SIGKILL).
process.on('exit', () => killAllSupervised());

try {
  await main(loadConfig(process.env), gridSettings(process.env));
} catch (err) {
  if (err instanceof ConfigError || err instanceof DefaultCredentialsError) say(`QAtron cannot start: ${err.message}`);
  else say(`QAtron failed to start: ${(err as Error).stack ?? String(err)}`);
  await shutdown(2);
}
