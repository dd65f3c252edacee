"""What a map needs from the graph, read in a few parameterised queries.

Every map is a :class:`MapData`: nodes (products, enterprises, regions, and groups once
aggregated) and edges (bill of materials, production, trade links), each carrying the figures
a tooltip shows and the result properties the analyses and monitoring write back
(kg/model.py, PRODUCT_RESULTS, NODE_RESULTS, WARNING_RESULTS). A result property that is
absent reads as None and the map draws that node plainly.

Large reads come back as one collected list per query: through the Python driver that is about
twice as fast as one record per row (16k BOM edges of Willems chain 38: 0.7 s against 1.3 s).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, LiteralString

from kg.connection import Graph
from kg.cypher import render
from kg.model import (
    CHAIN,
    ENTERPRISE,
    IN_CHAIN,
    INPUT_TO,
    LOCATED_IN,
    PART_OF,
    PRODUCES,
    PRODUCT,
    REGION,
    SPOF_FOR_ENTERPRISE,
    SUPPLIES,
)
from kg.tiers import MAX_TIERS, Direction, NotFoundError, TierHit, lookup

NodeKind = Literal["product", "enterprise", "region", "group"]
EdgeKind = Literal["input", "produces", "supplies", "located", "group", "via"]
Status = Literal["normal", "removed", "lost", "reduced", "affected"]
MapKind = Literal["chain", "enterprise", "disruption"]

# The declared-single-source flag on SUPPLIES, as agreed between helpers (COMMON.md): the
# analyses write it; a SUPPLIES edge without it is drawn plainly.
SINGLE_SOURCE = "single_source"
WARNING_LEVELS: tuple[str, ...] = ("red", "yellow", "blue")
# sourcing values (kg/analysis/single_source.py) that make a product a single point itself:
# one live producer, or producers on record of which none is live
SINGLE_SOURCINGS: tuple[str, ...] = ("sole", "none")
PRODUCER_CAPACITY = "producer_capacity_per_day"  # kg/model.py PRODUCT_ANALYSIS_RESULTS


@dataclass(frozen=True)
class Results:
    """Result properties written back by the analyses and monitoring; None when absent."""

    producers: int | None = None
    sourcing: str | None = None
    regional_single_source: bool | None = None
    group_single_source: bool | None = None
    hhi: float | None = None
    hhi_region: float | None = None
    effective_sources: float | None = None
    achievable_per_day: float | None = None
    limiting_input: str | None = None
    spof_count: int | None = None
    is_spof: bool | None = None
    bottleneck_score: float | None = None
    capacity_criticality: float | None = None
    betweenness: float | None = None
    warning_level: str | None = None
    warning_reason: str | None = None
    warning_as_of: str | None = None
    warning_runs_out: str | None = None  # written beside the warning by the monitoring

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Results:
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = row.get(f.name)
            if raw is None:
                continue
            kind = str(f.type)
            if kind.startswith("float"):
                values[f.name] = _float(raw)
            elif kind.startswith("int"):
                number = _float(raw)
                values[f.name] = None if number is None else int(number)
            elif kind.startswith("bool"):
                values[f.name] = _bool(raw)
            else:
                values[f.name] = str(raw)
        level = values.get("warning_level")
        if level is not None:
            values["warning_level"] = level.strip().lower() or None
        return cls(**values)

    @property
    def any(self) -> bool:
        return self != _NO_RESULTS

    @property
    def flagged(self) -> bool:
        """A single point of any kind: its own sourcing, or its loss stops a key product. What
        the map outlines in red is narrower: see MapNode.outlined."""
        return self.single_sourced or bool(self.is_spof)

    @property
    def single_sourced(self) -> bool:
        """A product whose own sourcing is a single point: one live producer (or none left),
        every producer in one region, or every producer in one ownership group."""
        return (
            self.sourcing in SINGLE_SOURCINGS
            or bool(self.regional_single_source)
            or bool(self.group_single_source)
        )


_NO_RESULTS = Results()


@dataclass
class MapNode:
    key: str  # unique in the map: "<kind>:<graph id>"
    kind: NodeKind
    id: str  # the graph key (Enterprise.id, Product.id, Region.code) or a group's own id
    name: str
    category: str | None = None  # product category; an enterprise's: that of what it supplies
    stage: str | None = None  # chain stage of a product (upstream, midstream, downstream)
    region: str | None = None
    unit: str | None = None
    tier: int | None = None  # enterprise map: tiers above the root (0: the root itself)
    capacity: float | None = None  # per day: a product's producers summed; an enterprise's own
    # per day: what a product's live producers could make without input limits, as the analyses
    # wrote it beside the agreed results (producer_capacity_per_day, PRODUCT_ANALYSIS_RESULTS)
    producer_capacity: float | None = None
    makes: list[tuple[str, float | None, str | None]] = field(default_factory=list)
    producers: list[tuple[str, float | None]] = field(default_factory=list)  # (name, capacity)
    supplies: str | None = None  # enterprise map: the products on its links toward the root
    supplies_product: str | None = None  # the first of them: its colour and group
    results: Results = field(default_factory=Results)
    group_of: NodeKind | None = None  # a group: the kind of node it stands for
    members: list[str] = field(default_factory=list)  # a group's member names
    member_count: int = 0
    status: Status = "normal"
    remaining: float | None = None  # share of output left (disruption: reduced products)
    # Chain maps, inputs from other chains (kg/maps/crosschain.py): the other chain's name, on
    # every node drawn for it; whether the page starts with it hidden (folded into its chain's
    # group); a group's members it unfolds into (node keys).
    other_chain: str | None = None
    hidden: bool = False
    unfolds: list[str] = field(default_factory=list)
    expands: bool = False  # unfolding shows its neighbours and keeps it (enterprise maps)
    # Named in the tooltip: the hidden single points of failure of a (key) product, as
    # "name (kind)", and the name of its limiting input.
    spofs: list[str] = field(default_factory=list)
    limiting_name: str | None = None
    lat: float | None = None  # enterprises: where they are (the geographic view, kg/maps/geo.py)
    lon: float | None = None

    @property
    def outlined(self) -> bool:
        """Drawn with a red outline: a product whose own sourcing is a single point; an
        enterprise or region that is a (hidden) single point of failure of a key product; a
        group holding either.

        An input product that is a single point of failure only because nothing substitutes
        for it is not outlined (nearly every input of a real chain is one): its tooltip says so.
        """
        if self.kind == "product":
            return self.results.single_sourced
        return bool(self.results.is_spof)


@dataclass
class MapEdge:
    source: str  # node keys; material flows source -> target
    target: str
    kind: EdgeKind
    product: str | None = None  # SUPPLIES: the product traded
    qty_per_unit: float | None = None
    alt_group: str | None = None
    share: float | None = None
    volume: float | None = None
    capacity: float | None = None  # PRODUCES: capacity per day
    unit: str | None = None
    single_source: bool = False  # SUPPLIES: a declared single source
    # SUPPLIES: inferred (the supplier makes an input of what the customer makes), not declared:
    # written by `supplymap infer` (basis 'inferred') or found by the tier walk on the fly
    inferred: bool = False
    count: int = 1  # edges folded into this one by aggregation
    # A "via" link (an input from another chain to the product it reaches through folded
    # products): drawn only while this group node is folded; ``through`` names what it skips.
    while_folded: str | None = None
    through: tuple[str, ...] = ()


@dataclass(frozen=True)
class Limit:
    """A product held back by a capacity bottleneck, with the analyses' figures."""

    product: str  # node key
    achievable: float | None  # per day, what the inputs allow (achievable_per_day)
    capacity: float | None  # per day, what its producers could make (producer_capacity_per_day)

    @property
    def share(self) -> float | None:
        """Achievable output as a share of the producers' capacity."""
        if self.achievable is None or not self.capacity or self.capacity <= 0:
            return None
        return self.achievable / self.capacity


@dataclass(frozen=True)
class Upstream:
    """An enterprise or region whose loss stops a product a bottleneck limits, through it."""

    kind: Literal["enterprise", "region"]
    id: str
    name: str
    via: str | None  # id of the first product on its path (what it makes or holds)


@dataclass(frozen=True)
class Bottleneck:
    """A capacity bottleneck on a map: the input (or substitutes together) that limits the
    achievable output of one or more products on it most (their limiting_input)."""

    inputs: tuple[str, ...]  # node keys of the limiting input(s) on the map
    limits: tuple[Limit, ...]  # the products it holds back, by id
    upstream: tuple[Upstream, ...] = ()  # single points of failure behind it

    @property
    def worst(self) -> float:
        shares = [lim.share for lim in self.limits if lim.share is not None]
        return min(shares) if shares else 1.0


@dataclass
class MapData:
    kind: MapKind
    title: str
    subtitle: str
    nodes: list[MapNode]
    edges: list[MapEdge]
    notes: list[str] = field(default_factory=list)  # shown on the page (aggregation, gaps)
    root: str | None = None  # node key of the enterprise an enterprise map is drawn for
    product_names: dict[str, str] = field(default_factory=dict)  # id -> name, for edge tips
    direction: Direction = "upstream"  # an enterprise map: suppliers (up) or customers (down)
    aggregated: bool = False
    bottlenecks: list[Bottleneck] = field(default_factory=list)  # chain maps, worst first
    summary: str | None = None  # the notes banner's folded line (default: the first note)

    def node_map(self) -> dict[str, MapNode]:
        return {n.key: n for n in self.nodes}

    def bottleneck_inputs(self) -> set[str]:
        return {key for b in self.bottlenecks for key in b.inputs}

    def limiting_links(self) -> set[tuple[str, str]]:
        """(input, product) node keys of the links from each bottleneck to what it limits."""
        return {
            (key, lim.product) for b in self.bottlenecks for key in b.inputs for lim in b.limits
        }


def node_key(kind: NodeKind, graph_id: str) -> str:
    return f"{kind}:{graph_id}"


# ---- Cypher ------------------------------------------------------------------------------


_IDS = dict(
    product=PRODUCT.label,
    enterprise=ENTERPRISE.label,
    chain=CHAIN.label,
    region=REGION.label,
    in_chain=IN_CHAIN.type,
    input_to=INPUT_TO.type,
    produces=PRODUCES.type,
    supplies=SUPPLIES.type,
    located_in=LOCATED_IN.type,
    part_of=PART_OF.type,
    spof_for=SPOF_FOR_ENTERPRISE.type,
)

Q_CHAIN: LiteralString = render(
    "MATCH (c:{chain} {{id: $id}}) RETURN c.id AS id, c.name AS name, c.description AS description",
    chain=CHAIN.label,
)
# Nodes come back whole (properties()): on ArcadeDB that is several times faster than a
# projection naming each result property, most of which are absent until the analyses run.
Q_CHAIN_PRODUCTS: LiteralString = render(
    "MATCH (:{chain} {{id: $id}})<-[r:{in_chain}]-(p:{product}) "
    "RETURN collect([properties(p), r.stage]) AS rows",
    **_IDS,
)
Q_PRODUCTS: LiteralString = render(
    "UNWIND $ids AS pid MATCH (p:{product} {{id: pid}}) RETURN collect(properties(p)) AS rows",
    **_IDS,
)
Q_ENTERPRISES: LiteralString = render(
    "UNWIND $ids AS eid MATCH (e:{enterprise} {{id: eid}}) RETURN collect(properties(e)) AS rows",
    **_IDS,
)
Q_REGIONS: LiteralString = render(
    "UNWIND $ids AS code MATCH (g:{region} {{code: code}}) RETURN collect(properties(g)) AS rows",
    **_IDS,
)
# The inputs of a set of products (the caller keeps those inside the set).
Q_BOM: LiteralString = render(
    "UNWIND $ids AS pid MATCH (b:{product} {{id: pid}})<-[r:{input_to}]-(a:{product}) "
    "RETURN collect([a.id, b.id, r.qty_per_unit, r.alt_group]) AS rows",
    **_IDS,
)
# One BOM step upstream of a frontier of products (for the disruption scope).
Q_INPUTS_OF: LiteralString = render(
    "UNWIND $ids AS pid MATCH (:{product} {{id: pid}})<-[:{input_to}]-(a:{product}) "
    "RETURN collect(DISTINCT a.id) AS rows",
    **_IDS,
)
# One BOM step downstream.
Q_OUTPUTS_OF: LiteralString = render(
    "UNWIND $ids AS pid MATCH (:{product} {{id: pid}})-[:{input_to}]->(b:{product}) "
    "RETURN collect(DISTINCT b.id) AS rows",
    **_IDS,
)
Q_PRODUCERS: LiteralString = render(
    "UNWIND $ids AS pid MATCH (p:{product} {{id: pid}})<-[r:{produces}]-(e:{enterprise}) "
    "RETURN collect([e.id, p.id, r.capacity_per_day, r.unit, properties(e)]) AS rows",
    **_IDS,
)
# The same three reads anchored on a chain (the caller keeps what lies inside the chain).
Q_CHAIN_BOM: LiteralString = render(
    "MATCH (:{chain} {{id: $id}})<-[:{in_chain}]-(b:{product})<-[r:{input_to}]-(a:{product}) "
    "RETURN collect([a.id, b.id, r.qty_per_unit, r.alt_group]) AS rows",
    **_IDS,
)
Q_CHAIN_PRODUCERS: LiteralString = render(
    "MATCH (:{chain} {{id: $id}})<-[:{in_chain}]-(p:{product})<-[r:{produces}]-(e:{enterprise}) "
    "RETURN collect([e.id, p.id, r.capacity_per_day, r.unit, properties(e)]) AS rows",
    **_IDS,
)
Q_CHAIN_SUPPLIES: LiteralString = render(
    "MATCH (:{chain} {{id: $id}})<-[:{in_chain}]-(:{product})<-[:{produces}]-(t:{enterprise}) "
    "WITH DISTINCT t MATCH (t)<-[r:{supplies}]-(s:{enterprise}) "
    "RETURN collect([s.id, t.id, r.product, r.share, r.volume, r." + SINGLE_SOURCE + "]) AS rows",
    **_IDS,
)
# Products the given enterprises make (the disruption scope).
Q_MADE_BY: LiteralString = render(
    "UNWIND $ids AS eid MATCH (:{enterprise} {{id: eid}})-[:{produces}]->(p:{product}) "
    "RETURN collect(DISTINCT p.id) AS rows",
    **_IDS,
)
# What the given enterprises make (enterprise map tooltips).
Q_MAKES: LiteralString = render(
    "UNWIND $ids AS eid MATCH (e:{enterprise} {{id: eid}})-[r:{produces}]->(p:{product}) "
    "RETURN collect([e.id, p.id, p.name, p.category, r.capacity_per_day, r.unit]) AS rows",
    **_IDS,
)
# Trade links leaving a set of enterprises (the caller keeps those inside the set).
Q_SUPPLIES_FROM: LiteralString = render(
    "UNWIND $ids AS eid MATCH (s:{enterprise} {{id: eid}})-[r:{supplies}]->(t:{enterprise}) "
    "RETURN collect([s.id, t.id, r.product, r.share, r.volume, r." + SINGLE_SOURCE + ", "
    "r.basis]) AS rows",
    **_IDS,
)
# Trade links reaching a set of enterprises.
Q_SUPPLIES_TO: LiteralString = render(
    "UNWIND $ids AS eid MATCH (t:{enterprise} {{id: eid}})<-[r:{supplies}]-(s:{enterprise}) "
    "RETURN collect([s.id, t.id, r.product, r.share, r.volume, r." + SINGLE_SOURCE + "]) AS rows",
    **_IDS,
)
# Enterprises inside regions (with their sub-regions, any depth).
Q_IN_REGIONS: LiteralString = render(
    "UNWIND $codes AS code "
    "MATCH (:{region} {{code: code}})<-[:{part_of}*0..]-(:{region})"
    "<-[:{located_in}]-(e:{enterprise}) "
    "RETURN collect(DISTINCT [e.id, code]) AS rows",
    **_IDS,
)


# Hidden single points of failure of some products: the enterprises and the regions whose loss
# stops them, with the path that explains each (written by the analyses).
Q_SPOF_ENTERPRISES: LiteralString = render(
    "UNWIND $ids AS pid MATCH (x:{enterprise})-[s:{spof_for}]->(:{product} {{id: pid}}) "
    "RETURN collect([x.id, x.name, pid, s.path]) AS rows",
    **_IDS,
)
Q_SPOF_REGIONS: LiteralString = render(
    "UNWIND $ids AS pid MATCH (x:{region})-[s:{spof_for}]->(:{product} {{id: pid}}) "
    "RETURN collect([x.code, x.name, pid, s.path]) AS rows",
    **_IDS,
)
Q_SPOF_PRODUCTS: LiteralString = render(
    "UNWIND $ids AS pid MATCH (x:{product})-[s:{spof_for}]->(:{product} {{id: pid}}) "
    "RETURN collect([x.id, x.name, pid, s.path]) AS rows",
    **_IDS,
)
# The chains a set of products belong to (a product may sit in several).
Q_PRODUCT_CHAINS: LiteralString = render(
    "UNWIND $ids AS pid MATCH (:{product} {{id: pid}})-[:{in_chain}]->(c:{chain}) "
    "RETURN collect([pid, c.id, c.name]) AS rows",
    **_IDS,
)


@dataclass(frozen=True)
class Spof:
    """A hidden single point of failure of a product, as the analyses wrote it (SPOF_FOR)."""

    kind: Literal["enterprise", "region", "product"]
    id: str
    name: str
    product: str  # the product it stops (id)
    path: tuple[str, ...]  # ids from it to the product

    @property
    def label(self) -> str:
        return f"{self.name} ({self.kind})"


def spofs_of(graph: Graph, product_ids: Iterable[str]) -> list[Spof]:
    """Every single point of failure written for these products: enterprises, then regions,
    then products, each by name."""
    ids = sorted(set(product_ids))
    if not ids:
        return []
    found: list[Spof] = []
    reads: tuple[tuple[Literal["enterprise", "region", "product"], LiteralString], ...] = (
        ("enterprise", Q_SPOF_ENTERPRISES),
        ("region", Q_SPOF_REGIONS),
        ("product", Q_SPOF_PRODUCTS),
    )
    for kind, query in reads:
        for xid, name, pid, path in rows(graph, query, {"ids": ids}):
            steps = tuple(str(step) for step in path or ())
            found.append(Spof(kind, str(xid), _text(name) or str(xid), str(pid), steps))
    order = {"enterprise": 0, "region": 1, "product": 2}
    found.sort(key=lambda s: (order[s.kind], len(s.path), s.name, s.product))
    return found


def rows(graph: Graph, cypher: LiteralString, params: Mapping[str, Any]) -> list[Any]:
    result = graph.query(cypher, params)
    return list(result[0]["rows"]) if result else []


# ---- values ------------------------------------------------------------------------------


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _name(row: Mapping[str, Any], key: str = "id") -> str:
    return _text(row.get("name")) or str(row[key])


def product_node(row: Mapping[str, Any]) -> MapNode:
    return MapNode(
        key=node_key("product", str(row["id"])),
        kind="product",
        id=str(row["id"]),
        name=_name(row),
        category=_text(row.get("category")),
        stage=_text(row.get("stage")),
        unit=_text(row.get("unit")),
        producer_capacity=_float(row.get(PRODUCER_CAPACITY)),
        results=Results.from_row(row),
    )


def enterprise_node(row: Mapping[str, Any]) -> MapNode:
    return MapNode(
        key=node_key("enterprise", str(row["id"])),
        kind="enterprise",
        id=str(row["id"]),
        name=_name(row),
        region=_text(row.get("region")),
        results=Results.from_row(row),
        lat=_float(row.get("lat")),
        lon=_float(row.get("lon")),
    )


def _supplies_edge(row: Sequence[Any]) -> MapEdge:
    return MapEdge(
        node_key("enterprise", str(row[0])),
        node_key("enterprise", str(row[1])),
        "supplies",
        product=_text(row[2]),
        share=_float(row[3]),
        volume=_float(row[4]),
        single_source=_bool(row[5]) is True,
        inferred=len(row) > 6 and row[6] == "inferred",
    )


# ---- product scopes: chain and disruption maps -------------------------------------------


def _scope(
    graph: Graph,
    products: list[MapNode],
    chain_id: str | None = None,
    trade_up_to: int | None = None,
) -> tuple[list[MapNode], list[MapEdge]]:
    """Products plus their BOM, producers and the trade links into those producers.

    With ``chain_id`` the reads start from the chain (several times faster on ArcadeDB than
    looking up each product id); otherwise from the given products' ids. With
    ``trade_up_to``, trade links are not read when products and makers alone are more nodes
    than that (the map will fold the makers into their products anyway).
    """
    ids = [p.id for p in products]
    by_id = {p.id: p for p in products}
    if chain_id is not None:
        anchor: dict[str, Any] = {"id": chain_id}
        bom, produces = rows(graph, Q_CHAIN_BOM, anchor), rows(graph, Q_CHAIN_PRODUCERS, anchor)
        n_makers = len({r[0] for r in produces})
        if trade_up_to is not None and len(products) + n_makers > trade_up_to:
            supplies = []
        else:
            supplies = rows(graph, Q_CHAIN_SUPPLIES, anchor)
    else:
        bom, produces = rows(graph, Q_BOM, {"ids": ids}), rows(graph, Q_PRODUCERS, {"ids": ids})
        makers = sorted({str(r[0]) for r in produces})
        supplies = rows(graph, Q_SUPPLIES_TO, {"ids": makers})
    edges: list[MapEdge] = [
        MapEdge(
            node_key("product", str(a)),
            node_key("product", str(b)),
            "input",
            qty_per_unit=_float(q),
            alt_group=_text(g),
        )
        for a, b, q, g in bom
        if a != b and a in by_id and b in by_id
    ]
    # Trade in the scope's products into their makers: found from the makers, so the read
    # grows with the map, not with every trade link in the graph. (Sales of a chain's final
    # products to customers outside it are not part of the chain map.)
    supplies = [r for r in supplies if r[2] in by_id]
    enterprises = {str(r[0]): enterprise_node(r[4]) for r in produces}
    traders = sorted({str(r[0]) for r in supplies} - set(enterprises))
    for r in rows(graph, Q_ENTERPRISES, {"ids": traders}) if traders else []:
        enterprises[str(r["id"])] = enterprise_node(r)
    for eid, pid, capacity, unit, _ in produces:
        product = by_id[str(pid)]
        enterprise = enterprises[str(eid)]
        cap = _float(capacity)
        product.producers.append((enterprise.name, cap))
        if cap is not None:
            product.capacity = (product.capacity or 0.0) + cap
        enterprise.makes.append((product.name, cap, _text(unit) or product.unit))
        if enterprise.category is None:
            enterprise.category = product.category
        edges.append(
            MapEdge(enterprise.key, product.key, "produces", capacity=cap, unit=_text(unit))
        )
    for p in products:
        p.producers.sort(key=lambda pc: (-(pc[1] or 0.0), pc[0]))
    for row in supplies:
        edge = _supplies_edge(row)
        supplier = enterprises.get(str(row[0]))
        if supplier is not None and supplier.category is None and edge.product in by_id:
            supplier.category = by_id[edge.product].category
        edges.append(edge)
    nodes: list[MapNode] = [*products, *sorted(enterprises.values(), key=lambda e: e.id)]
    return nodes, edges


def chain_data(
    graph: Graph, chain_id: str, trade_up_to: int | None = None, *, other_chains: bool = True
) -> MapData:
    """The categorised chain map: the chain's products, their BOM, producers and trade, and
    (``other_chains``) the inputs from other chains they depend on (kg/maps/crosschain.py).

    ``trade_up_to``: skip reading trade links when the products and their makers alone are
    more nodes than this (pass the map's node limit: the makers will be folded away).
    """
    found = graph.query(Q_CHAIN, {"id": chain_id})
    if not found:
        raise NotFoundError(
            f"no chain with id {chain_id!r}; list the chains with "
            "`MATCH (c:Chain) RETURN c.id` (ids are case-sensitive)"
        )
    chain = found[0]
    products = [
        product_node({**props, "stage": stage})
        for props, stage in rows(graph, Q_CHAIN_PRODUCTS, {"id": chain_id})
    ]
    products.sort(key=lambda p: p.id)
    nodes, edges = _scope(graph, products, chain_id, trade_up_to)
    title = _text(chain.get("name")) or chain_id
    subtitle = f"chain {chain_id}"
    if _text(chain.get("description")):
        subtitle += f": {chain['description']}"
    data = MapData("chain", title, subtitle, nodes, edges)
    spofs = spofs_of(graph, [p.id for p in products])
    others: list[MapNode] = []
    if other_chains:
        # imported here: crosschain builds on this module
        from kg.maps.crosschain import add_other_chains, other_chain_inputs

        others = other_chain_inputs(graph, products)
    everything = [*products, *others]
    data.product_names = {p.id: p.name for p in everything}
    name_spofs(everything, spofs, data.product_names)
    bottlenecks = capacity_bottlenecks(everything)
    data.bottlenecks = upstream_of(graph, bottlenecks, set(data.product_names))
    if others:
        kept = {key.split(":", 1)[1] for b in bottlenecks for key in b.inputs}
        add_other_chains(graph, data, products, others, spofs, kept)
    if not products:
        data.notes.append("This chain has no products on record yet.")
    return data


def name_spofs(
    products: Iterable[MapNode], spofs: Sequence[Spof], names: Mapping[str, str]
) -> None:
    """Give each product the names of its single points of failure and of its limiting input
    (for its tooltip)."""
    by_product: dict[str, list[str]] = {}
    for s in spofs:
        by_product.setdefault(s.product, []).append(s.label)
    for p in products:
        p.spofs = by_product.get(p.id, [])
        limiting = p.results.limiting_input
        if limiting:
            p.limiting_name = " or ".join(
                names.get(part.strip(), part.strip()) for part in limiting.split("|")
            )


# ---- capacity bottlenecks ------------------------------------------------------------------


def capacity_bottlenecks(products: Iterable[MapNode]) -> list[Bottleneck]:
    """The capacity bottlenecks among these products, worst first.

    Each product's limiting_input (written by the analyses; ids joined by "|" when a group of
    substitutes limits together) that is itself among the products is a bottleneck of that
    product, as long as the product's achievable output is below what its producers could make.
    Worst first: the lowest share of capacity a bottleneck leaves, then the most products held.
    """
    on_map = {p.id: p for p in products if p.kind == "product"}
    held: dict[tuple[str, ...], list[Limit]] = {}
    for p in on_map.values():
        r = p.results
        if not r.limiting_input:
            continue
        named = {part.strip() for part in r.limiting_input.split("|")}
        ids = tuple(sorted((named & on_map.keys()) - {p.id}))
        if not ids:
            continue
        capacity = p.producer_capacity
        if capacity is None:
            capacity = p.capacity
        achievable = r.achievable_per_day
        if achievable is not None and capacity is not None and achievable >= capacity:
            continue  # not held back after all
        held.setdefault(ids, []).append(Limit(p.key, achievable, capacity))
    found = [
        Bottleneck(
            tuple(node_key("product", i) for i in ids),
            tuple(sorted(limits, key=lambda lim: lim.product)),
        )
        for ids, limits in held.items()
    ]
    found.sort(key=lambda b: (b.worst, -len(b.limits), b.inputs))
    return found


def upstream_of(
    graph: Graph, bottlenecks: list[Bottleneck], product_ids: set[str]
) -> list[Bottleneck]:
    """The bottlenecks with the enterprises and regions whose loss stops a product they limit
    through them (a SPOF_FOR link whose path runs through the bottleneck)."""
    if not bottlenecks:
        return bottlenecks
    limited = sorted({lim.product.split(":", 1)[1] for b in bottlenecks for lim in b.limits})
    found: list[tuple[Literal["enterprise", "region"], list[Any]]] = [
        ("enterprise", rows(graph, Q_SPOF_ENTERPRISES, {"ids": limited})),
        ("region", rows(graph, Q_SPOF_REGIONS, {"ids": limited})),
    ]
    out = []
    for b in bottlenecks:
        inputs = {key.split(":", 1)[1] for key in b.inputs}
        held = {lim.product.split(":", 1)[1] for lim in b.limits}
        best: dict[tuple[str, str], tuple[int, Upstream]] = {}
        for kind, found_rows in found:
            for xid, name, pid, path in found_rows:
                steps = [str(step) for step in path or ()]
                if str(pid) not in held or not inputs & set(steps[1:]):
                    continue
                via = next((step for step in steps[1:] if step in product_ids), None)
                up = Upstream(kind, str(xid), _text(name) or str(xid), via)
                key = (kind, up.id)
                if key not in best or len(steps) < best[key][0]:
                    best[key] = (len(steps), up)
        ordered = sorted(
            best.values(), key=lambda lu: (lu[1].kind != "enterprise", lu[0], lu[1].name)
        )
        out.append(replace(b, upstream=tuple(up for _, up in ordered)))
    return out


def _closure(graph: Graph, seeds: Iterable[str], step: LiteralString, max_depth: int) -> set[str]:
    seen = set(seeds)
    frontier = sorted(seen)
    for _ in range(max_depth):
        if not frontier:
            break
        found = {str(x) for x in rows(graph, step, {"ids": frontier})}
        frontier = sorted(found - seen)
        seen.update(frontier)
    return seen


def product_scope_data(
    graph: Graph,
    upstream_of: Iterable[str] = (),
    downstream_of: Iterable[str] = (),
    *,
    max_depth: int = 50,
) -> tuple[list[MapNode], list[MapEdge]]:
    """Products upstream (in the BOM) of some, downstream of others, with those themselves."""
    ids = _closure(graph, upstream_of, Q_INPUTS_OF, max_depth)
    ids |= _closure(graph, downstream_of, Q_OUTPUTS_OF, max_depth)
    products = [product_node(r) for r in rows(graph, Q_PRODUCTS, {"ids": sorted(ids)})]
    products.sort(key=lambda p: p.id)
    return _scope(graph, products)


def enterprises_in_regions(graph: Graph, codes: Iterable[str]) -> dict[str, str]:
    """Enterprise id -> the code (of those given) of the region it sits in."""
    return {str(e): str(c) for e, c in rows(graph, Q_IN_REGIONS, {"codes": sorted(set(codes))})}


def region_nodes(graph: Graph, codes: Iterable[str]) -> list[MapNode]:
    nodes = []
    for row in rows(graph, Q_REGIONS, {"ids": sorted(set(codes))}):
        code = str(row["code"])
        nodes.append(
            MapNode(
                node_key("region", code),
                "region",
                code,
                _name(row, "code"),
                region=code,
                results=Results.from_row(row),
            )
        )
    return nodes


# ---- the enterprise map -------------------------------------------------------------------


def enterprise_data(
    graph: Graph,
    enterprise_id: str,
    n_tiers: int,
    direction: Direction = "upstream",
    *,
    explore: bool = True,
) -> MapData:
    """An enterprise and its suppliers (or customers) ``n_tiers`` tiers away, with the trade
    links among them.

    With ``explore`` the next tier is read too and embedded hidden: clicking a node of the
    last tier on the page shows its own suppliers (or customers) from that data.
    """
    if not 1 <= n_tiers <= MAX_TIERS:
        raise ValueError(f"tiers must be between 1 and {MAX_TIERS}, got {n_tiers}")
    # Suppliers (customers) that follow the material, as `supplymap suppliers` lists them.
    read = n_tiers + 1 if explore and n_tiers < MAX_TIERS else n_tiers
    answer = lookup(graph, enterprise_id, direction, read, "enterprise")
    found = answer.hits
    hits = [h for h in found if h.tier <= n_tiers]
    tier_of = {enterprise_id: 0} | {h.id: h.tier for h in found}
    ids = sorted(tier_of)
    enterprises = {
        str(r["id"]): enterprise_node(r) for r in rows(graph, Q_ENTERPRISES, {"ids": ids})
    }
    inside = set(ids)
    edges = [
        _supplies_edge(r) for r in rows(graph, Q_SUPPLIES_FROM, {"ids": ids}) if r[1] in inside
    ]
    edges += _walked_links(found, edges, inside)
    product_ids = {e.product for e in edges if e.product}
    makes = rows(graph, Q_MAKES, {"ids": ids})
    product_rows = rows(
        graph, Q_PRODUCTS, {"ids": sorted(product_ids | {str(r[1]) for r in makes})}
    )
    products = {str(r["id"]): product_node(r) for r in product_rows}
    for eid, pid, pname, category, capacity, unit in makes:
        e = enterprises[str(eid)]
        cap = _float(capacity)
        e.makes.append((_text(pname) or str(pid), cap, _text(unit)))
        if cap is not None:
            e.capacity = (e.capacity or 0.0) + cap
        if e.category is None and e.id == enterprise_id:
            e.category = _text(category)
    # The products on each node's links toward the root (what a supplier sells to the tier
    # below it, what a customer buys from the tier above it); the first by id decides its
    # colour and its group when aggregated.
    toward_root: dict[str, set[str]] = {}
    for edge in edges:
        s_id, t_id = edge.source.split(":", 1)[1], edge.target.split(":", 1)[1]
        if not edge.product:
            continue
        if direction == "upstream" and tier_of[s_id] == tier_of[t_id] + 1:
            toward_root.setdefault(s_id, set()).add(edge.product)
        if direction == "downstream" and tier_of[t_id] == tier_of[s_id] + 1:
            toward_root.setdefault(t_id, set()).add(edge.product)
    names = {pid: p.name for pid, p in products.items()}
    for eid, e in enterprises.items():
        e.tier = tier_of[eid]
        linked = sorted(toward_root.get(eid, ()))
        if linked:
            first = products.get(linked[0])
            e.supplies_product = names.get(linked[0], linked[0])
            e.supplies = ", ".join(names.get(pid, pid) for pid in linked)
            e.category = first.category if first else e.category
    if read > n_tiers:
        _embed_next_tier(enterprises, edges, n_tiers, direction)
    root = enterprises[enterprise_id]
    nodes = sorted(enterprises.values(), key=lambda e: (e.tier or 0, e.id))
    who = "supplier" if direction == "upstream" else "customer"
    title = f"{'Suppliers' if direction == 'upstream' else 'Customers'} of {root.name}"
    subtitle = f"enterprise {enterprise_id}, {n_tiers} tier(s) {direction}: {len(hits)} {who}(s)"
    data = MapData("enterprise", title, subtitle, nodes, edges, root=root.key)
    data.product_names = names
    data.direction = direction
    if not hits:
        data.notes.append(f"No {who}s on record for this enterprise (no SUPPLIES links).")
    data.notes.extend(answer.notes)
    return data


def _walked_links(
    hits: Iterable[TierHit], stored: Sequence[MapEdge], inside: set[str]
) -> list[MapEdge]:
    """The links the tier walk took that are not stored SUPPLIES links: inferred on the fly
    (where the graph declares none, kg/supply_walk.py), so that a supplier known only by
    inference is drawn with its link to the customer it was found for."""
    have = {(e.source, e.target, e.product) for e in stored}
    out: list[MapEdge] = []
    for hit in hits:
        for step in hit.links:
            if step.supplier not in inside or step.customer not in inside:
                continue
            source = node_key("enterprise", step.supplier)
            target = node_key("enterprise", step.customer)
            if (source, target, step.product) in have:
                continue
            have.add((source, target, step.product))
            out.append(
                MapEdge(
                    source,
                    target,
                    "supplies",
                    product=step.product,
                    inferred=step.basis == "inferred",
                )
            )
    return out


def _embed_next_tier(
    enterprises: Mapping[str, MapNode], edges: Sequence[MapEdge], last: int, direction: Direction
) -> None:
    """Hide the tier after the last one asked for; each node of the last tier unfolds (and
    stays) into its own suppliers (or customers) there."""
    for e in enterprises.values():
        if (e.tier or 0) > last:
            e.hidden = True
    for edge in edges:
        s = enterprises.get(edge.source.split(":", 1)[1])
        t = enterprises.get(edge.target.split(":", 1)[1])
        if s is None or t is None:
            continue
        near, far = (t, s) if direction == "upstream" else (s, t)
        if near.tier == last and far.tier == last + 1 and far.key not in near.unfolds:
            near.unfolds.append(far.key)
            near.expands = True


def has_results(nodes: Iterable[MapNode]) -> bool:
    return any(n.results.any for n in nodes)
