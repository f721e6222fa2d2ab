import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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
  // Like the password file earlier versions wrote to the system temp directory at first start (initdb's is now private, in QATRON_HOME).
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
    # The worker's /tmp holds the test PostgreSQL's data directory and secrets, Temporal's
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

/**
 * Test code trying the database: the PostgreSQL wire protocol by hand (the run's environment has
 * no driver), SCRAM-SHA-256, MD5 and cleartext answered, each attempt's SQLSTATE collected. The
 * control role (created for this test, its password passed in) proves the client logs in when it
 * knows a password; every other attempt must end in 28P01, a refused password.
 */
const DATABASE_PROBE = `import base64
import hashlib
import hmac
import os
import re
import socket
import struct


def send(sock, kind, payload):
    sock.sendall(kind + struct.pack("!i", len(payload) + 4) + payload)


def receive(sock):
    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    kind = exactly(1)
    (length,) = struct.unpack("!i", exactly(4))
    return kind, exactly(length - 4)


def sqlstate(error_body):
    for field in error_body.split(b"\\0"):
        if field[:1] == b"C":
            return field[1:].decode()
    return "?"


def scram_final(password, client_first_bare, server_first):
    attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    without_proof = "c=biws,r=" + attrs["r"]
    auth_message = ",".join([client_first_bare, server_first, without_proof]).encode()
    signature = hmac.new(stored_key, auth_message, "sha256").digest()
    proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature))).decode()
    return (without_proof + ",p=" + proof).encode()


def log_in(port, user, password):
    """'ok', or the SQLSTATE the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        params = b"user\\0" + user.encode() + b"\\0database\\0postgres\\0\\0"
        sock.sendall(struct.pack("!ii", len(params) + 8, 196608) + params)
        client_first_bare = ""
        while True:
            kind, body = receive(sock)
            if kind == b"E":
                return sqlstate(body)
            if kind != b"R":
                continue
            (code,) = struct.unpack("!i", body[:4])
            if code == 0:
                return "ok"
            if code == 3:
                send(sock, b"p", password.encode() + b"\\0")
            elif code == 5:
                inner = hashlib.md5(password.encode() + user.encode()).hexdigest().encode()
                send(sock, b"p", b"md5" + hashlib.md5(inner + body[4:8]).hexdigest().encode() + b"\\0")
            elif code == 10:
                client_first_bare = "n=,r=" + base64.b64encode(os.urandom(18)).decode()
                first = ("n,," + client_first_bare).encode()
                send(sock, b"p", b"SCRAM-SHA-256\\0" + struct.pack("!i", len(first)) + first)
            elif code == 11:
                send(sock, b"p", scram_final(password, client_first_bare, body[4:].decode()))
            elif code != 12:
                return "unexpected authentication request %d" % code


def passwords_in_sight():
    """Every value of the environment, and every word of every small file test code can read
    in its home, its checkout and the temporary directories."""
    found = list(os.environ.values())
    skip = {".git", "__pycache__", "site-packages", "node_modules"}
    for root in {os.environ.get("HOME", "/"), os.getcwd(), "/tmp", "/var/tmp", "/dev/shm", "/run"}:
        for directory, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in skip][:50]
            for name in files[:200]:
                try:
                    with open(os.path.join(directory, name), "rb") as f:
                        found.append(f.read(16384).decode("utf-8", "replace"))
                except OSError:
                    continue
    words = {}
    for text in found:
        for word in [text.strip(), *re.split(r"[\\s=:@/'\\",;]+", text)]:
            if 4 <= len(word) <= 128 and word.isprintable():
                words.setdefault(word)
    # The environment first: it is where a leaked credential would most likely be.
    return list(words)[:400]


def test_database_refuses_what_test_code_can_find():
    port = int(os.environ["PROBE_PG_PORT"])
    control_user, control_password = os.environ["PROBE_CONTROL_USER"], os.environ["PROBE_CONTROL_PASSWORD"]
    assert log_in(port, control_user, control_password) == "ok"
    found = passwords_in_sight()
    assert control_password in found, "the search reads the environment"
    answers = {}
    for password in ["qatron", "postgres", "", *found]:
        answers[("qatron", password)] = log_in(port, "qatron", password)
    for password in ["qatron", "postgres", ""]:
        answers[("postgres", password)] = log_in(port, "postgres", password)
    accepted_or_odd = {key: answer for key, answer in answers.items() if answer != "28P01"}
    assert accepted_or_odd == {}
`;

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

/** The test PostgreSQL of the global setup: its port, and its log (written by the server, read here). */
function testPostgres(): { port: number; logFile: string } {
  return { port: Number(new URL(inject('postgresAdminUrl')).port), logFile: join(inject('runtimeDir'), 'postgres.log') };
}

/** Roles are the cluster's: the API's connection (the embedded superuser) manages them. */
async function adminQuery(sql: string): Promise<void> {
  await stack.api.orm.em.fork().getConnection().execute(sql);
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
  // connection away: what keeps test code out is a password it cannot read (issue 13 item 4).
  it('refuses test code that logs in to PostgreSQL over TCP with the old constant password or any it can find', async () => {
    const { port, logFile } = testPostgres();
    const control = { user: `probe_${randomBytes(4).toString('hex')}`, password: randomBytes(12).toString('hex') };
    await adminQuery(`create role ${control.user} login password '${control.password}'`);
    try {
      const logBefore = (await readFile(logFile, 'utf8')).length;
      const projectId = await project(
        { 'tests/test_database_probe.py': DATABASE_PROBE },
        { PROBE_PG_PORT: String(port), PROBE_CONTROL_USER: control.user, PROBE_CONTROL_PASSWORD: control.password },
        { paths: ['tests/test_database_probe.py'] },
      );
      const run = await stack.runToEnd({ project_id: projectId, suite: 'probes', environment: 'staging' });
      const results = await stack.api.orm.em.fork().find(TestResult, { run: run.id });
      expect(results.map((r) => [r.nodeId, r.outcome === 'passed' ? 'passed' : `${r.outcome}: ${r.message}`])).toEqual([['tests/test_database_probe.py::test_database_refuses_what_test_code_can_find', 'passed']]);
      // From outside: the attempts reached the server and were refused as wrong passwords, for
      // the embedded role and for `postgres` (no connection refused, no other error).
      const log = (await readFile(logFile, 'utf8')).slice(logBefore);
      expect(log.match(/password authentication failed for user "qatron"/g)?.length ?? 0).toBeGreaterThanOrEqual(4);
      expect(log.match(/password authentication failed for user "postgres"/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    } finally {
      await adminQuery(`drop role if exists ${control.user}`);
    }
  }, 240_000);

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
