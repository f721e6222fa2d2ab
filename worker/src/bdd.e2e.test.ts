import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Feature, Scenario, ScenarioResult, TestResult } from '@qatron/domain';
import { commitChange, createFixtureRepository, type FixtureRepository } from '@qatron/activities/testing/fixture-repo';
import { startEngineStack, type EngineStack } from './testing/stack.js';

/**
 * BDD ingestion end to end (issue 6, Done when): a project's feature files are indexed when it is
 * registered and at every run's commit; after runs of the fixture repository every executed
 * scenario maps to exactly one stored scenario (each outline row to its own result); a scenario
 * moved ten lines down keeps its row and history; a removed one shows inactive with its history.
 */
let stack: EngineStack;
let fixtures: string;
let repo: FixtureRepository;
let projectId: number;

const call = (method: string, path: string, json?: unknown) => stack.api.request(method, path, { token: stack.adminToken, ...(json !== undefined ? { json } : {}) });
const em = () => stack.api.orm.em.fork();
const FEATURE = 'features/checkout.feature';

beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'qatron-bdd-fixtures-'));
  stack = await startEngineStack();
  await stack.startWorker({ name: 'worker-bdd' });
  repo = await createFixtureRepository(join(fixtures, 'repo'), { variant: 'green' });
  const project = await call('POST', '/api/v1/projects', { name: 'shop', repo_url: repo.path });
  projectId = project.body.id;
  await call('POST', `/api/v1/projects/${projectId}/environments`, { name: 'staging', kind: 'staging' });
  expect((await call('POST', `/api/v1/projects/${projectId}/suites`, { name: 'all', shards: 2 })).status).toBe(201);
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await rm(fixtures, { recursive: true, force: true });
});

const runToEnd = () => stack.runToEnd({ project_id: projectId, suite: 'all', environment: 'staging' });

async function scenariosByName(): Promise<Map<string, Scenario>> {
  const rows = await em().find(Scenario, { project: projectId }, { orderBy: { id: 'asc' } });
  return new Map(rows.map((s) => [s.name, s]));
}

describe('BDD ingestion', () => {
  it('indexes the feature files on registration and on demand', async () => {
    // Registration started an ingestion; the on-demand one joins or repeats it and answers with the result.
    const res = await call('POST', `/api/v1/features/projects/${projectId}/ingest-features`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed', project_id: projectId, files: 1, error_count: 0, errors: [] });
    expect(res.body.commit).toMatch(/^[0-9a-f]{40}$/);
    const features = await em().find(Feature, { project: projectId });
    expect(features.map((f) => f.path)).toEqual([FEATURE]);
    expect([...(await scenariosByName()).keys()].sort()).toEqual(['Discounted totals', 'Paying for a single item']);

    const unknown = await call('POST', `/api/v1/features/projects/${projectId}/ingest-features?branch=nope`);
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toContain('nope');
    expect((await call('POST', '/api/v1/features/projects/999999/ingest-features')).status).toBe(404);
  });

  let firstRun: any;
  it('maps every executed scenario, and each outline row, to exactly one stored scenario', async () => {
    firstRun = await runToEnd();
    expect(firstRun.status).toBe('completed');
    expect(firstRun.run_metadata.bdd).toMatchObject({ files: 1, error_count: 0, commit: firstRun.commit });
    const scenarios = await scenariosByName();
    const bddTests = await em().find(TestResult, { run: firstRun.id, file: 'tests/test_checkout_steps.py' });
    expect(bddTests).toHaveLength(4); // one scenario + three Examples rows
    const mapped = await em().find(ScenarioResult, { run: firstRun.id });
    expect(mapped).toHaveLength(bddTests.length);
    expect(new Set(mapped.map((m) => m.testResult))).toEqual(new Set(bddTests.map((t) => t.id)));
    const single = scenarios.get('Paying for a single item')!;
    const outline = scenarios.get('Discounted totals')!;
    expect(mapped.filter((m) => m.scenario === single.id).map((m) => m.exampleLine)).toEqual([null]);
    const rows = mapped.filter((m) => m.scenario === outline.id).map((m) => m.exampleLine);
    expect(rows.sort()).toEqual(outline.examples[0]!.rows.map((_, i) => outline.lineEnd - 2 + i).sort());
    expect(mapped.every((m) => m.outcome === 'passed')).toBe(true);
  });

  it('keeps the history of a scenario moved ten lines down', async () => {
    const before = (await scenariosByName()).get('Paying for a single item')!;
    const content = await readFile(join(repo.path, FEATURE), 'utf8');
    const moved = content.replace('  @smoke\n', `${'  # moved down\n'.repeat(10)}  @smoke\n`);
    await commitChange(repo.path, { [FEATURE]: moved }, 'move a scenario ten lines down');
    const run = await runToEnd();
    expect(run.status).toBe('completed');
    const after = (await scenariosByName()).get('Paying for a single item')!;
    expect(after.id).toBe(before.id);
    expect(after.lineStart).toBe(before.lineStart + 10);
    expect(after.stableId).not.toBe(before.stableId);
    expect(after.isActive).toBe(true);
    const history = await call('GET', `/api/v1/scenarios/${after.id}/history`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((h: { run_id: number }) => h.run_id)).toEqual([run.id, firstRun.id]);
  });

  it('shows a removed scenario as inactive with its history', async () => {
    const outline = (await scenariosByName()).get('Discounted totals')!;
    const content = await readFile(join(repo.path, FEATURE), 'utf8');
    await commitChange(repo.path, { [FEATURE]: content.slice(0, content.indexOf('  @regression')) }, 'remove the outline');
    const run = await runToEnd();
    expect(run.status).toBe('completed');
    const after = await em().findOneOrFail(Scenario, { id: outline.id });
    expect(after.isActive).toBe(false);
    expect(await em().count(ScenarioResult, { scenario: outline.id })).toBe(6); // three rows in each of the first two runs
    expect(await em().count(ScenarioResult, { scenario: outline.id, run: run.id })).toBe(0);
    const feature = await call('GET', `/api/v1/features?project_id=${projectId}`);
    expect(feature.status).toBe(200);
    expect(feature.body.items[0]).toMatchObject({ path: FEATURE, scenario_count: 1 });
  });
});
