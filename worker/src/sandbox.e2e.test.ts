import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestResult } from '@qatron/domain';
import { createFixtureRepository } from '@qatron/activities/testing/fixture-repo';
import { E2E_WORKER_CACHE, startEngineStack, type EngineStack, type WorkerProcess } from './testing/stack.js';

/**
 * The test sandbox from inside a real run (DESIGN "Test code is untrusted"; issue 13 item 1): a
 * test file in the project's repository tries to read every secret location of the worker, and
 * must fail each time, while it can still write its checkout, HOME and /tmp and reach 127.0.0.1.
 * The secret files are world-readable on purpose: only the sandbox stands between them and the
 * tests. And a worker killed with SIGKILL leaves no pytest process behind.
 */
let stack: EngineStack;
let worker: WorkerProcess;
let fixtures: string;
let home: string;
let decoyRun: string;
let pgPasswordFile: string;
let listener: Server;
const canary = `canary-${randomBytes(8).toString('hex')}`;

/** Files the tests must not see, all mode 0644 in 0755 directories. */
async function plantSecrets() {
  home = await mkdtemp(join(tmpdir(), 'qatron-sandbox-home-'));
  await chmod(home, 0o755);
  const secretsDir = join(home, 'secrets');
  await mkdir(join(home, 'pg', 'data'), { recursive: true });
  await mkdir(secretsDir, { recursive: true });
  await writeFile(join(home, 'jwt-secret'), `${canary}\n`, { mode: 0o644 });
  await writeFile(join(home, 'pg', 'password'), `${canary}\n`, { mode: 0o644 });
  await writeFile(join(home, 'pg', 'data', 'PG_VERSION'), '16\n', { mode: 0o644 });
  await writeFile(join(secretsDir, 'PAYMENT_KEY'), `${canary}\n`, { mode: 0o644 });
  // Like the embedded PostgreSQL's password file, written to the system temp directory on first start.
  pgPasswordFile = join(tmpdir(), `qatron-pg-sandbox-${randomBytes(4).toString('hex')}`);
  await writeFile(pgPasswordFile, `${canary}\n`, { mode: 0o644 });
  // Another run's checkout on the same worker.
  decoyRun = join(E2E_WORKER_CACHE, 'runs', `sandbox-decoy-${randomBytes(4).toString('hex')}`);
  await mkdir(join(decoyRun, 'checkout'), { recursive: true });
  await writeFile(join(decoyRun, 'checkout', 'secret.txt'), `${canary}\n`, { mode: 0o644 });
  return secretsDir;
}

const PROBES = `import glob
import os
import pathlib
import socket

import pytest

# The canary reversed: the environment must not hold it literally.
CANARY = os.environ["PROBE_CANARY_HINT"][::-1]


def unreadable(path):
    try:
        with open(path, "rb") as f:
            f.read()
    except OSError:
        return True
    return False


def unlistable(path):
    try:
        os.listdir(path)
    except OSError:
        return True
    return False


@pytest.mark.parametrize("name", ["jwt-secret", "pg/password", "pg/data/PG_VERSION", "secrets/PAYMENT_KEY"])
def test_qatron_home_is_out_of_sight(name):
    home = os.environ["PROBE_QATRON_HOME"]
    assert unreadable(os.path.join(home, name))
    assert unlistable(home)


def test_secrets_dir_is_out_of_sight():
    assert unlistable(os.environ["PROBE_SECRETS_DIR"])
    assert unreadable(os.path.join(os.environ["PROBE_SECRETS_DIR"], "PAYMENT_KEY"))


def test_system_temp_dir_is_private():
    # The worker's /tmp holds the embedded PostgreSQL's data directory and password file, Temporal's
    # database, QATRON_HOME here: the sandbox has a /tmp of its own.
    assert glob.glob("/tmp/qatron-*") == []
    assert unreadable(os.environ["PROBE_PG_PASSWORD_FILE"])


def test_other_runs_and_git_mirrors_are_out_of_sight():
    worker_dir = os.environ["PROBE_WORKER_DIR"]
    assert unreadable(os.path.join(os.environ["PROBE_DECOY_RUN"], "checkout", "secret.txt"))
    assert unlistable(os.path.join(worker_dir, "git"))
    # Only this run's own directory is there, and in it only what this shard was given.
    assert os.listdir(os.path.join(worker_dir, "runs")) == [os.environ["QATRON_RUN_ID"]]
    assert len(os.listdir(os.path.join(worker_dir, "venvs"))) == 1


def test_no_other_process_is_visible():
    assert unreadable("/proc/1/environ")
    pids = [p for p in os.listdir("/proc") if p.isdigit()]
    for pid in pids:
        try:
            cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        assert b"node" not in cmdline and b"postgres" not in cmdline and b"temporal" not in cmdline, cmdline
    readable_environs = []
    for path in glob.glob("/proc/*/environ"):
        try:
            readable_environs.append(pathlib.Path(path).read_bytes())
        except OSError:
            continue
    assert readable_environs, "the test's own environ is readable"
    assert not any(CANARY.encode() in env for env in readable_environs)
    assert not any(b"DATABASE_URL" in env or b"JWT_SECRET" in env for env in readable_environs)


def test_clean_environment():
    assert CANARY not in "".join(os.environ.values())
    for name in ("DATABASE_URL", "JWT_SECRET", "SECRETS_DIR", "QATRON_HOME", "WORKER_DIR", "TEMPORAL_ADDRESS", "S3_SECRET_ACCESS_KEY"):
        assert name not in os.environ
    assert os.getuid() != 0


def test_root_home_is_out_of_sight():
    # Only what the venv's interpreter needs may exist under /root (pyenv's version, read-only).
    entries = os.listdir("/root") if os.path.isdir("/root") else []
    assert set(entries) <= {".pyenv"}
    for name in (".bashrc", ".profile", ".ssh", ".qatron", ".npmrc", ".gitconfig"):
        assert not os.path.exists(os.path.join("/root", name))


def test_can_write_its_checkout_home_and_tmp():
    pathlib.Path("written-by-test.txt").write_text("ok")
    home = pathlib.Path(os.environ["HOME"])
    (home / "written").write_text("ok")
    pathlib.Path("/tmp/written").write_text("ok")
    assert str(home) != "/root"
    assert pathlib.Path("written-by-test.txt").read_text() == "ok"


def test_sees_what_programs_need_of_etc():
    # Name resolution, TLS verification and user lookups work; the rest of /etc is not there.
    assert os.listdir("/etc/ssl/certs")
    assert pathlib.Path("/etc/hosts").read_text()
    assert "nobody" in pathlib.Path("/etc/passwd").read_text() or os.getuid() != 65534
    assert not os.path.exists("/etc/shadow")


def test_reaches_loopback():
    with socket.create_connection(("127.0.0.1", int(os.environ["PROBE_LISTENER_PORT"])), timeout=5) as s:
        assert s.recv(16) == b"hello"
`;

const PROBE_TESTS = [
  'test_qatron_home_is_out_of_sight[jwt-secret]',
  'test_qatron_home_is_out_of_sight[pg/password]',
  'test_qatron_home_is_out_of_sight[pg/data/PG_VERSION]',
  'test_qatron_home_is_out_of_sight[secrets/PAYMENT_KEY]',
  'test_secrets_dir_is_out_of_sight',
  'test_system_temp_dir_is_private',
  'test_other_runs_and_git_mirrors_are_out_of_sight',
  'test_no_other_process_is_visible',
  'test_clean_environment',
  'test_root_home_is_out_of_sight',
  'test_can_write_its_checkout_home_and_tmp',
  'test_sees_what_programs_need_of_etc',
  'test_reaches_loopback',
].map((name) => `tests/test_sandbox_probes.py::${name}`);

beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'qatron-sandbox-fixtures-'));
  const secretsDir = await plantSecrets();
  listener = createServer((socket) => socket.end('hello'));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  stack = await startEngineStack();
  worker = await stack.startWorker({
    name: 'sandboxed',
    env: { QATRON_HOME: home, SECRETS_DIR: secretsDir, JWT_SECRET: `${canary}-jwt-secret-long-enough-for-hs256`, QATRON_SANDBOX_CANARY: canary, WORKER_SANDBOX: 'bwrap' },
  });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  listener?.close();
  await Promise.all([fixtures, home, decoyRun, pgPasswordFile].filter(Boolean).map((dir) => rm(dir, { recursive: true, force: true })));
});

const call = (method: string, path: string, json?: unknown) => stack.api.request(method, path, { token: stack.adminToken, ...(json !== undefined ? { json } : {}) });

let projects = 0;
async function project(extraFiles: Record<string, string>, variables: Record<string, string>, suite: Record<string, unknown>) {
  const repo = await createFixtureRepository(join(fixtures, `repo-${++projects}`), { extraFiles });
  const created = await call('POST', '/api/v1/projects', { name: `sandbox-${projects}`, repo_url: repo.path });
  expect(created.status).toBe(201);
  const environment = await call('POST', `/api/v1/projects/${created.body.id}/environments`, { name: 'staging', kind: 'staging', base_url: 'http://127.0.0.1:9', variables });
  expect(environment.status).toBe(201);
  expect((await call('POST', `/api/v1/projects/${created.body.id}/suites`, { name: 'probes', shards: 1, ...suite })).status).toBe(201);
  return created.body.id as number;
}

/** pytest processes (not the sandbox's bwrap) working for `runId` on this machine. */
function pytestOf(runId: number): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  const marker = join(E2E_WORKER_CACHE, 'runs', String(runId)) + '/';
  return ps.split('\n').filter((line) => line.includes('-m pytest') && line.includes(marker) && !line.includes('bwrap'));
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('test sandbox', () => {
  it('keeps QATRON_HOME, secret files, other runs, git mirrors, /root, other processes and the worker environment out of reach of test code, and lets it write its checkout, HOME and /tmp and reach 127.0.0.1', async () => {
    const projectId = await project(
      { 'tests/test_sandbox_probes.py': PROBES },
      {
        PROBE_CANARY_HINT: [...canary].reverse().join(''),
        PROBE_QATRON_HOME: home,
        PROBE_SECRETS_DIR: join(home, 'secrets'),
        PROBE_WORKER_DIR: E2E_WORKER_CACHE,
        PROBE_DECOY_RUN: decoyRun,
        PROBE_PG_PASSWORD_FILE: pgPasswordFile,
        PROBE_LISTENER_PORT: String((listener.address() as { port: number }).port),
      },
      { paths: ['tests/test_sandbox_probes.py'] },
    );
    const run = await stack.runToEnd({ project_id: projectId, suite: 'probes', environment: 'staging' });
    const results = await stack.api.orm.em.fork().find(TestResult, { run: run.id }, { orderBy: { nodeId: 'asc' } });
    // Each probe by name, so that a sandbox leak names what leaked.
    expect(Object.fromEntries(results.map((r) => [r.nodeId, r.outcome === 'passed' ? 'passed' : `${r.outcome}: ${r.message}`]))).toEqual(Object.fromEntries(PROBE_TESTS.map((id) => [id, 'passed'])));
    expect(run).toMatchObject({ status: 'completed', total_tests: PROBE_TESTS.length, passed_tests: PROBE_TESTS.length, failed_tests: 0 });
  }, 240_000);

  // The network is shared (tests reach the environment's base URL), so the database is one TCP
  // connection away: what keeps test code out is a password it cannot read. The embedded one is
  // still a constant in domain/src/config.ts until it is generated at first start (item 4).
  it.todo('refuses the embedded database credentials over TCP (needs the generated embedded password, issue 13 item 4)');

  it('leaves no pytest process behind when its worker is killed with SIGKILL', async () => {
    const slow = 'import time\n\n\ndef test_waits():\n    time.sleep(300)\n';
    const projectId = await project({ 'tests/test_slow_sandboxed.py': slow }, {}, { paths: ['tests/test_slow_sandboxed.py'] });
    const created = await call('POST', '/api/v1/runs', { project_id: projectId, suite: 'probes', environment: 'staging' });
    expect(created.status).toBe(201);
    const runId = created.body.id as number;
    await waitFor('pytest to start', () => (pytestOf(runId).length > 0 ? true : undefined), 120_000);
    await worker.kill();
    // bwrap --die-with-parent: the sandbox (and its PID namespace) dies with the worker.
    await waitFor('the pytest processes to end', () => (pytestOf(runId).length === 0 ? true : undefined), 5_000);
    expect(pytestOf(runId)).toEqual([]);
    await call('PUT', `/api/v1/runs/${runId}`, { status: 'cancelled' });
  }, 240_000);
});
