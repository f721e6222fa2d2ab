/**
 * The api process: `node --import tsx api/src/main.ts`. Reads the configuration, connects the
 * database (migrations are the start script's job, or `--migrate`), serves the API, and stops
 * cleanly on SIGINT/SIGTERM.
 */
import { connectDatabase, migrate } from '@qatron/domain/db';
import { ConfigError, databaseUrlOf, DefaultCredentialsError, loadConfig, seedDefaults, temporalAddressOf } from '@qatron/domain';
import { formatLogLine, type LogFormat } from '@qatron/domain/logging';
import { buildApiDeps, resolveJwtSecret, startApiServer } from './server.js';
import { createApp } from './app.js';
import { serveBoard } from './board.js';

// Text until the configuration says otherwise (LOG_FORMAT, or json in production).
let format: LogFormat = 'text';
const log = (message: string, err?: unknown) => {
  const detail = err instanceof Error ? `: ${err.stack ?? err.message}` : err ? `: ${String(err)}` : '';
  process.stderr.write(formatLogLine('api', format, err ? 'error' : 'info', `${message}${detail}`));
};

try {
  const config = loadConfig(process.env);
  format = config.logFormat;
  // Without DATABASE_URL / TEMPORAL_ADDRESS the api joins the embedded stack on this machine.
  config.database.url = databaseUrlOf(config);
  config.temporal.address = temporalAddressOf(config);
  const orm = await connectDatabase(config.database.url);
  // --migrate: migrate and seed, then serve; --migrate-only: migrate, seed and exit (a Helm
  // pre-upgrade Job or init container, so that several replicas don't migrate at once).
  if (process.argv.includes('--migrate') || process.argv.includes('--migrate-only')) {
    const applied = await migrate(orm, () => seedDefaults(orm.em.fork(), { env: config.env, adminPassword: config.auth.defaultAdminPassword }));
    if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
    if (process.argv.includes('--migrate-only')) {
      await orm.close();
      process.exit(0);
    }
  }
  const deps = buildApiDeps(config, orm, await resolveJwtSecret(config), log, process.env);
  const api = await startApiServer(deps, config.api.host, config.api.port);
  // The Board on its own port, its API calls answered by this process's Koa app; its static files
  // come from `npm run build` (`npm start` runs it), never from this process.
  const board = process.argv.includes('--board') ? await serveBoard(config, api.url, createApp(deps).callback()) : undefined;
  log(`listening on ${api.url}${board ? `; Board on ${board.url}` : ''}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([api.close(), board?.close()]);
    await orm.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (err) {
  if (err instanceof ConfigError || err instanceof DefaultCredentialsError) {
    process.stderr.write(`[api] ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
