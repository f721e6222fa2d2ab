"""Fixtures shared by every test.

On QAtron (and wherever the `qatron` framework package is installed) the `qatron_env` and
`base_url` fixtures come from the framework: the run's environment as `QATRON_*` variables. Without
it, the fallbacks below behave the same, so `pytest` works on a bare checkout too.
"""

import os

import pytest

try:
    import qatron.plugin  # noqa: F401  (registers qatron_env and base_url through its pytest11 entry point)
except ImportError:

    @pytest.fixture(scope="session")
    def qatron_env():
        """The run's settings: QATRON_BASE_URL=... is qatron_env["base_url"]."""
        return {name[len("QATRON_"):].lower(): value for name, value in os.environ.items() if name.startswith("QATRON_") and len(name) > len("QATRON_")}

    @pytest.fixture(scope="session")
    def base_url(qatron_env):
        """The environment's base URL; tests that need it are skipped when there is none."""
        url = qatron_env.get("base_url", "").strip()
        if not url:
            pytest.skip("QATRON_BASE_URL is not set: this test needs the environment's base URL")
        return url


LOCAL_URL = "http://localhost:8080"


@pytest.fixture(scope="session")
def target_url(qatron_env):
    """The system under test: the environment's base URL on QAtron, the local one otherwise."""
    return qatron_env.get("base_url", "").strip() or LOCAL_URL


@pytest.fixture(scope="session")
def environment_name(qatron_env):
    """The QAtron environment the run targets (development, staging, ...), or "local"."""
    return qatron_env.get("environment", "local")
