"""Pulls work from the QAtron worker instead of running a fixed list (``-p qatron.pull``).

Active only when ``QATRON_PULL_SOCKET`` names a Unix socket the worker listens on. After pytest
collected the suite's selection (paths, ``-m``, ``-k``), the plugin tells the worker what it found,
then asks for files until the worker answers none, and runs each file's tests in collection order.
The worker forwards both to the run's workflow, which hands out the longest files first to
whichever shard asks: no shard idles while another still has a long file ahead of it.

Protocol: one JSON object per line, each request answered by one line.
  -> {"type": "collected", "files": [{"file": "tests/test_a.py", "tests": 12}, ...]}
  <- {"ok": true}
  -> {"type": "next"}
  <- {"files": ["tests/test_a.py", ...]}      (an empty list: no work left)

Within a batch each test has the next as its ``nextitem``; the last test of a batch tears down its
module's fixtures and keeps the session's, so session fixtures live as long as the process.

A module skipped or broken at import is a "file" with 0 tests: its skip or error is recorded
(``qatron.progress``) only by the shard that is handed the file, so the run counts it once.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any, Dict, List, Optional

import pytest

ENV_VARIABLE = "QATRON_PULL_SOCKET"


def file_of(nodeid: str) -> str:
    """The file part of a node id (``tests/test_a.py::TestX::test_y[1]`` -> ``tests/test_a.py``)."""
    return nodeid.split("::", 1)[0]


class WorkerChannel:
    """Request/response lines over the worker's Unix socket."""

    def __init__(self, path: str) -> None:
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.connect(path)
        self._reader = self._socket.makefile("r", encoding="utf-8")

    def request(self, message: Dict[str, Any]) -> Dict[str, Any]:
        self._socket.sendall((json.dumps(message) + "\n").encode("utf-8"))
        line = self._reader.readline()
        if not line:
            raise pytest.UsageError("the QAtron worker closed the work channel")
        answer = json.loads(line)
        if "error" in answer:
            raise pytest.UsageError(f"the QAtron worker could not hand out work: {answer['error']}")
        return answer

    def close(self) -> None:
        self._reader.close()
        self._socket.close()


class PullScheduler:
    """Replaces pytest's run loop: the worker decides which files this process runs, and when."""

    def __init__(self, path: str) -> None:
        self._path = path
        #: Modules skipped or broken at import, by node id (their reports are held until handed out).
        self.module_reports: Dict[str, str] = {}

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if (report.failed or report.skipped) and report.nodeid:
            self.module_reports[report.nodeid] = "error" if report.failed else "skipped"

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Optional[bool]:
        if session.config.option.collectonly:
            return None
        by_file: Dict[str, List[pytest.Item]] = {}
        for item in session.items:
            by_file.setdefault(file_of(item.nodeid), []).append(item)
        files = [{"file": name, "tests": len(items)} for name, items in by_file.items()]
        files += [{"file": name, "tests": 0} for name in self.module_reports if name not in by_file]
        recorder = session.config.pluginmanager.get_plugin("qatron-progress-recorder")
        channel = WorkerChannel(self._path)
        handed: List[str] = []
        try:
            channel.request({"type": "collected", "files": files})
            self._run(session, channel, by_file, recorder, handed)
        finally:
            channel.close()
            # pytest fails the session for every collection error it met; the ones of modules handed
            # to another shard are that shard's to report.
            elsewhere = [name for name, outcome in self.module_reports.items() if outcome == "error" and name not in handed]
            session.testsfailed = max(0, session.testsfailed - len(elsewhere))
        return True

    def _run(self, session: pytest.Session, channel: WorkerChannel, by_file: Dict[str, List[pytest.Item]], recorder: Any, handed: List[str]) -> None:
        # No prefetching: a batch is asked for only when the previous one is done, so a shard busy
        # with a long test never holds work another shard could start.
        boundary = BatchBoundary(session)
        while True:
            batch = channel.request({"type": "next"}).get("files") or []
            if not batch:
                break
            handed.extend(batch)
            items: List[pytest.Item] = []
            for name in batch:
                if recorder is not None:
                    recorder.release_collect_report(name)
                items.extend(by_file.pop(name, []))
            for index, item in enumerate(items):
                run_item(session, item, items[index + 1] if index + 1 < len(items) else boundary)


class BatchBoundary:
    """The ``nextitem`` of a batch's last test: its module, class and package fixtures are torn
    down, the session's are kept for the next batch (pytest tears those down at the session's end).
    pytest only asks a ``nextitem`` for its collector chain."""

    nodeid = ""

    def __init__(self, session: pytest.Session) -> None:
        self.session = session

    def listchain(self) -> List[Any]:
        return [self.session]


def run_item(session: pytest.Session, item: pytest.Item, nextitem: Any) -> None:
    """What pytest's own run loop does for one item."""
    item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
    if session.shouldfail:
        raise session.Failed(session.shouldfail)
    if session.shouldstop:
        raise session.Interrupted(session.shouldstop)


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(ENV_VARIABLE)
    if not path or hasattr(config, "workerinput"):
        return
    config.pluginmanager.register(PullScheduler(path), "qatron-pull-scheduler")
