"""The medical-supplies map of the shipped sample, after the analyses (kg.analysis.run_all) and
the monitoring's warnings are written back, as `supplymap demo` draws it: a person sees the
melt-blown fabric bottleneck at a glance.

Checked through the page's own data in headless Chromium: the bottleneck is the largest
product node, the header's callout names it with the figures the analyses wrote (and the
sample planted), its links to the products it holds back are the emphasised ones, the red
outlines are exactly the single points the written properties define, and every product's
label, the bottleneck's in bold, is drawn at the whole-map view while the makers' wait for the
zoom. Expected sets come from the graph, not from ids written here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from maps_pages import call, open_map, screenshots
from pagedriver import Chromium, find_chromium

from kg.analysis import run_all
from kg.connection import Graph
from kg.maps import chain_map_html
from kg.monitor import evaluate_warnings, write_warnings
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
CHAIN = "medical-supplies"
PLANTED = json.loads((SAMPLE / "planted.json").read_text(encoding="utf-8"))
RED = "#d7191c"

# What the page shows, read from its own data and its last frame.
PAGE = """() => {
    const m = window.supplymapMap, d = m.data, groups = d.options.groups;
    const nodes = d.nodes.map((n, i) => ({
        id: d.search[i][1], kind: n.kind, label: n.label,
        size: groups[n.group].size, border: groups[n.group].color.border,
        other: !!n.oc, hidden: !!m.hidden[i],
        font: d.labelStyles[n.ls].font,
    }));
    const links = d.links.from.map((f, k) => {
        const s = d.linkStyles[d.links.style[k]];
        return {from: d.search[f][1], to: d.search[d.links.to[k]][1], colour: s.color,
                width: s.width};
    });
    const el = document.querySelector('.callout');
    return {nodes: nodes, links: links, labels: m.labels, scale: m.network.getScale(),
            callout: el ? el.textContent : null, tips: d.tips};
}"""


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sample_files(SAMPLE), LoadOptions())
    assert {r.status for r in reports} == {"completed"}, [r.message for r in reports]
    run_all(graph)
    at = dt.date.fromisoformat(PLANTED["reference_date"])
    write_warnings(graph, evaluate_warnings(graph, at=at))
    return graph


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots(tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium(width=1600, height=1000) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def page(browser: Chromium, loaded: Graph, shots: Path) -> dict[str, Any]:
    open_map(browser, chain_map_html(loaded, CHAIN), shots / "bottleneck-medical-supplies.html")
    shown = call(browser, PAGE)
    assert isinstance(shown, dict)
    return shown


def products(graph: Graph) -> dict[str, dict[str, Any]]:
    rows = graph.query(
        "MATCH (:Chain {id: $chain})<-[:IN_CHAIN]-(p:Product) RETURN p.id AS id, p.name AS name, "
        "p.sourcing AS sourcing, p.regional_single_source AS regional, "
        "p.group_single_source AS grouped, p.limiting_input AS limiting, "
        "p.achievable_per_day AS achievable, p.producer_capacity_per_day AS capacity",
        {"chain": CHAIN},
    )
    return {r["id"]: dict(r) for r in rows}


def short(name: str) -> str:
    """A product's name up to its first qualifier, as the sample's names are written."""
    for sep in (" (", ", "):
        name = name.split(sep)[0]
    return name


def test_the_analyses_found_the_planted_bottleneck(loaded: Graph) -> None:
    """The figures the map is to show are in the graph: the planted limits, written back."""
    written = products(loaded)
    planted = PLANTED["bottleneck"]
    assert {pid for pid, p in written.items() if p["limiting"]} == {
        limit["product"] for limit in planted["limits"]
    }
    for limit in planted["limits"]:
        p = written[limit["product"]]
        assert p["limiting"] == planted["product"]
        assert (p["achievable"], p["capacity"]) == (
            limit["allowed_by_input_per_day"],
            limit["capacity_per_day"],
        )


def test_bottleneck_is_the_largest_product_node(page: dict[str, Any]) -> None:
    bottleneck = PLANTED["bottleneck"]["product"]
    sizes = {n["id"]: n["size"] for n in page["nodes"] if n["kind"] == "product"}
    assert sizes[bottleneck] > max(s for pid, s in sizes.items() if pid != bottleneck)
    assert sizes[bottleneck] >= max(n["size"] for n in page["nodes"])


def test_callout_names_it_with_the_figures(page: dict[str, Any], loaded: Graph) -> None:
    written = products(loaded)
    bottleneck = written[PLANTED["bottleneck"]["product"]]
    held = sorted(pid for pid, p in written.items() if p["limiting"] == bottleneck["id"])
    phrases = []
    for k, pid in enumerate(held):
        p = written[pid]
        share = f"{round(100 * p['achievable'] / p['capacity'])}%"
        of = f" of its makers' {p['capacity']:,.0f}" if k == 0 else ""
        phrases.append(f"{short(p['name'])} to {p['achievable']:,.0f}/day ({share}{of})")
    expected = f"Capacity bottleneck: {bottleneck['name']} limits {' and '.join(phrases)}."
    assert expected == (
        "Capacity bottleneck: Melt-blown nonwoven, filter grade (BFE 99) limits N95 medical "
        "protective respirator to 15,000,000/day (75% of its makers' 20,000,000) and Medical "
        "surgical mask to 60,000,000/day (60%)."
    )
    assert page["callout"] is not None and page["callout"].startswith(expected)
    # and what stands behind it: the planted upstream single points of failure, by name
    behind = loaded.query(
        "UNWIND $ids AS id OPTIONAL MATCH (e:Enterprise {id: id}) OPTIONAL MATCH (r:Region "
        "{code: id}) RETURN coalesce(e.name, r.name) AS name",
        {"ids": PLANTED["bottleneck"]["upstream_spofs"]},
    )
    tail = page["callout"].split("Single points of failure behind it:")[1]
    assert all(row["name"] in tail for row in behind)


def test_its_links_to_what_it_holds_back_are_the_emphasised_ones(
    page: dict[str, Any], loaded: Graph
) -> None:
    written = products(loaded)
    held = {(p["limiting"], pid) for pid, p in written.items() if p["limiting"]}
    widest = max(link["width"] for link in page["links"])
    emphasised = {
        (link["from"], link["to"])
        for link in page["links"]
        if link["colour"] == RED and link["width"] == widest
    }
    assert (
        emphasised
        == held
        == {(PLANTED["bottleneck"]["product"], "N95"), ("MB-FABRIC", "SURG-MASK")}
    )
    assert {(link["from"], link["to"]) for link in page["links"] if link["colour"] == RED} == held


def test_red_outlines_are_exactly_the_single_points(page: dict[str, Any], loaded: Graph) -> None:
    written = products(loaded)
    single = {
        pid
        for pid, p in written.items()
        if p["sourcing"] in ("sole", "none") or p["regional"] or p["grouped"]
    }
    on_map = [n["id"] for n in page["nodes"] if n["kind"] == "enterprise" and not n["other"]]
    spofs = {
        r["id"]
        for r in loaded.query(
            "UNWIND $ids AS id MATCH (e:Enterprise {id: id}) WHERE e.is_spof RETURN e.id AS id",
            {"ids": on_map},
        )
    }
    # (the inputs from other chains below the chain: see test_maps_crosschain.py)
    red = {n["id"] for n in page["nodes"] if n["border"] == RED and not n["other"]}
    assert red == single | spofs
    # the sample's planted single sources are among them; the bottleneck itself is not one
    assert {s["product"] for s in PLANTED["sole_sources"]} & set(written) <= red
    assert PLANTED["bottleneck"]["product"] not in red
    assert len(red) < len(written) / 3  # the outline picks out a few, not every input


def test_labels_at_the_whole_map_view(page: dict[str, Any], browser: Chromium, shots: Path) -> None:
    nodes = page["nodes"]
    drawn = {i: text for i, text, *_ in page["labels"]}
    index = {n["id"]: i for i, n in enumerate(nodes)}
    bottleneck = index[PLANTED["bottleneck"]["product"]]
    # the bottleneck's short name, whole and bold
    assert drawn[bottleneck] == "Melt-blown nonwoven"
    assert nodes[bottleneck]["font"].startswith("700 ")
    # every product's name is drawn (cut to its room where needed), no maker's yet
    assert {i for i, n in enumerate(nodes) if n["kind"] == "product" and not n["other"]} == {
        i for i in drawn if not nodes[i]["other"]
    }
    cut = [text for i, text in drawn.items() if text != nodes[i]["label"]]
    assert all(text.endswith("…") and len(text) >= 4 for text in cut)
    assert len(cut) < len(drawn) / 3
    # at a readable size, none over another
    assert all(int(n["font"].split("px")[0].split()[-1]) >= 11 for n in nodes)
    boxes = [label[2:] for label in page["labels"]]
    for a in range(len(boxes)):
        for b in range(a):
            (x1, y1, w1, h1), (x2, y2, w2, h2) = boxes[a], boxes[b]
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1
    # zoomed in, the makers' names appear; the callout's button centres the bottleneck
    browser.evaluate("document.querySelector('.callout button.show').click()")
    # the zoom is animated and the page redraws its labels on every frame: take one frame's
    # state in which the makers' names are drawn (a busy machine takes longer than 0.4 s)
    state = browser.wait_for(
        "(() => { const m = window.supplymapMap, d = m.data.nodes;"
        " const makers = m.labels.filter(l => d[l[0]].kind === 'enterprise').length;"
        " return makers > 0 ? {selected: m.selected, scale: m.network.getScale(), makers}"
        " : null; })()",
        timeout=20,
    )
    assert state["selected"] == bottleneck and state["scale"] > page["scale"]
    assert state["makers"] > 0
    browser.screenshot(shots / "bottleneck-medical-supplies-zoomed.png")
