/**
 * Test files that exercise every way pytest counts a result (issue 12 "Counts are pytest's"), to add
 * to the fixture repository with `extraFiles`: a module skipped at import (`importorskip`), a module
 * skipped by `pytestmark`, a module that fails to import (a collection error), xfail (strict and
 * not, by marker and imperatively), an xpass and a strict xpass, parametrized ids that alias
 * (`[1, 1.0, "1"]`, `ids=["a", "a"]`), a failure with a real traceback through the shop's code, an
 * error in setup, an error in teardown after a passing call (pytest counts both) and after a
 * failing one. Tests compare a run's counts with pytest's own (`pytest-summary.ts`), never with
 * numbers written here.
 */
export const COUNTING_FILES: Record<string, string> = {
  'tests/test_outcomes.py': `import pytest

from shop import Cart, apply_discount


@pytest.mark.xfail(reason="rounding bug 1234")
def test_known_rounding_bug():
    assert apply_discount(10, 33) == 6.7


@pytest.mark.xfail(reason="fixed upstream?")
def test_unexpectedly_fixed():
    assert apply_discount(100, 10) == 90.0


@pytest.mark.xfail(strict=True, reason="must still fail")
def test_strict_xpass_is_a_failure():
    assert Cart().total() == 0


def test_imperative_xfail():
    pytest.xfail("the payment sandbox is down")


@pytest.mark.parametrize("amount", [1, 1.0, "1"])
def test_aliasing_ids(amount):
    assert float(amount) == 1.0


@pytest.mark.parametrize("percent", [0, 100], ids=["edge", "edge"])
def test_duplicate_ids(percent):
    assert apply_discount(10, percent) in (10.0, 0.0)


def test_discount_over_100_is_rejected():
    # A real traceback through the shop's code: apply_discount raises, the test expected a value.
    assert apply_discount(10, 150) == 0


@pytest.fixture
def payment_gateway():
    raise ConnectionError("sandbox gateway refused the connection")


def test_needs_the_gateway(payment_gateway):
    pass


@pytest.fixture
def leaky_cart():
    yield Cart()
    raise RuntimeError("cart was not emptied")


def test_teardown_fails_after_a_pass(leaky_cart):
    leaky_cart.add("pen", 1.5)


def test_teardown_fails_after_a_failure(leaky_cart):
    assert leaky_cart.count() == 1
`,
  'tests/test_optional_numpy.py': `import pytest

np = pytest.importorskip("numpy_that_is_not_installed")


def test_vectorised_totals():
    assert np.sum([1, 2]) == 3
`,
  'tests/test_legacy_checkout.py': `import pytest

pytestmark = pytest.mark.skip(reason="legacy checkout is being rewritten")


def test_legacy_total():
    assert False


def test_legacy_tax():
    assert False
`,
  'tests/test_reports_export.py': `from shop.reports import export_csv


def test_export():
    assert export_csv([]) == ""
`,
};
