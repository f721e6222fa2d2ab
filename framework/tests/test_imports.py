"""``qatron.imports``: a cached environment imports the packages of the run's own checkout."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qatron.imports import import_roots


def test_import_roots_are_the_existing_directories_under_the_checkout(tmp_path: Path):
    (tmp_path / "src").mkdir()
    (tmp_path / "libs" / "tools" / "src").mkdir(parents=True)
    assert import_roots(["src", "lib", "libs/tools/src"], str(tmp_path)) == [str(tmp_path / "src"), str(tmp_path / "libs" / "tools" / "src")]
    assert import_roots(["src"], None) == []


def test_a_pth_line_puts_the_checkout_of_the_variable_on_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    checkout = tmp_path / "checkout"
    (checkout / "src" / "shop").mkdir(parents=True)
    (checkout / "src" / "shop" / "__init__.py").write_text("NAME = 'shop'\n")
    script = "import qatron.imports; qatron.imports.add_import_roots(['src']); import shop; print(shop.NAME)"
    env = {**os.environ, "QATRON_CHECKOUT_DIR": str(checkout)}
    assert subprocess.run([sys.executable, "-c", script], env=env, cwd=str(tmp_path), capture_output=True, text=True, check=True).stdout == "shop\n"
    # Without the variable the working directory is the checkout.
    env.pop("QATRON_CHECKOUT_DIR")
    assert subprocess.run([sys.executable, "-c", script], env=env, cwd=str(checkout), capture_output=True, text=True, check=True).stdout == "shop\n"
