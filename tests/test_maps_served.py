"""Explore from a served map: `supplymap serve` over the shipped sample, with keyed reads, an
enterprise map opened in headless Chromium that may reach the service and nothing else. A click
on a supplier of the last tier asks GET /enterprises/{id}/suppliers (material-following from
the enterprise mapped) and draws its own suppliers, which the page did not embed; a person
whose requests do not carry the key is asked for it; errors show in the page as text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from apiclient import KEY
from maps_fixtures import IMG
from maps_pages import READY, call, node_index, node_point, screenshots
from pagedriver import Chromium, find_chromium
from playwright.sync_api import Route
from served import serve, server_env

from kg.connection import Graph
from kg.tiers import lookup
from loaders.pipeline import Loader, LoadOptions
from loaders.sample import sample_files

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.skipif(
        find_chromium() is None,
        reason="Chromium is not installed: apt-get install -y chromium (make test does it as root)",
    ),
]

SAMPLE = Path(__file__).parent.parent / "loaders" / "sample" / "data"


@pytest.fixture(scope="module")
def sample(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sample_files(SAMPLE), LoadOptions())
    assert {r.status for r in reports} == {"completed"}, [r.message for r in reports]
    return graph


@pytest.fixture(scope="module")
def served(server: Any, sample: Graph) -> Iterator[str]:
    env = server_env(server, SUPPLYMAP_API_KEYS=KEY, SUPPLYMAP_API_READ_OPEN="false")
    with serve(["--database", sample.database], env) as base:
        yield base


@pytest.fixture(scope="module")
def case(sample: Graph) -> tuple[str, str, set[str], set[str]]:
    """An N95 maker, its tier-1 supplier with the most suppliers of its own at tier 2 (the
    material-following walk from the maker), those suppliers, and every tier-1 id."""
    makers = sample.query(
        "MATCH (e:Enterprise)-[:PRODUCES]->(:Product {id: 'N95'}) "
        "WHERE EXISTS { (:Enterprise)-[:SUPPLIES]->(e) } RETURN e.id AS id ORDER BY id"
    )
    for row in makers:
        hits = lookup(sample, row["id"], "upstream", 2, "enterprise").hits
        first = {h.id for h in hits if h.tier == 1}
        theirs: dict[str, set[str]] = {}
        for h in hits:
            if h.tier == 2:
                for link in h.links:
                    theirs.setdefault(link.customer, set()).add(h.id)
        if theirs:
            best = max(sorted(theirs), key=lambda k: len(theirs[k]))
            return row["id"], best, theirs[best], first
    raise AssertionError("the sample has no N95 maker with tier-2 suppliers")


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots(tmp_path_factory)


@pytest.fixture
def browser(served: str) -> Iterator[Chromium]:
    with Chromium(width=1400, height=900, allow=(served,)) as chromium:
        yield chromium


def _map_url(served: str, maker: str) -> str:
    return f"{served}/enterprises/{maker}/map?tiers=1"


def _open(browser: Chromium, url: str) -> None:
    browser.open_url(url)
    browser.wait_for(READY, timeout=90)
    browser.pump(0.2)


def _ids(browser: Chromium) -> set[str]:
    ids = call(browser, "() => window.supplymapMap.data.search.map(s => s[1])")
    return set(ids)


def _click(browser: Chromium, graph_id: str) -> int:
    index = node_index(browser, graph_id)
    # centre the node first: a tier of the sample is taller than the window
    call(
        browser,
        "(i) => window.supplymapMap.network.focus(i, {scale: 1.2, animation: false})",
        index,
    )
    browser.pump(0.2)
    browser.click(*node_point(browser, index))
    return index


def _status(browser: Chromium, timeout: float = 60) -> dict[str, Any]:
    browser.wait_for(
        "window.supplymapMap.status && !window.supplymapMap.status.text.startsWith('Asking')",
        timeout=timeout,
    )
    status = call(
        browser,
        """() => ({
            state: window.supplymapMap.status,
            shown: !document.getElementById('map-status').hidden,
            text: document.getElementById('map-status-text').textContent,
            children: document.querySelectorAll('#map-status-text *').length,
            keyBox: !document.getElementById('map-key').hidden,
            dialogs: window.__dialogs,
        })""",
    )
    assert isinstance(status, dict)
    return status


def test_customers_downstream_too(served: str, browser: Chromium, sample: Graph) -> None:
    """A customers' map: a click on a tier-1 customer adds its own customers at tier 2 (those
    that buy something made from what it bought), on the right."""
    picked = None
    for row in sample.query(
        "MATCH (e:Enterprise)-[:SUPPLIES]->(:Enterprise)-[:SUPPLIES]->(:Enterprise) "
        "RETURN DISTINCT e.id AS id ORDER BY id LIMIT 20"
    ):
        hits = lookup(sample, row["id"], "downstream", 2, "enterprise").hits
        theirs: dict[str, set[str]] = {}
        for h in hits:
            if h.tier == 2:
                for link in h.links:
                    theirs.setdefault(link.supplier, set()).add(h.id)
        if theirs:
            best = max(sorted(theirs), key=lambda k: len(theirs[k]))
            picked = (row["id"], best, theirs[best], {h.id for h in hits if h.tier == 1})
            break
    assert picked is not None, "the sample has no enterprise with tier-2 customers"
    root, customer, expected, first = picked
    browser.page.set_extra_http_headers({"X-API-Key": KEY})
    _open(browser, f"{served}/enterprises/{root}/map?tiers=1&direction=downstream")
    assert _ids(browser) == {root} | first
    index = _click(browser, customer)
    status = _status(browser)
    assert not status["state"]["error"], status
    new = _ids(browser) - ({root} | first)
    assert new == expected - first
    right = call(
        browser,
        """([i, ids]) => { const m = window.supplymapMap, d = m.data;
            const x = m.network.getPositions([i])[i].x;
            return ids.map(id => d.search.findIndex(s => s[1] === id))
                      .every(j => m.network.getPositions([j])[j].x > x); }""",
        [index, sorted(new)],
    )
    assert right is True
    asked = [u for u in browser.report.requests if "/customers?" in u]
    assert asked and all(u.startswith(f"{served}/enterprises/{root}/customers?") for u in asked)


def _outside(browser: Chromium, served: str) -> list[str]:
    return [u for u in browser.report.requests if not u.startswith((served, "data:", "blob:"))]


def test_a_click_fetches_the_next_tier_from_the_api(
    served: str, browser: Chromium, case: tuple[str, str, set[str], set[str]], shots: Path
) -> None:
    maker, supplier, expected, first = case
    url = _map_url(served, maker)
    response = httpx.get(url, headers={"X-API-Key": KEY}, timeout=60)
    assert response.status_code == 200
    assert "connect-src 'self'" in response.headers["content-security-policy"]
    assert "connect-src &#x27;self&#x27;" in response.text  # the page's own policy agrees
    assert KEY not in response.text
    # the person's requests carry the key (a proxy or extension adds it): so do the page's
    browser.page.set_extra_http_headers({"X-API-Key": KEY})
    _open(browser, url)
    before = _ids(browser)
    assert before == {maker} | first  # nothing beyond tier 1 is embedded
    assert expected - first and not (expected - first) & before
    tips = call(browser, "() => window.supplymapMap.data.tips")
    index = node_index(browser, supplier)
    assert "click to fetch its suppliers in the next tier from the server" in tips[index]

    _click(browser, supplier)
    status = _status(browser)
    assert not status["state"]["error"], status
    after = _ids(browser)
    assert after - before == expected - first
    # each new supplier is drawn, linked to the supplier clicked
    shown = call(
        browser,
        """(i) => {
            const m = window.supplymapMap, d = m.data, out = [];
            for (let k = 0; k < d.links.from.length; k++) {
                if (m.linkShown(k) && d.links.to[k] === i) out.push(d.search[d.links.from[k]][1]);
            }
            const hidden = d.nodes.filter((_, j) => m.hidden[j]).length;
            return {from: out, hidden: hidden, vis: m.nodes.length, nodes: d.nodes.length};
        }""",
        index,
    )
    assert set(shown["from"]) >= expected - first
    assert shown["hidden"] == 0 and shown["vis"] == shown["nodes"] == len(after)
    # the requests went to the tiered route, material-following, and nowhere else
    asked = [u for u in browser.report.requests if "/suppliers?" in u]
    assert asked and all(
        u.startswith(f"{served}/enterprises/{maker}/suppliers?") and "walk=material" in u
        for u in asked
    )
    assert _outside(browser, served) == []
    problems = [c for c in browser.report.console if c.startswith(("error", "warning"))]
    assert problems == [] and browser.report.exceptions == []
    browser.screenshot(shots / "served-explore.png")
    # a fetched supplier can be explored further in turn
    fetched = sorted(expected - first)[0]
    assert (
        call(browser, "(i) => window.supplymapMap.data.nodes[i].more", node_index(browser, fetched))
        == 2
    )


def test_the_page_asks_for_the_key_when_the_service_wants_one(
    served: str, browser: Chromium, case: tuple[str, str, set[str], set[str]]
) -> None:
    maker, supplier, expected, first = case
    url = _map_url(served, maker)

    # the key reaches the service with the page itself only (say, typed into a client that
    # fetched the page): the page's own requests are refused, and it asks for the key
    def with_key(route: Route) -> None:
        route.continue_(headers={**route.request.headers, "x-api-key": KEY})

    browser.page.route(lambda u: u == url, with_key)
    _open(browser, url)
    _click(browser, supplier)
    status = _status(browser)
    assert status["state"]["error"] and status["keyBox"], status
    assert "401" in status["text"] and "API key" in status["text"]
    browser.page.fill("#map-key input", KEY)
    browser.page.click("#map-key button")
    browser.wait_for("window.supplymapMap.lastExpanded", timeout=60)
    status = _status(browser)
    assert not status["state"]["error"] and not status["keyBox"], status
    assert _ids(browser) - ({maker} | first) == expected - first
    # the key is nowhere in the document
    assert not call(browser, "(k) => document.documentElement.outerHTML.includes(k)", KEY)
    assert _outside(browser, served) == []


def test_errors_show_in_the_page_as_text(
    served: str, browser: Chromium, case: tuple[str, str, set[str], set[str]]
) -> None:
    maker, supplier, expected, first = case
    browser.page.set_extra_http_headers({"X-API-Key": KEY})

    def failing(route: Route) -> None:
        problem = {
            "type": "about:blank",
            "title": "graph unavailable",
            "detail": IMG,
            "status": 503,
        }
        route.fulfill(status=503, content_type="application/problem+json", body=json.dumps(problem))

    browser.page.route(lambda u: "/suppliers?" in u, failing)
    _open(browser, _map_url(served, maker))
    _click(browser, supplier)
    status = _status(browser)
    assert status["state"]["error"] and status["shown"]
    name = call(
        browser, "(i) => window.supplymapMap.data.search[i][0]", node_index(browser, supplier)
    )
    assert status["text"] == (
        f"Could not fetch the suppliers of {name}: "
        f"the service answered 503 (graph unavailable: {IMG})."
    )
    assert status["children"] == 0 and status["dialogs"] == []
    assert not status["keyBox"]
    # the service is back: the same click now works
    browser.page.unroute_all()
    _click(browser, supplier)  # the same node, still selected
    browser.wait_for("window.supplymapMap.lastExpanded", timeout=60)
    assert _ids(browser) - ({maker} | first) == expected - first
