"""The monitoring projection: current snapshots, capacities and the bill of materials.

Read once, with one query per relationship type, into plain Python structures; every rule,
the cascade, the stockpile report and the allocation work on this projection. "Current"
means the latest as_of per holder (or reserve, or area) and product, on or before the
reference date ``at``; the latest snapshot is picked by the server (max(as_of) per pair), so
a long history costs no transfer.

Capacity: PRODUCES holds the latest figures of each producer and product. For a reference date
in the past, the figures come from the capacity history (CAPACITY_SNAPSHOT, the latest on or
before the date), falling back to PRODUCES where no dated figure that old exists.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, LiteralString

from kg import model
from kg.connection import Graph
from kg.cypher import render

SupplyBasis = Literal["capacity", "output"]

_NAMES = {
    "Enterprise": model.ENTERPRISE.label,
    "Product": model.PRODUCT.label,
    "Chain": model.CHAIN.label,
    "Region": model.REGION.label,
    "Area": model.AREA.label,
    "PRODUCES": model.PRODUCES.type,
    "INPUT_TO": model.INPUT_TO.type,
    "IN_CHAIN": model.IN_CHAIN.type,
    "HOLDS": model.HOLDS.type,
    "STOCKPILES": model.STOCKPILES.type,
    "DEMANDS": model.DEMANDS.type,
    "CAPACITY_SNAPSHOT": model.CAPACITY_SNAPSHOT.type,
}


def cypher(template: LiteralString) -> LiteralString:
    """A query with the model's labels and types filled in ({Enterprise}, {HOLDS}...)."""
    return render(template, **_NAMES)


_PRODUCTS = cypher(
    "MATCH (p:{Product}) OPTIONAL MATCH (p)-[:{IN_CHAIN}]->(c:{Chain}) "
    "RETURN p.id AS id, p.name AS name, p.category AS category, p.unit AS unit, "
    "p.demand_per_day AS demand_per_day, collect(c.id) AS chains"
)
_BOM = cypher(
    "MATCH (i:{Product})-[x:{INPUT_TO}]->(o:{Product}) "
    "RETURN i.id AS input, o.id AS output, x.qty_per_unit AS qty, x.alt_group AS alt_group"
)
_PRODUCES = cypher(
    "MATCH (e:{Enterprise})-[x:{PRODUCES}]->(p:{Product}) "
    "RETURN e.id AS enterprise, e.name AS name, e.region AS region, p.id AS product, "
    "x.capacity_per_day AS capacity, x.output_per_day AS output, x.as_of AS as_of"
)
_CAPACITY_HISTORY = cypher(
    "MATCH (e:{Enterprise})-[x:{CAPACITY_SNAPSHOT}]->(p:{Product}) WHERE x.as_of <= $at "
    "WITH e, p, max(x.as_of) AS latest "
    "MATCH (e)-[x:{CAPACITY_SNAPSHOT}]->(p) WHERE x.as_of = latest "
    "RETURN e.id AS enterprise, p.id AS product, x.capacity_per_day AS capacity, "
    "x.output_per_day AS output, x.as_of AS as_of"
)
_HOLDS = cypher(
    "MATCH (e:{Enterprise})-[x:{HOLDS}]->(p:{Product}) WHERE x.as_of <= $at "
    "WITH e, p, max(x.as_of) AS latest "
    "MATCH (e)-[x:{HOLDS}]->(p) WHERE x.as_of = latest "
    "RETURN e.id AS holder, e.name AS name, e.region AS region, p.id AS product, "
    "x.stock AS stock, x.daily_use AS daily_use, x.as_of AS as_of"
)
_STOCKPILES = cypher(
    "MATCH (e:{Enterprise})-[x:{STOCKPILES}]->(p:{Product}) WHERE x.as_of <= $at "
    "WITH e, p, max(x.as_of) AS latest "
    "MATCH (e)-[x:{STOCKPILES}]->(p) WHERE x.as_of = latest "
    "RETURN e.id AS reserve, e.name AS name, e.region AS region, p.id AS product, "
    "x.stock AS stock, x.target AS target, x.as_of AS as_of"
)
_DEMANDS = cypher(
    "MATCH (a:{Area})-[x:{DEMANDS}]->(p:{Product}) WHERE x.as_of <= $at "
    "WITH a, p, max(x.as_of) AS latest "
    "MATCH (a)-[x:{DEMANDS}]->(p) WHERE x.as_of = latest "
    "RETURN a.id AS area, a.name AS area_name, a.sector AS sector, a.region AS region, "
    "p.id AS product, x.priority AS priority, x.daily_demand AS daily_demand, x.as_of AS as_of"
)
_DEMANDS_OF = cypher(
    "MATCH (a:{Area})-[x:{DEMANDS}]->(p:{Product} {{id: $product}}) WHERE x.as_of <= $at "
    "WITH a, p, max(x.as_of) AS latest "
    "MATCH (a)-[x:{DEMANDS}]->(p) WHERE x.as_of = latest "
    "RETURN a.id AS area, a.name AS area_name, a.sector AS sector, a.region AS region, "
    "p.id AS product, x.priority AS priority, x.daily_demand AS daily_demand, x.as_of AS as_of"
)
_PRODUCERS_OF = cypher(
    "MATCH (e:{Enterprise})-[x:{PRODUCES}]->(p:{Product} {{id: $product}}) "
    "RETURN e.id AS enterprise, e.name AS name, e.region AS region, p.id AS product, "
    "x.capacity_per_day AS capacity, x.output_per_day AS output, x.as_of AS as_of"
)
_PRODUCT = cypher(
    "MATCH (p:{Product} {{id: $product}}) OPTIONAL MATCH (p)-[:{IN_CHAIN}]->(c:{Chain}) "
    "RETURN p.id AS id, p.name AS name, p.category AS category, p.unit AS unit, "
    "p.demand_per_day AS demand_per_day, collect(c.id) AS chains"
)
_REGIONS = cypher("MATCH (r:{Region}) RETURN r.code AS code, r.name AS name")
# The newest dated figure of each kind: inventory, stockpiles, demand and capacity surveys.
_LATEST: tuple[LiteralString, ...] = (
    cypher("MATCH (:{Enterprise})-[x:{HOLDS}]->(:{Product}) RETURN max(x.as_of) AS latest"),
    cypher("MATCH (:{Enterprise})-[x:{STOCKPILES}]->(:{Product}) RETURN max(x.as_of) AS latest"),
    cypher("MATCH (:{Area})-[x:{DEMANDS}]->(:{Product}) RETURN max(x.as_of) AS latest"),
    cypher("MATCH (:{Enterprise})-[x:{PRODUCES}]->(:{Product}) RETURN max(x.as_of) AS latest"),
)

AsOfBasis = Literal["given", "latest snapshot", "today"]


def latest_snapshot_date(graph: Graph) -> dt.date | None:
    """The date of the newest dated figure in the graph (inventory, stockpile, demand or
    capacity), or None when nothing is dated."""
    dates = [to_date(row["latest"]) for q in _LATEST for row in graph.query(q)]
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def resolve_as_of(graph: Graph, at: dt.date | None) -> tuple[dt.date, AsOfBasis]:
    """The reference date to judge the data on, and why that one.

    A date given wins; else the data's own latest snapshot (so that a data set collected
    in 2022 is judged as of 2022, not as of today); else today when nothing is dated.
    """
    if at is not None:
        return at, "given"
    latest = latest_snapshot_date(graph)
    if latest is not None:
        return latest, "latest snapshot"
    return dt.date.today(), "today"


# ---- values ---------------------------------------------------------------------------------


def to_date(value: Any) -> dt.date | None:
    """A driver date (neo4j.time.Date / DateTime) or a Python one as datetime.date."""
    if value is None:
        return None
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    raise TypeError(f"not a date: {value!r}")


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def add_days(start: dt.date, days: float) -> dt.date:
    """``start`` plus ``days`` rounded down to whole days (the day the stock runs out)."""
    whole = math.floor(days)
    if whole >= (dt.date.max - start).days:
        return dt.date.max
    return start + dt.timedelta(days=whole)


@dataclass(frozen=True)
class ProductInfo:
    id: str
    name: str | None
    category: str | None
    unit: str | None
    chains: tuple[str, ...]
    demand_per_day: float | None


@dataclass(frozen=True)
class EnterpriseInfo:
    id: str
    name: str | None
    region: str | None


@dataclass(frozen=True)
class BomEdge:
    input: str
    output: str
    qty_per_unit: float
    alt_group: str | None


@dataclass(frozen=True)
class Holding:
    """The current inventory snapshot of one holder and product."""

    holder: str
    product: str
    stock: float
    daily_use: float
    as_of: dt.date

    @property
    def cover_days(self) -> float:
        return self.stock / self.daily_use if self.daily_use > 0 else math.inf

    @property
    def runs_out(self) -> dt.date:
        """as_of + days of cover (rounded down): the first day without stock if none arrives."""
        return add_days(self.as_of, self.cover_days)


@dataclass(frozen=True)
class Capacity:
    """The current capacity figures of one producer and product."""

    enterprise: str
    product: str
    capacity_per_day: float | None
    output_per_day: float | None
    as_of: dt.date | None

    def rate(self, basis: SupplyBasis) -> float | None:
        """Capacity (output where it is missing), or output (capacity where it is missing)."""
        if basis == "capacity":
            return (
                self.capacity_per_day if self.capacity_per_day is not None else self.output_per_day
            )
        return self.output_per_day if self.output_per_day is not None else self.capacity_per_day


@dataclass(frozen=True)
class Stockpile:
    reserve: str
    product: str
    stock: float
    target: float
    as_of: dt.date


@dataclass(frozen=True)
class Demand:
    area: str
    product: str
    priority: int
    daily_demand: float
    as_of: dt.date
    area_name: str | None = None
    sector: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class DemandFigure:
    """Demand of a product per day: direct (areas or demand_per_day) plus derived (BOM)."""

    direct: float
    direct_source: str  # "areas", "demand_per_day" or "none"
    derived: float
    derived_from: tuple[tuple[str, float], ...]  # (output product, units per day of this input)
    as_of: dt.date | None

    @property
    def total(self) -> float:
        return self.direct + self.derived


@dataclass(frozen=True)
class SupplyFigure:
    total: float
    producers: int
    unknown: int  # producers with neither capacity nor output on record
    as_of: dt.date | None


@dataclass
class Snapshots:
    """Everything monitoring reads, for one reference date."""

    at: dt.date
    products: dict[str, ProductInfo] = field(default_factory=dict)
    enterprises: dict[str, EnterpriseInfo] = field(default_factory=dict)
    bom: list[BomEdge] = field(default_factory=list)
    capacity: dict[tuple[str, str], Capacity] = field(default_factory=dict)
    holdings: dict[tuple[str, str], Holding] = field(default_factory=dict)
    stockpiles: dict[tuple[str, str], Stockpile] = field(default_factory=dict)
    demand: dict[tuple[str, str], Demand] = field(default_factory=dict)

    # ---- indexes ---------------------------------------------------------------------------

    @cached_property
    def outputs_of(self) -> dict[str, list[BomEdge]]:
        out: dict[str, list[BomEdge]] = defaultdict(list)
        for e in self.bom:
            out[e.input].append(e)
        return dict(out)

    @cached_property
    def inputs_of(self) -> dict[str, list[BomEdge]]:
        out: dict[str, list[BomEdge]] = defaultdict(list)
        for e in self.bom:
            out[e.output].append(e)
        return dict(out)

    @cached_property
    def input_groups(self) -> dict[str, list[tuple[str, ...]]]:
        """Each output's inputs grouped: every input alone, or with its alt_group substitutes.

        An output needs one input of every group (AND over groups, OR inside a group).
        """
        groups: dict[str, list[tuple[str, ...]]] = {}
        for output, edges in self.inputs_of.items():
            alt: dict[str, list[str]] = defaultdict(list)
            single: list[tuple[str, ...]] = []
            for e in sorted(edges, key=lambda e: e.input):
                if e.alt_group:
                    alt[e.alt_group].append(e.input)
                else:
                    single.append((e.input,))
            groups[output] = single + [tuple(v) for _, v in sorted(alt.items())]
        return groups

    @cached_property
    def producers_of(self) -> dict[str, list[Capacity]]:
        out: dict[str, list[Capacity]] = defaultdict(list)
        for c in self.capacity.values():
            out[c.product].append(c)
        for v in out.values():
            v.sort(key=lambda c: c.enterprise)
        return dict(out)

    @cached_property
    def holders_of(self) -> dict[str, list[Holding]]:
        out: dict[str, list[Holding]] = defaultdict(list)
        for h in self.holdings.values():
            out[h.product].append(h)
        for v in out.values():
            v.sort(key=lambda h: h.holder)
        return dict(out)

    @cached_property
    def demand_by_product(self) -> dict[str, list[Demand]]:
        out: dict[str, list[Demand]] = defaultdict(list)
        for d in self.demand.values():
            out[d.product].append(d)
        for v in out.values():
            v.sort(key=lambda d: (d.priority, d.area))
        return dict(out)

    # ---- figures ---------------------------------------------------------------------------

    def product_name(self, pid: str) -> str:
        p = self.products.get(pid)
        return p.name if p and p.name else pid

    def enterprise_name(self, eid: str) -> str:
        e = self.enterprises.get(eid)
        return e.name if e and e.name else eid

    def supply(self, product: str, basis: SupplyBasis) -> SupplyFigure | None:
        """Daily supply from the current figures of every producer; None without producers."""
        producers = self.producers_of.get(product, [])
        if not producers:
            return None
        rates = [c.rate(basis) for c in producers]
        dates = [c.as_of for c in producers if c.as_of is not None]
        return SupplyFigure(
            total=sum(r for r in rates if r is not None),
            producers=len(producers),
            unknown=sum(1 for r in rates if r is None),
            as_of=max(dates) if dates else None,
        )

    def demand_of(self, product: str) -> DemandFigure:
        """Area demand (else the product's demand_per_day) plus what its outputs' output needs.

        Derived demand counts each input of an output in full, alternatives of an alt_group
        included (a conservative reading: any of them may have to carry the whole need).
        """
        areas = self.demand_by_product.get(product, [])
        dates = [d.as_of for d in areas]
        if areas:
            direct, source = sum(d.daily_demand for d in areas), "areas"
        else:
            info = self.products.get(product)
            if info is not None and info.demand_per_day is not None:
                direct, source = info.demand_per_day, "demand_per_day"
            else:
                direct, source = 0.0, "none"
        derived: list[tuple[str, float]] = []
        for edge in self.outputs_of.get(product, []):
            out = self.supply(edge.output, "output")
            if out is not None and out.total > 0:
                derived.append((edge.output, out.total * edge.qty_per_unit))
                if out.as_of is not None:
                    dates.append(out.as_of)
        derived.sort()
        return DemandFigure(
            direct=direct,
            direct_source=source,
            derived=sum(v for _, v in derived),
            derived_from=tuple(derived),
            as_of=max(dates) if dates else None,
        )


# ---- reading --------------------------------------------------------------------------------


def _product(row: dict[str, Any]) -> ProductInfo:
    return ProductInfo(
        row["id"],
        row["name"],
        row["category"],
        row["unit"],
        tuple(sorted({c for c in row["chains"] or [] if c is not None})),
        _num(row["demand_per_day"]),
    )


def _remember(snap: Snapshots, row: dict[str, Any], key: str) -> None:
    eid = row[key]
    if eid not in snap.enterprises:
        snap.enterprises[eid] = EnterpriseInfo(eid, row.get("name"), row.get("region"))


def _capacity(row: dict[str, Any]) -> Capacity:
    return Capacity(
        row["enterprise"],
        row["product"],
        _num(row["capacity"]),
        _num(row["output"]),
        to_date(row["as_of"]),
    )


def _read_capacity(
    graph: Graph, snap: Snapshots, history: bool, product: str | None = None
) -> None:
    rows = graph.query(_PRODUCERS_OF, {"product": product}) if product else graph.query(_PRODUCES)
    for row in rows:
        _remember(snap, row, "enterprise")
        snap.capacity[(row["enterprise"], row["product"])] = _capacity(row)
    if not history:
        return
    for row in graph.query(_CAPACITY_HISTORY, {"at": snap.at}):
        key = (row["enterprise"], row["product"])
        if key in snap.capacity:
            snap.capacity[key] = _capacity(row)


def _demand(row: dict[str, Any]) -> Demand:
    return Demand(
        row["area"],
        row["product"],
        int(row["priority"]),
        float(row["daily_demand"]),
        to_date(row["as_of"]) or dt.date.min,
        row["area_name"],
        row["sector"],
        row["region"],
    )


def read_snapshots(graph: Graph, at: dt.date | None = None, *, holdings: bool = True) -> Snapshots:
    """The whole projection monitoring needs, as of ``at`` (default: today).

    ``holdings=False`` leaves out the inventory snapshots (the stockpile report needs none).
    """
    today = dt.date.today()
    snap = Snapshots(at=at or today)
    for row in graph.query(_PRODUCTS):
        snap.products[row["id"]] = _product(row)
    for row in graph.query(_BOM):
        qty = _num(row["qty"])
        snap.bom.append(
            BomEdge(row["input"], row["output"], 1.0 if qty is None else qty, row["alt_group"])
        )
    _read_capacity(graph, snap, history=snap.at < today)
    for row in graph.query(_HOLDS, {"at": snap.at}) if holdings else []:
        _remember(snap, row, "holder")
        as_of = to_date(row["as_of"])
        if as_of is None or row["stock"] is None or not row["daily_use"]:
            continue  # the inventory kind refuses such rows; a hand-written edge may not
        snap.holdings[(row["holder"], row["product"])] = Holding(
            row["holder"], row["product"], float(row["stock"]), float(row["daily_use"]), as_of
        )
    for row in graph.query(_STOCKPILES, {"at": snap.at}):
        _remember(snap, row, "reserve")
        snap.stockpiles[(row["reserve"], row["product"])] = Stockpile(
            row["reserve"],
            row["product"],
            float(row["stock"] or 0.0),
            float(row["target"] or 0.0),
            to_date(row["as_of"]) or dt.date.min,
        )
    for row in graph.query(_DEMANDS, {"at": snap.at}):
        snap.demand[(row["area"], row["product"])] = _demand(row)
    return snap


def read_product_supply(graph: Graph, product: str, at: dt.date | None = None) -> Snapshots:
    """A small projection for one product: the product, its producers and its area demand."""
    today = dt.date.today()
    snap = Snapshots(at=at or today)
    for row in graph.query(_PRODUCT, {"product": product}):
        snap.products[row["id"]] = _product(row)
    if product not in snap.products:
        return snap
    _read_capacity(graph, snap, history=snap.at < today, product=product)
    for row in graph.query(_DEMANDS_OF, {"product": product, "at": snap.at}):
        snap.demand[(row["area"], row["product"])] = _demand(row)
    return snap


def read_region_names(graph: Graph) -> dict[str, str]:
    return {r["code"]: r["name"] for r in graph.query(_REGIONS) if r["name"] is not None}
