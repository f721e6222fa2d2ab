"""Allure names that match pytest's: one Allure test per pytest node id, BDD tests by scenario name.

Loaded with ``qatron.plugin`` (its ``pytest_plugins``); it acts only when ``allure-pytest`` writes
results (``--alluredir``), through ``allure.dynamic``, and otherwise does nothing.

**One test per node id.** Allure Report 3 identifies a test by its ``historyId``, which it computes
itself as ``md5(testCaseId or fullName) . md5(parameters)``, where the parameters are the ``repr`` of
the values allure-pytest records. Two parametrized tests whose values print alike are one test to
it, and it folds the second into the first as a retry: ``@pytest.mark.parametrize("x", [1, 1])``
(node ids ``test[1-0]``/``test[1-1]`` in pytest 7–8, ``test[10]``/``test[11]`` earlier),
``ids=["a", "a"]`` with equal values, objects with the same ``repr`` (``Graph with 4 nodes and 3
edges``), ``nan``. Each parametrized test therefore also gets its pytest parameter id (the part of
the node id between the brackets, which pytest keeps unique) as a *hidden* parameter: it is not
shown in the report, but it is part of the history id, so the report holds exactly one test per
node id. A test's retries inside its shard share its node id and stay folded into it.

**BDD tests by scenario name.** allure-pytest names a pytest-bdd test after its function
(``test_add_a_book_to_the_cart``); allure-pytest-bdd would use the Gherkin scenario, but it cannot
be installed beside allure-pytest (both register ``--alluredir``). The scenario's name (a Scenario
Outline's with the row's values filled in) becomes the test's Allure title when the scenario
starts (pytest-bdd's public ``pytest_bdd_before_scenario`` hook, pytest-bdd 6 to 9). A test that
never reaches its scenario (skipped or failed in setup, e.g. an ``@skip`` tag) is named at
teardown from the scenario pytest-bdd attached to the test function, where that can be found.

Naming must never fail a user's test: a problem here becomes a warning.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, Callable, Mapping, Optional

import pytest

PYTEST_ID_PARAMETER = "pytest_id"
"""The hidden Allure parameter that holds a parametrized test's pytest id (e.g. ``a0``, ``1-2``)."""

EXAMPLE_PARAMETER = "_pytest_bdd_example"
"""The parameter pytest-bdd parametrizes a Scenario Outline with: the row's values by column."""

_PLACEHOLDER = re.compile(r"<([^<>]+)>")

_titled = pytest.StashKey[bool]()
"""Set on an item once its scenario has named it, so teardown does not name it again."""


def _allure_dynamic() -> Optional[Any]:
    """``allure.dynamic`` when allure-pytest (its ``allure`` module) is installed, else None."""
    try:
        import allure
    except ImportError:
        return None
    return allure.dynamic


def _hidden_mode() -> Any:
    from allure_commons.types import ParameterMode

    return ParameterMode.HIDDEN


def scenario_title(name: str, example: Optional[Mapping[str, Any]]) -> str:
    """The scenario ``name`` with each ``<column>`` of a Scenario Outline replaced by the row's value.

    pytest-bdd 9 hands over the name already filled in, 6 to 8 as written in the feature; a
    placeholder without a column of that name stays as it is.
    """
    if not example:
        return name
    return _PLACEHOLDER.sub(lambda match: str(example[match.group(1)]) if match.group(1) in example else match.group(0), name)


def _example(item: pytest.Item) -> Optional[Mapping[str, Any]]:
    callspec = getattr(item, "callspec", None)
    value = callspec.params.get(EXAMPLE_PARAMETER) if callspec is not None else None
    return value if isinstance(value, Mapping) else None


def _scenario_template(item: pytest.Item) -> Optional[Any]:
    """The scenario pytest-bdd generated ``item``'s function for, or None.

    Not a public API: pytest-bdd 6 to 8 set ``__scenario__`` on the function, 9 keeps a registry.
    Only used for tests that never reached ``pytest_bdd_before_scenario``.
    """
    function = getattr(item, "obj", None)
    if function is None:
        return None
    template = getattr(function, "__scenario__", None)
    if template is not None:
        return template
    try:
        from pytest_bdd.scenario import scenario_wrapper_template_registry  # pytest-bdd >= 9
    except ImportError:
        return None
    try:
        return scenario_wrapper_template_registry.get(function)
    except TypeError:  # not weak-referenceable: not a scenario function
        return None


def _guarded(item: pytest.Item, what: str, action: Callable[[], None]) -> None:
    try:
        action()
    except Exception as error:  # noqa: BLE001 - see the module docstring
        warnings.warn(f"qatron: {what} of {item.nodeid} not set in Allure: {error}", stacklevel=2)


def _has_own_title(item: pytest.Item) -> bool:
    """Whether the test function names itself (``@allure.title``), which then wins."""
    return getattr(getattr(item, "obj", None), "__allure_display_name__", None) is not None


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Titles a pytest-bdd test with its scenario's name as the scenario starts."""
    dynamic = _allure_dynamic()
    item = request.node
    if dynamic is None or _has_own_title(item):
        return
    item.stash[_titled] = True
    _guarded(item, "the scenario name", lambda: dynamic.title(scenario_title(str(scenario.name), _example(item))))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Adds the hidden pytest id (see the module docstring) and names BDD tests skipped in setup.

    At teardown because it always runs, also for tests skipped or failed in setup, and before
    allure-pytest computes its own history id and writes the result.
    """
    dynamic = _allure_dynamic()
    if dynamic is None:
        return
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        _guarded(item, "the pytest id", lambda: dynamic.parameter(PYTEST_ID_PARAMETER, callspec.id, mode=_hidden_mode()))
    if item.stash.get(_titled, False) or _has_own_title(item):
        return
    template = _scenario_template(item)
    if template is not None and getattr(template, "name", None):
        _guarded(item, "the scenario name", lambda: dynamic.title(scenario_title(str(template.name), _example(item))))
