"""A map as one self-contained HTML page: every script and style inline, nothing fetched.

The network is a pyvis ``Network`` whose node and edge lists are built here directly (pyvis'
``add_node``/``add_edge`` check membership in lists and are quadratic) and rendered with our
own template (pyvis' template links Bootstrap from a CDN and writes ids and the heading into
the page unescaped). vis-network itself is the file pyvis ships, inlined with its licence
header (vis-network is dual Apache-2.0 / MIT). vis-network draws the nodes at the positions
computed in Python, physics off; the page's own script (assets/map.js) draws the links on the
same canvas, one path per style, because vis-network's per-edge set-up is most of its start-up
time on maps of thousands of links.

Safety: no text from the graph is ever written into HTML or JavaScript source. Headings,
notes and the legend are HTML-escaped; nodes, links, tooltips and search entries travel in a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped as ``\\u003c``
and so on, parsed with ``JSON.parse``; labels and column titles are drawn on the canvas;
tooltips and the search list are built with ``textContent``. Node ids in the page are array
indexes, never graph ids. On top of that, a Content-Security-Policy allows only the page's own
two scripts (by hash) and no request of any kind; an enterprise map served by the API (see
:class:`Explore`) may ask its own origin for further tiers, and nothing else.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from string import Template
from typing import TYPE_CHECKING, Any

from kg.maps.data import MapData, MapEdge, MapNode
from kg.maps.layout import COLUMN_GAP, FOLD_STEP, ROW, MapLayout, map_layout
from kg.maps.style import (
    DENSE_LINKS,
    LABEL,
    MAKER_LABELS_FROM_SCALE,
    UNCATEGORISED,
    LabelStyle,
    LegendItem,
    label_rank,
    label_style,
    label_tier,
    legend,
    link_style,
    link_style_key,
    maker,
    node_size,
    node_style,
    node_style_key,
)
from kg.maps.text import (
    bottleneck_lines,
    bottleneck_sentence,
    edge_title,
    limited_line,
    node_title,
    percent,
    qualified_name,
    short_name,
    upstream_sentence,
)

if TYPE_CHECKING:
    from pyvis.network import Network  # imported where used: it pulls in networkx

    from kg.tiers import Direction, Walk

LABEL_MAX = 32
# The page cuts each label to the room it has on screen; the data carries up to this much of a
# product's (short) name.
PAGE_LABEL_MAX = 48
ARROWS_UP_TO = 4000
MAX_CALLOUTS = 3  # capacity bottlenecks spelled out in the header; the rest are counted


class AssetError(RuntimeError):
    """A file the page needs is missing from the installation."""


@dataclass(frozen=True)
class Explore:
    """An enterprise map served by `supplymap serve`: a click on a node of its last tier (or
    on one fetched since) asks the API for the next tier, material-following, from the
    enterprise mapped: ``GET {base}/enterprises/{root}/suppliers?tiers=k+1`` (customers
    downstream), keeping the hits linked to the node clicked. The page carries no key: see
    api/routers/maps.py."""

    base: str  # the API's path prefix on this origin ("" at its root)
    root: str  # graph id of the enterprise mapped
    direction: Direction
    last: int  # the last tier the map shows
    max_tiers: int  # how far the API walks
    walk: Walk = "material"


# ---- assets ---------------------------------------------------------------------------------


def _asset(name: str) -> str:
    return (resources.files("kg.maps") / "assets" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def vis_network_js() -> tuple[str, str]:
    """The vis-network script pyvis ships (its newest copy) and its version."""
    lib = resources.files("pyvis") / "lib"
    candidates = []
    for entry in lib.iterdir():
        match = re.fullmatch(r"vis-(\d+)\.(\d+)\.(\d+)", entry.name)
        script = entry / "vis-network.min.js"
        if match and script.is_file():
            candidates.append((tuple(int(g) for g in match.groups()), script))
    if not candidates:
        raise AssetError(
            "vis-network.min.js is not in the installed pyvis package (pyvis/lib/vis-*/); "
            "reinstall it: pip install --force-reinstall 'pyvis>=0.3.2'"
        )
    version, script = max(candidates, key=lambda c: c[0])
    text = script.read_text(encoding="utf-8")
    if "@license" not in text[:2000] or "</script" in text.lower():
        raise AssetError(f"unexpected vis-network file at {script}: licence header missing")
    return text, ".".join(str(v) for v in version)


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no '<', '>', '&' or line separators survive."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


# ---- the page -------------------------------------------------------------------------------


def label(node: MapNode, name: str | None = None, limit: int = LABEL_MAX) -> str:
    """A node's label: a product's short name (see text.short_name) unless ``name`` says
    otherwise, clipped to ``limit``, with what a scenario does to the node."""
    if name is None:
        name = short_name(node.name) if node.kind == "product" else node.name
    name = name if len(name) <= limit else name[: limit - 1] + "…"
    if node.status == "removed":
        return "✕ " + name
    if node.status == "reduced" and node.remaining is not None:
        return f"{name} ({percent(node.remaining)} left)"
    if node.status == "lost":
        return f"{name} (lost)"
    return name


def labels(nodes: Sequence[MapNode]) -> list[str]:
    """Each node's label as the page gets it (the page cuts it to the room it has on screen);
    products whose short names coincide keep their full names, and a short name that another
    product's short name ends with ("Passenger car", "Battery-electric passenger car"), so
    that it reads as the general kind of the other, keeps its first qualifier ("Passenger car,
    petrol")."""
    shorts = [short_name(n.name) if n.kind == "product" else n.name for n in nodes]
    full_names: dict[str, set[str]] = {}
    for n, short in zip(nodes, shorts, strict=True):
        if n.kind == "product":
            full_names.setdefault(short, set()).add(n.name)
    lowered = {short.lower() for short in full_names}
    out = []
    for n, short in zip(nodes, shorts, strict=True):
        name = short
        if n.kind == "product" and len(full_names[short]) > 1:
            name = n.name
        elif n.kind == "product" and short != n.name:
            low = short.lower()
            if any(other.endswith(" " + low) for other in lowered):
                name = qualified_name(n.name)
        out.append(label(n, name, PAGE_LABEL_MAX))
    return out


def room_right(
    layout: MapLayout, keys: Sequence[str], among: Sequence[str] | None = None
) -> list[float | None]:
    """World units from each node to the next column (or sub-column) of nodes on its right
    (of the nodes ``among``, by default all): the room its label has. None in the last one."""
    xs = sorted({round(layout.positions[k][0], 1) for k in (keys if among is None else among)})
    out: list[float | None] = []
    for k in keys:
        x = round(layout.positions[k][0], 1)
        at = bisect.bisect_right(xs, x)
        out.append(round(xs[at] - x, 1) if at < len(xs) else None)
    return out


def room_left(layout: MapLayout, keys: Sequence[str]) -> list[float | None]:
    """World units from each node to the next column of nodes on its left; None in the first."""
    xs = sorted({round(layout.positions[k][0], 1) for k in keys})
    out: list[float | None] = []
    for k in keys:
        x = round(layout.positions[k][0], 1)
        at = bisect.bisect_left(xs, x)
        out.append(round(x - xs[at - 1], 1) if at > 0 else None)
    return out


@dataclass
class Drawing:
    """What the page's script draws: vis-network nodes, links, labels, tooltips and search."""

    net: Network
    tips: list[str]  # node tooltips, by node index
    links: dict[str, list[int]]  # from, to, style: parallel lists, by link index
    link_styles: list[dict[str, Any]]  # drawn in this order (emphasis last)
    link_tips: list[str]  # by link index
    search: list[list[str]]  # [name, id or kind, members...] by node index
    label_styles: list[dict[str, str]]  # font and colour, by the nodes' "ls"
    label_order: list[int]  # node indexes, in the order labels are placed
    bottlenecks: list[dict[str, Any]]  # by node index: inputs, and what each limits
    link_when: list[int]  # by link index: the group node it is drawn with while folded, or -1


def row_spacing(data: MapData) -> float:
    """Room between rows for the larger nodes and their labels (most nodes, not the largest)."""
    top_score = max((n.results.bottleneck_score or 0.0 for n in data.nodes), default=0.0)
    sizes = sorted(node_size(n, top_score, n.key == data.root) for n in data.nodes)
    if not sizes:
        return ROW
    typical = sizes[int(0.95 * (len(sizes) - 1))]
    return max(ROW, min(2 * typical + 34, 120.0))


def network(data: MapData, layout: MapLayout) -> Drawing:
    """A pyvis Network with vis-ready node and edge dicts (ids are list indexes)."""
    index = {n.key: i for i, n in enumerate(data.nodes)}
    by_key = data.node_map()
    names = {n.key: n.name for n in data.nodes}
    inputs: dict[str, int] = {}  # a product's inputs; an enterprise's suppliers
    outputs: dict[str, int] = {}  # what a product goes into; an enterprise's customers
    singles: dict[str, int] = {}
    for e in data.edges:
        if e.kind in ("input", "supplies", "group"):
            inputs[e.target] = inputs.get(e.target, 0) + 1
            outputs[e.source] = outputs.get(e.source, 0) + 1
        if e.single_source:
            singles[e.target] = singles.get(e.target, 0) + 1
    top_score = max((n.results.bottleneck_score or 0.0 for n in data.nodes), default=0.0)

    # Capacity bottlenecks (chain maps): the inputs and the products they hold back, on the map.
    bottlenecks = [
        b for b in data.bottlenecks if data.kind == "chain" and any(k in index for k in b.inputs)
    ]
    extra: dict[str, list[str]] = {}
    for b in bottlenecks:
        for key in b.inputs:
            extra.setdefault(key, []).extend(bottleneck_lines(b, names))
        for limit in b.limits:
            extra.setdefault(limit.product, []).append(limited_line(b, limit, names))
    emphasised = {key for b in bottlenecks for key in b.inputs}
    held = {limit.product for b in bottlenecks for limit in b.limits}
    limiting = {(k, lim.product) for b in bottlenecks for k in b.inputs for lim in b.limits}

    groups: dict[tuple[Any, ...], str] = {}
    group_styles: dict[str, dict[str, Any]] = {}
    label_style_index: dict[LabelStyle, int] = {}
    nodes: list[dict[str, Any]] = []
    tips: list[str] = []
    search: list[list[str]] = []
    ranks: list[tuple[Any, ...]] = []
    texts = labels(data.nodes)
    keys = [n.key for n in data.nodes]
    rooms = room_right(layout, keys)
    # A bottleneck's name, and the names of the products a scenario hits, may run over the
    # makers beside them, up to the next column of products.
    wide = emphasised | {
        n.key for n in data.nodes if data.kind == "disruption" and n.status != "normal"
    }
    if wide:
        products = [n.key for n in data.nodes if n.kind == "product" or n.group_of == "product"]
        further = room_right(layout, keys, products)
        rooms = [further[i] if k in wide else rooms[i] for i, k in enumerate(keys)]
    # On chain and disruption maps a maker sits just left of what it makes: its name goes on
    # its left, into the wide gap after the previous column of products.
    left = [data.kind != "enterprise" and maker(n) for n in data.nodes]
    if any(left):
        before = room_left(layout, keys)
        rooms = [before[i] if left[i] else rooms[i] for i in range(len(keys))]
    # Inputs from other chains sit in a sparse band of their own: their names run freely.
    rooms = [None if n.other_chain is not None else rooms[i] for i, n in enumerate(data.nodes)]
    for i, n in enumerate(data.nodes):
        bottleneck = n.key in emphasised
        style_key = node_style_key(n, data, top_score, bottleneck)
        group = groups.get(style_key)
        if group is None:
            group = f"s{len(groups)}"
            groups[style_key] = group
            group_styles[group] = node_style(style_key)
        ls = label_style_index.setdefault(label_style(n, data, bottleneck), len(label_style_index))
        x, y = layout.positions[n.key]
        nodes.append(
            {
                "id": i,
                "label": texts[i],
                "x": round(x, 1),
                "y": round(y, 1),
                "group": group,
                "kind": n.kind,
                "room": rooms[i],
                "side": -1 if left[i] else 1,
                "lt": label_tier(n, data),
                "ls": ls,
                "em": n.key in wide,
            }
        )
        if n.name != texts[i]:
            nodes[-1]["full"] = label(n, n.name, 4 * PAGE_LABEL_MAX)
        # what the page's filters read: category, warning level, region, other chain
        facets = {
            "cat": n.category,
            "warn": n.results.warning_level,
            "rg": n.region if n.kind != "product" else None,
            "ch": n.other_chain,
        }
        nodes[-1].update({k: v for k, v in facets.items() if v})
        if n.other_chain is not None:
            nodes[-1]["oc"] = 1
        if n.hidden:
            nodes[-1]["hidden"] = True
        if n.unfolds:
            nodes[-1]["unfolds"] = [index[k] for k in n.unfolds if k in index]
        if n.expands:
            nodes[-1]["keep"] = 1
        elif n.kind == "group" and n.other_chain is None and n.unfolds:
            # its members appear beside it: the page places them in free room (assets/map.js)
            nodes[-1]["beside"] = 1
        ranks.append((*label_rank(n, data, style_key[4], bottleneck, n.key in held), i))
        tips.append(
            node_title(
                n,
                inputs.get(n.key, 0),
                outputs.get(n.key, 0),
                singles.get(n.key, 0),
                downstream=data.direction == "downstream",
                extra=extra.get(n.key, ()),
            )
        )
        if n.kind == "group":
            search.append([n.name, f"group of {n.group_of or 'node'}s", *n.members])
        else:
            search.append([n.name, n.id])
    edges: list[dict[str, Any]] = []
    link_tips: list[str] = []
    style_index: dict[tuple[Any, ...], int] = {}
    link_styles: list[dict[str, Any]] = []
    dense = len(data.edges) > DENSE_LINKS
    for e in data.edges:
        if e.source not in index or e.target not in index:
            continue
        link_key = link_style_key(e, data, by_key, dense, (e.source, e.target) in limiting)
        if link_key not in style_index:
            style_index[link_key] = len(link_styles)
            link_styles.append(link_style(link_key))
        edges.append(
            {
                "from": index[e.source],
                "to": index[e.target],
                "style": style_index[link_key],
                "when": index.get(e.while_folded or "", -1),
            }
        )
        link_tips.append(edge_title(e, names, data.product_names))
    # Renumber styles so that they draw in z order (emphasis on top), stable otherwise.
    order = sorted(range(len(link_styles)), key=lambda i: (link_styles[i]["z"], i))
    new_of = {old: new for new, old in enumerate(order)}
    link_styles = [link_styles[old] for old in order]
    for edge in edges:
        edge["style"] = new_of[edge["style"]]
    links = {
        "from": [edge["from"] for edge in edges],
        "to": [edge["to"] for edge in edges],
        "style": [edge["style"] for edge in edges],
    }
    # a via link is drawn only while its group is folded (by link index; -1: always)
    link_when = [edge.pop("when") for edge in edges]

    from pyvis.network import Network

    net = Network(
        height="100%", width="100%", directed=True, heading=data.title, cdn_resources="in_line"
    )
    net.nodes = nodes
    net.edges = edges
    net.node_ids = list(range(len(nodes)))
    net.node_map = {node["id"]: node for node in nodes}
    net.options = options(len(nodes), group_styles)
    return Drawing(
        net,
        tips,
        links,
        link_styles,
        link_tips,
        search,
        label_styles=[{"font": f, "color": c} for f, c in label_style_index],
        label_order=[r[-1] for r in sorted(ranks)],
        bottlenecks=[
            {
                "inputs": [index[k] for k in b.inputs if k in index],
                "limits": [
                    [index[lim.product], lim.achievable, lim.capacity]
                    for lim in b.limits
                    if lim.product in index
                ],
            }
            for b in bottlenecks
        ],
        link_when=link_when,
    )


def options(n_nodes: int, groups: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """vis-network options: nodes only (the page draws the links), physics off."""
    return {
        "autoResize": True,
        "physics": {"enabled": False, "stabilization": {"enabled": False}},
        "layout": {"improvedLayout": False, "hierarchical": {"enabled": False}},
        "interaction": {
            "hover": True,
            "dragNodes": False,  # the links are drawn from the computed positions
            "navigationButtons": False,
            "keyboard": False,
            "multiselect": False,
            "zoomSpeed": 0.8,
            "tooltipDelay": 3_600_000,  # tooltips are the page's own
        },
        # Labels are not vis-network's: the page draws them in screen pixels (assets/map.js).
        "nodes": {"shape": "dot", "borderWidth": 1},
        "groups": groups,
    }


def _legend_html(sections: list[tuple[str, list[LegendItem]]]) -> str:
    parts = []
    for heading, items in sections:
        lis = []
        for item in items:
            if item.kind == "text":
                lis.append(f'<li class="text">{esc(item.label)}</li>')
                continue
            if item.kind == "fill":
                swatch = f'<span class="sw fill" style="background:{esc(item.colour)}"></span>'
            elif item.kind == "shape":
                swatch = f'<span class="sw shape-{esc(item.shape)}"></span>'
            elif item.kind == "outline":
                swatch = f'<span class="sw outline" style="border-color:{esc(item.colour)}"></span>'
            elif item.kind == "halo":
                swatch = (
                    f'<span class="sw halo" style="box-shadow:0 0 5px 4px {esc(item.colour)}">'
                    "</span>"
                )
            elif item.kind in ("line", "thick", "dashed", "dotted"):
                swatch = (
                    f'<span class="sw {esc(item.kind)}" '
                    f'style="border-top-color:{esc(item.colour)}"></span>'
                )
            else:
                swatch = f'<span class="sw {esc(item.kind)}"></span>'
            lis.append(f"<li>{swatch}<span>{esc(item.label)}</span></li>")
        parts.append(f"<h2>{esc(heading)}</h2>\n<ul>{''.join(lis)}</ul>")
    return "\n".join(parts)


def _callout_html(data: MapData, drawing: Drawing) -> str:
    """The header's callout: each capacity bottleneck in words, and what stands behind it."""
    if not drawing.bottlenecks:
        return ""
    names = {n.key: n.name for n in data.nodes}
    index = {n.key: i for i, n in enumerate(data.nodes)}
    shown = [b for b in data.bottlenecks if any(k in index for k in b.inputs)]
    parts = []
    for b in shown[:MAX_CALLOUTS]:
        first = next(index[k] for k in b.inputs if k in index)
        parts.append(
            '<p class="has-show"><strong>Capacity bottleneck:</strong> '
            f"<span>{esc(bottleneck_sentence(b, names))}.</span> "
            f'<button type="button" class="show" data-node="{first:d}">show on map</button></p>'
        )
        behind = upstream_sentence(b, data.product_names)
        if behind:
            parts.append(
                '<p class="behind"><strong>Single points of failure behind it:</strong> '
                f"<span>{esc(behind)}.</span></p>"
            )
    more = len(shown) - MAX_CALLOUTS
    if more > 0:
        parts.append(
            f"<p>… and {more:,} more capacity bottleneck(s): the largest nodes, with thick red "
            "links to what they hold back.</p>"
        )
    return '<div class="callout" role="note">' + "".join(parts) + "</div>"


def _notes_html(data: MapData) -> str:
    """The notes as a one-line banner that folds open: its summary (or first note) on the line,
    every note inside."""
    if not data.notes:
        return ""
    head = data.summary or data.notes[0]
    more = len(data.notes) - (0 if data.summary else 1)
    hint = f"{more} more · details" if more > 0 else "details"
    return (
        '<details class="notes" role="note"><summary><span class="line">'
        + esc(head)
        + f'</span> <span class="more">{esc(hint)}</span></summary>'
        + "".join(f"<p>{esc(note)}</p>" for note in data.notes)
        + "</details>"
    )


def _explore_payload(
    data: MapData, drawing: Drawing, nodes: list[dict[str, Any]], explore: Explore, row: float
) -> dict[str, Any]:
    """What the page needs to fetch and draw further tiers: where to ask, and the styles of the
    nodes and links it adds (a plain enterprise, a declared and an inferred trade link). Marks
    the nodes of the last tier as expandable (``more``: their tier) and says so in their
    tooltips."""
    who = "customers" if explore.direction == "downstream" else "suppliers"
    plain = MapNode("enterprise:", "enterprise", "", "")
    groups = drawing.net.options["groups"]
    groups["fetched"] = node_style(node_style_key(plain, data, 0.0))
    label_styles = drawing.label_styles
    wanted = {"font": LABEL[0], "color": LABEL[1]}
    if wanted not in label_styles:
        label_styles.append(wanted)
    dense = len(data.edges) > DENSE_LINKS
    link_styles = []
    for inferred in (False, True):
        edge = MapEdge("", "", "supplies", inferred=inferred)
        link_styles.append(len(drawing.link_styles))
        drawing.link_styles.append(link_style(link_style_key(edge, data, {}, dense)))
    if explore.last < explore.max_tiers:
        for i, n in enumerate(data.nodes):
            if n.kind == "enterprise" and n.tier == explore.last and not n.hidden:
                nodes[i]["more"] = n.tier
                drawing.tips[i] += f"\nclick to fetch its {who} in the next tier from the server"
    return {
        "base": explore.base,
        "root": explore.root,
        "route": who,
        "walk": explore.walk,
        "maxTiers": explore.max_tiers,
        "step": COLUMN_GAP,
        "row": row,
        "group": "fetched",
        "ls": label_styles.index(wanted),
        "links": link_styles,
    }


def page(
    data: MapData,
    layout: MapLayout | None = None,
    *,
    has_results: bool = True,
    explore: Explore | None = None,
    places: dict[str, Any] | None = None,
) -> str:
    """The whole HTML page for a map whose nodes are already aggregated to a drawable size.

    ``explore``: the page is served by the API and fetches further tiers from it on a click
    (its Content-Security-Policy allows requests to its own origin, and only there); without
    it the page makes no request at all.

    ``places``: the geographic view of the same map (kg/maps/geo.py), drawn under a "Places"
    tab by assets/geo.js (which then runs in the page's own script).
    """
    from kg import __version__

    row = row_spacing(data)
    layout = layout or map_layout(data, row)
    drawing = network(data, layout)
    net = drawing.net
    nodes, edges, heading, _height, _width, _options = net.get_network_data()
    api = _explore_payload(data, drawing, nodes, explore, row) if explore else None
    # vis-network gets the nodes; the page draws the links itself (see assets/map.js).
    vis_js, vis_version = vis_network_js()
    app_js = _asset("map.js") + ("\n" + _asset("geo.js") if places else "")
    payload = {
        "nodes": nodes,
        "options": net.options,
        "tips": drawing.tips,
        "links": drawing.links,
        "linkStyles": drawing.link_styles,
        "linkTips": drawing.link_tips,
        "linkWhen": drawing.link_when if any(w >= 0 for w in drawing.link_when) else [],
        "arrows": len(edges) <= ARROWS_UP_TO,
        "search": drawing.search,
        "labelStyles": drawing.label_styles,
        "labelOrder": drawing.label_order,
        "makerLabelsFrom": MAKER_LABELS_FROM_SCALE,
        "foldStep": FOLD_STEP,
        "bottlenecks": drawing.bottlenecks,
        "columns": [
            {
                "left": round(c.left, 1),
                "right": round(c.right, 1),
                "top": round(c.top, 1),
                "bottom": round(c.bottom, 1),
                "title": f"{title} ({c.size:,})",
                # makers' titles go under their columns, so neighbouring titles do not collide
                "below": title == "makers",
            }
            for c, title in layout.columns
        ],
        "band": None
        if layout.band is None
        else {
            "left": round(layout.band[0], 1),
            "right": round(layout.band[1], 1),
            "top": round(layout.band[2], 1),
            "bottom": round(layout.band[3], 1),
            "title": "inputs from other chains · click a hexagon to unfold it",
        },
        "meta": {"kind": data.kind, "nodes": len(nodes), "edges": len(edges)},
        "api": api,
    }
    if places:
        payload["places"] = places
    csp = "; ".join(
        [
            "default-src 'none'",
            f"script-src {_csp_hash(vis_js)} {_csp_hash(app_js)}",
            "style-src 'unsafe-inline'",
            "img-src data:",
            "font-src 'none'",
            "connect-src 'self'" if explore else "connect-src 'none'",
            "media-src 'none'",
            "object-src 'none'",
            "frame-src 'none'",
            "worker-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    notes = _notes_html(data)
    sections = legend(data, has_results)
    if explore:
        who = "customers" if explore.direction == "downstream" else "suppliers"
        sections.append(
            (
                "Explore",
                [
                    LegendItem("fill", "fetched from the server", UNCATEGORISED),
                    LegendItem("text", f"click a node of the last tier to fetch its {who}"),
                ],
            )
        )
    counts = f"{len(nodes):,} nodes · {len(edges):,} links"
    return Template(_asset("map.html")).substitute(
        csp=esc(csp),
        version=esc(__version__),
        vis_version=esc(vis_version),
        title=esc(heading),
        subtitle=esc(data.subtitle),
        css=_asset("map.css") + (_asset("geo.css") if places else ""),
        counts=esc(counts),
        callout=_callout_html(data, drawing),
        notes=notes,
        legend=_legend_html(sections),
        data=script_json(payload),
        vis=vis_js,
        app=app_js,
    )
