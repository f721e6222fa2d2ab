import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';

/** A child process of the embedded stack, with its output appended to a log file. */
export interface Supervised {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (immediately if it already has). */
  readonly exited: Promise<number | null>;
  /** How it ended, for the log: `code 1`, `signal SIGKILL`; undefined while it runs. */
  exitStatus(): string | undefined;
  /** Sends `signal`, waits up to `graceMs`, then SIGKILLs the process group. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/**
 * util-linux `setpriv`, which sets the parent-death signal and then execs the command: the kernel
 * SIGKILLs the child when the process that spawned it dies, even by SIGKILL, so a killed
 * supervisor leaves nothing behind. Node spawns from its main thread, whose death is the process's.
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => process.platform === 'linux' && existsSync(path));

/** Process groups of the children alive right now, for the last-resort kill and the reaper. */
const liveGroups = new Set<number>();

/**
 * Without setpriv (not Linux, or no util-linux): a small detached process reads the children's
 * process groups from a pipe and SIGKILLs them when the pipe closes, which is when the
 * supervisor has exited, however it died.
 */
const REAPER_SCRIPT = `
const groups = new Set();
let pending = '';
process.stdin.on('data', (chunk) => {
  const lines = (pending + chunk).split('\\n');
  pending = lines.pop();
  for (const line of lines) (line[0] === '+' ? groups.add(Number(line.slice(1))) : groups.delete(Number(line.slice(1))));
});
process.stdin.on('end', () => {
  for (const group of groups) try { process.kill(-group, 'SIGKILL'); } catch {}
  process.exit(0);
});`;

export interface Reaper {
  /** Kill this process group when the supervisor dies. */
  watch(group: number): void;
  /** The group has ended: nothing to kill any more. */
  forget(group: number): void;
}

/** Starts the reaper process; it neither keeps this process alive nor shares its process group. */
export function startReaper(): Reaper {
  const reaper = spawn(process.execPath, ['-e', REAPER_SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  reaper.unref();
  (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    watch: (group) => void reaper.stdin?.write(`+${group}\n`),
    forget: (group) => void reaper.stdin?.write(`-${group}\n`),
  };
}

let reaper: Reaper | undefined;

/** How children are tied to the supervisor's life: `setpriv`, or the reaper process when it is missing. */
export const ORPHAN_GUARD: 'setpriv' | 'reaper' = SETPRIV ? 'setpriv' : 'reaper';

/** SIGKILLs every child process group still alive (the end of a shutdown that ran out of time). */
export function killAllSupervised(): void {
  for (const group of liveGroups) signalGroup(group, 'SIGKILL');
}

function signalGroup(group: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-group, signal);
    return true;
  } catch {
    return false;
  }
}

/** Copies each output line of `child` to `echo`, prefixed with `[name]`. */
function echoLines(name: string, child: ChildProcess, echo: NodeJS.WritableStream): void {
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) echo.write(`[${name}] ${line.replace(/^\[\w+\] /, '')}\n`);
    });
  }
}

/**
 * Spawns a long-running process in its own process group (so that stopping it reaches whatever
 * it started), logging to `logFile`, and tied to this process's life (ORPHAN_GUARD).
 */
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
  const [file, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', command, ...args]] : [command, args];
  const child = spawn(file, argv, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const group = child.pid;
  if (group !== undefined) {
    liveGroups.add(group);
    if (!SETPRIV) (reaper ??= startReaper()).watch(group);
  }
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  if (echo) echoLines(name, child, echo);
  let status: string | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      status = signal ? `signal ${signal}` : `code ${code}`;
      resolve(code);
    });
    child.once('error', (err) => {
      log.write(`[qatron] could not start ${command}: ${err.message}\n`);
      status = `not started: ${err.message}`;
      resolve(-1);
    });
  });
  void exited.then(() => {
    if (group === undefined) return;
    liveGroups.delete(group);
    reaper?.forget(group);
  });
  // 'close' (not 'exit') means the child's output pipes are drained too; ending the log on
  // 'exit' could lose the last lines or write after the end.
  child.once('close', () => log.end());
  return { name, child, exited, exitStatus: () => status, stop: (signal = 'SIGTERM', graceMs = 10_000) => stopGroup(child, status === undefined ? exited : undefined, signal, graceMs) };
}

/** Signals the child's process group, and SIGKILLs the group if the child outlives `graceMs`. */
async function stopGroup(child: ChildProcess, running: Promise<unknown> | undefined, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const group = child.pid;
  if (!running || group === undefined || !signalGroup(group, signal)) return;
  const timer = setTimeout(() => signalGroup(group, 'SIGKILL'), graceMs);
  await running;
  clearTimeout(timer);
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

/** Whether something listens on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
