import { afterAll, describe, expect, it } from 'vitest';
import { stackPlace, startStack, type StartedStack } from './testing/npm-start.js';

/**
 * `npm start` from outside: the embedded stack comes up on free ports, a newcomer's curl session
 * works (issue "Done when"), Ctrl-C stops every process, and a second start finds the data intact.
 */
let place: Awaited<ReturnType<typeof stackPlace>>;
let running: StartedStack | undefined;
let ports: StartedStack['ports'];

async function startStackHere(): Promise<StartedStack> {
  running = await startStack(place);
  return running;
}

const stopStack = (started: StartedStack) => started.stop();

const api = (path: string) => `http://127.0.0.1:${ports.api}${path}`;
async function call(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(api(path), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
}
async function login(): Promise<string> {
  const res = await fetch(api('/api/v1/auth/login'), { method: 'POST', body: new URLSearchParams({ username: 'admin', password: 'admin' }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}
async function portClosed(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }).then(
    () => false,
    () => true,
  );
}

afterAll(async () => {
  running?.child.kill('SIGKILL');
  await place?.remove();
});

describe('npm start', () => {
  it('brings the stack up, serves the curl flow, stops cleanly and keeps the data', async () => {
    place = await stackPlace();
    ports = place.ports;

    const first = await startStackHere();
    expect(first.output()).toContain(`Board        http://127.0.0.1:${ports.board}`);
    expect(first.output()).toContain(`API          http://127.0.0.1:${ports.api}`);
    expect(first.output()).toContain(`Temporal UI  http://127.0.0.1:${ports.temporalUi}`);
    expect(first.output()).toContain('first start: created the Default Organization and the admin user');

    expect((await fetch(api('/healthz'))).status).toBe(200);
    const ready = await fetch(api('/readyz'));
    expect(ready.status).toBe(200);
    const board = await fetch(`http://127.0.0.1:${ports.board}/`);
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('QAtron');

    const token = await login();
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

    expect(await stopStack(first)).toBe(0);
    expect(first.output()).toMatch(/worker stopped[\s\S]*api stopped[\s\S]*temporal stopped[\s\S]*postgres stopped/);
    for (const port of [ports.api, ports.board, ports.temporalUi]) expect(await portClosed(port)).toBe(true);

    const second = await startStackHere();
    expect(second.output()).not.toContain('first start');
    const again = await login();
    const projects = await call('GET', '/api/v1/projects', again);
    expect(projects.body.items.map((p: { name: string }) => p.name)).toEqual(['shop']);
    const runs = await call('GET', '/api/v1/runs', again);
    expect(runs.body.total).toBe(1);
    expect(await stopStack(second)).toBe(0);
  });
});
