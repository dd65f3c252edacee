"""The maps in headless Chromium with the network blocked: they draw every node the page's
data holds, make no request, run no injected script, and look like a map (screenshots).

Set SUPPLYMAP_SCREENSHOTS=DIR to keep the screenshots; otherwise they go to pytest's temporary
directory. Skipped, with the reason, where Chromium is not installed (`make test` installs it
when it can).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from maps_fixtures import (
    EVIL_CHAIN,
    EVIL_PRODUCT,
    EVIL_REGION,
    IMG,
    JS_STRING,
    SCRIPT_END,
    SHENZHEN,
    SUZHOU,
    load_canonical,
    load_evil,
    load_synthetic,
    set_results,
)

from kg.connection import Graph
from kg.maps import Impact, chain_map_html, disruption_map_html, enterprise_map_html
from kg.maps.headless import Chromium, find_chromium

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.skipif(
        find_chromium() is None,
        reason="Chromium is not installed: apt-get install -y chromium (make test does it as root)",
    ),
]

READY = "window.supplymapMap && window.supplymapMap.ready"
SYNTHETIC = "synthetic"


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> tuple[Graph, int]:
    load_canonical(graph)
    set_results(graph)
    load_evil(graph)
    return graph, load_synthetic(graph, SYNTHETIC, 500)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = os.environ.get("SUPPLYMAP_SCREENSHOTS")
    if where:
        path = Path(where)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium(width=1600, height=1000) as chromium:
        yield chromium


def open_map(browser: Chromium, html: str, path: Path) -> dict[str, object]:
    """Open a page offline, wait until drawn, and check what every map must satisfy."""
    path.write_text(html, encoding="utf-8")
    browser.open(path)
    browser.wait_for(READY, timeout=90)
    browser.pump(0.3)
    state = browser.evaluate(
        """(() => {
        const m = window.supplymapMap;
        const canvas = document.querySelector('#map canvas');
        const ctx = canvas.getContext('2d');
        const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let inked = 0;
        for (let i = 0; i < px.length; i += 4 * 7) {
          if (px[i + 3] > 0 && (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200)) inked++;
        }
        return {
          drawn: m.drawnNodes, drawnEdges: m.drawnEdges,
          dataNodes: m.data.nodes.length, dataEdges: m.data.links.from.length,
          datasetNodes: m.nodes.length,
          inked: inked,
          dialogs: window.__dialogs,
          foreign: document.querySelectorAll('img, svg, iframe, object, embed, link, base').length,
          scripts: document.scripts.length,
          h1: document.querySelector('h1').textContent,
          title: document.title,
        };
    })()"""
    )
    assert isinstance(state, dict)
    assert browser.report.requests == [path.resolve().as_uri()], browser.report.requests
    assert browser.report.exceptions == []
    assert browser.report.dialogs == [] and state["dialogs"] == []
    problems = [c for c in browser.report.console if c.startswith(("error", "warning"))]
    assert problems == [], problems
    assert state["foreign"] == 0 and state["scripts"] == 3
    assert state["drawn"] == state["dataNodes"] == state["datasetNodes"]
    assert state["drawnEdges"] == state["dataEdges"]
    assert isinstance(state["inked"], int) and state["inked"] > 50  # the canvas has a drawing
    browser.screenshot(path.with_suffix(".png"))
    return state


def test_chain_map_draws_offline(browser: Chromium, loaded: tuple[Graph, int], shots: Path) -> None:
    graph, _ = loaded
    state = open_map(browser, chain_map_html(graph, "medical-supplies"), shots / "chain.html")
    assert (state["drawn"], state["drawnEdges"]) == (10, 16)
    assert state["h1"] == "Medical supplies"


def test_enterprise_and_disruption_maps_draw(
    browser: Chromium, loaded: tuple[Graph, int], shots: Path
) -> None:
    graph, _ = loaded
    state = open_map(browser, enterprise_map_html(graph, SHENZHEN, 3), shots / "enterprise.html")
    assert (state["drawn"], state["drawnEdges"]) == (5, 5)
    impact = Impact(removed_enterprises=(SUZHOU,), reduced=(("MB-FABRIC", 0.27), ("N95", 0.27)))
    state = open_map(browser, disruption_map_html(graph, impact), shots / "disruption.html")
    assert (state["drawn"], state["drawnEdges"]) == (10, 16)


def test_thousand_node_map_and_its_aggregate(
    browser: Chromium, loaded: tuple[Graph, int], shots: Path
) -> None:
    graph, expected = loaded
    state = open_map(browser, chain_map_html(graph, SYNTHETIC), shots / "synthetic.html")
    assert state["drawn"] == expected and expected > 1000
    found = browser.evaluate(
        "(() => { const i = supplymapMap.find('Maker 7 of'); supplymapMap.go(i[0]);"
        " return supplymapMap.data.search[supplymapMap.lastFound][0]; })()"
    )
    assert isinstance(found, str) and found.startswith("Maker 7 of")
    html = chain_map_html(graph, SYNTHETIC, max_nodes=300)
    state = open_map(browser, html, shots / "synthetic-aggregated.html")
    assert isinstance(state["drawn"], int) and state["drawn"] <= 300
    note = browser.evaluate("document.querySelector('.notes').textContent")
    assert "Aggregated:" in note and "enterprises are folded" in note


def test_injection_shows_as_text_and_runs_nothing(
    browser: Chromium, loaded: tuple[Graph, int], shots: Path
) -> None:
    graph, _ = loaded
    state = open_map(browser, chain_map_html(graph, EVIL_CHAIN), shots / "injection.html")
    assert state["h1"] == IMG and state["title"] == IMG
    assert state["drawn"] == 4
    # search for the attack: the result list shows it as text
    result = browser.evaluate(
        """(() => {
        const input = document.getElementById('map-search');
        input.value = '<img';
        input.dispatchEvent(new Event('input'));
        const items = [...document.querySelectorAll('#map-results li')];
        return {texts: items.map(li => li.textContent),
                elements: document.querySelectorAll('#map-results *').length,
                foreign: document.querySelectorAll('img, svg, script[src]').length};
    })()"""
    )
    assert any(IMG in text for text in result["texts"])
    assert result["foreign"] == 0
    assert result["elements"] == 3 * len(result["texts"])  # li + two spans each, nothing more
    # a tooltip with attacks in it: only our own elements, the text as given
    tip = browser.evaluate(
        """(() => {
        const m = window.supplymapMap;
        const i = m.data.search.findIndex(s => s[1] === %s);
        m.showTip(m.data.tips[i], {x: 40, y: 40});
        const el = document.getElementById('map-tip');
        return {text: el.innerText, tags: [...el.querySelectorAll('*')].map(e => e.tagName)};
    })()"""
        % json.dumps(EVIL_PRODUCT)
    )
    assert IMG in tip["text"] and JS_STRING in tip["text"]
    assert set(tip["tags"]) <= {"STRONG", "DIV"}
    browser.screenshot(shots / "injection-tooltip.png")
    browser.pump(0.3)
    assert browser.evaluate("window.__dialogs") == [] and browser.report.dialogs == []

    impact = Impact(removed_regions=(EVIL_REGION,), lost=(EVIL_PRODUCT,), title=SCRIPT_END)
    state = open_map(
        browser, disruption_map_html(graph, impact), shots / "injection-disruption.html"
    )
    assert state["h1"] == SCRIPT_END
