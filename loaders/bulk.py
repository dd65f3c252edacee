"""Bulk first loads (`supplymap load --bulk`): the same records, created in bulk.

The ordinary path MERGEs every row in batched UNWIND statements, so it can run again and
into a graph that holds data. A first load of a large file does not need that: its records
are all new. Here the rows the ordinary path would write are first folded in Python into the
final records exactly as its MERGE and SET statements would leave them (a node written by two
outputs gets both; a later SET overwrites an earlier one; a relationship with ``current_by``
keeps its newest snapshot), then each record is created once through the engine's own bulk
path:

- the local engine (ArcadeDB): its batch import endpoint (``POST /api/v1/batch/<db>``, the
  GraphBatch importer) over the engine's local HTTP API, vertices first, then edges by record
  id. Date and datetime values travel as text into properties declared DATE and
  DATETIME_MICROS for the load (the declarations are dropped afterwards; the values stay
  typed), so the graph reads back exactly as after the ordinary path.
- Neo4j (or any other server): ``UNWIND $rows AS r CREATE ...`` in large managed
  transactions, relationships by MATCH on the indexed keys, in start-node order.

Bulk creates, so it refuses a load whose records are not all new (a node key the graph holds
already, or a link between two nodes the graph held that exists already): those go through
the ordinary path.
The graph it leaves is the one the ordinary path leaves (tests/test_load_bulk.py compares
both as sets of tuples). It is not one transaction: a failure part-way leaves the records
created so far, which the ordinary path completes when the same load is re-run without
``--bulk``.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from kg.connection import Graph
from kg.cypher import render
from kg.engine import ENGINE_USER, LocalEngine
from kg.model import NodeType, RelType
from loaders.bulk_columns import (
    Edge,
    EdgeTable,
    Factorised,
    NodeTable,
    json_lines,
    repeats,
    typed_columns,
)
from loaders.errors import LoadInputError
from loaders.kinds import frame_rows

Row = dict[str, Any]
Exists = Callable[[NodeType, set[Any]], set[Any]]
Progress = Callable[[str, int], None]


class BulkRefused(LoadInputError):
    """A bulk load whose records are not all new; the message says what to do instead."""


class BulkWriteError(RuntimeError):
    """The engine's bulk path failed part-way; the message says what the engine reported."""


@dataclass(frozen=True)
class BulkWrite:
    """One write of the ordinary path, in its order: the rows and what they are merged on.

    ``frame``: the same rows as columns (loaders/kinds.py Write.frame; ``rows`` is then not
    used): the usual first write of a type is kept as columns (loaders/bulk_columns.py)."""

    target: NodeType | RelType
    rows: Sequence[Row]
    basis: str
    identity: tuple[str, ...] = ()
    frame: pd.DataFrame | None = field(default=None, compare=False)

    def dicts(self) -> Sequence[Row]:
        return frame_rows(self.frame) if self.frame is not None else self.rows


@dataclass
class Folded:
    """The final records of one load, each once, and the rows the ordinary path would count."""

    # Each type's records: a dict, or its columns (bulk_columns.NodeTable, EdgeTable) read
    # as one.
    nodes: dict[NodeType, Mapping[Any, Row]] = field(default_factory=dict)
    rels: dict[RelType, Mapping[tuple[Any, ...], Edge]] = field(default_factory=dict)
    written: list[int] = field(default_factory=list)  # per BulkWrite, as the MERGEs count

    @property
    def records(self) -> int:
        return sum(len(v) for v in self.nodes.values()) + sum(len(v) for v in self.rels.values())


# ---- folding rows into records ------------------------------------------------------------


def fold(
    writes: Sequence[BulkWrite],
    provenance: Row,
    exists: Exists,
    seed: dict[NodeType, dict[Any, Row]] | None = None,
) -> Folded:
    """The records the ordinary path's MERGE statements would leave, from its writes in order.

    ``provenance``: source, load_id and loaded_at (each write adds its basis). ``exists``:
    which node keys the graph holds already (a relationship whose end is neither made by
    this load nor in the graph is not written, as its MATCH finds nothing). ``seed``: nodes
    the load creates before its writes (the --chain node).
    """
    folded = Folded(nodes={nt: dict(rows) for nt, rows in (seed or {}).items()})
    for write in writes:
        stamp = {**provenance, "basis": write.basis}
        target, frame = write.target, write.frame
        if isinstance(target, NodeType):
            if (
                frame is not None
                and not folded.nodes.get(target)
                and not repeats(frame, ["key"], {"key": Factorised.of(frame["key"])})
            ):
                folded.nodes[target] = NodeTable(frame, target.key, stamp)
                folded.written.append(len(frame))
                continue
            folded.written.append(_fold_nodes(folded, target, write.dicts(), stamp))
            continue
        if frame is not None:
            ends = {side: Factorised.of(frame[side]) for side in ("start", "end")}
            known = _ends_of(folded, target, ends, exists)
            if not folded.rels.get(target):
                written = _fold_rel_table(folded, target, frame, write.identity, stamp, known, ends)
                if written >= 0:
                    folded.written.append(written)
                    continue
        rows = write.dicts()
        if frame is None:
            known = _ends(folded, target, rows, exists)
        folded.written.append(_fold_rels(folded, target, rows, write.identity, stamp, known))
    return folded


def _node_dict(folded: Folded, nt: NodeType) -> dict[Any, Row]:
    """A node type's records as the dict a write merges into (made from its columns)."""
    records = folded.nodes.get(nt)
    if isinstance(records, dict):
        return records
    made: dict[Any, Row] = records.as_dict() if isinstance(records, NodeTable) else {}
    folded.nodes[nt] = made
    return made


def _rel_dict(folded: Folded, rt: RelType) -> dict[tuple[Any, ...], Edge]:
    """A relationship type's records as the dict a write merges into."""
    records = folded.rels.get(rt)
    if isinstance(records, dict):
        return records
    made: dict[tuple[Any, ...], Edge] = records.as_dict() if isinstance(records, EdgeTable) else {}
    folded.rels[rt] = made
    return made


def _ends_of(
    folded: Folded, rt: RelType, ends: dict[str, Factorised], exists: Exists
) -> tuple[set[Any], set[Any]]:
    """_ends of a write's start and end columns (factorised: each distinct key once)."""
    return (
        _named(folded, rt.start, set(ends["start"].uniques.tolist()), exists),
        _named(folded, rt.end, set(ends["end"].uniques.tolist()), exists),
    )


def _named(folded: Folded, nt: NodeType, keys: set[Any], exists: Exists) -> set[Any]:
    """The ``keys`` that name a node of ``nt`` made here or already in the graph."""
    made = folded.nodes.get(nt, {})
    outside = {k for k in keys if k not in made}
    return (keys - outside) | (exists(nt, outside) if outside else set())


def _fold_rel_table(
    folded: Folded,
    rt: RelType,
    frame: pd.DataFrame,
    identity: tuple[str, ...],
    stamp: Row,
    known: tuple[set[Any], set[Any]],
    ends: dict[str, Factorised],
) -> int:
    """_fold_new_rels on columns: the rows whose ends are known, kept as an EdgeTable; -1
    when a link repeats (the general fold merges those). ``ends``: the start and end columns
    factorised, carried to the writers (each key hashed once)."""
    merge_on = (*rt.merge_keys, *identity)
    keep = ends["start"].isin(known[0]) & ends["end"].isin(known[1])
    if keep.all():
        table = frame
    else:
        table = frame[keep].reset_index(drop=True)
        ends = {side: codes.take(keep) for side, codes in ends.items()}
    if repeats(table, ["start", "end", *merge_on], ends):
        return -1
    folded.rels[rt] = EdgeTable(table, merge_on, stamp, ends)
    return len(table)


def _fold_nodes(folded: Folded, nt: NodeType, rows: Sequence[Row], stamp: Row) -> int:
    nodes = _node_dict(folded, nt)
    if not nodes and _fold_new_nodes(nodes, nt.key, rows, stamp):
        return len(rows)
    for row in rows:
        key = row["key"]
        props = nodes.get(key)
        if props is None:
            props = nodes[key] = {nt.key: key}
        for name, value in row.items():
            if name != "key":
                props[name] = value
        props.update(stamp)
    return len(rows)


def _fold_new_nodes(nodes: dict[Any, Row], key: str, rows: Sequence[Row], stamp: Row) -> bool:
    """The usual first write of a node type, each key once: one dict per row, no merging.
    False (and ``nodes`` left empty) when a key repeats: the general fold handles that."""
    for row in rows:
        props = {key: row["key"], **row, **stamp}
        if key != "key":
            del props["key"]
        nodes[row["key"]] = props
    if len(nodes) == len(rows):
        return True
    nodes.clear()
    return False


def _ends(
    folded: Folded, rt: RelType, rows: Sequence[Row], exists: Exists
) -> tuple[set[Any], set[Any]]:
    """The start and end keys of ``rows`` that name a node (made here, or in the graph)."""
    return (
        _named(folded, rt.start, {row["start"] for row in rows}, exists),
        _named(folded, rt.end, {row["end"] for row in rows}, exists),
    )


def _fold_rels(
    folded: Folded,
    rt: RelType,
    rows: Sequence[Row],
    identity: tuple[str, ...],
    stamp: Row,
    known: tuple[set[Any], set[Any]],
) -> int:
    rels = _rel_dict(folded, rt)
    merge_on = (*rt.merge_keys, *identity)
    if not rels:
        written = _fold_new_rels(rels, merge_on, rows, stamp, known)
        if written >= 0:
            return written
    declared = tuple(p.name for p in rt.props if p.name not in rt.merge_keys)
    by = rt.current_by
    written = 0
    for row in rows:
        start, end = row["start"], row["end"]
        if start not in known[0] or end not in known[1]:
            continue
        written += 1
        key = (start, end, *[row.get(k) for k in merge_on]) if merge_on else (start, end)
        edge = rels.get(key)
        if edge is None:  # MERGE creates it: every property of the row, and the provenance
            props = {k: v for k, v in row.items() if k != "start" and k != "end"}
            props.update(stamp)
            rels[key] = Edge(start, end, props)
            continue
        if by is None:
            newer = True
        else:
            current, value = edge.props.get(by), row.get(by)
            newer = current is None or (value is not None and value >= current)
        if not newer:
            continue
        if by is not None:
            # A newer snapshot sets every declared property: a blank one is removed.
            for name in declared:
                if name not in row:
                    edge.props.pop(name, None)
        for name, value in row.items():
            if name not in ("start", "end"):
                edge.props[name] = value
        edge.props.update(stamp)
    return written


def _fold_new_rels(
    rels: dict[tuple[Any, ...], Edge],
    merge_on: tuple[str, ...],
    rows: Sequence[Row],
    stamp: Row,
    known: tuple[set[Any], set[Any]],
) -> int:
    """The usual first write of a relationship type, each link once: the rows whose ends
    are known, as they are, with the provenance. -1 (and ``rels`` left empty) when a link
    repeats: the general fold merges those as the MERGE statements would."""
    starts, ends = known
    written = 0
    one = merge_on[0] if len(merge_on) == 1 else None  # SUPPLIES: one per product
    for row in rows:
        start, end = row["start"], row["end"]
        if start not in starts or end not in ends:
            continue
        written += 1
        props = {**row, **stamp}
        del props["start"], props["end"]
        if one is not None:
            key: tuple[Any, ...] = (start, end, row.get(one))
        elif merge_on:
            key = (start, end, *[row.get(k) for k in merge_on])
        else:
            key = (start, end)
        rels[key] = Edge(start, end, props)
    if len(rels) == written:
        return written
    rels.clear()
    return -1


# ---- checking that every record is new ----------------------------------------------------


def refuse_unless_new(graph: Graph, folded: Folded, exists: Exists, what: str) -> None:
    """Raise BulkRefused when the graph holds a node or a relationship type the load makes."""
    for nt, nodes in folded.nodes.items():
        if not nodes:
            continue
        probe = render("MATCH (n:{label}) RETURN n.{key} AS k LIMIT 1", label=nt.label, key=nt.key)
        if not graph.query(probe):
            continue  # none of this label yet: every key is new
        held = exists(nt, set(nodes))
        if held:
            example = sorted(map(str, held))[0]
            raise BulkRefused(
                f"{what}: --bulk creates every record of the load, but the graph already holds "
                f"{len(held):,} of its {len(nodes):,} {nt.label} nodes (e.g. {example!r}). "
                "Load it without --bulk (the ordinary path merges into what is there), or "
                "into an empty database"
            )
    for rt, rels in folded.rels.items():
        # A node this load creates has no relationships yet: only a link between two nodes
        # the graph held before can exist already.
        if not rels or not _has_any(graph, rt):
            continue  # none of this type yet: every link is new
        made_a, made_b = folded.nodes.get(rt.start, {}), folded.nodes.get(rt.end, {})
        if isinstance(rels, EdgeTable):
            old = rels.edges_between_others(made_a, made_b)
        else:
            old = [e for e in rels.values() if e.start not in made_a and e.end not in made_b]
        links = _held_rels(graph, rt, old)
        if links:
            first = min(links, key=str)
            raise BulkRefused(
                f"{what}: --bulk creates every record of the load, but the graph already holds "
                f"{len(links):,} of its {len(rels):,} {rt.type} relationships (e.g. "
                f"{first[0]!r} -> {first[1]!r}). Load it without --bulk (the ordinary "
                "path merges into what is there), or into an empty database"
            )


def _native(value: Any) -> Any:
    """A driver's temporal value as Python's own (neo4j.time.Date -> datetime.date)."""
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value


def _has_any(graph: Graph, rt: RelType) -> bool:
    probe = render("MATCH ()-[x:{type}]->() RETURN 1 AS one LIMIT 1", type=rt.type)
    return bool(graph.query(probe))


def _held_rels(graph: Graph, rt: RelType, edges: list[Edge]) -> set[tuple[Any, ...]]:
    """Which of ``edges`` (between nodes the graph holds) exist, merge keys and all."""
    if not edges:
        return set()
    query = render(
        "UNWIND $rows AS r MATCH (a:{start} {{{skey}: r.s}})-[x:{type}]->(b:{end} {{{ekey}: r.e}}) "
        "RETURN r.s AS s, r.e AS e, properties(x) AS p",
        start=rt.start.label,
        skey=rt.start.key,
        end=rt.end.label,
        ekey=rt.end.key,
        type=rt.type,
    )
    wanted = {(e.start, e.end, *(e.props.get(k) for k in rt.merge_keys)) for e in edges}
    pairs = sorted({(e.start, e.end) for e in edges}, key=str)
    held = set()
    for i in range(0, len(pairs), 5000):
        rows = [{"s": s, "e": e} for s, e in pairs[i : i + 5000]]
        for row in graph.query(query, {"rows": rows}):
            key = (row["s"], row["e"], *(_native(row["p"].get(k)) for k in rt.merge_keys))
            if key in wanted:
                held.add(key)
    return held


# ---- writers ------------------------------------------------------------------------------


class BulkWriter(Protocol):
    name: str

    def write(self, folded: Folded, progress: Progress) -> None: ...


class CypherBulkWriter:
    """Any engine over Bolt: UNWIND CREATE in large managed transactions (Neo4j's fastest
    online path; `neo4j-admin database import` needs the database offline)."""

    name = "Cypher CREATE"

    def __init__(self, graph: Graph, batch_size: int = 10_000) -> None:
        self.graph = graph
        self.batch_size = batch_size

    def write(self, folded: Folded, progress: Progress) -> None:
        for nt, nodes in folded.nodes.items():
            statement = render(
                "UNWIND $rows AS r CREATE (n:{label}) SET n = r RETURN count(*) AS written",
                label=nt.label,
            )
            self.graph.write_batches(
                statement,
                list(nodes.values()),
                batch_size=self.batch_size,
                on_batch=functools.partial(progress, nt.label),
            )
        for rt, rels in folded.rels.items():
            statement = render(
                "UNWIND $rows AS r MATCH (a:{start} {{{skey}: r.s}}) "
                "MATCH (b:{end} {{{ekey}: r.e}}) CREATE (a)-[x:{type}]->(b) SET x = r.p "
                "RETURN count(*) AS written",
                start=rt.start.label,
                skey=rt.start.key,
                end=rt.end.label,
                ekey=rt.end.key,
                type=rt.type,
            )
            rows = [{"s": e.start, "e": e.end, "p": e.props} for e in rels.values()]
            rows.sort(key=lambda r: (str(r["s"]), str(r["e"])))
            self.graph.write_batches(
                statement,
                rows,
                batch_size=self.batch_size,
                on_batch=functools.partial(progress, rt.type),
            )


@functools.lru_cache(maxsize=4096)
def _datetime_text(value: dt.datetime) -> str:
    """UTC wall-clock time, as the engine stores a datetime that comes over Bolt."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    # ISO with a 'T': the engine parses it with LocalDateTime.parse at once; with a space it
    # tries the schema's patterns first (a profile of the import: 15% of its CPU went there).
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _datetime_text(value)  # loaded_at: one value for every record of a load
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot send a {type(value).__name__} to the engine's bulk import")


_DUMPS_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_APPEND_NEWLINE


def _dumps(props: Row) -> bytes:
    """A record's properties as one JSON line (never empty: every record has its key or its
    ends' provenance)."""
    return orjson.dumps(props, default=_json_value, option=_DUMPS_OPTIONS)


BLOCK_BYTES = 1 << 20
REQUEST_BYTES = 256 << 20
# The first edge-list segment the importer allocates for each vertex, per direction. Its
# default, 2 KiB, wrote 1 GB of mostly empty segments for 250k vertices and made creating
# a vertex a third dearer; a supplier has a few links, and a segment that fills up is
# followed by a larger one (a plain MERGE starts at 64 bytes).
EDGE_LIST_BYTES = 128


class _Lines:
    """NDJSON lines, taken a request at a time in blocks of about a MiB. They come in pieces
    of whole lines, each with how many lines it holds (a line, or a column-made piece)."""

    def __init__(self, pieces: Iterator[tuple[bytes, int]]) -> None:
        self.pieces = pieces
        self.next: tuple[bytes, int] | None = next(pieces, None)

    @property
    def done(self) -> bool:
        return self.next is None

    def take(self, limit: int, sent: Callable[[int], None]) -> Iterator[bytes]:
        """Blocks of lines up to ``limit`` bytes in all; ``sent`` gets the lines of each."""
        block: list[bytes] = []
        size = total = count = 0
        while self.next is not None and (total + len(self.next[0]) <= limit or not total):
            piece, n = self.next
            block.append(piece)
            size += len(piece)
            total += len(piece)
            count += n
            self.next = next(self.pieces, None)
            if size >= BLOCK_BYTES:
                yield b"".join(block)
                sent(count)
                block, size, count = [], 0, 0
        if block:
            yield b"".join(block)
            sent(count)


class ArcadeBulkWriter:
    """The local engine: ArcadeDB's batch import endpoint over its local HTTP API."""

    name = "ArcadeDB batch import"

    def __init__(
        self,
        engine: LocalEngine,
        database: str,
        request_bytes: int | None = None,
        timeout: float = 3600.0,
    ) -> None:
        self.engine = engine
        self.database = database
        self.request_bytes = request_bytes
        self.timeout = timeout
        # Record ids of the nodes this writer created: later files of one command link to
        # them without asking the engine.
        self.rids: dict[NodeType, dict[Any, str]] = {}
        # Seconds in each step of the writes so far (for bench/load.py): vertices and edges
        # (the lines made here while the engine imports them), and the engine's own time for
        # its import requests (as it reports it).
        self.steps: dict[str, float] = defaultdict(float)

    # ---- HTTP --------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        token = base64.b64encode(f"{ENGINE_USER}:{self.engine.password()}".encode()).decode()
        return httpx.Client(
            base_url=f"{self.engine.http_url}/api/v1",
            headers={"Authorization": f"Basic {token}"},
            timeout=self.timeout,
        )

    def _sql(self, client: httpx.Client, command: str, params: Row | None = None) -> list[Row]:
        body: Row = {"language": "sql", "command": command, "limit": -1}
        if params:
            body["params"] = params
        response = client.post(f"/command/{self.database}", content=orjson.dumps(body))
        if response.status_code != 200:
            raise BulkWriteError(f"the local engine refused {command!r}: {response.text[:500]}")
        result = response.json().get("result")
        return result if isinstance(result, list) else []

    def _import(
        self,
        client: httpx.Client,
        lines: Iterator[tuple[bytes, int]],
        query: str,
        sent: Callable[[int], None],
    ) -> Iterator[Row]:
        """Send ``lines`` in import requests of at most ``request_bytes`` (by default 256 MiB,
        or less if the engine accepts less: all the links of a million-row load in one
        request, as each request ends with a pass that rewrites every vertex it linked, while
        the engine's buffers for one request stay within its 1 GiB heap); yield each
        request's answer."""
        limit = self.request_bytes or min(
            REQUEST_BYTES, self.engine.http_body_limit() - BLOCK_BYTES
        )
        stream = _Lines(lines)
        while not stream.done:
            yield self._batch(client, stream.take(limit, sent), query)

    def _batch(self, client: httpx.Client, content: Iterator[bytes], query: str) -> Row:
        """One import request, its body streamed while the engine imports what came first."""
        # wal=true: the endpoint's default (false) leaves the pages of a load that reported
        # success in the engine's write-behind queue, lost if its process dies before they
        # are written; with the journal a restarted engine has them, as after the ordinary
        # path's transactions. Measured at 1M rows: no more engine CPU (68.3 s against
        # 65.1-66.1 s without, at load 10-14; the work itself 30.3 against 31.3 s).
        response = client.post(
            f"/batch/{self.database}?parallelFlush=true&wal=true"
            f"&edgeListInitialSize={EDGE_LIST_BYTES}{query}",
            content=content,
            headers={"Content-Type": "application/x-ndjson"},
        )
        try:
            body: Row = response.json()
        except ValueError:
            body = {"error": response.text[:500]}
        self.steps["engine import"] += float(body.get("elapsedMs") or 0) / 1000
        if response.status_code != 200 or body.get("error"):
            partial = " (part of it was committed)" if body.get("partialCommit") else ""
            raise BulkWriteError(
                f"the local engine's batch import failed{partial}: {body.get('error')}; "
                f"{body.get('verticesCreated', 0)} vertices and {body.get('edgesCreated', 0)} "
                "edges of that request were created"
            )
        return dict(body)

    # ---- schema for the load -----------------------------------------------------------

    def _typed_properties(self, folded: Folded) -> list[tuple[str, str, str]]:
        """(type, property, ArcadeDB type) for every date and datetime property of the load
        (told by the first value each property has)."""
        owners: list[tuple[str, list[Row]]] = []
        found = []
        targets: list[tuple[NodeType | RelType, Mapping[Any, Any]]] = [
            *folded.nodes.items(),
            *folded.rels.items(),
        ]
        for target, records_ in targets:
            owner = target.label if isinstance(target, NodeType) else target.type
            if isinstance(records_, NodeTable | EdgeTable):
                # Columns: each column's first value, and the provenance's.
                first = typed_columns(records_.frame, _names(target, records_))
                for name, value in records_.stamp.items():
                    if isinstance(value, dt.date):
                        first[name] = type(value)
                for name in sorted(first):
                    kind = "DATETIME_MICROS" if issubclass(first[name], dt.datetime) else "DATE"
                    found.append((owner, name, kind))
            elif isinstance(target, NodeType):
                owners.append((owner, list(records_.values())))
            else:
                owners.append((owner, [e.props for e in records_.values()]))
        for owner, records in owners:
            names: set[str] = set()
            for props in records:
                names.update(props)
            for name in sorted(names):
                value = next((p[name] for p in records if p.get(name) is not None), None)
                if isinstance(value, dt.datetime):
                    found.append((owner, name, "DATETIME_MICROS"))
                elif isinstance(value, dt.date):
                    found.append((owner, name, "DATE"))
        return found

    def _declared(self, client: httpx.Client) -> set[tuple[str, str]]:
        declared: set[tuple[str, str]] = set()
        for row in self._sql(client, "SELECT name, properties FROM schema:types"):
            for prop in row.get("properties") or []:
                declared.add((str(row["name"]), str(prop.get("name"))))
        return declared

    # ---- the write ---------------------------------------------------------------------

    def write(self, folded: Folded, progress: Progress) -> None:
        with self._client() as client:
            for rt in folded.rels:
                self._sql(client, render("CREATE EDGE TYPE `{type}` IF NOT EXISTS", type=rt.type))
            declared = self._declared(client)
            added = []
            for owner, name, kind in self._typed_properties(folded):
                if (owner, name) not in declared:
                    statement = "CREATE PROPERTY `{owner}`.`{name}` IF NOT EXISTS {kind}"
                    self._sql(client, render(statement, owner=owner, name=name, kind=kind))
                    added.append((owner, name))
            try:
                clock = time.perf_counter()
                rids = self._vertices(client, folded, progress)
                self.steps["vertices"] += time.perf_counter() - clock
                clock = time.perf_counter()
                self._edges(client, folded, rids, progress)
                self.steps["edges"] += time.perf_counter() - clock
            finally:
                # The declarations only steered the text into typed values; the ordinary
                # path declares none, so the schema is left as it would leave it.
                for owner, name in added:
                    self._sql(
                        client, render("DROP PROPERTY `{owner}`.`{name}`", owner=owner, name=name)
                    )

    def _vertices(
        self, client: httpx.Client, folded: Folded, progress: Progress
    ) -> dict[NodeType, dict[Any, str]]:
        rids = self.rids
        for nt, nodes in folded.nodes.items():
            keys = list(nodes)
            mapping = rids.setdefault(nt, {})
            head = b'{"@type":"vertex","@class":' + orjson.dumps(nt.label) + b',"@id":"'
            lines: Iterator[tuple[bytes, int]]
            if isinstance(nodes, NodeTable):
                lines = _vertex_lines(head.decode(), nodes)
            else:
                # Each line is the head and the record's own object (its opening brace cut off).
                lines = (
                    (b"".join((head, str(i).encode(), b'",', _dumps(nodes[k])[1:])), 1)
                    for i, k in enumerate(keys)
                )
            sent = functools.partial(progress, nt.label)
            ids: dict[str, str] = {}
            for body in self._import(client, lines, "&idMapping=true", sent):
                ids.update(body.get("idMapping") or {})
            if len(ids) != len(keys):
                raise BulkWriteError(
                    f"the local engine created {len(keys)} {nt.label} vertices but returned "
                    f"{len(ids)} record ids"
                )
            mapping.update(zip(keys, map(ids.__getitem__, map(str, range(len(keys)))), strict=True))
        return rids

    def _lookup(self, client: httpx.Client, nt: NodeType, keys: set[Any]) -> dict[Any, str]:
        """The record ids of nodes the graph held before this load."""
        query = render(
            "SELECT `{key}` AS k, @rid AS r FROM `{label}` WHERE `{key}` IN :keys",
            key=nt.key,
            label=nt.label,
        )
        ordered = sorted(keys, key=str)
        found: dict[Any, str] = {}
        for start in range(0, len(ordered), 10_000):
            for row in self._sql(client, query, {"keys": ordered[start : start + 10_000]}):
                found[row["k"]] = str(row["r"])
        return found

    def _edges(
        self,
        client: httpx.Client,
        folded: Folded,
        rids: dict[NodeType, dict[Any, str]],
        progress: Progress,
    ) -> None:
        for rt, rels in folded.rels.items():
            ends = []
            for nt, side in ((rt.start, "start"), (rt.end, "end")):
                made = rids.setdefault(nt, {})
                if isinstance(rels, EdgeTable):
                    outside = set(rels.end_keys(side)) - made.keys()
                else:
                    outside = {getattr(e, side) for e in rels.values()} - made.keys()
                if outside:
                    made.update(self._lookup(client, nt, outside))
                ends.append(made)
            head = b'{"@type":"edge","@class":' + orjson.dumps(rt.type) + b',"@from":"'
            starts, ends_ = ends
            lines: Iterator[tuple[bytes, int]]
            if isinstance(rels, EdgeTable):
                lines = _edge_lines(head.decode(), rels, starts, ends_)
            else:
                lines = (
                    (
                        b"".join(
                            (
                                head,
                                starts[e.start].encode(),
                                b'","@to":"',
                                ends_[e.end].encode(),
                                b'",',
                                _dumps(e.props)[1:],
                            )
                        ),
                        1,
                    )
                    for e in rels.values()
                )
            for _ in self._import(client, lines, "", functools.partial(progress, rt.type)):
                pass


# ---- lines from columns (loaders/bulk_columns.py) -----------------------------------------


def _names(target: NodeType | RelType, table: NodeTable | EdgeTable) -> dict[str, str]:
    """A table's columns written as properties, and their names (a node's key column is its
    key property; a link's ends are not properties)."""
    if isinstance(target, NodeType):
        return {c: target.key if c == "key" else c for c in table.frame.columns}
    return {c: c for c in table.frame.columns if c not in ("start", "end")}


def _vertex_lines(head: str, nodes: NodeTable) -> Iterator[tuple[bytes, int]]:
    def heads(first: int, last: int) -> list[pa.Array | str]:
        ids = pa.array(range(first, last), type=pa.int64()).cast(pa.string())
        return [head, ids, '",']

    names = {c: nodes.key if c == "key" else c for c in nodes.frame.columns}
    return json_lines(nodes.frame, names, heads, nodes.stamp, _json_value)


def _edge_lines(
    head: str, rels: EdgeTable, starts: dict[Any, str], ends: dict[Any, str]
) -> Iterator[tuple[bytes, int]]:
    frame = rels.frame
    # Each end's record id by a hash look-up of its distinct keys (the fold factorised the
    # column), then each row's by its code, and Arrow's take.
    sides = []
    made: dict[int, tuple[pd.Index, pa.Array]] = {}  # both ends of one node type: made once
    for side, known in (("start", starts), ("end", ends)):
        if id(known) not in made:
            made[id(known)] = (
                pd.Index(list(known), dtype=object),
                pa.array(list(known.values()), type=pa.string()),
            )
        index, rids = made[id(known)]
        column = rels.factorised(side)
        found = index.get_indexer(pd.Index(column.uniques, dtype=object))
        at = np.append(found, -1)[column.codes]  # a blank end (-1) has no record id
        if (at < 0).any():
            missing = frame[side].iloc[int(np.flatnonzero(at < 0)[0])]
            raise BulkWriteError(f"no record id for the node {missing!r} a link ends at")
        sides.append((rids, pa.array(at)))

    def heads(first: int, last: int) -> list[pa.Array | str]:
        rids = [ids.take(at[first:last]) for ids, at in sides]
        return [head, rids[0], '","@to":"', rids[1], '",']

    names = {c: c for c in frame.columns if c not in ("start", "end")}
    return json_lines(frame, names, heads, rels.stamp, _json_value)
