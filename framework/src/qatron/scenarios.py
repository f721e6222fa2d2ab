"""Stable ids of BDD scenarios (PRD 14.2), recorded on every pytest-bdd test.

The id is ``{feature_path}:{line_start}:{line_end}:{sha256(name)[:8]}``. QAtron's feature ingestion
(TypeScript, @cucumber/gherkin) computes the same id from the same AST, so the two definitions must
stay identical:

- ``feature_path``: the feature file relative to the repository root, with forward slashes;
- ``line_start``: the line of the Scenario / Scenario Outline / Example keyword;
- ``line_end``: the largest line inside the scenario: its keyword line, every step line, every row
  of a step's DataTable, the closing delimiter of a step's DocString (opening line + content lines
  + 1, where empty content has no lines), every Examples keyword line, header row and body row.
  Tags, comments, blank lines and Background steps are not part of it;
- ``sha256(name)[:8]``: the first 8 hex digits of SHA-256 over the UTF-8 scenario name as parsed
  (Gherkin trims it).

The test gets ``qatron_scenario_id``, ``qatron_feature_path``, ``qatron_scenario_line`` and, for
a row of a Scenario Outline, ``qatron_example_line`` as user properties (they reach the JUnit XML
and the progress file) and as Allure labels without the ``qatron_`` prefix.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

import pytest

CHECKOUT_VARIABLE = "QATRON_CHECKOUT_DIR"
"""The repository root of a run's checkout, set by the worker (a materialised checkout has no .git)."""

EXAMPLE_PARAMETER = "_pytest_bdd_example"
"""The parameter pytest-bdd parametrizes a Scenario Outline with (one value per Examples body row)."""


@dataclass(frozen=True)
class ExampleRow:
    """One body row of an Examples table: its line and its cell values."""

    line: int
    values: Tuple[str, ...]


@dataclass(frozen=True)
class ScenarioSpan:
    """A scenario's name and line range in its feature file."""

    name: str
    line_start: int
    line_end: int
    example_rows: Tuple[ExampleRow, ...]
    """Body rows of every Examples table that has a header, in file order: pytest-bdd's parameters."""


def _line(node: Mapping[str, Any]) -> int:
    return int(node["location"]["line"])


def _doc_string_end(doc_string: Mapping[str, Any]) -> int:
    content = doc_string.get("content") or ""
    content_lines = len(content.split("\n")) if content else 0
    return _line(doc_string) + content_lines + 1


def scenario_span(scenario: Mapping[str, Any]) -> ScenarioSpan:
    """The span of one ``scenario`` node of a Gherkin AST (as ``gherkin.parser.Parser`` returns it)."""
    lines = [_line(scenario)]
    for step in scenario.get("steps") or []:
        lines.append(_line(step))
        data_table = step.get("dataTable")
        if data_table:
            lines.extend(_line(row) for row in data_table.get("rows") or [])
        doc_string = step.get("docString")
        if doc_string:
            lines.append(_doc_string_end(doc_string))
    rows: List[ExampleRow] = []
    for examples in scenario.get("examples") or []:
        lines.append(_line(examples))
        header = examples.get("tableHeader")
        if header:
            lines.append(_line(header))
        for row in examples.get("tableBody") or []:
            lines.append(_line(row))
            if header:
                rows.append(ExampleRow(_line(row), tuple(cell.get("value", "") for cell in row.get("cells") or [])))
    return ScenarioSpan(name=scenario.get("name", ""), line_start=_line(scenario), line_end=max(lines), example_rows=tuple(rows))


def _scenario_nodes(children: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for child in children:
        if "scenario" in child:
            yield child["scenario"]
        elif "rule" in child:
            yield from _scenario_nodes(child["rule"].get("children") or [])


def parse_scenarios(feature_text: str) -> Dict[int, ScenarioSpan]:
    """Every scenario of a feature file (also inside Rules), by the line of its keyword.

    :raises gherkin.errors.CompositeParserException: the text is not valid Gherkin.
    """
    from gherkin.parser import Parser  # pytest-bdd's own dependency (gherkin-official)

    document = Parser().parse(feature_text)
    feature = document.get("feature") or {}
    spans = (scenario_span(node) for node in _scenario_nodes(feature.get("children") or []))
    return {span.line_start: span for span in spans}


_parsed: Dict[Tuple[str, int, int], Dict[int, ScenarioSpan]] = {}


def feature_scenarios(path: Path) -> Dict[int, ScenarioSpan]:
    """``parse_scenarios`` of a feature file, parsed once per file version in this process."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _parsed:
        _parsed[key] = parse_scenarios(path.read_text(encoding="utf-8"))
    return _parsed[key]


def name_hash(name: str) -> str:
    """The first 8 hex digits of SHA-256 over the UTF-8 scenario name."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]


def scenario_id(feature_path: str, span: ScenarioSpan) -> str:
    """``{feature_path}:{line_start}:{line_end}:{sha256(name)[:8]}`` (PRD 14.2)."""
    return f"{feature_path}:{span.line_start}:{span.line_end}:{name_hash(span.name)}"


def _is_within(path: Path, directory: Path) -> bool:
    try:
        path.relative_to(directory)
        return True
    except ValueError:
        return False


def repository_root(feature_file: Path, rootpath: Path, checkout_dir: Optional[str] = None) -> Path:
    """The directory feature paths are relative to.

    The worker's checkout (``QATRON_CHECKOUT_DIR``) comes first: it is materialised without a .git,
    and a .git found further up would belong to some other repository. Otherwise the nearest
    directory holding ``.git`` (a directory, or a file in worktrees and submodules), else pytest's
    rootdir.
    """
    if checkout_dir:
        checkout = Path(checkout_dir).absolute()
        if _is_within(feature_file, checkout):
            return checkout
    for directory in feature_file.parents:
        if (directory / ".git").exists():
            return directory
    return rootpath


def feature_path(feature_file: Path, rootpath: Path, checkout_dir: Optional[str] = None) -> str:
    """The feature file relative to the repository root, with forward slashes."""
    feature_file = Path(os.path.abspath(feature_file))
    root = Path(os.path.abspath(repository_root(feature_file, rootpath, checkout_dir)))
    if not _is_within(feature_file, root):
        return feature_file.as_posix()
    return feature_file.relative_to(root).as_posix()


def example_line(span: ScenarioSpan, index: Optional[int], values: Optional[Mapping[str, Any]]) -> Optional[int]:
    """The line of the Examples body row a Scenario Outline test instance runs.

    pytest-bdd parametrizes the outline with the rows in file order, so the parameter index picks
    the row; the values confirm it (another parametrize mark on the test could in theory shift
    indices), and are the fallback.
    """
    cells = tuple(str(v) for v in values.values()) if values is not None else None
    if index is not None and 0 <= index < len(span.example_rows):
        row = span.example_rows[index]
        if cells is None or row.values == cells:
            return row.line
    if cells is not None:
        for row in span.example_rows:
            if row.values == cells:
                return row.line
    return None


def scenario_labels(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> Optional[List[Tuple[str, str]]]:
    """The ``qatron_*`` properties of the pytest-bdd scenario a test is about to run."""
    feature_file = Path(feature.filename)
    span = feature_scenarios(feature_file).get(scenario.line_number)
    if span is None:
        return None
    path = feature_path(feature_file, request.config.rootpath, os.environ.get(CHECKOUT_VARIABLE))
    labels = [
        ("qatron_scenario_id", scenario_id(path, span)),
        ("qatron_feature_path", path),
        ("qatron_scenario_line", str(span.line_start)),
    ]
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and EXAMPLE_PARAMETER in callspec.params:
        line = example_line(span, callspec.indices.get(EXAMPLE_PARAMETER), callspec.params[EXAMPLE_PARAMETER])
        if line is not None:
            labels.append(("qatron_example_line", str(line)))
    return labels


def label_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Records the scenario's stable id on the test (user properties and Allure labels).

    A labelling problem must never fail the user's test: it becomes a warning, and the result is
    simply not mapped to a scenario.
    """
    try:
        labels = scenario_labels(request, feature, scenario)
    except Exception as error:  # noqa: BLE001 - see the docstring
        warnings.warn(f"qatron: no scenario id for {request.node.nodeid}: {error}", stacklevel=2)
        return
    if labels is None:
        warnings.warn(f"qatron: scenario at line {scenario.line_number} not found in {feature.filename}", stacklevel=2)
        return
    request.node.user_properties.extend(labels)
    try:
        import allure
    except ImportError:
        return
    for name, value in labels:
        allure.dynamic.label(name[len("qatron_"):], value)
