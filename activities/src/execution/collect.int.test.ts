import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureEnvironment } from '../testing/fixture-environment.js';
import { rejectionOf } from '../testing/rejection.js';
import { createFixtureRepository, GREEN_TEST_IDS, type FixtureRepository } from '../testing/fixture-repo.js';
import { collectTests } from './collect.js';
import { CollectionError } from './errors.js';

let base: string;
let repo: FixtureRepository;
let python: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-collect-'));
  repo = await createFixtureRepository(join(base, 'repo'));
  python = (await fixtureEnvironment(repo.path)).python;
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const all = { paths: [], markers: '', keywords: '' };

describe('collectTests', () => {
  it('collects every test of the repository in collection order, each outline example as its own test', async () => {
    const ids = await collectTests(python, repo.path, all);
    expect(ids).toEqual(GREEN_TEST_IDS);
    expect(ids.filter((id) => id.includes('::test_discounted_totals['))).toEqual([
      'tests/test_checkout_steps.py::test_discounted_totals[1-book-20.00-10-18.00]',
      'tests/test_checkout_steps.py::test_discounted_totals[2-pen-1.50-0-3.00]',
      'tests/test_checkout_steps.py::test_discounted_totals[4-mug-7.25-50-14.50]',
    ]);
  });

  it('selects by marker, including the tags of BDD scenarios', async () => {
    expect(await collectTests(python, repo.path, { ...all, markers: 'smoke' })).toEqual([
      'tests/test_cart.py::test_empty_cart_has_zero_total',
      'tests/test_cart.py::test_adding_items_updates_the_total',
      'tests/test_checkout_steps.py::test_paying_for_a_single_item',
      'tests/test_pricing.py::test_free_shipping_over_the_threshold',
    ]);
    expect(await collectTests(python, repo.path, { ...all, markers: 'regression and checkout' })).toHaveLength(3);
  });

  it('collects exactly the given node ids, instead of the paths and expressions (a re-run, issue 15 item 3)', async () => {
    const nodeIds = ['tests/test_pricing.py::test_apply_discount[80-25-60.0]', 'tests/test_cart.py::test_empty_cart_has_zero_total'];
    expect(await collectTests(python, repo.path, { paths: ['tests/test_checkout_steps.py'], markers: 'regression', keywords: '', nodeIds })).toEqual(nodeIds);
  });

  it('selects by keyword and by path', async () => {
    expect(await collectTests(python, repo.path, { ...all, keywords: 'discount and not totals' })).toEqual([
      'tests/test_pricing.py::test_apply_discount[100-10-90.0]',
      'tests/test_pricing.py::test_apply_discount[80-25-60.0]',
      'tests/test_pricing.py::test_apply_discount[19.99-0-19.99]',
    ]);
    expect(await collectTests(python, repo.path, { ...all, paths: ['tests/test_inventory.py', 'tests/test_cart.py::test_removing_an_item'] })).toEqual([
      'tests/test_inventory.py::TestStock::test_restock_adds_units',
      'tests/test_inventory.py::TestStock::test_cannot_sell_more_than_in_stock',
      'tests/test_cart.py::test_removing_an_item',
    ]);
    expect(await collectTests(python, repo.path, { paths: ['tests/test_pricing.py'], markers: 'smoke', keywords: 'shipping' })).toEqual(['tests/test_pricing.py::test_free_shipping_over_the_threshold']);
  });

  it('returns no tests when nothing matches (pytest exit code 5)', async () => {
    expect(await collectTests(python, repo.path, { ...all, markers: 'smoke and regression' })).toEqual([]);
  });

  it('passes the environment to conftest files', async () => {
    const withConftest = await createFixtureRepository(join(base, 'conftest'), {
      extraFiles: { 'tests/conftest.py': 'import os\n\ndef pytest_collection_modifyitems(items):\n    if os.environ.get("QATRON_ONLY_CART"):\n        items[:] = [i for i in items if "test_cart" in i.nodeid]\n' },
    });
    expect(await collectTests(python, withConftest.path, all, { env: { QATRON_ONLY_CART: '1' } })).toEqual(GREEN_TEST_IDS.filter((id) => id.startsWith('tests/test_cart.py')));
  });

  it('plans modules that fail to import or are skipped at import after the tests (pytest counts both)', async () => {
    const broken = await createFixtureRepository(join(base, 'broken'), {
      extraFiles: { 'tests/test_broken.py': 'import shop.no_such_module\n', 'tests/test_optional.py': 'import pytest\nnp = pytest.importorskip("numpy_not_here")\n\ndef test_never():\n    pass\n' },
    });
    expect(await collectTests(python, broken.path, all)).toEqual([...GREEN_TEST_IDS, 'tests/test_broken.py', 'tests/test_optional.py']);
    // A marker selection still meets them: pytest reports both before it deselects anything.
    expect(await collectTests(python, broken.path, { ...all, markers: 'smoke and regression' })).toEqual(['tests/test_broken.py', 'tests/test_optional.py']);
  });

  it('throws a CollectionError with pytest output when the session cannot collect: a broken root conftest, a bad expression, a missing path', async () => {
    const broken = await createFixtureRepository(join(base, 'broken-conftest'), { extraFiles: { 'conftest.py': 'import shop.no_such_module\n' } });
    const error = await rejectionOf<CollectionError>(collectTests(python, broken.path, all));
    expect(error).toBeInstanceOf(CollectionError);
    expect(error.exitCode).toBe(4);
    expect(error.message).toMatch(/^collecting tests failed \(pytest exit code 4\):\n/);
    expect(error.message).toContain("No module named 'shop.no_such_module'");

    await expect(collectTests(python, repo.path, { ...all, markers: 'smoke and (' })).rejects.toThrow(CollectionError);
    await expect(collectTests(python, repo.path, { ...all, paths: ['tests/test_nothing_here.py'] })).rejects.toThrow(/file or directory not found: tests\/test_nothing_here\.py/);
    await expect(collectTests(python, repo.path, { ...all, paths: ['--co'] })).rejects.toThrow('must not start with "-"');
  });
});
