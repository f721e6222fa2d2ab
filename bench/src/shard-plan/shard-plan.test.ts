import { describe, expect, it } from 'vitest';
import { makespanLowerBound, planShards } from '@qatron/domain';
import { fmtRatio, fmtSeconds, formatTable, makespanRatio, planEstimate, planIdealMakespan, startupAdjusted, verdict } from './figures.js';
import { caseFile, decodeXmlAttribute, fileDurationsFromJunit, parseJunitCases } from './junit.js';
import { apportion, DEFAULT_SUITE_OPTIONS, generateSuite, renderTestFile, seededRandom } from './suite.js';

describe('suite generation', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(generateSuite(7)).toEqual(generateSuite(7));
    expect(generateSuite(7).files.map((f) => f.ms)).not.toEqual(generateSuite(8).files.map((f) => f.ms));
    const a = seededRandom(1);
    const b = seededRandom(1);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it('has the bench shape: >= 400 tests in >= 80 files, exact total, capped and skewed files', () => {
    const suite = generateSuite(20261122);
    expect(suite.testCount).toBeGreaterThanOrEqual(400);
    expect(suite.files.length).toBeGreaterThanOrEqual(80);
    expect(suite.totalMs).toBe(DEFAULT_SUITE_OPTIONS.totalMs);
    for (const file of suite.files) {
      expect(file.tests.reduce((a, t) => a + t.ms, 0)).toBe(file.ms);
      expect(file.ms).toBeLessThanOrEqual(DEFAULT_SUITE_OPTIONS.maxFileMs);
      expect(file.tests.every((t) => t.ms >= 1)).toBe(true);
    }
    // Skewed: the heaviest tenth of the files holds far more than a tenth of the time.
    const sorted = suite.files.map((f) => f.ms).sort((a, b) => b - a);
    const top = sorted.slice(0, Math.ceil(sorted.length / 10)).reduce((a, b) => a + b, 0);
    expect(top / suite.totalMs).toBeGreaterThan(0.4);
    // And total/N, not the longest file, binds the lower bound.
    expect(makespanLowerBound(sorted.map((ms) => ms / 1000), 4)).toBeCloseTo(suite.totalMs / 4000, 6);
    expect(new Set(suite.files.map((f) => f.path)).size).toBe(suite.files.length);
  });

  it('apportions integers that sum exactly and respect the floor', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(100, [0, 0], 5)).toEqual([50, 50]);
    const parts = apportion(1000, [0.1, 5, 2.2, 9], 20);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(Math.min(...parts)).toBeGreaterThanOrEqual(20);
    expect(() => apportion(10, [1, 1], 6)).toThrow();
  });

  it('renders a Python file whose sleeps are the known durations, scaled by the environment', () => {
    const source = renderTestFile({ path: 'tests/test_f000.py', ms: 1250, tests: [{ name: 'test_00', ms: 1000 }, { name: 'test_01', ms: 250 }] }, 3);
    expect(source).toContain('SCALE = float(os.environ.get("QATRON_BENCH_SLEEP_SCALE", "1"))');
    expect(source).toContain('def test_00():\n    time.sleep(1.000 * SCALE)');
    expect(source).toContain('def test_01():\n    time.sleep(0.250 * SCALE)');
  });
});

describe('JUnit history', () => {
  const xunit1 = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="3">
    <testcase classname="tests.test_a" name="test_00" file="tests/test_a.py" line="6" time="1.250" />
    <testcase classname="tests.test_a" name="test_01[x&amp;y]" file="tests/test_a.py" line="10" time="0.750"><failure message="boom">trace</failure></testcase>
    <testcase classname="tests.test_b" name="test_00" file="tests/test_b.py" line="6" time="2.000"/>
  </testsuite></testsuites>`;
  const xunit2 = `<testsuites><testsuite><testcase classname="tests.test_a.TestX" name="test_y" time="0.5" /><testcase classname="tests.test_c" name="t" time="3" /></testsuite></testsuites>`;

  it('reads every testcase with its file and time', () => {
    const cases = parseJunitCases(xunit1);
    expect(cases).toHaveLength(3);
    expect(cases[1]).toEqual({ classname: 'tests.test_a', name: 'test_01[x&y]', file: 'tests/test_a.py', seconds: 0.75 });
  });

  it('sums durations per file over several reports', () => {
    const durations = fileDurationsFromJunit([xunit1, xunit2], new Set(['tests/test_a.py', 'tests/test_b.py']));
    expect(Object.fromEntries(durations)).toEqual({ 'tests/test_a.py': 2.5, 'tests/test_b.py': 2 });
  });

  it('maps an xunit2 classname to a known file, longest prefix first', () => {
    expect(caseFile({ classname: 'tests.test_a.TestX', name: 'n', file: undefined, seconds: 0 }, new Set(['tests/test_a.py']))).toBe('tests/test_a.py');
    expect(caseFile({ classname: 'pkg.tests.test_a', name: 'n', file: undefined, seconds: 0 }, new Set(['pkg/tests/test_a.py', 'pkg/tests.py']))).toBe('pkg/tests/test_a.py');
    expect(caseFile({ classname: 'tests.unknown', name: 'n', file: undefined, seconds: 0 })).toBeUndefined();
  });

  it('decodes entities and character references', () => {
    expect(decodeXmlAttribute('a&lt;b&gt;&quot;c&apos;&#65;&#x42;&bogus;')).toBe(`a<b>"c'AB&bogus;`);
  });
});

describe('figures', () => {
  it('computes ratios, start-up adjustment and the verdict', () => {
    expect(makespanRatio(22, 20)).toBeCloseTo(1.1, 12);
    expect(makespanRatio(1, 0)).toBeNaN();
    expect(startupAdjusted(21, 1.5)).toBe(19.5);
    expect(startupAdjusted(1, 2)).toBe(0);
    expect(verdict(1.1, 1.1)).toBe('met');
    expect(verdict(1.1001, 1.1)).toBe('missed');
    expect(verdict(Number.NaN, 1.1)).toBe('missed');
  });

  it("reads a plan's estimate and its ideal makespan by known durations", () => {
    const ids = ['a.py::t0', 'a.py::t1', 'b.py::t0', 'c.py::t0'];
    const known = new Map([['a.py', 1], ['b.py', 4], ['c.py', 2]]);
    const byCount = planShards(ids, 2);
    expect(planEstimate(byCount)).toBe(2);
    // By test count: a.py (2 tests) alone, b.py + c.py together = 6 s.
    expect(planIdealMakespan(byCount, known)).toBe(6);
    const byHistory = planShards(ids, 2, known);
    expect(planEstimate(byHistory)).toBe(4);
    expect(planIdealMakespan(byHistory, known)).toBe(4);
  });

  it('formats figures and aligns tables', () => {
    expect(fmtSeconds(1.234)).toBe('1.23');
    expect(fmtSeconds(undefined)).toBe('–');
    expect(fmtRatio(1.0456)).toBe('1.046');
    expect(formatTable([['name', 'x'], ['long name', '1.5'], ['b', '10.25']])).toBe(['name           x', '---------  -----', 'long name    1.5', 'b          10.25'].join('\n'));
  });
});
