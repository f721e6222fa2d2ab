"""qatron.coverage_rc: the repository's coverage configuration, carried into the rc of a run.

Each configuration flavour is checked twice: the rc's text, and (where coverage.py is installed, as
in every run environment) what coverage.py itself reads from the rc compared with what it reads
from the repository: the same settings except the ones QAtron changes on purpose.
"""

from __future__ import annotations

import configparser
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

from qatron.coverage_rc import CoverageConfigError, read_repository_config, write_rc

# Settings compared between the repository's file and the rc, as coverage.py reads them.
COMPARED = (
    "branch",
    "source",
    "source_pkgs",
    "run_omit",
    "run_include",
    "parallel",
    "concurrency",
    "plugins",
    "plugin_options",
    "exclude_list",
    "partial_list",
    "partial_always_list",
    "report_omit",
    "report_include",
    "show_missing",
    "skip_covered",
    "skip_empty",
    "ignore_errors",
    "paths",
    "html_title",
    "html_dir",
    "xml_package_depth",
)

COVERAGERC = """\
[run]
branch = True
source = src
omit =
    src/shop/legacy/*
    */generated_*.py
data_file = /tmp/elsewhere/.coverage
relative_files = False
parallel = True

[report]
# Replaces coverage.py's default list.
exclude_lines =
    pragma: no cover
    raise NotImplementedError
    if __name__ == .__main__.:
fail_under = 90
show_missing = True

[paths]
source =
    src/
    /builds/*/src/

[html]
title = Shop coverage (${SHOP_TEAM-unknown team})
"""

PREFIXED_COVERAGERC = """\
[run]
branch = False
omit = tests/*

[coverage:run]
branch = True

[coverage:report]
skip_covered = True
"""

SETUP_CFG = """\
[metadata]
name = shop

[tool:pytest]
testpaths = tests

[coverage:run]
source = shop
omit = */vendored/*, */migrations/*

[coverage:report]
precision = 1
exclude_also =
    def __repr__
    if TYPE_CHECKING:
"""

TOX_INI = """\
[tox]
envlist = py311

[coverage:run]
branch = true
include = src/*

[coverage:xml]
package_depth = 2
"""

PYPROJECT = r"""
[project]
name = "shop"

[tool.pytest.ini_options]
testpaths = ["tests"]

[tool.coverage.run]
source = ["src"]
branch = true
parallel = true
omit = ["*/legacy/*", "src/shop/generated_*.py"]
data_file = "build/.coverage"

[tool.coverage.report]
exclude_lines = ["#\\s*(pragma|PRAGMA)[:\\s]?\\s*(no|NO)\\s*(cover|COVER)", ";;; keep", "raise (NotImplementedError, ValueError)", "if TYPE_CHECKING:"]
fail_under = 80.5
precision = 1
show_missing = true

[tool.coverage.paths]
source = ["src/", "/builds/*/src/"]

[tool.coverage.html]
title = "Shop"
"""

COVERAGERC_TOML = """
[run]
source = ["src"]
omit = ["tests/*"]

[report]
skip_empty = true
"""

FLAVOURS: Dict[str, Dict[str, Any]] = {
    "none": {"files": {"README.md": "# shop\n"}, "source": None},
    "coveragerc": {"files": {".coveragerc": COVERAGERC, "setup.cfg": SETUP_CFG}, "source": ".coveragerc"},
    "coveragerc with prefixed sections": {"files": {".coveragerc": PREFIXED_COVERAGERC}, "source": ".coveragerc"},
    "empty coveragerc wins over pyproject.toml": {"files": {".coveragerc": "", "pyproject.toml": PYPROJECT}, "source": ".coveragerc"},
    "coveragerc.toml": {"files": {".coveragerc.toml": COVERAGERC_TOML, "tox.ini": TOX_INI}, "source": ".coveragerc.toml"},
    "setup.cfg": {"files": {"setup.cfg": SETUP_CFG, "tox.ini": TOX_INI, "pyproject.toml": PYPROJECT}, "source": "setup.cfg"},
    "tox.ini after a setup.cfg without coverage": {"files": {"setup.cfg": "[metadata]\nname = shop\n\n[coverage:unrelated]\nx = 1\n", "tox.ini": TOX_INI}, "source": "tox.ini"},
    "pyproject.toml": {"files": {"pyproject.toml": PYPROJECT, "tox.ini": "[tox]\nenvlist = py311\n"}, "source": "pyproject.toml"},
    "pyproject.toml without coverage": {"files": {"pyproject.toml": '[project]\nname = "shop"\n'}, "source": None},
}


def make_checkout(root: Path, files: Dict[str, str]) -> Path:
    checkout = root / "checkout"
    checkout.mkdir()
    for name, content in files.items():
        (checkout / name).write_text(content, encoding="utf-8")
    return checkout


def read_ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    return parser


def coverage_reads(config_file: Any, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Dict[str, Any]:
    """The settings coverage.py itself reads (config_file=True: its own search in `cwd`)."""
    coverage_config = pytest.importorskip("coverage.config")
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("COVERAGE_RCFILE", raising=False)
    monkeypatch.delenv("COVERAGE_FILE", raising=False)
    config = coverage_config.read_coverage_config(config_file=config_file, warn=lambda message: None)
    values = {name: getattr(config, name) for name in COMPARED}
    values.update(relative_files=config.relative_files, data_file=config.data_file, fail_under=config.fail_under, precision=config.precision)
    return values


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_reads_the_file_coverage_reads(flavour: str, tmp_path: Path) -> None:
    checkout = make_checkout(tmp_path, FLAVOURS[flavour]["files"])
    source, _ = read_repository_config(str(checkout))
    assert source == FLAVOURS[flavour]["source"]


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_coverage_reads_the_same_settings_from_the_rc(flavour: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkout = make_checkout(tmp_path, FLAVOURS[flavour]["files"])
    rc = tmp_path / "out" / "coveragerc"
    write_rc(str(checkout), str(rc))

    repository = coverage_reads(True, checkout, monkeypatch)
    # Read from the checkout, as shards and reporting do: relative paths resolve against it.
    carried = coverage_reads(str(rc), checkout, monkeypatch)
    assert carried.pop("relative_files") is True
    assert carried.pop("data_file") == ".coverage"
    assert carried.pop("fail_under") == 0.0
    assert carried.pop("precision") == (repository["precision"] or 2)
    for name in ("relative_files", "data_file", "fail_under", "precision"):
        repository.pop(name)
    # Regexes starting with "#" or ";" are escaped in the rc (`\#` matches what `#` matches).
    for name in ("exclude_list", "partial_list", "partial_always_list"):
        carried[name] = [re.sub(r"^\\([#;])", r"\1", regex) for regex in carried[name]]
    assert carried == repository


def test_no_configuration_gives_relative_files_and_two_decimals(tmp_path: Path) -> None:
    checkout = make_checkout(tmp_path, {})
    rc = tmp_path / "coveragerc"
    assert write_rc(str(checkout), str(rc)) is None
    parser = read_ini(rc)
    assert parser.sections() == ["run", "report"]
    assert dict(parser["run"]) == {"relative_files": "True"}
    assert dict(parser["report"]) == {"precision": "2"}


def test_coveragerc_is_carried_with_qatron_changes(tmp_path: Path) -> None:
    checkout = make_checkout(tmp_path, {".coveragerc": COVERAGERC, "setup.cfg": SETUP_CFG})
    rc = tmp_path / "coveragerc"
    assert write_rc(str(checkout), str(rc)) == ".coveragerc"
    parser = read_ini(rc)
    assert parser.sections() == ["run", "report", "html", "paths"]
    assert dict(parser["run"]) == {"branch": "True", "source": "src", "omit": "\nsrc/shop/legacy/*\n*/generated_*.py", "relative_files": "True", "parallel": "True"}
    assert dict(parser["report"]) == {"exclude_lines": "\npragma: no cover\nraise NotImplementedError\nif __name__ == .__main__.:", "show_missing": "True", "precision": "2"}
    assert parser["paths"]["source"] == "\nsrc/\n/builds/*/src/"
    # Copied as text: coverage.py expands the variable when it reads the rc.
    assert parser["html"]["title"] == "Shop coverage (${SHOP_TEAM-unknown team})"
    assert rc.read_text().startswith("# Written by qatron.coverage_rc from .coveragerc,")


def test_setup_cfg_keeps_only_coverage_sections_and_the_repository_precision(tmp_path: Path) -> None:
    checkout = make_checkout(tmp_path, {"setup.cfg": SETUP_CFG})
    rc = tmp_path / "coveragerc"
    assert write_rc(str(checkout), str(rc)) == "setup.cfg"
    parser = read_ini(rc)
    assert parser.sections() == ["run", "report"]
    assert dict(parser["run"]) == {"source": "shop", "omit": "*/vendored/*, */migrations/*", "relative_files": "True"}
    assert dict(parser["report"]) == {"precision": "1", "exclude_also": "\ndef __repr__\nif TYPE_CHECKING:"}


def test_pyproject_values_become_ini_text(tmp_path: Path) -> None:
    checkout = make_checkout(tmp_path, {"pyproject.toml": PYPROJECT})
    rc = tmp_path / "coveragerc"
    assert write_rc(str(checkout), str(rc)) == "pyproject.toml"
    parser = read_ini(rc)
    assert dict(parser["run"]) == {"source": "\nsrc", "branch": "True", "parallel": "True", "omit": "\n*/legacy/*\nsrc/shop/generated_*.py", "relative_files": "True"}
    # A regex starting with "#" or ";" would be an INI comment on its own line: escaped instead.
    assert parser["report"]["exclude_lines"].split("\n") == ["", r"\#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)", r"\;;; keep", "raise (NotImplementedError, ValueError)", "if TYPE_CHECKING:"]
    assert parser["report"]["precision"] == "1"
    assert "fail_under" not in parser["report"]
    assert parser["paths"]["source"] == "\nsrc/\n/builds/*/src/"


def test_a_list_item_an_ini_file_cannot_hold_is_an_error(tmp_path: Path) -> None:
    checkout = make_checkout(tmp_path, {"pyproject.toml": '[tool.coverage.run]\nomit = ["src/{a,b}/*"]\n'})
    with pytest.raises(CoverageConfigError, match=r"\[run\] omit: the item 'src/\{a,b\}/\*' cannot be written"):
        write_rc(str(checkout), str(tmp_path / "coveragerc"))


def run_module(*args: str, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qatron.coverage_rc", *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_command_line_writes_the_rc_and_names_its_source(tmp_path: Path) -> None:
    checkout = make_checkout(tmp_path, {"tox.ini": TOX_INI})
    rc = tmp_path / "shard" / "coveragerc"
    result = run_module(str(checkout), str(rc))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    # The core depends on the interpreter running the tests (sysmon from Python 3.12 on).
    assert summary == {"config_file": "tox.ini", "rc": str(rc), "core": summary["core"]}
    assert summary["core"] == ("sysmon" if sys.version_info >= (3, 12) else None)
    assert read_ini(rc)["xml"]["package_depth"] == "2"


def test_command_line_reports_an_unreadable_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkout = make_checkout(tmp_path, {"pyproject.toml": "[tool.coverage.run\nsource = 1\n"})
    result = run_module(str(checkout), str(tmp_path / "coveragerc"))
    assert result.returncode == 1
    assert result.stderr.startswith("qatron.coverage_rc: could not read pyproject.toml: ")
    assert not (tmp_path / "coveragerc").exists()
    # coverage.py refuses the same file.
    coverage_exceptions = pytest.importorskip("coverage.exceptions")
    with pytest.raises(coverage_exceptions.ConfigError):
        coverage_reads(True, checkout, monkeypatch)


def test_command_line_refuses_a_toml_rc_name_and_a_missing_checkout(tmp_path: Path) -> None:
    checkout = make_checkout(tmp_path, {})
    toml = run_module(str(checkout), str(tmp_path / "coverage.toml"))
    assert (toml.returncode, toml.stderr) == (1, f"qatron.coverage_rc: {tmp_path / 'coverage.toml'}: the rc is INI, its name must not end in .toml\n")
    missing = run_module(str(tmp_path / "nowhere"), str(tmp_path / "coveragerc"))
    assert (missing.returncode, missing.stderr) == (2, f"qatron.coverage_rc: {tmp_path / 'nowhere'} is not a directory\n")


def test_cheapest_core_is_sysmon_on_312_for_line_coverage_only():
    from qatron.coverage_rc import cheapest_core

    assert cheapest_core({}, python=(3, 12), coverage_version=(7, 17)) == "sysmon"
    assert cheapest_core({}, python=(3, 11), coverage_version=(7, 17)) is None
    assert cheapest_core({}, python=(3, 12), coverage_version=(7, 3)) is None
    # Branch coverage through sys.monitoring needs Python 3.14 and coverage.py 7.9.
    assert cheapest_core({"run": {"branch": "True"}}, python=(3, 13), coverage_version=(7, 17)) is None
    assert cheapest_core({"run": {"branch": "true"}}, python=(3, 14), coverage_version=(7, 17)) == "sysmon"
    # A repository's own choice stands.
    assert cheapest_core({"run": {"core": "ctrace"}}, python=(3, 13), coverage_version=(7, 17)) is None
