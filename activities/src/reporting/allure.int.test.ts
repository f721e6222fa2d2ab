import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShard, type ShardRunResult } from '../execution/shard-runner.js';
import { fixtureEnvironment } from '../testing/fixture-environment.js';
import { createFixtureRepository, FLAKY_STATE_VARIABLE, FLAKY_TEST_ID, GREEN_TEST_IDS, type FixtureRepository } from '../testing/fixture-repo.js';
import { rejectionOf } from '../testing/rejection.js';
import { AllureGenerationError, generateAllureReport, MULTI_FILE_FROM_TESTS } from './allure.js';

const FAILING_ID = 'tests/test_report_failing.py::test_refunds_are_never_negative';
const FAILING_TEST = 'def test_refunds_are_never_negative():\n    assert -1 >= 0, "refund went negative"\n';

/**
 * Parametrized tests whose recorded parameter values alias: Allure keys a test on its full name
 * and the repr of its parameters, so without QAtron's hidden pytest id these six are three tests.
 */
const ALIASING_TEST = `import pytest


class Graph:
    def __init__(self, nodes):
        self.nodes = nodes

    def __repr__(self):
        return "Graph"


@pytest.mark.parametrize("quantity", [1, 1], ids=["a", "a"])
def test_same_ids(quantity):
    assert quantity == 1


@pytest.mark.parametrize("quantity", [2, 2])
def test_same_values(quantity):
    assert quantity == 2


@pytest.mark.parametrize("graph", [Graph(1), Graph(2)])
def test_same_repr(graph):
    assert graph.nodes
`;
const ALIASING_IDS = [
  'tests/test_report_aliasing.py::test_same_ids[a0]',
  'tests/test_report_aliasing.py::test_same_ids[a1]',
  'tests/test_report_aliasing.py::test_same_values[2_0]',
  'tests/test_report_aliasing.py::test_same_values[2_1]',
  'tests/test_report_aliasing.py::test_same_repr[graph0]',
  'tests/test_report_aliasing.py::test_same_repr[graph1]',
];

/** The fixture's tests over three shards; the flaky test passes on its in-shard retry in the first run. */
const SHARDS: string[][] = [
  [...GREEN_TEST_IDS.filter((id) => id.startsWith('tests/test_cart.py')), FLAKY_TEST_ID],
  [...GREEN_TEST_IDS.filter((id) => id.startsWith('tests/test_checkout_steps.py') || id.startsWith('tests/test_inventory.py')), ...ALIASING_IDS],
  [...GREEN_TEST_IDS.filter((id) => id.startsWith('tests/test_pricing.py')), FAILING_ID],
];
const ALL_IDS = SHARDS.flat();

/** The fixture's pytest-bdd tests by function name, and their Gherkin scenarios (features/checkout.feature). */
const SCENARIO_NAMES: Record<string, string> = { test_paying_for_a_single_item: 'Paying for a single item', test_discounted_totals: 'Discounted totals' };

/** A test's name in the report: its scenario's for a pytest-bdd test, else the pytest item's name, parameters included. */
const testName = (nodeId: string) => {
  const item = nodeId.split('::').at(-1)!;
  return SCENARIO_NAMES[item.split('[')[0]!] ?? item;
};

/** What every generated page had removed: Allure's Google Tag Manager loader and its gtag configuration. */
const GOOGLE_TAG_MANAGER = ['script https://www.googletagmanager.com/gtag/js?id=G-LNDJ3J7WT0', 'script gtag(…)'];

interface ReportedTest {
  id: string;
  name: string;
  historyId: string;
  parameters: Array<{ name: string; value: string; hidden: boolean }>;
  status: string;
  transition?: string;
  retriesCount: number;
  /** An earlier attempt of a test retried inside its shard, listed under that test. */
  isRetry: boolean;
  history: Array<{ status: string; name: string }>;
}

/**
 * The files a one-file report carries inside its index.html: the awesome plugin writes each data
 * file as `d("<path>","<base64>")` in an inline script.
 */
function embeddedFiles(html: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const [, name, value] of html.matchAll(/d\("([^"]+)","([^"]*)"\)/g)) files.set(name!, Buffer.from(value!, 'base64').toString('utf8'));
  return files;
}

const reportedTests = (files: Map<string, string>): ReportedTest[] =>
  [...files].filter(([name]) => name.startsWith('data/test-results/')).map(([, json]) => JSON.parse(json) as ReportedTest);

let base: string;
let repo: FixtureRepository;
let python: string;
let run = 0;

/** Runs the fixture's three shards like a run's shard activities do; returns their results directories. */
async function runShards(): Promise<{ dirs: string[]; results: ShardRunResult[] }> {
  run++;
  const results: ShardRunResult[] = [];
  for (const [index, testIds] of SHARDS.entries()) {
    results.push(
      await runShard({
        python,
        checkoutDir: repo.path,
        testIds,
        outDir: join(base, `run-${run}`, `shard-${index}`),
        env: { [FLAKY_STATE_VARIABLE]: join(base, 'flaky') },
        // The flaky fixture keeps its state there: the test sandbox lets it write that directory.
        sandbox: { writable: [join(base, 'flaky')] },
        retries: 1,
        workersPerShard: 0,
        coverage: false,
        signal: new AbortController().signal,
        onProgress: () => undefined,
      }),
    );
  }
  return { dirs: results.map((r) => r.outputs.allureResultsDir), results };
}

let first: { dirs: string[]; results: ShardRunResult[] };
let second: { dirs: string[]; results: ShardRunResult[] };

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-allure-'));
  repo = await createFixtureRepository(join(base, 'repo'), {
    variant: 'flaky',
    extraFiles: { 'tests/test_report_failing.py': FAILING_TEST, 'tests/test_report_aliasing.py': ALIASING_TEST },
  });
  python = (await fixtureEnvironment(repo.path)).python;
  first = await runShards();
  second = await runShards();
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('generateAllureReport', () => {
  it('generates one self-contained report holding every test of every shard, retries folded into their test', async () => {
    // The shards really produced separate results: each directory holds its own tests only.
    expect(first.results.map((r) => r.results.length)).toEqual(SHARDS.map((ids) => ids.length));
    const report = await generateAllureReport({ resultsDirs: first.dirs, outDir: join(base, 'report-1', 'allure-report'), history: null, reportName: 'shop · regression · staging · run 1' });

    expect(report).toEqual({
      reportDir: join(base, 'report-1', 'allure-report'),
      historyFile: join(base, 'report-1', 'allure-report.history.jsonl'),
      tests: ALL_IDS.length,
      singleFile: true,
      removedRequests: GOOGLE_TAG_MANAGER,
    });
    // One object to serve: no scripts, styles or data files beside index.html.
    expect((await readdir(report.reportDir)).sort()).toEqual(['index.html', 'summary.json', 'test-results.json']);
    const html = await readFile(join(report.reportDir, 'index.html'), 'utf8');
    expect(html).toContain('<title> shop · regression · staging · run 1 </title>');
    // Nothing in the page reaches another host (activities/src/reporting/allure-report.e2e.test.ts loads it in Chromium).
    expect(html).not.toMatch(/googletagmanager|gtag\(/);

    const tests = reportedTests(embeddedFiles(html));
    const main = tests.filter((t) => !t.isRetry);
    expect(main.map((t) => t.name).sort()).toEqual(ALL_IDS.map(testName).sort());
    const byName = new Map(main.map((t) => [t.name, t]));
    expect(byName.get(testName(FAILING_ID))).toMatchObject({ status: 'failed', transition: 'new' });
    expect(byName.get(testName(FLAKY_TEST_ID))).toMatchObject({ status: 'passed', retriesCount: 1 });
    expect(byName.get('test_express_shipping')).toMatchObject({ status: 'skipped' });
    // One test per pytest node id: parameters that print alike do not fold tests into one (the
    // hidden pytest id tells them apart), and a BDD test is named after its scenario.
    expect(new Set(main.map((t) => t.historyId)).size).toBe(ALL_IDS.length);
    // The pytest id is hidden: the report shows the test's own parameters only.
    expect(byName.get('test_same_ids[a1]')!.parameters).toEqual([{ name: 'quantity', value: '1', hidden: false, excluded: false, masked: false }]);
    expect(main.filter((t) => t.name === 'Discounted totals')).toHaveLength(3);
    expect(byName.get('Paying for a single item')).toMatchObject({ status: 'passed' });
    expect(main.every((t) => t.transition === 'new' && t.history.length === 0)).toBe(true);

    const history = (await readFile(report.historyFile, 'utf8')).trim().split('\n');
    expect(history).toHaveLength(1);
    const point = JSON.parse(history[0]!) as { name: string; testResults: Record<string, { name: string; status: string }> };
    expect(point.name).toBe('shop · regression · staging · run 1');
    expect(Object.values(point.testResults).map((t) => t.name).sort()).toEqual(ALL_IDS.map(testName).sort());
  });

  it("shows the previous run's results as each test's history and trend, and appends to a copy of the history", async () => {
    const one = await generateAllureReport({ resultsDirs: first.dirs, outDir: join(base, 'history-1', 'allure-report'), history: null, reportName: 'run 1' });
    const previous = await readFile(one.historyFile, 'utf8');
    const two = await generateAllureReport({ resultsDirs: second.dirs, outDir: join(base, 'history-2', 'allure-report'), history: one.historyFile, reportName: 'run 2' });

    expect(two.tests).toBe(ALL_IDS.length);
    expect(await readFile(one.historyFile, 'utf8')).toBe(previous);
    const lines = (await readFile(two.historyFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { name: string; testResults: object });
    expect(lines.map((l) => l.name)).toEqual(['run 1', 'run 2']);
    expect(Object.keys(lines[1]!.testResults)).toHaveLength(ALL_IDS.length);

    const files = embeddedFiles(await readFile(join(two.reportDir, 'index.html'), 'utf8'));
    const tests = reportedTests(files).filter((t) => !t.isRetry);
    expect(tests).toHaveLength(ALL_IDS.length);
    // Every test knows its result in run 1; none is "new" any more.
    for (const test of tests) {
      expect(test.history, test.name).toHaveLength(1);
      expect(test.history[0]!.name).toBe(test.name);
      expect(test.transition, test.name).not.toBe('new');
    }
    const failing = tests.find((t) => t.name === testName(FAILING_ID))!;
    expect(failing.history[0]!.status).toBe('failed');
    // The flaky test had failed once before, so its second run passes straight away.
    expect(tests.find((t) => t.name === testName(FLAKY_TEST_ID))).toMatchObject({ status: 'passed', retriesCount: 0 });

    // The trend chart has a point for run 1 and one for this report.
    const charts = JSON.parse(files.get('widgets/charts.json')!) as { general: Record<string, { type: string; data: Array<{ name: string; statistic: { total: number } }> }> };
    const dynamics = Object.values(charts.general).find((c) => c.type === 'statusDynamics')!;
    expect(dynamics.data.map((d) => [d.name, d.statistic.total])).toEqual([
      ['run 1', ALL_IDS.length],
      ['current', ALL_IDS.length],
    ]);
  });

  it('keeps the last historyLimit reports in the history file', async () => {
    let history: string | null = null;
    for (let i = 1; i <= 3; i++) {
      history = (await generateAllureReport({ resultsDirs: [first.dirs[0]!], outDir: join(base, `limit-${i}`, 'report'), history, reportName: `limited ${i}`, historyLimit: 2 })).historyFile;
    }
    const names = (await readFile(history!, 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { name: string }).name);
    expect(names).toEqual(['limited 2', 'limited 3']);
  });

  it('drops history lines it cannot read instead of failing the report', async () => {
    const one = await generateAllureReport({ resultsDirs: [first.dirs[0]!], outDir: join(base, 'damaged-1', 'report'), history: null, reportName: 'intact' });
    const damaged = join(base, 'damaged.jsonl');
    const intact = await readFile(one.historyFile, 'utf8');
    await writeFile(damaged, `${intact}{"uuid":"truncated","testResults":{"a\n[1, 2]\n\n`);
    const two = await generateAllureReport({ resultsDirs: [first.dirs[0]!], outDir: join(base, 'damaged-2', 'report'), history: damaged, reportName: 'after' });
    const names = (await readFile(two.historyFile, 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { name: string }).name);
    expect(names).toEqual(['intact', 'after']);
  });

  it('generates a report of files for a run of MULTI_FILE_FROM_TESTS results or more, with the same tests', async () => {
    expect(MULTI_FILE_FROM_TESTS).toBe(1_000);
    // Every attempt counts, the flaky test's failed first one included.
    const results = (await Promise.all(first.dirs.map((dir) => readdir(dir)))).flat().filter((f) => f.endsWith('-result.json')).length;
    expect(results).toBeGreaterThan(ALL_IDS.length);
    const below = await generateAllureReport({ resultsDirs: first.dirs, outDir: join(base, 'below', 'r'), history: null, reportName: 'x', multiFileFromTests: results + 1 });
    expect(below.singleFile).toBe(true);
    const report = await generateAllureReport({ resultsDirs: first.dirs, outDir: join(base, 'multi', 'allure-report'), history: null, reportName: 'multi', multiFileFromTests: results });
    expect(report).toMatchObject({ tests: ALL_IDS.length, singleFile: false, removedRequests: GOOGLE_TAG_MANAGER });
    expect((await readFile(join(report.reportDir, 'index.html'), 'utf8')).length).toBeLessThan(20_000);
    const files = await readdir(report.reportDir, { recursive: true });
    expect(files).toEqual(expect.arrayContaining(['index.html', 'widgets/tree.json']));
    const names = await Promise.all(
      files.filter((f) => f.startsWith('data/test-results/')).map(async (f) => JSON.parse(await readFile(join(report.reportDir, f), 'utf8')) as ReportedTest),
    );
    expect(names.filter((t) => !t.isRetry).map((t) => t.name).sort()).toEqual(ALL_IDS.map(testName).sort());
  });

  it('refuses a missing results directory, no directories and a report directory that is not empty', async () => {
    const missing = await rejectionOf(generateAllureReport({ resultsDirs: [first.dirs[0]!, join(base, 'nowhere')], outDir: join(base, 'bad-1', 'r'), history: null, reportName: 'x' }));
    expect(missing).toBeInstanceOf(AllureGenerationError);
    expect(missing.message).toBe(`Allure results directory ${join(base, 'nowhere')} does not exist`);
    await expect(stat(join(base, 'bad-1', 'r'))).rejects.toMatchObject({ code: 'ENOENT' });

    await expect(generateAllureReport({ resultsDirs: [], outDir: join(base, 'bad-2', 'r'), history: null, reportName: 'x' })).rejects.toThrow('no Allure results directories');

    await mkdir(join(base, 'bad-3', 'r'), { recursive: true });
    await writeFile(join(base, 'bad-3', 'r', 'old.html'), 'old');
    await expect(generateAllureReport({ resultsDirs: first.dirs, outDir: join(base, 'bad-3', 'r'), history: null, reportName: 'x' })).rejects.toThrow(`report directory ${join(base, 'bad-3', 'r')} is not empty`);
    expect(await readFile(join(base, 'bad-3', 'r', 'old.html'), 'utf8')).toBe('old');
  });

  it('kills the generator when cancelled and when over its time limit, leaving no report behind', async () => {
    const outDir = join(base, 'cancelled', 'allure-report');
    const controller = new AbortController();
    const generating = generateAllureReport({ resultsDirs: first.dirs, outDir, history: null, reportName: 'x', signal: controller.signal });
    generating.catch(() => undefined);
    // Wait until the generator process is up, then cancel it.
    const running = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(outDir));
    for (let i = 0; i < 100 && running().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(running().length).toBeGreaterThan(0);
    controller.abort();
    expect((await rejectionOf(generating)).name).toBe('AbortError');
    expect(running()).toEqual([]);
    await expect(stat(outDir)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(join(base, 'cancelled'))).filter((f) => f.startsWith('.'))).toEqual([]);

    const slow = await rejectionOf(generateAllureReport({ resultsDirs: first.dirs, outDir: join(base, 'slow', 'r'), history: null, reportName: 'x', timeoutMs: 1 }));
    expect(slow).toBeInstanceOf(AllureGenerationError);
    expect(slow.message).toBe('Allure report generation timed out after 1 ms and was killed');

    const before = new AbortController();
    before.abort();
    await expect(generateAllureReport({ resultsDirs: first.dirs, outDir: join(base, 'never', 'r'), history: null, reportName: 'x', signal: before.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
