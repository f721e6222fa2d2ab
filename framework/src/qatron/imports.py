"""Makes a run's checkout importable from a cached environment (loaded by a ``.pth`` file).

The QAtron worker caches environments by what the repository declares and shares them between
runs and shards, each with its own checkout directory. The repository's own packages therefore
cannot be installed into the environment (an editable install would point at a checkout that is
gone by the next run, a regular one would freeze yesterday's code). The worker removes them after
installing their dependencies and writes ``qatron-checkout.pth``, which calls ``add_import_roots``
at interpreter start with the directories the packages live in (``src``, ``libs/x/src``…),
relative to the checkout: ``QATRON_CHECKOUT_DIR`` when set (shards), else the working directory
(collection runs in the checkout). Directories that do not exist are left out, so a process
started elsewhere gets nothing it did not ask for.
"""

from __future__ import annotations

import os
import sys
from typing import Iterable, List, Optional

CHECKOUT_VARIABLE = "QATRON_CHECKOUT_DIR"


def import_roots(roots: Iterable[str], checkout: Optional[str]) -> List[str]:
    """The existing directories among ``roots`` under ``checkout``, absolute."""
    if not checkout:
        return []
    found = []
    for root in roots:
        path = os.path.normpath(os.path.join(checkout, root))
        if os.path.isdir(path):
            found.append(path)
    return found


def add_import_roots(roots: Iterable[str]) -> None:
    """Appends the checkout's import roots to ``sys.path`` (after site-packages, as an editable install would)."""
    try:
        checkout = os.environ.get(CHECKOUT_VARIABLE) or os.getcwd()
    except OSError:  # the working directory was removed
        return
    for path in import_roots(roots, checkout):
        if path not in sys.path:
            sys.path.append(path)
