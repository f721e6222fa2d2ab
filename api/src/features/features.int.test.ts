import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Feature, ingestFeatureFiles, recordScenarioResults, Scenario, TestResult, type Environment, type Project, type Run, type Suite, type TestOutcome } from '@qatron/domain';
import { buildEnvironment, buildOrganization, buildProject, buildRun, buildServiceToken, buildSuite } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';
import { FeatureDetailOut, FeaturePage, IngestionErrorsOut, ScenarioHistoryOut } from './schema.js';

let api: TestApi;
let viewerToken: string;
let project: Project;
let runs: Run[];

const em = () => api.orm.em.fork();

const CHECKOUT = [
  '@web',
  'Feature: Checkout',
  '  Background:',
  '    Given a signed-in shopper',
  '',
  '  @smoke',
  '  Scenario: Pay by card',
  '    When I pay with:',
  '      | card | 4242 |',
  '    Then the order is confirmed',
  '',
  '  Scenario Outline: Pay in instalments',
  '    When I pay in <n> instalments',
  '    Then I see <n> due dates',
  '    Examples:',
  '      | n |',
  '      | 2 |',
  '      | 3 |',
  '',
  '  Scenario: Never executed',
  '    Then nothing happens',
].join('\n');

async function ingest(target: Project, files: Array<{ path: string; content: string }>, commit: string) {
  return ingestFeatureFiles(api.orm, { organizationId: target.organization, projectId: target.id, commit, files, complete: true });
}

/** A run of the project with its test results mapped to scenarios, as the reporting phase records them. */
async function executed(outcomes: Array<[nodeId: string, outcome: TestOutcome]>, suite: Suite, environment: Environment, commit: string): Promise<Run> {
  const fork = em();
  const run = await buildRun(fork, { project, suite, environment, branch: 'main' });
  run.commit = commit;
  run.status = 'failed';
  const results = outcomes.map(([nodeId, outcome]) => new TestResult(run, 0, nodeId, nodeId.split('::')[0]!, outcome, 0.25));
  await fork.persist(results).flush();
  await recordScenarioResults(
    em(),
    run,
    results.map((r) => ({ testResultId: r.id, nodeId: r.nodeId, outcome: r.outcome, durationSeconds: r.durationSeconds })),
  );
  return run;
}

beforeAll(async () => {
  api = await startTestApi();
  ({ token: viewerToken } = await api.userWithToken('viewer'));
  project = await buildProject(em(), { organization: api.organization });
  await ingest(
    project,
    [
      { path: 'features/checkout.feature', content: CHECKOUT },
      { path: 'features/search.feature', content: 'Feature: Search\n  Scenario: Find a product\n    When I search "apple"\n    Then I see 1 result\n' },
      { path: 'features/old.feature', content: 'Feature: Old\n  Scenario: Gone soon\n    Given x\n' },
      { path: 'features/broken.feature', content: 'Feature: Broken\n  Scenario: A\n    Given a table:\n      | a | b |\n      | 1 |\n' },
    ],
    'aaaa111',
  );
  // The old file is removed from the repository at the next commit.
  await ingest(
    project,
    [
      { path: 'features/checkout.feature', content: CHECKOUT },
      { path: 'features/search.feature', content: 'Feature: Search\n  Scenario: Find a product\n    When I search "apple"\n    Then I see 1 result\n' },
      { path: 'features/broken.feature', content: 'Feature: Broken\n  Scenario: A\n    Given a table:\n      | a | b |\n      | 1 |\n' },
    ],
    'bbbb222',
  );
  const suite = await buildSuite(em(), { project });
  const environment = await buildEnvironment(em(), { project });
  runs = [
    await executed(
      [
        ['tests/test_checkout.py::test_pay_by_card', 'failed'],
        ['tests/test_checkout.py::test_pay_in_instalments[2]', 'passed'],
      ],
      suite,
      environment,
      'bbbb222',
    ),
    await executed(
      [
        ['tests/test_checkout.py::test_pay_by_card', 'passed'],
        ['tests/test_checkout.py::test_pay_in_instalments[2]', 'passed'],
        ['tests/test_checkout.py::test_pay_in_instalments[3]', 'failed'],
        ['tests/test_search.py::test_find_a_product', 'skipped'],
      ],
      suite,
      environment,
      'bbbb222',
    ),
  ];
});
afterAll(() => api.close());

const get = (path: string, token = viewerToken) => api.request('GET', path, { token });
const featureId = async (path: string) => (await em().findOneOrFail(Feature, { project: project.id, path })).id;

describe('GET /api/v1/features', () => {
  it("lists a project's active features by path with scenario counts and coverage, matching the contract", async () => {
    const res = await get(`/api/v1/features?project_id=${project.id}`);
    expect(res.status).toBe(200);
    expect(FeaturePage.parse(res.body)).toEqual(res.body);
    expect(res.body.total).toBe(3);
    const items = res.body.items as Array<Record<string, unknown>>;
    expect(items.map((f) => [f.path, f.scenario_count, f.coverage, f.indexed_commit, f.is_active])).toEqual([
      ['features/broken.feature', 0, { never_run: 0, passed: 0, failed: 0, skipped: 0 }, 'bbbb222', true],
      ['features/checkout.feature', 3, { never_run: 1, passed: 1, failed: 1, skipped: 0 }, 'bbbb222', true],
      ['features/search.feature', 1, { never_run: 0, passed: 0, failed: 0, skipped: 1 }, 'bbbb222', true],
    ]);
    expect(items[0]!.parse_error).toEqual({ line: 5, message: '(5:7): inconsistent cell count within the table' });
    expect(items[1]).toMatchObject({ name: 'Checkout', tags: ['@web'], language: 'en', parse_error: null, project_id: project.id });
  });

  it('filters by tag (on the feature or one of its scenarios), by text, and includes removed files on request', async () => {
    const paths = async (query: string) => ((await get(`/api/v1/features?project_id=${project.id}&${query}`)).body.items as Array<{ path: string }>).map((f) => f.path);
    expect(await paths('tag=@smoke')).toEqual(['features/checkout.feature']);
    expect(await paths('tag=@nothing')).toEqual([]);
    expect(await paths('search=find a')).toEqual(['features/search.feature']);
    expect(await paths('search=checkout')).toEqual(['features/checkout.feature']);
    // LIKE wildcards are literal.
    expect(await paths('search=%25')).toEqual([]);
    expect(await paths('include_inactive=true')).toEqual(['features/broken.feature', 'features/checkout.feature', 'features/old.feature', 'features/search.feature']);
    const paged = await get(`/api/v1/features?project_id=${project.id}&limit=1&offset=1`);
    expect([paged.body.total, paged.body.limit, paged.body.offset, paged.body.items.map((f: { path: string }) => f.path)]).toEqual([3, 1, 1, ['features/checkout.feature']]);
  });

  it('answers 422 naming a bad parameter, 401 without a token, and nothing of other organizations or projects', async () => {
    const bad = await get('/api/v1/features?include_inactive=maybe');
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('query.include_inactive');
    expect((await get('/api/v1/features?limit=0')).body.errors[0].field).toBe('query.limit');
    expect((await api.request('GET', '/api/v1/features')).status).toBe(401);

    const foreign = await buildProject(em(), { organization: await buildOrganization(em()) });
    await ingest(foreign, [{ path: 'features/secret.feature', content: 'Feature: Secret\n  Scenario: Hidden\n    Given x\n' }], 'cccc333');
    const all = await get('/api/v1/features');
    expect((all.body.items as Array<{ path: string }>).map((f) => f.path)).not.toContain('features/secret.feature');
    expect((await get(`/api/v1/features?project_id=${foreign.id}`)).body.total).toBe(0);

    const other = await buildProject(em(), { organization: api.organization });
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: other, role: 'viewer' });
    expect((await get('/api/v1/features', scoped.token)).body.total).toBe(0);
    expect((await get(`/api/v1/features?project_id=${project.id}`, scoped.token)).body.total).toBe(0);
  });
});

describe('GET /api/v1/features/:id', () => {
  it('answers the feature with its scenarios, steps (background first), examples and status', async () => {
    const res = await get(`/api/v1/features/${await featureId('features/checkout.feature')}`);
    expect(res.status).toBe(200);
    expect(FeatureDetailOut.parse(res.body)).toEqual(res.body);
    const scenarios = res.body.scenarios as Array<Record<string, any>>;
    expect(scenarios.map((s) => [s.name, s.type, s.status, s.last_run_id, s.line_start, s.line_end, s.matched_by, s.is_active])).toEqual([
      ['Pay by card', 'scenario', 'passed', runs[1]!.id, 7, 10, 'new', true],
      ['Pay in instalments', 'scenario_outline', 'failed', runs[1]!.id, 12, 18, 'new', true],
      ['Never executed', 'scenario', 'never_run', null, 20, 21, 'new', true],
    ]);
    expect(scenarios[0]!.stable_id).toMatch(/^features\/checkout\.feature:7:10:[0-9a-f]{8}$/);
    expect(scenarios[0]!.tags).toEqual(['@web', '@smoke']);
    expect(scenarios[0]!.steps).toEqual([
      { position: 0, keyword: 'Given ', text: 'a signed-in shopper', data_table: null, doc_string: null },
      { position: 1, keyword: 'When ', text: 'I pay with:', data_table: [['card', '4242']], doc_string: null },
      { position: 2, keyword: 'Then ', text: 'the order is confirmed', data_table: null, doc_string: null },
    ]);
    expect(scenarios[1]!.examples).toEqual([{ name: '', tags: [], line: 15, header: ['n'], rows: [['2'], ['3']], row_lines: [17, 18] }]);
  });

  it('shows the scenarios of a removed file as inactive', async () => {
    const res = await get(`/api/v1/features/${await featureId('features/old.feature')}`);
    expect(res.status).toBe(200);
    expect([res.body.is_active, res.body.scenarios.map((s: { is_active: boolean }) => s.is_active)]).toEqual([false, [false]]);
  });

  it('answers 404 for a feature of another organization, and 422 for a bad id', async () => {
    const foreign = await buildProject(em(), { organization: await buildOrganization(em()) });
    await ingest(foreign, [{ path: 'features/x.feature', content: 'Feature: X\n  Scenario: Y\n    Given z\n' }], 'dddd444');
    const id = (await em().findOneOrFail(Feature, { project: foreign.id })).id;
    const res = await get(`/api/v1/features/${id}`);
    expect(res.status).toBe(404);
    expect((await get('/api/v1/features/abc')).status).toBe(422);
  });
});

describe('GET /api/v1/scenarios/:id/history', () => {
  it("lists the scenario's results newest run first, one per outline row, with the run's branch, commit and status", async () => {
    const outline = await em().findOneOrFail(Scenario, { project: project.id, name: 'Pay in instalments' });
    const res = await get(`/api/v1/scenarios/${outline.id}/history`);
    expect(res.status).toBe(200);
    expect(ScenarioHistoryOut.parse(res.body)).toEqual(res.body);
    expect(res.body.items.map((i: Record<string, unknown>) => [i.run_id, i.outcome, i.example_line, i.branch, i.commit_sha, i.run_status])).toEqual([
      [runs[1]!.id, 'passed', 17, 'main', 'bbbb222', 'failed'],
      [runs[1]!.id, 'failed', 18, 'main', 'bbbb222', 'failed'],
      [runs[0]!.id, 'passed', 17, 'main', 'bbbb222', 'failed'],
    ]);
    expect((await get(`/api/v1/scenarios/${outline.id}/history?limit=1`)).body.items).toHaveLength(1);
    expect((await get(`/api/v1/scenarios/${outline.id}/history?limit=0`)).status).toBe(422);
  });

  it('answers 404 to a project-scoped token of another project', async () => {
    const outline = await em().findOneOrFail(Scenario, { project: project.id, name: 'Pay in instalments' });
    const other = await buildProject(em(), { organization: api.organization });
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: other, role: 'viewer' });
    expect((await get(`/api/v1/scenarios/${outline.id}/history`, scoped.token)).status).toBe(404);
    const own = await buildServiceToken(em(), { organization: api.organization, project, role: 'viewer' });
    expect((await get(`/api/v1/scenarios/${outline.id}/history`, own.token)).status).toBe(200);
  });
});

describe('GET /api/v1/features/projects/:id/ingestion-errors', () => {
  it('lists the files that did not parse, with line and message', async () => {
    const res = await get(`/api/v1/features/projects/${project.id}/ingestion-errors`);
    expect(res.status).toBe(200);
    expect(IngestionErrorsOut.parse(res.body)).toEqual(res.body);
    expect(res.body.items.map((i: Record<string, unknown>) => [i.path, i.line, i.message, i.indexed_commit])).toEqual([
      ['features/broken.feature', 5, '(5:7): inconsistent cell count within the table', 'bbbb222'],
    ]);
  });

  it('answers 404 for a project of another organization', async () => {
    const foreign = await buildProject(em(), { organization: await buildOrganization(em()) });
    expect((await get(`/api/v1/features/projects/${foreign.id}/ingestion-errors`)).status).toBe(404);
  });
});
