"""Chains depend on each other: the sample's automobile map, after the analyses, shows the
inputs from the integrated-circuit chain its microcontrollers need, folded into one group, with
the single points of failure among them kept in view (the lithography scanner, sole-sourced,
and its maker, whose loss stops the automobiles), and unfolds on a click.

Also the honest layout on the same map: column titles name every category they hold, final
products stand in the last column, the petrol car's label says so, tooltips name the single
points of failure and the limiting input. Expected sets come from the graph.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from maps_pages import call, hover, node_index, node_point, open_map, screenshots, shown
from pagedriver import Chromium, find_chromium

from kg.analysis import run_all
from kg.connection import Graph
from kg.maps import chain_map_html
from kg.maps.data import chain_data
from kg.maps.layout import category_title, map_layout
from kg.maps.render import labels
from kg.monitor import evaluate_warnings, write_warnings
from loaders.pipeline import Loader, LoadOptions
from loaders.sample import sample_files

pytestmark = [pytest.mark.integration]
browser_only = [
    pytest.mark.browser,
    pytest.mark.skipif(
        find_chromium() is None,
        reason="Chromium is not installed: apt-get install -y chromium (make test does it as root)",
    ),
]

SAMPLE = Path(__file__).parent.parent / "loaders" / "sample" / "data"
PLANTED = json.loads((SAMPLE / "planted.json").read_text(encoding="utf-8"))
CHAIN = "automobiles"
RED = "#d7191c"


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sample_files(SAMPLE), LoadOptions())
    assert {r.status for r in reports} == {"completed"}, [r.message for r in reports]
    run_all(graph)
    at = dt.date.fromisoformat(PLANTED["reference_date"])
    write_warnings(graph, evaluate_warnings(graph, at=at))
    return graph


def outside_inputs(graph: Graph) -> set[str]:
    """Products upstream of the automobile chain's products that are not in it."""
    rows = graph.query(
        "MATCH (:Chain {id: $c})<-[:IN_CHAIN]-(:Product)<-[:INPUT_TO*1..20]-(a:Product) "
        "WHERE NOT EXISTS { (a)-[:IN_CHAIN]->(:Chain {id: $c}) } RETURN DISTINCT a.id AS id",
        {"c": CHAIN},
    )
    return {r["id"] for r in rows}


def spof_makers(graph: Graph, outside: set[str]) -> set[tuple[str, str]]:
    """(enterprise, first product) of the enterprises whose loss stops an automobile product
    through an input from another chain."""
    rows = graph.query(
        "MATCH (:Chain {id: $c})<-[:IN_CHAIN]-(p:Product)<-[s:SPOF_FOR]-(e:Enterprise) "
        "RETURN e.id AS id, s.path AS path",
        {"c": CHAIN},
    )
    return {(r["id"], r["path"][1]) for r in rows if set(r["path"][1:]) & outside}


def test_the_map_holds_the_inputs_from_other_chains(loaded: Graph) -> None:
    outside = outside_inputs(loaded)
    assert {"ARF-SCANNER", "WAFER-MCU40"} <= outside  # the sample's IC inputs of the MCU
    data = chain_data(loaded, CHAIN)
    nodes = data.node_map()
    drawn = {n.id for n in nodes.values() if n.kind == "product" and n.other_chain}
    assert drawn == outside
    sole = {
        r["id"]
        for r in loaded.query(
            "UNWIND $ids AS id MATCH (p:Product {id: id}) "
            "WHERE p.sourcing IN ['sole', 'none'] OR p.regional_single_source "
            "OR p.group_single_source RETURN p.id AS id",
            {"ids": sorted(outside)},
        )
    }
    makers = spof_makers(loaded, outside)
    assert ("F-NL-LITHO-VELDHOVEN", "ARF-SCANNER") in makers  # the report's first for cars
    # shown while folded: the single sources and what the single-point makers make
    visible = {n.id for n in nodes.values() if n.other_chain and n.kind == "product"}
    visible = {pid for pid in visible if not nodes[f"product:{pid}"].hidden}
    assert visible == sole | {pid for _, pid in makers}
    assert {n.id for n in nodes.values() if n.kind == "enterprise" and n.other_chain} == {
        eid for eid, _ in makers
    }
    groups = [n for n in nodes.values() if n.kind == "group" and n.other_chain]
    assert [g.other_chain for g in groups] == ["Integrated circuits"]
    assert set(groups[0].unfolds) == {f"product:{pid}" for pid in outside - visible}
    assert groups[0].outlined  # a single source folded inside it
    via = {(e.source, e.target, e.through) for e in data.edges if e.kind == "via"}
    wafer = nodes["product:WAFER-MCU40"].name
    assert ("product:ARF-SCANNER", "product:MCU-AUTO", (wafer,)) in via
    assert all(e.while_folded == groups[0].key for e in data.edges if e.kind == "via")


def test_without_other_chains_the_map_is_the_chain_alone(loaded: Graph) -> None:
    data = chain_data(loaded, CHAIN, other_chains=False)
    assert not any(n.other_chain for n in data.nodes)
    in_chain = loaded.query(
        "MATCH (:Chain {id: $c})<-[:IN_CHAIN]-(p:Product) RETURN p.id AS id", {"c": CHAIN}
    )
    assert {n.id for n in data.nodes if n.kind == "product"} == {r["id"] for r in in_chain}


def test_finals_stand_on_the_right_under_true_titles(loaded: Graph) -> None:
    data = chain_data(loaded, "medical-supplies")
    layout = map_layout(data)
    finals = {n.key for n in data.nodes if n.kind == "product" and n.category == "final"}
    assert finals
    xs = {key: x for key, (x, _) in layout.positions.items()}
    product_xs = [xs[n.key] for n in data.nodes if n.kind == "product" and not n.other_chain]
    assert {xs[k] for k in finals} == {max(product_xs)}
    titles = [title for _, title in layout.columns]
    assert "final products" in titles
    for column, title in layout.columns:
        inside = [
            n
            for n in data.nodes
            if n.kind == "product"
            and not n.other_chain
            and column.left - 1 <= xs[n.key] <= column.right + 1
        ]
        if inside:
            assert title == category_title([n.category for n in inside])
    assert category_title(["material", "final", "component"]) == "material, component, final"
    assert category_title(["final", "final"]) == "final products"
    assert category_title(["a", "b", "c", "d"]) == "4 categories"


def test_tooltips_name_the_single_points_and_the_limiting_input(loaded: Graph) -> None:
    from kg.maps.render import network

    data = chain_data(loaded, "medical-supplies")
    drawing = network(data, map_layout(data))
    index = {n.id: i for i, n in enumerate(data.nodes) if n.kind == "product"}
    rows = loaded.query(
        "MATCH (:Product {id: 'N95'})<-[:SPOF_FOR]-(x:Enterprise) RETURN x.name AS name"
    )
    assert rows
    tip = drawing.tips[index["N95"]]
    for r in rows:
        assert f"{r['name']} (enterprise)" in tip
    limiting = loaded.query("MATCH (p:Product {id: 'N95'}) RETURN p.limiting_input AS id")[0]["id"]
    name = loaded.query("MATCH (p:Product {id: $id}) RETURN p.name AS n", {"id": limiting})[0]["n"]
    assert f"limited by {name}" in tip


def test_the_petrol_car_says_petrol(loaded: Graph) -> None:
    data = chain_data(loaded, CHAIN)
    texts = dict(zip((n.id for n in data.nodes), labels(data.nodes), strict=True))
    assert texts["CAR-ICE"] == "Passenger car, petrol"
    assert texts["CAR-BEV"] == "Battery-electric passenger car"


# ---- in the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots(tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    if find_chromium() is None:
        pytest.skip("Chromium is not installed")
    with Chromium(width=1600, height=1000) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def page(browser: Chromium, loaded: Graph, shots: Path) -> dict[str, Any]:
    open_map(browser, chain_map_html(loaded, CHAIN), shots / "crosschain-automobiles.html")
    return shown(browser)


@pytest.mark.browser
def test_the_scanner_and_its_maker_are_drawn_as_single_points(
    page: dict[str, Any], loaded: Graph
) -> None:
    by_id = {n["id"]: n for n in page["nodes"]}
    for graph_id in ("ARF-SCANNER", "F-NL-LITHO-VELDHOVEN"):
        assert not by_id[graph_id]["hidden"]
        assert by_id[graph_id]["border"] == RED
    assert by_id["WAFER-MCU40"]["hidden"]
    links = {tuple(link) for link in page["links"]}
    # the maker makes the scanner; the scanner reaches the microcontroller through the wafer
    assert ("F-NL-LITHO-VELDHOVEN", "ARF-SCANNER") in links
    assert ("ARF-SCANNER", "MCU-AUTO") in links
    assert not any("WAFER-MCU40" in link for link in links)
    assert page["drawnLinks"] == len(page["links"])
    # named on the page: the scanner's label is drawn, its maker's too
    drawn = {page["nodes"][label[0]]["id"] for label in page["labels"]}
    assert {"ARF-SCANNER", "F-NL-LITHO-VELDHOVEN"} <= drawn
    tips = page["tips"]
    mcu = next(i for i, n in enumerate(page["nodes"]) if n["id"] == "MCU-AUTO")
    assert "Kempen Lithography B.V. (enterprise)" in tips[mcu]


@pytest.mark.browser
def test_a_click_unfolds_the_other_chain(
    browser: Chromium, page: dict[str, Any], loaded: Graph, shots: Path
) -> None:
    group = next(i for i, n in enumerate(page["nodes"]) if n["id"] == "group of products")
    x, y = node_point(browser, group)
    tip = hover(browser, group)
    assert "click to unfold" in tip["text"]
    assert "Kempen Lithography B.V. (enterprise)" in tip["text"]
    browser.click(x, y)
    browser.pump(0.4)
    after = shown(browser)
    by_id = {n["id"]: n for n in after["nodes"]}
    outside = outside_inputs(loaded)
    assert all(not by_id[pid]["hidden"] for pid in outside)
    assert after["nodes"][group]["hidden"]
    links = {tuple(link) for link in after["links"]}
    assert ("ARF-SCANNER", "WAFER-MCU40") in links and ("WAFER-MCU40", "MCU-AUTO") in links
    assert ("ARF-SCANNER", "MCU-AUTO") not in links  # the via link gives way to the real ones
    assert after["drawnLinks"] == len(after["links"])
    browser.screenshot(shots / "crosschain-automobiles-unfolded.png")
    # and folds again (a double click on an unfolded input does the same)
    wafer = next(i for i, n in enumerate(after["nodes"]) if n["id"] == "WAFER-MCU40")
    call(browser, "(i) => window.supplymapMap.fold(i)", group)
    again = shown(browser)
    assert again["nodes"][wafer]["hidden"] and not again["nodes"][group]["hidden"]
    assert ("ARF-SCANNER", "MCU-AUTO") in {tuple(link) for link in again["links"]}


@pytest.mark.browser
def test_hover_shows_the_full_name(browser: Chromium, page: dict[str, Any], loaded: Graph) -> None:
    name = loaded.query("MATCH (p:Product {id: 'CAR-ICE'}) RETURN p.name AS n")[0]["n"]
    car = node_index(browser, "CAR-ICE")
    assert page["nodes"][car]["full"] == name != page["nodes"][car]["label"]
    hover(browser, car)
    drawn = call(browser, "() => window.supplymapMap.labels.map(l => [l[0], l[1]])")
    assert [car, name] in drawn


@pytest.mark.browser
def test_disruption_banner_folds_and_hits_are_named(
    browser: Chromium, loaded: Graph, shots: Path
) -> None:
    from kg.analysis import disrupt
    from kg.maps import Impact, disruption_map_html

    maker = "F-NL-LITHO-VELDHOVEN"
    impact = Impact.from_scenario(disrupt(loaded, enterprises=[maker]), title="Loss of a maker")
    open_map(browser, disruption_map_html(loaded, impact), shots / "disruption-scanner.html")
    banner = call(
        browser,
        """() => { const d = document.querySelector('details.notes');
            return {open: d.open, height: d.getBoundingClientRect().height,
                    line: d.querySelector('summary').innerText,
                    notes: [...d.querySelectorAll('p')].map(p => p.textContent)}; }""",
    )
    assert not banner["open"] and banner["height"] < 40  # one line
    assert banner["line"].startswith("Scenario: 1 removed · ")
    assert any(note.startswith("Lost: ") for note in banner["notes"])
    browser.evaluate("document.querySelector('details.notes summary').click()")
    browser.pump(0.2)
    opened = call(
        browser,
        "() => { const d = document.querySelector('details.notes');"
        " return [d.open, d.getBoundingClientRect().height]; }",
    )
    assert opened[0] and opened[1] > banner["height"]
    name = loaded.query("MATCH (e:Enterprise {id: $id}) RETURN e.name AS n", {"id": maker})[0]["n"]
    drawn = call(browser, "() => window.supplymapMap.labels.map(l => l[1])")
    assert "✕ " + name in drawn  # the removed maker's whole name, not "✕ K…"
    # what the scenario hits is named: beside its node, or just above or below it
    missing = call(
        browser,
        """() => { const m = window.supplymapMap, d = m.data.nodes;
            const drawn = new Set(m.labels.map(l => l[0]));
            return d.map((n, i) => i).filter(i => d[i].em && !drawn.has(i))
                .map(i => d[i].label); }""",
    )
    hit = call(browser, "() => window.supplymapMap.data.nodes.filter(n => n.em).length")
    assert hit >= 8 and len(missing) <= 1, missing
    browser.screenshot(shots / "disruption-scanner-banner-open.png")


@pytest.mark.browser
def test_filters_keep_what_they_say(browser: Chromium, loaded: Graph, shots: Path) -> None:
    open_map(browser, chain_map_html(loaded, "medical-supplies"), shots / "filters.html")
    facets = """() => { const m = window.supplymapMap;
        return m.data.nodes.map((d, i) => ({kind: d.kind, cat: d.cat || null, warn: d.warn || null,
            rg: d.rg || null, ch: d.ch || null, off: !!(m.filtered[i] || m.hidden[i]),
            hidden: !!m.hidden[i]})); }"""
    choices = call(
        browser,
        """() => Object.fromEntries([...document.querySelectorAll('#map-filters select')].map(
            s => [s.dataset.filter, [...s.options].map(o => o.value)]))""",
    )
    assert "final" in choices["category"] and "red" in choices["warning"]
    assert "Integrated circuits" in choices["chain"]
    # a person picks "final" in the category list
    browser.evaluate(
        "(() => { const s = document.querySelector('#map-filters select[data-filter=category]');"
        " s.value = 'final'; s.dispatchEvent(new Event('change')); })()"
    )
    nodes = call(browser, facets)
    kept = [n for n in nodes if not n["off"]]
    assert kept and all(n["cat"] == "final" for n in kept)
    assert {n["kind"] for n in kept} == {"product", "enterprise"}  # finals and their makers
    browser.screenshot(shots / "filters-final.png")
    # one warning level; one region (its enterprises, with the products as the skeleton)
    call(browser, "(f) => window.supplymapMap.filter(f)", {"warning": "red"})
    nodes = call(browser, facets)
    assert {n["warn"] for n in nodes if not n["off"]} == {"red"}
    region = next(n["rg"] for n in nodes if n["rg"])
    call(browser, "(f) => window.supplymapMap.filter(f)", {"region": region})
    nodes = call(browser, facets)
    assert all(n["rg"] == region for n in nodes if not n["off"] and n["kind"] != "product")
    assert all(not n["off"] for n in nodes if n["kind"] == "product" and not n["hidden"])
    # the chain: only the inputs from another chain; then everything again
    call(browser, "(f) => window.supplymapMap.filter(f)", {"chain": "Integrated circuits"})
    nodes = call(browser, facets)
    assert {n["ch"] for n in nodes if not n["off"]} == {"Integrated circuits"}
    call(browser, "(f) => window.supplymapMap.filter(f)", {})
    nodes = call(browser, facets)
    assert [n["off"] for n in nodes] == [n["hidden"] for n in nodes]
