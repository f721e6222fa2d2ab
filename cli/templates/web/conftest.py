"""Fixtures shared by every test: the web application under test.

`browser` (a Selenium WebDriver), `qatron_page` and `qatron_env` come from the `qatron` framework
package, which QAtron installs into every run (see README.md to install it locally). `base_url` is
the framework's, the environment's base URL (`QATRON_BASE_URL`), with one difference: when the
environment has none, this repository serves its own `site/` on 127.0.0.1 instead of skipping, so
the tests run out of the box against a Selenium Grid on the same machine (QAtron's embedded stack)
or a local Chromium.
"""

import functools
import http.server
import threading
from pathlib import Path

import pytest

SITE = Path(__file__).parent / "site"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves `site/` without logging every request into the test output."""

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def base_url(qatron_env):
    """The environment's base URL, else `site/` served on a free port of 127.0.0.1 for the session."""
    configured = qatron_env.get("base_url", "").strip()
    if configured:
        yield configured
        return
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, name="site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
