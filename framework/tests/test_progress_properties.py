"""The progress plugin carries a test's ``qatron_*`` user properties (scenario ids), also through xdist."""

import json
from pathlib import Path

import pytest

TESTS = """
def test_labelled(record_property):
    record_property("qatron_scenario_id", "features/a.feature:3:5:0123abcd")
    record_property("unrelated", "dropped")

def test_plain():
    pass
"""


@pytest.mark.parametrize("xdist", [False, True])
def test_records_qatron_properties_only(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, xdist: bool):
    path = pytester.path / "progress.jsonl"
    monkeypatch.setenv("QATRON_PROGRESS_FILE", str(path))
    pytester.makepyfile(test_labels=TESTS)
    args = ["-p", "qatron.progress", "-p", "no:cacheprovider"] + (["-n", "2"] if xdist else [])
    pytester.runpytest(*args).assert_outcomes(passed=2)
    records = {r["nodeid"]: r for r in (json.loads(line) for line in Path(path).read_text().splitlines())}
    assert records["test_labels.py::test_labelled"]["properties"] == {"qatron_scenario_id": "features/a.feature:3:5:0123abcd"}
    assert records["test_labels.py::test_plain"]["properties"] == {}
