"""Export the current view from the page: PNG (the canvas) and SVG (the same view rebuilt),
offline, with every text from the graph carried as text (the injection chain's names too)."""

from __future__ import annotations

import base64
import struct
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from maps_fixtures import EVIL_CHAIN, PAYLOADS, load_canonical, load_evil, set_results
from maps_pages import call, open_map, screenshots
from pagedriver import Chromium, find_chromium

from kg.connection import Graph
from kg.maps import chain_map_html

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.skipif(
        find_chromium() is None,
        reason="Chromium is not installed: apt-get install -y chromium (make test does it as root)",
    ),
]

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    load_canonical(graph)
    set_results(graph)
    load_evil(graph)
    return graph


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots(tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium(width=1400, height=900) as chromium:
        yield chromium


def view(browser: Chromium) -> dict[str, Any]:
    state = call(
        browser,
        """() => { const m = window.supplymapMap, c = document.querySelector('#map canvas');
            return {labels: m.labels.map(l => l[1]), width: c.width, height: c.height,
                    shown: m.data.nodes.filter((_, i) => !m.hidden[i]).length}; }""",
    )
    assert isinstance(state, dict)
    return state


def test_png_is_the_canvas(browser: Chromium, loaded: Graph, shots: Path) -> None:
    open_map(browser, chain_map_html(loaded, "medical-supplies"), shots / "export.html")
    shown = view(browser)
    url = browser.evaluate("window.supplymapMap.exportPng()")
    head, _, body = str(url).partition(",")
    assert head == "data:image/png;base64"
    png = base64.b64decode(body)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (shown["width"], shown["height"])
    (shots / "export-view.png").write_bytes(png)
    # the button saves it under the map's name, and nothing is fetched
    browser.evaluate("document.getElementById('map-png').click()")
    last = call(browser, "() => window.supplymapMap.lastExport")
    assert last["name"] == "medical-supplies.png" and last["size"] == len(url)
    browser.pump(0.3)
    assert all(r.startswith(("file:", "data:", "blob:")) for r in browser.report.requests)


def test_svg_is_the_same_view(browser: Chromium, loaded: Graph, shots: Path) -> None:
    open_map(browser, chain_map_html(loaded, "medical-supplies"), shots / "export.html")
    shown = view(browser)
    text = str(browser.evaluate("window.supplymapMap.exportSvg()"))
    root = ET.fromstring(text)
    assert root.tag == SVG + "svg"
    assert (root.get("width"), root.get("height")) == (
        str(shown["width"]),
        str(shown["height"]),
    )
    shapes = [e for e in root.iter() if e.get("data-node") is not None]
    assert len(shapes) == shown["shown"]  # the whole map is in view after the fit
    assert [e.text for e in root.iter(SVG + "text")] == shown["labels"]
    assert not list(root.iter(SVG + "script")) and "<script" not in text
    (shots / "export-view.svg").write_text(text, encoding="utf-8")
    browser.evaluate("document.getElementById('map-svg').click()")
    assert call(browser, "() => window.supplymapMap.lastExport.name") == "medical-supplies.svg"


def test_svg_carries_hostile_names_as_text(browser: Chromium, loaded: Graph, shots: Path) -> None:
    open_map(browser, chain_map_html(loaded, EVIL_CHAIN), shots / "export-injection.html")
    text = str(browser.evaluate("window.supplymapMap.exportSvg()"))
    root = ET.fromstring(text)  # well-formed: every name escaped
    assert not list(root.iter(SVG + "script"))
    assert not any(
        name.startswith("on") for e in root.iter() for name in e.attrib
    )  # no handler attribute
    titles = {e.text for e in root.iter(SVG + "title")}
    assert any(payload in (t or "") for t in titles for payload in PAYLOADS)
    assert browser.report.dialogs == []
