"""The geographic map (kg/maps/geo.py, `supplymap map geo`, the "Places" tab of chain and
disruption maps) on the shipped sample: what it places where, read from a real graph, and the
page in headless Chromium with the network blocked."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from maps_fixtures import EVIL_CHAIN, PAYLOADS, load_evil
from maps_pages import call, open_map, screenshots
from pagedriver import Chromium, find_chromium
from test_maps_sample import SAMPLE, load_sample
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from kg.maps import Impact, chain_map_html, disruption_map_html
from kg.maps.basemap import basemap, project
from kg.maps.data import chain_data, enterprise_data
from kg.maps.geo import MAIN_ROUTES, SHADE, all_data, geo_page, places, point_colour, point_tip
from kg.maps.impact import disruption_data
from kg.monitor.allocation import allocate
from kg.tiers import lookup

pytestmark = [pytest.mark.integration]
browser_only = pytest.mark.skipif(
    find_chromium() is None,
    reason="Chromium is not installed: apt-get install -y chromium (make test does it as root)",
)

HUBEI = "420000"
WUHAN = "420100"
READY = "window.supplymapGeo && window.supplymapGeo.ready"
ZOOM_TO_POINT = (
    "(i) => { const g = window.supplymapGeo, p = g.data.points; g.zoomAt(p.x[i], p.y[i], 0.05); }"
)


def sample_enterprises() -> dict[str, dict[str, str]]:
    with (SAMPLE / "enterprises.csv").open(encoding="utf-8") as f:
        return {row["id"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    load_sample(graph)
    load_evil(graph)
    return graph


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots(tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium(width=1500, height=950) as chromium:
        yield chromium


def shape_index(code: str) -> int:
    index = basemap().shape_of(code)
    assert index is not None
    return index


# ---- what is placed where (no browser) ----------------------------------------------------------


def test_enterprises_sit_at_their_coordinates(loaded: Graph) -> None:
    data = chain_data(loaded, "medical-supplies")
    drawn = places(loaded, data)
    rows = sample_enterprises()
    makers = {n.id for n in data.nodes if n.kind == "enterprise"}
    expected = set()
    for eid in makers:
        x, y = project(float(rows[eid]["lon"]), float(rows[eid]["lat"]))
        expected.add((eid, round(x, 2), round(y, 2)))
    p = drawn.points
    assert set(zip(p["id"], p["x"], p["y"], strict=True)) == expected
    # every point's tooltip starts with its full name and says where it is
    names = {n.id: n.name for n in data.nodes}
    rows_by_id = sample_enterprises()
    tips = {(p["id"][i], *point_tip(p, i)[:3]) for i in range(len(p["id"]))}
    assert {(t[0], t[1], t[2]) for t in tips} == {(i, names[i], f"enterprise {i}") for i in makers}
    # the third line says where: the sample's region code, and the province it lies in
    assert all(f"({rows_by_id[t[0]]['region']})" in t[3] for t in tips)


def test_each_trade_link_is_an_arc_from_supplier_to_customer(loaded: Graph) -> None:
    data = chain_data(loaded, "medical-supplies")
    drawn = places(loaded, data, flow_limit=100_000)
    assert not drawn.bundled
    placed = {
        n.key: project(
            float(sample_enterprises()[n.id]["lon"]), float(sample_enterprises()[n.id]["lat"])
        )
        for n in data.nodes
        if n.kind == "enterprise"
    }
    expected = {
        (round(placed[e.source][0], 2), round(placed[e.source][1], 2),
         round(placed[e.target][0], 2), round(placed[e.target][1], 2))
        for e in data.edges
        if e.kind == "supplies" and placed[e.source] != placed[e.target]
    }  # fmt: skip
    assert expected
    assert {(f[0], f[1], f[4], f[5]) for f in drawn.flows} == expected


def test_many_links_are_bundled_between_places(loaded: Graph) -> None:
    data = all_data(loaded)
    drawn = places(loaded, data, flow_limit=50)
    assert drawn.bundled
    b = basemap()
    where = {n.key: b.shape_of(n.region) for n in data.nodes}
    pairs: dict[tuple[str, str], int] = {}
    for e in data.edges:
        s, t = where.get(e.source), where.get(e.target)
        if s is not None and t is not None and s != t:
            key = (b.shapes[s].name, b.shapes[t].name)
            pairs[key] = pairs.get(key, 0) + 1
    got = set()
    for f in drawn.flows:
        start, _, end = f[9][0].partition(" → ")
        count = int(re.match(r"([\d,]+) trade link", f[9][1]).group(1).replace(",", ""))  # type: ignore[union-attr]
        got.add((start, end, count))
    assert got == {(s, t, n) for (s, t), n in pairs.items()}


def test_a_disruption_shades_the_removed_region(loaded: Graph) -> None:
    impact = Impact(removed_regions=(HUBEI,), lost=("NOSE-WIRE",))
    data = disruption_data(loaded, impact)
    drawn = places(loaded, data)
    assert drawn.shade == "disruption"
    shaded = {(s[0], s[1]) for s in drawn.shades["disruption"]}
    assert (shape_index(HUBEI), SHADE["removed"]) in shaded
    hubei = next(s for s in drawn.shades["disruption"] if s[0] == shape_index(HUBEI))
    assert hubei[2][0] == "Hubei" and any(
        "removed by the scenario: Hubei (420000)" in t for t in hubei[2]
    )
    # its enterprises are drawn as removed
    in_hubei = {eid for eid, row in sample_enterprises().items() if row["region"].startswith("42")}
    p = drawn.points
    removed = {p["id"][i] for i in range(len(p["id"])) if point_colour(p, i) == "#252525"}
    assert removed and removed <= in_hubei


def test_warning_levels_shade_the_regions_holding_them(loaded: Graph) -> None:
    data = all_data(loaded)
    drawn = places(loaded, data)
    warned = loaded.query(
        "MATCH (e:Enterprise) WHERE e.warning_level IS NOT NULL AND e.lat IS NOT NULL "
        "RETURN e.region AS region, e.warning_level AS level"
    )
    assert warned, "the sample's monitoring warns some enterprises"
    order = {"red": 0, "yellow": 1, "blue": 2}
    worst: dict[int, str] = {}
    for row in warned:
        i = shape_index(row["region"])
        if i not in worst or order[row["level"]] < order[worst[i]]:
            worst[i] = row["level"]
    assert {(s[0], s[1]) for s in drawn.shades["warning"]} == {
        (i, SHADE[level]) for i, level in worst.items()
    }


def test_demand_areas_and_their_allocation(loaded: Graph) -> None:
    result = allocate(loaded, "N95")
    assert result.areas
    data = chain_data(loaded, "medical-supplies")
    drawn = places(loaded, data, allocation=result)
    got = {(a[4][1].split(" ")[2], a[4][-1].split(" (")[0]) for a in drawn.areas}
    assert got == {
        (a.area, f"allocated {_n(a.allocated)} of {_n(a.demand)}/day") for a in result.areas
    }
    # without an allocation: every area demanding a product of the chain
    plain = places(loaded, data)
    areas = loaded.query(
        "MATCH (a:Area)-[:DEMANDS]->(:Product)-[:IN_CHAIN]->(:Chain {id: 'medical-supplies'}) "
        "RETURN DISTINCT a.id AS id"
    )
    assert {a[4][1].split(" ")[2] for a in plain.areas} == {r["id"] for r in areas}
    # the map of every enterprise has every demand area
    every = loaded.query("MATCH (a:Area)-[:DEMANDS]->(:Product) RETURN DISTINCT a.id AS id")
    assert {a[4][1].split(" ")[2] for a in places(loaded, all_data(loaded)).areas} == {
        r["id"] for r in every
    }


def _n(value: float) -> str:
    from kg.maps.text import number

    return number(value)


def test_suppliers_follow_the_material(loaded: Graph) -> None:
    maker = loaded.query(
        "MATCH (e:Enterprise)-[:PRODUCES]->(:Product {id: 'N95'}) "
        "WHERE EXISTS { (:Enterprise)-[:SUPPLIES]->(e) } RETURN e.id AS id ORDER BY id LIMIT 1"
    )[0]["id"]
    data = enterprise_data(loaded, maker, 2, "upstream", explore=False)
    drawn = places(loaded, data, flow_limit=100_000)
    tiers = {h.id for h in lookup(loaded, maker, "upstream", 2, "enterprise").hits}
    assert set(drawn.points["id"]) == (tiers | {maker}) & set(sample_enterprises())
    # the arcs are the trade links among them, supplier to customer
    at = {i: (x, y) for i, x, y in zip(*(drawn.points[k] for k in ("id", "x", "y")), strict=True)}
    expected = {
        (*at[e.source.split(":", 1)[1]], *at[e.target.split(":", 1)[1]])
        for e in data.edges
        if e.kind == "supplies" and at[e.source.split(":", 1)[1]] != at[e.target.split(":", 1)[1]]
    }
    assert expected and {(f[0], f[1], f[4], f[5]) for f in drawn.flows} == expected


def test_cli_writes_the_geographic_map(cli: CliRunner, loaded: Graph, tmp_path: Path) -> None:
    out = tmp_path / "geo.html"
    result = cli.invoke(app, ["map", "geo", "--chain", "medical-supplies", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "enterprises" in result.output and out.read_text(encoding="utf-8").startswith(
        "<!DOCTYPE"
    )
    result = cli.invoke(
        app, ["map", "geo", "--region", HUBEI, "--lost", "NOSE-WIRE", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    result = cli.invoke(
        app, ["map", "geo", "--chain", "medical-supplies", "--region", HUBEI, "-o", str(out)]
    )
    assert result.exit_code == 2 and "not --chain and a disruption" in result.output
    maker = loaded.query(
        "MATCH (e:Enterprise)-[:PRODUCES]->(:Product {id: 'N95'}) RETURN e.id AS id LIMIT 1"
    )[0]["id"]
    result = cli.invoke(
        app, ["map", "geo", "--suppliers-of", maker, "--tiers", "2", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    result = cli.invoke(app, ["map", "geo", "--allocate", "NO-SUCH", "-o", str(out)])
    assert result.exit_code == 2 and "NO-SUCH" in result.output


# ---- in the browser ------------------------------------------------------------------------------


def open_geo(browser: Chromium, html: str, path: Path) -> dict[str, Any]:
    path.write_text(html, encoding="utf-8")
    browser.open(path)
    browser.wait_for(READY, timeout=60)
    browser.pump(0.2)
    state = call(
        browser,
        """() => ({
            paths: document.querySelectorAll('#geo-svg path').length,
            points: document.querySelectorAll('#geo-svg circle.point').length,
            scripts: document.scripts.length,
            foreign: document.querySelectorAll('img, iframe, object, embed, link, base').length,
            dialogs: window.__dialogs,
        })""",
    )
    assert browser.report.requests == [path.resolve().as_uri()], browser.report.requests
    assert browser.report.exceptions == [] and browser.report.dialogs == []
    problems = [c for c in browser.report.console if c.startswith(("error", "warning"))]
    assert problems == [], problems  # no CSP violation
    assert state["scripts"] == 2 and state["foreign"] == 0 and state["dialogs"] == []
    browser.screenshot(path.with_suffix(".png"))
    return state


def hover_at(browser: Chromium, x: float, y: float) -> str:
    for dx in (2, 0):
        browser.send_mouse(x + dx, y)
        browser.pump(0.1)
    browser.wait_for("!document.getElementById('geo-tip').hidden", timeout=10)
    return str(browser.evaluate("document.getElementById('geo-tip').innerText"))


@browser_only
def test_an_enterprise_in_wuhan_lands_inside_hubei(
    browser: Chromium, loaded: Graph, shots: Path
) -> None:
    drawn = places(loaded, all_data(loaded))
    state = open_geo(browser, geo_page(drawn), shots / "geo-all.html")
    assert state["points"] == len(drawn.points["id"])
    # bundled trade: the heaviest routes at first, every arc on demand
    assert drawn.bundled and len(drawn.flows) > MAIN_ROUTES
    assert call(browser, "() => window.supplymapGeo.shownFlows") == MAIN_ROUTES
    weights = [len(f) and f[6] for f in drawn.flows]
    assert min(weights[-MAIN_ROUTES:]) >= max(weights[:-MAIN_ROUTES])
    browser.page.select_option("#geo-trade", "all")
    assert call(browser, "() => window.supplymapGeo.shownFlows") == len(drawn.flows)
    browser.page.select_option("#geo-trade", "main")
    rows = sample_enterprises()
    inside = call(
        browser,
        """(hubei, jiangsu) => {
            const g = window.supplymapGeo, p = g.data.points, out = [];
            for (let i = 0; i < p.x.length; i++) {
                const x = p.x[i], y = p.y[i];
                out.push([p.id[i], g.inShape(hubei, x, y), g.inShape(jiangsu, x, y)]);
            }
            return out;
        }""",
        shape_index(HUBEI),
        shape_index("320000"),
    )
    in_hubei = {eid for eid, h, _ in inside if h}
    in_jiangsu = {eid for eid, _, j in inside if j}
    wuhan = {eid for eid, row in rows.items() if row["region"] == WUHAN}
    assert wuhan and wuhan <= in_hubei
    # points land in their own province (the sample's coordinates are city centres)
    assert in_hubei == {e for e in in_hubei if rows[e]["region"][:2] == "42"}
    assert in_jiangsu and all(rows[e]["region"][:2] == "32" for e in in_jiangsu)
    # hovering a Wuhan enterprise names it
    first = sorted(wuhan)[0]
    i = drawn.points["id"].index(first)
    call(browser, ZOOM_TO_POINT, i)
    x, y = call(browser, "(i) => window.supplymapGeo.pointAt(i)", i)
    text = hover_at(browser, x, y)
    assert rows[first]["name"] in text and "Hubei" in text
    browser.screenshot(shots / "geo-wuhan-tooltip.png")


@browser_only
def test_zoom_and_pan_keep_points_in_place(browser: Chromium, loaded: Graph, shots: Path) -> None:
    drawn = places(loaded, chain_data(loaded, "medical-supplies"))
    open_geo(browser, geo_page(drawn), shots / "geo-chain.html")
    before = call(browser, "() => window.supplymapGeo.view.slice()")
    box = call(
        browser,
        """() => { const r = document.getElementById('geo-svg').getBoundingClientRect();
                   return [r.left + r.width / 2, r.top + r.height / 2]; }""",
    )
    browser.page.mouse.move(box[0], box[1])
    browser.page.mouse.wheel(0, -400)
    browser.pump(0.2)
    zoomed = call(browser, "() => window.supplymapGeo.view.slice()")
    assert zoomed[2] < before[2] * 0.8  # zoomed in
    browser.page.mouse.down()
    browser.page.mouse.move(box[0] + 120, box[1] + 40, steps=4)
    browser.page.mouse.up()
    panned = call(browser, "() => window.supplymapGeo.view.slice()")
    assert panned[0] < zoomed[0] and panned[2] == zoomed[2]
    # a point still sits inside its province after zooming and panning
    hits = call(
        browser,
        """() => { const g = window.supplymapGeo, p = g.data.points;
            return p.x.map((_, i) => { const [x, y] = g.pointAt(i);
                const e = document.elementFromPoint(x, y); return e ? e.tagName : null; }); }""",
    )
    assert "circle" in hits
    browser.evaluate("document.getElementById('geo-fit').click()")
    whole = call(browser, "() => window.supplymapGeo.view.slice()")
    assert whole[2] >= before[2]  # everything, at least as much as the initial view
    call(browser, "() => window.supplymapGeo.fit()")
    assert call(browser, "() => window.supplymapGeo.view.slice()") == pytest.approx(before)


@browser_only
def test_a_disruption_shades_the_region_in_the_page(
    browser: Chromium, loaded: Graph, shots: Path
) -> None:
    impact = Impact(removed_regions=(HUBEI,), lost=("NOSE-WIRE",), title="Hubei locked down")
    drawn = places(loaded, disruption_data(loaded, impact))
    open_geo(browser, geo_page(drawn), shots / "geo-disruption.html")
    shaded = call(
        browser,
        """() => [...document.querySelectorAll('#geo-svg .shade path')].map(
            p => [Number(p.dataset.shape), getComputedStyle(p).fill])""",
    )
    assert [shape_index(HUBEI), "rgba(215, 25, 28, 0.45)"] in shaded
    # hovering Hubei's label point (off any enterprise) shows the scenario's words
    at = basemap().shapes[shape_index(HUBEI)].at
    call(browser, "(x, y) => window.supplymapGeo.zoomAt(x, y, 1)", at[0], at[1])
    x, y = call(browser, "(x, y) => window.supplymapGeo.toScreen(x, y)", at[0] + 15, at[1] + 8)
    text = hover_at(browser, x, y)
    assert "Hubei" in text and "removed by the scenario" in text
    browser.screenshot(shots / "geo-disruption-tooltip.png")
    # the shading can be switched off
    browser.page.select_option("#geo-shade", "none")
    assert call(browser, "() => document.querySelectorAll('#geo-svg .shade path').length") == 0


@browser_only
def test_places_tab_on_chain_and_disruption_maps(
    browser: Chromium, loaded: Graph, shots: Path
) -> None:
    open_map(browser, chain_map_html(loaded, "medical-supplies"), shots / "geo-tab-chain.html")
    assert call(browser, "() => !!document.getElementById('tab-places')")
    assert call(browser, "() => document.querySelectorAll('svg').length") == 0  # drawn on use
    browser.evaluate("document.getElementById('tab-places').click()")
    browser.pump(0.3)
    state = call(
        browser,
        """() => ({map: getComputedStyle(document.getElementById('map')).display,
                   geo: !document.getElementById('geo').hidden,
                   points: document.querySelectorAll('#geo-svg circle.point').length,
                   selected: document.getElementById('tab-places')
                                .getAttribute('aria-selected')})""",
    )
    assert state == {"map": "none", "geo": True, "points": state["points"], "selected": "true"}
    assert state["points"] > 10
    browser.screenshot(shots / "geo-tab-chain-places.png")
    browser.evaluate("document.getElementById('tab-network').click()")
    browser.pump(0.3)
    assert call(browser, "() => getComputedStyle(document.getElementById('map')).display") != "none"
    assert call(browser, "() => document.getElementById('geo').hidden")
    impact = Impact(removed_regions=(HUBEI,), lost=("NOSE-WIRE",))
    open_map(browser, disruption_map_html(loaded, impact), shots / "geo-tab-disruption.html")
    browser.evaluate("document.getElementById('tab-places').click()")
    browser.pump(0.3)
    assert call(browser, "() => window.supplymapGeo.shade") == "disruption"
    assert call(browser, "() => document.querySelectorAll('#geo-svg .shade path').length") >= 1
    browser.screenshot(shots / "geo-tab-disruption-places.png")
    assert browser.report.exceptions == [] and all(
        r.startswith(("file:", "data:", "blob:")) for r in browser.report.requests
    )


@browser_only
def test_hostile_names_stay_text(browser: Chromium, loaded: Graph, shots: Path) -> None:
    data = chain_data(loaded, EVIL_CHAIN)
    loaded.write(
        "UNWIND $ids AS id MATCH (e:Enterprise {id: id}) SET e.lat = 31.0, e.lon = 112.0",
        {"ids": [n.id for n in data.nodes if n.kind == "enterprise"]},
    )
    drawn = places(loaded, data)
    html = geo_page(drawn)
    for payload in PAYLOADS:
        if "<" in payload or "\u2028" in payload:
            assert payload not in html  # only escaped, inside the JSON block or the HTML
    open_geo(browser, html, shots / "geo-injection.html")
    tips = call(
        browser,
        "() => window.supplymapGeo.data.points.id.map((_, i) =>"
        " window.supplymapGeo.pointTip(i).join(' '))",
    )
    assert any(p in t for t in tips for p in PAYLOADS)
    i = 0
    call(browser, ZOOM_TO_POINT, i)
    x, y = call(browser, "(i) => window.supplymapGeo.pointAt(i)", i)
    hover_at(browser, x, y)
    tags = call(
        browser,
        "() => [...document.getElementById('geo-tip').querySelectorAll('*')].map(e => e.tagName)",
    )
    assert set(tags) <= {"STRONG", "DIV"}
    assert browser.report.dialogs == [] and call(browser, "() => window.__dialogs") == []
