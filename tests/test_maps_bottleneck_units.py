"""The maps' rules for capacity bottlenecks, red outlines and labels, without a database.

Worked by hand: a small chain where a fabric limits two masks,

    PP -> FABRIC -> MASK-A (achievable 75 of its makers' 100), MASK-B (60 of 100)
    WIRE -> MASK-A                   (WIRE limits nothing)

with each rule's cases written out, and a page whose every name is an injection attempt.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from maps_fixtures import IMG, SCRIPT_END, SVG

from kg.maps.aggregate import aggregate
from kg.maps.data import (
    PRODUCER_CAPACITY,
    Bottleneck,
    Limit,
    MapData,
    MapEdge,
    MapNode,
    Results,
    Upstream,
    capacity_bottlenecks,
)
from kg.maps.layout import MapLayout, map_layout
from kg.maps.render import labels, network, page, room_right
from kg.maps.style import (
    BOTTLENECK_SIZE,
    LABEL_BOTTLENECK,
    LABEL_MAKER,
    LIMITING_WIDTH,
    RISK_RED,
    label_rank,
    label_style,
    label_tier,
    legend,
    link_style,
    link_style_key,
    node_size,
    node_style,
    node_style_key,
)
from kg.maps.text import bottleneck_sentence, short_name, upstream_sentence
from kg.model import PRODUCT_ANALYSIS_RESULTS

P = "product:"


def product(pid: str, name: str | None = None, **results: object) -> MapNode:
    return MapNode(
        P + pid, "product", pid, name or pid, category="material", results=Results(**results)
    )


def enterprise(eid: str, **results: object) -> MapNode:
    return MapNode(f"enterprise:{eid}", "enterprise", eid, eid, results=Results(**results))


def bom(a: str, b: str) -> MapEdge:
    return MapEdge(P + a, P + b, "input")


def masks() -> MapData:
    """The worked chain, as the analyses would have written its results."""
    mask_a = product("MASK-A", "Mask A (grade 1)", limiting_input="FABRIC", achievable_per_day=75.0)
    mask_a.producer_capacity = 100.0
    mask_b = product("MASK-B", "Mask B", limiting_input="FABRIC", achievable_per_day=60.0)
    mask_b.capacity = 100.0  # no producer_capacity_per_day: the producers' sum stands in
    nodes = [
        product("PP", "Polypropylene", sourcing="multiple", is_spof=True),
        product("FABRIC", "Melt-blown fabric, filter grade", sourcing="multiple"),
        product("WIRE", "Nose wire", sourcing="sole"),
        mask_a,
        mask_b,
        enterprise("MAKER", is_spof=True),
        enterprise("OTHER", is_spof=False),
    ]
    nodes[5].category = nodes[6].category = "material"
    edges = [
        bom("PP", "FABRIC"),
        bom("FABRIC", "MASK-A"),
        bom("FABRIC", "MASK-B"),
        bom("WIRE", "MASK-A"),
        MapEdge("enterprise:MAKER", P + "FABRIC", "produces", capacity=1.0),
        MapEdge("enterprise:OTHER", P + "WIRE", "produces", capacity=1.0),
    ]
    data = MapData("chain", "Masks", "", nodes, edges)
    data.product_names = {n.id: n.name for n in nodes if n.kind == "product"}
    data.bottlenecks = capacity_bottlenecks(nodes)
    return data


# ---- the red outline ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("results", "outlined"),
    [
        ({"sourcing": "sole"}, True),
        ({"sourcing": "none"}, True),  # producers on record, none live
        ({"sourcing": "multiple", "regional_single_source": True}, True),
        ({"sourcing": "multiple", "group_single_source": True}, True),
        ({"sourcing": "multiple", "is_spof": True}, False),  # an input with no substitute
        ({"sourcing": "unknown", "is_spof": True}, False),
        ({"sourcing": "multiple", "regional_single_source": False}, False),
        ({}, False),
    ],
)
def test_products_are_outlined_for_their_own_sourcing(
    results: dict[str, object], outlined: bool
) -> None:
    assert product("X", **results).outlined is outlined


def test_enterprises_regions_and_groups_are_outlined_when_a_single_point_of_failure() -> None:
    assert enterprise("E", is_spof=True).outlined
    assert not enterprise("E", is_spof=False).outlined
    assert not enterprise("E", sourcing="sole").outlined  # sourcing is a product's property
    region = MapNode("region:R", "region", "R", "R", results=Results(is_spof=True))
    assert region.outlined
    group = MapNode("group:g", "group", "g", "g", group_of="product", results=Results(is_spof=True))
    assert group.outlined


def test_outline_is_what_the_node_style_draws() -> None:
    data = masks()
    styles = {
        n.id: node_style(node_style_key(n, data, 0.0, n.key in data.bottleneck_inputs()))
        for n in data.nodes
    }
    red = {nid for nid, st in styles.items() if st["color"]["border"] == RISK_RED}
    assert red == {"WIRE", "MAKER"}  # not PP: a SPOF only for want of a substitute
    assert styles["WIRE"]["borderWidth"] == 4 and styles["PP"]["borderWidth"] == 1


def test_groups_count_outlined_members() -> None:
    parts = [product(f"p{i}", sourcing="multiple", is_spof=True) for i in range(6)]
    parts[2] = product("p2", sourcing="multiple", group_single_source=True)
    nodes = [*parts, product("x")]
    # a limit too small to keep the risky member apart
    data = aggregate(MapData("chain", "t", "", nodes, [bom(f"p{i}", "x") for i in range(6)]), 1)
    group = next(n for n in data.nodes if n.kind == "group")
    assert group.member_count == 6 and group.outlined
    assert group.results.warning_reason == "1 single source(s) or single point(s) of failure inside"


# ---- capacity bottlenecks -------------------------------------------------------------------


def test_bottlenecks_are_the_limiting_inputs_on_the_map() -> None:
    assert masks().bottlenecks == [
        Bottleneck(
            (P + "FABRIC",), (Limit(P + "MASK-A", 75.0, 100.0), Limit(P + "MASK-B", 60.0, 100.0))
        )
    ]


def test_bottleneck_rules_for_substitutes_absent_inputs_and_no_shortfall() -> None:
    nodes = [
        product("A"),
        product("B"),
        product("C"),
        # substitutes A and B limit X together
        product("X", limiting_input="B|A", achievable_per_day=10.0),
        # the limiting input is not on this map: nothing to draw
        product("Y", limiting_input="ELSEWHERE", achievable_per_day=1.0),
        # achievable output not below capacity: not held back
        product("Z", limiting_input="C", achievable_per_day=50.0),
        # held back harder than X: listed first
        product("W", limiting_input="C", achievable_per_day=1.0),
    ]
    nodes[3].producer_capacity = 40.0
    nodes[5].producer_capacity = 50.0
    nodes[6].producer_capacity = 20.0
    found = capacity_bottlenecks(nodes)
    assert found == [
        Bottleneck((P + "C",), (Limit(P + "W", 1.0, 20.0),)),
        Bottleneck((P + "A", P + "B"), (Limit(P + "X", 10.0, 40.0),)),
    ]
    assert [b.worst for b in found] == [0.05, 0.25]
    assert Limit(P + "X", 10.0, None).share is None and Limit(P + "X", None, 5.0).share is None


def test_bottleneck_in_words() -> None:
    data = masks()
    names = {n.key: n.name for n in data.nodes}
    assert bottleneck_sentence(data.bottlenecks[0], names) == (
        "Melt-blown fabric, filter grade limits Mask A to 75/day (75% of its makers' 100) "
        "and Mask B to 60/day (60%)"
    )
    both = Bottleneck(
        (P + "PP", P + "FABRIC"),
        (
            Limit(P + "MASK-A", 2_500_000.0, None),
            Limit(P + "MASK-B", 1.0, 4.0),
            Limit(P + "WIRE", None, None),
        ),
    )
    assert bottleneck_sentence(both, names) == (
        "Polypropylene or Melt-blown fabric, filter grade (substitutes, together) limit "
        "Mask A to 2,500,000/day, Mask B to 1/day (25% of its makers' 4) and "
        "Nose wire (achievable output not on record)"
    )
    behind = Bottleneck(
        (P + "FABRIC",),
        (Limit(P + "MASK-A", 1.0, 2.0),),
        (
            Upstream("enterprise", "E1", "Peroxide Works", "PP"),
            Upstream("region", "330000", "Zhejiang", None),
        ),
    )
    assert upstream_sentence(behind, data.product_names) == (
        "Peroxide Works (enterprise, through Polypropylene); Zhejiang (region)"
    )
    assert upstream_sentence(data.bottlenecks[0], data.product_names) is None


def test_short_names_end_at_the_first_qualifier() -> None:
    assert short_name("Melt-blown nonwoven, filter grade (BFE 99)") == "Melt-blown nonwoven"
    assert short_name("N95 medical protective respirator (GB 19083)") == (
        "N95 medical protective respirator"
    )
    assert short_name("Azvudine tablets, 1 mg, bottle of 35") == "Azvudine tablets"
    assert short_name("alert(1)") == "alert(1)"  # no space before the bracket: not a qualifier
    assert short_name("X (a), b") == "X (a), b"  # too short a head: whole
    # products whose short names coincide keep their full names; enterprises keep theirs
    nodes = [
        product("W40", "Processed wafer, 40 nm"),
        product("W110", "Processed wafer, 110 nm"),
        product("GAS", "Neon, excimer-laser grade"),
        enterprise("Maker Co., Ltd. (Shanghai)"),
    ]
    assert labels(nodes) == [
        "Processed wafer, 40 nm",
        "Processed wafer, 110 nm",
        "Neon",
        "Maker Co., Ltd. (Shanghai)",
    ]


# ---- the drawing ----------------------------------------------------------------------------


def test_bottleneck_is_the_largest_node_of_its_map() -> None:
    critical = product("C", capacity_criticality=1.0)
    assert node_size(critical, 0.0, False) < BOTTLENECK_SIZE
    assert node_size(critical, 0.0, False, bottleneck=True) == BOTTLENECK_SIZE
    big_group = MapNode("group:g", "group", "g", "g", group_of="product", member_count=10**6)
    assert node_size(big_group, 0.0, False) < BOTTLENECK_SIZE
    assert node_size(enterprise("E", capacity_criticality=1.0), 0.0, True) < BOTTLENECK_SIZE
    data = masks()
    drawing = network(data, map_layout(data))
    sizes = [drawing.net.options["groups"][n["group"]]["size"] for n in drawing.net.nodes]
    fabric = data.nodes.index(data.node_map()[P + "FABRIC"])
    assert sizes[fabric] == BOTTLENECK_SIZE == max(sizes)
    assert sorted(sizes).count(BOTTLENECK_SIZE) == 1
    style = drawing.net.options["groups"][drawing.net.nodes[fabric]["group"]]
    assert style["color"]["border"] == "#111111" and style["borderWidth"] == 3


def test_links_to_what_a_bottleneck_holds_back_are_thick_and_red() -> None:
    data = masks()
    drawing = network(data, map_layout(data))
    index = {n.key: i for i, n in enumerate(data.nodes)}
    styles = drawing.link_styles
    red = {
        (f, t)
        for f, t, s in zip(*drawing.links.values(), strict=True)
        if styles[s]["color"] == RISK_RED
    }
    fabric = index[P + "FABRIC"]
    assert red == {(fabric, index[P + "MASK-A"]), (fabric, index[P + "MASK-B"])}
    thick = link_style(link_style_key(data.edges[1], data, data.node_map(), limiting=True))
    assert thick["width"] == LIMITING_WIDTH == max(s["width"] for s in styles)
    assert thick["z"] == max(s["z"] for s in styles) and styles[-1] == thick  # drawn last
    assert thick["px"] > 1.3  # stays thick on screen at the whole-map view
    # only BOM links are ever emphasised
    trade = MapEdge("enterprise:A", "enterprise:B", "supplies", share=1.0)
    assert link_style_key(trade, data, data.node_map(), limiting=True)[-1] is False


def test_labels_fonts_tiers_and_order() -> None:
    data = masks()
    fabric, maker = data.node_map()[P + "FABRIC"], data.node_map()["enterprise:MAKER"]
    assert label_style(fabric, data, bottleneck=True) == LABEL_BOTTLENECK
    assert LABEL_BOTTLENECK[0].startswith("700 ")  # bold
    assert label_style(maker, data) == LABEL_MAKER
    # makers' names wait for the zoom on chain maps, not on enterprise maps
    assert label_tier(maker, data) == 1 and label_tier(fabric, data) == 0
    assert label_tier(maker, MapData("enterprise", "t", "", [maker], [])) == 0
    drawing = network(data, map_layout(data))
    order = [data.nodes[i].id for i in drawing.label_order]
    # the bottleneck first; then what it holds back and what is outlined (products before
    # makers); then the rest
    assert order == ["FABRIC", "WIRE", "MASK-A", "MASK-B", "MAKER", "PP", "OTHER"]
    assert label_rank(maker, data, 9.0, False, False)[:2] == (1, 1)  # outlined, a maker
    payload = {n["label"]: n for n in drawing.net.nodes}
    assert payload["Melt-blown fabric"]["em"] is True and payload["Mask A"]["em"] is False
    assert payload["MAKER"]["lt"] == 1


def test_label_room_reaches_the_next_column() -> None:
    layout = MapLayout(
        {"a": (0.0, 0.0), "b": (0.0, 50.0), "m": (300.0, 0.0), "c": (900.0, 0.0)}, ()
    )
    assert room_right(layout, ["a", "b", "m", "c"]) == [300.0, 300.0, 600.0, None]
    assert room_right(layout, ["a", "m"], among=["a", "b", "c"]) == [900.0, 600.0]


def test_legend_says_what_red_means() -> None:
    data = masks()
    items = {item.label: item for _, section in legend(data, True) for item in section}
    assert "capacity bottleneck: the input that limits output most (largest)" in items
    assert items["its link to each product it holds back"].colour == RISK_RED
    assert "product with a single source: one maker (or none live), region or owner" in items
    assert "enterprise or region whose loss stops a key product" in items
    assert "an input with no substitute is not outlined: see its tooltip" in items
    plain = MapData("chain", "t", "", [product("A")], [])
    texts = {item.label for _, section in legend(plain, True) for item in section}
    assert not any(t.startswith("capacity bottleneck") or "enterprise or" in t for t in texts)


def test_aggregation_keeps_bottlenecks_and_what_they_hold_apart() -> None:
    data = masks()
    extra = [product(f"f{i}") for i in range(20)]
    data.nodes += extra
    data.edges += [bom(f"f{i}", "MASK-B") for i in range(20)]
    out = aggregate(data, 12)
    keys = {n.key for n in out.nodes}
    assert {P + "FABRIC", P + "MASK-A", P + "MASK-B"} <= keys
    assert out.bottlenecks == data.bottlenecks


def test_tooltips_say_what_a_bottleneck_does() -> None:
    data = masks()
    tips = network(data, map_layout(data)).tips
    by_id = {n.id: tips[i] for i, n in enumerate(data.nodes)}
    assert by_id["FABRIC"].splitlines()[2:5] == [
        "CAPACITY BOTTLENECK: limits the output of 2 product(s) on this map",
        "· Mask A to 75/day (75% of its makers' 100)",
        "· Mask B to 60/day (60% of its makers' 100)",
    ]
    assert (
        "HELD BACK by Melt-blown fabric, filter grade: 75/day of its makers' 100 (75%)"
        in (by_id["MASK-A"])
    )
    # an input that is a SPOF for want of a substitute still says so
    assert "SINGLE POINT OF FAILURE of a key product" in by_id["PP"]


class _Callout(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth or ("class", "callout") in attrs:
            self.depth += 1
            self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)


def callout(html: str) -> tuple[str, list[str]]:
    parser = _Callout()
    parser.feed(html)
    return "".join(parser.text), parser.tags


def test_callout_in_the_page_header() -> None:
    html = page(masks())
    text, tags = callout(html)
    assert text.startswith(
        "Capacity bottleneck: Melt-blown fabric, filter grade limits Mask A to 75/day "
        "(75% of its makers' 100) and Mask B to 60/day (60%)."
    )
    assert tags == ["div", "p", "strong", "span", "button"]
    assert re.search(r'<button type="button" class="show" data-node="1">', html)
    plain = page(MapData("chain", "t", "", [product("A")], []))
    assert 'class="callout"' not in plain


def test_callout_shows_any_name_as_text() -> None:
    raw = product("RAW", SVG)
    out = product("OUT", IMG, limiting_input="RAW", achievable_per_day=5.0)
    out.producer_capacity = 10.0
    data = MapData("chain", SCRIPT_END, "", [raw, out], [bom("RAW", "OUT")])
    data.product_names = {"RAW": SVG, "OUT": IMG}
    data.bottlenecks = [
        Bottleneck(
            (P + "RAW",),
            (Limit(P + "OUT", 5.0, 10.0),),
            (Upstream("enterprise", "E", SCRIPT_END, "RAW"),),
        )
    ]
    html = page(data)
    for attack in (IMG, SVG, SCRIPT_END):
        assert attack not in html
    text, tags = callout(html)
    assert f"{SVG} limits {IMG} to 5/day (50% of its makers' 10)." in text
    assert f"{SCRIPT_END} (enterprise, through {SVG})." in text
    assert set(tags) <= {"div", "p", "strong", "span", "button"}
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html)
    assert found is not None
    payload = json.loads(found.group(1))
    assert payload["bottlenecks"] == [{"inputs": [0], "limits": [[1, 5.0, 10.0]]}]


def test_producer_capacity_is_a_declared_analysis_result() -> None:
    assert PRODUCER_CAPACITY in {p.name for p in PRODUCT_ANALYSIS_RESULTS}
