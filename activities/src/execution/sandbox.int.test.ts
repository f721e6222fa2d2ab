import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from './process.js';
import { SANDBOX_UID, sandboxCommand, workerIsRoot } from './sandbox.js';

/**
 * The sandbox with real processes, for both kinds of worker: root (mounts as root, tests as uid
 * 65534 through setpriv) and not root (an unprivileged user namespace, the worker's own uid).
 */
let base: string;
let secret: string;
let work: string;

const PROBE = [
  'import json, os, sys',
  'def readable(p):',
  '    try:',
  '        open(p).read()',
  '        return True',
  '    except OSError:',
  '        return False',
  'open("written.txt", "w").write("ok")',
  'print(json.dumps({"uid": os.getuid(), "pids": len([p for p in os.listdir("/proc") if p.isdigit()]), "secret": readable(sys.argv[1]), "home": os.environ["HOME"], "cwd": os.getcwd()}))',
].join('\n');

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-sandbox-int-'));
  await chmod(base, 0o755);
  secret = join(base, 'secret.txt');
  await writeFile(secret, 'hunter2\n', { mode: 0o644 });
  work = join(base, 'work');
  await mkdir(work);
  await chmod(work, 0o777);
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('sandboxCommand with real processes', () => {
  it('runs the command as an unprivileged user that sees its own processes, its writable directory and nothing else of the machine', async () => {
    const sandboxed = await sandboxCommand('/usr/bin/python3', ['-c', PROBE, secret], { PATH: '/usr/bin:/bin' }, { mode: 'bwrap', python: '/usr/bin/python3', writable: [work], cwd: work });
    const out = await runCommand(sandboxed.command, sandboxed.args, { env: sandboxed.env, capture: true });
    expect(out.exitCode).toBe(0);
    const seen = JSON.parse(out.stdout);
    expect(seen).toMatchObject({ secret: false, home: '/home/qatron', cwd: work });
    expect(seen.uid).toBe(workerIsRoot() ? SANDBOX_UID : process.getuid!());
    // bwrap's init, setpriv/env exec'd into python: at most a handful, never the machine's.
    expect(seen.pids).toBeLessThanOrEqual(3);
    expect(await readFile(join(work, 'written.txt'), 'utf8')).toBe('ok');
  });

  it.runIf(workerIsRoot())('works for a worker that is not root: a user namespace, the worker uid, the same view', async () => {
    const script = join(base, 'as-worker.mts');
    const sandboxModule = fileURLToPath(new URL('./sandbox.ts', import.meta.url));
    const nonRootWork = join(base, 'non-root');
    await mkdir(nonRootWork);
    await chown(nonRootWork, SANDBOX_UID, SANDBOX_UID);
    await writeFile(
      script,
      [
        `import { execFileSync } from 'node:child_process';`,
        `const { sandboxCommand } = await import(${JSON.stringify(sandboxModule)});`,
        `const c = await sandboxCommand('/usr/bin/python3', ['-c', ${JSON.stringify(PROBE)}, ${JSON.stringify(secret)}], { PATH: '/usr/bin:/bin' }, { mode: 'bwrap', python: '/usr/bin/python3', writable: [${JSON.stringify(nonRootWork)}], cwd: ${JSON.stringify(nonRootWork)} });`,
        `if (c.args.includes('setpriv') || !c.args.includes('--unshare-user')) throw new Error('not the non-root sandbox: ' + c.args.join(' '));`,
        `process.stdout.write(execFileSync(c.command, c.args, { env: c.env, encoding: 'utf8' }));`,
      ].join('\n'),
    );
    const { stdout } = await promisify(execFile)('setpriv', [`--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, '--clear-groups', process.execPath, '--import', import.meta.resolve('tsx'), script], {
      env: { PATH: process.env.PATH, HOME: nonRootWork },
      cwd: nonRootWork,
    });
    const seen = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(seen).toMatchObject({ uid: SANDBOX_UID, secret: false, home: '/home/qatron', cwd: nonRootWork });
    expect(seen.pids).toBeLessThanOrEqual(3);
  });
});
