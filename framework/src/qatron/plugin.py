"""Fixtures and hooks every test repository gets once ``qatron`` is installed (``pytest11``).

The QAtron worker passes the run's environment (base URL, variables) as ``QATRON_*`` environment
variables; these fixtures give tests a typed way to read them instead of touching ``os.environ``.
The ``dataset`` and ``browser`` fixtures live in their own modules and are imported here, because
pytest finds an installed plugin's fixtures and hooks among the names of this module.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Generator, Mapping

import pytest

from qatron import ENV_PREFIX, INTERNAL_VARIABLES
from qatron.browser import browser, capture_failure, qatron_page  # noqa: F401 - fixtures, see above
from qatron.datasets import dataset  # noqa: F401 - a fixture, see above
from qatron.scenarios import label_scenario

pytest_plugins = ["qatron.allure_names"]  # Allure names per pytest node id and BDD scenario (its docstring)


def environment_settings(environ: Mapping[str, str]) -> Dict[str, str]:
    """``QATRON_*`` variables of ``environ`` with the prefix removed and the names lower-cased."""
    return {
        name[len(ENV_PREFIX):].lower(): value
        for name, value in environ.items()
        if name.startswith(ENV_PREFIX) and name not in INTERNAL_VARIABLES and len(name) > len(ENV_PREFIX)
    }


@pytest.fixture(scope="session")
def qatron_env() -> Dict[str, str]:
    """The run's environment settings: ``QATRON_BASE_URL=…`` is ``qatron_env["base_url"]``."""
    return environment_settings(os.environ)


@pytest.fixture(scope="session")
def base_url(qatron_env: Dict[str, str]) -> str:
    """The base URL of the environment under test (``QATRON_BASE_URL``).

    A test that needs it is skipped, not failed, when the run has no base URL: running the suite
    against an environment without one is a configuration choice, not a product defect.
    """
    url = qatron_env.get("base_url", "").strip()
    if not url:
        pytest.skip("QATRON_BASE_URL is not set: this test needs the environment's base URL (set base_url on the QAtron environment)")
    return url


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Labels a pytest-bdd test with its scenario's stable id (a hook only pytest-bdd calls)."""
    label_scenario(request, feature, scenario)


# An old-style hook wrapper: `wrapper=True` needs pluggy 1.2, and repositories that pin pytest 7 may
# pin an older pluggy with it.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    # Captured here rather than in the fixture's teardown so the screenshot shows the page at the
    # moment of failure and Allure attaches it to the test itself, not to a teardown step.
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when in ("setup", "call"):
        capture_failure(item, os.environ)
