"""The dataset fixture: the run's pinned dataset versions from the worker's manifest, or local files."""

import hashlib
import json
from pathlib import Path

import pytest

from qatron.datasets import local_variable

CUSTOMERS_CSV = "\ufeffid,name,country\n1,Ada,GB\n2,\"Grace, Jr.\",US\n"
ORDERS_JSON = [{"id": 10, "total": 9.5}, {"id": 11, "total": 20}]


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def write_manifest(directory: Path, monkeypatch: pytest.MonkeyPatch, corrupt: str = "") -> Path:
    files = directory / "datasets"
    files.mkdir()
    customers = files / "customers.csv"
    customers.write_bytes(CUSTOMERS_CSV.encode("utf-8"))
    orders = files / "orders.data"
    orders.write_text(json.dumps(ORDERS_JSON), encoding="utf-8")
    events = files / "events.jsonl"
    events.write_text('{"type": "login"}\n\n{"type": "logout"}\n', encoding="utf-8")
    datasets = {
        "customers": {"version": "v3", "path": str(customers), "checksum": sha256(customers.read_bytes()), "content_type": "text/csv; charset=utf-8"},
        # Content types as the worker writes them (contentTypeFor); relative paths are relative to the
        # manifest, and the content type, not the extension, decides the format.
        "orders": {"version": "v1", "path": "datasets/orders.data", "checksum": sha256(orders.read_bytes()), "content_type": "application/json"},
        "events": {"version": "v7", "path": str(events), "checksum": sha256(events.read_bytes()), "content_type": "application/jsonl"},
    }
    if corrupt:
        datasets[corrupt]["checksum"] = "sha256:" + "0" * 64
    manifest = directory / "datasets.json"
    manifest.write_text(json.dumps({"datasets": datasets}), encoding="utf-8")
    monkeypatch.setenv("QATRON_DATASETS_FILE", str(manifest))
    return manifest


def test_pinned_datasets_are_read_in_every_format(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    write_manifest(pytester.path, monkeypatch)
    pytester.makepyfile(
        """
        import json
        from pathlib import Path

        def test_customers(dataset):
            customers = dataset("customers")
            assert (customers.name, customers.version) == ("customers", "v3")
            assert isinstance(customers.path, Path) and customers.path.name == "customers.csv"
            assert customers.checksum.startswith("sha256:")
            expected = [{"id": "1", "name": "Ada", "country": "GB"}, {"id": "2", "name": "Grace, Jr.", "country": "US"}]
            assert customers.csv() == expected
            assert customers.rows() == expected
            assert customers.read_text().startswith("\\ufeffid,name")
            assert customers.read_bytes()[:3] == b"\\xef\\xbb\\xbf"
            assert dataset("customers") is customers

        def test_orders(dataset):
            orders = dataset("orders")
            assert orders.version == "v1"
            assert orders.json() == [{"id": 10, "total": 9.5}, {"id": 11, "total": 20}]
            assert orders.rows() == orders.json()

        def test_events(dataset):
            assert dataset("events").rows() == [{"type": "login"}, {"type": "logout"}]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_an_unknown_name_fails_naming_the_pinned_datasets(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    write_manifest(pytester.path, monkeypatch)
    monkeypatch.setenv("QATRON_DATASET_PRODUCTS", str(pytester.path / "datasets" / "customers.csv"))
    pytester.makepyfile(
        """
        def test_products(dataset):
            dataset("products")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    # Inside a run only the manifest counts: a local variable does not stand in for a missing pin.
    result.stdout.fnmatch_lines(["*dataset 'products' is not pinned for this run (pinned datasets: customers, events, orders)*"])


def test_a_run_without_pinned_datasets_says_so(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    # The worker writes an empty manifest for a run that pinned no dataset.
    manifest = pytester.path / "manifest.json"
    manifest.write_text('{"datasets": {}}', encoding="utf-8")
    monkeypatch.setenv("QATRON_DATASETS_FILE", str(manifest))
    pytester.makepyfile("def test_customers(dataset):\n    dataset('customers')\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*dataset 'customers' is not pinned for this run (pinned datasets: none)*"])


def test_a_checksum_mismatch_fails_the_test(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    write_manifest(pytester.path, monkeypatch, corrupt="customers")
    pytester.makepyfile(
        """
        def test_customers(dataset):
            dataset("customers")

        def test_orders(dataset):
            assert dataset("orders").rows()
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*dataset 'customers': *customers.csv has sha256:*, the run pinned sha256:0000000000*"])


def test_the_checksum_is_verified_once_per_session(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    write_manifest(pytester.path, monkeypatch)
    pytester.makepyfile(
        """
        def test_first(dataset):
            dataset("customers").path.write_text("changed after verification\\n")

        def test_second(dataset):
            # Verified once: a later read in the session trusts the first verification.
            assert dataset("customers").read_text() == "changed after verification\\n"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_without_a_manifest_a_local_file_stands_in_or_the_test_is_skipped(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("QATRON_DATASETS_FILE", raising=False)
    local = pytester.path / "local-customers.csv"
    local.write_text("id,name\n7,Linus\n", encoding="utf-8")
    monkeypatch.setenv(local_variable("customers-eu"), str(local))
    pytester.makepyfile(
        """
        def test_local(dataset):
            customers = dataset("customers-eu")
            assert customers.version == "local"
            assert customers.checksum is None
            assert customers.rows() == [{"id": "7", "name": "Linus"}]

        def test_unavailable(dataset):
            dataset("products")
            raise AssertionError("must not run")
        """
    )
    result = pytester.runpytest("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*dataset 'products' is not available*set QATRON_DATASET_PRODUCTS=<path to a local file>*"])


def test_local_variable_names():
    assert local_variable("customers") == "QATRON_DATASET_CUSTOMERS"
    assert local_variable("customers-eu.v2") == "QATRON_DATASET_CUSTOMERS_EU_V2"


def test_the_manifest_variable_is_not_an_environment_setting(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    write_manifest(pytester.path, monkeypatch)
    pytester.makepyfile(
        """
        def test_env(qatron_env):
            assert "datasets_file" not in qatron_env
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
