import { AstBuilder, compile, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { IdGenerator } from '@cucumber/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { connectDatabase, type EntityManager, type MikroORM } from '../db.js';
import { Feature, Scenario, Step } from '../entities/feature.js';
import type { Project } from '../entities/project.js';
import { ScenarioResult } from '../entities/scenario-result.js';
import type { TestOutcome } from '../runs/outcomes.js';
import { TestResult } from '../entities/test-result.js';
import type { Environment } from '../entities/environment.js';
import type { Suite } from '../entities/suite.js';
import { buildEnvironment, buildProject, buildRun, buildSuite } from '../testing/factories.js';
import { readCorpus } from './corpus/corpus.js';
import { ingestFeatureFiles, type FeatureFile } from './ingest.js';
import { recordScenarioResults, scenarioCoverage, featureCoverage, type ScenarioTestResult } from './results.js';

let orm: MikroORM;
let drop: () => Promise<void>;
const em = (): EntityManager => orm.em.fork() as EntityManager;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url);
});
afterAll(async () => {
  await orm.close(true);
  await drop();
});

const ingest = (project: Project, files: FeatureFile[], complete = true, commit = 'c0ffee') =>
  ingestFeatureFiles(orm, { organizationId: project.organization, projectId: project.id, commit, files, complete });

/** Pickles as @cucumber/gherkin compiles them, independently of QAtron's parser. */
function gherkinPickles(files: FeatureFile[]): number {
  let count = 0;
  for (const file of files) {
    try {
      const document = new Parser(new AstBuilder(IdGenerator.incrementing()), new GherkinClassicTokenMatcher()).parse(file.content);
      count += compile(document, file.path, IdGenerator.incrementing()).length;
    } catch {
      // Malformed: no pickles.
    }
  }
  return count;
}

async function scenariosOf(project: Project, path: string): Promise<Scenario[]> {
  const feature = await em().findOneOrFail(Feature, { project: project.id, path });
  return em().find(Scenario, { feature: feature.id }, { orderBy: { lineStart: 'asc' } });
}

const suites = new Map<number, { suite: Suite; environment: Environment }>();

/** A run with one stored test result per given outcome, to hang scenario results on. */
async function runWithResults(project: Project, outcomes: Array<[nodeId: string, outcome: TestOutcome]>) {
  let parents = suites.get(project.id);
  if (!parents) suites.set(project.id, (parents = { suite: await buildSuite(em(), { project }), environment: await buildEnvironment(em(), { project }) }));
  const run = await buildRun(em(), { project, ...parents });
  const fork = em();
  const rows = outcomes.map(([nodeId, outcome]) => new TestResult(run, 0, nodeId, nodeId.split('::')[0]!, outcome, 1.5));
  await fork.persist(rows).flush();
  return { run, testResults: rows };
}

const cart = (extraLinesBeforeSecond = 0, secondName = 'Remove an item', secondSteps = '    When I remove "apple"\n    Then the cart is empty\n') =>
  [
    'Feature: Cart',
    '  Background:',
    '    Given an empty cart',
    '',
    '  Scenario: Add an item',
    '    When I add "apple"',
    '    Then the cart holds 1 item',
    '',
    ...Array.from({ length: extraLinesBeforeSecond }, (_, i) => `  # note ${i + 1}`),
    `  Scenario: ${secondName}`,
    '    Given I added "apple"',
    secondSteps.trimEnd(),
    '',
    '  Scenario Outline: Add several',
    '    When I add <n> "apple"',
    '    Then the cart holds <n> items',
    '    Examples:',
    '      | n |',
    '      | 2 |',
    '      | 3 |',
    '',
  ].join('\n');

describe('ingestFeatureFiles: the corpus', () => {
  let project: Project;
  const corpus = readCorpus();

  beforeAll(async () => {
    project = await buildProject(em());
  });

  it('stores one scenario per plain scenario and one example row per outline pickle; malformed files are errors only', async () => {
    const summary = await ingest(project, corpus);
    expect(summary.files).toBe(corpus.length);
    expect(summary.parsed).toBe(corpus.length - 3);
    expect(summary.errors.map((e) => [e.path, e.line])).toEqual([
      ['broken/bad-table.feature', 9],
      ['broken/no-feature.feature', 1],
      ['broken/unknown-language.feature', 1],
    ]);
    expect(summary.pickles).toBe(gherkinPickles(corpus));
    expect(summary).toMatchObject({ added: 13, updated: 0, unchangedScenarios: 0, deactivated: 0 });

    const scenarios = await em().find(Scenario, { project: project.id });
    const stored = scenarios.reduce((n, s) => n + (s.type === 'scenario' ? 1 : s.examples.reduce((rows, e) => rows + e.rows.length, 0)), 0);
    expect(stored).toBe(gherkinPickles(corpus));
    expect(stored).toBe(18);

    const features = await em().find(Feature, { project: project.id }, { orderBy: { path: 'asc' } });
    expect(features.map((f) => [f.path, f.parseError === null, f.indexedCommit])).toEqual([
      ['broken/bad-table.feature', false, 'c0ffee'],
      ['broken/no-feature.feature', false, 'c0ffee'],
      ['broken/unknown-language.feature', false, 'c0ffee'],
      ['features/checkout.feature', true, 'c0ffee'],
      ['features/empty.feature', true, 'c0ffee'],
      ['features/i18n/panier.feature', true, 'c0ffee'],
      ['features/i18n/warenkorb.feature', true, 'c0ffee'],
      ['features/outline-without-rows.feature', true, 'c0ffee'],
      ['features/rules/accounts.feature', true, 'c0ffee'],
    ]);
    expect(features[0]!.parseError).toEqual({ line: 9, message: expect.stringContaining('(9:7): inconsistent cell count within the table') });
    const de = features.find((f) => f.path === 'features/i18n/warenkorb.feature')!;
    expect([de.name, de.language, de.tags]).toEqual(['Warenkorb', 'de', ['@de']]);
  });

  it('stores steps in order, background first, with DataTables and DocStrings as written', async () => {
    const [checkout] = await scenariosOf(project, 'features/checkout.feature');
    expect(checkout!.stableId).toBe('features/checkout.feature:16:25:292de1e6');
    expect(checkout!.matchedBy).toBe('new');
    const steps = await em().find(Step, { scenario: checkout!.id }, { orderBy: { position: 'asc' } });
    expect(steps.map((s) => [s.position, s.keyword, s.text])).toEqual([
      [0, 'Given ', 'the catalogue has these products:'],
      [1, 'And ', 'I am signed in as "alice"'],
      [2, 'Given ', 'my cart holds 2 "A-1"'],
      [3, 'When ', 'I pay with a valid card'],
      [4, 'Then ', 'the order is confirmed'],
      [5, 'And ', 'I receive an e-mail containing:'],
    ]);
    expect(steps[0]!.dataTable![1]).toEqual(['A-1', 'Apple', '1.50']);
    // Quotes, a backslash and a question mark survive the bulk statements.
    expect(steps[5]!.docString).toBe('Thank you for your order, alice!\nTotal: 3.00 "EUR" \\ paid? yes');
  });

  it('skips unchanged files and changes nothing on a second ingest of the same snapshot', async () => {
    const before = await em().find(Scenario, { project: project.id }, { orderBy: { id: 'asc' } });
    const summary = await ingest(project, corpus, true, 'beef');
    expect(summary).toMatchObject({ files: corpus.length, parsed: 0, unchanged: corpus.length, added: 0, updated: 0, deactivated: 0, pickles: 0 });
    // The broken files are still reported: they are still broken at this commit.
    expect(summary.errors).toHaveLength(3);
    const after = await em().find(Scenario, { project: project.id }, { orderBy: { id: 'asc' } });
    expect(after.map((s) => [s.id, s.stableId, s.isActive])).toEqual(before.map((s) => [s.id, s.stableId, s.isActive]));
    expect((await em().findOneOrFail(Feature, { project: project.id, path: 'features/checkout.feature' })).indexedCommit).toBe('beef');
  });

  it('re-parses a file whose text changed but finds every scenario as it was', async () => {
    const files = corpus.map((f) => (f.path === 'features/checkout.feature' ? { ...f, content: `${f.content}\n# one more trailing comment\n` } : f));
    const summary = await ingest(project, files, true, 'comment');
    expect(summary).toMatchObject({ parsed: 1, unchanged: corpus.length - 1, added: 0, updated: 0, unchangedScenarios: 4, deactivated: 0, pickles: 6 });
    const checkout = await scenariosOf(project, 'features/checkout.feature');
    expect(checkout.map((s) => s.matchedBy)).toEqual(['stable_id', 'stable_id', 'stable_id', 'stable_id']);
  });

  it('keeps the previous scenarios of a file that stops parsing, and ingests the others', async () => {
    const before = await scenariosOf(project, 'features/i18n/warenkorb.feature');
    const files = corpus.map((f) =>
      f.path === 'features/i18n/warenkorb.feature' ? { ...f, content: f.content.replace('Beispiele:', 'Beispiele:\n      | nur eine |\n      | 1 | 2 |') } : f,
    );
    files.push({ path: 'features/new.feature', content: 'Feature: New\n  Scenario: Fresh\n    Given something\n' });
    const summary = await ingest(project, files);
    expect(summary.errors.map((e) => e.path)).toContain('features/i18n/warenkorb.feature');
    // Parsed: the new file, and checkout.feature back without the comment of the previous test.
    expect(summary).toMatchObject({ parsed: 2, added: 1, deactivated: 0 });
    const feature = await em().findOneOrFail(Feature, { project: project.id, path: 'features/i18n/warenkorb.feature' });
    expect(feature.parseError?.line).toBe(17);
    expect(feature.name).toBe('Warenkorb');
    const after = await scenariosOf(project, 'features/i18n/warenkorb.feature');
    expect(after.map((s) => [s.id, s.stableId, s.isActive])).toEqual(before.map((s) => [s.id, s.stableId, true]));
  });
});

describe('ingestFeatureFiles: history follows a scenario', () => {
  let project: Project;
  let ids: { add: number; remove: number; several: number };

  beforeAll(async () => {
    project = await buildProject(em());
    const summary = await ingest(project, [{ path: 'features/cart.feature', content: cart() }]);
    expect(summary).toMatchObject({ added: 3, pickles: 4 });
    const [add, remove, several] = await scenariosOf(project, 'features/cart.feature');
    ids = { add: add!.id, remove: remove!.id, several: several!.id };
    const { run, testResults } = await runWithResults(project, [['tests/test_cart.py::test_remove_an_item', 'passed']]);
    await recordScenarioResults(em(), run, [{ testResultId: testResults[0]!.id, nodeId: testResults[0]!.nodeId, outcome: 'passed', durationSeconds: 1.5 }]);
  });

  it('a scenario moved ten lines down keeps its row, its results and records how it was found', async () => {
    const summary = await ingest(project, [{ path: 'features/cart.feature', content: cart(10) }], true, 'moved');
    expect(summary).toMatchObject({ parsed: 1, added: 0, updated: 2, unchangedScenarios: 1, deactivated: 0 });
    const [add, remove, several] = await scenariosOf(project, 'features/cart.feature');
    expect([add!.id, add!.matchedBy, add!.lineStart]).toEqual([ids.add, 'stable_id', 5]);
    expect([remove!.id, remove!.matchedBy, remove!.lineStart, remove!.lineEnd]).toEqual([ids.remove, 'name', 19, 22]);
    expect(remove!.stableId).toBe(`features/cart.feature:19:22:${remove!.stableId.split(':')[3]}`);
    expect([several!.id, several!.matchedBy]).toEqual([ids.several, 'name']);
    expect(await em().count(ScenarioResult, { scenario: ids.remove })).toBe(1);
  });

  it('a renamed scenario with the same steps keeps its row', async () => {
    const summary = await ingest(project, [{ path: 'features/cart.feature', content: cart(10, 'Take an item out') }], true, 'renamed');
    expect(summary).toMatchObject({ added: 0, updated: 1, deactivated: 0 });
    const renamed = (await scenariosOf(project, 'features/cart.feature'))[1]!;
    expect([renamed.id, renamed.name, renamed.matchedBy]).toEqual([ids.remove, 'Take an item out', 'steps']);
  });

  it('a scenario whose name and steps both change is new; the old one is inactive with its results kept', async () => {
    const summary = await ingest(project, [{ path: 'features/cart.feature', content: cart(10, 'Empty the cart', '    When I empty the cart\n    Then the cart is empty\n') }], true, 'rewritten');
    expect(summary).toMatchObject({ added: 1, deactivated: 1 });
    const old = await em().findOneOrFail(Scenario, { id: ids.remove });
    expect(old.isActive).toBe(false);
    expect(await em().count(ScenarioResult, { scenario: ids.remove })).toBe(1);
    const active = (await scenariosOf(project, 'features/cart.feature')).filter((s) => s.isActive);
    expect(active.map((s) => s.name)).toEqual(['Add an item', 'Empty the cart', 'Add several']);
  });

  it('a moved file keeps its scenarios (matched by name and steps); a removed file deactivates everything in it', async () => {
    const content = cart(10, 'Empty the cart', '    When I empty the cart\n    Then the cart is empty\n');
    const summary = await ingest(project, [{ path: 'features/shop/cart.feature', content }], true, 'moved-file');
    expect(summary).toMatchObject({ added: 0, updated: 3, deactivated: 0 });
    const moved = await scenariosOf(project, 'features/shop/cart.feature');
    expect(moved.map((s) => [s.name, s.matchedBy, s.stableId.startsWith('features/shop/cart.feature:')])).toEqual([
      ['Add an item', 'moved_file', true],
      ['Empty the cart', 'moved_file', true],
      ['Add several', 'moved_file', true],
    ]);
    expect(moved[0]!.id).toBe(ids.add);
    const old = await em().findOneOrFail(Feature, { project: project.id, path: 'features/cart.feature' });
    expect(old.isActive).toBe(false);

    const removal = await ingest(project, [{ path: 'features/other.feature', content: 'Feature: Other\n  Scenario: Else\n    Given x\n' }], true, 'removed');
    expect(removal).toMatchObject({ added: 1, deactivated: 3 });
    const gone = await em().findOneOrFail(Feature, { project: project.id, path: 'features/shop/cart.feature' });
    expect(gone.isActive).toBe(false);
    expect((await scenariosOf(project, 'features/shop/cart.feature')).map((s) => s.isActive)).toEqual([false, false, false]);
    expect(await em().count(ScenarioResult, { scenario: ids.remove })).toBe(1);
  });

  it('a partial snapshot deactivates nothing', async () => {
    const summary = await ingest(project, [{ path: 'features/extra.feature', content: 'Feature: Extra\n  Scenario: More\n    Given y\n' }], false, 'partial');
    expect(summary).toMatchObject({ added: 1, deactivated: 0 });
    expect((await em().findOneOrFail(Feature, { project: project.id, path: 'features/other.feature' })).isActive).toBe(true);
  });
});

describe('recordScenarioResults and coverage', () => {
  let project: Project;
  let scenarios: Scenario[];

  beforeAll(async () => {
    project = await buildProject(em());
    const outlineFile = [
      'Feature: Pay',
      '  Scenario: Pay by card',
      '    Given a card',
      '  Scenario: Pay by invoice',
      '    Given an invoice',
      '  Scenario Outline: Pay in instalments',
      '    Given <n> instalments',
      '    Examples:',
      '      | n |',
      '      | 2 |',
      '      | 3 |',
      '  Scenario: Never executed',
      '    Given nothing',
    ].join('\n');
    await ingest(project, [
      { path: 'features/pay.feature', content: outlineFile },
      { path: 'features/dup.feature', content: 'Feature: Dup\n  Scenario: Pay by invoice\n    Given another invoice\n' },
    ]);
    scenarios = await scenariosOf(project, 'features/pay.feature');
  });

  it('maps each result to exactly one scenario, each outline row to its Examples row', async () => {
    const [card, invoice, instalments] = scenarios;
    const { run, testResults } = await runWithResults(project, [
      ['tests/test_pay.py::test_pay_by_card', 'passed'],
      ['tests/test_pay.py::test_pay_by_invoice', 'failed'],
      ['tests/test_pay.py::test_pay_in_instalments[2]', 'passed'],
      ['tests/test_pay.py::test_pay_in_instalments[3]', 'failed'],
      ['tests/test_unit.py::test_plain_function', 'passed'],
      ['tests/test_pay.py::test_pay_by_invoice_again', 'passed'],
    ]);
    const r = (i: number, extra: Partial<ScenarioTestResult> = {}): ScenarioTestResult => ({
      testResultId: testResults[i]!.id,
      nodeId: testResults[i]!.nodeId,
      outcome: testResults[i]!.outcome,
      durationSeconds: 1.5,
      ...extra,
    });
    const counts = await recordScenarioResults(em(), run, [
      // by the framework's stable id label
      r(0, { scenarioId: card!.stableId }),
      // by path and line: "Pay by invoice" is also a scenario of dup.feature, so its test name is ambiguous
      r(1, { featurePath: './features/pay.feature', scenarioLine: invoice!.lineStart }),
      // by pytest-bdd's test name and parameter id
      r(2),
      // by the Examples row line the framework gave
      r(3, { exampleLine: 11 }),
      r(4),
      r(5, { scenarioId: 'features/pay.feature:99:99:00000000' }),
    ]);
    expect(counts).toEqual({ recorded: 4, unmapped: 2, byStableId: 1, byLocation: 1, byTestName: 2 });
    const rows = await em().find(ScenarioResult, { run: run.id }, { orderBy: { testResult: 'asc' } });
    expect(rows.map((row) => [row.scenario, row.exampleLine, row.outcome])).toEqual([
      [card!.id, null, 'passed'],
      [invoice!.id, null, 'failed'],
      [instalments!.id, 10, 'passed'],
      [instalments!.id, 11, 'failed'],
    ]);

    // Recording again (a retried reporting phase) does not duplicate rows.
    await recordScenarioResults(em(), run, [r(0, { scenarioId: card!.stableId })]);
    expect(await em().count(ScenarioResult, { run: run.id })).toBe(4);
  });

  it('gives each scenario the status of its newest run; never run without results', async () => {
    const [card, invoice, instalments, never] = scenarios;
    const { run, testResults } = await runWithResults(project, [
      ['tests/test_pay.py::test_pay_by_card', 'skipped'],
      ['tests/test_pay.py::test_pay_in_instalments[2]', 'passed'],
      ['tests/test_pay.py::test_pay_in_instalments[3]', 'passed'],
    ]);
    await recordScenarioResults(
      em(),
      run,
      testResults.map((t) => ({ testResultId: t.id, nodeId: t.nodeId, outcome: t.outcome, durationSeconds: 2 })),
    );
    const coverage = await scenarioCoverage(em(), [card!.id, invoice!.id, instalments!.id, never!.id]);
    expect([...coverage.values()].map((c) => c.status)).toEqual(['skipped', 'failed', 'passed', 'never_run']);
    expect(coverage.get(card!.id)!.lastRunId).toBe(run.id);
    expect(coverage.get(never!.id)!.lastRunId).toBeNull();
    const perFeature = await featureCoverage(em(), [scenarios[0]!.feature]);
    expect(perFeature.get(scenarios[0]!.feature)).toEqual({ never_run: 1, passed: 1, failed: 1, skipped: 1 });
  });
});
