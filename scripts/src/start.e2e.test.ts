import { readdirSync, statSync } from 'node:fs';
import { lstat, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { stackPlace, startStack, type StartedStack } from './testing/npm-start.js';
import { stackProcesses } from './testing/processes.js';

/**
 * `npm start` from outside: the embedded stack comes up on free ports, a newcomer's curl session
 * works (issue "Done when"), a child killed with SIGKILL is restarted while the others keep
 * serving, SIGTERM stops every process within 10 s, a second start finds the data intact, and a
 * supervisor killed with SIGKILL leaves no process behind (issue 13 items 4 and 5). The first start
 * has a Selenium Grid with Chromium, the second runs with QATRON_GRID=off (issue 16 item 1).
 */
let place: Awaited<ReturnType<typeof stackPlace>>;
let running: StartedStack | undefined;
let ports: StartedStack['ports'];
let token: string;
let gridPort: number;
const relocatedBefore = relocatedDataDirs();

/** Data directories earlier versions moved to /var/lib/qatron (none may appear any more). */
function relocatedDataDirs(): string[] {
  try {
    return readdirSync('/var/lib/qatron').filter((name) => name.startsWith('data-'));
  } catch {
    return [];
  }
}

const api = (path: string) => `http://127.0.0.1:${ports.api}${path}`;
async function call(method: string, path: string, bearer: string, body?: unknown) {
  const res = await fetch(api(path), {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
}
/** As the README's `curl -d username=admin -d password=admin` sends it. */
async function login(): Promise<string> {
  const res = await fetch(api('/api/v1/auth/login'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=admin&password=admin' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}
async function portClosed(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }).then(
    () => false,
    () => true,
  );
}
async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${running?.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The stack's node process running `script` (api or worker). */
function nodeProcess(script: string): number | undefined {
  return stackProcesses(place.home).find((p) => p.cmdline.includes(script) && p.cmdline.includes('node'))?.pid;
}

afterAll(async () => {
  running?.child.kill('SIGKILL');
  await place?.remove();
});

describe('npm start', () => {
  it('brings the stack up with a generated database password under QATRON_HOME, and serves the curl flow', async () => {
    place = await stackPlace();
    ports = place.ports;
    gridPort = ports.grid;
    running = await startStack(place, { QATRON_GRID: 'on' });
    expect(running.output()).toContain(`Board        http://127.0.0.1:${ports.board}`);
    expect(running.output()).toContain(`API          http://127.0.0.1:${ports.api}`);
    expect(running.output()).toContain(`Temporal UI  http://127.0.0.1:${ports.temporalUi}`);
    expect(running.output()).toContain('first start: created the Default Organization and the admin user');
    expect(running.output()).toContain(`Selenium Grid http://127.0.0.1:${gridPort}   (Chromium `);
    expect(running.output()).toMatch(/grid {8}Selenium Grid 4\.48\.0, Chromium \d+, 2 sessions, ready in \d+\.\d s/);
    const grid = (await (await fetch(`http://127.0.0.1:${gridPort}/status`)).json()) as any;
    expect(grid.value.ready).toBe(true);

    expect((await fetch(api('/healthz'))).status).toBe(200);
    expect((await fetch(api('/readyz'))).status).toBe(200);
    const board = await fetch(`http://127.0.0.1:${ports.board}/`);
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('QAtron');

    token = await login();
    const project = await call('POST', '/api/v1/projects', token, { name: 'shop', repo_url: 'https://git.example.test/shop.git' });
    expect(project.status).toBe(201);
    const environment = await call('POST', `/api/v1/projects/${project.body.id}/environments`, token, { name: 'staging', kind: 'staging', base_url: 'https://staging.example.test' });
    expect(environment.status).toBe(201);
    const suite = await call('POST', `/api/v1/projects/${project.body.id}/suites`, token, { name: 'smoke', shards: 4 });
    expect(suite.status).toBe(201);
    const run = await call('POST', '/api/v1/runs', token, { project_id: project.body.id, suite: 'smoke', environment: 'staging', branch: 'main' });
    expect(run.status).toBe(201);
    expect(run.body.status).toBe('queued');
    const audit = await call('GET', '/api/v1/audit-logs', token);
    expect(audit.status).toBe(200);
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.login', 'project.created', 'environment.created', 'suite.created', 'run.triggered']));
  });

  it('keeps its data and secrets under QATRON_HOME: the password is generated, 0600, and the old constant is refused', async () => {
    const file = join(place.home, 'secrets', 'postgres-password');
    const password = (await readFile(file, 'utf8')).trim();
    expect(password).not.toBe('qatron');
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(place.home, 'secrets'))).mode & 0o777).toBe(0o700);
    const refused = new pg.Client({ host: '127.0.0.1', port: ports.pg, user: 'qatron', password: 'qatron', database: 'qatron' });
    await expect(refused.connect()).rejects.toMatchObject({ code: '28P01' });
    await refused.end().catch(() => undefined);
    // The cluster is in QATRON_HOME itself, not moved to /var/lib/qatron behind a symlink.
    expect((await lstat(join(place.home, 'postgres'))).isDirectory()).toBe(true);
    expect(statSync(join(place.home, 'postgres', 'PG_VERSION')).isFile()).toBe(true);
    expect(relocatedDataDirs()).toEqual(relocatedBefore);
  });

  it('restarts PostgreSQL killed with SIGKILL, and the same API process serves again', async () => {
    const apiPid = nodeProcess('api/src/main.ts');
    expect(apiPid).toBeDefined();
    const postmaster = Number((await readFile(join(place.home, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');
    await until('the supervisor to restart postgres', () => running!.output().includes('postgres restarted (restart #1)'), 60_000);
    expect(running!.output()).toContain('postgres exited (signal SIGKILL); restarting in 1 s (restart #1)');
    await until('/readyz to answer 200 again', async () => (await fetch(api('/readyz'))).status === 200, 60_000);
    const projects = await until('an API request to work again', async () => {
      const res = await call('GET', '/api/v1/projects', token);
      return res.status === 200 ? res.body : undefined;
    }, 30_000);
    expect(projects.items.map((p: { name: string }) => p.name)).toEqual(['shop']);
    expect(nodeProcess('api/src/main.ts')).toBe(apiPid);
  });

  it('restarts the worker killed with SIGKILL', async () => {
    const workerPid = nodeProcess('worker/src/main.ts');
    expect(workerPid).toBeDefined();
    process.kill(workerPid!, 'SIGKILL');
    await until('the worker to poll again', () => running!.output().includes('worker restarted (restart #1)'), 60_000);
    expect(running!.output()).toContain('worker exited (signal SIGKILL); restarting in 1 s (restart #1)');
    const restarted = await until('a new worker process', () => nodeProcess('worker/src/main.ts'), 10_000);
    expect(restarted).not.toBe(workerPid);
    await until('the new worker to poll', () => new RegExp(`worker \\S+-${restarted} polling qatron-`).test(running!.output()), 60_000);
  });

  it('stops every process within 10 s on SIGTERM, in reverse order', async () => {
    const stack = running!;
    expect(stackProcesses(place.home).length).toBeGreaterThan(4);
    const began = Date.now();
    stack.child.kill('SIGTERM');
    expect(await stack.exited).toBe(0);
    const left = await until('every process of the stack to end', () => (stackProcesses(place.home).length === 0 ? [] : undefined), 10_000 - (Date.now() - began)).catch(() => stackProcesses(place.home));
    expect(left).toEqual([]);
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(stack.output()).toMatch(/worker stopped[\s\S]*api stopped[\s\S]*grid stopped[\s\S]*temporal stopped[\s\S]*postgres stopped/);
    for (const port of [ports.api, ports.board, ports.temporalUi, gridPort]) expect(await portClosed(port)).toBe(true);
    running = undefined;
  });

  it('finds the data intact at the next start (without a Grid: QATRON_GRID=off), and leaves no process behind when the supervisor is killed with SIGKILL', async () => {
    running = await startStack(place, { QATRON_GRID: 'off' });
    expect(running.output()).not.toContain('first start');
    expect(running.output()).toContain('  Selenium Grid: off (QATRON_GRID=off)\n');
    expect(running.output()).not.toContain('Selenium Grid http');
    const again = await login();
    const projects = await call('GET', '/api/v1/projects', again);
    expect(projects.body.items.map((p: { name: string }) => p.name)).toEqual(['shop']);
    const runs = await call('GET', '/api/v1/runs', again);
    expect(runs.body.total).toBe(1);

    const before = stackProcesses(place.home);
    for (const part of ['postgres -D', 'temporal server start-dev', 'api/src/main.ts', 'worker/src/main.ts']) {
      expect(before.some((p) => p.cmdline.includes(part)), part).toBe(true);
    }
    expect(before.filter((p) => p.cmdline.includes('selenium-server'))).toEqual([]);
    running.child.kill('SIGKILL');
    await running.exited;
    const left = await until('the children to die with their supervisor', () => (stackProcesses(place.home).length === 0 ? [] : undefined), 5_000).catch(() => stackProcesses(place.home));
    expect(left).toEqual([]);
    running = undefined;
    expect(relocatedDataDirs()).toEqual(relocatedBefore);
  });
});
