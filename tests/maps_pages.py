"""Helpers for the browser tests: open a map in headless Chromium and check it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from pagedriver import Chromium

READY = "window.supplymapMap && window.supplymapMap.ready"


def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SUPPLYMAP_SCREENSHOTS if set (to keep them), else a temporary directory."""
    where = os.environ.get("SUPPLYMAP_SCREENSHOTS")
    if where:
        path = Path(where)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


def call(browser: Chromium, function: str, *args: object) -> Any:
    """Run a page function on JSON arguments (never pasted into the source as text)."""
    return browser.evaluate(f"({function})(...{json.dumps(args)})")


STATE = """() => {
    const m = window.supplymapMap;
    const canvas = document.querySelector('#map canvas');
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 0; i < px.length; i += 4 * 7) {
      if (px[i + 3] > 0 && (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200)) inked++;
    }
    return {
      drawn: m.drawnNodes, drawnLinks: m.drawnEdges,
      dataNodes: m.data.nodes.length,
      shownNodes: m.data.nodes.filter((_, i) => !m.hidden[i]).length,
      dataLinks: m.data.links.from.filter((_, k) => m.linkShown(k)).length,
      datasetNodes: m.nodes.length, visNodes: Object.keys(m.network.body.nodes).length,
      inked: inked,
      dialogs: window.__dialogs,
      foreign: document.querySelectorAll('img, svg, iframe, object, embed, link, base').length,
      scripts: document.scripts.length,
      h1: document.querySelector('h1').textContent,
      title: document.title,
    };
}"""


def open_map(browser: Chromium, html: str, path: Path) -> dict[str, Any]:
    """Open a page offline, wait until drawn, and check what every map must satisfy."""
    path.write_text(html, encoding="utf-8")
    browser.open(path)
    browser.wait_for(READY, timeout=90)
    browser.pump(0.3)
    state = call(browser, STATE)
    assert isinstance(state, dict)
    assert browser.report.requests == [path.resolve().as_uri()], browser.report.requests
    assert browser.report.exceptions == []
    assert browser.report.dialogs == [] and state["dialogs"] == []
    problems = [c for c in browser.report.console if c.startswith(("error", "warning"))]
    assert problems == [], problems  # no CSP violation, no vis-network option error
    assert state["foreign"] == 0 and state["scripts"] == 3
    # every node is handed to vis-network; the ones folded away are hidden until unfolded
    assert state["dataNodes"] == state["datasetNodes"] == state["visNodes"]
    assert state["drawn"] == state["shownNodes"]
    assert state["drawnLinks"] == state["dataLinks"]
    assert state["inked"] > 50  # the canvas has a drawing on it
    browser.screenshot(path.with_suffix(".png"))
    return state


def hover(browser: Chromium, node_index: int) -> dict[str, Any]:
    """Move the real mouse onto a node; return the tooltip's text and elements."""
    point = call(
        browser,
        """(i) => {
        const m = window.supplymapMap;
        const d = m.network.canvasToDOM(m.network.getPositions([i])[i]);
        const b = document.getElementById('map').getBoundingClientRect();
        return [d.x + b.left, d.y + b.top];
    }""",
        node_index,
    )
    for dx in (3, 0):
        browser.send_mouse(point[0] + dx, point[1])
        time.sleep(0.15)
    browser.wait_for("!document.getElementById('map-tip').hidden", timeout=10)
    tip = call(
        browser,
        """() => {
        const el = document.getElementById('map-tip');
        return {text: el.innerText, tags: [...el.querySelectorAll('*')].map(e => e.tagName)};
    }""",
    )
    assert isinstance(tip, dict)
    return tip


def node_index(browser: Chromium, graph_id: str) -> int:
    index = call(
        browser, "(id) => window.supplymapMap.data.search.findIndex(s => s[1] === id)", graph_id
    )
    assert isinstance(index, int) and index >= 0
    return index


def node_point(browser: Chromium, node_index: int) -> tuple[float, float]:
    """Where a node is on the page (CSS pixels)."""
    point = call(
        browser,
        """(i) => {
        const m = window.supplymapMap;
        const d = m.network.canvasToDOM(m.network.getPositions([i])[i]);
        const b = document.getElementById('map').getBoundingClientRect();
        return [d.x + b.left, d.y + b.top];
    }""",
        node_index,
    )
    return float(point[0]), float(point[1])


SHOWN = """() => {
    const m = window.supplymapMap, d = m.data, groups = d.options.groups;
    const nodes = d.nodes.map((n, i) => ({
        id: d.search[i][1], kind: n.kind, hidden: !!m.hidden[i],
        border: groups[n.group].color.border, label: n.label, full: n.full || n.label,
    }));
    const links = [];
    for (let k = 0; k < d.links.from.length; k++) {
        if (m.linkShown(k)) links.push([d.search[d.links.from[k]][1], d.search[d.links.to[k]][1]]);
    }
    return {nodes: nodes, links: links, tips: d.tips, linkTips: d.linkTips,
            drawnLinks: m.drawnEdges, labels: m.labels};
}"""


def shown(browser: Chromium) -> dict[str, Any]:
    """The nodes (with whether hidden) and the links the page shows now, by graph id."""
    state = call(browser, SHOWN)
    assert isinstance(state, dict)
    return state
