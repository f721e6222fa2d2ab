/**
 * The worker process: `node --import tsx worker/src/main.ts`. Stops gracefully on SIGINT/SIGTERM
 * (running shards are cancelled through Temporal and retried by another worker).
 */
import { ConfigError, databaseUrlOf, loadConfig, temporalAddressOf } from '@qatron/domain';
import { workerLog } from './log.js';
import { startWorker } from './worker.js';

// Text until the configuration says otherwise (LOG_FORMAT, or json in production).
let log = workerLog('text');

try {
  const config = loadConfig(process.env);
  log = workerLog(config.logFormat);
  // Without DATABASE_URL / TEMPORAL_ADDRESS the worker joins the embedded stack on this machine.
  config.database.url = databaseUrlOf(config);
  config.temporal.address = temporalAddressOf(config);
  const worker = await startWorker(config, process.env, log);
  const stop = () => void worker.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await worker.done;
} catch (err) {
  if (err instanceof ConfigError) {
    log(err.message);
    process.exit(2);
  }
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
