/**
 * `qatron apply` against a real API on a real PostgreSQL: the first apply creates the project, its
 * three environments and two suites; the next one changes nothing; an edit updates just what changed.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { ApiClient } from '../client.js';
import { Output } from '../output.js';
import apply from './apply.js';
import init from './init.js';

describe('qatron apply against the API', () => {
  let api: TestApi;
  let client: ApiClient;
  let root: string;
  let file: string;

  /** Runs `qatron apply --file <file> [options]`; resolves to the exit code and what it printed. */
  async function runApply(options: Record<string, unknown> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const stdout = { write: (s: string) => out.push(s) };
    const stderr = { write: (s: string) => err.push(s) };
    const ctx = {
      args: [],
      options: { file, ...options },
      client,
      config: { url: api.url, token: client.token },
      output: new Output((options.output as 'json' | undefined) ?? 'table', stdout, stderr),
      io: { stdout, stderr, stdin: {}, isTTY: false },
      env: {},
    } as any;
    const code = await apply.run(ctx);
    return { code, stdout: out.join(''), stderr: err.join('') };
  }

  beforeAll(async () => {
    api = await startTestApi();
    client = new ApiClient({ url: api.url, token: await api.login('admin', 'admin') });
    root = await mkdtemp(join(tmpdir(), 'qatron-apply-int-'));
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, stdin: {}, isTTY: false };
    await init.run({ args: [join(root, 'demo')], options: { 'repo-url': 'https://github.com/acme/demo-tests.git' }, client, config: {}, output: {}, io, env: {} } as any);
    file = join(root, 'demo', 'qatron.yaml');
  });

  afterAll(async () => {
    await api?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('first creates the project, 3 environments and 2 suites with the values of the file', async () => {
    const { code, stdout } = await runApply();
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toEqual([
      'project     demo: created',
      'environment development: created',
      'environment staging: created',
      'environment production: created',
      'suite       smoke: created',
      'suite       regression: created',
    ]);
    const projects = (await client.request('GET', '/api/v1/projects', { query: { q: 'demo' } })).items;
    expect(projects).toEqual([
      expect.objectContaining({ name: 'demo', description: 'Tests of demo', repo_url: 'https://github.com/acme/demo-tests.git', default_branch: 'main', auth_method: 'none', environment_count: 3, suite_count: 2 }),
    ]);
    const id = projects[0].id;
    const environments = (await client.request('GET', `/api/v1/projects/${id}/environments`)).items;
    expect(environments.map((e: any) => [e.name, e.kind, e.base_url, e.retention_days, e.variables]).sort()).toEqual([
      ['development', 'development', 'http://localhost:8080', 7, { LOG_LEVEL: 'debug' }],
      ['production', 'production', 'https://www.example.com', 90, {}],
      ['staging', 'staging', 'https://staging.example.com', 30, {}],
    ]);
    const suites = (await client.request('GET', `/api/v1/projects/${id}/suites`)).items;
    expect(suites.map((s: any) => [s.name, s.layer, s.markers, s.shards, s.retries, s.timeout_seconds, s.coverage_threshold]).sort()).toEqual([
      ['regression', 'integration', '', 4, 1, 3600, 80],
      ['smoke', 'e2e', 'smoke', 1, 1, 900, null],
    ]);
  });

  it('then reports everything unchanged', async () => {
    const { code, stdout } = await runApply();
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toEqual([
      'project     demo: unchanged',
      'environment development: unchanged',
      'environment staging: unchanged',
      'environment production: unchanged',
      'suite       smoke: unchanged',
      'suite       regression: unchanged',
    ]);
  });

  it('updates just the suite whose shard count changed; --dry-run shows it first without changing it', async () => {
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('shards: 4', 'shards: 6'));

    const dry = await runApply({ 'dry-run': true });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('suite       regression: would be updated (shards)\n');
    expect(dry.stdout).toContain('suite       smoke: unchanged\n');

    const { code, stdout } = await runApply({ output: 'json' });
    expect(code).toBe(0);
    const results = JSON.parse(stdout);
    expect(results.map((r: any) => [r.resource, r.name, r.action, r.changed])).toEqual([
      ['project', 'demo', 'unchanged', []],
      ['environment', 'development', 'unchanged', []],
      ['environment', 'staging', 'unchanged', []],
      ['environment', 'production', 'unchanged', []],
      ['suite', 'smoke', 'unchanged', []],
      ['suite', 'regression', 'updated', ['shards']],
    ]);
    const suite = await client.request('GET', `/api/v1/suites/${results[5].id}`);
    expect(suite).toMatchObject({ name: 'regression', shards: 6, retries: 1, coverage_threshold: 80 });
  });

  it('never deletes what the file does not name', async () => {
    const text = await readFile(file, 'utf8');
    // Keep only the first environment and no suites.
    await writeFile(file, text.slice(0, text.indexOf('  - name: staging')) + 'suites: []\n');
    const { stdout } = await runApply();
    expect(stdout.trimEnd().split('\n')).toEqual(['project     demo: unchanged', 'environment development: unchanged']);
    const project = (await client.request('GET', '/api/v1/projects', { query: { q: 'demo' } })).items[0];
    expect(project).toMatchObject({ environment_count: 3, suite_count: 2 });
  });

  it("sets an environment's Grid by name, then leaves it; an unknown Grid is refused naming both, changing nothing", async () => {
    // A Grid where nothing listens is registered all the same (unhealthy); apply only needs its id.
    const grid = await client.request('POST', '/api/v1/infrastructure', { json: { name: 'local', kind: 'grid', url: 'http://127.0.0.1:9' } });
    const head = 'project:\n  name: demo\n  repo_url: https://github.com/acme/demo-tests.git\nenvironments:\n  - name: development\n';
    await writeFile(file, `${head}    grid: local\n`);
    expect((await runApply()).stdout).toBe('project     demo: unchanged\nenvironment development: updated (grid_id)\n');
    expect((await runApply()).stdout).toBe('project     demo: unchanged\nenvironment development: unchanged\n');
    const project = (await client.request('GET', '/api/v1/projects', { query: { q: 'demo' } })).items[0];
    const development = () => client.request('GET', `/api/v1/projects/${project.id}/environments`).then((page) => page.items.find((e: { name: string }) => e.name === 'development'));
    expect(await development()).toMatchObject({ grid_id: grid.id, grid_name: 'local' });

    await writeFile(file, `${head}    base_url: http://localhost:9999\n    grid: nowhere\n`);
    await expect(runApply()).rejects.toThrow('environment development: no Selenium Grid is registered as "nowhere"');
    expect(await development()).toMatchObject({ base_url: 'http://localhost:8080', grid_id: grid.id });

    await writeFile(file, `${head}    grid: null\n`);
    expect((await runApply()).stdout).toBe('project     demo: unchanged\nenvironment development: updated (grid_id)\n');
    expect(await development()).toMatchObject({ grid_id: null, grid_name: null });
  });

  it('exits 3 with the line of an invalid key, before calling the API', async () => {
    await writeFile(file, 'project:\n  name: demo\n  repo_url: https://github.com/acme/demo-tests.git\nsuites:\n  - name: smoke\n    shards: 0\n');
    const { code, stderr } = await runApply();
    expect(code).toBe(3);
    expect(stderr).toBe(`qatron: ${file}:6: suites[0].shards: must be at least 1\n`);
  });
});
