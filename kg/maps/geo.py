"""The geographic map: enterprises at their coordinates, trade as arcs, regions shaded.

Built from the same :class:`MapData` as the chain and disruption maps (or from every enterprise,
:func:`all_data`), plus what only places need, read here in a few parameterised queries: each
enterprise's latitude and longitude, region names, and the demand areas of the map's products.

- Enterprises: a dot at (lat, lon), coloured by what a scenario does to it (removed, makes a
  lost or reduced product) or else by its warning level; outlined when it is a single point of
  failure. Enterprises without coordinates are counted in the notes, not drawn.
- Flows: each SUPPLIES link between two placed enterprises as an arc, bending to the right of
  its direction (from supplier to customer), its width by volume; above ``FLOW_LIMIT`` links
  they are bundled between places (a Chinese province, or a country) into one arc per pair
  with the count, the volume and the products.
- Regions: shaded by a disruption (removed regions; regions holding removed enterprises) or by
  the worst warning level among the enterprises in them. A region without boundaries of its
  own on the base map (a city, a foreign province) is drawn on the province or country it lies
  in, and its tooltip says so.
- Demand areas: a square at their region's label point, sized by daily demand of the map's
  products; with an allocation (kg.monitor.allocation), coloured by the share of demand met.

Safety is that of the other maps: the payload travels as JSON in a ``<script
type="application/json">`` block (render.script_json), every text reaches the page through
``textContent``, and the page's Content-Security-Policy allows its own script only.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from string import Template
from typing import TYPE_CHECKING, Any, LiteralString

from kg.connection import Graph
from kg.cypher import render
from kg.maps.basemap import UNIT, BaseMap, basemap, project
from kg.maps.data import (
    MapData,
    MapEdge,
    _float,
    _supplies_edge,
    _text,
    enterprise_node,
    rows,
)
from kg.maps.style import WARNING_COLOURS
from kg.maps.text import number, percent
from kg.model import AREA, DEMANDS, ENTERPRISE, PRODUCT, REGION, SUPPLIES

if TYPE_CHECKING:
    from kg.monitor.allocation import Allocation

FLOW_LIMIT = 400  # above this many trade links, arcs are bundled between places
MAIN_ROUTES = 150  # bundled arcs the page shows at first (the heaviest): "all" shows the rest
POINT_LIMIT_LABELS = 0  # enterprises carry no labels: names are in the tooltips
MIN_VIEW = 30 * UNIT  # the initial view spans at least this many map units across

_IDS = dict(
    enterprise=ENTERPRISE.label,
    region=REGION.label,
    area=AREA.label,
    product=PRODUCT.label,
    demands=DEMANDS.type,
    supplies=SUPPLIES.type,
)
Q_PLACES: LiteralString = render(
    "UNWIND $ids AS eid MATCH (e:{enterprise} {{id: eid}}) "
    "RETURN collect([e.id, e.lat, e.lon, e.region]) AS rows",
    **_IDS,
)
Q_REGION_NAMES: LiteralString = render(
    "UNWIND $codes AS code MATCH (g:{region} {{code: code}}) "
    "RETURN collect([g.code, g.name]) AS rows",
    **_IDS,
)
Q_AREAS: LiteralString = render(
    "UNWIND $ids AS pid MATCH (a:{area})-[d:{demands}]->(p:{product} {{id: pid}}) "
    "RETURN collect([a.id, a.name, a.sector, a.region, pid, p.name, p.unit, d.priority, "
    "d.daily_demand, toString(d.as_of)]) AS rows",
    **_IDS,
)
Q_ALL_AREAS: LiteralString = render(
    "MATCH (a:{area})-[d:{demands}]->(p:{product}) "
    "RETURN collect([a.id, a.name, a.sector, a.region, p.id, p.name, p.unit, d.priority, "
    "d.daily_demand, toString(d.as_of)]) AS rows",
    **_IDS,
)
Q_ALL_ENTERPRISES: LiteralString = render(
    "MATCH (e:{enterprise}) RETURN collect(properties(e)) AS rows", **_IDS
)
Q_ALL_SUPPLIES: LiteralString = render(
    "MATCH (s:{enterprise})-[r:{supplies}]->(t:{enterprise}) "
    "RETURN collect([s.id, t.id, r.product, r.share, r.volume, r.single_source]) AS rows",
    **_IDS,
)
Q_PRODUCT_NAMES: LiteralString = render(
    "UNWIND $ids AS pid MATCH (p:{product} {{id: pid}}) RETURN collect([p.id, p.name]) AS rows",
    **_IDS,
)

# colours: what a scenario does first, then warnings, then plain
REMOVED = "#252525"
LOST = "#d7191c"
REDUCED = "#f28e2b"
PLAIN = "#5b7083"
SPOF_OUTLINE = "#d7191c"
FLOW = "#2c7fb8"
FLOW_SINGLE = "#c51b7d"
FLOW_CUT = "#525252"
AREA_MET = "#1a9850"
AREA_SHORT = "#fdae61"
AREA_UNMET = "#a50026"
AREA_PLAIN = "#6a51a3"
SHADE = {
    "removed": "rgba(215,25,28,0.45)",
    "holds-removed": "rgba(215,25,28,0.18)",
    "red": "rgba(215,25,28,0.35)",
    "yellow": "rgba(235,190,0,0.35)",
    "blue": "rgba(33,102,172,0.28)",
}
WARNING_ORDER = {"red": 0, "yellow": 1, "blue": 2}


@dataclass
class Place:
    """An enterprise on the map."""

    key: str
    id: str
    name: str
    x: float
    y: float
    region: str | None
    shape: int | None


@dataclass
class Places:
    """What the page draws; ``payload()`` is its JSON."""

    title: str
    subtitle: str
    shapes: list[list[Any]]
    box: list[float]  # the initial view
    whole: list[float]  # everything drawn
    points: dict[str, list[Any]]
    flows: list[list[Any]]
    shades: dict[str, list[list[Any]]]
    shade: str
    areas: list[list[Any]]
    legend: list[list[str]]
    notes: list[str] = field(default_factory=list)
    about: str = ""
    bundled: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "shapes": self.shapes,
            "box": self.box,
            "whole": self.whole,
            "points": self.points,
            "flows": self.flows,
            "shades": self.shades,
            "shade": self.shade,
            "areas": self.areas,
            "legend": self.legend,
            "notes": self.notes,
            "about": self.about,
            "bundled": self.bundled,
            "main": min(len(self.flows), MAIN_ROUTES) if self.bundled else len(self.flows),
            "unit": UNIT,
        }


# ---- reads ------------------------------------------------------------------------------------


def all_data(graph: Graph) -> MapData:
    """Every enterprise and every trade link (``supplymap map geo`` without a chain or a
    scenario)."""
    nodes = [enterprise_node(r) for r in rows(graph, Q_ALL_ENTERPRISES, {})]
    nodes.sort(key=lambda n: n.id)
    edges = [_supplies_edge(r) for r in rows(graph, Q_ALL_SUPPLIES, {})]
    products = sorted({e.product for e in edges if e.product})
    names = {str(p): str(n or p) for p, n in rows(graph, Q_PRODUCT_NAMES, {"ids": products})}
    data = MapData(
        "enterprise",
        "Where the enterprises are",
        f"{len(nodes):,} enterprises, {len(edges):,} trade links",
        nodes,
        edges,
    )
    data.product_names = names
    return data


def _coordinates(graph: Graph, ids: Sequence[str]) -> dict[str, tuple[float, float, str | None]]:
    out = {}
    for eid, lat, lon, region in rows(graph, Q_PLACES, {"ids": list(ids)}):
        la, lo = _float(lat), _float(lon)
        if la is None or lo is None or not (-90 <= la <= 90 and -180 <= lo <= 180):
            continue
        out[str(eid)] = (la, lo, _text(region))
    return out


# ---- the payload ------------------------------------------------------------------------------


def places(
    graph: Graph,
    data: MapData,
    *,
    allocation: Allocation | None = None,
    flow_limit: int = FLOW_LIMIT,
) -> Places:
    """What the geographic view of ``data`` draws (``data`` as read, before aggregation)."""
    base = basemap()
    enterprises = [n for n in data.nodes if n.kind == "enterprise"]
    # read with the map's nodes where they were (properties(e)); else asked for here
    coords = {
        n.id: (n.lat, n.lon, n.region)
        for n in enterprises
        if n.lat is not None and n.lon is not None and -90 <= n.lat <= 90 and -180 <= n.lon <= 180
    }
    unknown = [n.id for n in enterprises if n.id not in coords]
    if unknown:
        coords.update(_coordinates(graph, unknown))
    placed: dict[str, Place] = {}
    for n in enterprises:
        c = coords.get(n.id)
        if c is None:
            continue
        x, y = project(c[1], c[0])
        region = n.region or c[2]
        placed[n.key] = Place(n.key, n.id, n.name, x, y, region, base.shape_of(region))
    notes: list[str] = []
    unplaced = len(enterprises) - len(placed)
    if unplaced:
        notes.append(
            f"{unplaced:,} enterprise(s) have no coordinates on record (lat/lon) and are not drawn."
        )
    codes = {p.region for p in placed.values() if p.region}
    codes |= {n.id for n in data.nodes if n.kind == "region"}
    region_names = {
        str(c): str(n or c) for c, n in rows(graph, Q_REGION_NAMES, {"codes": sorted(codes)})
    }
    status = _enterprise_status(data)
    points = _points(data, placed, status, region_names, base)
    flows, bundled, flow_notes = _flows(data, placed, base, status, flow_limit)
    notes += flow_notes
    shades = {
        "disruption": _disruption_shades(data, placed, base, region_names),
        "warning": _warning_shades(data, placed, base),
    }
    shade = "disruption" if data.kind == "disruption" else "warning"
    if not shades[shade]:
        shade = "warning" if shades["warning"] else "none"
    areas = _areas(graph, data, base, region_names, allocation)
    box, whole = _box(base, placed.values(), shades, areas)
    legend = _legend(data, status, points, flows, bundled, shades, areas, allocation)
    title = data.title
    return Places(
        title=title,
        subtitle=data.subtitle,
        shapes=[[s.name, s.level, s.path] for s in base.shapes],
        box=box,
        whole=whole,
        points=points,
        flows=flows,
        shades=shades,
        shade=shade,
        areas=areas,
        legend=legend,
        notes=notes,
        about="Base map: " + base.about.get("data", "Natural Earth"),
        bundled=bundled,
    )


def _enterprise_status(data: MapData) -> dict[str, str]:
    """removed, lost or reduced (makes a lost or reduced product), by node key."""
    out: dict[str, str] = {}
    by_key = data.node_map()
    for n in data.nodes:
        if n.kind == "enterprise" and n.status == "removed":
            out[n.key] = "removed"
    for e in data.edges:
        if e.kind != "produces" or e.source in out:
            continue
        product = by_key.get(e.target)
        if product is None:
            continue
        if product.status in ("lost", "removed"):
            out[e.source] = "lost"
        elif product.status == "reduced" and out.get(e.source) != "lost":
            out[e.source] = "reduced"
    return out


def _region_label(code: str | None, names: Mapping[str, str]) -> str:
    if not code:
        return "region unknown"
    name = names.get(code)
    return f"{name} ({code})" if name and name != code else code


def _points(
    data: MapData,
    placed: Mapping[str, Place],
    status: Mapping[str, str],
    region_names: Mapping[str, str],
    base: BaseMap,
) -> dict[str, list[Any]]:
    by_key = data.node_map()
    makes: dict[str, list[str]] = {}
    for e in data.edges:
        if e.kind == "produces" and e.target in by_key:
            makes.setdefault(e.source, []).append(by_key[e.target].name)
    # Tooltip lines are shared (many makers sit in one city and make the same products): each
    # point's tooltip is its name, its id and indexes into one table of lines.
    lines: dict[str, int] = {}
    colours: dict[str, int] = {}
    out: dict[str, list[Any]] = {k: [] for k in ("x", "y", "c", "o", "r", "n", "id", "t")}
    for key, p in placed.items():
        n = by_key[key]
        state = status.get(key)
        level = n.results.warning_level if n.results.warning_level in WARNING_COLOURS else None
        colour = {"removed": REMOVED, "lost": LOST, "reduced": REDUCED}.get(state or "", "")
        if not colour:
            # a disruption map colours by what the scenario does; warnings stay in the tooltip
            warn = level and data.kind != "disruption"
            colour = WARNING_COLOURS[str(level)] if warn else PLAIN
        spof = bool(n.results.is_spof)
        tip = ["in " + _region_label(p.region, region_names)]
        if p.shape is not None and p.region and base.shapes[p.shape].code != p.region:
            tip[-1] += f", {base.shapes[p.shape].name}"
        if state == "removed":
            tip.append("removed by the scenario")
        elif state == "lost":
            tip.append("makes a product the scenario loses")
        elif state == "reduced":
            tip.append("makes a product the scenario reduces")
        products = makes.get(key, [])
        if products:
            shown = ", ".join(products[:6]) + (
                f" and {len(products) - 6} more" if len(products) > 6 else ""
            )
            tip.append("makes " + shown)
        if level:
            reason = n.results.warning_reason
            tip.append(f"{level} warning" + (f": {reason}" if reason else ""))
        if spof:
            tip.append("a single point of failure of a key product")
        if n.results.bottleneck_score:
            tip.append(f"bottleneck score {number(n.results.bottleneck_score)}")
        out["x"].append(round(p.x, 2))
        out["y"].append(round(p.y, 2))
        out["c"].append(colours.setdefault(colour, len(colours)))
        out["o"].append(1 if spof else 0)
        out["r"].append(5 if state or spof or level else 3.5)
        out["n"].append(n.name)
        out["id"].append(n.id)
        out["t"].append([lines.setdefault(line, len(lines)) for line in tip])
    out["lines"] = list(lines)
    out["colours"] = list(colours)
    return out


def point_tip(points: Mapping[str, list[Any]], i: int) -> list[str]:
    """The tooltip of point ``i`` as the page builds it: name, id, then its lines."""
    return [
        points["n"][i],
        f"enterprise {points['id'][i]}",
        *(points["lines"][k] for k in points["t"][i]),
    ]


def point_colour(points: Mapping[str, list[Any]], i: int) -> str:
    return str(points["colours"][points["c"][i]])


def _curve(x1: float, y1: float, x2: float, y2: float) -> list[float]:
    """The control point of an arc from 1 to 2 bending to the right of its direction."""
    dx, dy = x2 - x1, y2 - y1
    return [round((x1 + x2) / 2 - dy * 0.2, 2), round((y1 + y2) / 2 + dx * 0.2, 2)]


def _flows(
    data: MapData,
    placed: Mapping[str, Place],
    base: BaseMap,
    status: Mapping[str, str],
    limit: int,
) -> tuple[list[list[Any]], bool, list[str]]:
    """Arcs [x1, y1, cx, cy, x2, y2, width, colour, dashed, tip]."""
    trade = [e for e in data.edges if e.kind == "supplies"]
    drawable = [e for e in trade if e.source in placed and e.target in placed]
    notes: list[str] = []
    if len(trade) > len(drawable):
        notes.append(
            f"{len(trade) - len(drawable):,} trade link(s) have an end without coordinates "
            "and are not drawn."
        )
    names = data.product_names
    if len(drawable) <= limit:
        top = max((e.volume or 0.0 for e in drawable), default=0.0)
        out = []
        for e in drawable:
            s, t = placed[e.source], placed[e.target]
            if (round(s.x, 1), round(s.y, 1)) == (round(t.x, 1), round(t.y, 1)):
                continue
            width = 1.2 + (3.0 * math.sqrt((e.volume or 0.0) / top) if top > 0 else 0.0)
            cut = status.get(e.source) == "removed" or status.get(e.target) == "removed"
            colour = FLOW_CUT if cut else (FLOW_SINGLE if e.single_source else FLOW)
            tip = [f"{s.name} → {t.name}", _edge_line(e, names)]
            if e.single_source:
                tip.append("declared single source: the customer buys it from this one only")
            if cut:
                tip.append("cut by the scenario")
            out.append(
                [
                    round(s.x, 2),
                    round(s.y, 2),
                    *_curve(s.x, s.y, t.x, t.y),
                    round(t.x, 2),
                    round(t.y, 2),
                    round(width, 2),
                    colour,
                    1 if (cut or e.single_source) else 0,
                    tip,
                ]
            )
        out.sort(key=lambda f: f[6])  # the widest drawn last, on top
        return out, False, notes
    return _bundles(drawable, placed, base, names, status, notes)


def _edge_line(e: MapEdge, names: Mapping[str, str]) -> str:
    parts = [names.get(e.product or "", e.product or "product unknown")]
    if e.share is not None:
        parts.append(f"{percent(e.share)} of its need")
    if e.volume is not None:
        parts.append(f"volume {number(e.volume)}")
    return " · ".join(parts)


def _bundles(
    drawable: Sequence[MapEdge],
    placed: Mapping[str, Place],
    base: BaseMap,
    names: Mapping[str, str],
    status: Mapping[str, str],
    notes: list[str],
) -> tuple[list[list[Any]], bool, list[str]]:
    """One arc per pair of places (province or country), from the mean position of the
    suppliers in one to that of the customers in the other."""
    pairs: dict[tuple[int, int, bool], list[MapEdge]] = {}
    inside = 0
    for e in drawable:
        a, b = placed[e.source].shape, placed[e.target].shape
        if a is None or b is None:
            continue
        if a == b:
            inside += 1
            continue
        cut = status.get(e.source) == "removed" or status.get(e.target) == "removed"
        pairs.setdefault((a, b, cut), []).append(e)
    top = max((len(v) for v in pairs.values()), default=1)
    out = []
    for (a, b, cut), edges in sorted(pairs.items(), key=lambda kv: (len(kv[1]), kv[0])):
        sx = sum(placed[e.source].x for e in edges) / len(edges)
        sy = sum(placed[e.source].y for e in edges) / len(edges)
        tx = sum(placed[e.target].x for e in edges) / len(edges)
        ty = sum(placed[e.target].y for e in edges) / len(edges)
        volume = sum(e.volume or 0.0 for e in edges)
        products = Counter(names.get(e.product or "", e.product or "?") for e in edges)
        listed = ", ".join(f"{p} ({c})" for p, c in products.most_common(4))
        if len(products) > 4:
            listed += f" and {len(products) - 4} more"
        singles = sum(1 for e in edges if e.single_source)
        tip = [
            f"{base.shapes[a].name} → {base.shapes[b].name}",
            f"{len(edges):,} trade link(s)" + (f", volume {number(volume)}" if volume else ""),
            listed,
        ]
        if singles:
            tip.append(f"{singles:,} declared single source(s)")
        if cut:
            tip.append("cut by the scenario")
        width = 1.2 + 6.0 * math.sqrt(len(edges) / top)
        colour = FLOW_CUT if cut else (FLOW_SINGLE if singles * 2 >= len(edges) else FLOW)
        out.append(
            [
                round(sx, 2),
                round(sy, 2),
                *_curve(sx, sy, tx, ty),
                round(tx, 2),
                round(ty, 2),
                round(width, 2),
                colour,
                1 if cut else 0,
                tip,
            ]
        )
    notes.append(
        f"{len(drawable):,} trade links are bundled into {len(out):,} arcs between provinces "
        f"and countries; {inside:,} run inside one of them and are not drawn."
    )
    return out, True, notes


def _disruption_shades(
    data: MapData, placed: Mapping[str, Place], base: BaseMap, names: Mapping[str, str]
) -> list[list[Any]]:
    """[shape index, colour, tip] for removed regions and regions holding removed
    enterprises."""
    out: dict[int, list[Any]] = {}
    for n in data.nodes:
        if n.kind != "region" or n.status != "removed":
            continue
        shape = base.shape_of(n.id)
        if shape is None:
            continue
        s = base.shapes[shape]
        tip = [s.name, f"removed by the scenario: {_region_label(n.id, names)}"]
        if not _exact(n.id, s.code):
            tip.append(
                f"drawn on {s.name}: the base map has no boundaries finer than "
                f"{'provinces' if s.level == 'province' else 'countries'} there"
            )
        if shape in out:
            out[shape][2] += tip[1:]
        else:
            out[shape] = [shape, SHADE["removed"], tip]
    held: Counter[int] = Counter()
    by_key = data.node_map()
    for key, p in placed.items():
        if p.shape is not None and by_key[key].status == "removed":
            held[p.shape] += 1
    for shape, count in held.items():
        line = f"{count:,} removed enterprise(s) here"
        if shape in out:
            out[shape][2].append(line)
        else:
            out[shape] = [shape, SHADE["holds-removed"], [base.shapes[shape].name, line]]
    return [out[k] for k in sorted(out)]


def _exact(code: str, shape_code: str) -> bool:
    """Whether the shape is the region itself (not the province or country it lies in)."""
    if code == shape_code:
        return True
    return len(code) == 6 and code.endswith("0000") and shape_code == "CN-" + code[:2]


def _warning_shades(data: MapData, placed: Mapping[str, Place], base: BaseMap) -> list[list[Any]]:
    """[shape index, colour, tip, opacity]: the colour of the worst warning level among the
    enterprises there (or the level a region itself carries), the more opaque the larger the
    share of its enterprises at that level (from 0.4 to 1, times the colour's own alpha)."""
    by_key = data.node_map()
    counts: dict[int, Counter[str]] = {}
    totals: Counter[int] = Counter()
    for key, p in placed.items():
        level = by_key[key].results.warning_level
        if p.shape is not None:
            totals[p.shape] += 1
        if p.shape is not None and level in WARNING_ORDER:
            counts.setdefault(p.shape, Counter())[str(level)] += 1
    for n in data.nodes:
        if n.kind == "region" and n.results.warning_level in WARNING_ORDER:
            shape = base.shape_of(n.id)
            if shape is not None:
                counts.setdefault(shape, Counter())[str(n.results.warning_level)] += 0
    out = []
    for shape, levels in sorted(counts.items()):
        worst = min(levels, key=lambda lv: WARNING_ORDER[lv])
        total = totals[shape]
        lines = [
            f"{levels[lv]:,} of its {total:,} enterprise(s) at {lv}"
            for lv in sorted(levels, key=lambda lv: WARNING_ORDER[lv])
            if levels[lv]
        ]
        share = levels[worst] / total if total else 1.0
        tip = [base.shapes[shape].name, f"worst warning: {worst}", *lines]
        out.append([shape, SHADE[worst], tip, round(0.4 + 0.6 * share, 2)])
    return out


def _areas(
    graph: Graph,
    data: MapData,
    base: BaseMap,
    region_names: Mapping[str, str],
    allocation: Allocation | None,
) -> list[list[Any]]:
    """[x, y, size, colour, tip] per demand area of the map's products (the allocated
    product's; every area on the map of every enterprise)."""
    everything = data.kind == "enterprise" and data.root is None  # all_data(): every area
    if allocation is not None:
        ids = [allocation.product]
    elif data.kind == "disruption":
        ids = sorted({n.id for n in data.nodes if n.kind == "product" and n.status != "normal"})
    else:
        ids = sorted({n.id for n in data.nodes if n.kind == "product"})
    if not ids and not everything:
        return []
    found = rows(graph, Q_AREAS, {"ids": ids}) if ids else rows(graph, Q_ALL_AREAS, {})
    latest: dict[tuple[str, str], list[Any]] = {}
    for row in found:
        key = (str(row[0]), str(row[4]))
        if key not in latest or str(row[9] or "") > str(latest[key][9] or ""):
            latest[key] = row
    by_area: dict[str, list[list[Any]]] = {}
    for (area, _), row in sorted(latest.items()):
        by_area.setdefault(area, []).append(row)
    allocated = {a.area: a for a in allocation.areas} if allocation is not None else {}
    spots: Counter[int] = Counter()
    totals = {a: sum(_float(r[8]) or 0.0 for r in rs) for a, rs in by_area.items()}
    top = max(totals.values(), default=0.0)
    out = []
    for area, demand_rows in by_area.items():
        first = demand_rows[0]
        region = _text(first[3])
        shape = base.shape_of(region)
        if shape is None:
            continue
        lon_x, lat_y = base.shapes[shape].at
        k = spots[shape]
        spots[shape] += 1
        x = lon_x + (k % 3 - 1) * 0.9 * UNIT
        y = lat_y + (k // 3) * 0.9 * UNIT
        name = _text(first[1]) or area
        tip = [name, f"demand area {area}" + (f" · {first[2]}" if first[2] else "")]
        tip.append("in " + _region_label(region, region_names))
        for r in sorted(demand_rows, key=lambda r: (r[7] or 0, str(r[5] or r[4]))):
            tip.append(
                f"{r[5] or r[4]}: {number(_float(r[8]))}{' ' + str(r[6]) if r[6] else ''}/day, "
                f"priority {r[7]}" + (f" (as of {r[9]})" if r[9] else "")
            )
        colour = AREA_PLAIN
        got = allocated.get(area)
        if allocation is not None:
            if got is None:
                continue
            fill = got.fill if got.fill is not None else 1.0
            colour = AREA_MET if fill >= 0.999 else (AREA_SHORT if fill > 0 else AREA_UNMET)
            tip.append(
                f"allocated {number(got.allocated)} of {number(got.demand)}/day "
                f"({percent(got.fill)}), unmet {number(got.unmet)}"
            )
        size = 5 + (6 * math.sqrt(totals[area] / top) if top > 0 else 0)
        out.append([round(x, 2), round(y, 2), round(size, 1), colour, tip])
    return out


def _box(
    base: BaseMap,
    points: Iterable[Place],
    shades: Mapping[str, list[list[Any]]],
    areas: Sequence[list[Any]],
) -> tuple[list[float], list[float]]:
    """The initial view and the whole map's, [x0, y0, x1, y1] with a margin: the whole map
    holds everything drawn; the initial view holds the enterprises of the country where most
    of them sit, when it holds at least half (a few suppliers abroad would otherwise shrink it
    to a blot), and every region a scenario removes."""
    placed = list(points)
    xs = [p.x for p in placed]
    ys = [p.y for p in placed]
    ax, ay = [a[0] for a in areas], [a[1] for a in areas]
    sx: list[float] = []
    sy: list[float] = []
    for shaded in shades.get("disruption", []):
        x0, y0, x1, y1 = base.shapes[shaded[0]].box
        sx += [x0, x1]
        sy += [y0, y1]
    if not (xs or ax or sx):
        china = (
            base.shapes[base.codes["CN"]].box if "CN" in base.codes else (-3600, -1800, 3600, 1800)
        )
        return _margin(*china), _margin(*china)
    whole = _margin(min(xs + ax + sx), min(ys + ay + sy), max(xs + ax + sx), max(ys + ay + sy))
    country = Counter(_country(base, p.shape) for p in placed)
    top, count = country.most_common(1)[0] if country else (None, 0)
    if top is not None and count * 2 >= len(placed):
        inside = [p for p in placed if _country(base, p.shape) == top]
        xs, ys = [p.x for p in inside], [p.y for p in inside]
    fx, fy = xs + sx, ys + sy
    if not fx:
        return whole, whole
    return _margin(min(fx), min(fy), max(fx), max(fy)), whole


def _country(base: BaseMap, shape: int | None) -> str | None:
    if shape is None:
        return None
    s = base.shapes[shape]
    return "CN" if s.level == "province" else s.code


def _margin(x0: float, y0: float, x1: float, y1: float) -> list[float]:
    w, h = max(x1 - x0, MIN_VIEW), max(y1 - y0, MIN_VIEW * 0.6)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = w * 1.15, h * 1.15
    return [round(cx - w / 2, 1), round(cy - h / 2, 1), round(cx + w / 2, 1), round(cy + h / 2, 1)]


def _legend(
    data: MapData,
    status: Mapping[str, str],
    points: Mapping[str, list[Any]],
    flows: Sequence[list[Any]],
    bundled: bool,
    shades: Mapping[str, list[list[Any]]],
    areas: Sequence[list[Any]],
    allocation: Allocation | None,
) -> list[list[str]]:
    """[kind, colour, text] rows: kind is dot, ring, line, dashed, fill or square."""
    out = [["dot", PLAIN, "enterprise (hover for its name)"]]
    states = set(status.values())
    if "removed" in states:
        out.append(["dot", REMOVED, "removed by the scenario"])
    if "lost" in states:
        out.append(["dot", LOST, "makes a product the scenario loses"])
    if "reduced" in states:
        out.append(["dot", REDUCED, "makes a product the scenario reduces"])
    colours = set(points.get("colours", []))
    for level, colour in WARNING_COLOURS.items():
        if colour in colours:
            out.append(["dot", colour, f"{level} warning"])
    if any(points.get("o", [])):
        out.append(["ring", SPOF_OUTLINE, "single point of failure of a key product"])
    if flows:
        text = "trade between places, width by links" if bundled else "trade link, width by volume"
        out.append(["line", FLOW, text + " (bends right of its direction)"])
        if any(f[7] == FLOW_SINGLE for f in flows):
            out.append(["dashed", FLOW_SINGLE, "declared single source"])
        if any(f[7] == FLOW_CUT for f in flows):
            out.append(["dashed", FLOW_CUT, "cut by the scenario"])
    if shades.get("disruption"):
        out.append(["fill", SHADE["removed"], "region removed by the scenario"])
        if any(s[1] == SHADE["holds-removed"] for s in shades["disruption"]):
            out.append(["fill", SHADE["holds-removed"], "region holding removed enterprises"])
    for level in ("red", "yellow", "blue"):
        if any(s[1] == SHADE[level] for s in shades.get("warning", [])):
            out.append(
                [
                    "fill",
                    SHADE[level],
                    f"region: worst warning {level} (darker: more of its enterprises)",
                ]
            )
    if areas:
        if allocation is None:
            out.append(["square", AREA_PLAIN, "demand area, size by daily demand"])
        else:
            out.append(["square", AREA_MET, "demand area: demand met in full"])
            out.append(["square", AREA_SHORT, "demand area: demand met in part"])
            out.append(["square", AREA_UNMET, "demand area: nothing allocated"])
    return out


# ---- the page ---------------------------------------------------------------------------------


def geo_page(drawn: Places) -> str:
    """The geographic map as one self-contained page (``supplymap map geo``)."""
    from kg import __version__
    from kg.maps.render import _asset, _csp_hash, esc, script_json

    app_js = _asset("geo.js")
    csp = "; ".join(
        [
            "default-src 'none'",
            f"script-src {_csp_hash(app_js)}",
            "style-src 'unsafe-inline'",
            "img-src data:",
            "font-src 'none'",
            "connect-src 'none'",
            "media-src 'none'",
            "object-src 'none'",
            "frame-src 'none'",
            "worker-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    notes = ""
    if drawn.notes:
        notes = (
            '<details class="notes" role="note"><summary><span class="line">'
            + esc(drawn.notes[0])
            + '</span> <span class="more">details</span></summary>'
            + "".join(f"<p>{esc(note)}</p>" for note in drawn.notes)
            + "</details>"
        )
    n_points, n_flows = len(drawn.points["x"]), len(drawn.flows)
    counts = f"{n_points:,} enterprises · {n_flows:,} {'bundled ' if drawn.bundled else ''}arcs"
    if drawn.areas:
        counts += f" · {len(drawn.areas):,} demand areas"
    return Template(_asset("geo.html")).substitute(
        csp=esc(csp),
        version=esc(__version__),
        title=esc(drawn.title),
        subtitle=esc(drawn.subtitle),
        css=_asset("map.css") + _asset("geo.css"),
        counts=esc(counts),
        notes=notes,
        data=script_json(drawn.payload()),
        app=app_js,
    )
