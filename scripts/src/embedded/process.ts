import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A child process of the embedded stack, with its output appended to a log file. */
export interface Supervised {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (immediately if it already has). */
  readonly exited: Promise<number | null>;
  /** Sends `signal`, waits up to `graceMs`, then SIGKILLs the process group. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** Spawns a long-running process in its own process group, logging to `logFile`. */
export async function supervise(
  name: string,
  command: string,
  args: string[],
  logFile: string,
  options: SpawnOptions = {},
  /** Also copy each output line to this stream, prefixed with `[name]`. */
  echo?: NodeJS.WritableStream,
): Promise<Supervised> {
  await mkdir(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  await once(log, 'open');
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  if (echo) {
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString('utf8')).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) echo.write(`[${name}] ${line.replace(/^\[\w+\] /, '')}\n`);
      });
    }
  }
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
    child.once('error', (err) => {
      log.write(`[qatron] could not start ${command}: ${err.message}\n`);
      exitCode = -1;
      resolve(-1);
    });
  });
  // 'close' (not 'exit') means the child's output pipes are drained too; ending the log on
  // 'exit' could lose the last lines or write after the end.
  child.once('close', () => log.end());
  return {
    name,
    child,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (exitCode !== undefined || child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` until it resolves true or `timeoutMs` passes; throws with `what` on timeout. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, exited?: Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited?.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${what}: the process exited during start-up`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not ready after ${Math.round(timeoutMs / 1000)} s`);
}
