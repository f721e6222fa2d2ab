/**
 * Child processes for the shard-plan bench: timed, bounded, and killed as a whole process group
 * (pytest-xdist starts worker processes of its own) on timeout or Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** The outcome of one child process; times are `performance.now()` milliseconds. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  startedAt: number;
  exitedAt: number;
  /** Wall time from spawn to exit, in seconds. */
  seconds: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** Output kept per stream: enough for a diagnosis, bounded so a chatty child cannot grow memory. */
const OUTPUT_LIMIT = 256 * 1024;
const live = new Set<ChildProcess>();

/** Kills the process group of every child still running (Ctrl-C, or a failure elsewhere). */
export function killAll(): void {
  for (const child of live) killGroup(child);
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone between the check and the kill.
  }
}

/**
 * Runs `command` with `args`, in its own process group, and resolves when it has exited and its
 * output is drained. The wall time stops at the exit itself, not at the end of the output.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let exitedAt = startedAt;
    let timedOut = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (stdout.length < OUTPUT_LIMIT) stdout += chunk.toString('utf8');
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < OUTPUT_LIMIT) stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, options.timeoutMs);
    child.on('exit', () => {
      exitedAt = performance.now();
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      live.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, startedAt, exitedAt, seconds: (exitedAt - startedAt) / 1000, stdout, stderr, timedOut });
    });
  });
}

/** Runs a command that must succeed (set-up steps) and returns its stdout; throws with its output otherwise. */
export async function runChecked(command: string, args: readonly string[], options: RunOptions): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code ?? result.signal}${result.timedOut ? ' (timed out)' : ''}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}
