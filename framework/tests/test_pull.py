"""The pull plugin: a pytest process that asks the worker for its files, batch by batch."""

import json
import os
import socket
import tempfile
import threading
from pathlib import Path
from typing import Dict, List

import pytest

CONFTEST = """
import os
import pytest

def log(line):
    with open(os.environ["EVENTS"], "a") as stream:
        stream.write(line + "\\n")

@pytest.fixture(scope="session", autouse=True)
def shop_session():
    log("session up")
    yield
    log("session down")

@pytest.fixture(scope="module", autouse=True)
def shop_module(request):
    log("module up " + request.module.__name__)
    yield
    log("module down " + request.module.__name__)
"""


class FakeWorker:
    """The worker's end of the channel: records what the process collected, hands out `batches`."""

    def __init__(self, batches: List[List[str]]) -> None:
        self.directory = tempfile.mkdtemp(prefix="qp-")
        self.path = os.path.join(self.directory, "s")
        self.batches = list(batches)
        self.collected: List[Dict] = []
        self.requests: List[str] = []
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(self.path)
        self._server.listen(1)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        connection, _ = self._server.accept()
        with connection, connection.makefile("r") as lines:
            for line in lines:
                request = json.loads(line)
                self.requests.append(request["type"])
                if request["type"] == "collected":
                    self.collected = request["files"]
                    answer: Dict = {"ok": True}
                else:
                    answer = {"files": self.batches.pop(0) if self.batches else []}
                connection.sendall((json.dumps(answer) + "\n").encode())


@pytest.fixture
def shop(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    events = pytester.path / "events.log"
    monkeypatch.setenv("EVENTS", str(events))
    monkeypatch.setenv("QATRON_PROGRESS_FILE", str(pytester.path / "progress.jsonl"))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_cart="def test_add():\n    pass\n\ndef test_remove():\n    pass\n",
        test_pricing="def test_discount():\n    assert 1 == 2\n",
        test_optional="import pytest\nnp = pytest.importorskip('numpy_not_here')\n",
        test_broken="import not_a_module_anywhere\n",
    )
    return events


def run(pytester: pytest.Pytester, worker: FakeWorker, monkeypatch: pytest.MonkeyPatch) -> pytest.RunResult:
    monkeypatch.setenv("QATRON_PULL_SOCKET", worker.path)
    return pytester.runpytest("-p", "qatron.pull", "-p", "qatron.progress", "-p", "no:cacheprovider", "--continue-on-collection-errors")


def records(pytester: pytest.Pytester) -> Dict[str, List[str]]:
    lines = (pytester.path / "progress.jsonl").read_text().splitlines()
    return {json.loads(line)["nodeid"]: json.loads(line)["categories"] for line in lines}


def test_runs_the_handed_files_in_batches_keeping_the_session_fixture(pytester: pytest.Pytester, shop: Path, monkeypatch: pytest.MonkeyPatch):
    worker = FakeWorker([["test_pricing.py"], ["test_cart.py", "test_optional.py"]])
    result = run(pytester, worker, monkeypatch)
    assert sorted((f["file"], f["tests"]) for f in worker.collected) == [("test_broken.py", 0), ("test_cart.py", 2), ("test_optional.py", 0), ("test_pricing.py", 1)]
    assert worker.requests == ["collected", "next", "next", "next"]
    # Only what was handed ran; the import-time skip is reported because its module was handed.
    assert records(pytester) == {"test_pricing.py::test_discount": ["failed"], "test_cart.py::test_add": ["passed"], "test_cart.py::test_remove": ["passed"], "test_optional.py": ["skipped"]}
    assert shop.read_text().splitlines() == [
        "session up",
        "module up test_pricing",
        "module down test_pricing",
        "module up test_cart",
        "module down test_cart",
        "session down",
    ]
    assert result.ret == 1


def test_leaves_modules_handed_elsewhere_to_their_shard(pytester: pytest.Pytester, shop: Path, monkeypatch: pytest.MonkeyPatch):
    worker = FakeWorker([["test_cart.py"]])
    result = run(pytester, worker, monkeypatch)
    assert records(pytester) == {"test_cart.py::test_add": ["passed"], "test_cart.py::test_remove": ["passed"]}
    # test_broken.py's collection error belongs to the shard that is handed it: this session passed.
    assert result.ret == 0


def test_a_process_handed_nothing_runs_nothing(pytester: pytest.Pytester, shop: Path, monkeypatch: pytest.MonkeyPatch):
    worker = FakeWorker([])
    result = run(pytester, worker, monkeypatch)
    assert not (pytester.path / "progress.jsonl").read_text().strip()
    assert "session up" not in (shop.read_text() if shop.exists() else "")
    assert result.ret == 0
