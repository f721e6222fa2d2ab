/**
 * `npm start`: the whole embedded stack on one machine, with no external service (DESIGN
 * "Processes"): PostgreSQL, the Temporal dev server, the API (with the Board on its own port) and
 * a worker. DATABASE_URL or TEMPORAL_ADDRESS switch those parts to external services instead.
 * Ctrl-C stops every process in order; data under QATRON_HOME survives to the next start.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connectDatabase, migrate } from '@qatron/domain/db';
import { ensureBoardBuilt } from '@qatron/api/board';
import { ConfigError, databaseUrlOf, DefaultCredentialsError, EMBEDDED_DATABASE, loadConfig, seedDefaults, type QatronConfig } from '@qatron/domain';
import { ensureDatabase, startEmbeddedPostgres } from './embedded/postgres.js';
import { supervise, waitFor, type Supervised } from './embedded/process.js';
import { REPO_ROOT, startEmbeddedTemporal } from './embedded/temporal.js';

const say = (line: string) => process.stdout.write(`${line}\n`);
const stoppers: { name: string; stop: () => Promise<void> }[] = [];
let shuttingDown = false;

async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    say('\nStopping QAtron…');
    // Reverse start order: worker and API first, the stores they write to last.
    for (const part of stoppers.reverse()) {
      await part.stop().catch((err: unknown) => say(`  ${part.name}: ${(err as Error).message}`));
      say(`  ${part.name} stopped`);
    }
  }
  process.exit(code);
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-15).join('\n');
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  return res.ok;
}

/** Starts a QAtron node process (api or worker) with the resolved external addresses. */
async function startNodeProcess(name: string, script: string, args: string[], env: Record<string, string>, logs: string): Promise<Supervised> {
  const proc = await supervise(name, process.execPath, ['--import', 'tsx', join(REPO_ROOT, script), ...args], join(logs, `${name}.log`), {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  }, process.stdout);
  stoppers.push({ name, stop: () => proc.stop('SIGTERM', 20_000) });
  void proc.exited.then(async (code) => {
    if (shuttingDown) return;
    say(`\n${name} exited unexpectedly (code ${code}); last lines of ${join(logs, `${name}.log`)}:\n${await logTail(join(logs, `${name}.log`))}`);
    await shutdown(1);
  });
  return proc;
}

async function main(config: QatronConfig): Promise<void> {
  const logs = join(config.home, 'logs');
  await mkdir(logs, { recursive: true });
  say(`QAtron: starting the embedded stack (data in ${config.home})`);
  // The Board's static build, rebuilt only when its sources changed; it runs while the stores start.
  const boardBuild = ensureBoardBuilt();

  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: join(config.home, 'postgres'), port: config.database.embeddedPort, logFile: join(logs, 'postgres.log') });
    stoppers.push({ name: 'postgres', stop: pg.stop });
    await ensureDatabase(pg.url('postgres'), EMBEDDED_DATABASE.database);
    databaseUrl = databaseUrlOf(config);
    say(`  postgres    embedded, 127.0.0.1:${pg.port}`);
  } else {
    say('  postgres    external (DATABASE_URL)');
  }

  let temporalAddress = config.temporal.address;
  let temporalUi: string | undefined;
  if (!temporalAddress) {
    const temporal = await startEmbeddedTemporal({
      dbFile: join(config.home, 'temporal', 'temporal.db'),
      port: config.temporal.port,
      uiPort: config.temporal.uiPort,
      logFile: join(logs, 'temporal.log'),
    });
    stoppers.push({ name: 'temporal', stop: temporal.stop });
    temporalAddress = temporal.address;
    temporalUi = temporal.uiUrl;
    say(`  temporal    embedded dev server, ${temporalAddress}`);
  } else {
    say(`  temporal    external, ${temporalAddress}`);
  }

  const orm = await connectDatabase(databaseUrl);
  try {
    const applied = await migrate(orm);
    if (applied.length) say(`  migrations  applied ${applied.length}: ${applied.join(', ')}`);
    const seeded = await seedDefaults(orm.em.fork(), { env: config.env, adminPassword: config.auth.defaultAdminPassword });
    if (seeded.createdAdmin) say(`  first start: created the Default Organization and the admin user`);
  } finally {
    await orm.close();
  }

  const board = await boardBuild;
  if (board.outcome === 'failed') say(`  board       build failed${board.servable ? ', serving the previous build' : ''}: ${board.error?.split('\n')[0]}`);
  else say(`  board       ${board.outcome === 'built' ? 'built' : 'build up to date'} (board/dist)`);

  // Local repositories (file:// and paths) are refused outside QATRON_LOCAL_REPO_ROOTS. On this
  // one-person stack the user's own clones are under their home directory (`qatron init` in
  // ~/work/shop-tests); QATRON_HOME and the worker directory inside it stay refused regardless.
  const localRepoRoots = config.localRepoRoots ?? [homedir()];
  const env = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, QATRON_HOME: config.home, QATRON_LOCAL_REPO_ROOTS: localRepoRoots.join(':') };
  const api = await startNodeProcess('api', 'api/src/main.ts', ['--board'], env, logs);
  const apiUrl = `http://${config.api.host}:${config.api.port}`;
  await waitFor(`the API on ${apiUrl}`, () => httpOk(`${apiUrl}/healthz`), 60_000, api.exited);
  const worker = await startNodeProcess('worker', 'worker/src/main.ts', [], env, logs);
  void worker;

  say('');
  say('QAtron is running:');
  say(`  Board        ${config.board.publicUrl}`);
  say(`  API          ${apiUrl}   (OpenAPI: ${apiUrl}/api/v1/openapi.json)`);
  if (temporalUi) say(`  Temporal UI  ${temporalUi}`);
  say(`  Data         ${config.home}   (logs in ${logs})`);
  say(`  Local repos  under ${localRepoRoots.join(', ')}${config.localRepoRoots ? '' : ' (default; set QATRON_LOCAL_REPO_ROOTS to change)'}`);
  if (!config.auth.defaultAdminPassword) say('  Sign in      admin / admin  (change it: POST /api/v1/auth/password)');
  say('Press Ctrl-C to stop.');
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  await main(loadConfig(process.env));
} catch (err) {
  if (err instanceof ConfigError || err instanceof DefaultCredentialsError) say(`QAtron cannot start: ${err.message}`);
  else say(`QAtron failed to start: ${(err as Error).stack ?? String(err)}`);
  await shutdown(2);
}
