import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../embedded/temporal.js';
import { TEST_LOCAL_REPO_ROOTS } from './local-repo-roots.js';
import { freePort } from './ports.js';

/** `npm start`'s stack (scripts/src/start.ts) in a temporary QATRON_HOME on free ports, for e2e tests. */
export interface StartedStack {
  readonly home: string;
  readonly ports: { pg: number; temporal: number; temporalUi: number; api: number; board: number; grid: number };
  readonly apiUrl: string;
  readonly boardUrl: string;
  readonly child: ChildProcess;
  /** Resolves with the supervisor's exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  output(): string;
  /** Ctrl-C, as a person would; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** A home directory and ports for one or more starts of the stack (a restart keeps both). */
export async function stackPlace(): Promise<{ home: string; ports: StartedStack['ports']; remove: () => Promise<void> }> {
  // Private (0700), like a home directory: the stack itself lets the `postgres` user through.
  const home = await mkdtemp(join(tmpdir(), 'qatron-home-'));
  const ports = { pg: await freePort(), temporal: await freePort(), temporalUi: await freePort(), api: await freePort(), board: await freePort(), grid: await freePort() };
  return { home, ports, remove: () => rm(home, { recursive: true, force: true }) };
}

/** Starts the stack and waits until it says it is running (first starts take a while: migrations, bundles). */
export async function startStack(place: { home: string; ports: StartedStack['ports'] }, env: Record<string, string> = {}): Promise<StartedStack> {
  const { home, ports } = place;
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/src/start.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      QATRON_HOME: home,
      EMBEDDED_PG_PORT: String(ports.pg),
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.temporalUi),
      API_PORT: String(ports.api),
      BOARD_PORT: String(ports.board),
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      QATRON_LOCAL_REPO_ROOTS: TEST_LOCAL_REPO_ROOTS,
      // A Grid (a JVM and its Chromium slots) only where a test asks for one: `QATRON_GRID: 'on'`.
      QATRON_GRID: 'off',
      QATRON_GRID_PORT: String(ports.grid),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 150_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the stack did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    home,
    ports,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    boardUrl: `http://127.0.0.1:${ports.board}`,
    child,
    exited,
    output: () => output,
    stop: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}
