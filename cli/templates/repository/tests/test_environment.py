"""Checks of the environment under test. Replace them with real ones against your application,
e.g. `requests.get(f"{target_url}/health").status_code == 200`."""

from urllib.parse import urlparse

import pytest


@pytest.mark.smoke
def test_target_url_is_an_http_url(target_url):
    assert urlparse(target_url).scheme in ("http", "https")


def test_environment_name_is_set(environment_name):
    assert environment_name.strip()


def test_base_url_of_the_run(base_url):
    # Skipped (not failed) when the run has no base URL: see the base_url fixture.
    assert urlparse(base_url).netloc
