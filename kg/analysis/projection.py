"""The graph read once into a compact, indexed structure that every analysis works on.

Each label and relationship type is read with one query (identifiers from kg/model.py,
values never formatted in) into plain tuples (``RawGraph``), then indexed: every product,
enterprise, region and chain gets a dense integer index and relationships become numpy
arrays of those indices. Tests and benchmarks can build a ``RawGraph`` by hand.

What the projection decides, once for every analysis:
- capacity of a PRODUCES edge: capacity_per_day, else output_per_day, else unknown (NaN);
- a producer is *live* unless its capacity is recorded as 0 (an idle line is no source);
- qty_per_unit missing or not above 0 counts as 1;
- PART_OF edges that close a cycle are dropped (with a warning), so every region has a
  well-defined set of enclosing regions;
- an enterprise's ownership group is its top parent along OWNED_BY (the largest-share parent
  when it has several; the smallest id of an ownership cycle);
- inventory: the latest snapshot (as_of) of each holder and product.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, LiteralString

import numpy as np
import numpy.typing as npt
from neo4j import READ_ACCESS, ManagedTransaction

from kg import model
from kg.connection import Graph
from kg.cypher import render

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class RawGraph:
    """The rows an analysis needs, as read from the graph (or written by hand in tests)."""

    # id, name, category, demand_per_day, lead_time_days, unit
    products: list[tuple[Any, ...]] = field(default_factory=list)
    # id, name
    enterprises: list[tuple[Any, ...]] = field(default_factory=list)
    # code, name, level
    regions: list[tuple[Any, ...]] = field(default_factory=list)
    # id, name
    chains: list[tuple[Any, ...]] = field(default_factory=list)
    # input, output, qty_per_unit, alt_group
    bom: list[tuple[Any, ...]] = field(default_factory=list)
    # enterprise, product, capacity_per_day, output_per_day
    produces: list[tuple[Any, ...]] = field(default_factory=list)
    # enterprise, region
    located: list[tuple[Any, ...]] = field(default_factory=list)
    # region, parent
    part_of: list[tuple[Any, ...]] = field(default_factory=list)
    # enterprise, parent, share
    owned: list[tuple[Any, ...]] = field(default_factory=list)
    # product, chain, stage
    in_chain: list[tuple[Any, ...]] = field(default_factory=list)
    # supplier, customer, product, share, volume
    supplies: list[tuple[Any, ...]] = field(default_factory=list)
    # holder, product, as_of, stock, daily_use
    holds: list[tuple[Any, ...]] = field(default_factory=list)
    # enterprise, chain, reason
    listed: list[tuple[Any, ...]] = field(default_factory=list)


def _q(template: LiteralString, **ids: str) -> LiteralString:
    return render(template, **ids)


P, E, R, C = model.PRODUCT, model.ENTERPRISE, model.REGION, model.CHAIN

# One query per RawGraph field; every identifier comes from the model.
READS: dict[str, LiteralString] = {
    "products": _q(
        "MATCH (p:{P}) RETURN p.{id}, p.{name}, p.{category}, p.{demand}, p.{lead}, p.{unit}",
        P=P.label,
        id=P.key,
        name="name",
        category="category",
        demand="demand_per_day",
        lead="lead_time_days",
        unit="unit",
    ),
    "enterprises": _q("MATCH (e:{E}) RETURN e.{id}, e.{name}", E=E.label, id=E.key, name="name"),
    "regions": _q(
        "MATCH (r:{R}) RETURN r.{code}, r.{name}, r.{level}",
        R=R.label,
        code=R.key,
        name="name",
        level="level",
    ),
    "chains": _q("MATCH (c:{C}) RETURN c.{id}, c.{name}", C=C.label, id=C.key, name="name"),
    "bom": _q(
        "MATCH (a:{P})-[r:{T}]->(b:{P}) RETURN a.{id}, b.{id}, r.{qty}, r.{alt}",
        P=P.label,
        T=model.INPUT_TO.type,
        id=P.key,
        qty="qty_per_unit",
        alt="alt_group",
    ),
    "produces": _q(
        "MATCH (e:{E})-[r:{T}]->(p:{P}) RETURN e.{eid}, p.{pid}, r.{cap}, r.{out}",
        E=E.label,
        P=P.label,
        T=model.PRODUCES.type,
        eid=E.key,
        pid=P.key,
        cap="capacity_per_day",
        out="output_per_day",
    ),
    "located": _q(
        "MATCH (e:{E})-[:{T}]->(r:{R}) RETURN e.{eid}, r.{code}",
        E=E.label,
        R=R.label,
        T=model.LOCATED_IN.type,
        eid=E.key,
        code=R.key,
    ),
    "part_of": _q(
        "MATCH (a:{R})-[:{T}]->(b:{R}) RETURN a.{code}, b.{code}",
        R=R.label,
        T=model.PART_OF.type,
        code=R.key,
    ),
    "owned": _q(
        "MATCH (a:{E})-[r:{T}]->(b:{E}) RETURN a.{id}, b.{id}, r.{share}",
        E=E.label,
        T=model.OWNED_BY.type,
        id=E.key,
        share="share",
    ),
    "in_chain": _q(
        "MATCH (p:{P})-[r:{T}]->(c:{C}) RETURN p.{pid}, c.{cid}, r.{stage}",
        P=P.label,
        C=C.label,
        T=model.IN_CHAIN.type,
        pid=P.key,
        cid=C.key,
        stage="stage",
    ),
    "supplies": _q(
        "MATCH (a:{E})-[r:{T}]->(b:{E}) RETURN a.{id}, b.{id}, r.{product}, r.{share}, r.{vol}",
        E=E.label,
        T=model.SUPPLIES.type,
        id=E.key,
        product="product",
        share="share",
        vol="volume",
    ),
    "holds": _q(
        "MATCH (e:{E})-[r:{T}]->(p:{P}) RETURN e.{eid}, p.{pid}, r.{asof}, r.{stock}, r.{use}",
        E=E.label,
        P=P.label,
        T=model.HOLDS.type,
        eid=E.key,
        pid=P.key,
        asof="as_of",
        stock="stock",
        use="daily_use",
    ),
    "listed": _q(
        "MATCH (e:{E})-[r:{T}]->(c:{C}) RETURN e.{eid}, c.{cid}, r.{reason}",
        E=E.label,
        C=C.label,
        T=model.KEY_ENTERPRISE_OF.type,
        eid=E.key,
        cid=C.key,
        reason="reason",
    ),
}


def _fetch(graph: Graph, cypher: LiteralString) -> list[tuple[Any, ...]]:
    def work(tx: ManagedTransaction) -> list[tuple[Any, ...]]:
        return [tuple(record) for record in tx.run(cypher)]

    with graph.driver.session(database=graph.database, default_access_mode=READ_ACCESS) as s:
        return s.execute_read(work)


def read_raw(graph: Graph) -> RawGraph:
    """Read everything the analyses need: one query per label and relationship type."""
    raw = RawGraph()
    for name, cypher in READS.items():
        setattr(raw, name, _fetch(graph, cypher))
    return raw


def _float(value: Any) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


class _Index:
    """Dense integer indices for string keys, in first-seen order."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys: list[str] = []
        self.pos: dict[str, int] = {}
        for k in keys:
            self.add(k)

    def add(self, key: str) -> int:
        i = self.pos.get(key)
        if i is None:
            i = len(self.keys)
            self.pos[key] = i
            self.keys.append(key)
        return i

    def __len__(self) -> int:
        return len(self.keys)


def _arr(values: Sequence[int]) -> IntArray:
    return np.asarray(values, dtype=np.int64)


def _farr(values: Sequence[float]) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


@dataclass
class Projection:
    """Indexed, compact view of the graph. Build with ``project(graph)`` or ``from_raw``."""

    product_ids: list[str]
    product_pos: dict[str, int]
    product_name: list[str | None]
    product_category: list[str | None]
    demand: FloatArray  # demand_per_day, NaN if not given
    lead_time: FloatArray  # lead_time_days, NaN if not given
    product_unit: list[str | None]

    enterprise_ids: list[str]
    enterprise_pos: dict[str, int]
    enterprise_name: list[str | None]

    region_codes: list[str]
    region_pos: dict[str, int]
    region_name: list[str | None]
    region_level: list[str | None]
    region_parents: list[list[int]]  # PART_OF, cycle-closing edges dropped

    chain_ids: list[str]
    chain_pos: dict[str, int]
    chain_name: list[str | None]

    bom_in: IntArray  # INPUT_TO input product
    bom_out: IntArray  # INPUT_TO output product
    bom_qty: FloatArray  # qty_per_unit (1 when missing)
    bom_group: list[str | None]  # alt_group

    pr_ent: IntArray  # PRODUCES enterprise
    pr_prod: IntArray  # PRODUCES product
    pr_cap: FloatArray  # capacity (capacity_per_day, else output_per_day), NaN unknown

    ent_regions: list[list[int]]  # LOCATED_IN
    ent_group: IntArray  # top parent along OWNED_BY (itself when independent)

    ic_prod: IntArray  # IN_CHAIN product
    ic_chain: IntArray  # IN_CHAIN chain
    ic_stage: list[str | None]

    sup_from: IntArray  # SUPPLIES supplier
    sup_to: IntArray  # SUPPLIES customer
    sup_product: list[str | None]  # SUPPLIES.product (an id, possibly not a known product)
    sup_share: FloatArray
    sup_volume: FloatArray

    hold_ent: IntArray  # latest HOLDS snapshot per holder and product
    hold_prod: IntArray
    hold_stock: FloatArray
    hold_use: FloatArray
    hold_as_of: list[dt.date | None]

    listed: list[tuple[int, int, str | None]]  # KEY_ENTERPRISE_OF (enterprise, chain, reason)
    warnings: list[str] = field(default_factory=list)
    read_seconds: float = 0.0

    # ---- sizes --------------------------------------------------------------------------

    @property
    def n_products(self) -> int:
        return len(self.product_ids)

    @property
    def n_enterprises(self) -> int:
        return len(self.enterprise_ids)

    @property
    def n_regions(self) -> int:
        return len(self.region_codes)

    @property
    def n_edges(self) -> int:
        return (
            len(self.bom_in)
            + len(self.pr_ent)
            + sum(len(r) for r in self.ent_regions)
            + sum(len(p) for p in self.region_parents)
            + len(self.ic_prod)
            + len(self.sup_from)
            + len(self.hold_ent)
        )

    # ---- derived views (computed on first use) ------------------------------------------

    @cached_property
    def live(self) -> BoolArray:
        """Per PRODUCES edge: a live producer (capacity not recorded as 0)."""
        live: BoolArray = ~(self.pr_cap == 0.0)
        return live

    @cached_property
    def region_ancestors(self) -> list[list[int]]:
        """Every region enclosing each region, itself first, nearest next."""
        out: list[list[int]] = []
        for r in range(self.n_regions):
            seen = [r]
            seen_set = {r}
            frontier = [r]
            while frontier:
                nxt: list[int] = []
                for x in frontier:
                    for parent in self.region_parents[x]:
                        if parent not in seen_set:
                            seen_set.add(parent)
                            seen.append(parent)
                            nxt.append(parent)
                frontier = nxt
            out.append(seen)
        return out

    @cached_property
    def region_descendants(self) -> list[list[int]]:
        """Each region with every region inside it (itself first)."""
        children: list[list[int]] = [[] for _ in range(self.n_regions)]
        for r, parents in enumerate(self.region_parents):
            for parent in parents:
                children[parent].append(r)
        out: list[list[int]] = []
        for r in range(self.n_regions):
            seen = [r]
            seen_set = {r}
            stack = [r]
            while stack:
                x = stack.pop()
                for c in children[x]:
                    if c not in seen_set:
                        seen_set.add(c)
                        seen.append(c)
                        stack.append(c)
            out.append(seen)
        return out

    @cached_property
    def region_enterprises(self) -> list[list[int]]:
        """Enterprises located directly in each region."""
        out: list[list[int]] = [[] for _ in range(self.n_regions)]
        for e, regions in enumerate(self.ent_regions):
            for r in regions:
                out[r].append(e)
        return out

    def enterprises_in_region(self, r: int) -> list[int]:
        """Enterprises in region ``r`` or any region inside it."""
        found: set[int] = set()
        for sub in self.region_descendants[r]:
            found.update(self.region_enterprises[sub])
        return sorted(found)

    def enterprise_region_at(self, level: str | None) -> list[int | None]:
        """Each enterprise's region at ``level`` (None: not known at that level).

        With ``level`` None the enterprise's own (most specific) region is used.
        """
        out: list[int | None] = []
        for regions in self.ent_regions:
            found: int | None = None
            for r in regions:
                if level is None:
                    found = r
                    break
                for a in self.region_ancestors[r]:
                    if self.region_level[a] == level:
                        found = a
                        break
                if found is not None:
                    break
            out.append(found)
        return out

    @cached_property
    def producers_of(self) -> list[list[int]]:
        """PRODUCES edge indices of each product."""
        out: list[list[int]] = [[] for _ in range(self.n_products)]
        for k, p in enumerate(self.pr_prod.tolist()):
            out[p].append(k)
        return out

    @cached_property
    def lines_of_enterprise(self) -> list[list[int]]:
        """PRODUCES edge indices of each enterprise."""
        out: list[list[int]] = [[] for _ in range(self.n_enterprises)]
        for k, e in enumerate(self.pr_ent.tolist()):
            out[e].append(k)
        return out

    @cached_property
    def inputs_of(self) -> list[list[int]]:
        """INPUT_TO edge indices into each product."""
        out: list[list[int]] = [[] for _ in range(self.n_products)]
        for k, p in enumerate(self.bom_out.tolist()):
            out[p].append(k)
        return out

    @cached_property
    def outputs_of(self) -> list[list[int]]:
        """INPUT_TO edge indices out of each product."""
        out: list[list[int]] = [[] for _ in range(self.n_products)]
        for k, p in enumerate(self.bom_in.tolist()):
            out[p].append(k)
        return out

    @cached_property
    def product_chains(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in range(self.n_products)]
        for p, c in zip(self.ic_prod.tolist(), self.ic_chain.tolist(), strict=True):
            out[p].append(c)
        return out

    @cached_property
    def chain_products(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in range(len(self.chain_ids))]
        for p, c in zip(self.ic_prod.tolist(), self.ic_chain.tolist(), strict=True):
            out[c].append(p)
        return out

    def requirement_groups(self, p: int) -> list[tuple[str | None, list[int]]]:
        """The bill of materials of ``p`` as AND-ed groups of OR-ed INPUT_TO edges.

        Inputs without an alt_group are a group each; inputs sharing one alt_group are one
        group (any of them will do). Groups come in a stable order: by group name, then input.
        """
        plain: list[tuple[str | None, list[int]]] = []
        grouped: dict[str, list[int]] = {}
        for k in self.inputs_of[p]:
            g = self.bom_group[k]
            if g is None:
                plain.append((None, [k]))
            else:
                grouped.setdefault(g, []).append(k)
        ids = self.product_ids
        plain.sort(key=lambda item: ids[int(self.bom_in[item[1][0]])])
        out = [(g, sorted(ks, key=lambda k: ids[int(self.bom_in[k])])) for g, ks in grouped.items()]
        out.sort(key=lambda item: str(item[0]))
        return plain + out

    # ---- lookups --------------------------------------------------------------------------

    def product(self, product_id: str) -> int:
        try:
            return self.product_pos[product_id]
        except KeyError:
            raise UnknownIdError("product", product_id) from None

    def enterprise(self, enterprise_id: str) -> int:
        try:
            return self.enterprise_pos[enterprise_id]
        except KeyError:
            raise UnknownIdError("enterprise", enterprise_id) from None

    def region(self, code: str) -> int:
        try:
            return self.region_pos[code]
        except KeyError:
            raise UnknownIdError("region", code) from None

    def chain(self, chain_id: str) -> int:
        try:
            return self.chain_pos[chain_id]
        except KeyError:
            raise UnknownIdError("chain", chain_id) from None


class UnknownIdError(LookupError):
    """An id asked for is not in the graph."""

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(
            f"no {kind} with id {key!r} in the graph; check the id (ids are case-sensitive) "
            f"or load the data that holds it"
        )


def _drop_cycles(n: int, edges: list[tuple[int, int]]) -> tuple[list[list[int]], int]:
    """Parents per node, dropping each edge that would close a cycle (in input order)."""
    parents: list[list[int]] = [[] for _ in range(n)]
    dropped = 0

    def reaches(start: int, target: int) -> bool:
        stack, seen = [start], {start}
        while stack:
            x = stack.pop()
            if x == target:
                return True
            for y in parents[x]:
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
        return False

    for child, parent in edges:
        if child == parent or reaches(parent, child):
            dropped += 1
            continue
        if parent not in parents[child]:
            parents[child].append(parent)
    return parents, dropped


def _top_parents(n: int, owned: list[tuple[int, int, float]]) -> IntArray:
    best: dict[int, tuple[float, int]] = {}  # child -> (share, parent): the largest holder
    for child, par, share in owned:
        if child == par:
            continue
        s = 0.0 if math.isnan(share) else share
        cur = best.get(child)
        if cur is None or (s, -par) > (cur[0], -cur[1]):
            best[child] = (s, par)
    parent = {child: par for child, (_, par) in best.items()}
    top = np.arange(n, dtype=np.int64)
    for e in range(n):
        path = [e]
        seen = {e}
        x = e
        while x in parent:
            x = parent[x]
            if x in seen:  # an ownership cycle: the group is the cycle, named by its least index
                cycle = path[path.index(x) :]
                x = min(cycle)
                break
            seen.add(x)
            path.append(x)
        top[e] = x
    return top


def from_raw(raw: RawGraph, read_seconds: float = 0.0) -> Projection:
    """Index the rows of a RawGraph. Relationship rows naming unknown nodes are skipped."""
    warnings: list[str] = []
    prod = _Index(str(r[0]) for r in raw.products)
    ent = _Index(str(r[0]) for r in raw.enterprises)
    reg = _Index(str(r[0]) for r in raw.regions)
    chn = _Index(str(r[0]) for r in raw.chains)

    def name_list(rows: list[tuple[Any, ...]], idx: _Index, col: int) -> list[str | None]:
        out: list[str | None] = [None] * len(idx)
        for r in rows:
            i = idx.pos[str(r[0])]
            out[i] = None if len(r) <= col or r[col] is None else str(r[col])
        return out

    demand = np.full(len(prod), np.nan)
    lead = np.full(len(prod), np.nan)
    for r in raw.products:
        i = prod.pos[str(r[0])]
        if len(r) > 3:
            demand[i] = _float(r[3])
        if len(r) > 4:
            lead[i] = _float(r[4])

    skipped: dict[str, int] = {}

    def skip(what: str) -> None:
        skipped[what] = skipped.get(what, 0) + 1

    # bill of materials (one edge per input/output pair)
    bom_in: list[int] = []
    bom_out: list[int] = []
    bom_qty: list[float] = []
    bom_group: list[str | None] = []
    seen_pairs: set[tuple[int, int]] = set()
    for r in raw.bom:
        a, b = prod.pos.get(str(r[0])), prod.pos.get(str(r[1]))
        if a is None or b is None:
            skip("INPUT_TO")
            continue
        if a == b or (a, b) in seen_pairs:
            skip("INPUT_TO")
            continue
        seen_pairs.add((a, b))
        qty = _float(r[2]) if len(r) > 2 else math.nan
        bom_in.append(a)
        bom_out.append(b)
        bom_qty.append(qty if qty > 0 else 1.0)
        group = r[3] if len(r) > 3 else None
        bom_group.append(None if group in (None, "") else str(group))

    pr_ent: list[int] = []
    pr_prod: list[int] = []
    pr_cap: list[float] = []
    seen_pairs = set()
    for r in raw.produces:
        e, p = ent.pos.get(str(r[0])), prod.pos.get(str(r[1]))
        if e is None or p is None or (e, p) in seen_pairs:
            skip("PRODUCES")
            continue
        seen_pairs.add((e, p))
        cap = _float(r[2]) if len(r) > 2 else math.nan
        if math.isnan(cap) and len(r) > 3:
            cap = _float(r[3])
        pr_ent.append(e)
        pr_prod.append(p)
        pr_cap.append(cap)

    ent_regions: list[list[int]] = [[] for _ in range(len(ent))]
    for r in raw.located:
        e, g = ent.pos.get(str(r[0])), reg.pos.get(str(r[1]))
        if e is None or g is None:
            skip("LOCATED_IN")
            continue
        if g not in ent_regions[e]:
            ent_regions[e].append(g)

    part_edges: list[tuple[int, int]] = []
    for r in raw.part_of:
        a, b = reg.pos.get(str(r[0])), reg.pos.get(str(r[1]))
        if a is None or b is None:
            skip("PART_OF")
            continue
        part_edges.append((a, b))
    region_parents, dropped = _drop_cycles(len(reg), part_edges)
    if dropped:
        warnings.append(f"{dropped} PART_OF relationship(s) closing a cycle of regions ignored")

    owned: list[tuple[int, int, float]] = []
    for r in raw.owned:
        a, b = ent.pos.get(str(r[0])), ent.pos.get(str(r[1]))
        if a is None or b is None:
            skip("OWNED_BY")
            continue
        owned.append((a, b, _float(r[2]) if len(r) > 2 else math.nan))

    ic_prod: list[int] = []
    ic_chain: list[int] = []
    ic_stage: list[str | None] = []
    for r in raw.in_chain:
        p, c = prod.pos.get(str(r[0])), chn.pos.get(str(r[1]))
        if p is None or c is None:
            skip("IN_CHAIN")
            continue
        ic_prod.append(p)
        ic_chain.append(c)
        ic_stage.append(None if len(r) < 3 or r[2] is None else str(r[2]))

    sup_from: list[int] = []
    sup_to: list[int] = []
    sup_product: list[str | None] = []
    sup_share: list[float] = []
    sup_volume: list[float] = []
    for r in raw.supplies:
        a, b = ent.pos.get(str(r[0])), ent.pos.get(str(r[1]))
        if a is None or b is None:
            skip("SUPPLIES")
            continue
        sup_from.append(a)
        sup_to.append(b)
        sup_product.append(None if len(r) < 3 or r[2] is None else str(r[2]))
        sup_share.append(_float(r[3]) if len(r) > 3 else math.nan)
        sup_volume.append(_float(r[4]) if len(r) > 4 else math.nan)

    latest: dict[tuple[int, int], tuple[dt.date | None, float, float]] = {}
    for r in raw.holds:
        e, p = ent.pos.get(str(r[0])), prod.pos.get(str(r[1]))
        if e is None or p is None:
            skip("HOLDS")
            continue
        as_of = _date(r[2]) if len(r) > 2 else None
        snap = (as_of, _float(r[3]) if len(r) > 3 else math.nan, _float(r[4]) if len(r) > 4 else 0)
        old = latest.get((e, p))
        if old is None or (as_of or dt.date.min) >= (old[0] or dt.date.min):
            latest[(e, p)] = snap
    hold_keys = sorted(latest)

    listed: list[tuple[int, int, str | None]] = []
    for r in raw.listed:
        e, c = ent.pos.get(str(r[0])), chn.pos.get(str(r[1]))
        if e is None or c is None:
            skip("KEY_ENTERPRISE_OF")
            continue
        listed.append((e, c, None if len(r) < 3 or r[2] is None else str(r[2])))

    for what, n in sorted(skipped.items()):
        warnings.append(f"{n} {what} row(s) skipped (an end is missing, or a duplicate)")

    return Projection(
        product_ids=prod.keys,
        product_pos=prod.pos,
        product_name=name_list(raw.products, prod, 1),
        product_category=name_list(raw.products, prod, 2),
        demand=demand,
        lead_time=lead,
        product_unit=name_list(raw.products, prod, 5),
        enterprise_ids=ent.keys,
        enterprise_pos=ent.pos,
        enterprise_name=name_list(raw.enterprises, ent, 1),
        region_codes=reg.keys,
        region_pos=reg.pos,
        region_name=name_list(raw.regions, reg, 1),
        region_level=name_list(raw.regions, reg, 2),
        region_parents=region_parents,
        chain_ids=chn.keys,
        chain_pos=chn.pos,
        chain_name=name_list(raw.chains, chn, 1),
        bom_in=_arr(bom_in),
        bom_out=_arr(bom_out),
        bom_qty=_farr(bom_qty),
        bom_group=bom_group,
        pr_ent=_arr(pr_ent),
        pr_prod=_arr(pr_prod),
        pr_cap=_farr(pr_cap),
        ent_regions=ent_regions,
        ent_group=_top_parents(len(ent), owned),
        ic_prod=_arr(ic_prod),
        ic_chain=_arr(ic_chain),
        ic_stage=ic_stage,
        sup_from=_arr(sup_from),
        sup_to=_arr(sup_to),
        sup_product=sup_product,
        sup_share=_farr(sup_share),
        sup_volume=_farr(sup_volume),
        hold_ent=_arr([k[0] for k in hold_keys]),
        hold_prod=_arr([k[1] for k in hold_keys]),
        hold_stock=_farr([latest[k][1] for k in hold_keys]),
        hold_use=_farr([latest[k][2] for k in hold_keys]),
        hold_as_of=[latest[k][0] for k in hold_keys],
        listed=listed,
        warnings=warnings,
        read_seconds=read_seconds,
    )


def project(graph: Graph) -> Projection:
    """Read the graph once and index it."""
    started = time.perf_counter()
    raw = read_raw(graph)
    read_seconds = time.perf_counter() - started
    return from_raw(raw, read_seconds)


def ensure_projection(source: Graph | Projection) -> Projection:
    """Every public analysis takes a Graph (read now) or a Projection (read earlier)."""
    return source if isinstance(source, Projection) else project(source)
