"""The auto-loaded fixtures: qatron_env and base_url."""

import pytest

from qatron.plugin import environment_settings


def test_environment_settings_strips_prefix_lowercases_and_skips_internal_variables():
    environ = {
        "QATRON_BASE_URL": "https://staging.example.test",
        "QATRON_API_TIMEOUT": "30",
        "QATRON_PROGRESS_FILE": "/tmp/progress.jsonl",
        "QATRON_": "nameless",
        "HOME": "/root",
    }
    assert environment_settings(environ) == {"base_url": "https://staging.example.test", "api_timeout": "30"}


def test_qatron_env_fixture_reads_the_process_environment(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("QATRON_BASE_URL", "https://shop.example.test")
    monkeypatch.setenv("QATRON_LOCALE", "de_DE")
    pytester.makepyfile(
        """
        def test_env(qatron_env, base_url):
            assert qatron_env["locale"] == "de_DE"
            assert base_url == "https://shop.example.test"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_base_url_skips_with_a_reason_when_unset(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("QATRON_BASE_URL", raising=False)
    pytester.makepyfile(
        """
        def test_needs_url(base_url):
            raise AssertionError("must not run")

        def test_independent():
            pass
        """
    )
    result = pytester.runpytest("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*QATRON_BASE_URL is not set*"])
