"""Explore from a map written to a file: the enterprise map embeds the next tier hidden, and a
click on a node of the last tier shows its own suppliers (or customers) from that data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from maps_fixtures import HANGZHOU, SHENZHEN, SUZHOU, WUHAN, load_canonical, set_results
from maps_pages import call, hover, node_index, node_point, open_map, screenshots, shown
from pagedriver import Chromium, find_chromium

from kg.connection import Graph
from kg.maps import enterprise_map_html

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.skipif(
        find_chromium() is None,
        reason="Chromium is not installed: apt-get install -y chromium (make test does it as root)",
    ),
]


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    load_canonical(graph)
    set_results(graph)
    return graph


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots(tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium(width=1400, height=900) as chromium:
        yield chromium


def test_a_click_shows_the_next_tier(browser: Chromium, loaded: Graph, shots: Path) -> None:
    open_map(browser, enterprise_map_html(loaded, SHENZHEN, 1), shots / "explore.html")
    before = shown(browser)
    hidden = {n["id"] for n in before["nodes"] if n["hidden"]}
    assert hidden == {HANGZHOU}  # Suzhou's supplier, tier 2
    suzhou = node_index(browser, SUZHOU)
    tip = hover(browser, suzhou)
    assert "click to show its 1 suppliers in the next tier" in tip["text"]
    browser.click(*node_point(browser, suzhou))
    browser.pump(0.3)
    after = shown(browser)
    assert not any(n["hidden"] for n in after["nodes"])  # Suzhou stays, Hangzhou appears
    assert (HANGZHOU, SUZHOU) in {tuple(link) for link in after["links"]}
    assert after["drawnLinks"] == len(after["links"])
    browser.screenshot(shots / "explore-expanded.png")
    # a node with nothing further on record does nothing
    wuhan = node_index(browser, WUHAN)
    assert (
        call(browser, "(i) => (window.supplymapMap.data.nodes[i].unfolds || []).length", wuhan) == 0
    )
    # and it folds back
    call(browser, "(i) => window.supplymapMap.fold(i)", suzhou)
    again = shown(browser)
    assert {n["id"] for n in again["nodes"] if n["hidden"]} == {HANGZHOU}
