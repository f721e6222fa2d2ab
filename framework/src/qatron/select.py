"""Runs the test ids the QAtron worker chose (``-p qatron.select``).

Active only when ``QATRON_SELECT_FILE`` names a file with one pytest node id per line. The ids are
appended to the command line's arguments before pytest parses them, exactly as if they had been
typed after the options. This replaces ``pytest @ids.txt``, which needs pytest 8.2: QAtron runs the
pytest a repository pins, from 7.0 on, and a shard's ids would not fit on a command line.

``pytest_load_initial_conftests`` is the earliest hook a ``-p`` plugin gets, and its ``args`` is the
very list pytest parses next (addopts already prepended) on pytest 7.0 through 9.x. pytest-xdist
workers are started with the controller's original command line (``-p qatron.select`` included, the
ids not), so they read the file too and collect the same tests; ids already among the arguments are
not added again, in case an xdist release hands workers the parsed arguments instead. A test's own
pytest subprocess inherits the variable but not ``-p qatron.select``, so it is unaffected.
"""

from __future__ import annotations

import os
from typing import Any, List

ENV_VARIABLE = "QATRON_SELECT_FILE"


def read_ids(path: str) -> List[str]:
    """The non-blank lines of ``path``, stripped of their line ends (node ids may contain spaces)."""
    with open(path, encoding="utf-8") as stream:
        return [line.rstrip("\r\n") for line in stream if line.strip()]


def pytest_load_initial_conftests(early_config: Any, parser: Any, args: List[str]) -> None:
    path = os.environ.get(ENV_VARIABLE)
    if not path:
        return
    present = set(args)
    args.extend(node_id for node_id in read_ids(path) if node_id not in present)
