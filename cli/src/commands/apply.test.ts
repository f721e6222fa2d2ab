import { describe, expect, it } from 'vitest';
import { parseProjectFile } from '../project-file.js';
import { applyProjectFile, changedFields, describeResult } from './apply.js';

const FILE = {
  project: { name: 'shop', repo_url: 'https://g.test/shop.git' },
  environments: [{ name: 'staging', kind: 'staging' as const, base_url: 'https://staging.test', variables: { A: '1' } }],
  suites: [{ name: 'smoke', markers: 'smoke', shards: 1 }],
};

/** A fake API: answers lists from `state`, records every request. */
function fakeClient(state: { projects: any[]; environments: any[]; suites: any[]; grids?: any[] }) {
  const calls: string[] = [];
  let nextId = 100;
  return {
    calls,
    async request(method: string, path: string, options: { json?: any; query?: any } = {}) {
      calls.push(`${method} ${path}${options.json ? ` ${JSON.stringify(options.json)}` : ''}`);
      if (method === 'GET') {
        const items =
          path === '/api/v1/projects'
            ? state.projects.filter((p) => p.name.includes(options.query.q))
            : path === '/api/v1/infrastructure'
              ? (state.grids ?? []).filter((g) => g.kind === options.query.kind)
              : path.endsWith('/environments')
                ? state.environments
                : state.suites;
        return { items, total: items.length, limit: 200, offset: 0 };
      }
      return { id: nextId++, ...options.json };
    },
  };
}

describe('changedFields', () => {
  it('compares only the fields the file gives, maps regardless of key order', () => {
    const existing = { name: 'staging', base_url: 'https://a.test', variables: { A: '1', B: '2' }, retention_days: null, secret_refs: {} };
    expect(changedFields(existing, { name: 'staging', variables: { B: '2', A: '1' } })).toEqual({});
    expect(changedFields(existing, { variables: { A: '1' }, retention_days: 30 })).toEqual({ variables: { A: '1' }, retention_days: 30 });
    expect(changedFields({ paths: ['a', 'b'] }, { paths: ['b', 'a'] })).toEqual({ paths: ['b', 'a'] });
    expect(changedFields({ secret_ref: null }, { secret_ref: null })).toEqual({});
  });
});

describe('applyProjectFile', () => {
  it('creates the project, then its environments and suites under the new id', async () => {
    const client = fakeClient({ projects: [{ id: 1, name: 'shop-old' }], environments: [], suites: [] });
    const results = await applyProjectFile(client, FILE);
    expect(client.calls).toEqual([
      'GET /api/v1/projects',
      'POST /api/v1/projects {"name":"shop","repo_url":"https://g.test/shop.git"}',
      'GET /api/v1/projects/100/environments',
      'POST /api/v1/projects/100/environments {"name":"staging","kind":"staging","base_url":"https://staging.test","variables":{"A":"1"}}',
      'GET /api/v1/projects/100/suites',
      'POST /api/v1/projects/100/suites {"name":"smoke","markers":"smoke","shards":1}',
    ]);
    expect(results.map((r) => describeResult(r))).toEqual(['project     shop: created', 'environment staging: created', 'suite       smoke: created']);
  });

  it('with dryRun, only reads, even when the project does not exist yet', async () => {
    const client = fakeClient({ projects: [], environments: [], suites: [] });
    const results = await applyProjectFile(client, FILE, { dryRun: true });
    expect(client.calls).toEqual(['GET /api/v1/projects']);
    expect(results.map((r) => describeResult(r, true))).toEqual(['project     shop: would be created', 'environment staging: would be created', 'suite       smoke: would be created']);
  });

  it('sends only the changed fields in a PUT', async () => {
    const client = fakeClient({
      projects: [{ id: 7, name: 'shop', repo_url: 'https://g.test/shop.git' }],
      environments: [{ id: 8, name: 'staging', kind: 'staging', base_url: 'https://old.test', variables: { A: '1' } }],
      suites: [{ id: 9, name: 'smoke', markers: 'smoke', shards: 1 }],
    });
    const results = await applyProjectFile(client, FILE);
    expect(client.calls.filter((c) => !c.startsWith('GET'))).toEqual(['PUT /api/v1/environments/8 {"base_url":"https://staging.test"}']);
    expect(results.map((r) => describeResult(r))).toEqual(['project     shop: unchanged', 'environment staging: updated (base_url)', 'suite       smoke: unchanged']);
  });

  it("sends a suite's coverage, empty-selection, install and Python settings: all on creation, the changed ones on update", async () => {
    const file = parseProjectFile(
      [
        'project:',
        '  name: shop',
        '  repo_url: https://g.test/shop.git',
        'suites:',
        '  - name: fast',
        '    coverage: false',
        '    allow_empty: true',
        '    install_command: pip install -e .[test]',
        '    python_version: "3.12"',
        '  - name: smoke',
        '    coverage: false',
        '    python_version: "3.11"',
        '',
      ].join('\n'),
    );
    const client = fakeClient({
      projects: [{ id: 7, name: 'shop', repo_url: 'https://g.test/shop.git' }],
      environments: [],
      suites: [{ id: 9, name: 'smoke', coverage: true, coverage_threshold: 80, allow_empty: false, install_command: null, python_version: '3.11' }],
    });
    const results = await applyProjectFile(client, file);
    expect(client.calls.filter((c) => !c.startsWith('GET'))).toEqual([
      'POST /api/v1/projects/7/suites {"name":"fast","coverage":false,"coverage_threshold":null,"allow_empty":true,"install_command":"pip install -e .[test]","python_version":"3.12"}',
      'PUT /api/v1/suites/9 {"coverage":false,"coverage_threshold":null}',
    ]);
    expect(results.map((r) => describeResult(r))).toEqual(['project     shop: unchanged', 'suite       fast: created', 'suite       smoke: updated (coverage, coverage_threshold)']);
  });

  describe("an environment's grid", () => {
    const file = (grids: string) =>
      parseProjectFile(`project:\n  name: shop\n  repo_url: https://g.test/shop.git\nenvironments:\n${grids}`);
    const state = () => ({
      projects: [{ id: 7, name: 'shop', repo_url: 'https://g.test/shop.git' }],
      environments: [
        { id: 8, name: 'staging', kind: 'staging', grid_id: null },
        { id: 9, name: 'production', kind: 'production', grid_id: 3 },
        { id: 10, name: 'development', kind: 'development', grid_id: 3 },
      ],
      suites: [],
      grids: [{ id: 3, name: 'local', kind: 'grid' }, { id: 4, name: 'ci-grid', kind: 'grid' }, { id: 5, name: 'worker-1', kind: 'worker' }],
    });

    it('is sent as the id of the Grid of that name; null unsets it and no grid leaves it alone', async () => {
      const client = fakeClient(state());
      const results = await applyProjectFile(client, file('  - name: staging\n    grid: ci-grid\n  - name: production\n    grid: null\n  - name: development\n  - name: qa\n    kind: staging\n    grid: local\n'));
      expect(client.calls.filter((c) => !c.startsWith('GET /api/v1/projects'))).toEqual([
        'GET /api/v1/infrastructure',
        'PUT /api/v1/environments/8 {"grid_id":4}',
        'PUT /api/v1/environments/9 {"grid_id":null}',
        'POST /api/v1/projects/7/environments {"name":"qa","kind":"staging","grid_id":3}',
      ]);
      expect(results.map((r) => describeResult(r))).toEqual([
        'project     shop: unchanged',
        'environment staging: updated (grid_id)',
        'environment production: updated (grid_id)',
        'environment development: unchanged',
        'environment qa: created',
      ]);
    });

    it('refuses an unknown Grid in one line naming the environment and the Grid, before changing anything', async () => {
      const client = fakeClient(state());
      const applying = applyProjectFile(client, file('  - name: production\n    base_url: https://new.test\n  - name: staging\n    grid: worker-1\n'));
      await expect(applying).rejects.toThrow(
        'environment staging: no Selenium Grid is registered as "worker-1" (see `qatron grids list`, or register it with `qatron grids add worker-1 URL`)',
      );
      await expect(applying).rejects.toMatchObject({ exitCode: 3 });
      expect(client.calls).toEqual(['GET /api/v1/infrastructure']);
    });
  });
});
