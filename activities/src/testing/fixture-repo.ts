/**
 * The fixture test repository, built by code: a small shop package measured by coverage, plain
 * pytest tests (some marked smoke/regression), pytest-bdd features with a Background, tags and a
 * Scenario Outline, and variants that fail, flake or take known time. Tests of the execution
 * building blocks, the run workflow and the API all run real git and real pytest against it.
 *
 * Green variant, 15 tests: 14 pass, 1 is skipped; 4 are marked smoke (2 in test_cart.py,
 * 1 in test_pricing.py, 1 BDD scenario); the outline expands to 3 tests.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The pytest-bdd version the fixture's requirements.txt pins. */
export const FIXTURE_PYTEST_BDD_VERSION = '9.0.1';
/**
 * The selenium the fixture's requirements.txt pins (a repository with browser tests brings its
 * own): 4.52 and 4.53 need a certifi release the package index here does not have yet.
 */
export const FIXTURE_SELENIUM_VERSION = '4.51.0';

/** The flaky test keeps its "already failed once" marker in this directory (default: a temp dir keyed by the checkout path). */
export const FLAKY_STATE_VARIABLE = 'SHOP_FLAKY_STATE_DIR';

/** Node ids of the green variant, in collection order. */
export const GREEN_TEST_IDS = [
  'tests/test_cart.py::test_empty_cart_has_zero_total',
  'tests/test_cart.py::test_adding_items_updates_the_total',
  'tests/test_cart.py::test_removing_an_item',
  'tests/test_cart.py::test_rejects_a_non_positive_quantity',
  'tests/test_checkout_steps.py::test_paying_for_a_single_item',
  'tests/test_checkout_steps.py::test_discounted_totals[1-book-20.00-10-18.00]',
  'tests/test_checkout_steps.py::test_discounted_totals[2-pen-1.50-0-3.00]',
  'tests/test_checkout_steps.py::test_discounted_totals[4-mug-7.25-50-14.50]',
  'tests/test_inventory.py::TestStock::test_restock_adds_units',
  'tests/test_inventory.py::TestStock::test_cannot_sell_more_than_in_stock',
  'tests/test_pricing.py::test_apply_discount[100-10-90.0]',
  'tests/test_pricing.py::test_apply_discount[80-25-60.0]',
  'tests/test_pricing.py::test_apply_discount[19.99-0-19.99]',
  'tests/test_pricing.py::test_free_shipping_over_the_threshold',
  'tests/test_pricing.py::test_express_shipping',
] as const;

export const FAILING_TEST_ID = 'tests/test_failing.py::test_total_includes_tax';
export const FLAKY_TEST_ID = 'tests/test_flaky.py::test_stock_is_eventually_replicated';

export interface FixtureRepositoryOptions {
  variant?: 'green' | 'failing' | 'flaky';
  /** `count` files `tests/test_slow_<i>.py`, each with one test sleeping `seconds`. */
  slowFiles?: { count: number; seconds: number };
  /** More files (path relative to the repository → content); they replace generated ones. */
  extraFiles?: Record<string, string>;
}

export interface FixtureRepository {
  path: string;
  commit: string;
  branch: 'main';
}

const AUTHOR = {
  GIT_AUTHOR_NAME: 'QAtron Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@qatron.test',
  GIT_COMMITTER_NAME: 'QAtron Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@qatron.test',
};

const FILES: Record<string, string> = {
  'requirements.txt': `pytest-bdd==${FIXTURE_PYTEST_BDD_VERSION}\nselenium==${FIXTURE_SELENIUM_VERSION}\n`,
  'pytest.ini': `[pytest]
testpaths = tests
pythonpath = src
bdd_features_base_dir = features/
markers =
    smoke: fast checks run on every deploy
    regression: the full regression set
    checkout: checkout feature scenarios
`,
  'README.md': '# shop-tests\n\nQAtron fixture repository: a tiny shop and its tests.\n',
  'src/shop/__init__.py': `"""A tiny shop: the system under test of QAtron's fixture repository."""

from shop.cart import Cart
from shop.inventory import Stock
from shop.pricing import apply_discount, shipping_cost

__all__ = ["Cart", "Stock", "apply_discount", "shipping_cost"]
`,
  'src/shop/cart.py': `class Cart:
    def __init__(self):
        self._lines = {}

    def add(self, sku, price, quantity=1):
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        _, current = self._lines.get(sku, (price, 0))
        self._lines[sku] = (price, current + quantity)

    def remove(self, sku):
        self._lines.pop(sku, None)

    def count(self):
        return sum(quantity for _, quantity in self._lines.values())

    def total(self):
        return round(sum(price * quantity for price, quantity in self._lines.values()), 2)
`,
  'src/shop/pricing.py': `def apply_discount(amount, percent):
    if not 0 <= percent <= 100:
        raise ValueError("percent must be between 0 and 100")
    return round(amount * (100 - percent) / 100, 2)


def shipping_cost(total, express=False):
    if express:
        return 15.0
    return 0.0 if total >= 50 else 4.99
`,
  'src/shop/inventory.py': `class Stock:
    def __init__(self):
        self._units = {}

    def restock(self, sku, units):
        self._units[sku] = self._units.get(sku, 0) + units

    def available(self, sku):
        return self._units.get(sku, 0)

    def sell(self, sku, units):
        if units > self.available(sku):
            raise LookupError(f"only {self.available(sku)} of {sku} in stock")
        self._units[sku] -= units
`,
  'tests/test_cart.py': `import pytest

from shop import Cart


@pytest.mark.smoke
def test_empty_cart_has_zero_total():
    assert Cart().total() == 0


@pytest.mark.smoke
def test_adding_items_updates_the_total():
    cart = Cart()
    cart.add("book", 12.5)
    cart.add("pen", 1.5, quantity=2)
    assert cart.total() == 15.5
    assert cart.count() == 3


def test_removing_an_item():
    cart = Cart()
    cart.add("book", 12.5)
    cart.remove("book")
    assert cart.count() == 0


def test_rejects_a_non_positive_quantity():
    with pytest.raises(ValueError):
        Cart().add("book", 12.5, quantity=0)
`,
  'tests/test_pricing.py': `import pytest

from shop import apply_discount, shipping_cost


@pytest.mark.regression
@pytest.mark.parametrize("amount,percent,expected", [(100, 10, 90.0), (80, 25, 60.0), (19.99, 0, 19.99)])
def test_apply_discount(amount, percent, expected):
    assert apply_discount(amount, percent) == expected


@pytest.mark.smoke
def test_free_shipping_over_the_threshold():
    assert shipping_cost(50) == 0.0


@pytest.mark.skip(reason="express shipping is not offered yet")
def test_express_shipping():
    assert shipping_cost(10, express=True) == 15.0
`,
  'tests/test_inventory.py': `import pytest

from shop import Stock


@pytest.mark.regression
class TestStock:
    def test_restock_adds_units(self):
        stock = Stock()
        stock.restock("mug", 3)
        stock.restock("mug", 2)
        assert stock.available("mug") == 5

    def test_cannot_sell_more_than_in_stock(self):
        stock = Stock()
        stock.restock("mug", 1)
        with pytest.raises(LookupError):
            stock.sell("mug", 2)
`,
  'tests/test_checkout_steps.py': `import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from shop import Cart, apply_discount

scenarios("checkout.feature")


@given("an empty cart", target_fixture="checkout")
def empty_cart():
    return {"cart": Cart(), "discount": 0}


@when(parsers.parse('I add {quantity:d} "{sku}" at {price:f}'))
def add_items(checkout, quantity, sku, price):
    checkout["cart"].add(sku, price, quantity)


@when(parsers.parse("I apply a {percent:d} percent discount"))
def apply_percent(checkout, percent):
    checkout["discount"] = percent


@then(parsers.parse("the total is {total:f}"))
def total_is(checkout, total):
    assert apply_discount(checkout["cart"].total(), checkout["discount"]) == pytest.approx(total)
`,
  'features/checkout.feature': `@checkout
Feature: Checkout
  Shoppers pay for what is in their cart, discounts included.

  Background:
    Given an empty cart

  @smoke
  Scenario: Paying for a single item
    When I add 1 "book" at 12.50
    Then the total is 12.50

  @regression
  Scenario Outline: Discounted totals
    When I add <quantity> "<sku>" at <price>
    And I apply a <percent> percent discount
    Then the total is <total>

    Examples:
      | quantity | sku  | price | percent | total |
      | 1        | book | 20.00 | 10      | 18.00 |
      | 2        | pen  | 1.50  | 0       | 3.00  |
      | 4        | mug  | 7.25  | 50      | 14.50 |
`,
};

const FAILING_FILES: Record<string, string> = {
  'tests/test_failing.py': `from shop import Cart


def test_total_includes_tax():
    cart = Cart()
    cart.add("book", 10.0)
    assert cart.total() == 11.9, "the cart does not add VAT"
`,
};

const FLAKY_FILES: Record<string, string> = {
  'tests/test_flaky.py': `import hashlib
import os
import pathlib
import tempfile


def _marker():
    default = os.path.join(tempfile.gettempdir(), "shop-flaky-" + hashlib.sha256(os.getcwd().encode()).hexdigest()[:12])
    directory = pathlib.Path(os.environ.get("${FLAKY_STATE_VARIABLE}") or default)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / "test_stock_is_eventually_replicated.failed-once"


def test_stock_is_eventually_replicated():
    marker = _marker()
    if not marker.exists():
        marker.write_text("failed on the first attempt\\n")
        raise AssertionError("stock not replicated yet (fails on the first attempt only)")
`,
};

function slowFiles(count: number, seconds: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= count; i++) {
    files[`tests/test_slow_${i}.py`] = `import time\n\n\ndef test_slow_${i}():\n    time.sleep(${seconds})\n`;
  }
  return files;
}

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}

async function git(repo: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('git', ['-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...args], {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C', ...AUTHOR, ...env },
  });
  return stdout.trim();
}

/**
 * Creates the fixture repository in `dir` (created if missing, must be empty) as a git repository
 * with one commit on `main`. The first commit has a fixed author and date, so the same options
 * always give the same commit id.
 */
export async function createFixtureRepository(dir: string, options: FixtureRepositoryOptions = {}): Promise<FixtureRepository> {
  const path = resolve(dir);
  await mkdir(path, { recursive: true });
  if ((await readdir(path)).length > 0) throw new Error(`${path} is not empty`);
  const variant = options.variant ?? 'green';
  await writeFiles(path, {
    ...FILES,
    ...(variant === 'failing' ? FAILING_FILES : {}),
    ...(variant === 'flaky' ? FLAKY_FILES : {}),
    ...(options.slowFiles ? slowFiles(options.slowFiles.count, options.slowFiles.seconds) : {}),
    ...options.extraFiles,
  });
  await git(path, ['init', '--quiet', '--initial-branch=main']);
  await git(path, ['add', '--all']);
  const fixedDate = '2026-01-01T00:00:00Z';
  await git(path, ['commit', '--quiet', '--message', `shop tests (${variant})`], { GIT_AUTHOR_DATE: fixedDate, GIT_COMMITTER_DATE: fixedDate });
  return { path, commit: await git(path, ['rev-parse', 'HEAD']), branch: 'main' };
}

/** Writes `files` into `repo` and commits them on the current branch; returns the new commit id. */
export async function commitChange(repo: string, files: Record<string, string>, message: string): Promise<string> {
  await writeFiles(repo, files);
  await git(repo, ['add', '--all']);
  await git(repo, ['commit', '--quiet', '--allow-empty', '--message', message]);
  return git(repo, ['rev-parse', 'HEAD']);
}
