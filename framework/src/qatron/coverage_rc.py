"""The coverage configuration of a QAtron run: the repository's own, made fit for combining shards.

``python -m qatron.coverage_rc <checkout_dir> <out_rc_path>`` finds the configuration file
coverage.py itself would read in ``checkout_dir`` and writes its settings to ``out_rc_path`` as an
INI rc (PRD 15; DESIGN "A run, step by step", steps 3-4). The worker hands that rc to every shard
(``--cov-config``) and to the ``coverage combine``/``xml``/``html`` of the reporting step, so the
repository's ``source``, ``omit``, ``branch``, ``exclude_lines``, ``[paths]``… apply everywhere.

Changes made to the repository's settings, and why:

- ``[run] relative_files = True`` is forced: shards run in different checkout directories (on
  different workers) and their data can only be combined if the paths are relative to the checkout.
- ``[run] data_file`` is dropped: the worker chooses the data file with ``COVERAGE_FILE``.
- ``[report] fail_under`` is dropped: each shard measures only part of the suite, so pytest-cov would
  fail every shard against a whole-suite threshold; thresholds are checked after combining.
- ``[report] precision`` defaults to 2 when the repository does not set it (coverage.py's default
  is 0): the run's percentage is shown with two decimals. Shards write no report, so this changes
  nothing while measuring.

Values are copied as text, so ``$VARIABLE`` references are expanded by coverage.py when it reads the
rc, as they would have been from the original file. Paths stay relative: coverage.py resolves them
against the working directory, which is the checkout for shards and reporting alike.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import sys
from typing import Any, Dict, List, Mapping, Optional, Tuple

try:  # Python 3.11+
    import tomllib as _toml
except ImportError:  # Older interpreters read TOML only with tomli installed, as coverage.py does.
    try:
        import tomli as _toml  # type: ignore[no-redef]
    except ImportError:
        _toml = None  # type: ignore[assignment]

Sections = Dict[str, Dict[str, str]]
"""Section name (``run``, ``report``, ``paths``, a plugin's name…) → option → INI value text."""

DEFAULT_PRECISION = 2

# coverage.py reads these options as lists of full-line regexes (split on newlines only); every
# other list is split on commas and newlines.
REGEX_LIST_OPTIONS = frozenset(
    {
        ("report", "exclude_lines"),
        ("report", "exclude_also"),
        ("report", "partial_branches"),
        ("report", "partial_branches_always"),
        ("report", "partial_also"),
    }
)

_COMMENT_PREFIXES = ("#", ";")

KNOWN_SECTIONS = ("run", "report", "html", "xml", "json", "lcov", "paths")


class CoverageConfigError(Exception):
    """The repository's coverage configuration cannot be read or carried into an INI rc."""


def config_files(checkout_dir: str) -> List[Tuple[str, bool]]:
    """The files coverage.py tries, in its order (coverage 7.17 ``config_files_to_try``).

    Each entry is (path, our_file): coverage.py's own files are used as soon as they exist, shared
    files (setup.cfg, tox.ini, pyproject.toml) only when they hold coverage settings. Unlike
    coverage.py, ``COVERAGE_RCFILE`` is not consulted: it belongs to whoever runs the worker, not to
    the repository.
    """
    return [
        (os.path.join(checkout_dir, ".coveragerc"), True),
        (os.path.join(checkout_dir, ".coveragerc.toml"), True),
        (os.path.join(checkout_dir, "setup.cfg"), False),
        (os.path.join(checkout_dir, "tox.ini"), False),
        (os.path.join(checkout_dir, "pyproject.toml"), False),
    ]


def read_repository_config(checkout_dir: str) -> Tuple[Optional[str], Sections]:
    """The coverage settings of the checkout and the name of the file they come from (None: none).

    The first file in coverage.py's order that it would use wins; nothing is merged across files.
    """
    for path, our_file in config_files(checkout_dir):
        if not os.path.isfile(path):
            continue
        if path.endswith(".toml"):
            if _toml is None:
                if our_file:
                    raise CoverageConfigError(f"{os.path.basename(path)} needs Python 3.11+ (tomllib) or tomli to be read")
                continue  # coverage.py skips pyproject.toml in the same situation.
            sections = _read_toml(path, our_file)
        else:
            sections = _read_ini(path, our_file)
        if our_file or _has_coverage_settings(sections):
            return os.path.basename(path), sections
    return None, {}


def _has_coverage_settings(sections: Sections) -> bool:
    # coverage.py uses a shared file only if it sets something: an option of one of its own
    # sections, a [paths] entry, or options of a plugin named in [run] plugins.
    plugins = [name.strip() for name in sections.get("run", {}).get("plugins", "").replace(",", "\n").split("\n")]
    return any(sections.get(name) for name in (*KNOWN_SECTIONS, *filter(None, plugins)))


def _read_ini(path: str, our_file: bool) -> Sections:
    # The same parser settings as coverage.py's HandyConfigParser: no interpolation, default
    # comment prefixes, option names lower-cased.
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as stream:
            parser.read_file(stream, source=path)
    except (configparser.Error, UnicodeDecodeError) as error:
        raise CoverageConfigError(f"could not read {os.path.basename(path)}: {error}") from error
    sections: Sections = {}
    # coverage.py reads a section from [coverage:X], or else (its own files only) from [X]: when
    # both exist, [X] is ignored as a whole.
    for name in parser.sections():
        if name.startswith("coverage:"):
            sections[name[len("coverage:") :]] = dict(parser.items(name))
    if our_file:
        for name in parser.sections():
            if not name.startswith("coverage:") and name not in sections:
                sections[name] = dict(parser.items(name))
    return sections


def _read_toml(path: str, our_file: bool) -> Sections:
    try:
        with open(path, "rb") as stream:
            data = _toml.loads(stream.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:  # TOMLDecodeError is a ValueError
        raise CoverageConfigError(f"could not read {os.path.basename(path)}: {error}") from error
    tool = data.get("tool")
    coverage = tool.get("coverage") if isinstance(tool, dict) else None
    tables: Dict[str, Any] = {}
    # coverage.py takes a whole table from [tool.coverage.X], or else (own files only) from [X].
    if our_file:
        tables.update({name: table for name, table in data.items() if isinstance(table, dict) and name != "tool"})
    if isinstance(coverage, dict):
        tables.update({name: table for name, table in coverage.items() if isinstance(table, dict)})
    return {section: {option: _ini_value(section, option, value) for option, value in table.items()} for section, table in tables.items()}


def _ini_value(section: str, option: str, value: Any) -> str:
    """A TOML value as the INI text coverage.py reads back to the same value."""
    where = f"[{section}] {option}"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if "\n" in value and any(line.strip().startswith(_COMMENT_PREFIXES) for line in value.splitlines()[1:]):
            raise CoverageConfigError(f"{where}: a line of a multi-line value starts with a comment character, which an INI file cannot hold")
        return value
    if isinstance(value, list):
        lines = []
        for item in value:
            if not isinstance(item, str):
                raise CoverageConfigError(f"{where} must be a list of strings, not {value!r}")
            item = item.strip()
            if not item:
                continue
            if (section, option) in REGEX_LIST_OPTIONS:
                # One regex per line. A continuation line starting with "#" or ";" would be a
                # comment: escaping the character keeps the regex's meaning (`\#` matches "#").
                if item.startswith(_COMMENT_PREFIXES):
                    item = "\\" + item
            elif "," in item or item.startswith(_COMMENT_PREFIXES):
                # INI lists are split on commas too; TOML items are not.
                raise CoverageConfigError(f"{where}: the item {item!r} cannot be written to an INI file (a comma, or a leading '#' or ';')")
            lines.append(item)
        return "\n" + "\n".join(lines)
    raise CoverageConfigError(f"{where} has a value of type {type(value).__name__}, which coverage.py does not read")


def qatron_config(sections: Mapping[str, Mapping[str, str]]) -> Sections:
    """The repository's settings with QAtron's changes (see the module docstring)."""
    result: Sections = {name: dict(options) for name, options in sections.items()}
    run = result.setdefault("run", {})
    run.pop("data_file", None)
    run["relative_files"] = "True"
    report = result.setdefault("report", {})
    report.pop("fail_under", None)
    report.setdefault("precision", str(DEFAULT_PRECISION))
    return result


def render_ini(sections: Mapping[str, Mapping[str, str]], header: str = "") -> str:
    """INI text: multi-line values continue on indented lines, as coverage.py's parser expects."""
    out = [f"# {line}".rstrip() for line in header.splitlines()]
    # coverage.py's own sections in its documentation's order, then plugins' sections.
    names = sorted(sections, key=lambda name: (KNOWN_SECTIONS.index(name) if name in KNOWN_SECTIONS else len(KNOWN_SECTIONS), name))
    for name in names:
        if out:
            out.append("")
        out.append(f"[{name}]")
        for option, value in sections[name].items():
            first, *rest = value.split("\n")
            out.append(f"{option} = {first}".rstrip())
            out.extend(f"    {line}" if line.strip() else "" for line in rest)
    return "\n".join(out) + "\n"


def cheapest_core(sections: Mapping[str, Mapping[str, str]], python: Tuple[int, int] = sys.version_info[:2], coverage_version: Optional[Tuple[int, int]] = None) -> Optional[str]:
    """The cheapest measurement core this interpreter and coverage.py offer for these settings, or
    None for coverage.py's own choice (issue 12: coverage is the largest cost of a run).

    ``sysmon`` (``sys.monitoring``, PEP 669) costs a fraction of the C tracer: Python 3.12+ and
    coverage.py 7.4+ have it, for line coverage; branch coverage with it needs Python 3.14 and
    coverage.py 7.9. A repository that chose a core itself keeps it.
    """
    run = sections.get("run", {})
    if run.get("core"):
        return None
    if coverage_version is None:
        coverage_version = _coverage_version()
    if coverage_version is None or python < (3, 12) or coverage_version < (7, 4):
        return None
    branch = run.get("branch", "").strip().lower() in ("1", "true", "yes", "on")
    if branch and (python < (3, 14) or coverage_version < (7, 9)):
        return None
    return "sysmon"


def _coverage_version() -> Optional[Tuple[int, int]]:
    try:
        from importlib.metadata import version

        major, minor = version("coverage").split(".")[:2]
        return int(major), int(minor)
    except Exception:  # noqa: BLE001 - no coverage.py installed, or an odd version string
        return None


def write_rc(checkout_dir: str, out_path: str) -> Optional[str]:
    """Writes the rc for ``checkout_dir`` to ``out_path``; returns the repository file it came from."""
    if out_path.endswith(".toml"):
        # coverage.py reads a .toml rc as TOML.
        raise CoverageConfigError(f"{out_path}: the rc is INI, its name must not end in .toml")
    source, sections = read_repository_config(checkout_dir)
    header = f"Written by qatron.coverage_rc from {source or 'no configuration file (coverage.py defaults)'},\nwith relative_files forced, data_file and fail_under removed, precision {DEFAULT_PRECISION} unless set."
    text = render_ini(qatron_config(sections), header)
    directory = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(directory, exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as stream:
        stream.write(text)
    return source


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qatron.coverage_rc", description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout_dir", help="the checkout whose coverage configuration is carried over")
    parser.add_argument("out_rc_path", help="where the INI rc is written")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.checkout_dir):
        print(f"qatron.coverage_rc: {args.checkout_dir} is not a directory", file=sys.stderr)
        return 2
    try:
        source = write_rc(args.checkout_dir, args.out_rc_path)
        core = cheapest_core(read_repository_config(args.checkout_dir)[1])
    except (CoverageConfigError, OSError) as error:
        print(f"qatron.coverage_rc: {error}", file=sys.stderr)
        return 1
    # One JSON line for the worker: which repository file the settings came from, and the core to measure with.
    print(json.dumps({"config_file": source, "rc": args.out_rc_path, "core": core}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
