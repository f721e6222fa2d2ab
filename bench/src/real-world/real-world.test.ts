import { describe, expect, it } from 'vitest';
import { compareCount, overallEquality, parsePytestSummary, parseRun, parseTestPage, totalOf } from './counts.js';
import { coverageSettingOf } from './qatron.js';
import { renderRepository, renderTestModule } from './render.js';
import { DEFAULT_OPTIONS, KIND_OUTCOME, planSuite, type PlannedFile } from './suite.js';

const testsIn = (file: PlannedFile) => file.blocks.reduce((n, b) => n + b.tests.length, 0);

describe('the generated suite', () => {
  const suite = planSuite();

  it('is the same for the same seed and differs for another', () => {
    expect(planSuite({ seed: 5, files: 30, tests: 300 })).toEqual(planSuite({ seed: 5, files: 30, tests: 300 }));
    expect(planSuite({ seed: 6, files: 30, tests: 300 }).files.map((f) => f.ms)).not.toEqual(planSuite({ seed: 5, files: 30, tests: 300 }).files.map((f) => f.ms));
  });

  it('has the shape of a large real project: >= 5,000 tests in >= 250 files, the asked total', () => {
    expect(suite.files.length).toBe(DEFAULT_OPTIONS.files);
    expect(suite.files.length).toBeGreaterThanOrEqual(250);
    expect(suite.files.reduce((n, f) => n + testsIn(f), 0)).toBe(DEFAULT_OPTIONS.tests);
    expect(suite.testCount).toBeGreaterThanOrEqual(5000);
    expect(suite.files.reduce((ms, f) => ms + f.ms, 0)).toBe(DEFAULT_OPTIONS.targetSeconds * 1000);
    expect(new Set(suite.files.map((f) => f.path)).size).toBe(suite.files.length);
    for (const file of suite.files) expect(file.blocks.reduce((ms, b) => ms + b.tests.reduce((t, x) => t + x.ms, 0), 0)).toBe(file.ms);
  });

  it('is long-tailed: most files are fast, a tenth of them hold most of the time, none binds the lower bound', () => {
    const runnable = suite.files.filter((f) => !f.importSkip).map((f) => f.ms).sort((a, b) => b - a);
    const total = runnable.reduce((a, b) => a + b, 0);
    const top = runnable.slice(0, Math.ceil(runnable.length / 10)).reduce((a, b) => a + b, 0);
    expect(top / total).toBeGreaterThan(0.4);
    const median = runnable[Math.floor(runnable.length / 2)]!;
    expect(median).toBeLessThan(total / runnable.length);
    expect(runnable[0]!).toBeLessThanOrEqual(total / 8 + 1);
  });

  it('holds import-time skips, xfails, an xpass, a strict xpass, failures and an error, and predicts pytest’s counts', () => {
    const kinds = suite.files.flatMap((f) => f.blocks.flatMap((b) => b.tests.map((t) => t.kind)));
    const importSkips = suite.files.filter((f) => f.importSkip).length;
    expect(importSkips).toBe(Math.round(DEFAULT_OPTIONS.files * DEFAULT_OPTIONS.importSkipShare));
    expect(kinds.filter((k) => k === 'fail').length).toBe(DEFAULT_OPTIONS.failures);
    expect(kinds.filter((k) => k === 'xpass_strict').length).toBe(1);
    expect(kinds.filter((k) => k === 'xpass').length).toBe(2);
    expect(kinds.filter((k) => k === 'xfail').length).toBeGreaterThan(100);
    expect(kinds.filter((k) => k === 'xfail_strict').length).toBeGreaterThan(100);
    // One skip per import-skipped module; its own tests are never counted.
    const runnableKinds = suite.files.filter((f) => !f.importSkip).flatMap((f) => f.blocks.flatMap((b) => b.tests.map((t) => t.kind)));
    expect(suite.expected.skipped).toBe(importSkips + runnableKinds.filter((k) => KIND_OUTCOME[k] === 'skipped').length);
    expect(suite.expected.failed).toBe(DEFAULT_OPTIONS.failures + DEFAULT_OPTIONS.strictXpasses);
    expect(suite.expected.error).toBe(DEFAULT_OPTIONS.errors);
    expect(totalOf(suite.expected)).toBe(runnableKinds.length + importSkips);
    expect(suite.files.flatMap((f) => f.blocks).some((b) => b.style === 'alias')).toBe(true);
  });

  it('renders Python modules: importorskip at the top, aliasing parametrize ids, strict xfail', () => {
    const skipped = suite.files.find((f) => f.importSkip)!;
    expect(renderTestModule(skipped, 1)).toContain('optional = pytest.importorskip("nonexistent_mod")');
    const alias = suite.files.find((f) => f.blocks.some((b) => b.style === 'alias'))!;
    expect(renderTestModule(alias, 1)).toMatch(/parametrize\("value, ms", \[\((\d+), \d+\), \("\1", \d+\)/);
    const files = renderRepository(planSuite({ files: 20, tests: 200 }));
    expect(files['requirements.txt']).toContain('pytest-xdist==');
    expect(files['pytest.ini']).toContain('testpaths = tests');
    expect(Object.values(files).join('\n')).toContain('xfail(strict=True');
  });

  it('rejects impossible shapes', () => {
    expect(() => planSuite({ files: 10, tests: 5 })).toThrow('tests must be');
    expect(() => planSuite({ cpuShare: 2 })).toThrow('cpuShare');
  });
});

describe('pytest summary line', () => {
  it('reads every outcome, errors and warnings included, from the last summary line', () => {
    const out = 'collected 10 items\n...\n= 3 failed, 5012 passed, 180 skipped, 300 xfailed, 2 xpassed, 4 warnings, 1 error in 71.52s (0:01:11) =\n';
    const summary = parsePytestSummary(out)!;
    expect(summary.counts).toEqual({ passed: 5012, failed: 3, error: 1, skipped: 180, xfailed: 300, xpassed: 2 });
    expect(summary.other).toEqual({ warnings: 4 });
    expect(summary.seconds).toBe(71.52);
  });

  it('reads -q lines, plural errors, and "no tests ran"; null without a summary', () => {
    expect(parsePytestSummary('12 passed, 2 errors in 0.50s')!.counts).toMatchObject({ passed: 12, error: 2 });
    expect(parsePytestSummary('==== no tests ran in 0.01s ====')!.counts).toEqual({ passed: 0, failed: 0, error: 0, skipped: 0, xfailed: 0, xpassed: 0 });
    expect(parsePytestSummary('FAILED tests/x.py::t - AssertionError: done in 3s\n')).toBeNull();
  });
});

describe('the run JSON', () => {
  const base = { id: 7, status: 'failed', status_reason: null, total_tests: 10, passed_tests: 6, failed_tests: 2, skipped_tests: 2, flaky_tests: 0, completed_at: '2026-12-06T04:00:00.000Z', run_metadata: { shard_count: 2 } };

  it('reads the counters that exist and leaves the others absent', () => {
    const run = parseRun(base);
    expect(run.counts).toEqual({ passed: 6, failed: 2, skipped: 2 });
    expect(run.completedMs).toBe(Date.parse('2026-12-06T04:00:00.000Z'));
    expect(run.counters).toMatchObject({ total_tests: 10, flaky_tests: 0 });
    expect(compareCount(1, run.counts.error)).toBe('NO COUNTER');
  });

  it('reads new counters at the top level or nested, and compares them', () => {
    const flat = parseRun({ ...base, error_tests: 1, xfailed_tests: 1, xpassed_tests: 0, skipped_tests: 1 });
    const nested = parseRun({ ...base, skipped_tests: 1, counts: { errors: 1, xfailed: 1, xpassed: 0 } });
    const pytest = { passed: 6, failed: 2, error: 1, skipped: 1, xfailed: 1, xpassed: 0 };
    expect(flat.counts).toEqual(pytest);
    expect(nested.counts).toEqual(pytest);
    expect(overallEquality(pytest, { ...flat, total: 11 })).toBe('EQUAL');
    expect(overallEquality(pytest, flat)).toBe('DIFFERENT');
    expect(overallEquality(pytest, parseRun(base))).toBe('DIFFERENT');
    expect(() => parseRun({ status: 'failed' })).toThrow('not a run');
  });

  it('reads per-test pages, dropping rows without a node id or duration', () => {
    const page = parseTestPage({ items: [{ node_id: 'tests/a.py::t[1-2]', file: 'tests/a.py', outcome: 'xfailed', duration_seconds: 0.5, shard_index: 1 }, { node_id: 'x' }], total: 2 });
    expect(page.rows).toEqual([{ nodeId: 'tests/a.py::t[1-2]', file: 'tests/a.py', outcome: 'xfailed', durationSeconds: 0.5, shardIndex: 1 }]);
    expect(page.dropped).toBe(1);
  });
});

describe('the coverage switch of a suite', () => {
  const doc = (extra: Record<string, unknown>) => ({ components: { schemas: { SuiteCreate: { type: 'object', properties: { name: { type: 'string' }, shards: { type: 'integer' }, retries: { type: 'integer' }, ...extra } } } } });

  it('is found as a boolean or an enum, and absent otherwise', () => {
    expect(coverageSettingOf(doc({}))).toBeNull();
    expect(coverageSettingOf(doc({ coverage_enabled: { type: 'boolean' } }))).toEqual({ field: 'coverage_enabled', off: false, on: true });
    expect(coverageSettingOf(doc({ coverage: { type: 'string', enum: ['off', 'on', 'threshold'] } }))).toEqual({ field: 'coverage', off: 'off', on: 'on' });
  });
});
