"""Live progress for the QAtron worker: one JSON line per finished test.

Enabled with ``-p qatron.progress`` and active only when ``QATRON_PROGRESS_FILE`` names the file to
append to. Each line is ``{"nodeid", "categories", "duration", "message", "when", "properties"}``
where ``categories`` are pytest's summary categories of the test's reports (see ProgressRecorder)
and ``duration`` sums the setup, call and teardown phases in seconds. A module skipped or broken at
import is a line of its own (``when: "collect"``). ``properties`` holds the
test's ``qatron_*`` user properties (a BDD scenario's stable id and lines), which is how the worker
maps results to scenarios.

Under pytest-xdist only the controller writes: it receives every worker's reports through
``pytest_runtest_logreport``, so each test is written exactly once and the file has a single writer.
"""

from __future__ import annotations

import json
import os
from typing import IO, Any, Dict, Optional

import pytest

ENV_VARIABLE = "QATRON_PROGRESS_FILE"
MAX_MESSAGE_LENGTH = 2000
PROPERTY_PREFIX = "qatron_"
#: pytest's summary categories; anything else (an empty category for a passed setup, a plugin's own
#: category such as pytest-rerunfailures' "rerun") is not counted.
COUNTED = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def failure_message(report: Any, category: str = "") -> Optional[str]:
    """A one-line summary of a report: the crash message, the skip reason or the xfail reason."""
    if category in ("xfailed", "xpassed"):
        reason = str(getattr(report, "wasxfail", "") or "")
        return (f"{category}: {reason}" if reason else category)[:MAX_MESSAGE_LENGTH]
    longrepr = report.longrepr
    if longrepr is None:
        return None
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        # A skip: (path, line number, "Skipped: reason").
        message = str(longrepr[2])
    else:
        crash = getattr(longrepr, "reprcrash", None)
        message = getattr(crash, "message", None) or str(longrepr)
    return message[:MAX_MESSAGE_LENGTH]


class ProgressRecorder:
    """Folds the setup/call/teardown reports of a test into one line, written at teardown.

    ``categories`` lists the summary category of each report that pytest counts (its own
    ``pytest_report_teststatus``, which the terminal summary counts too): ``passed``, ``failed``,
    ``error``, ``skipped``, ``xfailed``, ``xpassed``. A test may have two (a passed call and a
    teardown error), so summing categories over tests gives exactly pytest's summary line.
    """

    def __init__(self, stream: IO[str], config: pytest.Config, defer_collect_reports: bool = False) -> None:
        self._stream = stream
        self._config = config
        self._tests: Dict[str, Dict[str, Any]] = {}
        #: When shards pull work (``qatron.pull``), every shard collects every module: a module's
        #: import-time skip or error is written only by the shard that is handed that module.
        self._defer = defer_collect_reports
        self._deferred: Dict[str, Dict[str, Any]] = {}

    def _write(self, record: Dict[str, Any]) -> None:
        self._stream.write(json.dumps(record) + "\n")
        self._stream.flush()

    def _category(self, report: Any) -> str:
        status = self._config.hook.pytest_report_teststatus(report=report, config=self._config)
        category = status[0] if status else ""
        # pytest's terminal reporter files failed setup/teardown reports under "error".
        if category == "failed" and report.when in ("setup", "teardown"):
            return "error"
        return str(category)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        test = self._tests.setdefault(report.nodeid, {"categories": [], "duration": 0.0, "message": None})
        test["duration"] += float(report.duration or 0.0)
        category = self._category(report)
        if category in COUNTED:
            test["categories"].append(category)
            if category != "passed" and test["message"] is None:
                test["message"] = failure_message(report, category)
        if report.when == "teardown" or report.when not in ("setup", "call"):
            # Teardown closes a test; any other phase name (xdist's "???" for a crashed worker) is
            # the only report the test will get.
            del self._tests[report.nodeid]
            properties = {str(name): str(value) for name, value in report.user_properties if str(name).startswith(PROPERTY_PREFIX)}
            self._write({"nodeid": report.nodeid, "when": report.when, **test, "properties": properties})

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        # A module that fails to import is an error; one skipped at import (importorskip, a
        # module-level skip) is skipped: pytest's summary counts both.
        if report.failed or report.skipped:
            category = "error" if report.failed else "skipped"
            record = {"nodeid": report.nodeid, "when": "collect", "categories": [category], "duration": 0.0, "message": failure_message(report, category), "properties": {}}
            if self._defer:
                self._deferred[report.nodeid] = record
            else:
                self._write(record)

    def release_collect_report(self, nodeid: str) -> None:
        """Writes the held import-time report of ``nodeid``, if any (``qatron.pull`` handed it to this shard)."""
        record = self._deferred.pop(nodeid, None)
        if record is not None:
            self._write(record)

    def close(self) -> None:
        self._stream.close()


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(ENV_VARIABLE)
    if not path or hasattr(config, "workerinput"):
        return
    recorder = ProgressRecorder(open(path, "a", encoding="utf-8"), config, defer_collect_reports=bool(os.environ.get("QATRON_PULL_SOCKET")))
    config.pluginmanager.register(recorder, "qatron-progress-recorder")
    config.add_cleanup(recorder.close)
