"""The visual encoding: colour by product category, size by criticality, a red outline for
single points (a product whose own sourcing is one: a sole source, or all its producers in one
region or one ownership group; an enterprise or region whose loss stops a key product), a
coloured halo for warnings, dashed edges for declared single sources; on a chain map, capacity
bottlenecks drawn as the largest nodes with thick red links to the products they hold back; in
a disruption map, fill by what the scenario does to each node.

Labels are drawn by the page in screen pixels (readable at any zoom); here is their font,
colour, when they show (makers' names only when zoomed in) and which win when they collide.

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
GROWTH = 1.3  # size grows up to (1 + GROWTH) times with criticality
GROUP_MAX = 34.0
# A capacity bottleneck is the largest node of a chain map: above every product (13 x 2.3 =
# 29.9), group (34), maker (9 x 2.3) and root (26).
BOTTLENECK_SIZE = 38.0
BOTTLENECK_RED = RISK_RED = "#d7191c"
LABEL_FACE = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"
EDGE_COLOURS: dict[str, str] = {
    "input": "#6f7f8f",
    "produces": "#a8a8a8",
    "supplies": "#3f6fa8",
    "located": "#7a7a7a",
    "group": "#6f7f8f",
    "via": "#6f7f8f",
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


def node_size(node: MapNode, top_score: float, root: bool, bottleneck: bool = False) -> float:
    base = BASE_SIZE[node.kind]
    if bottleneck:
        return BOTTLENECK_SIZE
    if root:
        return 26.0
    if node.kind == "group":
        return min(base * (1.0 + 0.45 * math.log10(max(node.member_count, 1))), GROUP_MAX)
    if node.status in ("lost", "reduced"):
        base *= 1.8  # what a scenario hits stands out
    elif node.status == "removed":
        base *= 1.4
    return round(base * (1.0 + GROWTH * math.sqrt(criticality(node, top_score))), 1)


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


NodeStyleKey = tuple[str, str, bool, bool, float, str | None, bool]


def node_style_key(
    node: MapNode, data: MapData, top_score: float, bottleneck: bool = False
) -> NodeStyleKey:
    """Everything a node's drawing depends on; nodes with equal keys share one vis group."""
    root = data.root == node.key
    return (
        node.kind,
        fill_colour(node, data),
        node.outlined,
        root,
        node_size(node, top_score, root, bottleneck),
        node.results.warning_level if node.results.warning_level in WARNING_COLOURS else None,
        bottleneck,
    )


@lru_cache(maxsize=4096)
def node_style(key: NodeStyleKey) -> dict[str, Any]:
    """The vis-network node options for a style key (shared: do not change the result)."""
    kind, fill, outlined, root, size, level, bottleneck = key
    border = RISK_RED if outlined else ("#111111" if root or bottleneck else _darker(fill))
    style: dict[str, Any] = {
        "shape": SHAPES[kind],
        "size": size,
        "borderWidth": 4 if outlined else (3 if root or bottleneck else 1),
        "borderWidthSelected": 5 if outlined else 3,
        "color": {
            "background": fill,
            "border": border,
            "highlight": {"background": fill, "border": "#000000"},
            "hover": {"background": fill, "border": "#000000"},
        },
    }
    if level is not None:
        style["shadow"] = {
            "enabled": True,
            "color": WARNING_COLOURS[level],
            "size": 22,
            "x": 0,
            "y": 0,
        }
    return style


def vis_node(
    node: MapNode, data: MapData, top_score: float, bottleneck: bool = False
) -> dict[str, Any]:
    """The vis-network node options (no id, label, position or title: render adds those)."""
    return node_style(node_style_key(node, data, top_score, bottleneck))


# ---- labels ---------------------------------------------------------------------------------

LabelStyle = tuple[str, str]  # (canvas font, colour)
LABEL = ("12px " + LABEL_FACE, "#1f2328")
LABEL_BOTTLENECK = ("700 14px " + LABEL_FACE, "#a50f15")
LABEL_ROOT = ("700 13px " + LABEL_FACE, "#111111")
LABEL_MAKER = ("11px " + LABEL_FACE, "#3d4650")
LABEL_HIT = ("600 12px " + LABEL_FACE, "#000000")  # what a scenario removes or loses
LABEL_UNAFFECTED = ("12px " + LABEL_FACE, "#8c8c8c")
# Makers' labels (chain and disruption maps) show from this zoom on; a chain map's fit shows
# its products' names and leaves the makers to their tooltips until one zooms in.
MAKER_LABELS_FROM_SCALE = 0.7


def maker(node: MapNode) -> bool:
    """An enterprise, or a group of them."""
    return node.kind == "enterprise" or (node.kind == "group" and node.group_of == "enterprise")


def label_style(node: MapNode, data: MapData, bottleneck: bool = False) -> LabelStyle:
    if bottleneck:
        return LABEL_BOTTLENECK
    if data.root == node.key:
        return LABEL_ROOT
    if data.kind == "disruption":
        if node.status == "normal":
            return LABEL_UNAFFECTED
        return LABEL_HIT
    if maker(node) and data.kind == "chain":
        return LABEL_MAKER
    return LABEL


def label_tier(node: MapNode, data: MapData) -> int:
    """0: drawn whenever it fits; 1: only from MAKER_LABELS_FROM_SCALE on (the makers beside
    the products of a chain or disruption map, unless the scenario hits them)."""
    if data.kind != "enterprise" and maker(node) and node.status == "normal":
        # a maker drawn among the inputs from other chains is there for its risk: named
        return 0 if node.other_chain else 1
    return 0


def label_rank(
    node: MapNode, data: MapData, size: float, bottleneck: bool, held: bool
) -> tuple[int, int, float]:
    """Labels are placed in this order; one that would overlap a placed label is left out."""
    if bottleneck or data.root == node.key or node.status in ("removed", "lost", "reduced"):
        first = 0
    elif held or node.outlined or node.results.warning_level:
        first = 1
    else:
        first = 2
    return (first, 1 if maker(node) else 0, -size)


LinkStyleKey = tuple[str, float, bool, int, bool, bool, bool, bool, bool]
DENSE_LINKS = 1500  # above this many links, ordinary links are drawn fainter
LIMITING_WIDTH = 6.0  # a bottleneck's links to what it holds back: the thickest on the map


def link_style_key(
    edge: MapEdge,
    data: MapData,
    nodes: dict[str, MapNode],
    dense: bool = False,
    limiting: bool = False,
) -> LinkStyleKey:
    """Everything a link's drawing depends on; ``limiting``: from a capacity bottleneck to a
    product it holds back."""
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
    limiting = limiting and edge.kind == "input"
    inferred = edge.inferred and edge.kind == "supplies"
    return (
        edge.kind,
        width,
        edge.single_source,
        count,
        on_path,
        dense,
        trade_map,
        inferred,
        limiting,
    )


@lru_cache(maxsize=4096)
def link_style(key: LinkStyleKey) -> dict[str, Any]:
    """How the page draws a link: colour, width, opacity, dashes, curve; z orders emphasis."""
    kind, share, single_source, count, on_path, dense, trade_map, inferred, limiting = key
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
                opacity=0.12 if dense else 0.22,
            )
        style["z"] = 1
        # Trade links arc away from the straight production and BOM lines they run beside.
        style["curve"] = 0.12
        if single_source:
            style.update(dashes=[9, 6], opacity=0.9, z=2)
        elif inferred:
            # inferred, not declared: a dotted line
            style.update(dashes=[2, 4], width=max(float(style["width"]), 1.4))
    elif kind == "group":
        style.update(width=round(min(1.0 + math.log2(max(count, 1)), 8.0), 1), opacity=0.6)
    elif kind == "via":
        # an input from another chain reaching a product through folded ones
        style.update(width=1.6, opacity=0.85, dashes=[4, 5], z=1)
    if on_path:
        style.update(color=DISRUPTION_PATH, opacity=0.95, z=3)
        style["width"] = max(float(style["width"]), 2.5)
    if limiting:
        # px: the least width on screen, so that it stays thick on a whole-map view
        style.update(color=BOTTLENECK_RED, width=LIMITING_WIDTH, opacity=0.95, z=4, px=4.5)
    return style


@dataclass(frozen=True)
class LegendItem:
    kind: str  # "fill", "shape", "outline", "halo", "line", "thick", "dashed", "dotted", "size",
    # "big",
    # "text"
    label: str
    colour: str = ""
    shape: str = ""


def _stands_for(node: MapNode) -> str:
    return node.group_of if node.kind == "group" and node.group_of else node.kind


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
    if any(n.other_chain and n.kind == "group" for n in data.nodes):
        shapes.append(
            LegendItem("shape", "inputs from another chain (click to unfold)", shape="hexagon")
        )
    if shapes:
        sections.append(("Shape", shapes))
    risk: list[LegendItem] = []
    if data.bottlenecks and data.kind == "chain":
        risk.append(
            LegendItem("big", "capacity bottleneck: the input that limits output most (largest)")
        )
        risk.append(LegendItem("thick", "its link to each product it holds back", BOTTLENECK_RED))
    stands_for = {_stands_for(n) for n in data.nodes}
    if "product" in stands_for:
        risk.append(
            LegendItem(
                "outline",
                "product with a single source: one maker (or none live), region or owner",
                RISK_RED,
            )
        )
    if stands_for & {"enterprise", "region"}:
        risk.append(
            LegendItem("outline", "enterprise or region whose loss stops a key product", RISK_RED)
        )
    risk.append(
        LegendItem("size", "larger: more critical (capacity criticality / bottleneck score)")
    )
    warned = {n.results.warning_level for n in data.nodes} & set(WARNING_COLOURS)
    risk += [
        LegendItem("halo", f"{level} warning", WARNING_COLOURS[level])
        for level in ("red", "yellow", "blue")
        if level in warned
    ]
    if "product" in stands_for and has_results:
        risk.append(
            LegendItem("text", "an input with no substitute is not outlined: see its tooltip")
        )
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
        if any(e.inferred for e in data.edges):
            lines.append(
                LegendItem(
                    "dotted",
                    "inferred: it makes an input of what the other makes",
                    EDGE_COLOURS["supplies"],
                )
            )
    if "group" in edge_kinds:
        lines.append(
            LegendItem("line", "links between groups (width: count)", EDGE_COLOURS["group"])
        )
    if "via" in edge_kinds:
        lines.append(
            LegendItem(
                "dashed", "reaches it through folded inputs (see tooltip)", EDGE_COLOURS["via"]
            )
        )
    if "located" in edge_kinds:
        lines.append(LegendItem("line", "sits in region", EDGE_COLOURS["located"]))
    if lines:
        sections.append(("Links (material flows left to right)", lines))
    return sections
