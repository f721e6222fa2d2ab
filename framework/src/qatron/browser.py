"""The ``browser`` fixture: a Selenium WebDriver for UI tests.

With ``SELENIUM_REMOTE_URL`` the browser runs on the Selenium Grid (``QATRON_BROWSER`` chrome,
firefox or edge); without it, a local headless Chromium through chromedriver. The driver path is
always given explicitly, so Selenium Manager never tries to download a driver or a browser (workers
often have no internet access).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, Tuple

import pytest

REMOTE_URL_VARIABLE = "SELENIUM_REMOTE_URL"
BROWSER_VARIABLE = "QATRON_BROWSER"
HEADED_VARIABLE = "QATRON_HEADED"
ARTIFACTS_VARIABLE = "QATRON_ARTIFACTS_DIR"

REMOTE_BROWSERS = ("chrome", "firefox", "edge")
WINDOW_SIZE = (1366, 900)

# Headless Chromium as root in a container, quiet on a closed network: without the background
# networking flags Chromium keeps calling Google's services and logging refused connections.
CHROMIUM_ARGUMENTS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    f"--window-size={WINDOW_SIZE[0]},{WINDOW_SIZE[1]}",
)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
DEBIAN_CHROMIUM = "/usr/bin/chromium"
DEBIAN_CHROMEDRIVER = "/usr/bin/chromedriver"


class BrowserUnavailable(Exception):
    """No browser could be started; the message says what is missing, on one line."""


def _headed(environ: Mapping[str, str]) -> bool:
    return environ.get(HEADED_VARIABLE, "").strip().lower() in ("1", "true", "yes")


def _one_line(error: BaseException) -> str:
    # urllib3's MaxRetryError wraps the useful part (connection refused) in its ``reason``;
    # WebDriverException appends a documentation link to its ``msg``.
    reason = getattr(error, "reason", None)
    text = str(reason if isinstance(reason, BaseException) else getattr(error, "msg", None) or error)
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(error).__name__)
    return first.split("; For documentation on this error", 1)[0][:300]


def browser_name(environ: Mapping[str, str]) -> str:
    name = environ.get(BROWSER_VARIABLE, "").strip().lower() or "chrome"
    if name == "chromium":
        name = "chrome"
    if name not in REMOTE_BROWSERS:
        raise BrowserUnavailable(f"{BROWSER_VARIABLE}={name!r} is not supported: use one of {', '.join(REMOTE_BROWSERS)}")
    return name


def remote_options(name: str, headed: bool) -> Any:
    """The W3C options for ``name`` on a Selenium Grid, headless unless ``headed``."""
    from selenium import webdriver

    if name == "firefox":
        options = webdriver.FirefoxOptions()
        if not headed:
            options.add_argument("-headless")
        options.add_argument(f"-width={WINDOW_SIZE[0]}")
        options.add_argument(f"-height={WINDOW_SIZE[1]}")
        return options
    options = webdriver.EdgeOptions() if name == "edge" else webdriver.ChromeOptions()
    if not headed:
        options.add_argument("--headless=new")
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    return options


def _find_executable(environ: Mapping[str, str], variable: str, names: Tuple[str, ...], debian_path: str) -> Optional[str]:
    configured = environ.get(variable, "").strip()
    search_path = environ.get("PATH", os.defpath)
    if configured:
        return configured if os.sep in configured else (shutil.which(configured, path=search_path) or configured)
    for name in names:
        found = shutil.which(name, path=search_path)
        if found:
            return found
    return debian_path if os.access(debian_path, os.X_OK) else None


def local_chromium(environ: Mapping[str, str]) -> Tuple[str, str]:
    """``(chromium binary, chromedriver)``: the configured ones, else found on PATH or Debian's."""
    binary = _find_executable(environ, "CHROME_BINARY", CHROMIUM_NAMES, DEBIAN_CHROMIUM)
    driver = _find_executable(environ, "CHROMEDRIVER_PATH", ("chromedriver",), DEBIAN_CHROMEDRIVER)
    hint = f"or set {REMOTE_URL_VARIABLE} to use a Selenium Grid"
    if driver is None:
        raise BrowserUnavailable(f"no browser: chromedriver not found (install chromium-driver, put chromedriver on PATH or set CHROMEDRIVER_PATH), {hint}")
    if not os.access(driver, os.X_OK):
        raise BrowserUnavailable(f"no browser: chromedriver {driver} is not an executable file (CHROMEDRIVER_PATH), {hint}")
    if binary is None:
        raise BrowserUnavailable(f"no browser: Chromium not found (install chromium, put it on PATH or set CHROME_BINARY), {hint}")
    if not os.access(binary, os.X_OK):
        raise BrowserUnavailable(f"no browser: Chromium {binary} is not an executable file (CHROME_BINARY), {hint}")
    return binary, driver


def start_browser(environ: Mapping[str, str]) -> Any:
    """A new WebDriver session as configured by ``environ``.

    :raises BrowserUnavailable: selenium is missing, the configuration is wrong, or the browser
        or grid refused to start a session.
    """
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise BrowserUnavailable("no browser: the selenium package is not installed: add selenium to the test repository's requirements (or pip install 'qatron[browser]')") from None

    headed = _headed(environ)
    remote_url = environ.get(REMOTE_URL_VARIABLE, "").strip()
    if remote_url:
        name = browser_name(environ)
        try:
            return webdriver.Remote(command_executor=remote_url, options=remote_options(name, headed))
        except Exception as error:  # noqa: BLE001 - any failure here means "no browser", said in one line
            raise BrowserUnavailable(f"cannot start {name} on the Selenium Grid at {remote_url} ({REMOTE_URL_VARIABLE}): {_one_line(error)}") from error

    name = browser_name(environ)
    if name != "chrome":
        raise BrowserUnavailable(f"{BROWSER_VARIABLE}={name} needs a Selenium Grid ({REMOTE_URL_VARIABLE}): local runs use Chromium")
    binary, driver = local_chromium(environ)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    if not headed:
        options.add_argument("--headless=new")
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    try:
        return webdriver.Chrome(options=options, service=Service(executable_path=driver))
    except Exception as error:  # noqa: BLE001 - as above
        raise BrowserUnavailable(f"cannot start Chromium {binary} with chromedriver {driver}: {_one_line(error)}") from error


def page_url(base_url: str, path: str) -> str:
    """``path`` under ``base_url`` (keeping the base's own path); absolute URLs are returned as is."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", path):
        return path
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def _safe_file_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", nodeid).strip("_")[:150] or "test"


def _free_stem(directory: Path, nodeid: str) -> str:
    """The test id as a file name stem that neither a screenshot nor a page of an earlier attempt has."""
    stem = _safe_file_name(nodeid)
    candidate = stem
    attempt = 1
    while (directory / "screenshots" / f"{candidate}.png").exists() or (directory / "pages" / f"{candidate}.html").exists():
        attempt += 1
        candidate = f"{stem}-{attempt}"
    return candidate


def save_evidence(directory: Path, nodeid: str, png: Optional[bytes], page_source: Optional[str]) -> str:
    """Writes ``screenshots/<stem>.png`` and ``pages/<stem>.html`` under ``directory``, whichever
    was captured, with one stem for both (so the two of one failure are found together) and never
    over an earlier attempt's. Returns the stem."""
    stem = _free_stem(directory, nodeid)
    if png is not None:
        (directory / "screenshots").mkdir(parents=True, exist_ok=True)
        (directory / "screenshots" / f"{stem}.png").write_bytes(png)
    if page_source is not None:
        (directory / "pages").mkdir(parents=True, exist_ok=True)
        (directory / "pages" / f"{stem}.html").write_text(page_source, encoding="utf-8")
    return stem


DRIVER_KEY = pytest.StashKey[Any]()
"""The ``browser`` fixture's driver on the test item, for the screenshot on failure."""


def _capture(item: pytest.Item, what: str, read: Callable[[], Any]) -> Any:
    try:
        return read()
    except Exception as error:  # noqa: BLE001 - the browser may be what broke; the test already failed
        item.warn(pytest.PytestWarning(f"qatron: no {what} of the failed test: {_one_line(error)}"))
        return None


def _attach_to_allure(png: Optional[bytes], page_source: Optional[str]) -> None:
    try:
        import allure
    except ImportError:
        return
    if png is not None:
        allure.attach(png, name="screenshot", attachment_type=allure.attachment_type.PNG)
    if page_source is not None:
        allure.attach(page_source, name="page source", attachment_type=allure.attachment_type.HTML)


def capture_failure(item: pytest.Item, environ: Mapping[str, str]) -> None:
    """Screenshot and page source of a failed test's browser: attached to Allure and saved to the
    artifacts (``screenshots/<stem>.png``, ``pages/<stem>.html``). Each is captured on its own, so
    a page that cannot be screenshot still leaves its HTML, and the reverse."""
    driver = item.stash.get(DRIVER_KEY, None)
    if driver is None:
        return
    png = _capture(item, "screenshot", driver.get_screenshot_as_png)
    page_source = _capture(item, "page source", lambda: driver.page_source)
    if png is None and page_source is None:
        return
    _attach_to_allure(png, page_source)
    artifacts = environ.get(ARTIFACTS_VARIABLE, "").strip()
    if artifacts:
        save_evidence(Path(artifacts), item.nodeid, png, page_source)


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A Selenium WebDriver: on ``SELENIUM_REMOTE_URL`` when set, else a local headless Chromium.

    The test fails with one line naming what is missing when no browser can be started. On a
    failure the page is captured (Allure attachments, ``QATRON_ARTIFACTS_DIR/screenshots`` and
    ``QATRON_ARTIFACTS_DIR/pages``); the driver is always quit.
    """
    unavailable: Optional[str] = None
    try:
        driver = start_browser(os.environ)
    except BrowserUnavailable as error:
        unavailable = str(error)
    if unavailable is not None:
        # Outside the except block, so pytest prints the one line and no chained traceback.
        pytest.fail(unavailable, pytrace=False)
    request.node.stash[DRIVER_KEY] = driver
    try:
        yield driver
    finally:
        del request.node.stash[DRIVER_KEY]
        try:
            driver.quit()
        except Exception as error:  # noqa: BLE001 - a dead session must not turn a result into an error
            request.node.warn(pytest.PytestWarning(f"qatron: quitting the browser failed: {_one_line(error)}"))


@pytest.fixture
def qatron_page(browser: Any, base_url: str) -> Callable[[str], Any]:
    """``qatron_page("/login")`` opens a path under the environment's base URL and returns the driver."""

    def open_page(path: str = "/") -> Any:
        browser.get(page_url(base_url, path))
        return browser

    return open_page
