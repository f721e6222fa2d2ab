import { describe, expect, it } from 'vitest';
import { expectedLabel, labelsOf, mislabelledLines, unseenFlaky, type TestHealthRow } from './health.js';
import { brokenBy, DEFAULT_OPTIONS, groundTruth, planTestIntelligence, releaseAt, warmupFile, type TestKind } from './plan.js';
import { expectedPrice, flakeSeed, renderRepositoryAt } from './render.js';
import { scoreClassifications, scoreLines, type Label } from './score.js';
import { simulateScores, simulationLines } from './simulate.js';

const QUICK = { ...DEFAULT_OPTIONS, tests: 200, files: 10, runs: 10 };

describe('the ground truth', () => {
  const plan = planTestIntelligence();

  it('has the issue sizes: 2,000 tests in 40 files, 2% flaky, 1% regressions, 30 runs', () => {
    const count = (kind: TestKind) => plan.tests.filter((t) => t.kind === kind).length;
    expect([count('flaky'), count('regression'), count('stable')]).toEqual([40, 20, 1940]);
    expect(new Set(plan.tests.map((t) => t.file)).size).toBe(40);
    expect(new Set(plan.tests.map((t) => t.nodeId)).size).toBe(2000);
    expect(plan.runs).toHaveLength(30);
    expect([...groundTruth(plan)].filter(([, kind]) => kind === 'flaky').map(([nodeId]) => nodeId)).toEqual(plan.tests.filter((t) => t.kind === 'flaky').map((t) => t.nodeId));
  });

  it('draws flaky probabilities within 10-40% and regressions at runs 2 to 30', () => {
    for (const test of plan.tests) {
      if (test.kind === 'flaky') expect(test.failureProbability).toBeGreaterThanOrEqual(0.1);
      if (test.kind === 'flaky') expect(test.failureProbability).toBeLessThanOrEqual(0.4);
      else expect(test.failureProbability).toBeNull();
      if (test.kind === 'regression') expect(test.regressesAtRun).toBeGreaterThanOrEqual(2);
      if (test.kind === 'regression') expect(test.regressesAtRun).toBeLessThanOrEqual(30);
      else expect(test.regressesAtRun).toBeNull();
    }
  });

  it('commits at run 1, at every run a regression starts, and routinely every 5 runs', () => {
    for (const run of plan.runs) {
      const routine = run.run > 1 && (run.run - 1) % 5 === 0;
      expect(run.newCommit, `run ${run.run}`).toBe(run.run === 1 || run.regressions.length > 0 || routine);
    }
    expect(plan.runs.flatMap((r) => r.regressions).sort()).toEqual(plan.tests.filter((t) => t.kind === 'regression').map((t) => t.nodeId).sort());
    expect(releaseAt(plan, 1)).toBe(1);
    expect(releaseAt(plan, 30)).toBe(plan.runs.filter((r) => r.newCommit).length);
  });

  it('keeps a regression broken from its run on', () => {
    const regression = plan.tests.find((t) => t.kind === 'regression')!;
    for (let run = 1; run <= 30; run++) expect(brokenBy(plan, run).has(regression.nodeId)).toBe(run >= regression.regressesAtRun!);
  });

  it('is the same for the same seed and differs for another; the quick size scales down', () => {
    expect(planTestIntelligence()).toEqual(plan);
    expect(planTestIntelligence({ ...DEFAULT_OPTIONS, seed: 16 }).tests.map((t) => t.kind)).not.toEqual(plan.tests.map((t) => t.kind));
    const quick = planTestIntelligence(QUICK);
    expect([quick.tests.filter((t) => t.kind === 'flaky').length, quick.tests.filter((t) => t.kind === 'regression').length]).toEqual([4, 2]);
    expect(() => planTestIntelligence({ ...QUICK, runs: 1 })).toThrow('runs must be at least 2');
    expect(quick.tests.filter((t) => t.file === warmupFile(quick)).map((t) => t.kind)).not.toContain('flaky');
  });
});

describe('the repository', () => {
  const plan = planTestIntelligence(QUICK);
  const flaky = plan.tests.find((t) => t.kind === 'flaky')!;
  const regression = plan.tests.find((t) => t.kind === 'regression')!;

  it('makes a flaky test draw its failure while it runs, with its own probability and the run seed', () => {
    const files = renderRepositoryAt(plan, 1);
    expect(files[flaky.file]).toContain(`def ${flaky.name}():\n    # Reads the stock first, from a service that times out now and then.\n    stock_service_answers(${flaky.failureProbability}, "${flaky.nodeId}")\n    assert price(${flaky.item}) == ${expectedPrice(flaky.item)}\n`);
    expect(files['tests/upstream.py']).toContain('os.environ.get("BENCH_FLAKE_SEED")');
    expect(flakeSeed(15, 3)).toBe('15-3');
  });

  it('breaks a regression through the code under test from its run on, its test unchanged', () => {
    const before = renderRepositoryAt(plan, regression.regressesAtRun! - 1);
    const after = renderRepositoryAt(plan, regression.regressesAtRun!);
    expect(after[regression.file]).toBe(before[regression.file]);
    expect(before['src/shop/catalog.py']).not.toMatch(new RegExp(`SURCHARGED_ITEMS = \\{[^}]*\\b${regression.item}\\b`));
    expect(after['src/shop/catalog.py']).toMatch(new RegExp(`SURCHARGED_ITEMS = \\{[^}]*\\b${regression.item}\\b`));
  });

  it('writes every planned test into its file', () => {
    const files = renderRepositoryAt(plan, 1);
    for (const test of plan.tests) expect(files[test.file]).toContain(`def ${test.name}():`);
    expect(Object.keys(files).filter((f) => f.startsWith('tests/test_'))).toHaveLength(10);
  });
});

describe('the score', () => {
  const truth = new Map<string, TestKind>([
    ['a', 'flaky'],
    ['b', 'flaky'],
    ['c', 'stable'],
    ['d', 'regression'],
    ['e', 'regression'],
    ['f', 'stable'],
  ]);

  it('counts precision, recall, regressions and the confusion matrix from two maps; a test without a label is missing', () => {
    const labels = new Map<string, Label>([
      ['a', 'flaky'],
      ['b', 'broken'],
      ['c', 'flaky'],
      ['d', 'broken'],
      ['e', 'flaky'],
    ]);
    const score = scoreClassifications(truth, labels);
    expect(score).toMatchObject({ truePositives: 1, falsePositives: 2, falseNegatives: 1, regressionsFlaky: 1, regressionsBroken: 1, unexpected: 0 });
    expect(score.precision).toBeCloseTo(1 / 3);
    expect(score.recall).toBe(0.5);
    expect(score.confusion).toEqual({
      stable: { stable: 0, flaky: 1, broken: 0, new: 0, missing: 1 },
      flaky: { stable: 0, flaky: 1, broken: 1, new: 0, missing: 0 },
      regression: { stable: 0, flaky: 1, broken: 1, new: 0, missing: 0 },
    });
    expect(scoreLines(score)).toContain('regressions labelled flaky: 1, target 0: MISSED');
  });

  it('is perfect when every label matches, and says n/a for a precision with nothing labelled flaky', () => {
    const perfect = scoreClassifications(truth, new Map<string, Label>([['a', 'flaky'], ['b', 'flaky'], ['c', 'stable'], ['d', 'broken'], ['e', 'broken'], ['f', 'stable'], ['z', 'new']]));
    expect([perfect.precision, perfect.recall, perfect.regressionsFlaky, perfect.regressionsBroken, perfect.unexpected]).toEqual([1, 1, 0, 2, 1]);
    expect(scoreLines(perfect)[0]).toBe('flaky precision: 1.000 (TP 2 / (TP + FP 0)), target >= 0.95: met');
    const none = scoreClassifications(truth, new Map<string, Label>());
    expect(Number.isNaN(none.precision)).toBe(true);
    expect(scoreLines(none)[0]).toContain('flaky precision: n/a');
  });
});

describe('reading the classifications', () => {
  const plan = planTestIntelligence(QUICK);
  const row = (nodeId: string, classification: TestHealthRow['classification'], failures: number): TestHealthRow => ({
    id: 1,
    project_id: 1,
    suite_id: 1,
    suite: 'health',
    environment_id: 1,
    environment: 'bench',
    node_id: nodeId,
    classification,
    rule: classification === 'broken' ? 'failing_streak' : 'no_flakiness',
    evidence: { rule: classification === 'broken' ? 'failing_streak' : 'no_flakiness', run_ids: [], detail: 'why' },
    quarantined: false,
    runs: 10,
    passes: 10 - failures,
    failures,
    flips: 0,
    flip_rate: 0,
    pass_on_retry: 0,
    same_commit_disagreements: 0,
    median_duration_seconds: null,
    first_seen_at: '2026-01-01T00:00:00.000Z',
    last_seen_at: '2026-01-01T00:00:00.000Z',
    last_failure_at: null,
    last_failure_run_id: null,
    recent: [],
  });

  it('explains each test labelled otherwise than its truth, and names flaky tests that never failed', () => {
    const [flaky, other] = plan.tests.filter((t) => t.kind === 'flaky');
    const regression = plan.tests.find((t) => t.kind === 'regression')!;
    const rows = plan.tests.map((t) => row(t.nodeId, expectedLabel(t), t.kind === 'stable' ? 0 : 3));
    rows[flaky!.item] = row(flaky!.nodeId, 'stable', 0);
    rows[regression.item] = row(regression.nodeId, 'broken', 3);
    rows.splice(other!.item, 1);
    expect(labelsOf(rows).get(flaky!.nodeId)).toBe('stable');
    expect(mislabelledLines(plan.tests, rows)).toEqual([
      ...[flaky!, other!].sort((x, y) => x.item - y.item).map((t) => (t === flaky ? `  ${t.nodeId}: flaky p=${t.failureProbability} -> stable by no_flakiness (0/10 failed, 0 flips, 0 same-commit disagreements): why` : `  ${t.nodeId}: flaky p=${t.failureProbability} -> missing (no health row)`)),
    ]);
    expect(unseenFlaky(plan.tests, rows).map((t) => t.nodeId)).toEqual([flaky!.nodeId]);
  });
});

describe('the offline simulation', () => {
  it('scores plans of the quick size with domain\'s classifier: regressions broken, never flaky, stable tests never flaky', () => {
    const sim = simulateScores(QUICK, 5);
    expect(sim.plans).toBe(5);
    expect(sim.regressionsFlaky).toBe(0);
    expect(sim.meanPrecision).toBe(1);
    expect(sim.meanRecall).toBeGreaterThan(0);
    expect(sim.meanRecall).toBeLessThanOrEqual(1);
    expect(Object.keys(sim.mislabelled).every((key) => key.startsWith('flaky -> '))).toBe(true);
    expect(simulateScores(QUICK, 5)).toEqual(sim);
    expect(simulationLines(sim)[0]).toContain('offline, 5 plans of these sizes');
  });

  it('with three runs still never calls a regression flaky: it passed, then failed from its commit on', () => {
    const sim = simulateScores({ ...QUICK, runs: 3 }, 3);
    expect([sim.regressionsFlaky, sim.meanPrecision]).toEqual([0, 1]);
    expect(Object.keys(sim.mislabelled).filter((key) => key.startsWith('regression'))).toEqual([]);
  });
});
