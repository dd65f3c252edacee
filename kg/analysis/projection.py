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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, LiteralString

import numpy as np
import pandas as pd

from kg import model
from kg.analysis.arrays import BoolArray, FloatArray, IntArray, positions_by
from kg.analysis.reads import READ_WORKERS, ColumnRead, read_columns
from kg.connection import Graph

if TYPE_CHECKING:
    from kg.analysis.stored import Stored


@dataclass
class Columns:
    """Rows given as columns (one list per column), as ``read_raw`` reads them."""

    cols: list[list[Any]]

    def __len__(self) -> int:  # rows, not columns
        return len(self.cols[0]) if self.cols else 0


Rows = list[Sequence[Any]] | Columns


@dataclass
class RawGraph:
    """The rows an analysis needs, as read from the graph (or written by hand in tests)."""

    # id, name, category, demand_per_day, lead_time_days, unit
    products: Rows = field(default_factory=list)
    # id, name
    enterprises: Rows = field(default_factory=list)
    # code, name, level
    regions: Rows = field(default_factory=list)
    # id, name
    chains: Rows = field(default_factory=list)
    # input, output, qty_per_unit, alt_group
    bom: Rows = field(default_factory=list)
    # enterprise, product, capacity_per_day, output_per_day
    produces: Rows = field(default_factory=list)
    # enterprise, region
    located: Rows = field(default_factory=list)
    # region, parent
    part_of: Rows = field(default_factory=list)
    # enterprise, parent, share
    owned: Rows = field(default_factory=list)
    # product, chain, stage
    in_chain: Rows = field(default_factory=list)
    # supplier, customer, product, share, volume[, basis]
    supplies: Rows = field(default_factory=list)
    # holder, product, as_of, stock, daily_use
    holds: Rows = field(default_factory=list)
    # enterprise, chain, reason
    listed: Rows = field(default_factory=list)
    # region, product, share (SHARE_OF_OUTPUT: a region's published share of world output)
    region_shares: Rows = field(default_factory=list)
    # what earlier analysis runs stored (kg/analysis/stored.py); None: not read
    stored: Stored | None = None
    # per label: the element id of each node row, when relationship rows name their ends by
    # element id (as read_raw reads them) rather than by key (rows written by hand)
    element_ids: dict[str, list[Any]] | None = None


P, E, R, C = model.PRODUCT, model.ENTERPRISE, model.REGION, model.CHAIN


def _text(prop: LiteralString) -> LiteralString:
    return "coalesce(" + prop + ", $blank)"


def _num(prop: LiteralString) -> LiteralString:
    return "coalesce(" + prop + ", $nan)"


Props = tuple[tuple[LiteralString, str, bool], ...]  # (template slot, property, numeric)


def _prop_cols(var: LiteralString, props: Props) -> tuple[LiteralString, ...]:
    """One column per (slot, property, numeric) of ``props`` on ``var``, never null."""
    return tuple(
        _num(var + ".{" + slot + "}") if numeric else _text(var + ".{" + slot + "}")
        for slot, _, numeric in props
    )


def _node_read(nt: model.NodeType, props: Props) -> ColumnRead:
    """elementId, key, then each (slot, property, numeric) of ``props``."""
    cols: tuple[LiteralString, ...] = ("elementId(s)", "s.{key}", *_prop_cols("s", props))
    return ColumnRead(
        "MATCH (s:{S}) WHERE s.{key} IS NOT NULL",
        cols,
        (("S", nt.label), ("key", nt.key), *((slot, name) for slot, name, _ in props)),
    )


def _rel_read(start: model.NodeType, rel: str, end: model.NodeType, props: Props) -> ColumnRead:
    """elementId of both ends, then each (slot, property, numeric) of ``props``."""
    cols: tuple[LiteralString, ...] = ("elementId(s)", "elementId(b)", *_prop_cols("r", props))
    return ColumnRead(
        "MATCH (s:{S})-[r:{T}]->(b:{B})",
        cols,
        (
            ("S", start.label),
            ("T", rel),
            ("B", end.label),
            *((slot, name) for slot, name, _ in props),
        ),
    )


NODE_READS = {"products": P, "enterprises": E, "regions": R, "chains": C}
# Every identifier comes from the model; values travel as parameters. Largest first (they
# run on a few connections at once). Text columns read "" for null, numbers NaN.
READS: dict[str, ColumnRead] = {
    "bom": _rel_read(
        P, model.INPUT_TO.type, P, (("qty", "qty_per_unit", True), ("alt", "alt_group", False))
    ),
    "produces": _rel_read(
        E,
        model.PRODUCES.type,
        P,
        (("cap", "capacity_per_day", True), ("out", "output_per_day", True)),
    ),
    "supplies": _rel_read(
        E,
        model.SUPPLIES.type,
        E,
        (
            ("product", "product", False),
            ("share", "share", True),
            ("vol", "volume", True),
            ("basis", "basis", False),
        ),
    ),
    "products": _node_read(
        P,
        (
            ("name", "name", False),
            ("category", "category", False),
            ("demand", "demand_per_day", True),
            ("lead", "lead_time_days", True),
            ("unit", "unit", False),
        ),
    ),
    "in_chain": _rel_read(P, model.IN_CHAIN.type, C, (("stage", "stage", False),)),
    "enterprises": _node_read(E, (("name", "name", False),)),
    "located": _rel_read(E, model.LOCATED_IN.type, R, ()),
    "holds": _rel_read(
        E,
        model.HOLDS.type,
        P,
        (("asof", "as_of", False), ("stock", "stock", True), ("use", "daily_use", True)),
    ),
    "owned": _rel_read(E, model.OWNED_BY.type, E, (("share", "share", True),)),
    "regions": _node_read(R, (("name", "name", False), ("level", "level", False))),
    "part_of": _rel_read(R, model.PART_OF.type, R, ()),
    "region_shares": _rel_read(R, model.REGION_SHARE.type, P, (("share", "share", True),)),
    "listed": _rel_read(E, model.KEY_ENTERPRISE_OF.type, C, (("reason", "reason", False),)),
    "chains": _node_read(C, (("name", "name", False),)),
}


def read_raw(
    graph: Graph, workers: int = READ_WORKERS, stored: bool = False, verify: bool = False
) -> RawGraph:
    """Read everything the analyses need (``READS``), and with ``stored`` what earlier runs
    wrote back (kg/analysis/stored.py: the digests of node results and SUPPLIES flags as
    columns of the same reads, the latest run's record; with ``verify`` every stored value,
    hashed here), all in one pass on ``workers`` connections."""
    from kg.analysis.stored import stored_from_reads, with_stored_columns

    reads = with_stored_columns(READS) if stored else READS
    extra: dict[str, tuple[LiteralString, Mapping[str, Any]]] = {}
    if stored:
        from kg.analysis.stored import record_reads

        extra = record_reads()
    columns, values = read_columns(graph, reads, workers, extra)
    raw = RawGraph(element_ids={})
    for name, read in READS.items():
        cols = columns[name]
        if name in NODE_READS:
            assert raw.element_ids is not None
            raw.element_ids[NODE_READS[name].label] = cols[0]
            cols = cols[1:]
        width = len(read.columns) - (1 if name in NODE_READS else 0)
        setattr(raw, name, Columns(cols[:width]))
    if stored:
        raw.stored = stored_from_reads(graph, raw, columns, values, verify)
    return raw


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
    # SHARE_OF_OUTPUT: published shares of a product's world output by region
    rs_region: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    rs_prod: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    rs_share: FloatArray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    # what earlier analysis runs stored (RawGraph.stored), for the write-back's comparison
    stored: Stored | None = None

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
        return positions_by(self.pr_prod, self.n_products)

    @cached_property
    def lines_of_enterprise(self) -> list[list[int]]:
        """PRODUCES edge indices of each enterprise."""
        return positions_by(self.pr_ent, self.n_enterprises)

    @cached_property
    def inputs_of(self) -> list[list[int]]:
        """INPUT_TO edge indices into each product."""
        return positions_by(self.bom_out, self.n_products)

    @cached_property
    def outputs_of(self) -> list[list[int]]:
        """INPUT_TO edge indices out of each product."""
        return positions_by(self.bom_in, self.n_products)

    @cached_property
    def n_inputs(self) -> IntArray:
        return np.bincount(self.bom_out, minlength=self.n_products)

    @cached_property
    def n_outputs(self) -> IntArray:
        return np.bincount(self.bom_in, minlength=self.n_products)

    @cached_property
    def product_chains(self) -> list[list[int]]:
        return positions_by(self.ic_prod, self.n_products, self.ic_chain)

    @cached_property
    def chain_products(self) -> list[list[int]]:
        return positions_by(self.ic_chain, len(self.chain_ids), self.ic_prod)

    @cached_property
    def groups(self) -> BomGroups:
        """The requirement groups of every product (see ``requirement_groups``)."""
        return _bom_groups(self)

    def requirement_groups(self, p: int) -> list[tuple[str | None, list[int]]]:
        """The bill of materials of ``p`` as AND-ed groups of OR-ed INPUT_TO edges.

        Inputs without an alt_group are a group each; inputs sharing one alt_group are one
        group (any of them will do). Groups come in a stable order: single inputs by input id,
        then alt groups by name.
        """
        g = self.groups
        out = []
        for gi in g.of_product[p]:
            out.append((g.name[gi], g.members[gi]))
        return out

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


@dataclass(frozen=True)
class BomGroups:
    """Requirement groups: an AND over groups, an OR inside each (one input, or an alt_group)."""

    of_edge: IntArray  # INPUT_TO edge -> its group
    product: IntArray  # group -> the product it belongs to
    name: list[str | None]  # group -> alt_group name (None for a single input)
    members: list[list[int]]  # group -> INPUT_TO edges, by input id
    of_product: list[list[int]]  # product -> its groups, in a stable order

    @property
    def size(self) -> IntArray:
        return np.asarray([len(m) for m in self.members], dtype=np.int64)


def _bom_groups(proj: Projection) -> BomGroups:
    n_edges = len(proj.bom_in)
    if n_edges == 0:
        return BomGroups(
            np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype=np.int64),
            [],
            [],
            [[] for _ in range(proj.n_products)],
        )
    has = np.fromiter((g is not None for g in proj.bom_group), dtype=bool, count=n_edges)
    codes, _ = pd.factorize(pd.Series([g or "" for g in proj.bom_group]), sort=True)
    id_rank = np.empty(proj.n_products, dtype=np.int64)
    id_rank[np.argsort(np.asarray(proj.product_ids, dtype=object))] = np.arange(proj.n_products)
    # by product; single inputs (by input id) first, then alt groups by name
    order = np.lexsort((id_rank[proj.bom_in], codes, has, proj.bom_out))
    out_s, code_s, has_s = proj.bom_out[order], codes[order], has[order]
    start = np.ones(n_edges, dtype=bool)
    start[1:] = ~has_s[1:] | (out_s[1:] != out_s[:-1]) | (code_s[1:] != code_s[:-1])
    gid_sorted = np.cumsum(start) - 1
    of_edge = np.empty(n_edges, dtype=np.int64)
    of_edge[order] = gid_sorted
    firsts = order[start]
    product = proj.bom_out[firsts]
    names = [proj.bom_group[k] for k in firsts.tolist()]
    flat = order.tolist()
    starts = np.flatnonzero(start).tolist()
    members = [flat[a:b] for a, b in zip(starts, [*starts[1:], n_edges], strict=True)]
    return BomGroups(
        of_edge=of_edge,
        product=product,
        name=names,
        members=members,
        of_product=positions_by(product, proj.n_products),
    )


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


def _frame(rows: Rows, columns: list[str]) -> pd.DataFrame:
    """Rows as a DataFrame with exactly ``columns`` (short rows padded with None)."""
    if isinstance(rows, Columns):
        if not len(rows):
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        return pd.DataFrame(dict(zip(columns, rows.cols, strict=True)))
    width = len(columns)
    if rows and any(len(r) != width for r in rows):
        rows = [tuple(r[:width]) + (None,) * (width - len(r)) for r in rows]
    return (
        pd.DataFrame.from_records(rows, columns=columns)  # type: ignore[arg-type]
        if rows
        else pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    )


def _keys(df: pd.DataFrame, col: str) -> list[str]:
    return [str(v) for v in df[col].tolist()]


def _nums(df: pd.DataFrame, col: str) -> FloatArray:
    out: FloatArray = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64)
    return out


def _strs(df: pd.DataFrame, col: str) -> list[str | None]:
    return [None if v is None or v != v or v == "" else str(v) for v in df[col].tolist()]


def _lookup(index: pd.Index, df: pd.DataFrame, col: str) -> IntArray:
    values = df[col]
    if len(values) and not all(isinstance(v, str) for v in values.iloc[:1]):
        values = values.astype(str)
    out: IntArray = index.get_indexer(pd.Index(values)).astype(np.int64)
    return out


class _Ends:
    """Positions of the nodes of one label that a relationship column names: by key (rows
    written by hand), or by element id (``RawGraph.element_ids``, as read_raw reads them)."""

    def __init__(self, index: pd.Index, read_keys: pd.Series, eids: Sequence[Any] | None):
        self.index = index  # the nodes' keys, by position
        self.by_eid: pd.Index | None = None
        if eids is not None:
            self.by_eid = pd.Index(eids, dtype=object)
            # element id (in read order) -> position of its key (duplicates keep the first)
            self.eid_pos: IntArray = index.get_indexer(pd.Index(read_keys)).astype(np.int64)

    def __len__(self) -> int:
        return len(self.index)

    def __call__(self, df: pd.DataFrame, col: str) -> IntArray:
        if self.by_eid is None:
            return _lookup(self.index, df, col)
        if not len(df):
            return np.zeros(0, dtype=np.int64)
        rows = self.by_eid.get_indexer(pd.Index(df[col], dtype=object))
        out: IntArray = np.where(rows >= 0, self.eid_pos[np.maximum(rows, 0)], -1)
        return out


def _first_pairs(a: IntArray, b: IntArray, keep: BoolArray) -> IntArray:
    """Row numbers of the first occurrence of each (a, b) pair among rows where ``keep``."""
    rows = np.flatnonzero(keep)
    if len(rows) == 0:
        return rows
    key = a[rows] * (int(b.max()) + 1 if len(b) else 1) + b[rows]
    _, first = np.unique(key, return_index=True)
    out: IntArray = rows[first]  # in (a, b) order, not the engine's read order
    return out


def _in_order(df: pd.DataFrame, *keys: IntArray) -> tuple[pd.DataFrame, list[IntArray]]:
    """The rows of a relationship frame, and their end positions, ordered by those positions
    (stably), so what follows does not depend on the order the engine returned them in."""
    if len(df) < 2:
        return df, list(keys)
    order = np.lexsort(tuple(reversed(keys)))
    return df.iloc[order].reset_index(drop=True), [k[order] for k in keys]


def from_raw(raw: RawGraph, read_seconds: float = 0.0) -> Projection:
    """Index the rows of a RawGraph. Relationship rows naming unknown nodes are skipped."""
    warnings: list[str] = []
    skipped: dict[str, int] = {}

    def skip(what: str, n: int) -> None:
        if n:
            skipped[what] = skipped.get(what, 0) + n

    def nodes(nt: model.NodeType, rows: Rows, cols: list[str]) -> tuple[pd.DataFrame, _Ends]:
        df = _frame(rows, cols)
        df[cols[0]] = df[cols[0]].astype(str)
        read_keys = df[cols[0]]
        # Positions in key order, whatever order the engine returned the nodes in, so the
        # results (ties, the order of float sums) do not depend on the engine or on writes.
        df = df.sort_values(cols[0], kind="stable")
        df = df.drop_duplicates(cols[0], keep="first").reset_index(drop=True)
        index = pd.Index(df[cols[0]])
        eids = None if raw.element_ids is None else raw.element_ids.get(nt.label)
        return df, _Ends(index, read_keys, eids)

    products, prod = nodes(P, raw.products, ["id", "name", "category", "demand", "lead", "unit"])
    ents, ent = nodes(E, raw.enterprises, ["id", "name"])
    regions, reg = nodes(R, raw.regions, ["code", "name", "level"])
    chains, chn = nodes(C, raw.chains, ["id", "name"])

    # bill of materials: one edge per (input, output), never a product into itself
    bom = _frame(raw.bom, ["a", "b", "qty", "group"])
    ba, bb = prod(bom, "a"), prod(bom, "b")
    rows = _first_pairs(ba, bb, (ba >= 0) & (bb >= 0) & (ba != bb))
    skip("INPUT_TO", len(bom) - len(rows))
    qty = _nums(bom, "qty")[rows]
    all_groups = _strs(bom, "group")
    bom_group = [all_groups[i] for i in rows.tolist()]

    pr = _frame(raw.produces, ["e", "p", "cap", "out"])
    pe, pp = ent(pr, "e"), prod(pr, "p")
    prow = _first_pairs(pe, pp, (pe >= 0) & (pp >= 0))
    skip("PRODUCES", len(pr) - len(prow))
    cap = _nums(pr, "cap")
    cap = np.where(np.isnan(cap), _nums(pr, "out"), cap)[prow]

    loc = _frame(raw.located, ["e", "r"])
    le, lr = ent(loc, "e"), reg(loc, "r")
    lrow = _first_pairs(le, lr, (le >= 0) & (lr >= 0))
    skip("LOCATED_IN", len(loc) - len(lrow))
    ent_regions: list[list[int]] = [[] for _ in range(len(ent))]
    for e, r in zip(le[lrow].tolist(), lr[lrow].tolist(), strict=True):
        ent_regions[e].append(r)

    part = _frame(raw.part_of, ["a", "b"])
    pa, pb = reg(part, "a"), reg(part, "b")
    part, (pa, pb) = _in_order(part, pa, pb)
    ok = (pa >= 0) & (pb >= 0)
    skip("PART_OF", int((~ok).sum()))
    region_parents, dropped = _drop_cycles(
        len(reg), list(zip(pa[ok].tolist(), pb[ok].tolist(), strict=True))
    )
    if dropped:
        warnings.append(f"{dropped} PART_OF relationship(s) closing a cycle of regions ignored")

    own = _frame(raw.owned, ["a", "b", "share"])
    oa, ob = ent(own, "a"), ent(own, "b")
    own, (oa, ob) = _in_order(own, oa, ob)
    ok = (oa >= 0) & (ob >= 0)
    skip("OWNED_BY", int((~ok).sum()))
    owned = list(
        zip(oa[ok].tolist(), ob[ok].tolist(), _nums(own, "share")[ok].tolist(), strict=True)
    )

    ic = _frame(raw.in_chain, ["p", "c", "stage"])
    ip, icc = prod(ic, "p"), chn(ic, "c")
    ic, (ip, icc) = _in_order(ic, ip, icc)
    ok = (ip >= 0) & (icc >= 0)
    skip("IN_CHAIN", int((~ok).sum()))
    stages = _strs(ic, "stage")

    sup = _frame(raw.supplies, ["a", "b", "product", "share", "volume", "basis"])
    sa, sb = ent(sup, "a"), ent(sup, "b")
    sup_text = pd.Index(sup["product"].astype(str))
    sp = pd.Index(sorted(set(sup_text.tolist()))).get_indexer(sup_text)
    sup, (sa, sb, sp) = _in_order(sup, sa, sb, np.asarray(sp, dtype=np.int64))
    sok = (sa >= 0) & (sb >= 0)
    skip("SUPPLIES", int((~sok).sum()))
    # Declared links only: inferred ones (written by `supplymap infer`) are candidates, not
    # trade on record, so declared single sources and supply shares never count them.
    inferred = (sup["basis"] == "inferred").to_numpy(dtype=bool)
    if inferred.any():
        warnings.append(
            f"declared SUPPLIES links only: {int(inferred.sum())} inferred link(s) "
            "(basis inferred, from `supplymap infer`) not counted"
        )
    sok &= ~inferred
    sup_products = _strs(sup, "product")

    hold = _frame(raw.holds, ["e", "p", "as_of", "stock", "use"])
    he, hp = ent(hold, "e"), prod(hold, "p")
    hold, (he, hp) = _in_order(hold, he, hp)
    hok = (he >= 0) & (hp >= 0)
    skip("HOLDS", int((~hok).sum()))
    latest: dict[tuple[int, int], tuple[dt.date | None, float, float]] = {}
    stocks, uses = _nums(hold, "stock"), _nums(hold, "use")
    for i, as_of_raw in zip(np.flatnonzero(hok).tolist(), hold["as_of"][hok].tolist(), strict=True):
        key = (int(he[i]), int(hp[i]))
        as_of = _date(as_of_raw)
        old = latest.get(key)
        if old is None or (as_of or dt.date.min) >= (old[0] or dt.date.min):
            latest[key] = (as_of, float(stocks[i]), float(uses[i]))
    hold_keys = sorted(latest)

    lst = _frame(raw.listed, ["e", "c", "reason"])
    lse, lsc = ent(lst, "e"), chn(lst, "c")
    lst, (lse, lsc) = _in_order(lst, lse, lsc)
    reasons = _strs(lst, "reason")
    listed = [
        (int(lse[i]), int(lsc[i]), reasons[i])
        for i in range(len(lst))
        if lse[i] >= 0 and lsc[i] >= 0
    ]
    skip("KEY_ENTERPRISE_OF", len(lst) - len(listed))

    rsh = _frame(raw.region_shares, ["r", "p", "share"])
    rr, rp = reg(rsh, "r"), prod(rsh, "p")
    rsh, (rr, rp) = _in_order(rsh, rr, rp)
    rshare = _nums(rsh, "share")
    rok = (rr >= 0) & (rp >= 0) & ~np.isnan(rshare)
    skip("SHARE_OF_OUTPUT", int((~rok).sum()))

    for what, n in sorted(skipped.items()):
        warnings.append(f"{n} {what} row(s) skipped (an end is missing, or a duplicate)")

    return Projection(
        product_ids=_keys(products, "id"),
        product_pos={k: i for i, k in enumerate(_keys(products, "id"))},
        product_name=_strs(products, "name"),
        product_category=_strs(products, "category"),
        demand=_nums(products, "demand"),
        lead_time=_nums(products, "lead"),
        product_unit=_strs(products, "unit"),
        enterprise_ids=_keys(ents, "id"),
        enterprise_pos={k: i for i, k in enumerate(_keys(ents, "id"))},
        enterprise_name=_strs(ents, "name"),
        region_codes=_keys(regions, "code"),
        region_pos={k: i for i, k in enumerate(_keys(regions, "code"))},
        region_name=_strs(regions, "name"),
        region_level=_strs(regions, "level"),
        region_parents=region_parents,
        chain_ids=_keys(chains, "id"),
        chain_pos={k: i for i, k in enumerate(_keys(chains, "id"))},
        chain_name=_strs(chains, "name"),
        bom_in=ba[rows],
        bom_out=bb[rows],
        bom_qty=np.where(np.isnan(qty) | (qty <= 0), 1.0, qty),
        bom_group=bom_group,
        pr_ent=pe[prow],
        pr_prod=pp[prow],
        pr_cap=cap,
        ent_regions=ent_regions,
        ent_group=_top_parents(len(ent), owned),
        ic_prod=ip[ok],
        ic_chain=icc[ok],
        ic_stage=[stages[i] for i in np.flatnonzero(ok).tolist()],
        sup_from=sa[sok],
        sup_to=sb[sok],
        sup_product=[sup_products[i] for i in np.flatnonzero(sok).tolist()],
        sup_share=_nums(sup, "share")[sok],
        sup_volume=_nums(sup, "volume")[sok],
        hold_ent=_arr([k[0] for k in hold_keys]),
        hold_prod=_arr([k[1] for k in hold_keys]),
        hold_stock=_farr([latest[k][1] for k in hold_keys]),
        hold_use=_farr([latest[k][2] for k in hold_keys]),
        hold_as_of=[latest[k][0] for k in hold_keys],
        listed=listed,
        warnings=warnings,
        read_seconds=read_seconds,
        rs_region=rr[rok],
        rs_prod=rp[rok],
        rs_share=rshare[rok],
        stored=raw.stored,
    )


def project(graph: Graph, stored: bool = False, verify: bool = False) -> Projection:
    """Read the graph once and index it (with ``stored``: also the digests of what earlier
    runs wrote; with ``verify`` too: every stored value, hashed)."""
    started = time.perf_counter()
    raw = read_raw(graph, stored=stored, verify=verify)
    read_seconds = time.perf_counter() - started
    return from_raw(raw, read_seconds)


def ensure_projection(source: Graph | Projection) -> Projection:
    """Every public analysis takes a Graph (read now) or a Projection (read earlier)."""
    return source if isinstance(source, Projection) else project(source)
