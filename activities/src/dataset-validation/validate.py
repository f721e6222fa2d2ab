"""Validates one dataset version against a Great Expectations suite (PRD FR-DATA-02).

Usage: python validate.py DATA_FILE < suite.json

The suite is GE's JSON format, ``{"expectations": [{"type": ..., "kwargs": {...}}, ...]}`` (the
legacy key ``expectation_type`` is accepted too). The file is read into pandas by its extension:
CSV, TSV, JSON (an array of objects) or JSON Lines. The summary goes to stdout as one JSON
document. An expectation GE does not know, or one that raises, fails the version with the
exception in its result: nothing the suite says makes this script crash.
"""
import json
import math
import os
import sys

# Worker logs need no progress bars or usage statistics.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx  # noqa: E402
import pandas as pd  # noqa: E402
from great_expectations.core.expectation_suite import ExpectationSuite  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration  # noqa: E402

# How many unexpected values each result keeps: enough to see the pattern, small enough to store.
PARTIAL_UNEXPECTED = 20
# The result's place in the suite travels in its meta, because GE reorders the results.
INDEX_KEY = "qatron_index"


def read_dataset(path):
    """The file as a DataFrame, by its extension (the framework's `dataset()` reads by the same)."""
    name = path.lower()
    if name.endswith(".csv"):
        return pd.read_csv(path)
    if name.endswith(".tsv"):
        return pd.read_csv(path, sep="\t")
    if name.endswith((".jsonl", ".ndjson")):
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        return records_frame(rows, "a JSON Lines file of objects")
    if name.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            rows = json.load(f)
        return records_frame(rows, "a JSON array of objects")
    raise ValueError(f"cannot read {os.path.basename(path)}: validation reads .csv, .tsv, .json (an array of objects) and .jsonl files")


def records_frame(rows, expected):
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValueError(f"the dataset is not {expected}")
    return pd.DataFrame.from_records(rows)


def clean(value):
    """JSON-safe values: NaN and infinities (missing cells) become null, unknown objects strings."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def exception_message(info):
    """GE reports a raised exception either flat or keyed by the metric that raised it."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return info.get("exception_message") or "the expectation raised an exception"
    for nested in info.values():
        if isinstance(nested, dict) and (nested.get("raised_exception") or nested.get("exception_message")):
            return nested.get("exception_message") or "the expectation raised an exception"
    return None


def entry_of(expectation):
    if not isinstance(expectation, dict):
        return "expectation", {}
    kind = expectation.get("type") or expectation.get("expectation_type") or "expectation"
    kwargs = expectation.get("kwargs") if isinstance(expectation.get("kwargs"), dict) else {}
    return str(kind), kwargs


def summarize(result, kind, kwargs):
    details = result.get("result") or {}
    entry = {"type": kind, "kwargs": clean(kwargs), "success": bool(result.get("success"))}
    if "observed_value" in details:
        entry["observed_value"] = clean(details["observed_value"])
    if "unexpected_count" in details:
        entry["unexpected_count"] = clean(details["unexpected_count"])
    if "partial_unexpected_list" in details:
        entry["partial_unexpected_list"] = clean(list(details["partial_unexpected_list"] or [])[:PARTIAL_UNEXPECTED])
    message = exception_message(result.get("exception_info"))
    if message is not None:
        entry["success"] = False
        entry["exception"] = message
    return entry


def validate(path, suite_document):
    expectations = suite_document.get("expectations") if isinstance(suite_document, dict) else None
    if not isinstance(expectations, list):
        raise ValueError('the suite has no "expectations" list')
    entries = [None] * len(expectations)
    suite = ExpectationSuite(name="qatron")
    # GE keeps one of identical expectations: a repeated one shares the first one's result.
    first_of = {}
    repeats = {}
    for index, expectation in enumerate(expectations):
        kind, kwargs = entry_of(expectation)
        identity = json.dumps([kind, clean(kwargs)], sort_keys=True)
        if identity in first_of:
            repeats[index] = first_of[identity]
            continue
        first_of[identity] = index
        try:
            configuration = ExpectationConfiguration(type=kind, kwargs=kwargs, meta={INDEX_KEY: index})
            # Builds the typed expectation: an unknown type or invalid kwargs raise here, per expectation.
            configuration.to_domain_obj()
            suite.add_expectation_configuration(configuration)
        except Exception as error:  # noqa: BLE001 - every failure belongs in the report
            entries[index] = {"type": kind, "kwargs": clean(kwargs), "success": False, "exception": f"{type(error).__name__}: {error}"}

    if len(suite.expectations) > 0:
        frame = read_dataset(path)
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = context.data_sources.add_pandas("qatron").add_dataframe_asset("dataset")
        batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": frame})
        outcome = batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": PARTIAL_UNEXPECTED}).to_json_dict()
        for result in outcome["results"]:
            configuration = result.get("expectation_config") or {}
            index = (configuration.get("meta") or {}).get(INDEX_KEY)
            kind, kwargs = entry_of(expectations[index])
            entries[index] = summarize(result, kind, kwargs)
    else:
        # Nothing GE can evaluate: still check that the file reads, so a broken file is reported.
        read_dataset(path)
    for index, first in repeats.items():
        entries[index] = entries[first]
    for index, entry in enumerate(entries):
        if entry is None:
            kind, kwargs = entry_of(expectations[index])
            entries[index] = {"type": kind, "kwargs": clean(kwargs), "success": False, "exception": "Great Expectations returned no result for this expectation"}

    successful = sum(1 for entry in entries if entry and entry["success"])
    return {
        "success": successful == len(entries),
        "evaluated": len(entries),
        "successful": successful,
        "unsuccessful": len(entries) - successful,
        "results": entries,
        "ge_version": gx.__version__,
    }


def main():
    if len(sys.argv) != 2:
        print("usage: validate.py DATA_FILE < suite.json", file=sys.stderr)
        return 2
    try:
        report = validate(sys.argv[1], json.load(sys.stdin))
    except Exception as error:  # noqa: BLE001 - an unreadable file or suite is a failed validation
        report = {"success": False, "evaluated": 0, "successful": 0, "unsuccessful": 0, "results": [], "ge_version": gx.__version__, "error": f"{type(error).__name__}: {error}"}
    json.dump(report, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
