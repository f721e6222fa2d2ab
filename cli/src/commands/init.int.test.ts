/**
 * `qatron init` writes a repository that works: real pytest (with pytest-bdd, coverage and the
 * qatron framework, in the environment a QAtron worker builds) collects and passes it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectTests } from '@qatron/activities/execution/collect';
import { runShard } from '@qatron/activities/execution/shard-runner';
import { fixtureEnvironment } from '@qatron/activities/testing/fixture-environment';
import init from './init.js';

const ALL_TESTS = [
  'tests/test_cart.py::test_empty_cart_has_zero_total',
  'tests/test_cart.py::test_adding_items_updates_the_total',
  'tests/test_cart.py::test_removing_an_item',
  'tests/test_cart.py::test_rejects_a_non_positive_quantity',
  'tests/test_checkout_steps.py::test_paying_for_a_single_item',
  'tests/test_checkout_steps.py::test_discounted_totals[1-book-20.00-10-18.00]',
  'tests/test_checkout_steps.py::test_discounted_totals[2-pen-1.50-0-3.00]',
  'tests/test_checkout_steps.py::test_discounted_totals[4-mug-7.25-50-14.50]',
  'tests/test_environment.py::test_target_url_is_an_http_url',
  'tests/test_environment.py::test_environment_name_is_set',
  'tests/test_environment.py::test_base_url_of_the_run',
  'tests/test_pricing.py::test_apply_discount[100-10-90.0]',
  'tests/test_pricing.py::test_apply_discount[80-25-60.0]',
  'tests/test_pricing.py::test_apply_discount[19.99-0-19.99]',
  'tests/test_pricing.py::test_rejects_a_discount_over_100_percent',
  'tests/test_pricing.py::test_free_shipping_over_the_threshold',
  'tests/test_pricing.py::test_standard_shipping_below_the_threshold',
];

const SMOKE_TESTS = [
  'tests/test_cart.py::test_empty_cart_has_zero_total',
  'tests/test_cart.py::test_adding_items_updates_the_total',
  'tests/test_checkout_steps.py::test_paying_for_a_single_item',
  'tests/test_environment.py::test_target_url_is_an_http_url',
  'tests/test_pricing.py::test_free_shipping_over_the_threshold',
];

describe('the repository qatron init writes, under real pytest', () => {
  let root: string;
  let repo: string;
  let python: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'qatron-init-int-'));
    repo = join(root, 'demo');
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, stdin: {}, isTTY: false };
    const ctx = { args: [repo], options: { 'repo-url': 'https://github.com/acme/demo.git' }, client: {}, config: {}, output: {}, io, env: {} } as any;
    expect(await init.run(ctx)).toBe(0);
    python = (await fixtureEnvironment(repo)).python;
  }, 300_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('collects every test, one per Examples row of the Scenario Outline', async () => {
    expect(await collectTests(python, repo, { paths: [], markers: '', keywords: '' })).toEqual(ALL_TESTS);
  });

  it('selects the smoke suite with -m smoke (pytest marks and @smoke scenario tags)', async () => {
    expect(await collectTests(python, repo, { paths: [], markers: 'smoke', keywords: '' })).toEqual(SMOKE_TESTS);
  });

  it('passes without a base URL, skipping only the test that needs one, and measures src/', async () => {
    const result = await runShard({
      python,
      checkoutDir: repo,
      testIds: ALL_TESTS,
      outDir: join(root, 'shard-all'),
      env: {},
      retries: 0,
      workersPerShard: 0,
      coverage: true,
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    expect(result.outputs.log).toBeDefined();
    expect(result.outcome).toBe('passed');
    const outcomes = Object.fromEntries(result.results.map((r) => [r.nodeId, r.outcome]));
    expect(outcomes).toEqual(Object.fromEntries(ALL_TESTS.map((id) => [id, id.endsWith('test_base_url_of_the_run') ? 'skipped' : 'passed'])));
    expect(result.outputs.coverageFile).not.toBeNull();
  }, 120_000);

  it('passes every test of a run with the environment QAtron passes (QATRON_BASE_URL)', async () => {
    const result = await runShard({
      python,
      checkoutDir: repo,
      testIds: ALL_TESTS,
      outDir: join(root, 'shard-env'),
      env: { QATRON_BASE_URL: 'https://staging.example.com', QATRON_ENVIRONMENT: 'staging' },
      retries: 0,
      workersPerShard: 2,
      coverage: false,
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    expect(result.outcome).toBe('passed');
    expect(result.results.map((r) => [r.nodeId, r.outcome]).sort()).toEqual(ALL_TESTS.map((id) => [id, 'passed']).sort());
  }, 120_000);
});
