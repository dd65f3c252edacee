"""The parts of the maps that need no database: layout, aggregation, text and escaping."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

import numpy as np
import pytest

from kg.maps.aggregate import aggregate
from kg.maps.data import MapData, MapEdge, MapNode, Results
from kg.maps.impact import Impact, analysis_disrupt
from kg.maps.layout import (
    ASPECT,
    ROW,
    choose_rows,
    layered,
    longest_path_levels,
    map_layout,
    order_in_columns,
    product_levels,
)
from kg.maps.render import label, page, script_json
from kg.maps.text import edge_title, node_title, number, percent
from kg.model import NODE_RESULTS, PRODUCT_RESULTS, WARNING_EXTRA, WARNING_RESULTS


def arr(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def product(pid: str, category: str = "component", **results: object) -> MapNode:
    return MapNode(
        f"product:{pid}", "product", pid, pid, category=category, results=Results(**results)
    )


def bom(a: str, b: str) -> MapEdge:
    return MapEdge(f"product:{a}", f"product:{b}", "input")


def test_results_read_exactly_the_agreed_properties() -> None:
    agreed = {p.name for p in (*PRODUCT_RESULTS, *NODE_RESULTS, *WARNING_RESULTS)}
    assert {f.name for f in fields(Results)} == agreed | {"warning_runs_out"}
    assert "warning_runs_out" in {p.name for p in WARNING_EXTRA}


def test_results_coerce_what_the_graph_holds() -> None:
    r = Results.from_row(
        {"hhi": "0.5", "is_spof": "true", "producers": 2.0, "warning_level": "RED "}
    )
    assert (r.hhi, r.is_spof, r.producers, r.warning_level) == (0.5, True, 2, "red")
    assert Results.from_row({"hhi": "n/a", "capacity_criticality": float("nan")}) == Results()
    assert Results(sourcing="sole").flagged and Results(is_spof=True).flagged
    assert not Results(sourcing="multiple", is_spof=False).flagged


def test_levels_are_longest_paths_and_survive_cycles() -> None:
    # 0 -> 1 -> 3, 0 -> 2 -> 3, 2 -> 4; and a cycle 5 -> 6 -> 5 fed by 4
    src = arr([0, 1, 0, 2, 2, 4, 5, 6])
    dst = arr([1, 3, 2, 3, 4, 5, 6, 5])
    levels = longest_path_levels(7, src, dst)
    assert levels[:5].tolist() == [0, 1, 1, 2, 2]
    assert levels[5] == 3 and levels[6] == 4  # the edge closing the cycle is ignored


def test_bought_in_parts_sit_just_before_their_first_use() -> None:
    nodes = [
        product("ore", "raw material"),
        product("steel", "material"),
        product("frame"),
        product("screw"),  # no inputs: placed next to the frame, not with the ore
        product("pigment", "raw material"),  # a raw material stays in the first column
    ]
    edges = [
        bom("ore", "steel"),
        bom("steel", "frame"),
        bom("screw", "frame"),
        bom("pigment", "frame"),
    ]
    levels = product_levels(MapData("chain", "t", "", nodes, edges))
    assert {k.split(":")[1]: v for k, v in levels.items()} == {
        "ore": 0,
        "steel": 1,
        "frame": 2,
        "screw": 1,
        "pigment": 0,
    }


def test_barycentre_ordering_uncrosses_a_crossed_pair() -> None:
    # column 0: a, b; column 1: c, d; edges a->d, b->c cross when c comes first
    column = arr([0, 0, 1, 1])
    rank = np.array([0.0, 1.0, 2.0, 3.0])
    pos = order_in_columns(column, rank, arr([0, 1]), arr([3, 2]))
    assert (pos[0] < pos[1]) == (pos[3] < pos[2])


def test_tall_columns_wrap_towards_a_screen_shape() -> None:
    sizes = arr([900, 30, 30, 10])
    rows = choose_rows(sizes)
    assert 10 <= rows < 900
    lay = layered(np.repeat(np.arange(4), sizes), np.arange(970.0), arr([]), arr([]))
    width = lay.x.max() - lay.x.min()
    height = lay.y.max() - lay.y.min()
    assert 0.5 * ASPECT < width / height < 2 * ASPECT
    # every node has a place of its own
    assert len({(round(x), round(y)) for x, y in zip(lay.x, lay.y, strict=True)}) == 970
    assert lay.columns[0].size == 900 and lay.columns[0].right > lay.columns[0].left


def test_short_maps_get_room_between_rows() -> None:
    lay = layered([0, 0, 1], [0.0, 1.0, 2.0], [0], [2])
    assert abs(lay.y[1] - lay.y[0]) > ROW


def test_layout_places_groups_and_regions() -> None:
    nodes = [
        MapNode("region:R", "region", "R", "Region"),
        product("a", "raw material"),
        MapNode("group:g", "group", "g", "parts (3)", category="component", group_of="product"),
    ]
    edges = [MapEdge("product:a", "group:g", "group", count=3)]
    lay = map_layout(MapData("disruption", "t", "", nodes, edges))
    x = {k: v[0] for k, v in lay.positions.items()}
    assert x["region:R"] < x["product:a"] < x["group:g"]


def test_aggregation_keeps_risky_products_apart_when_there_is_room() -> None:
    # ten raw parts go into one product; two of them are risky
    parts = [product(f"p{i}", "raw material") for i in range(10)]
    parts[3] = product("p3", "raw material", sourcing="sole")
    parts[7] = product("p7", "raw material", warning_level="yellow")
    nodes = [*parts, product("x", "final")]
    edges = [bom(f"p{i}", "x") for i in range(10)]
    data = aggregate(MapData("chain", "t", "", nodes, edges), 8)
    keys = {n.key for n in data.nodes}
    assert keys == {"product:p3", "product:p7", "product:x", "group:L0/raw material/product:x"}
    group = data.node_map()["group:L0/raw material/product:x"]
    assert group.member_count == 8 and not group.results.flagged
    assert any("kept apart" in note for note in data.notes)
    with pytest.raises(ValueError, match="at least 1"):
        aggregate(data, 0)


def test_numbers_and_tooltips_read_plainly() -> None:
    assert [number(v) for v in (2_000_000.0, 12.5, 8.0, 0.25, 0.000004, None)] == [
        "2,000,000",
        "12.5",
        "8",
        "0.25",
        "4e-06",
        "-",
    ]
    assert percent(0.271) == "27%"
    n = product("MB", "material", sourcing="sole", hhi=1.0, is_spof=True, capacity_criticality=0.4)
    n.producers = [("A", 8.0)]
    n.capacity, n.unit = 8.0, "t"
    tip = node_title(n, 1, 2, 0)
    assert tip.splitlines()[:4] == [
        "MB",
        "product MB · material",
        "capacity: 8 t/day from 1 producer(s)",
        "producers: A (8)",
    ]
    assert "sourcing: SOLE SOURCE (one producer)" in tip and "HHI 1.00" in tip
    assert "SINGLE POINT OF FAILURE of a key product · capacity criticality 40%" in tip
    edge = MapEdge(
        "enterprise:a", "enterprise:b", "supplies", product="MB", share=1.0, single_source=True
    )
    assert edge_title(edge, {"enterprise:a": "A", "enterprise:b": "B"}, {"MB": "Melt-blown"}) == (
        "A supplies Melt-blown to B · 100% of its purchases\nDECLARED SINGLE SOURCE"
    )


def test_labels_say_what_a_scenario_does() -> None:
    n = product("N95", "final")
    n.status, n.remaining = "reduced", 0.4
    assert label(n) == "N95 (40% left)"
    n.status = "removed"
    assert label(n) == "✕ N95"
    n.name = "x" * 50
    assert label(n).endswith("…") and len(label(n)) == 34


def test_script_json_cannot_close_the_script_or_open_a_comment() -> None:
    nasty = "</script><!--<script>\u2028\u2029&amp;"
    text = script_json({"k": nasty})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"k": nasty}


def test_empty_map_still_renders() -> None:
    html = page(MapData("chain", "Empty <chain>", "nothing yet", [], []), has_results=False)
    assert "<h1>Empty &lt;chain&gt;</h1>" in html and "0 nodes · 0 links" in html


@dataclass(frozen=True)
class ProductResult:  # the shape of kg.analysis.disruption.ProductImpact
    product: str
    key: bool
    remaining_share: float | None
    days_of_cover: float | None
    days_to_recover: float | None
    at_risk: bool | None


@dataclass(frozen=True)
class ScenarioResult:  # the shape of kg.analysis.disruption.Impact
    enterprises: tuple[str, ...]
    regions: tuple[str, ...]
    products: tuple[str, ...]
    lost: list[ProductResult]
    reduced: list[ProductResult]
    key_output_lost: float | None


def test_impact_from_the_analyses_disruption_scenario() -> None:
    result = ScenarioResult(
        ("E1",),
        ("330000",),
        (),
        [ProductResult("N95", True, 0.0, 3.0, 14.0, True)],
        [ProductResult("SURG-MASK", True, 0.35, None, None, None)],
        0.42,
    )
    impact = Impact.from_scenario(result, "Zhejiang")
    assert impact.removed_enterprises == ("E1",) and impact.removed_regions == ("330000",)
    assert impact.lost == ("N95",) and impact.reduced == (("SURG-MASK", 0.35),)
    assert impact.title == "Zhejiang"
    assert impact.extra == {
        "Key-product output lost": "42%",
        "At risk (stock runs out before recovery)": "N95 (stock lasts 3.0 days, recovery takes "
        "14.0 days)",
    }


def test_disrupt_is_used_only_when_the_analyses_are_installed() -> None:
    try:
        import kg.analysis as analysis
    except ImportError:
        assert analysis_disrupt() is None
        return
    assert analysis_disrupt() is getattr(analysis, "disrupt", None)
