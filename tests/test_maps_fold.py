"""Makers fold per product past a few hundred enterprises (kg/maps/aggregate.py fold_makers):
count and capacity on one node, one link to the product, trade links bundled, risky makers
kept on their own, everything still in the page to unfold."""

from __future__ import annotations

from kg.maps.aggregate import MAKER_FOLD_FROM, aggregate, fold_makers
from kg.maps.data import MapData, MapEdge, MapNode, Results
from kg.maps.layout import map_layout
from kg.maps.render import network


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
