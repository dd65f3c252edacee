"""The maps in headless Chromium with the network blocked: they draw every node the page's
data holds, make no request, run no injected script, answer hover and search, and look like a
map (screenshots of the N95 chain, the sample's medical-supplies chain, an enterprise's
suppliers, a disruption, a thousand-node chain and its aggregate).

Set SUPPLYMAP_SCREENSHOTS=DIR to keep the screenshots; otherwise they go to pytest's temporary
directory. Skipped, with the reason, where Chromium is not installed (`make test` installs it
when it can).
"""

from __future__ import annotations

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
from maps_pages import call, hover, node_index, open_map, screenshots
from pagedriver import Chromium, find_chromium

from kg.connection import Graph
from kg.maps import Impact, chain_map_html, disruption_map_html, enterprise_map_html

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.skipif(
        find_chromium() is None,
        reason="Chromium is not installed: apt-get install -y chromium (make test does it as root)",
    ),
]

SYNTHETIC = "synthetic"


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> tuple[Graph, int]:
    load_canonical(graph)
    set_results(graph)
    load_evil(graph)
    return graph, load_synthetic(graph, SYNTHETIC, 500)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots(tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium(width=1600, height=1000) as chromium:
        yield chromium


def test_chain_map_draws_offline_and_answers_hover(
    browser: Chromium, loaded: tuple[Graph, int], shots: Path
) -> None:
    graph, _ = loaded
    state = open_map(browser, chain_map_html(graph, "medical-supplies"), shots / "chain.html")
    assert (state["drawn"], state["drawnLinks"]) == (10, 16)
    assert state["h1"] == "Medical supplies"
    tip = hover(browser, node_index(browser, "MB-FABRIC"))
    assert tip["text"].startswith("Melt-blown nonwoven\n")
    assert "capacity: 11 t/day from 2 producer(s)" in tip["text"]
    assert set(tip["tags"]) <= {"STRONG", "DIV"}
    browser.screenshot(shots / "chain-tooltip.png")
    # a link's tooltip: hit-test the middle of the Hangzhou -> Suzhou trade link
    link = call(
        browser,
        """() => {
        const m = window.supplymapMap, d = m.data;
        const k = d.linkTips.findIndex(t => t.startsWith('Hangzhou Polymer Co. supplies'));
        const a = d.nodes[d.links.from[k]], b = d.nodes[d.links.to[k]];
        const s = d.linkStyles[d.links.style[k]];
        // the middle of the quadratic curve
        const cx = (a.x + b.x) / 2 + (b.y - a.y) * s.curve;
        const cy = (a.y + b.y) / 2 - (b.x - a.x) * s.curve;
        const x = 0.25 * a.x + 0.5 * cx + 0.25 * b.x, y = 0.25 * a.y + 0.5 * cy + 0.25 * b.y;
        return [k, m.linkAt(x, y, 5 / m.network.getScale()), s.dashes || null];
    }""",
    )
    assert link[0] == link[1] and link[2] == [9, 6]  # found, and drawn dashed


def test_enterprise_and_disruption_maps_draw(
    browser: Chromium, loaded: tuple[Graph, int], shots: Path
) -> None:
    graph, _ = loaded
    state = open_map(browser, enterprise_map_html(graph, SHENZHEN, 3), shots / "enterprise.html")
    assert (state["drawn"], state["drawnLinks"]) == (5, 5)
    impact = Impact(removed_enterprises=(SUZHOU,), reduced=(("MB-FABRIC", 0.27), ("N95", 0.27)))
    state = open_map(browser, disruption_map_html(graph, impact), shots / "disruption.html")
    assert (state["drawn"], state["drawnLinks"]) == (10, 16)


def test_thousand_node_map_and_its_aggregate(
    browser: Chromium, loaded: tuple[Graph, int], shots: Path
) -> None:
    graph, expected = loaded
    state = open_map(browser, chain_map_html(graph, SYNTHETIC), shots / "synthetic.html")
    # every node is in the page; past a few hundred enterprises the makers of each product
    # are folded into one node, so fewer are drawn at first
    assert state["dataNodes"] > expected > 1000 and state["drawn"] < expected
    note = browser.evaluate("document.querySelector('.notes').textContent")
    assert "makers are folded per product" in note
    # search finds a folded maker: its group unfolds and the maker is shown, selected
    found = call(
        browser,
        """(q) => { const m = window.supplymapMap; m.go(m.find(q)[0]);
                    return [m.data.search[m.lastFound][0], !!m.hidden[m.lastFound]]; }""",
        "Maker 7 of",
    )
    assert found[0].startswith("Maker 7 of") and found[1] is False
    # the labels drawn at the whole-map view do not overlap
    browser.evaluate("document.getElementById('map-fit').click()")
    browser.pump(0.3)
    boxes = call(browser, "() => window.supplymapMap.labels.map(l => l.slice(2))")
    assert len(boxes) > 50
    for a in range(len(boxes)):
        for b in range(a):
            (x1, y1, w1, h1), (x2, y2, w2, h2) = boxes[a], boxes[b]
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1
    html = chain_map_html(graph, SYNTHETIC, max_nodes=300)
    state = open_map(browser, html, shots / "synthetic-aggregated.html")
    assert state["drawn"] <= 300
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
    result = call(
        browser,
        """(q) => {
        const input = document.getElementById('map-search');
        input.value = q;
        input.dispatchEvent(new Event('input'));
        const items = [...document.querySelectorAll('#map-results li')];
        return {texts: items.map(li => li.textContent),
                elements: document.querySelectorAll('#map-results *').length,
                foreign: document.querySelectorAll('img, svg, script[src]').length};
    }""",
        "<img",
    )
    assert any(IMG in text for text in result["texts"])
    assert result["foreign"] == 0
    assert result["elements"] == 3 * len(result["texts"])  # li + two spans each, nothing more
    # hover the attack: the tooltip has only our own elements, and the text as given
    tip = hover(browser, node_index(browser, EVIL_PRODUCT))
    assert IMG in tip["text"] and JS_STRING in tip["text"]
    assert set(tip["tags"]) <= {"STRONG", "DIV"}
    browser.screenshot(shots / "injection-tooltip.png")
    browser.pump(0.3)
    assert browser.evaluate("window.__dialogs") == [] and browser.report.dialogs == []
    assert browser.evaluate("document.querySelectorAll('img, svg').length") == 0

    impact = Impact(removed_regions=(EVIL_REGION,), lost=(EVIL_PRODUCT,), title=SCRIPT_END)
    html = disruption_map_html(graph, impact)
    state = open_map(browser, html, shots / "injection-disruption.html")
    assert state["h1"] == SCRIPT_END
