"""The API docs offline: `supplymap --database NAME serve` in a real process, /docs (Swagger UI)
and /redoc (ReDoc) opened in headless Chromium with the network blocked. Both must list the
endpoints, and every request the pages make must go to the service itself: the assets come
from the fastapi-offline package, not from a CDN.

Skipped, with the reason, where Chromium is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pagedriver import Chromium, find_chromium
from served import serve, server_env

from kg.connection import Graph

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.skipif(
        find_chromium() is None,
        reason="Chromium is not installed: apt-get install -y chromium (make test does it as root)",
    ),
]


@pytest.fixture(scope="module")
def served(server: Any, graph: Graph) -> Iterator[str]:
    with serve(["--database", graph.database], server_env(server)) as base:
        yield base


@pytest.fixture
def browser(served: str) -> Iterator[Chromium]:
    # The docs page may reach the service on 127.0.0.1 and nothing else.
    with Chromium(width=1400, height=1000, allow=(served,)) as chromium:
        yield chromium


def _outside(browser: Chromium, served: str) -> set[str]:
    """Requests to anywhere but the service (data: and blob: URLs are the page's own)."""
    return {u for u in browser.report.requests if not u.startswith((served, "data:", "blob:"))}


# ReDoc's "API docs by Redocly" footer draws its logo from redocly's site; offline that image
# is simply missing (the request is blocked), and nothing else reaches out.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_serve_uses_the_global_database(served: str, graph: Graph) -> None:
    health = httpx.get(served + "/health", timeout=30).json()
    assert health["engine"]["database"] == graph.database


def test_swagger_ui_and_redoc_show_the_endpoints_offline(served: str, browser: Chromium) -> None:
    if True:
        browser.open_url(served + "/docs")
        try:
            count = browser.wait_for("document.querySelectorAll('.opblock').length", timeout=20)
        except Exception:
            browser.pump(0.5)
            r = browser.report
            raise AssertionError(([u[:100] for u in r.requests], r.console, r.exceptions)) from None
        paths = browser.evaluate(
            "Array.from(document.querySelectorAll('.opblock-summary-path'))"
            ".map(e => e.textContent.trim())"
        )
        browser.pump(0.5)
        assert count > 10
        assert {"/chains", "/enterprises/{id}/suppliers", "/scenarios/disruption"} <= set(paths)
        assert browser.report.requests and _outside(browser, served) == set()
        assert any(
            "/static-offline-docs/swagger-ui-bundle.js" in u for u in browser.report.requests
        )

        browser.open_url(served + "/redoc")
        browser.wait_for(
            "document.body && document.body.innerText.includes('List the chains')", timeout=60
        )
        text = browser.evaluate("document.body.innerText")
        browser.pump(0.5)
        assert "/scenarios/disruption" in text or "What removing enterprises" in text
        assert _outside(browser, served) <= {REDOC_LOGO}
        assert any("/static-offline-docs/redoc.standalone.js" in u for u in browser.report.requests)
        # and the network is blocked: any other host is refused
        browser.open_url("http://example.com/")
        assert browser.report.requests == ["http://example.com/"]
