"""Writes the collected test ids for the QAtron worker (``-p qatron.collect``).

Active only when ``QATRON_COLLECT_FILE`` is set. The file receives ``{"nodeids": [...],
"collect_reports": [...]}``: the test ids in collection order after ``-m``/``-k`` deselection (more
robust than parsing ``--collect-only -q`` output, where warnings and plugin chatter share the
stream), and the node ids of modules (or directories) that failed to import or were skipped at
import, each with its outcome. Those have no test id but count in pytest's summary ("1 skipped,
1 error"), so the run plans them like tests: the shard that gets one reports its skip or error.
"""

from __future__ import annotations

import json
import os
from typing import Dict, List

import pytest

ENV_VARIABLE = "QATRON_COLLECT_FILE"

_collect_reports: List[Dict[str, str]] = []


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed or report.skipped:
        _collect_reports.append({"nodeid": report.nodeid, "outcome": "error" if report.failed else "skipped"})


def pytest_collection_finish(session: pytest.Session) -> None:
    path = os.environ.get(ENV_VARIABLE)
    if not path or hasattr(session.config, "workerinput"):
        return
    with open(path, "w", encoding="utf-8") as stream:
        json.dump({"nodeids": [item.nodeid for item in session.items], "collect_reports": _collect_reports}, stream)
