/**
 * Failure groups from a real shard (issue 15 item 4): real pytest on a generated repository whose
 * failures share causes, read back through the shard runner's results and the JUnit reader, then
 * fingerprinted as the shard activity stores them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFailingOutcome } from '@qatron/domain/runs/outcomes';
import { fingerprintFailure, type FailureFingerprint } from '@qatron/domain/failures/fingerprint';
import { fixtureEnvironment } from '../testing/fixture-environment.js';
import { createFixtureRepository } from '../testing/fixture-repo.js';
import { readFailureTracebacks } from './junit-failures.js';
import { runShard } from './shard-runner.js';

/** A shop whose order totals are off by the quantity, whose health checks hit closed ports, and more. */
const FILES = {
  'src/shop/health.py': `import urllib3


def check_health(port):
    http = urllib3.PoolManager(retries=False)
    return http.request("GET", f"http://127.0.0.1:{port}/health", timeout=2.0).status
`,
  'src/shop/catalog.py': `PRICES = {"book": 20, "mug": 7}


def price_of(sku):
    return PRICES[sku]
`,
  'tests/test_orders.py': `import pytest


def order_total(quantity):
    return 10 * quantity + quantity


@pytest.mark.parametrize("quantity", [1, 2, 3, 4, 5])
def test_order_total(quantity):
    assert order_total(quantity) == 10 * quantity
`,
  // Ports 9, 19 and 29 (discard, chargen, msg-icp) have no listener on a worker.
  'tests/test_health.py': `import pytest

from shop.health import check_health


@pytest.mark.parametrize("port", [9, 19, 29])
def test_service_is_up(port):
    assert check_health(port) == 200
`,
  'tests/test_reports.py': `import pytest

from shop.catalog import price_of


@pytest.fixture
def report_store(tmp_path):
    raise RuntimeError(f"report store at {tmp_path} is read-only")


def test_monthly_report(report_store):
    assert report_store


def test_pen_price():
    assert price_of("pen") == 3
`,
  'tests/test_broken.py': 'import shop.no_such_module\n',
};

const TEST_IDS = [
  'tests/test_broken.py',
  ...[1, 2, 3, 4, 5].map((q) => `tests/test_orders.py::test_order_total[${q}]`),
  ...[9, 19, 29].map((port) => `tests/test_health.py::test_service_is_up[${port}]`),
  'tests/test_reports.py::test_monthly_report',
  'tests/test_reports.py::test_pen_price',
];

let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-failure-groups-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('failure groups of a real shard', () => {
  it('puts failures that share a cause in one group and tells the other causes apart', async () => {
    const repo = await createFixtureRepository(join(base, 'repo'), { extraFiles: FILES });
    const { python } = await fixtureEnvironment(repo.path);
    const result = await runShard({
      python,
      checkoutDir: repo.path,
      testIds: TEST_IDS,
      outDir: join(base, 'out'),
      env: {},
      // A retry writes a second JUnit file: the last attempt's text is the one read.
      retries: 1,
      workersPerShard: 0,
      coverage: false,
      signal: new AbortController().signal,
      onProgress: () => undefined,
    });
    const failing = result.results.filter((r) => isFailingOutcome(r.outcome));
    expect(failing.map((r) => [r.nodeId, r.outcome]).sort()).toEqual(TEST_IDS.map((id) => [id, id.includes('monthly') || id.endsWith('broken.py') ? 'error' : 'failed']).sort());
    expect(result.outputs.junitXml).toHaveLength(2);

    const tracebacks = await readFailureTracebacks(result.outputs.junitXml, failing.map((r) => r.nodeId));
    expect([...tracebacks.keys()].sort()).toEqual([...TEST_IDS].sort());
    const groups = new Map<string, { failure: FailureFingerprint; nodeIds: string[] }>();
    for (const test of failing) {
      const failure = fingerprintFailure({ message: test.message, traceback: tracebacks.get(test.nodeId) ?? null, checkoutDir: repo.path });
      const group = groups.get(failure.fingerprint) ?? { failure, nodeIds: [] };
      group.nodeIds.push(test.nodeId);
      groups.set(failure.fingerprint, group);
    }
    const summary = [...groups.values()].map((g) => ({ ...g.failure, fingerprint: undefined, nodeIds: g.nodeIds.sort() })).sort((a, b) => b.nodeIds.length - a.nodeIds.length || a.frame!.localeCompare(b.frame!));
    expect(summary).toEqual([
      { fingerprint: undefined, exceptionType: 'AssertionError', normalizedMessage: 'assert <n> == (<n> * <n>)', frame: 'tests/test_orders.py::test_order_total', nodeIds: TEST_IDS.filter((id) => id.includes('test_orders')).sort() },
      {
        fingerprint: undefined,
        exceptionType: 'urllib3.exceptions.NewConnectionError',
        normalizedMessage: expect.stringMatching(/^HTTPConnection\(host='<ip>', port=<n>\): Failed to establish a new connection: \[Errno <n>\] /),
        frame: 'src/shop/health.py::check_health',
        nodeIds: TEST_IDS.filter((id) => id.includes('test_health')).sort(),
      },
      { fingerprint: undefined, exceptionType: 'KeyError', normalizedMessage: "'pen'", frame: 'src/shop/catalog.py::price_of', nodeIds: ['tests/test_reports.py::test_pen_price'] },
      { fingerprint: undefined, exceptionType: 'ModuleNotFoundError', normalizedMessage: "No module named 'shop.no_such_module'", frame: 'tests/test_broken.py::<module>', nodeIds: ['tests/test_broken.py'] },
      { fingerprint: undefined, exceptionType: 'RuntimeError', normalizedMessage: 'report store at <tmp> is read-only', frame: 'tests/test_reports.py::report_store', nodeIds: ['tests/test_reports.py::test_monthly_report'] },
    ]);
  });
});
