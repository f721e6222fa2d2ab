import { lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@qatron/domain/config';
import { grantCheckoutToSandbox, SANDBOX_HOME, SANDBOX_UID, sandboxCommand, workerIsRoot } from './sandbox.js';

let base: string;
let python: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-sandbox-args-'));
  await mkdir(join(base, 'venv', 'bin'), { recursive: true });
  await writeFile(join(base, 'venv', 'pyvenv.cfg'), 'home = /opt/pythons/3.12.4/bin\nversion_info = 3.12.4\n');
  python = join(base, 'venv', 'bin', 'python');
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** The `bwrap` arguments of a sandboxed command (after `sh -c 'trap "" TERM; exec "$@"' sandbox`). */
async function bwrapArgs(writable: string[], readable: string[] = []) {
  const sandboxed = await sandboxCommand(python, ['-m', 'pytest'], { PATH: '/usr/bin', HOME: '/root', TMPDIR: '/var/tmp', KEEP: '1' }, { mode: 'bwrap', python, writable, readable, cwd: writable[0] });
  expect(sandboxed.command).toBe('/bin/sh');
  expect(sandboxed.args.slice(0, 4)).toEqual(['-c', 'trap "" TERM; exec "$@"', 'sandbox', 'bwrap']);
  return { args: sandboxed.args.slice(4), env: sandboxed.env };
}

/** The index of the `flag src dest` triple for `path` in `args`, -1 if absent. */
const mountIndex = (args: string[], flag: string, path: string) => args.findIndex((a, i) => a === flag && args[i + 1] === path && args[i + 2] === path);

describe('sandboxCommand', () => {
  it('leaves the command as it is when the sandbox is off', async () => {
    const env = { PATH: '/usr/bin', HOME: '/root' };
    expect(await sandboxCommand(python, ['-m', 'pytest'], env, { mode: 'off', python, writable: ['/srv/checkout'] })).toEqual({ command: python, args: ['-m', 'pytest'], env });
  });

  it('mounts only the system, the venv and its base interpreter read-only, and the given directories; never the whole root', async () => {
    const checkout = join(base, 'runs', '7', 'checkout-abc');
    const { args } = await bwrapArgs([checkout, join(base, 'runs', '7', 'out')], [join(base, 'datasets')]);
    expect(args.join(' ')).not.toMatch(/--(ro-)?bind \/ \//);
    expect(args.slice(args.indexOf('--tmpfs'), args.indexOf('--tmpfs') + 2)).toEqual(['--tmpfs', '/']);
    expect(mountIndex(args, '--ro-bind', '/usr')).toBeGreaterThan(-1);
    expect(mountIndex(args, '--ro-bind', join(base, 'venv'))).toBeGreaterThan(-1);
    expect(mountIndex(args, '--ro-bind', '/opt/pythons/3.12.4')).toBeGreaterThan(-1);
    expect(mountIndex(args, '--ro-bind', join(base, 'datasets'))).toBeGreaterThan(-1);
    expect(mountIndex(args, '--bind', checkout)).toBeGreaterThan(-1);
    expect(mountIndex(args, '--bind', join(base, 'runs', '7', 'out'))).toBeGreaterThan(-1);
    expect(mountIndex(args, '--ro-bind-try', '/etc/ssl')).toBeGreaterThan(-1);
    // /etc itself traversable by the unprivileged user, before its entries are mounted.
    expect(args.findIndex((x, i) => x === '--perms' && args[i + 1] === '0755' && args[i + 2] === '--dir' && args[i + 3] === '/etc')).toBeLessThan(mountIndex(args, '--ro-bind-try', '/etc/ssl'));
    expect(args.findIndex((x, i) => x === '--perms' && args[i + 1] === '0755' && args[i + 2] === '--dir' && args[i + 3] === '/etc')).toBeGreaterThan(-1);
    expect(args.filter((a) => a.startsWith('/etc/')).every((a) => !/shadow|sudoers|gshadow|pip\.conf|npmrc|postgresql/.test(a))).toBe(true);
    expect(args).toEqual(expect.arrayContaining(['--die-with-parent', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--proc', '/proc']));
    expect(args.slice(args.indexOf('--chdir'), args.indexOf('--chdir') + 2)).toEqual(['--chdir', checkout]);
  });

  it('creates the parents of mount points traversable, after the private /tmp that may hold them', async () => {
    const checkout = join(base, 'runs', '7', 'checkout-abc');
    const { args } = await bwrapArgs([checkout]);
    const tmp = args.findIndex((a, i) => a === '--tmpfs' && args[i + 1] === '/tmp');
    expect(args.slice(tmp - 2, tmp + 2)).toEqual(['--perms', '1777', '--tmpfs', '/tmp']);
    const parent = args.findIndex((a, i) => a === '--dir' && args[i + 1] === join(base, 'runs', '7'));
    expect(args.slice(parent - 2, parent)).toEqual(['--perms', '0755']);
    expect(parent).toBeGreaterThan(tmp);
    expect(mountIndex(args, '--bind', checkout)).toBeGreaterThan(parent);
    expect(args.some((a, i) => a === '--dir' && (args[i + 1] === '/tmp' || args[i + 1] === checkout))).toBe(false);
  });

  it('gives the tests a private HOME and /tmp and keeps the rest of the environment it is given', async () => {
    const { env } = await bwrapArgs([join(base, 'checkout')]);
    expect(env).toEqual({ PATH: '/usr/bin', HOME: SANDBOX_HOME, TMPDIR: '/tmp', KEEP: '1' });
  });

  it('drops to the unprivileged user with no capabilities when the worker is root; keeps its uid in a user namespace otherwise', async () => {
    const { args } = await bwrapArgs([join(base, 'checkout')]);
    const command = args.slice(args.indexOf('--') + 1);
    if (workerIsRoot()) {
      expect(args).not.toContain('--unshare-user');
      expect(command).toEqual(['setpriv', `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', 'env', '--default-signal=TERM', python, '-m', 'pytest']);
    } else {
      expect(args).toContain('--unshare-user');
      expect(command).toEqual(['env', '--default-signal=TERM', python, '-m', 'pytest']);
    }
  });
});

describe.runIf(workerIsRoot())('grantCheckoutToSandbox', () => {
  it('gives the checkout to the sandbox user once, before tests run, never following symlinks', async () => {
    const checkout = join(base, 'runs', '8', 'checkout-def');
    const outside = join(base, 'jwt-secret');
    await mkdir(join(checkout, 'tests'), { recursive: true });
    await writeFile(join(checkout, 'tests', 'test_a.py'), 'def test_a():\n    pass\n');
    await writeFile(outside, 'secret\n', { mode: 0o600 });
    await symlink(outside, join(checkout, 'tests', 'link'));
    await grantCheckoutToSandbox('bwrap', checkout);
    expect((await stat(join(checkout, 'tests', 'test_a.py'))).uid).toBe(SANDBOX_UID);
    expect((await lstat(join(checkout, 'tests', 'link'))).uid).toBe(SANDBOX_UID);
    expect((await stat(outside)).uid).toBe(0);
    expect((await readFile(`${checkout}.sandbox`, 'utf8')).trim()).toBe(String((await stat(checkout)).ino));
    // Done once: what appears later (written by tests, or planted) is not walked again as root.
    await writeFile(join(checkout, 'later.txt'), 'x');
    await grantCheckoutToSandbox('bwrap', checkout);
    expect((await stat(join(checkout, 'later.txt'))).uid).toBe(0);
  });
});

describe('WORKER_SANDBOX', () => {
  it('is bwrap unless the operator turns it off, and nothing else', () => {
    expect(loadConfig({}).worker.sandbox).toBe('bwrap');
    expect(loadConfig({ WORKER_SANDBOX: 'off' }).worker.sandbox).toBe('off');
    expect(() => loadConfig({ WORKER_SANDBOX: 'docker' })).toThrow(/WORKER_SANDBOX: /);
  });
});
