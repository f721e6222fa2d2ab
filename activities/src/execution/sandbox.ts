/**
 * The sandbox test code runs in (DESIGN "Test code is untrusted"; issue 13 item 1). A run's pytest
 * processes, and everything they start, run under bubblewrap (`bwrap`): their own PID, IPC and UTS
 * namespaces (they see only their own processes in /proc), a root file system that holds only what
 * the tests need — the system's programs and libraries (/usr), a few files of /etc, the run's
 * environment (venv and its base interpreter) read-only, the checkout and the shard's output
 * directories read-write — and a private, empty HOME and /tmp. QATRON_HOME, the worker's other
 * runs, git mirrors, secret files and the worker's own environment are simply not there.
 *
 * Why bubblewrap: it is a small, audited program (Flatpak's sandbox) packaged by Debian, needs no
 * daemon, and sets up namespaces and bind mounts in one exec. Why the identity change is done by
 * `setpriv` inside it: when the worker is root, bwrap mounts as root (it can read the venv and
 * interpreter wherever they live, /root included), then `setpriv` drops the test process to an
 * unprivileged uid (65534, nobody) with no capabilities and no_new_privs. A worker that is not root
 * cannot change uid: bwrap then uses an unprivileged user namespace and the tests keep the
 * worker's uid, seeing only what is mounted.
 *
 * Processes die with the shard: bwrap's `--die-with-parent` kills the sandbox when the worker
 * process dies (even by SIGKILL), and the sandbox's PID 1 dying takes every process of the PID
 * namespace with it; runCommand's process-group kill covers the normal end and cancellation.
 */
import { execFile } from 'node:child_process';
import { chown, lchown, lstat, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { withFileLock } from './file-lock.js';

/** WORKER_SANDBOX: `bwrap` (the default) or `off` (tests run as the worker, with its view of the machine). */
export type SandboxMode = 'bwrap' | 'off';

/** The uid and gid of sandboxed test processes when the worker is root. */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

/** The private HOME inside the sandbox (a tmpfs). */
export const SANDBOX_HOME = '/home/qatron';

/** What one sandboxed process may see, besides the system (/usr, parts of /etc). */
export interface SandboxView {
  mode: SandboxMode;
  /** The venv's interpreter: its venv and base interpreter prefix are mounted read-only. */
  python: string;
  /** Directories mounted read-write (the checkout, the shard's outputs, the work channel's socket directory). */
  writable: readonly string[];
  /** Directories or files mounted read-only (datasets). */
  readable?: readonly string[];
  /** The working directory inside the sandbox (one of the mounted directories). */
  cwd?: string;
}

export interface SandboxedCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** Files of /etc that programs need to resolve names, verify TLS, know users and time; nothing else of /etc. */
const ETC_ENTRIES = [
  'alternatives', 'ca-certificates', 'ca-certificates.conf', 'chromium', 'chromium.d', 'fonts', 'gai.conf', 'group', 'host.conf', 'hostname', 'hosts',
  'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'locale.alias', 'localtime', 'mime.types', 'nsswitch.conf', 'os-release', 'passwd', 'pki', 'protocols',
  'resolv.conf', 'services', 'ssl', 'timezone',
];

/** Whether this process is root (and so must drop to SANDBOX_UID). */
export function workerIsRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * `command args` as it runs in the sandbox described by `view` (unchanged when the mode is off).
 * `env` is the complete environment of the tests; HOME and TMPDIR are replaced by private ones.
 */
export async function sandboxCommand(command: string, args: readonly string[], env: Record<string, string>, view: SandboxView): Promise<SandboxedCommand> {
  if (view.mode === 'off') return { command, args: [...args], env };
  const venv = dirname(dirname(view.python));
  const readOnly = [venv, ...(await basePrefix(venv)), ...(view.readable ?? [])].map((p) => resolve(p));
  const writable = view.writable.map((p) => resolve(p));
  const root = workerIsRoot();
  const bwrap: string[] = ['--die-with-parent', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'];
  // Not root: an unprivileged user namespace is what lets bwrap mount at all.
  if (!root) bwrap.push('--unshare-user');
  bwrap.push('--tmpfs', '/', ...(await systemMounts()));
  // The private /tmp and HOME come first: the checkout or a socket directory may live under /tmp.
  bwrap.push('--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--tmpfs', '/tmp', '--perms', '0755', '--dir', dirname(SANDBOX_HOME), '--perms', '0777', '--tmpfs', SANDBOX_HOME);
  // bwrap creates the parents of mount points 0700 (root's): the unprivileged test user must traverse them.
  const targets = [...readOnly, ...writable];
  for (const dir of ancestors(targets)) bwrap.push('--perms', '0755', '--dir', dir);
  const mounts = [...readOnly.map((p) => ['--ro-bind', p] as const), ...writable.map((p) => ['--bind', p] as const)].sort((a, b) => depth(a[1]) - depth(b[1]));
  for (const [how, path] of mounts) bwrap.push(how, path, path);
  if (view.cwd) bwrap.push('--chdir', resolve(view.cwd));
  // The tests get SIGTERM back (see below), with its default action.
  const test = ['env', '--default-signal=TERM', command, ...args];
  const inner = root
    ? // Keep only what setpriv needs to change identity; it then drops every capability for good.
      ['--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--', 'setpriv', `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_GID}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', ...test]
    : ['--', ...test];
  // bwrap dying takes the whole sandbox with it at once. A cancelled shard's SIGTERM (runCommand
  // signals the process group) must reach the tests, not bwrap, so that they get the grace period
  // before SIGKILL: bwrap starts with SIGTERM ignored.
  return { command: '/bin/sh', args: ['-c', 'trap "" TERM; exec "$@"', 'sandbox', 'bwrap', ...bwrap, ...inner], env: { ...env, HOME: SANDBOX_HOME, TMPDIR: '/tmp' } };
}

/**
 * Makes `paths` writable by the sandbox's user: when the worker is root, each is chowned to
 * SANDBOX_UID. A non-root worker's sandbox runs as the worker's own uid, which already owns them.
 */
export async function grantToSandbox(mode: SandboxMode, paths: readonly string[]): Promise<void> {
  if (mode === 'off' || !workerIsRoot()) return;
  for (const path of paths) await chown(path, SANDBOX_UID, SANDBOX_GID);
}

/**
 * Gives a checkout, recursively, to the sandbox's user (root workers only), once per checkout and
 * before any test runs in it: the shards of a run share the checkout, and a walk by root over a
 * tree that test code can already change could be steered elsewhere (a directory swapped for a
 * symlink). A lock serializes the shards; a marker beside the checkout says it is done. Symlinks
 * are never followed (lchown).
 */
export async function grantCheckoutToSandbox(mode: SandboxMode, checkoutDir: string, signal?: AbortSignal): Promise<void> {
  if (mode === 'off' || !workerIsRoot()) return;
  const marker = `${resolve(checkoutDir)}.sandbox`;
  // The marker names the checkout directory it was written for: a checkout materialized again is a new directory.
  const identity = async () => String((await stat(checkoutDir)).ino);
  const done = async () => (await readFile(marker, 'utf8').catch(() => '')).trim() === (await identity());
  if (await done()) return;
  await withFileLock(
    `${marker}.lock`,
    async () => {
      if (await done()) return;
      await lchownTree(resolve(checkoutDir));
      await writeFile(marker, `${await identity()}\n`);
    },
    { signal },
  );
}

/**
 * Removes from `dir` whatever test code left that is not a regular file or a directory: the worker
 * reads and uploads these directories as root, outside the sandbox, where a symlink planted by a
 * test (`junit-1.xml -> /root/.qatron/jwt-secret`) would point into the worker's files, and a FIFO
 * would hang the reader. Called once the sandbox is gone.
 */
export async function removeSpecialFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (path: string): Promise<void> => {
    const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) await walk(child);
      else if (!entry.isFile()) {
        await rm(child, { force: true });
        removed.push(child);
      }
    }
  };
  await walk(dir);
  return removed;
}

async function lchownTree(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.uid !== SANDBOX_UID || info.gid !== SANDBOX_GID) await lchown(path, SANDBOX_UID, SANDBOX_GID);
  if (!info.isDirectory()) return;
  for (const entry of await readdir(path)) await lchownTree(join(path, entry));
}

/**
 * Refuses a sandbox that cannot start here (no bwrap, no setpriv, user namespaces disabled), so
 * that untrusted code never runs unsandboxed unless the operator chose WORKER_SANDBOX=off.
 * @throws Error saying what is missing and how to fix it.
 */
export async function checkSandbox(mode: SandboxMode): Promise<void> {
  if (mode === 'off') return;
  const probe = await sandboxCommand('true', [], { PATH: '/usr/bin:/bin' }, { mode, python: '/usr/bin/python3', writable: [] });
  try {
    await promisify(execFile)(probe.command, probe.args, { env: probe.env, timeout: 15_000 });
  } catch (error) {
    const why = (error as { stderr?: string; message: string }).stderr?.trim() || (error as Error).message;
    throw new Error(
      `the test sandbox (bubblewrap) does not work on this machine: ${why}. Install it (apt-get install bubblewrap; setpriv is in util-linux) ` +
        'or, to run test code unsandboxed as the worker user, set WORKER_SANDBOX=off',
      { cause: error },
    );
  }
}

/** /usr, the merged-/usr links (/bin, /lib…), and ETC_ENTRIES, read-only. */
async function systemMounts(): Promise<string[]> {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    const info = await lstat(top).catch(() => null);
    if (!info) continue;
    if (info.isSymbolicLink()) args.push('--symlink', await readlink(top), top);
    else args.push('--ro-bind', top, top);
  }
  // bwrap would create /etc 0700 (root's), hiding it from the unprivileged test user.
  args.push('--perms', '0755', '--dir', '/etc');
  for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`);
  return args;
}

/** The venv's base interpreter prefix (pyvenv.cfg `home` is its bin directory), unless /usr holds it. */
async function basePrefix(venv: string): Promise<string[]> {
  const cfg = await readFile(join(venv, 'pyvenv.cfg'), 'utf8').catch(() => '');
  const home = /^\s*home\s*=\s*(.+?)\s*$/m.exec(cfg)?.[1];
  if (!home) return [];
  const prefix = home.endsWith(`${sep}bin`) ? dirname(home) : home;
  return prefix === '/usr' || prefix.startsWith('/usr/') ? [] : [prefix];
}

/**
 * Every proper ancestor directory of `paths` (shallowest first) that the sandbox must create:
 * not /, not the tmpfs and system mount points themselves, nothing inside another mounted path.
 */
function ancestors(paths: readonly string[]): string[] {
  const found = new Set<string>();
  for (const path of paths) {
    for (let dir = dirname(path); dir !== '/' && dir !== '.'; dir = dirname(dir)) found.add(dir);
  }
  const within = (dir: string, mount: string) => dir === mount || dir.startsWith(`${mount}/`);
  const skip = (dir: string) => ['/tmp', SANDBOX_HOME, '/proc', '/dev'].includes(dir) || within(dir, '/usr') || paths.some((p) => within(dir, p));
  return [...found].filter((dir) => !skip(dir)).sort((a, b) => depth(a) - depth(b));
}

function depth(path: string): number {
  return path.split('/').length;
}
