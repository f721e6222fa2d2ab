"""The browser fixture against a real headless Chromium: local chromedriver, and webdriver.Remote.

chromedriver speaks the W3C WebDriver protocol a Selenium Grid speaks, so a chromedriver started
on a free port stands in for the grid and exercises the ``SELENIUM_REMOTE_URL`` path for real.
"""

import functools
import http.server
import json
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

import qatron.browser
from qatron.browser import DEBIAN_CHROMEDRIVER, BrowserUnavailable, local_chromium, page_url, save_evidence

PAGE = """<!doctype html>
<html><head><title>Shop home</title></head>
<body><h1 id="greeting">Welcome to the shop</h1><a id="cart" href="/cart.html">Cart</a></body></html>
"""
CART = "<!doctype html><html><head><title>Cart</title></head><body><p id='items'>2 items</p></body></html>"

TESTS = """
def test_opens_a_relative_path(qatron_page, base_url):
    browser = qatron_page("/index.html")
    assert browser.title == "Shop home"
    assert browser.find_element("id", "greeting").text == "Welcome to the shop"
    browser.find_element("id", "cart").click()
    assert browser.current_url == base_url + "/cart.html"
    assert browser.find_element("id", "items").text == "2 items"

def test_reports_the_driver(browser):
    print("DRIVER", type(browser).__module__, browser.capabilities["browserName"])
"""

needs_chromium = pytest.mark.skipif(not Path(DEBIAN_CHROMEDRIVER).exists(), reason="needs Debian's chromium and chromium-driver")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def shop_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("site")
    (site / "index.html").write_text(PAGE, encoding="utf-8")
    (site / "cart.html").write_text(CART, encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def remote_url() -> Iterator[str]:
    """A chromedriver on a free port, as a Selenium Grid would be."""
    port = free_port()
    driver = subprocess.Popen([DEBIAN_CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{url}/status", timeout=2) as response:
                    if json.load(response)["value"]["ready"]:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or driver.poll() is not None:
                raise RuntimeError(f"chromedriver did not start on port {port}")
            time.sleep(0.1)
        yield url
    finally:
        driver.terminate()
        driver.wait(10)


@pytest.fixture
def browser_environment(monkeypatch: pytest.MonkeyPatch, shop_url: str) -> None:
    for variable in ("SELENIUM_REMOTE_URL", "QATRON_BROWSER", "QATRON_HEADED", "QATRON_ARTIFACTS_DIR", "CHROME_BINARY", "CHROMEDRIVER_PATH"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("QATRON_BASE_URL", shop_url)


@needs_chromium
def test_local_headless_chromium_opens_pages_under_the_base_url(pytester: pytest.Pytester, browser_environment: None, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CHROMEDRIVER_PATH", DEBIAN_CHROMEDRIVER)
    pytester.makepyfile(TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-s")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*DRIVER selenium.webdriver.chrome.webdriver chrome"])


@needs_chromium
def test_selenium_remote_url_drives_the_browser_through_webdriver_remote(pytester: pytest.Pytester, browser_environment: None, monkeypatch: pytest.MonkeyPatch, remote_url: str):
    monkeypatch.setenv("SELENIUM_REMOTE_URL", remote_url)
    monkeypatch.setenv("QATRON_BROWSER", "chrome")
    # The local driver would fail: only the remote one can pass this test.
    monkeypatch.setenv("CHROMEDRIVER_PATH", "/nonexistent/chromedriver")
    pytester.makepyfile(TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-s")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*DRIVER selenium.webdriver.remote.webdriver chrome"])


@needs_chromium
def test_a_failed_test_leaves_a_screenshot_and_the_page_source_in_the_artifacts_and_in_allure(pytester: pytest.Pytester, browser_environment: None, monkeypatch: pytest.MonkeyPatch):
    artifacts = pytester.path / "artifacts"
    monkeypatch.setenv("QATRON_ARTIFACTS_DIR", str(artifacts))
    pytester.makepyfile(
        test_shop="""
        def test_wrong_title(qatron_page):
            browser = qatron_page("index.html")
            browser.find_element("id", "cart").click()
            browser.execute_script("document.getElementById('items').textContent = '3 items, changed by the test'")
            assert browser.title == "Checkout"

        def test_right_title(qatron_page):
            assert qatron_page("index.html").title == "Shop home"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--alluredir=allure")
    result.assert_outcomes(passed=1, failed=1)
    assert sorted(str(p.relative_to(artifacts)) for p in artifacts.rglob("*") if p.is_file()) == [
        "pages/test_shop.py_test_wrong_title.html",
        "screenshots/test_shop.py_test_wrong_title.png",
    ]
    assert (artifacts / "screenshots" / "test_shop.py_test_wrong_title.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The page as it was when the test failed: the DOM after the click and the script, not the file served.
    page = (artifacts / "pages" / "test_shop.py_test_wrong_title.html").read_text(encoding="utf-8")
    assert "<title>Cart</title>" in page
    assert "3 items, changed by the test" in page
    results = {r["name"]: r for r in (json.loads(p.read_text()) for p in (pytester.path / "allure").glob("*-result.json"))}
    assert results["test_wrong_title"]["status"] == "failed"
    attachments = results["test_wrong_title"]["attachments"]
    assert [(a["name"], a["type"]) for a in attachments] == [("screenshot", "image/png"), ("page source", "text/html")]
    assert (pytester.path / "allure" / attachments[0]["source"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (pytester.path / "allure" / attachments[1]["source"]).read_text(encoding="utf-8") == page
    assert results["test_right_title"].get("attachments", []) == []


def test_evidence_of_one_failure_shares_a_stem_and_never_overwrites_an_earlier_attempt(tmp_path: Path):
    nodeid = "tests/test_ui.py::test_sign_in[ada lovelace]"
    assert save_evidence(tmp_path, nodeid, b"png 1", "<html>1</html>") == "tests_test_ui.py_test_sign_in_ada_lovelace"
    # A retry of the same test: both files move to the next free stem together.
    assert save_evidence(tmp_path, nodeid, b"png 2", "<html>2</html>") == "tests_test_ui.py_test_sign_in_ada_lovelace-2"
    # Only the page was captured the third time (the screenshot failed): its stem is still free of both.
    assert save_evidence(tmp_path, nodeid, None, "<html>3</html>") == "tests_test_ui.py_test_sign_in_ada_lovelace-3"
    assert save_evidence(tmp_path, nodeid, b"png 4", None) == "tests_test_ui.py_test_sign_in_ada_lovelace-4"
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == [
        "pages/tests_test_ui.py_test_sign_in_ada_lovelace-2.html",
        "pages/tests_test_ui.py_test_sign_in_ada_lovelace-3.html",
        "pages/tests_test_ui.py_test_sign_in_ada_lovelace.html",
        "screenshots/tests_test_ui.py_test_sign_in_ada_lovelace-2.png",
        "screenshots/tests_test_ui.py_test_sign_in_ada_lovelace-4.png",
        "screenshots/tests_test_ui.py_test_sign_in_ada_lovelace.png",
    ]
    assert (tmp_path / "pages" / "tests_test_ui.py_test_sign_in_ada_lovelace-2.html").read_text(encoding="utf-8") == "<html>2</html>"
    assert (tmp_path / "screenshots" / "tests_test_ui.py_test_sign_in_ada_lovelace-4.png").read_bytes() == b"png 4"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param(
            {"CHROMEDRIVER_PATH": "/nonexistent/chromedriver"},
            "no browser: chromedriver /nonexistent/chromedriver is not an executable file (CHROMEDRIVER_PATH), or set SELENIUM_REMOTE_URL to use a Selenium Grid",
            id="chromedriver-missing",
        ),
        pytest.param(
            {"CHROME_BINARY": "/nonexistent/chromium", "CHROMEDRIVER_PATH": "/bin/true"},
            "no browser: Chromium /nonexistent/chromium is not an executable file (CHROME_BINARY), or set SELENIUM_REMOTE_URL to use a Selenium Grid",
            id="chromium-missing",
        ),
        pytest.param(
            {"CHROME_BINARY": "/bin/true", "CHROMEDRIVER_PATH": DEBIAN_CHROMEDRIVER},
            f"cannot start Chromium /bin/true with chromedriver {DEBIAN_CHROMEDRIVER}: session not created: *",
            marks=needs_chromium,
            id="chromium-exits",
        ),
        pytest.param(
            {"SELENIUM_REMOTE_URL": "http://127.0.0.1:{closed}"},
            "cannot start chrome on the Selenium Grid at http://127.0.0.1:* (SELENIUM_REMOTE_URL): *Connection refused",
            id="grid-unreachable",
        ),
        pytest.param(
            {"SELENIUM_REMOTE_URL": "http://127.0.0.1:{closed}", "QATRON_BROWSER": "safari"},
            "QATRON_BROWSER='safari' is not supported: use one of chrome, firefox, edge",
            id="unsupported-browser",
        ),
        pytest.param(
            {"QATRON_BROWSER": "firefox"},
            "QATRON_BROWSER=firefox needs a Selenium Grid (SELENIUM_REMOTE_URL): local runs use Chromium",
            id="firefox-without-grid",
        ),
    ],
)
def test_no_browser_is_one_line_naming_what_is_missing(pytester: pytest.Pytester, browser_environment: None, monkeypatch: pytest.MonkeyPatch, settings: dict, message: str):
    for name, value in settings.items():
        monkeypatch.setenv(name, value.replace("{closed}", str(free_port())))
    pytester.makepyfile("def test_ui(browser):\n    raise AssertionError('must not run')\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    # The message alone on its line (no traceback, no chained exception), then the summary.
    result.stdout.fnmatch_lines(["*ERROR at setup of test_ui*", message, "=*short test summary info*"])
    assert "must not run" not in result.stdout.str()
    assert "During handling" not in result.stdout.str()


def test_chromium_and_chromedriver_are_found_on_path_else_named_as_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(qatron.browser, "DEBIAN_CHROMIUM", str(tmp_path / "debian" / "chromium"))
    monkeypatch.setattr(qatron.browser, "DEBIAN_CHROMEDRIVER", str(tmp_path / "debian" / "chromedriver"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    environ = {"PATH": str(bin_dir)}

    def install(name: str) -> str:
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
        return str(bin_dir / name)

    with pytest.raises(BrowserUnavailable, match=r"^no browser: chromedriver not found \(install chromium-driver, put chromedriver on PATH or set CHROMEDRIVER_PATH\), or set SELENIUM_REMOTE_URL"):
        local_chromium(environ)
    driver = install("chromedriver")
    with pytest.raises(BrowserUnavailable, match=r"^no browser: Chromium not found \(install chromium, put it on PATH or set CHROME_BINARY\)"):
        local_chromium(environ)
    chromium = install("chromium-browser")
    assert local_chromium(environ) == (chromium, driver)
    # A configured name is looked up on PATH too.
    assert local_chromium({**environ, "CHROME_BINARY": "chromium-browser"}) == (chromium, driver)
    with pytest.raises(BrowserUnavailable, match=r"^no browser: Chromium /opt/chrome/chrome is not an executable file \(CHROME_BINARY\)"):
        local_chromium({**environ, "CHROME_BINARY": "/opt/chrome/chrome"})


def test_page_url_keeps_the_base_path():
    assert page_url("https://shop.test/app/", "/login") == "https://shop.test/app/login"
    assert page_url("https://shop.test/app", "cart?x=1") == "https://shop.test/app/cart?x=1"
    assert page_url("https://shop.test/app", "https://other.test/") == "https://other.test/"
