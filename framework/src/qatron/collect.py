"""Writes the collected test ids for the QAtron worker (``-p qatron.collect``).

Active only when ``QATRON_COLLECT_FILE`` is set. The file receives ``{"nodeids": [...]}`` in
collection order after ``-m``/``-k`` deselection, which is more robust than parsing
``--collect-only -q`` output (warnings and plugin chatter share that stream).
"""

from __future__ import annotations

import json
import os

import pytest

ENV_VARIABLE = "QATRON_COLLECT_FILE"


def pytest_collection_finish(session: pytest.Session) -> None:
    path = os.environ.get(ENV_VARIABLE)
    if not path or hasattr(session.config, "workerinput"):
        return
    with open(path, "w", encoding="utf-8") as stream:
        json.dump({"nodeids": [item.nodeid for item in session.items]}, stream)
