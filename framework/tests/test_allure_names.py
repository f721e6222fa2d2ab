"""Allure results name every test as pytest does: one test per node id, BDD tests by scenario name.

Allure Report 3 keys a test on its ``fullName`` and the non-excluded parameters' values; the
results below must give each node id its own key (the report itself is checked end to end in
activities/src/reporting/allure.int.test.ts).
"""

import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from qatron.allure_names import scenario_title

ALIASING = '''
import math
import pytest

class Graph:
    def __init__(self, n):
        self.n = n
    def __repr__(self):
        return "Graph"

@pytest.mark.parametrize("x", [1, 1.0, "1"])
def test_kinds(x):
    assert x

@pytest.mark.parametrize("x", [1, 1], ids=["a", "a"])
def test_same_ids(x):
    assert x

@pytest.mark.parametrize("x", [1, 1])
def test_same_values(x):
    assert x

@pytest.mark.parametrize("g", [Graph(1), Graph(2)])
def test_same_repr(g):
    assert g.n

@pytest.mark.parametrize("v", [math.nan, float("nan")])
def test_nan(v):
    assert v != v

@pytest.mark.skip(reason="not today")
@pytest.mark.parametrize("x", [2, 2])
def test_skipped(x):
    pass

def test_plain():
    pass
'''

FEATURE = """Feature: Shop
  Scenario: Add a book to the cart
    Given an empty cart
    Then the cart has 0 items

  @skip
  Scenario: Pay later
    Given an empty cart

  Scenario Outline: Buy <count> books
    Given an empty cart
    Then the cart has <count> items

    Examples:
      | count |
      | 1     |
      | 1     |
      | 2     |

  Scenario: Named by its steps
    Given an empty cart
    Then the test names itself
"""

STEPS = '''
import allure
from pytest_bdd import given, parsers, scenario, scenarios, then

scenarios("../features/shop.feature")

@allure.title("Titled by hand")
@scenario("../features/shop.feature", "Add a book to the cart")
def test_titled_by_hand():
    pass

@given("an empty cart", target_fixture="cart")
def cart():
    return []

@then(parsers.parse("the cart has {n:d} items"))
def has(cart, n):
    assert n in (0, 1, 2)

@then("the test names itself")
def names_itself():
    allure.dynamic.title("Named in a step")
'''


def allure_results(directory: Path) -> List[Dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in directory.glob("*-result.json")]


def allure_key(result: Dict[str, Any]) -> Tuple[str, Tuple[Tuple[str, str], ...]]:
    """What Allure Report 3 identifies a test by: its full name and its non-excluded parameters."""
    parameters = sorted((p["name"], p["value"]) for p in result.get("parameters", []) if not p.get("excluded"))
    return result["fullName"], tuple(parameters)


def collected_node_ids(pytester: pytest.Pytester) -> List[str]:
    lines = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q").outlines
    return [line for line in lines if "::" in line]


def test_parametrized_tests_whose_values_alias_stay_one_test_per_node_id(pytester: pytest.Pytester):
    pytester.makepyfile(test_alias=ALIASING)
    node_ids = collected_node_ids(pytester)
    assert len(node_ids) == 14
    pytester.runpytest("-p", "no:cacheprovider", "--alluredir=allure").assert_outcomes(passed=12, skipped=2)
    results = allure_results(pytester.path / "allure")
    # One result per node id, named as pytest names it, and no two with the same key.
    assert sorted(r["name"] for r in results) == sorted(node_id.split("::")[-1] for node_id in node_ids)
    assert len({allure_key(r) for r in results}) == 14
    # Each parametrized test carries its pytest id, hidden: the report shows the test's own parameters only.
    hidden = sorted(p["value"] for r in results for p in r.get("parameters", []) if p["name"] == "pytest_id")
    assert hidden == sorted(repr(node_id.split("[", 1)[1][:-1]) for node_id in node_ids if "[" in node_id)
    same_ids = sorted((r for r in results if r["name"].startswith("test_same_ids[")), key=lambda r: r["name"])
    assert [r["name"] for r in same_ids] == ["test_same_ids[a0]", "test_same_ids[a1]"]
    assert same_ids[1]["parameters"] == [{"name": "x", "value": "1"}, {"name": "pytest_id", "value": "'a1'", "mode": "hidden"}]
    assert {r["status"] for r in results if r["name"].startswith("test_skipped[")} == {"skipped"}
    assert [r.get("parameters", []) for r in results if r["name"] == "test_plain"] == [[]]


def write_bdd_repository(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\n")
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "shop.feature").write_text(FEATURE, encoding="utf-8")
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_shop.py").write_text(STEPS, encoding="utf-8")


def test_bdd_tests_carry_their_scenario_names(pytester: pytest.Pytester):
    write_bdd_repository(pytester)
    pytester.runpytest("-p", "no:cacheprovider", "--alluredir=allure").assert_outcomes(passed=6, skipped=1)
    results = allure_results(pytester.path / "allure")
    assert sorted(r["name"] for r in results) == [
        "Add a book to the cart",
        "Buy 1 books",
        "Buy 1 books",
        "Buy 2 books",
        # @allure.title and allure.dynamic.title in a step win over the scenario's name.
        "Named in a step",
        # Skipped by its @skip tag before the scenario started: named at teardown.
        "Pay later",
        "Titled by hand",
    ]
    # The outline's two equal rows are two tests.
    assert len({allure_key(r) for r in results}) == 7


def test_without_alluredir_nothing_changes(pytester: pytest.Pytester):
    write_bdd_repository(pytester)
    pytester.makepyfile(test_alias=ALIASING)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=18, skipped=3)
    assert not (pytester.path / "allure").exists()


def test_scenario_title_fills_in_the_outline_row():
    assert scenario_title("Buy <count> books", {"count": "2"}) == "Buy 2 books"
    assert scenario_title("Buy <count> <unit>", {"count": "2"}) == "Buy 2 <unit>"
    assert scenario_title("Buy 2 books", {"count": "2"}) == "Buy 2 books"
    assert scenario_title("Buy <count> books", None) == "Buy <count> books"
