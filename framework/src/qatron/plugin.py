"""Fixtures every test repository gets once ``qatron`` is installed (auto-loaded via ``pytest11``).

The QAtron worker passes the run's environment (base URL, variables) as ``QATRON_*`` environment
variables; these fixtures give tests a typed way to read them instead of touching ``os.environ``.
"""

from __future__ import annotations

import os
from typing import Dict, Mapping

import pytest

from qatron import ENV_PREFIX, INTERNAL_VARIABLES


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
