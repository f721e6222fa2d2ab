"""The ``dataset`` fixture: the run's pinned dataset versions (FR-DATA-03).

A run pins one version of each dataset when it is triggered. The worker downloads those files into
the shard's workspace and names a JSON manifest in ``QATRON_DATASETS_FILE``::

    {"datasets": {"customers": {"version": "v3", "path": "/abs/customers.csv",
                                "checksum": "sha256:<hex>", "content_type": "text/csv"}}}

Outside QAtron (no manifest) a test can still run with ``QATRON_DATASET_<NAME>=<local file>``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import mimetypes
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import pytest

MANIFEST_VARIABLE = "QATRON_DATASETS_FILE"
LOCAL_PREFIX = "QATRON_DATASET_"

_JSON_TYPES = ("application/json", "text/json")
_JSON_LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/json-seq")
_CSV_TYPES = ("text/csv", "application/csv")


class Dataset:
    """One dataset version as a test sees it: where the file is, and ways to read it."""

    def __init__(self, name: str, version: str, path: Path, checksum: Optional[str], content_type: Optional[str]) -> None:
        self.name = name
        self.version = version
        self.path = path
        self.checksum = checksum
        self.content_type = content_type

    def __repr__(self) -> str:
        return f"Dataset(name={self.name!r}, version={self.version!r}, path={str(self.path)!r})"

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.path.read_text(encoding=encoding)

    def json(self) -> Any:
        return json.loads(self.read_text())

    def csv(self) -> List[Dict[str, str]]:
        """The rows of a CSV file with a header line, as dicts (a UTF-8 byte order mark is ignored)."""
        return list(csv.DictReader(io.StringIO(self.read_text(encoding="utf-8-sig"), newline="")))

    def rows(self) -> List[Any]:
        """The records: CSV rows, the items of a JSON array, or the lines of JSON Lines.

        The format comes from the content type, else from the file extension.
        """
        kind = self._format()
        if kind == "csv":
            return self.csv()
        if kind == "jsonl":
            return [json.loads(line) for line in self.read_text().splitlines() if line.strip()]
        if kind == "json":
            value = self.json()
            if not isinstance(value, list):
                raise TypeError(f"dataset {self.name!r} ({self.path.name}) holds a JSON {type(value).__name__}, not a list of rows: use .json()")
            return value
        raise ValueError(
            f"dataset {self.name!r} ({self.path.name}, content type {self.content_type or 'unknown'}) has no rows: "
            "rows() reads CSV, JSON arrays and JSON Lines; use read_bytes() or read_text()"
        )

    def _format(self) -> Optional[str]:
        content_type = (self.content_type or "").split(";")[0].strip().lower()
        suffix = self.path.suffix.lower()
        if content_type in _CSV_TYPES or (not content_type and suffix == ".csv"):
            return "csv"
        if content_type in _JSON_LINES_TYPES or suffix in (".jsonl", ".ndjson"):
            return "jsonl"
        if content_type in _JSON_TYPES or content_type.endswith("+json") or (not content_type and suffix == ".json"):
            return "json"
        if content_type in ("", "application/octet-stream", "text/plain"):
            return {".csv": "csv", ".json": "json"}.get(suffix)
        return None


def file_checksum(path: Path, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm)
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def local_variable(name: str) -> str:
    """``QATRON_DATASET_<NAME>``: the name upper-cased, anything but letters and digits as ``_``."""
    return LOCAL_PREFIX + re.sub(r"[^A-Z0-9]", "_", name.upper())


class DatasetCatalog:
    """``dataset(name)``: the pinned version of a dataset, its checksum verified on first use."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = dict(environ)
        self._manifest_file = self._environ.get(MANIFEST_VARIABLE, "").strip()
        self._manifest: Optional[Dict[str, Any]] = None
        self._verified: Dict[str, Dataset] = {}

    def __call__(self, name: str) -> Dataset:
        if name not in self._verified:
            self._verified[name] = self._pinned(name) if self._manifest_file else self._local(name)
        return self._verified[name]

    def _entries(self) -> Dict[str, Any]:
        if self._manifest is None:
            try:
                with open(self._manifest_file, encoding="utf-8") as stream:
                    manifest = json.load(stream)
            except (OSError, ValueError) as error:
                pytest.fail(f"cannot read the datasets manifest {self._manifest_file} ({MANIFEST_VARIABLE}): {error}", pytrace=False)
            datasets = manifest.get("datasets") if isinstance(manifest, dict) else None
            if not isinstance(datasets, dict):
                pytest.fail(f"the datasets manifest {self._manifest_file} has no \"datasets\" object", pytrace=False)
            self._manifest = datasets
        return self._manifest

    def _pinned(self, name: str) -> Dataset:
        entries = self._entries()
        entry = entries.get(name)
        if not isinstance(entry, dict):
            pinned = ", ".join(sorted(entries)) or "none"
            pytest.fail(f"dataset {name!r} is not pinned for this run (pinned datasets: {pinned})", pytrace=False)
        path = Path(str(entry.get("path", "")))
        if not path.is_absolute():
            path = Path(self._manifest_file).parent / path
        if not path.is_file():
            pytest.fail(f"dataset {name!r} version {entry.get('version')}: file {path} is missing", pytrace=False)
        checksum = entry.get("checksum")
        if checksum:
            self._verify(name, path, str(checksum))
        return Dataset(name, str(entry.get("version", "")), path, str(checksum) if checksum else None, entry.get("content_type") or None)

    @staticmethod
    def _verify(name: str, path: Path, checksum: str) -> None:
        algorithm, _, expected = checksum.rpartition(":")
        algorithm = (algorithm or "sha256").lower()
        if algorithm not in hashlib.algorithms_available:
            pytest.fail(f"dataset {name!r}: unsupported checksum algorithm {algorithm!r}", pytrace=False)
        actual = file_checksum(path, algorithm)
        if actual != expected.lower():
            pytest.fail(f"dataset {name!r}: {path} has {algorithm}:{actual}, the run pinned {checksum}", pytrace=False)

    def _local(self, name: str) -> Dataset:
        variable = local_variable(name)
        value = self._environ.get(variable, "").strip()
        if not value:
            pytest.skip(f"dataset {name!r} is not available: QAtron provides a run's pinned datasets; outside QAtron set {variable}=<path to a local file>")
        path = Path(value).expanduser().absolute()
        if not path.is_file():
            pytest.fail(f"dataset {name!r}: {variable}={value} is not a file", pytrace=False)
        return Dataset(name, "local", path, None, mimetypes.guess_type(path.name)[0])


@pytest.fixture(scope="session")
def dataset() -> DatasetCatalog:
    """``dataset("customers")``: the run's pinned version of a dataset (see ``qatron.datasets``)."""
    return DatasetCatalog(os.environ)
