import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { junitKey, readFailureTracebacks } from './junit-failures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qatron-junit-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A JUnit XML file as pytest 9 writes it (xunit2), with the given test cases. */
async function junit(name: string, cases: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="2" time="0.1">${cases}</testsuite></testsuites>`);
  return path;
}

describe('junitKey', () => {
  it("names a node id as pytest's junitxml does: dotted path, classes, parameters kept", () => {
    expect(junitKey('tests/test_cart.py::test_add')).toBe('tests.test_cart\u0000test_add');
    expect(junitKey('tests/api/test_orders.py::TestOrders::test_lookup[order.v2-1]')).toBe('tests.api.test_orders.TestOrders\u0000test_lookup[order.v2-1]');
    expect(junitKey('tests/test_broken.py')).toBe('\u0000tests.test_broken');
  });
});

describe('readFailureTracebacks', () => {
  it('reads the failure and error texts, unescaped and with their indentation; a later attempt replaces an earlier one', async () => {
    const first = await junit(
      'junit-1.xml',
      `<testcase classname="tests.test_cart" name="test_add[2-3]" time="0.001"><failure message="assert 5 == 6">def test_add(a, b):
&gt;       assert add(a, b) == 6
E       assert 5 == 6

tests/test_cart.py:4: AssertionError</failure></testcase><testcase classname="tests.test_cart" name="test_ok" time="0.001" /><testcase classname="" name="tests.test_broken" time="0.000"><error message="collection failure">ImportError while importing test module</error></testcase>`,
    );
    const retry = await junit('junit-2.xml', `<testcase classname="tests.test_cart" name="test_add[2-3]" time="0.001"><failure message="assert 5 == 7">second attempt</failure></testcase>`);
    const ids = ['tests/test_cart.py::test_add[2-3]', 'tests/test_cart.py::test_ok', 'tests/test_broken.py'];
    const once = await readFailureTracebacks([first], ids);
    expect(once.get(ids[0]!)).toBe('def test_add(a, b):\n>       assert add(a, b) == 6\nE       assert 5 == 6\n\ntests/test_cart.py:4: AssertionError');
    expect(once.has(ids[1]!)).toBe(false);
    expect(once.get(ids[2]!)).toBe('ImportError while importing test module');
    expect((await readFailureTracebacks([first, retry], ids)).get(ids[0]!)).toBe('second attempt');
  });

  it('passes over a missing file or one cut short', async () => {
    const broken = join(dir, 'broken.xml');
    await writeFile(broken, '<testsuites><testsuite><testcase classname="tests.test_cart" name="test_add"><failure>');
    expect((await readFailureTracebacks([join(dir, 'missing.xml'), broken], ['tests/test_cart.py::test_add'])).size).toBe(0);
  });
});
