"""Makers fold per product past a few hundred enterprises (kg/maps/aggregate.py fold_makers):
count and capacity on one node, one link to the product, trade links bundled, risky makers
kept on their own, everything still in the page to unfold."""

from __future__ import annotations

from pathlib import Path

import pytest
from maps_pages import call, open_map
from pagedriver import Chromium, find_chromium

from kg.maps.aggregate import MAKER_FOLD_FROM, aggregate, fold_makers
from kg.maps.data import MapData, MapEdge, MapNode, Results
from kg.maps.layout import map_layout
from kg.maps.render import network, page, row_spacing


def chain(n_products: int, makers_each: int) -> MapData:
    nodes: list[MapNode] = []
    edges: list[MapEdge] = []
    for p in range(n_products):
        pkey = f"product:P{p}"
        nodes.append(MapNode(pkey, "product", f"P{p}", f"Product {p}", category="material"))
        for m in range(makers_each):
            eid = f"E{p}-{m}"
            nodes.append(MapNode(f"enterprise:{eid}", "enterprise", eid, f"Maker {eid}"))
            edges.append(MapEdge(f"enterprise:{eid}", pkey, "produces", capacity=10.0))
        if p:
            edges.append(MapEdge(f"product:P{p - 1}", pkey, "input"))
            # maker 0 of the previous product supplies maker 0 of this one
            edges.append(
                MapEdge(
                    f"enterprise:E{p - 1}-0", f"enterprise:E{p}-0", "supplies", product=f"P{p - 1}"
                )
            )
    return MapData("chain", "t", "s", nodes, edges)


def test_small_maps_keep_every_maker() -> None:
    data = chain(10, 3)
    assert aggregate(data).nodes == data.nodes


def test_makers_fold_per_product_with_count_and_capacity() -> None:
    n = MAKER_FOLD_FROM // 3 + 1
    data = chain(n, 3)
    # a maker that is a single point of failure and one with a warning stay on their own
    risky = {"enterprise:E0-1", "enterprise:E1-2"}
    for node in data.nodes:
        if node.key == "enterprise:E0-1":
            node.results = Results(is_spof=True)
        if node.key == "enterprise:E1-2":
            node.results = Results(warning_level="red")
    out = aggregate(data)
    groups = {g.key: g for g in out.nodes if g.kind == "group"}
    assert len(groups) == n
    assert groups["group:makers/P0"].member_count == 2  # E0-0 and E0-2; E0-1 kept
    assert groups["group:makers/P5"].capacity == 30.0
    assert groups["group:makers/P5"].name == "3 makers of Product 5"
    hidden = {node.key for node in out.nodes if node.hidden}
    assert hidden == {k for g in groups.values() for k in g.unfolds}
    assert risky.isdisjoint(hidden)
    assert len(hidden) == 3 * n - 2
    # one link from each group to its product, trade between folded makers bundled
    assert {(e.source, e.target) for e in out.edges if e.kind == "group"} >= {
        ("group:makers/P0", "product:P0"),
        ("group:makers/P0", "group:makers/P1"),
    }
    assert any("makers are folded per product" in note for note in out.notes)
    # the page: shown at first are the products, the groups and the risky makers; each group
    # unfolds into its makers, placed beside it
    layout = map_layout(out)
    drawing = network(out, layout)
    shown = [node for node in drawing.net.nodes if not node.get("hidden")]
    assert len(shown) == n + n + len(risky)
    g = next(
        node
        for node in drawing.net.nodes
        if node["id"] == list(out.node_map()).index("group:makers/P3")
    )
    assert sorted(out.nodes[i].key for i in g["unfolds"]) == sorted(
        groups["group:makers/P3"].unfolds
    )
    gx, gy = layout.positions["group:makers/P3"]
    for key in groups["group:makers/P3"].unfolds:
        x, y = layout.positions[key]
        assert x <= gx and abs(y - gy) < 100


def test_enterprise_maps_do_not_fold_makers() -> None:
    data = chain(MAKER_FOLD_FROM, 2)
    data.kind = "enterprise"
    assert fold_makers(data) is data


OVERLAPS = """(members) => {
    // pairs of shown nodes whose shapes overlap, where one of them is a member just unfolded
    const m = window.supplymapMap, d = m.data, groups = d.options.groups, out = [];
    const pos = m.network.getPositions();
    const shown = d.nodes.map((_, i) => i).filter(i => !m.hidden[i]);
    const size = i => (groups[d.nodes[i].group] || {}).size || 10;
    for (const a of members) {
        for (const b of shown) {
            if (a === b || (members.includes(b) && b < a)) continue;
            const gap = size(a) + size(b);
            if (Math.abs(pos[a].x - pos[b].x) < gap && Math.abs(pos[a].y - pos[b].y) < gap) {
                out.push([d.search[a][0], d.search[b][0]]);
            }
        }
    }
    return out;
}"""


@pytest.mark.browser
@pytest.mark.skipif(
    find_chromium() is None,
    reason="Chromium is not installed: apt-get install -y chromium (make test does it as root)",
)
def test_unfolded_makers_overlap_no_node(tmp_path: Path) -> None:
    """A folded group unfolds into free room beside it: not over the sub-column of groups on
    its left, the groups above and below it, or the makers of a neighbour unfolded before."""
    nodes: list[MapNode] = []
    edges: list[MapEdge] = []
    for level in range(3):
        for p in range(40):
            key = f"product:P{level}-{p}"
            nodes.append(MapNode(key, "product", f"P{level}-{p}", f"Product {level}-{p}"))
            if level:
                edges.append(MapEdge(f"product:P{level - 1}-{p}", key, "input"))
            for m in range(12):
                eid = f"E{level}-{p}-{m}"
                nodes.append(MapNode(f"enterprise:{eid}", "enterprise", eid, f"Maker {eid}"))
                edges.append(MapEdge(f"enterprise:{eid}", key, "produces", capacity=1.0))
    data = aggregate(MapData("chain", "fold", "s", nodes, edges), 20_000)
    layout = map_layout(data, row_spacing(data))
    xs = {round(layout.positions[f"group:makers/P1-{p}"][0]) for p in range(40)}
    assert len(xs) >= 2  # the makers' column is wrapped into sub-columns
    path = tmp_path / "fold.html"
    with Chromium(width=1400, height=900) as browser:
        open_map(browser, page(data, layout), path)
        unfolded: list[int] = []
        for product in ("P1-20", "P1-21", "P1-19"):
            g = call(
                browser,
                "(name) => window.supplymapMap.data.search.findIndex(s => s[0] === name)",
                f"12 makers of Product {product[1:]}",
            )
            members = call(browser, "(g) => window.supplymapMap.data.nodes[g].unfolds", g)
            assert len(members) == 12
            call(browser, "(g) => window.supplymapMap.unfold(g)", g)
            unfolded += members
            assert call(browser, OVERLAPS, unfolded) == []
            where = call(
                browser,
                "(ms) => ms.map(i => window.supplymapMap.network.getPositions([i])[i])",
                members,
            )
            gx, gy = layout.positions[f"group:makers/{product}"]
            assert all(gx - 15 * 24 <= p["x"] <= gx and abs(p["y"] - gy) < 400 for p in where)
        browser.screenshot(tmp_path / "fold-unfolded.png")
