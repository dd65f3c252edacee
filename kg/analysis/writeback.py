"""Write analysis results back into the graph: only what differs from what is stored.

The projection is read together with the digests of the results earlier runs stored
(kg/analysis/stored.py, kg/analysis/digest.py); each new result row's digest is compared
with the stored one (column-wise, numpy) and only the difference is written: changed
node properties, new, changed and vanished SPOF_FOR and KEY_RANK_IN relationships, and
single-source flags on SUPPLIES that appear, change or no longer hold. A rerun over an
unchanged graph writes no result rows at all. Every statement is a batched ``UNWIND $rows``
of plain lists (``[key, value, ...]``, the cheapest shape to send) in managed transactions
(Graph.write_batches); identifiers come from the model through kg.cypher.render, values are
parameters. Properties go in as one map literal (``SET x += {p: r[1], ...}``, or inside
CREATE for a new relationship): the local engine pays per SET item, and at 1M the map cut
its CPU per Product row from 122 to 42 microseconds, per new SPOF_FOR from 58-67 to 24-40.
A relationship known from the read not to exist is CREATEd, not MERGEd. The SUPPLIES flags
go per supplier (``[supplier, {product: {customer: values}}]``, when every key is a string):
the supplier is looked up once and its SUPPLIES walked once, each taking its values by
product and customer; matched per triple, each triple walked all of its supplier's SUPPLIES
again (1M, first write, all 191,341 flags: 44-56 microseconds of engine CPU a flag against
74-87, load 8-19).

What the graph holds afterwards is exactly the new run's results:
- every Product: PRODUCT_RESULTS and PRODUCT_ANALYSIS_RESULTS, and NODE_RESULTS (a product
  can be a single point of failure of another); every Enterprise and Region: NODE_RESULTS;
- (x)-[:SPOF_FOR {path, reason}]->(p) for every SPOF of every key product;
- SUPPLIES.single_source / group_single_source where a declared single source holds;
- (e)-[:KEY_RANK_IN {rank, ...}]->(c) for each chain's ranked key enterprises;
- one (:AnalysisRun) node per run with its options, timings and the rows it wrote.
Each written node or relationship carries ``analysis_digest`` (its values' digest) and
``analysis_run`` and ``analysed_at``: the run that
last changed its results (so after a rerun they name the run that found them, not
necessarily the latest; the latest run is the newest (:AnalysisRun)). Results of nodes
that are no longer analysed are removed. New results are written before vanished ones are
removed, so readers see the previous answer until the new one is in.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, LiteralString, Protocol

import numpy as np
import pandas as pd

from kg import model
from kg.analysis.digest import part_digest, row_digests
from kg.analysis.stored import (
    AT,
    DIGEST,
    FLAG_PROPS,
    FLAGS,
    NODE_PROPS,
    PARTS_PROP,
    PRODUCT_PROPS,
    RANK_PROPS,
    RECORDED,
    RUN,
    SPOF_PROPS,
    SPOF_STARTS,
    STAMP_PROPS,
    Stored,
    StoredPart,
    node_part,
    spof_part,
)
from kg.connection import Graph
from kg.cypher import ident, render
from kg.model import NodeType

__all__ = ["BATCH", "NODE_PROPS", "PRODUCT_PROPS", "Progress", "Writer"]

BATCH = 5000
WRITE_WORKERS = 2  # write transactions under way at once (connections)

Key = Any  # a node's key, or a tuple of keys for a relationship


class Progress(Protocol):
    def start(self, description: str, total: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def stop(self) -> None: ...


def _values(props: Sequence[str], first: int, var: LiteralString = "r") -> LiteralString:
    """``{p: r[first], q: r[first + 1], ..., analysis_digest: r[first + len(props)],
    analysis_run: $run, analysed_at: $at}``: one
    map literal, written with ``SET x += <map>`` or inside CREATE (a null value removes the
    property, as ``SET x.p = null`` does). The local engine pays per SET item: a map costs a
    third of the CPU of one item per property (measured in bench/analyze.py)."""
    items = [f"{ident(p)}: {var}[{first + i}]" for i, p in enumerate([*props, DIGEST])]
    items += [f"{RUN}: $run", f"{AT}: $at"]
    return "{" + ", ".join(items) + "}"  # model identifiers only


def _removals(var: str, props: Sequence[str]) -> LiteralString:
    return ", ".join(f"{var}.{ident(p)}" for p in [*props, *STAMP_PROPS])


def _set_nodes(nt: NodeType, props: Sequence[str]) -> LiteralString:
    return render(
        "UNWIND $rows AS r MATCH (n:{label} {{{key}: r[0]}}) SET n += ",
        label=nt.label,
        key=nt.key,
    ) + _values(props, 1)


def _clear_nodes(nt: NodeType, props: Sequence[str]) -> LiteralString:
    return render(
        "UNWIND $rows AS r MATCH (n:{label} {{{key}: r[0]}}) REMOVE " + _removals("n", props),
        label=nt.label,
        key=nt.key,
    )


def _rel_match(start: NodeType, rel: str, end: NodeType) -> LiteralString:
    """``MATCH (a)-[x:T]->(b)`` by the keys in r[0] and r[1]."""
    return render(
        "UNWIND $rows AS r MATCH (a:{A} {{{akey}: r[0]}})-[x:{T}]->(b:{B} {{{bkey}: r[1]}}) ",
        A=start.label,
        akey=start.key,
        T=rel,
        B=end.label,
        bkey=end.key,
    )


def _rel_statements(
    start: NodeType, rel: str, end: NodeType, props: Sequence[str]
) -> tuple[LiteralString, LiteralString, LiteralString]:
    """(create, update, delete) of relationships between keyed nodes; rows [a, b, *props]."""
    create = (
        render(
            "UNWIND $rows AS r MATCH (a:{A} {{{akey}: r[0]}}) MATCH (b:{B} {{{bkey}: r[1]}}) "
            "CREATE (a)-[x:{T} ",
            A=start.label,
            akey=start.key,
            T=rel,
            B=end.label,
            bkey=end.key,
        )
        + _values(props, 2)
        + "]->(b)"
    )
    match = _rel_match(start, rel, end)
    return create, match + "SET x += " + _values(props, 2), match + "DELETE x"


def _by_weight(
    rows: list[list[Any]], weights: list[int], size: int
) -> Iterator[tuple[list[list[Any]], int]]:
    """``rows`` in consecutive parts carrying about ``size`` result rows each (``weights[i]``
    for row i; a row heavier than ``size`` alone), with each part's result rows."""
    at = 0
    while at < len(rows):
        end, carried = at, 0
        while end < len(rows) and (end == at or carried + weights[end] <= size):
            carried += weights[end]
            end += 1
        yield rows[at:end], carried
        at = end


_FLAGS: LiteralString = render(
    "UNWIND $rows AS r MATCH (a:{E} {{{key}: r[0]}})-[x:{T} {{{product}: r[2]}}]->"
    "(b:{E} {{{key}: r[1]}}) ",
    E=model.ENTERPRISE.label,
    key=model.ENTERPRISE.key,
    T=model.SUPPLIES.type,
    product="product",
)
_SET_FLAGS: LiteralString = _FLAGS + "SET x += " + _values(FLAG_PROPS, 3)
# Per supplier: [supplier, {product: {customer: [flags..., digest]}}]. The supplier is looked
# up once and its SUPPLIES walked once, each picking its values by product and customer; the
# per-triple statement looks the supplier up and walks all its SUPPLIES again for every triple
# (at 1M, a supplier of a flagged triple has 5.7 SUPPLIES on average).
_SET_FLAGS_GROUPED: LiteralString = render(
    "UNWIND $rows AS r MATCH (a:{E} {{{key}: r[0]}})-[x:{T}]->(b:{E}) "
    "WITH x, r[1][x.{product}][b.{key}] AS v WHERE v IS NOT NULL "
    "SET x += ",
    E=model.ENTERPRISE.label,
    key=model.ENTERPRISE.key,
    T=model.SUPPLIES.type,
    product="product",
) + _values(FLAG_PROPS, 0, "v")
_CLEAR_FLAGS: LiteralString = _FLAGS + "REMOVE " + _removals("x", FLAG_PROPS)
_RUN_CONSTRAINT: LiteralString = render(
    "CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE",
    name="analysisrun_id_unique",
    label=model.ANALYSIS_RUN_NODE.label,
    key=model.ANALYSIS_RUN_NODE.key,
)
_START_RUN: LiteralString = render(
    "MERGE (a:{label} {{{key}: $run}}) SET a.started_at = $at",
    label=model.ANALYSIS_RUN_NODE.label,
    key=model.ANALYSIS_RUN_NODE.key,
)
_SAVE_RUN: LiteralString = render(
    "MERGE (a:{label} {{{key}: $run}}) SET a += $props",
    label=model.ANALYSIS_RUN_NODE.label,
    key=model.ANALYSIS_RUN_NODE.key,
)


def _index(keys: Sequence[Key]) -> pd.Index:
    return pd.Index(keys, dtype=object, tupleize_cols=False)


class _Diff:
    """New rows' digests against stored ones, by identity: what to create, change, remove."""

    def __init__(self, keys: Sequence[Key], digests: Sequence[int], stored: StoredPart):
        width = len(stored.identity)
        ids = stored.identity[0] if width == 1 else list(zip(*stored.identity, strict=True))
        old = _index(ids)
        old_digest, has = stored.digest, stored.has
        dup = np.asarray(old.duplicated(keep=False), dtype=bool)
        # a relationship stored twice is removed and created again, once
        self.twice: list[Key] = sorted(set(old[dup]), key=repr) if dup.any() else []
        once = old[~dup] if dup.any() else old
        new = _index(keys)
        pos = once.get_indexer(new) if len(once) else np.full(len(new), -1)
        found = pos >= 0
        at = pos[found]
        if dup.any():
            has, old_digest = has[~dup], old_digest[~dup]
        same = np.zeros(len(new), dtype=bool)
        same[found] = has[at] & (old_digest[at] == np.asarray(digests, dtype=np.int64)[found])
        self.created_at: list[int] = np.flatnonzero(~found).tolist()  # positions in keys
        self.changed_at: list[int] = np.flatnonzero(found & ~same).tolist()
        self.created: list[Key] = [keys[i] for i in self.created_at]
        self.changed: list[Key] = [keys[i] for i in self.changed_at]
        unique = old.unique() if dup.any() else old
        self.removed: list[Key] = unique[~unique.isin(new)].tolist() if len(unique) else []


def _row(key: Key, values: list[Any]) -> list[Any]:
    return [*key, *values] if isinstance(key, tuple) else [key, *values]


class _Digested:
    """One part's new rows and their digests, by position."""

    def __init__(self, rows: dict[Key, list[Any]], props: Sequence[str]) -> None:
        self.keys = list(rows)
        self.values = list(rows.values())
        self.digests = row_digests(self.values, props)

    def diff(self, stored: StoredPart) -> _Diff:
        return _Diff(self.keys, self.digests, stored)

    def part_digest(self) -> tuple[int, int]:
        """(rows, part digest): what a run record says of this part once it is written."""
        width = len(self.keys[0]) if self.keys and isinstance(self.keys[0], tuple) else 1
        identity = [self.keys] if width == 1 else [list(c) for c in zip(*self.keys, strict=True)]
        return len(self.keys), part_digest(identity, self.digests)

    def rows(self, positions: Sequence[int]) -> list[list[Any]]:
        """[key..., values..., digest] of the rows at ``positions``, as written."""
        return [_row(self.keys[i], [*self.values[i], self.digests[i]]) for i in positions]


class Writer:
    """Writes one run's results where they differ from ``stored``; ``counts`` says how many
    rows each part wrote (created or changed) and removed.

    Inside ``with writer.lane(name):`` the parts are written on a background thread of that
    name (one connection, parts in the order given; a recorded part that must be compared
    row by row is read there too), so the engine works while the analyses go on;
    ``wait(name)`` waits for a lane, ``close()`` for all of them and raises the first
    failure. Lanes write without progress bars. ``record`` is what the run record says of
    the ``RECORDED`` parts (kg/analysis/stored.py)."""

    def __init__(
        self,
        graph: Graph,
        run_id: str,
        analysed_at: dt.datetime,
        stored: Stored | None,
        progress: Progress | None = None,
        batch_size: int = BATCH,
        workers: int = WRITE_WORKERS,
    ) -> None:
        self.graph = graph
        self.params = {"run": run_id, "at": analysed_at}
        self.stored = stored or Stored()
        self.progress = progress
        self.batch_size = batch_size
        self.workers = workers
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}  # per part, for benchmarks
        self.record: dict[str, tuple[int, int]] = {}
        self._lanes: dict[str, ThreadPoolExecutor] = {}
        self._queued: dict[str, list[Future[None]]] = {}
        self._into: str | None = None  # the lane parts go to now (None: write at once)
        self._started = False  # the run's node written (before its first row)
        self._lock = threading.Lock()
        # the lane of the SUPPLIES flags: on the local engine a lane of their own, beside the
        # SPOF_FOR lane and the node writes (they touch other pages than a new SPOF_FOR or a
        # node's properties); on Neo4j the SPOF_FOR lane ("relationships"): there a new
        # relationship locks its nodes' relationship chains, and the two parts deadlocked
        agent = graph.driver.get_server_info().agent or ""
        self.flags_lane = "flags" if "ArcadeDB" in agent else "relationships"

    @contextmanager
    def lane(self, name: str) -> Iterator[None]:
        """Parts written inside the block go to the background lane ``name``."""
        if name not in self._lanes:
            self._lanes[name] = ThreadPoolExecutor(1, thread_name_prefix=f"write {name}")
            self._queued[name] = []
        self._into = name
        try:
            yield
        finally:
            self._into = None

    def wait(self, name: str) -> None:
        """Wait until lane ``name`` has written everything given to it (raises its failure)."""
        for future in self._queued.get(name, []):
            future.result()

    def close(self) -> None:
        """Wait for every lane (dropping what a failed lane had not started); raise the first
        failure."""
        failure: BaseException | None = None
        for name, pool in self._lanes.items():
            for future in self._queued[name]:
                try:
                    future.result()
                except BaseException as exc:  # raised below, after waiting for the others
                    failure = failure or exc
                    pool.shutdown(wait=True, cancel_futures=True)
            pool.shutdown(wait=True)
        self._lanes.clear()
        if failure is not None:
            raise failure

    def _part(self, whats: Sequence[str], job: Callable[[Progress | None], None]) -> None:
        """Run ``job`` (compare and write one part) now, or on the current lane."""
        for what in whats:
            self.counts.setdefault(what, 0)  # never a reset: a lane may be adding to it
        if self._into is None:
            job(self.progress)
            return
        self._queued[self._into].append(self._lanes[self._into].submit(job, None))

    def _start(self) -> None:
        """Write the run's node, without a record, before its first row: until the run ends
        and records its parts, the latest record is not trusted (a run that fails half-way
        leaves the graph unlike any record)."""
        with self._lock:
            if not self._started:
                self.graph.run_schema([_RUN_CONSTRAINT])
                self.graph.write(_START_RUN, {"run": self.params["run"], "at": self.params["at"]})
                self._started = True

    def _batches(
        self,
        what: str,
        cypher: LiteralString,
        rows: list[list[Any]],
        progress: Progress | None,
        parallel: bool = False,
        weights: list[int] | None = None,
    ) -> None:
        if not rows:
            return
        self._start()
        self._write(what, cypher, rows, parallel, progress, weights)

    def _write(
        self,
        what: str,
        cypher: LiteralString,
        rows: list[list[Any]],
        parallel: bool,
        progress: Progress | None,
        weights: list[int] | None = None,
    ) -> None:
        """Write ``rows`` in batches; with ``parallel`` over ``workers`` connections at once
        (node properties only: on the local engine, relationship writes in parallel collide
        on the same pages and are retried more often than they gain). With ``weights`` (how
        many result rows each row carries; not with ``parallel``) a batch holds about
        ``batch_size`` result rows, and counts and progress are in result rows."""
        tick: Callable[[int], None] | None = None
        if progress is not None:
            progress.start(f"writing {what}", len(rows) if weights is None else sum(weights))
            advance, lock = progress.advance, threading.Lock()

            def tick(n: int) -> None:
                with lock:
                    advance(n)

        started = time.perf_counter()
        size = self.batch_size

        def write(part: list[list[Any]]) -> int:
            return self.graph.write_batches(
                cypher, part, batch_size=size, params=self.params, on_batch=tick
            )

        try:
            if weights is not None:
                for part, carried in _by_weight(rows, weights, size):
                    self.graph.write_batches(cypher, part, batch_size=len(part), params=self.params)
                    with self._lock:
                        self.counts[what] += carried
                    if tick is not None:
                        tick(carried)
                return
            if parallel and self.workers > 1 and len(rows) > size:
                with ThreadPoolExecutor(max_workers=self.workers) as pool:
                    parts = [rows[i : i + size] for i in range(0, len(rows), size)]
                    done = sum(pool.map(write, parts))
            else:
                done = write(rows)
            with self._lock:
                self.counts[what] += done
        finally:
            with self._lock:
                self.seconds[what] = self.seconds.get(what, 0.0) + time.perf_counter() - started
            if progress is not None:
                progress.stop()

    def nodes(self, nt: NodeType, rows: dict[Key, list[Any]], props: Sequence[str]) -> None:
        """``rows``: key -> values of ``props``; every analysed node of the label."""
        part = node_part(nt)
        new = _Digested(rows, props)

        def job(progress: Progress | None) -> None:
            diff = new.diff(self.stored.part(part))
            written = new.rows(diff.created_at + diff.changed_at)
            self._batches(part, _set_nodes(nt, props), written, progress, True)
            cleared = [[k] for k in diff.removed]
            self._batches(f"{part} cleared", _clear_nodes(nt, props), cleared, progress)

        self._part([part, f"{part} cleared"], job)

    def _relationships(
        self,
        part: str,
        what: str,
        statements: tuple[LiteralString, LiteralString, LiteralString],
        rows: dict[Key, list[Any]],
        props: Sequence[str],
    ) -> None:
        new = _Digested(rows, props)
        if part in RECORDED:
            count, digest = new.part_digest()
            self.record[part] = (count, digest)
            if self.stored.holds(part, count, digest):
                self._part([what, f"{what} removed"], lambda _: None)
                return
        create, update, delete = statements

        def job(progress: Progress | None) -> None:
            diff = new.diff(self.stored.part(part))
            removed = f"{what} removed"
            self._batches(removed, delete, [list(k) for k in diff.twice], progress)
            self._batches(what, create, new.rows(diff.created_at), progress)
            self._batches(what, update, new.rows(diff.changed_at), progress)
            self._batches(removed, delete, [list(k) for k in diff.removed], progress)

        self._part([what, f"{what} removed"], job)

    def spof(self, rows_by_kind: dict[str, dict[Key, list[Any]]]) -> None:
        """Per failing-node kind: (node, product) -> [path, reason]."""
        for kind, nt in SPOF_STARTS.items():
            statements = _rel_statements(nt, model.SPOF_FOR_PRODUCT.type, model.PRODUCT, SPOF_PROPS)
            rows = rows_by_kind.get(kind, {})
            self._relationships(spof_part(kind), "SPOF_FOR", statements, rows, SPOF_PROPS)

    def key_ranks(self, rows: dict[Key, list[Any]]) -> None:
        """(enterprise, chain) -> values of RANK_PROPS."""
        statements = _rel_statements(
            model.ENTERPRISE, model.KEY_RANK_IN.type, model.CHAIN, RANK_PROPS
        )
        self._relationships("KEY_RANK_IN", "KEY_RANK_IN", statements, rows, RANK_PROPS)

    def supplies(self, flags: dict[Key, list[Any]]) -> None:
        """(supplier, customer, product) -> [single_source, group_single_source], for the
        declared single sources; every SUPPLIES relationship of such a triple gets the flags,
        every other one none."""
        new = _Digested(flags, FLAG_PROPS)

        def job(progress: Progress | None) -> None:
            digest = dict(zip(new.keys, new.digests, strict=True))
            stored = self.stored.part(FLAGS)
            changed: set[Key] = set()
            seen: set[Key] = set()
            for triple, old, has in zip(
                zip(*stored.identity, strict=True),
                stored.digest.tolist(),
                stored.has.tolist(),
                strict=True,
            ):
                seen.add(triple)
                if not has or digest.get(triple) != old:
                    changed.add(triple)
            changed.update(t for t in flags if t not in seen)
            order = sorted(changed, key=repr)
            written = [t for t in order if t in flags]
            if all(isinstance(k, str) for t in written for k in t):  # map keys: strings only
                grouped: dict[str, dict[str, dict[str, list[Any]]]] = {}
                for s, c, p in written:
                    grouped.setdefault(s, {}).setdefault(p, {})[c] = [
                        *flags[s, c, p],
                        digest[s, c, p],
                    ]
                rows = [[s, by_product] for s, by_product in grouped.items()]
                weights = [sum(map(len, g.values())) for g in grouped.values()]
                self._batches(FLAGS, _SET_FLAGS_GROUPED, rows, progress, weights=weights)
            else:
                rows = [_row(t, [*flags[t], digest[t]]) for t in written]
                self._batches(FLAGS, _SET_FLAGS, rows, progress)
            cleared = [list(t) for t in order if t not in flags]
            self._batches(f"{FLAGS} cleared", _CLEAR_FLAGS, cleared, progress)

        self._part([FLAGS, f"{FLAGS} cleared"], job)

    def run_record(self, props: dict[str, Any]) -> None:
        """The run's node with ``props`` and the record of its ``RECORDED`` parts (call once
        every part is written)."""
        self.graph.run_schema([_RUN_CONSTRAINT])
        clean = {
            k: (json.dumps(v, sort_keys=True) if isinstance(v, dict) else v)
            for k, v in props.items()
            if v is not None
        }
        if set(self.record) == set(RECORDED):
            clean[PARTS_PROP] = json.dumps({k: list(v) for k, v in sorted(self.record.items())})
        self.graph.write(_SAVE_RUN, {"run": self.params["run"], "props": clean})
