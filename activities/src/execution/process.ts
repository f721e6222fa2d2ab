/**
 * Child processes for git, pip and pytest. Each command runs in its own process group so that
 * cancelling it (or cleaning up after it) reaches everything it started: pip's build backends,
 * pytest-xdist's workers, a browser a test forgot to close.
 */
import { spawn } from 'node:child_process';
import { abortError } from './errors.js';

export interface CommandOptions {
  cwd?: string;
  /** The complete environment of the child (nothing is inherited implicitly). */
  env: Record<string, string>;
  signal?: AbortSignal;
  /** Called for every complete output line (stdout and stderr interleaved as they arrive). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Keep stdout and stderr in memory and return them (for short outputs such as `git rev-parse`). */
  capture?: boolean;
  /** How many of the last output lines to keep for error messages. */
  tailLines?: number;
  /** Grace period between SIGTERM and SIGKILL when cancelled. */
  killGraceMs?: number;
  /** Bytes written to the child's stdin, which is then closed. */
  input?: string;
}

export interface CommandResult {
  /** null when the process was killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last `tailLines` output lines, both streams interleaved. */
  tail: string[];
}

/** The variables a child inherits from the worker: enough to find programs and behave normally, nothing else. */
const INHERITED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

/**
 * A minimal environment taken from `from` (the worker's): PATH, HOME, locale, temp dir, CA bundles
 * and proxies, plus the variables named in `also`. The worker's own configuration (database URL,
 * S3 keys, repository secrets) is deliberately not passed to git, pip or the tests.
 */
export function baseEnvironment(from: NodeJS.ProcessEnv = process.env, also: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...INHERITED, ...also]) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return env;
}

/** Sends `signal` to the process group led by `pid`; a group that is already gone is fine. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Runs `command` to completion in a new process group and resolves with its exit status (a
 * non-zero exit is not an error here: callers know what their exit codes mean). When the process
 * exits, whatever it left running in its group is killed. When `signal` aborts, the group gets
 * SIGTERM, then SIGKILL after `killGraceMs`, and the promise rejects with an AbortError once the
 * process has exited.
 */
export function runCommand(command: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const { signal, tailLines = 80, killGraceMs = 5_000 } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal, command));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const captured = { stdout: '', stderr: '' };
    const partial = { stdout: '', stderr: '' };
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;

    const emit = (line: string, stream: 'stdout' | 'stderr') => {
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      options.onLine?.(line, stream);
    };
    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (options.capture) captured[stream] += text;
      const lines = (partial[stream] + text).split('\n');
      partial[stream] = lines.pop()!;
      for (const line of lines) emit(line.endsWith('\r') ? line.slice(0, -1) : line, stream);
    };
    child.stdout!.on('data', onData('stdout'));
    child.stderr!.on('data', onData('stderr'));
    if (options.input !== undefined) child.stdin!.end(options.input);

    const onAbort = () => {
      if (aborted || child.pid === undefined) return;
      aborted = true;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), killGraceMs);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    // 'exit' comes before 'close': kill the leftovers first, or a background process holding the
    // output pipes open would keep 'close' from ever firing. When cancelled, the group already had
    // SIGTERM and gets its grace period; the kill timer finishes the job.
    child.on('exit', () => {
      if (!aborted && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    });
    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      reject(error);
    });
    child.on('close', (exitCode, exitSignal) => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      // Stragglers that closed their output (daemons) did not delay 'close': they go now.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream]) emit(partial[stream], stream);
      }
      if (aborted) reject(abortError(signal, command));
      else resolve({ exitCode, signal: exitSignal, stdout: captured.stdout, stderr: captured.stderr, tail });
    });
  });
}
