import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portOpen, waitFor } from '../embedded/process.js';
import { DEFAULT_GRID_SESSIONS, detectGrid, startGrid } from '../embedded/selenium-grid.js';
import { freePort } from './ports.js';

/** A real Selenium Grid with Chromium started for a test (embedded/selenium-grid.ts). */
export interface TestGrid {
  /** `http://127.0.0.1:<port>`, what SELENIUM_REMOTE_URL and the infrastructure registry take. */
  readonly url: string;
  /** A name unique to this Grid, for registering it as an infrastructure resource. */
  readonly name?: string;
  /** From spawn to /status ready. */
  readonly startupMs: number;
  /** Stops the Grid; resolves once its port no longer accepts connections. */
  stop(): Promise<void>;
}

/**
 * Starts a Grid on a free port with its configuration and log in a temporary directory. It is
 * killed by stop() and when the test process exits (and, through setpriv's parent-death signal,
 * when it is killed). Throws an Error naming what is missing when this machine cannot run a Grid.
 */
export async function startGridForTests(options: { sessions?: number; name?: string } = {}): Promise<TestGrid> {
  const detection = await detectGrid(process.env);
  if (!detection.ok) throw new Error(`This machine cannot run a Selenium Grid: ${detection.reason}`);
  const dir = await mkdtemp(join(tmpdir(), 'qatron-grid-'));
  const port = await freePort();
  const grid = await startGrid({ machine: detection.machine, port, sessions: options.sessions ?? DEFAULT_GRID_SESSIONS, dir, logFile: join(dir, 'grid.log') }).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  // A test process that ends without calling stop() (a failed hook) takes its Grid with it.
  const killOnExit = () => void grid.stop(0);
  process.once('exit', killOnExit);
  let stopped: Promise<void> | undefined;
  return {
    url: grid.url,
    name: options.name ?? `test-grid-${port}`,
    startupMs: grid.startupMs,
    stop: () =>
      (stopped ??= (async () => {
        process.removeListener('exit', killOnExit);
        await grid.stop(5_000);
        // The JVM has exited, so its listening socket is gone; checked, because callers assert on it.
        await waitFor(`Selenium Grid on ${grid.url} to close its port`, async () => !(await portOpen(port)), 10_000);
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}
