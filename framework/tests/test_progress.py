"""The progress plugin: one JSON line per finished test, also under pytest-xdist."""

import json
from pathlib import Path
from typing import Dict, List

import pytest

TESTS = """
import pytest

@pytest.fixture
def broken_setup():
    raise RuntimeError("database unreachable")

@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("cleanup failed")

def test_passes():
    pass

def test_fails():
    assert 1 == 2

@pytest.mark.skip(reason="not on staging")
def test_skipped():
    pass

def test_setup_error(broken_setup):
    pass

def test_teardown_error(broken_teardown):
    pass

@pytest.mark.xfail(reason="known bug")
def test_expected_failure():
    assert False

@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n

@pytest.mark.xfail(reason="fixed?")
def test_unexpected_pass():
    pass

@pytest.mark.xfail(strict=True, reason="must fail")
def test_strict_unexpected_pass():
    pass
"""

#: Each test's categories: pytest's summary counts every report, so a passed call with a failing
#: teardown is "passed" and "error".
EXPECTED = {
    "test_progress_module.py::test_passes": ["passed"],
    "test_progress_module.py::test_fails": ["failed"],
    "test_progress_module.py::test_skipped": ["skipped"],
    "test_progress_module.py::test_setup_error": ["error"],
    "test_progress_module.py::test_teardown_error": ["passed", "error"],
    "test_progress_module.py::test_expected_failure": ["xfailed"],
    "test_progress_module.py::test_param[1]": ["passed"],
    "test_progress_module.py::test_param[2]": ["passed"],
    "test_progress_module.py::test_unexpected_pass": ["xpassed"],
    "test_progress_module.py::test_strict_unexpected_pass": ["failed"],
}
#: What pytest's own summary says for the module: the categories summed.
PYTEST_OUTCOMES = dict(passed=4, failed=2, skipped=1, errors=2, xfailed=1, xpassed=1)


def read_records(path: Path) -> List[Dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def progress_file(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = pytester.path / "progress.jsonl"
    monkeypatch.setenv("QATRON_PROGRESS_FILE", str(path))
    pytester.makepyfile(test_progress_module=TESTS)
    return path


def test_writes_one_line_per_test_with_categories_and_message(pytester: pytest.Pytester, progress_file: Path):
    pytester.runpytest("-p", "qatron.progress", "-p", "no:cacheprovider").assert_outcomes(**PYTEST_OUTCOMES)
    records = read_records(progress_file)
    assert {r["nodeid"]: r["categories"] for r in records} == EXPECTED
    assert len(records) == len(EXPECTED)
    by_id = {r["nodeid"]: r for r in records}
    assert by_id["test_progress_module.py::test_fails"]["message"].startswith("assert 1 == 2")
    assert "database unreachable" in by_id["test_progress_module.py::test_setup_error"]["message"]
    assert "cleanup failed" in by_id["test_progress_module.py::test_teardown_error"]["message"]
    assert by_id["test_progress_module.py::test_skipped"]["message"] == "Skipped: not on staging"
    assert by_id["test_progress_module.py::test_passes"]["message"] is None
    assert by_id["test_progress_module.py::test_expected_failure"]["message"] == "xfailed: known bug"
    assert by_id["test_progress_module.py::test_strict_unexpected_pass"]["message"] == "[XPASS(strict)] must fail"
    assert all(r["duration"] >= 0 for r in records)


def test_records_collection_errors_and_modules_skipped_at_import(pytester: pytest.Pytester, progress_file: Path):
    pytester.makepyfile(test_broken="import not_a_module_anywhere\n", test_optional="import pytest\nnp = pytest.importorskip('numpy_not_here')\n")
    pytester.runpytest("-p", "qatron.progress", "-p", "no:cacheprovider", "--continue-on-collection-errors", "test_broken.py", "test_optional.py").assert_outcomes(errors=1, skipped=1)
    broken, optional = sorted(read_records(progress_file), key=lambda r: r["nodeid"])
    assert (broken["nodeid"], broken["categories"], broken["when"]) == ("test_broken.py", ["error"], "collect")
    assert "not_a_module_anywhere" in broken["message"]
    assert (optional["nodeid"], optional["categories"], optional["when"]) == ("test_optional.py", ["skipped"], "collect")


def test_inactive_without_the_environment_variable(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("QATRON_PROGRESS_FILE", raising=False)
    pytester.makepyfile("def test_one():\n    pass\n")
    pytester.runpytest("-p", "qatron.progress", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert not list(pytester.path.glob("*.jsonl"))


def test_under_xdist_only_the_controller_writes_each_test_once(pytester: pytest.Pytester, progress_file: Path):
    pytest.importorskip("xdist")
    result = pytester.runpytest_subprocess("-p", "qatron.progress", "-p", "no:cacheprovider", "-n", "2")
    # pytest counts a test whose teardown fails as passed *and* errored.
    result.assert_outcomes(**PYTEST_OUTCOMES)
    records = read_records(progress_file)
    assert {r["nodeid"]: r["categories"] for r in records} == EXPECTED
    assert len(records) == len(EXPECTED)


def test_collect_plugin_writes_node_ids_after_deselection(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    out = pytester.path / "collected.json"
    monkeypatch.setenv("QATRON_COLLECT_FILE", str(out))
    pytester.makepyfile(test_progress_module=TESTS)
    pytester.runpytest("--collect-only", "-q", "-p", "qatron.collect", "-p", "no:cacheprovider", "-k", "param or passes")
    assert json.loads(out.read_text()) == {
        "nodeids": [
            "test_progress_module.py::test_passes",
            "test_progress_module.py::test_param[1]",
            "test_progress_module.py::test_param[2]",
        ],
        "collect_reports": [],
    }
