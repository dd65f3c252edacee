"""The visual encoding: colour by product category, size by criticality, red outline for sole
sources and single points of failure, a coloured halo for warnings, dashed edges for declared
single sources; in a disruption map, fill by what the scenario does to each node.

The palette is Okabe-Ito (readable with the common colour-vision deficiencies); red is kept
for risk (outline, lost) and never used as a category colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kg.maps.data import MapData, MapEdge, MapNode
from kg.model import PRODUCT_CATEGORIES

CATEGORY_COLOURS: dict[str, str] = {
    "raw material": "#a6761d",
    "material": "#e69f00",
    "component": "#56b4e9",
    "equipment": "#cc79a7",
    "final": "#009e73",
}
UNCATEGORISED = "#9e9e9e"
DISRUPTION_PATH = "#b2182b"
RISK_RED = "#d7191c"
WARNING_COLOURS: dict[str, str] = {
    "red": "rgba(215,25,28,0.9)",
    "yellow": "rgba(235,190,0,0.95)",
    "blue": "rgba(33,102,172,0.9)",
}
STATUS_COLOURS: dict[str, str] = {
    "removed": "#252525",
    "lost": "#d7191c",
    "reduced": "#fdae61",
    "normal": "#dcdcdc",
}
SHAPES: dict[str, str] = {
    "product": "dot",
    "enterprise": "square",
    "region": "triangle",
    "group": "hexagon",
}
BASE_SIZE: dict[str, float] = {"product": 13.0, "enterprise": 9.0, "region": 16.0, "group": 15.0}
EDGE_COLOURS: dict[str, str] = {
    "input": "#6f7f8f",
    "produces": "#a8a8a8",
    "supplies": "#3f6fa8",
    "located": "#7a7a7a",
    "group": "#6f7f8f",
}


def category_colour(category: str | None) -> str:
    return CATEGORY_COLOURS.get((category or "").strip().lower(), UNCATEGORISED)


@lru_cache(maxsize=256)
def _darker(colour: str, factor: float = 0.7) -> str:
    if not colour.startswith("#") or len(colour) != 7:
        return colour
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(int(c * factor) for c in (r, g, b)))


def criticality(node: MapNode, top_score: float) -> float:
    """0..1: capacity criticality when known, else the bottleneck score against the map's top."""
    r = node.results
    if r.capacity_criticality is not None:
        return max(0.0, min(1.0, r.capacity_criticality))
    if r.bottleneck_score is not None and top_score > 0:
        return max(0.0, min(1.0, r.bottleneck_score / top_score))
    return 0.0


def node_size(node: MapNode, top_score: float, root: bool) -> float:
    base = BASE_SIZE[node.kind]
    if root:
        return 26.0
    if node.kind == "group":
        return min(base * (1.0 + 0.45 * math.log10(max(node.member_count, 1))), 42.0)
    if node.status in ("lost", "reduced"):
        base *= 1.8  # what a scenario hits stands out
    elif node.status == "removed":
        base *= 1.4
    return round(base * (1.0 + 1.6 * math.sqrt(criticality(node, top_score))), 1)


@lru_cache(maxsize=256)
def _lighter(colour: str, towards_white: float = 0.4) -> str:
    if not colour.startswith("#") or len(colour) != 7:
        return colour
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(int(c + (255 - c) * towards_white) for c in (r, g, b)))


def fill_colour(node: MapNode, data: MapData) -> str:
    """Products in their category's colour; makers in a lighter tint of what they make."""
    if data.kind == "disruption":
        return STATUS_COLOURS.get(node.status, STATUS_COLOURS["normal"])
    if node.kind == "region":
        return UNCATEGORISED
    colour = category_colour(node.category)
    maker = node.kind == "enterprise" or node.group_of == "enterprise"
    return _lighter(colour) if maker and data.kind == "chain" else colour


NodeStyleKey = tuple[str, str, bool, bool, float, str | None, str, bool]


def node_style_key(node: MapNode, data: MapData, top_score: float) -> NodeStyleKey:
    """Everything a node's drawing depends on; nodes with equal keys share one vis group."""
    root = data.root == node.key
    return (
        node.kind,
        fill_colour(node, data),
        node.results.flagged,
        root,
        node_size(node, top_score, root),
        node.results.warning_level if node.results.warning_level in WARNING_COLOURS else None,
        node.status,
        data.kind == "disruption",
    )


@lru_cache(maxsize=4096)
def node_style(key: NodeStyleKey) -> dict[str, Any]:
    """The vis-network node options for a style key (shared: do not change the result)."""
    kind, fill, flagged, root, size, level, status, disruption = key
    border = RISK_RED if flagged else ("#111111" if root else _darker(fill))
    style: dict[str, Any] = {
        "shape": SHAPES[kind],
        "size": size,
        "borderWidth": 4 if flagged else (3 if root else 1),
        "borderWidthSelected": 5 if flagged else 3,
        "color": {
            "background": fill,
            "border": border,
            "highlight": {"background": fill, "border": "#000000"},
            "hover": {"background": fill, "border": "#000000"},
        },
    }
    if disruption and status == "normal":
        style["font"] = {"color": "#8c8c8c"}
    if status == "removed":
        style["font"] = {"color": "#000000", "strokeWidth": 3, "strokeColor": "#ffffff"}
    if level is not None:
        style["shadow"] = {
            "enabled": True,
            "color": WARNING_COLOURS[level],
            "size": 22,
            "x": 0,
            "y": 0,
        }
    return style


def vis_node(node: MapNode, data: MapData, top_score: float) -> dict[str, Any]:
    """The vis-network node options (no id, label, position or title: render adds those)."""
    return node_style(node_style_key(node, data, top_score))


LinkStyleKey = tuple[str, float, bool, int, bool, bool, bool]
DENSE_LINKS = 1500  # above this many links, ordinary links are drawn fainter


def link_style_key(
    edge: MapEdge, data: MapData, nodes: dict[str, MapNode], dense: bool = False
) -> LinkStyleKey:
    """Everything a link's drawing depends on."""
    share = edge.share if edge.share is not None else 0.3
    on_path = False
    if data.kind == "disruption":
        source = nodes.get(edge.source)
        target = nodes.get(edge.target)
        on_path = (
            source is not None
            and target is not None
            and source.status in ("removed", "lost", "reduced")
            and target.status != "normal"
        )
    width = round(max(0.0, min(1.0, share)), 1) if edge.kind == "supplies" else 0.0
    count = min(edge.count, 256) if edge.kind == "group" else 1
    trade_map = data.kind == "enterprise"
    return (edge.kind, width, edge.single_source, count, on_path, dense, trade_map)


@lru_cache(maxsize=4096)
def link_style(key: LinkStyleKey) -> dict[str, Any]:
    """How the page draws a link: colour, width, opacity, dashes, curve; z orders emphasis."""
    kind, share, single_source, count, on_path, dense, trade_map = key
    style: dict[str, Any] = {"color": EDGE_COLOURS[kind], "width": 1.0, "opacity": 0.55, "z": 0}
    if kind == "input":
        style.update(width=1.4, opacity=0.45 if dense else 0.65)
    elif kind == "produces":
        style.update(opacity=0.45 if dense else 0.7)
    elif kind == "supplies":
        # On a chain map the products and their BOM are the skeleton and trade links would
        # hide it: they are fainter there, and fainter still on dense maps (the declared
        # single sources below stay strong). On an enterprise map trade is the subject.
        if trade_map:
            style.update(width=round(1.0 + 3.0 * share, 1), opacity=0.45 if dense else 0.75)
        else:
            style.update(
                width=1.0 if dense else round(0.8 + 1.6 * share, 1),
                opacity=0.15 if dense else 0.35,
            )
        style["z"] = 1
        # Trade links arc away from the straight production and BOM lines they run beside.
        style["curve"] = 0.12
        if single_source:
            style.update(dashes=[9, 6], opacity=0.9, z=2)
    elif kind == "group":
        style.update(width=round(min(1.0 + math.log2(max(count, 1)), 8.0), 1), opacity=0.6)
    if on_path:
        style.update(color=DISRUPTION_PATH, opacity=0.95, z=3)
        style["width"] = max(float(style["width"]), 2.5)
    return style


@dataclass(frozen=True)
class LegendItem:
    kind: str  # "fill", "shape", "outline", "halo", "line", "dashed", "size", "text"
    label: str
    colour: str = ""
    shape: str = ""


def legend(data: MapData, has_results: bool) -> list[tuple[str, list[LegendItem]]]:
    """Legend sections for what this map shows, in order."""
    sections: list[tuple[str, list[LegendItem]]] = []
    kinds = {n.kind for n in data.nodes}
    edge_kinds = {e.kind for e in data.edges}
    if data.kind == "disruption":
        sections.append(
            (
                "Scenario",
                [
                    LegendItem("fill", "removed", STATUS_COLOURS["removed"]),
                    LegendItem("fill", "lost: no longer available", STATUS_COLOURS["lost"]),
                    LegendItem("fill", "reduced: output left in label", STATUS_COLOURS["reduced"]),
                    LegendItem("fill", "not affected", STATUS_COLOURS["normal"]),
                    LegendItem("line", "path of the disruption", DISRUPTION_PATH),
                ],
            )
        )
    else:
        present = {(n.category or "").strip().lower() for n in data.nodes if n.kind != "region"}
        items = [
            LegendItem("fill", c, CATEGORY_COLOURS[c])
            for c in PRODUCT_CATEGORIES
            if c in present and c in CATEGORY_COLOURS
        ]
        if present - set(CATEGORY_COLOURS):
            items.append(LegendItem("fill", "other / uncategorised", UNCATEGORISED))
        sections.append(("Product category", items))
    shapes = [
        LegendItem("shape", label, shape=SHAPES[kind])
        for kind, label in (
            ("product", "product"),
            ("enterprise", "enterprise"),
            ("region", "region"),
            ("group", "group of many (aggregated)"),
        )
        if kind in kinds
    ]
    if shapes:
        sections.append(("Shape", shapes))
    risk = [
        LegendItem("outline", "sole source or single point of failure", RISK_RED),
        LegendItem("size", "larger: more critical (capacity criticality / bottleneck score)"),
    ]
    warned = {n.results.warning_level for n in data.nodes} & set(WARNING_COLOURS)
    risk += [
        LegendItem("halo", f"{level} warning", WARNING_COLOURS[level])
        for level in ("red", "yellow", "blue")
        if level in warned
    ]
    if not has_results:
        risk.append(LegendItem("text", "no analysis results in the graph yet: drawn plainly"))
    sections.append(("Risk", risk))
    lines = []
    if "input" in edge_kinds:
        lines.append(LegendItem("line", "input to (bill of materials)", EDGE_COLOURS["input"]))
    if "produces" in edge_kinds:
        lines.append(LegendItem("line", "makes (capacity in tooltip)", EDGE_COLOURS["produces"]))
    if "supplies" in edge_kinds:
        dense = len(data.edges) > DENSE_LINKS
        what = "supplies (faint: many on this map)" if dense else "supplies (width: share)"
        lines.append(LegendItem("line", what, EDGE_COLOURS["supplies"]))
        lines.append(LegendItem("dashed", "declared single source", EDGE_COLOURS["supplies"]))
    if "group" in edge_kinds:
        lines.append(
            LegendItem("line", "links between groups (width: count)", EDGE_COLOURS["group"])
        )
    if "located" in edge_kinds:
        lines.append(LegendItem("line", "sits in region", EDGE_COLOURS["located"]))
    if lines:
        sections.append(("Links (material flows left to right)", lines))
    return sections
