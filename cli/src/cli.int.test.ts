import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../api/src/testing/harness.js';
import { runQatron } from './testing/bin.js';


let api: TestApi;
let home: string;

beforeAll(async () => {
  api = await startTestApi();
  home = await mkdtemp(join(tmpdir(), 'qatron-cli-int-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await api?.close();
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real bin as a subprocess with its own config directory. */
const qatron = (args: string[], env: Record<string, string> = {}, configDir = join(home, 'config')): Promise<Result> => runQatron(args, { home, env, configDir });

async function json(args: string[], env?: Record<string, string>) {
  const result = await qatron([...args, '--output', 'json'], env);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

describe('qatron against a real API', () => {
  it('logs in with a password, tells who it is, and stores the token 0600', async () => {
    const login = await qatron(['login', '--url', api.url, '--username', 'admin', '--password', 'admin']);
    expect(login).toMatchObject({ code: 0, stderr: '' });
    expect(login.stdout).toBe(`Logged in to ${api.url} as admin (admin); credentials saved in ${join(home, 'config', 'credentials.json')}\n`);
    expect((await stat(join(home, 'config', 'credentials.json'))).mode & 0o777).toBe(0o600);
    const me = await json(['whoami']);
    expect(me).toMatchObject({ url: api.url, kind: 'user', name: 'admin', role: 'admin' });
  });

  it('creates, lists, gets, updates and deletes projects, environments and suites by name', async () => {
    const project = await json(['projects', 'create', '--name', 'cli-shop', '--repo-url', 'https://example.com/shop.git', '--description', 'CLI test']);
    expect(project).toMatchObject({ name: 'cli-shop', repo_url: 'https://example.com/shop.git', default_branch: 'main', auth_method: 'none' });

    const table = await qatron(['projects', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+REPO URL\s+DEFAULT BRANCH\s+AUTH METHOD\s+ENVS\s+SUITES$/);
    expect(table.stdout).toContain('cli-shop');
    expect((await json(['projects', 'get', 'cli-shop'])).id).toBe(project.id);
    expect(await json(['projects', 'update', 'cli-shop', '--default-branch', 'develop'])).toMatchObject({ id: project.id, default_branch: 'develop' });

    const env = await json(['environments', 'create', '--project', 'cli-shop', '--name', 'staging', '--kind', 'staging', '--base-url', 'https://staging.example.com', '--var', 'LOCALE=en', '--var', 'MODE=fast', '--secret-ref', 'API_KEY=SHOP_API_KEY']);
    expect(env).toMatchObject({ project_id: project.id, name: 'staging', kind: 'staging', variables: { LOCALE: 'en', MODE: 'fast' }, secret_refs: { API_KEY: 'SHOP_API_KEY' } });
    expect((await json(['environments', 'list', '--project', String(project.id)])).map((e: any) => e.name)).toEqual(['staging']);
    expect((await json(['environments', 'get', 'staging', '--project', 'cli-shop'])).id).toBe(env.id);
    expect(await json(['environments', 'update', String(env.id), '--retention-days', '30'])).toMatchObject({ retention_days: 30, effective_retention_days: 30 });

    const suite = await json(['suites', 'create', '--project', 'cli-shop', '--name', 'smoke', '--markers', 'smoke', '--path', 'tests/', '--path', 'features/', '--shards', '2', '--coverage-threshold', '80']);
    expect(suite).toMatchObject({ name: 'smoke', markers: 'smoke', paths: ['tests/', 'features/'], shards: 2, coverage_threshold: 80 });
    expect((await json(['suites', 'list', '--project', 'cli-shop'])).map((s: any) => s.name)).toEqual(['smoke']);
    expect(await json(['suites', 'update', 'smoke', '--project', 'cli-shop', '--retries', '1', '--coverage-threshold', 'none'])).toMatchObject({ retries: 1, coverage_threshold: null });
    const yaml = await qatron(['suites', 'get', String(suite.id), '--output', 'yaml']);
    expect(yaml.stdout).toContain('name: smoke\n');
    expect(yaml.stdout).toContain('paths:\n- tests/\n- features/\n');

    // A run stays queued here (no run engine), which is all `run` without --wait needs.
    const run = await qatron(['run', '--suite', 'smoke', '--env', 'staging', '--project', 'cli-shop']);
    expect(run.code).toBe(0);
    const id = Number(/^Run (\d+) queued: cli-shop \/ smoke on staging \(develop\)\n/.exec(run.stdout)?.[1]);
    expect(id).toBeGreaterThan(0);
    expect(run.stdout).toContain(`\n${api.url}/runs/${id}\n`);

    const status = await json(['status', String(id)]);
    expect(status).toMatchObject({ id, status: 'queued', project_name: 'cli-shop', suite_name: 'smoke', environment_name: 'staging', board_url: `${api.url}/runs/${id}` });
    const statusTable = await qatron(['status', String(id)]);
    expect(statusTable.stdout).toMatch(/^STATUS\s+queued$/m);

    const runs = await json(['runs', 'list', '--project', 'cli-shop', '--suite', 'smoke', '--status', 'queued']);
    expect(runs.map((r: any) => r.id)).toEqual([id]);
    expect(await json(['runs', 'list', '--status', 'completed', '--project', 'cli-shop'])).toEqual([]);
    expect((await json(['artifacts', 'list', String(id)]))).toEqual([]);

    const boardEnv = { QATRON_BOARD_URL: 'https://board.example.com' };
    const viaQatronYaml = await qatron(['run', '--suite', String(suite.id), '--env', 'staging', '--project', 'cli-shop', '--output', 'json'], boardEnv);
    expect(JSON.parse(viaQatronYaml.stdout)).toMatchObject({ status: 'queued', board_url: expect.stringMatching(/^https:\/\/board\.example\.com\/runs\/\d+$/) });

    // A run in progress blocks deletes (409, exit 4); cancel it the way the Board does, then delete.
    for (const r of await json(['runs', 'list', '--project', 'cli-shop'])) {
      await api.request('PUT', `/api/v1/runs/${r.id}`, { token: await api.login('admin', 'admin'), json: { status: 'cancelled' } });
    }
    expect(await qatron(['suites', 'delete', 'smoke', '--project', 'cli-shop'])).toMatchObject({ code: 0, stdout: `Deleted suite smoke (${suite.id})\n` });
    expect(await qatron(['environments', 'delete', 'staging', '--project', 'cli-shop'])).toMatchObject({ code: 0, stdout: `Deleted environment staging (${env.id})\n` });
    expect(await qatron(['projects', 'delete', 'cli-shop'])).toMatchObject({ code: 0, stdout: `Deleted project cli-shop (${project.id})\n` });
    expect(await qatron(['projects', 'get', 'cli-shop'])).toEqual({ code: 4, stdout: '', stderr: 'qatron: project "cli-shop" not found\n' });
    expect(await qatron(['projects', 'get', String(project.id)])).toEqual({ code: 4, stdout: '', stderr: `qatron: Not found: Project ${project.id} not found\n` });
  });

  it('shows a 422 from the API as one line with exit 3', async () => {
    const result = await qatron(['projects', 'create', '--name', 'bad', '--repo-url', 'https://user:pw@example.com/x.git', '--auth-method', 'sideways']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^qatron: Validation failed: [^\n]*auth_method: [^\n]*\n$/);
  });

  it('creates, lists and revokes service tokens, and logs in with one', async () => {
    const created = await json(['tokens', 'create', '--name', 'ci', '--role', 'user']);
    expect(created).toMatchObject({ name: 'ci', role: 'user', is_active: true, token: expect.any(String) });
    const listed = await json(['tokens', 'list']);
    expect(listed.find((t: any) => t.id === created.id)).toMatchObject({ name: 'ci', is_active: true });
    expect(JSON.stringify(listed)).not.toContain(created.token);

    const ciConfig = join(home, 'ci-config');
    const login = await qatron(['login', '--url', api.url, '--token', created.token], {}, ciConfig);
    expect(login).toMatchObject({ code: 0, stderr: '' });
    const me = await qatron(['whoami', '--output', 'json'], {}, ciConfig);
    expect(JSON.parse(me.stdout)).toMatchObject({ kind: 'service_token', name: 'token:ci', role: 'user' });
    // The environment variable alone is enough in CI.
    const viaEnv = await qatron(['whoami', '--output', 'json'], { QATRON_API_URL: api.url, QATRON_SERVICE_TOKEN: created.token }, join(home, 'empty'));
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ kind: 'service_token', name: 'token:ci' });

    expect(await qatron(['tokens', 'revoke', String(created.id)])).toMatchObject({ code: 0, stdout: `Revoked service token ci (${created.id})\n` });
    const refused = await qatron(['whoami'], {}, ciConfig);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^qatron: Unauthorized: [^\n]+\n$/);
    expect(await qatron(['logout'], {}, ciConfig)).toMatchObject({ code: 0, stdout: `Logged out of ${api.url}\n` });
  });

  it('logs out: the session token is refused afterwards (exit 3) and the file is gone', async () => {
    const file = join(home, 'config', 'credentials.json');
    const { token } = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8')));
    expect(await qatron(['logout'])).toEqual({ code: 0, stdout: `Logged out of ${api.url}\n`, stderr: '' });
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    const refused = await qatron(['whoami', '--url', api.url, '--token', token]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^qatron: Unauthorized: [^\n]+\n$/);
    expect((await qatron(['whoami'])).code).toBe(3);
    expect(await qatron(['logout'])).toEqual({ code: 0, stdout: 'Not logged in\n', stderr: '' });
  });

  it('refuses a wrong password with exit 3', async () => {
    const result = await qatron(['login', '--url', api.url, '--username', 'admin', '--password', 'wrong-password']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^qatron: Unauthorized: [^\n]+\n$/);
  });

  it('prints help texts without an API', async () => {
    const help = await qatron(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: qatron COMMAND');
    const runHelp = await qatron(['run', '--help']);
    expect(runHelp.stdout).toContain('Usage: qatron run --suite SUITE --env ENVIRONMENT');
    expect(runHelp.stdout).toContain('Examples:\n  qatron run --suite smoke --env staging\n');
  });
  it('registers a dataset and uploads versions from files; a bad version label is one readable line', async () => {
    const { writeFile } = await import('node:fs/promises');
    expect((await qatron(['login', '--url', api.url, '--username', 'admin', '--password', 'admin'])).code).toBe(0);
    await json(['projects', 'create', '--name', 'data-shop', '--repo-url', 'https://example.com/data.git']);
    const created = await json(['datasets', 'create', '--name', 'customers', '--project', 'data-shop', '--description', 'checkout customers']);
    expect(created).toMatchObject({ name: 'customers', description: 'checkout customers', latest_version: null });
    const file = join(home, 'customers.csv');
    await writeFile(file, 'email,tier\nann@example.com,gold\n');
    const version = await json(['datasets', 'upload', 'customers', file, '--version', 'v1']);
    expect(version).toMatchObject({ version: 'v1', file_name: 'customers.csv', content_type: 'text/csv; charset=utf-8' });
    expect(version.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    const table = await qatron(['datasets', 'get', 'customers']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('customers.csv');
    const listed = await json(['datasets', 'list', '--project', 'data-shop']);
    expect(listed.map((d: { name: string; latest_version: { version: string } }) => [d.name, d.latest_version.version])).toEqual([['customers', 'v1']]);
    const again = await qatron(['datasets', 'upload', 'customers', file, '--version', 'v1']);
    expect(again.code).toBe(4);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain('already has a version v1');
    const bad = await qatron(['datasets', 'upload', 'customers', file, '--version', 'v 1']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/version/);
    const missing = await qatron(['datasets', 'upload', 'customers', join(home, 'nope.csv'), '--version', 'v2']);
    expect(missing).toMatchObject({ code: 3 });
    expect(missing.stderr).toContain('nope.csv');
  });
});
