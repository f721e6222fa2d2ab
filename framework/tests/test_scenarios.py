"""BDD scenario labels: the stable id of PRD 14.2 on every pytest-bdd test, in JUnit XML and Allure.

The expected ids are written out by hand from the feature below (line numbers in the comments):
the TypeScript ingestion computes the same ids, so these literals are the shared definition's
test vectors.
"""

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from qatron.scenarios import feature_path, parse_scenarios

# The shared test vectors of the stable id (PRD 14.2): the TypeScript ingestion's tests read the
# same two files (domain/src/bdd/stable-id-vectors.test.ts), so both sides compute the same ids.
DATA = Path(__file__).parent / "data"
FEATURE = (DATA / "stable-id-vectors.feature").read_text(encoding="utf-8")
VECTORS = {s["name"]: s for s in json.loads((DATA / "stable-id-vectors.json").read_text(encoding="utf-8"))["scenarios"]}
# Lines: Pay by card 11..19 (the DocString opens on 16 with 2 content lines: closes on 19);
# the outline 22..34 (Examples body rows on 29, 30 and 34); Empty note 36..39 (an empty DocString
# opens on 38 and closes on 39); the Rule's Example 42..44. The Background (6-7), tags (2, 10, 26),
# comments (9, 21) and blank lines belong to no scenario.

STEPS = '''
from pytest_bdd import given, parsers, scenarios, then, when

scenarios("../features/checkout.feature")

@given("a cart with 2 items")
def cart():
    return {"items": 2}

@when("the shopper pays with:")
def pay_with(datatable):
    assert datatable == [["method", "card"], ["amount", "20"]]

@then("the receipt says")
def receipt(docstring):
    assert docstring == "Paid 20\\nThank you"

@when(parsers.parse("the shopper pays {amount:d} in {currency}"))
def pay(amount, currency):
    assert currency in ("EUR", "USD")

@then(parsers.parse("the total is {amount:d}"))
def total(amount):
    assert amount in (5, 10, 20)

@then("the note is")
def note():
    # pytest-bdd 8 passes no docstring argument for an empty DocString, 9 passes "": not asked.
    pass

@given("a paid order")
def paid_order():
    pass

@then("a refund is possible")
def refund():
    pass
'''

PAY_BY_CARD = VECTORS["Pay by card"]["id"]
OUTLINE = VECTORS["Pay <amount> in <currency>"]["id"]
EMPTY_NOTE = VECTORS["Empty note — ünïcode ½"]["id"]
REFUND = VECTORS["Refund a payment"]["id"]

# (scenario id, scenario line, example line or None) per test function name.
EXPECTED: Dict[str, Tuple[str, str, Optional[str]]] = {
    "test_pay_by_card": (PAY_BY_CARD, "11", None),
    "test_pay_amount_in_currency[10-EUR]": (OUTLINE, "22", "29"),
    "test_pay_amount_in_currency[20-EUR]": (OUTLINE, "22", "30"),
    "test_pay_amount_in_currency[5-USD]": (OUTLINE, "22", "34"),
    "test_empty_note__ünïcode_½": (EMPTY_NOTE, "36", None),
    "test_refund_a_payment": (REFUND, "42", None),
}


def expected_properties(name: str) -> List[Tuple[str, str]]:
    scenario_id, line, example = EXPECTED[name]
    properties = [("qatron_scenario_id", scenario_id), ("qatron_feature_path", "features/checkout.feature"), ("qatron_scenario_line", line)]
    if example is not None:
        properties.append(("qatron_example_line", example))
    return properties


def test_parse_scenarios_gives_each_scenarios_line_range():
    spans = parse_scenarios(FEATURE)
    assert {line: (s.name, s.line_start, s.line_end) for line, s in spans.items()} == {
        11: ("Pay by card", 11, 19),
        22: ("Pay <amount> in <currency>", 22, 34),
        36: ("Empty note — ünïcode ½", 36, 39),
        42: ("Refund a payment", 42, 44),
    }
    assert [(row.line, row.values) for row in spans[22].example_rows] == [(29, ("10", "EUR")), (30, ("20", "EUR")), (34, ("5", "USD"))]


def test_a_data_table_as_the_last_thing_ends_the_scenario():
    spans = parse_scenarios("Feature: F\n  Scenario: S\n    Given rows\n      | a |\n      | b |\n\n  # c\n")
    assert (spans[2].line_start, spans[2].line_end) == (2, 5)


def test_other_languages_and_backgrounds_inside_rules():
    spans = parse_scenarios(
        "# language: de\n"
        "Funktionalität: Kasse\n"
        "  Regel: Erstattungen\n"
        "    Grundlage:\n"
        "      Angenommen eine Bestellung\n"
        "\n"
        "    @langsam\n"
        "    Szenario: Zahlung per Karte\n"
        "      Wenn bezahlt wird\n"
        "      Dann gibt es eine Quittung\n"
    )
    assert {line: (s.name, s.line_start, s.line_end) for line, s in spans.items()} == {8: ("Zahlung per Karte", 8, 10)}


def test_feature_path_is_relative_to_the_checkout_then_git_then_rootdir(tmp_path: Path):
    feature = tmp_path / "work" / "repo" / "features" / "shop" / "cart.feature"
    feature.parent.mkdir(parents=True)
    feature.write_text("Feature: F\n")
    assert feature_path(feature, tmp_path) == "work/repo/features/shop/cart.feature"
    (tmp_path / "work" / "repo" / ".git").write_text("gitdir: elsewhere\n")
    assert feature_path(feature, tmp_path) == "features/shop/cart.feature"
    assert feature_path(feature, tmp_path, str(tmp_path / "work")) == "repo/features/shop/cart.feature"
    # A checkout that does not hold the file is not its root.
    assert feature_path(feature, tmp_path, str(tmp_path / "other")) == "features/shop/cart.feature"


def write_repository(pytester: pytest.Pytester) -> None:
    # rootdir is pytester's directory; the repository below it is found by its .git.
    pytester.makeini("[pytest]\n")
    repo = pytester.path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "features").mkdir()
    (repo / "features" / "checkout.feature").write_text(FEATURE, encoding="utf-8")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_checkout.py").write_text(STEPS, encoding="utf-8")


@pytest.mark.parametrize("family", [None, "xunit1"])
def test_junit_xml_carries_the_scenario_properties(pytester: pytest.Pytester, family):
    write_repository(pytester)
    options = ["-o", f"junit_family={family}"] if family else []
    pytester.runpytest("-p", "no:cacheprovider", "--junitxml=junit.xml", *options).assert_outcomes(passed=6)
    cases = ET.parse(str(pytester.path / "junit.xml")).getroot().iter("testcase")
    found = {case.get("name"): [(p.get("name"), p.get("value")) for p in case.iter("property")] for case in cases}
    assert found == {name: expected_properties(name) for name in EXPECTED}


def test_properties_survive_pytest_xdist(pytester: pytest.Pytester):
    write_repository(pytester)
    pytester.runpytest("-p", "no:cacheprovider", "-n", "2", "--junitxml=junit.xml").assert_outcomes(passed=6)
    cases = ET.parse(str(pytester.path / "junit.xml")).getroot().iter("testcase")
    found = {case.get("name"): [(p.get("name"), p.get("value")) for p in case.iter("property")] for case in cases}
    assert found == {name: expected_properties(name) for name in EXPECTED}


def test_allure_results_carry_the_scenario_labels(pytester: pytest.Pytester):
    write_repository(pytester)
    pytester.runpytest("-p", "no:cacheprovider", "--alluredir=allure").assert_outcomes(passed=6)
    results = [json.loads(path.read_text(encoding="utf-8")) for path in (pytester.path / "allure").glob("*-result.json")]
    assert len(results) == 6
    ours = ("scenario_id", "feature_path", "scenario_line", "example_line")
    found = sorted([(label["name"], label["value"]) for label in result["labels"] if label["name"] in ours] for result in results)
    expected = sorted([(key[len("qatron_"):], value) for key, value in expected_properties(name)] for name in EXPECTED)
    assert found == expected


def test_a_plain_pytest_test_gets_no_scenario_properties(pytester: pytest.Pytester):
    pytester.makepyfile("def test_plain():\n    pass\n")
    pytester.runpytest("-p", "no:cacheprovider", "--junitxml=junit.xml").assert_outcomes(passed=1)
    assert list(ET.parse(str(pytester.path / "junit.xml")).getroot().iter("property")) == []
