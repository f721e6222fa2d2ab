"""Live progress for the QAtron worker: one JSON line per finished test.

Enabled with ``-p qatron.progress`` and active only when ``QATRON_PROGRESS_FILE`` names the file to
append to. Each line is ``{"nodeid", "outcome", "duration", "message", "when", "properties"}`` where ``outcome`` is
``passed``, ``failed``, ``skipped`` or ``error`` (a failing setup or teardown, or a collection error)
and ``duration`` sums the setup, call and teardown phases in seconds. ``properties`` holds the
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


def failure_message(report: Any) -> Optional[str]:
    """A one-line summary of a report's ``longrepr``: the crash message, or the skip reason."""
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
    """Folds the setup/call/teardown reports of a test into one line, written at teardown."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._tests: Dict[str, Dict[str, Any]] = {}

    def _write(self, record: Dict[str, Any]) -> None:
        self._stream.write(json.dumps(record) + "\n")
        self._stream.flush()

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        test = self._tests.setdefault(report.nodeid, {"outcome": None, "duration": 0.0, "message": None})
        test["duration"] += float(report.duration or 0.0)
        if report.when == "setup":
            if report.failed:
                test.update(outcome="error", message=failure_message(report))
            elif report.skipped:
                test.update(outcome="skipped", message=failure_message(report))
        elif report.when == "call":
            if hasattr(report, "wasxfail"):
                # xfail that failed as expected counts as skipped; a non-strict xpass as passed.
                test.update(outcome="skipped" if report.skipped else "passed", message="xfail: " + str(report.wasxfail or ""))
            else:
                test.update(outcome=report.outcome, message=failure_message(report) if not report.passed else None)
        elif report.when == "teardown":
            if report.failed and test["outcome"] != "failed":
                test.update(outcome="error", message=failure_message(report))
        if report.when == "teardown" or report.when not in ("setup", "call"):
            # Teardown closes a test; any other phase name (xdist's "???" for a crashed worker) is
            # the only report the test will get.
            del self._tests[report.nodeid]
            if test["outcome"] is None:
                test["outcome"] = "failed" if report.failed else "passed"
            properties = {str(name): str(value) for name, value in report.user_properties if str(name).startswith(PROPERTY_PREFIX)}
            self._write({"nodeid": report.nodeid, "when": report.when, **test, "properties": properties})

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._write({"nodeid": report.nodeid, "when": "collect", "outcome": "error", "duration": 0.0, "message": failure_message(report)})

    def close(self) -> None:
        self._stream.close()


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(ENV_VARIABLE)
    if not path or hasattr(config, "workerinput"):
        return
    recorder = ProgressRecorder(open(path, "a", encoding="utf-8"))
    config.pluginmanager.register(recorder, "qatron-progress-recorder")
    config.add_cleanup(recorder.close)
