"""``-p qatron.select``: the worker's test ids reach pytest without ``@file`` (pytest 7.0+)."""

from pathlib import Path

import pytest

TESTS = """
import pytest

@pytest.mark.parametrize("word", ["a b", "c"])
def test_word(word):
    pass

def test_one():
    pass

def test_two():
    pass
"""


def _select(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ids: str) -> None:
    pytester.makepyfile(test_words=TESTS)
    ids_file = Path(str(pytester.path)) / "ids.txt"
    ids_file.write_text(ids, encoding="utf-8")
    monkeypatch.setenv("QATRON_SELECT_FILE", str(ids_file))


def test_runs_exactly_the_listed_ids(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    _select(pytester, monkeypatch, "test_words.py::test_word[a b]\n\ntest_words.py::test_two\n")
    result = pytester.runpytest_subprocess("-p", "qatron.select", "-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["PASSED test_words.py::test_word[[]a b[]]", "PASSED test_words.py::test_two"])


def test_xdist_workers_run_the_same_ids_once(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    pytest.importorskip("xdist")
    _select(pytester, monkeypatch, "test_words.py::test_word[c]\ntest_words.py::test_one\ntest_words.py::test_two\n")
    result = pytester.runpytest_subprocess("-p", "qatron.select", "-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=3)


def test_inactive_without_the_variable_or_the_plugin(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    _select(pytester, monkeypatch, "test_words.py::test_one\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=4)
    monkeypatch.delenv("QATRON_SELECT_FILE")
    pytester.runpytest_subprocess("-p", "qatron.select", "-p", "no:cacheprovider").assert_outcomes(passed=4)
