import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCategories, loadConfig, Quarantine, Run, TestHealth, TestResult, type Environment, type Project, type RunConclusion, type Suite, type TestOutcome } from '@qatron/domain';
import { buildEnvironment, buildOrganization, buildProject, buildRun, buildServiceToken, buildSuite } from '@qatron/domain/testing';
import { DEFAULT_TEST_HEALTH_POLICY } from '@qatron/domain/test-health/classify';
import { appendToWindow, type WindowEntry } from '@qatron/domain/test-health/window';
import { createFinalizeActivities } from '@qatron/activities/runs/finalize';
import { windowEntryOf } from '@qatron/activities/runs/test-health';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { TestHealthDetail, TestHealthPage } from '@qatron/api/test-health/schema';

/**
 * Per-test health through the real finalize activity on a real PostgreSQL (issue 15 item 1): runs'
 * results are written as the shards write them, each run is finalized, and after every run the
 * rows updated incrementally must equal a from-scratch computation over test_results; then the API
 * answers from them.
 */
let api: TestApi;
let viewer: string;
let project: Project;
let suite: Suite;
let staging: Environment;
const em = () => api.orm.em.fork();
const finalize = () => createFinalizeActivities({ em }).finalizeRun;

const STABLE = 'tests/test_cart.py::test_add';
const FLAKY = 'tests/test_cart.py::test_checkout_timeout';
const REGRESSION = 'tests/test_pricing.py::test_discount[10-0.9]';
const RETRIED = 'tests/test_search.py::test_suggest';
const SKIPPED = 'tests/test_search.py::test_legacy';

/** Seven runs: commit a three times, then b, then c (where the regression lands) and again c. */
const RUNS: Array<{ commit: string; outcomes: Record<string, TestOutcome | 'retried'> }> = [
  { commit: 'a1', outcomes: { [STABLE]: 'passed', [FLAKY]: 'passed', [REGRESSION]: 'passed', [RETRIED]: 'passed', [SKIPPED]: 'skipped' } },
  { commit: 'a1', outcomes: { [STABLE]: 'passed', [FLAKY]: 'failed', [REGRESSION]: 'passed', [RETRIED]: 'passed', [SKIPPED]: 'skipped' } },
  { commit: 'a1', outcomes: { [STABLE]: 'passed', [FLAKY]: 'passed', [REGRESSION]: 'passed', [RETRIED]: 'retried', [SKIPPED]: 'skipped' } },
  { commit: 'b2', outcomes: { [STABLE]: 'passed', [FLAKY]: 'error', [REGRESSION]: 'passed', [RETRIED]: 'passed', [SKIPPED]: 'passed' } },
  { commit: 'c3', outcomes: { [STABLE]: 'passed', [FLAKY]: 'passed', [REGRESSION]: 'failed', [RETRIED]: 'passed', [SKIPPED]: 'skipped' } },
  { commit: 'c3', outcomes: { [STABLE]: 'xfailed', [FLAKY]: 'failed', [REGRESSION]: 'failed', [RETRIED]: 'passed' } },
  { commit: 'c3', outcomes: { [STABLE]: 'passed', [FLAKY]: 'passed', [REGRESSION]: 'failed', [RETRIED]: 'passed' } },
];

beforeAll(async () => {
  api = await startTestApi();
  ({ token: viewer } = await api.userWithToken('viewer'));
  project = await buildProject(em(), { organization: api.organization });
  suite = await buildSuite(em(), { project, name: 'regression' });
  staging = await buildEnvironment(em(), { project, kind: 'staging', name: 'staging' });
});
afterAll(() => api?.close());

/** A run that got as far as its shard: the commit resolved, results recorded as the shard records them. */
async function runWith(commit: string, outcomes: Record<string, TestOutcome | 'retried'>, environment = staging): Promise<Run> {
  const run = await buildRun(em(), { project, suite, environment, status: 'running' });
  const fork = em();
  const row = await fork.findOneOrFail(Run, { id: run.id });
  row.commit = commit;
  for (const [nodeId, outcome] of Object.entries(outcomes)) {
    const result = new TestResult(row, 0, nodeId, nodeId.split('::')[0]!, outcome === 'retried' ? 'passed' : outcome, 0.25 + nodeId.length / 100);
    if (outcome === 'retried') Object.assign(result, { flaky: true, attempts: 2 });
    fork.persist(result);
  }
  await fork.flush();
  return row;
}

function conclusionOf(run: Run, outcomes: Record<string, TestOutcome | 'retried'>): RunConclusion {
  const counts = countCategories(Object.values(outcomes).map((o) => (o === 'retried' ? 'passed' : o)));
  const failed = counts.failed + counts.error > 0;
  const tests = Object.keys(outcomes).length;
  return {
    runId: run.id,
    ending: { kind: 'shards', timedOutAfterSeconds: null },
    shards: [{ index: 0, outcome: failed ? 'failed' : 'passed', reason: null, summary: { index: 0, outcome: failed ? 'failed' : 'passed', tests, expected: tests, files: [], reason: null, counts, flaky: 0, durationSeconds: 1, attempt: 1, worker: 'int-test' } }],
    plan: null,
    coverage: null,
  };
}

/** What the rows must hold, computed from scratch over every result of the series. */
async function fromScratch(environment: Environment): Promise<Map<string, TestHealth>> {
  const fork = em();
  const runs = await fork.find(Run, { suite: suite.id, environment: environment.id, status: { $nin: ['queued', 'running'] } }, { orderBy: { id: 'asc' } });
  const results = await fork.find(TestResult, { run: { $in: runs.map((r) => r.id) } }, { orderBy: { run: 'asc' } });
  const byId = new Map(runs.map((r) => [r.id, r]));
  const entries = new Map<string, WindowEntry[]>();
  for (const result of results) entries.set(result.nodeId, [...(entries.get(result.nodeId) ?? []), windowEntryOf(byId.get(result.run)!, result)]);
  const expected = new Map<string, TestHealth>();
  for (const [nodeId, list] of entries) {
    const executed = appendToWindow([], list, Number.MAX_SAFE_INTEGER);
    if (executed.length === 0) continue;
    const health = new TestHealth({ organization: project.organization, project: project.id, suite: suite.id, environment: environment.id }, nodeId, new Date(executed.at(-1)!.at));
    health.assess(appendToWindow([], list, DEFAULT_TEST_HEALTH_POLICY.window), DEFAULT_TEST_HEALTH_POLICY);
    // First seen and last failure reach back beyond the window, by when runs completed (not their ids).
    const byTime = [...executed].sort((a, b) => a.at.localeCompare(b.at) || a.run_id - b.run_id);
    health.firstSeenAt = new Date(byTime[0]!.at);
    const lastFailure = byTime.filter((e) => e.outcome === 'failed' || e.outcome === 'error').at(-1);
    health.lastFailureAt = lastFailure ? new Date(lastFailure.at) : null;
    health.lastFailureRun = lastFailure?.run_id ?? null;
    expected.set(nodeId, health);
  }
  return expected;
}

const FIELDS = ['nodeId', 'window', 'classification', 'rule', 'evidence', 'runs', 'passes', 'failures', 'flips', 'flipRate', 'passOnRetry', 'sameCommitDisagreements', 'medianDurationSeconds', 'firstSeenAt', 'lastSeenAt', 'lastFailureAt', 'lastFailureRun'] as const;
const pick = (h: TestHealth) => Object.fromEntries(FIELDS.map((f) => [f, h[f]]));

async function storedRows(environment: Environment): Promise<TestHealth[]> {
  return em().find(TestHealth, { project: project.id, suite: suite.id, environment: environment.id }, { orderBy: { nodeId: 'asc' } });
}

describe('test health as runs finalize', () => {
  const runIds: number[] = [];

  it('updates each test incrementally, equal after every run to a computation from scratch', async () => {
    for (const { commit, outcomes } of RUNS) {
      const run = await runWith(commit, outcomes);
      runIds.push(run.id);
      expect(await finalize()(conclusionOf(run, outcomes))).toBe(Object.values(outcomes).some((o) => o === 'failed' || o === 'error') ? 'failed' : 'completed');
      const expected = await fromScratch(staging);
      const stored = await storedRows(staging);
      expect(stored.map((h) => h.nodeId)).toEqual([...expected.keys()].sort());
      for (const row of stored) expect(pick(row), row.nodeId).toEqual(pick(expected.get(row.nodeId)!));
    }
  });

  it('classifies each test by its history, a regression broken and never flaky', async () => {
    const byNode = new Map((await storedRows(staging)).map((h) => [h.nodeId, h]));
    expect(byNode.get(STABLE)).toMatchObject({ classification: 'stable', rule: 'no_flakiness', runs: 7, failures: 0 });
    expect(byNode.get(FLAKY)).toMatchObject({ classification: 'flaky', rule: 'same_commit_disagreement', runs: 7, failures: 3, flips: 6, flipRate: 1 });
    expect(byNode.get(FLAKY)!.evidence.run_ids).toEqual([runIds[0], runIds[1], runIds[2], runIds[4], runIds[5], runIds[6]]);
    expect(byNode.get(REGRESSION)).toMatchObject({ classification: 'broken', rule: 'failing_since_clean_history', failures: 3, lastFailureRun: runIds[6] });
    expect(byNode.get(REGRESSION)!.evidence).toEqual({ rule: 'failing_since_clean_history', run_ids: runIds.slice(4), detail: `failing since run ${runIds[4]} (commit c3); it passed in every run before (4)` });
    expect(byNode.get(RETRIED)).toMatchObject({ classification: 'flaky', rule: 'pass_on_retry', passOnRetry: 1, evidence: { run_ids: [runIds[2]] } });
    expect(byNode.get(SKIPPED)).toMatchObject({ classification: 'new', rule: 'few_runs', runs: 1 });
  });

  it('leaves the rows as they are when finalizing a run is retried', async () => {
    const before = (await storedRows(staging)).map(pick);
    const last = RUNS.at(-1)!;
    const run = await em().findOneOrFail(Run, { id: runIds.at(-1)! });
    await finalize()(conclusionOf(run, last.outcomes));
    expect((await storedRows(staging)).map(pick)).toEqual(before);
  });

  it('lands both of two runs finalizing at once', async () => {
    const production = await buildEnvironment(em(), { project, kind: 'production', name: 'production' });
    const outcomes = { [STABLE]: 'passed', [FLAKY]: 'failed' } as const;
    const [one, two] = [await runWith('d4', outcomes, production), await runWith('d4', { ...outcomes, [FLAKY]: 'passed' }, production)];
    await Promise.all([finalize()(conclusionOf(one, outcomes)), finalize()(conclusionOf(two, { ...outcomes, [FLAKY]: 'passed' }))]);
    const stored = await storedRows(production);
    expect(stored.map((h) => [h.nodeId, h.window.map((e) => e.run_id)])).toEqual([[STABLE, [one.id, two.id]], [FLAKY, [one.id, two.id]]]);
    expect(stored.find((h) => h.nodeId === FLAKY)).toMatchObject({ classification: 'flaky', rule: 'same_commit_disagreement' });
    for (const row of stored) expect(pick(row)).toEqual(pick((await fromScratch(production)).get(row.nodeId)!));
  });

  it('ends the run with its verdict even when a health row cannot be read, and says why', async () => {
    const qa = await buildEnvironment(em(), { project, kind: 'staging', name: 'qa' });
    const outcomes = { [STABLE]: 'passed' } as const;
    await finalize()(conclusionOf(await runWith('e5', outcomes, qa), outcomes));
    // A row whose window no longer fits its schema (written by hand, or by a bug): loading it is refused.
    await api.orm.em.getConnection().execute(`update test_health set "window" = '[{"run_id": "x"}]'::jsonb where environment_id = ?`, [qa.id]);
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => void warnings.push(line);
    try {
      const run = await runWith('e5', outcomes, qa);
      await expect(finalize()(conclusionOf(run, outcomes))).resolves.toBe('completed');
      expect((await em().findOneOrFail(Run, { id: run.id })).status).toBe('completed');
      expect(warnings).toEqual([expect.stringContaining(`test health of run ${run.id} was not recorded`)]);
    } finally {
      console.warn = warn;
      // The environment goes with its runs and rows: the API tests below count this project's tests.
      await api.orm.em.getConnection().execute('delete from environments where id = ?', [qa.id]);
    }
  });

  it('keeps the window the worker is configured with (TEST_HEALTH_WINDOW)', async () => {
    const config = loadConfig({ QATRON_ENV: 'test', QATRON_HOME: '/nonexistent', TEST_HEALTH_WINDOW: '3' });
    expect(config.testHealthWindow).toBe(3);
    const development = await buildEnvironment(em(), { project, kind: 'development', name: 'development' });
    const finalizeWindowed = createFinalizeActivities({ em, deps: { testHealthWindow: config.testHealthWindow } }).finalizeRun;
    const ids: number[] = [];
    for (const { commit, outcomes } of RUNS) {
      const run = await runWith(commit, outcomes, development);
      ids.push(run.id);
      await finalizeWindowed(conclusionOf(run, outcomes));
    }
    const regression = (await storedRows(development)).find((h) => h.nodeId === REGRESSION)!;
    expect(regression.window.map((e) => e.run_id)).toEqual(ids.slice(4));
    // Three failures in a window that no longer shows the passes before them: broken by the streak.
    expect(regression).toMatchObject({ runs: 3, failures: 3, classification: 'broken', rule: 'failing_streak' });
    // First seen still names the first run, long gone from the window.
    expect(regression.firstSeenAt).toEqual((await em().findOneOrFail(Run, { id: ids[0]! })).completedAt);
  });
});

describe('GET /api/v1/projects/:id/tests', () => {
  const list = (query = '', token = viewer, id = project.id) => api.request('GET', `/api/v1/projects/${id}/tests${query}`, { token });
  const nodes = (body: { items: Array<{ node_id: string }> }) => body.items.map((t) => t.node_id);

  it('lists the tests worst first, matching the contract', async () => {
    const res = await list('?environment=staging');
    expect(res.status).toBe(200);
    expect(TestHealthPage.parse(res.body)).toEqual(res.body);
    expect(res.body.total).toBe(5);
    expect(nodes(res.body)[0]).toBe(FLAKY);
    expect(res.body.items[0]).toMatchObject({ suite: 'regression', environment: 'staging', classification: 'flaky', rule: 'same_commit_disagreement', flip_rate: 1, quarantined: false });
  });

  it('filters by classification, suite, environment and text, and sorts by failures or duration', async () => {
    expect(nodes((await list('?classification=broken&environment=staging')).body)).toEqual([REGRESSION]);
    expect(nodes((await list('?classification=flaky&environment=staging')).body)).toEqual([FLAKY, RETRIED]);
    expect((await list('?environment=production')).body.total).toBe(2);
    expect((await list('?suite=regression')).body.total).toBe(12);
    expect((await list('?suite=nightly')).body.total).toBe(0);
    expect(nodes((await list('?text=TEST_PRICING.py::test_discount[10&environment=staging')).body)).toEqual([REGRESSION]);
    expect(nodes((await list('?text=%25')).body)).toEqual([]);
    expect(nodes((await list('?environment=staging&sort=failures&limit=2')).body)).toEqual([FLAKY, REGRESSION]);
    const byDuration = nodes((await list('?environment=staging&sort=duration')).body);
    expect(byDuration[0]).toBe(REGRESSION);
    const bad = await list('?classification=wobbly&sort=name');
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['query.classification', 'query.sort']);
  });

  it('filters by active quarantine', async () => {
    const fork = em();
    fork.persist(new Quarantine(project.organization, project.id, FLAKY, 'times out on staging', 'team-checkout', { userId: null, name: 'int-test' }));
    const lifted = new Quarantine(project.organization, project.id, RETRIED, 'was slow', 'team-search', { userId: null, name: 'int-test' });
    lifted.liftedAt = new Date();
    fork.persist(lifted);
    await fork.flush();
    const quarantined = await list('?quarantined=true&environment=staging');
    expect(nodes(quarantined.body)).toEqual([FLAKY]);
    expect(quarantined.body.items[0].quarantined).toBe(true);
    expect(nodes((await list('?quarantined=false&classification=flaky&environment=staging')).body)).toEqual([RETRIED]);
  });

  it('answers one test with its history and evidence', async () => {
    const regression = (await list(`?text=${encodeURIComponent('test_discount')}&environment=staging`)).body.items[0];
    const res = await api.request('GET', `/api/v1/projects/${project.id}/tests/${regression.id}`, { token: viewer });
    expect(res.status).toBe(200);
    expect(TestHealthDetail.parse(res.body)).toEqual(res.body);
    expect(res.body.history.map((e: WindowEntry) => [e.outcome, e.commit])).toEqual([
      ['passed', 'a1'], ['passed', 'a1'], ['passed', 'a1'], ['passed', 'b2'], ['failed', 'c3'], ['failed', 'c3'], ['failed', 'c3'],
    ]);
    expect(res.body.evidence.rule).toBe('failing_since_clean_history');
  });

  it('answers 404 for tests and projects the caller cannot see, 401 without a token', async () => {
    expect((await api.request('GET', `/api/v1/projects/${project.id}/tests`)).status).toBe(401);
    const foreign = await buildProject(em(), { organization: await buildOrganization(em()) });
    expect((await list('', viewer, foreign.id)).status).toBe(404);
    const other = await buildProject(em(), { organization: api.organization });
    const scoped = await buildServiceToken(em(), { organization: api.organization, project: other, role: 'viewer' });
    expect((await list('', scoped.token)).status).toBe(404);
    const someTest = (await list('?limit=1')).body.items[0].id;
    expect((await api.request('GET', `/api/v1/projects/${other.id}/tests/${someTest}`, { token: viewer })).status).toBe(404);
    expect((await api.request('GET', `/api/v1/projects/${project.id}/tests/2147483647`, { token: viewer })).status).toBe(404);
  });
});
