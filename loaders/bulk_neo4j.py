"""Bulk first loads on Neo4j through its offline importer, `neo4j-admin database import full`.

The folded records of a load (loaders/bulk.py) are written as the import tool's CSV files (a
header row with ``:ID`` and the key as a ``string`` column, ``:START_ID`` / ``:END_ID``, and typed
columns: ``long``, ``double``, ``boolean``, ``date``, ``datetime``, ``string[]``, so every value
is stored with the type the ordinary path's driver parameters give it). The ids are the store's
node ids (``--id-type=actual``, numbered by NodeIds): the tool builds no id map. Then, on the
Neo4j host:

1. the (:Load) records are read (the import replaces the whole database);
2. the server is stopped (``neo4j stop``: Community Edition has no ``STOP DATABASE``; on
   Enterprise ``STOP DATABASE`` is used when the server allows it);
3. ``neo4j-admin database import full --overwrite-destination`` imports the files of this
   load and those this writer imported before it in the same command (Community has no
   incremental import, so each import rebuilds the store from all of them);
4. the server is started, waited for, the model's constraints and indexes are created
   (kg/schema.py; the import makes none) and the (:Load) records are written back.

A load of fewer than ``online_below`` records is created online instead (stopping and
starting the server costs more); its files are written all the same and go into the next
import. So it needs the database to hold nothing but (:Load) records and what this writer wrote,
and the model's schema; otherwise (or for a value the CSV format cannot carry exactly) the
load goes through the online path (UNWIND CREATE) instead, and its note says so. A failed
import puts the graph back as it was before the load (the previous files are imported again,
or the database is emptied if it was empty) and raises BulkWriteError with the tool's words.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import ipaddress
import logging
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv

from kg.connection import Graph
from kg.cypher import render
from kg.model import LOAD, NodeType, RelType
from kg.schema import constraint_statements
from loaders.bulk import (
    BulkRefused,
    BulkWriteError,
    CypherBulkWriter,
    Folded,
    Progress,
    Row,
)
from loaders.bulk_columns import Edge, EdgeTable, NodeTable
from loaders.errors import LoadInputError

ARRAY_DELIMITER = "\x1f"  # the unit separator: no text a load carries has one (checked)
START_TIMEOUT = 300.0
# neo4j-admin's import may take this many seconds per MiB of its CSV files, and at least
# IMPORT_MIN_SECONDS, before it is stopped (SUPPLYMAP_NEO4J_IMPORT_SECONDS_PER_MB): about 1 s
# a MiB was measured on 2 shared cores, so a hung import is found, a slow one is not cut.
IMPORT_SECONDS_PER_MB = 10.0
IMPORT_MIN_SECONDS = 600.0
# Smaller loads are created online (CREATE), as stopping and starting the server costs more;
# their CSV files are written all the same and go into the next import.
ONLINE_BELOW = 50_000
LONG = 1 << 63
# The lines of the tool's output (with --verbose) that say what went wrong.
_SAYS = re.compile(r"IMPORT FAILED|Error in input|Exception:|Caused by:")


class ImportUnavailable(LoadInputError):
    """neo4j-admin cannot be used from here (not found, or Neo4j is on another host)."""


@dataclass(frozen=True)
class ImportTool:
    """neo4j-admin on the Neo4j host, and the `neo4j` script beside it (stop and start)."""

    admin: Path
    control: Path
    database: str

    @classmethod
    def check(cls, admin: Path, uri: str, database: str) -> ImportTool:
        """The tool, or ImportUnavailable saying why it cannot import into ``uri``."""
        if not (admin.is_file() and os.access(admin, os.X_OK)):
            raise ImportUnavailable(
                f"SUPPLYMAP_NEO4J_ADMIN is {str(admin)!r}, which is not an executable file: "
                "name the `neo4j-admin` of the Neo4j server (bin/neo4j-admin in its "
                "installation), or unset it to load online"
            )
        control = admin.with_name("neo4j")
        if not (control.is_file() and os.access(control, os.X_OK)):
            raise ImportUnavailable(
                f"no executable `neo4j` beside {str(admin)!r}: --bulk with SUPPLYMAP_NEO4J_ADMIN "
                "stops and starts the server with it (the bin/ folder of a Neo4j installation "
                "has both)"
            )
        host = urlsplit(uri).hostname or ""
        if not _is_this_host(host):
            raise ImportUnavailable(
                f"--bulk with SUPPLYMAP_NEO4J_ADMIN imports offline into the server's files, "
                f"so supplymap must run on the Neo4j host; SUPPLYMAP_NEO4J_URI names "
                f"{host!r}, not this machine. Run the load there, or unset "
                "SUPPLYMAP_NEO4J_ADMIN to load online. Nothing was written"
            )
        return cls(admin, control, database)


def _is_this_host(host: str) -> bool:
    if host in ("localhost", socket.gethostname(), socket.getfqdn()):
        return True
    try:
        if ipaddress.ip_address(host).is_loopback:
            return True
    except ValueError:
        pass
    try:
        theirs = {a[4][0] for a in socket.getaddrinfo(host, None)}
        ours = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None)}
    except OSError:
        return False
    return any(ipaddress.ip_address(a).is_loopback for a in theirs) or bool(theirs & ours)


# ---- CSV files --------------------------------------------------------------------------


class Unsupported(Exception):
    """A value the import CSV cannot carry exactly (the online path takes the load)."""


@functools.lru_cache(maxsize=4096)
def _datetime_text(value: dt.datetime) -> str:
    """ISO 8601; a zero offset as ``Z``, the same offset to Neo4j (ZoneOffset.UTC), which the
    import tool parses faster than ``+00:00``."""
    text = value.isoformat()
    return f"{text[:-6]}Z" if text.endswith("+00:00") else text


def _kind(value: Any) -> str:
    """The import tool's column type of a value, as the driver would store it."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        if not -LONG <= value < LONG:
            raise Unsupported(f"the integer {value} is beyond 64 bits")
        return "long"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Unsupported(f"the number {value}")
        return "double"
    if isinstance(value, str):
        if not value:
            raise Unsupported("an empty text (the CSV would read it as no value)")
        return "string"
    if isinstance(value, dt.datetime):
        return "datetime" if value.tzinfo is not None else "localdatetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        if any(ARRAY_DELIMITER in v for v in value):
            raise Unsupported("a list item with a unit separator (U+001F)")
        return "string[]"
    raise Unsupported(f"a {type(value).__name__} value ({value!r:.40})")


def _converter(kind: str) -> Any:
    if kind == "boolean":
        return lambda v: None if v is None else ("true" if v else "false")
    if kind in ("datetime", "localdatetime"):
        return lambda v: None if v is None else _datetime_text(v)
    if kind == "string[]":
        return lambda v: None if v is None else ARRAY_DELIMITER.join(v)
    if kind == "date":
        return lambda v: None if v is None else v.isoformat()
    if kind == "string" or kind == "long":
        return None  # written as is (None: an empty field, no value)
    return lambda v: None if v is None else repr(float(v))


def _groups(items: Sequence[Any], props_of: Any, skip: str) -> list[tuple[dict[str, str], Any]]:
    """``items`` split so that each property has one type per group: (types, items)."""
    kinds: dict[str, set[str]] = defaultdict(set)
    for item in items:
        for name, value in props_of(item).items():
            if value is not None and name != skip:
                kinds[name].add(_kind(value))
    mixed = sorted(n for n, k in kinds.items() if len(k) > 1)
    fixed = {n: next(iter(k)) for n, k in sorted(kinds.items()) if len(k) == 1}
    if not mixed:
        return [(fixed, items)]
    parts: dict[tuple[str | None, ...], list[Any]] = defaultdict(list)
    for item in items:
        props = props_of(item)
        key = tuple(None if props.get(n) is None else _kind(props[n]) for n in mixed)
        parts[key].append(item)
    return [
        ({**fixed, **{n: k for n, k in zip(mixed, key, strict=True) if k is not None}}, group)
        for key, group in parts.items()
    ]


def _write_csv(path: Path, header: list[str], rows: Iterator[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _rows(
    items: Sequence[Any],
    ends: Sequence[Sequence[Any]],
    props_of: Any,
    names: list[str],
    kinds: dict[str, str],
) -> Iterator[list[Any]]:
    """One CSV row per item: its id cells (``ends``, one sequence per item), then its
    properties, converted."""
    width = len(ends[0]) if items else 0
    convert = [
        (width + i, c) for i, c in enumerate(_converter(kinds[n]) for n in names) if c is not None
    ]
    for item, cells in zip(items, ends, strict=True):
        props = props_of(item)
        row = [*cells, *[props.get(n) for n in names]]
        for i, c in convert:
            row[i] = c(row[i])
        yield row


@dataclass
class Files:
    """The import tool's arguments for one load: --nodes and --relationships groups."""

    args: list[str]
    nodes: int
    rels: int
    multiline: bool = False  # a field holds a line break (_spans_lines)

    def size(self) -> int:
        """Bytes of the CSV files the arguments name."""
        paths = (Path(a.rsplit("=", 1)[-1]) for a in self.args)
        return sum(p.stat().st_size for p in paths if p.is_file())


def _same(props: Row) -> Row:
    return props


def _props(edge: Edge) -> Row:
    return edge.props


class NodeIds:
    """The node ids of the import (``--id-type=actual``): every node of the files gets the next
    integer, the store's own node id, so the tool needs no id map (a sort of every key, then a
    look-up of each link's two ends). A link's ends are found here, by key, with one Arrow
    hash look-up per column. A key an earlier file made too, or an end no node of the files
    has, is Unsupported: such a load goes online (the client's checks leave neither; the keys
    of one load's type are distinct, as those of a dict or of the fold's one-row-a-key frame)."""

    def __init__(self) -> None:
        self.count = 0
        self.keys: dict[str, list[tuple[pa.Array, int]]] = defaultdict(list)

    def mark(self) -> tuple[int, dict[str, int]]:
        """The state to go back to (rollback) when files are not imported after all."""
        return self.count, {label: len(parts) for label, parts in self.keys.items()}

    def rollback(self, mark: tuple[int, dict[str, int]]) -> None:
        self.count, lengths = mark
        for label in list(self.keys):
            del self.keys[label][lengths.get(label, 0) :]

    def assign(self, label: str, keys: Sequence[str]) -> tuple[pa.Array, pa.Array]:
        """Ids for the new nodes of ``label`` with ``keys`` (distinct texts), in their order,
        and the keys as an Arrow column."""
        array = pa.array(keys, pa.string())
        if self.find(label, array).null_count < len(array):
            raise Unsupported(f"a {label} key twice among the files of the import")
        ids = pa.array(np.arange(self.count, self.count + len(array), dtype=np.int64))
        self.keys[label].append((array, self.count))
        self.count += len(array)
        return ids, array

    def find(self, label: str, keys: pa.Array) -> pa.Array:
        """The ids of ``keys`` (null where no node of ``label`` has the key)."""
        found = pa.nulls(len(keys), pa.int64())
        for held, first in self.keys.get(label, []):
            at = pa_compute.index_in(keys, value_set=held)
            found = pa_compute.coalesce(found, pa_compute.add(at.cast(pa.int64()), first))
        return found

    def ends(self, label: str, keys: Sequence[Any]) -> pa.Array:
        """The ids of a column of link ends, each of which a node of ``label`` must have."""
        try:
            array = pa.array(keys, pa.string())
        except (pa.ArrowTypeError, pa.ArrowInvalid) as exc:
            raise Unsupported(f"a link end that is not a {label} key ({exc})") from exc
        found = self.find(label, array)
        if found.null_count:
            missing = array.filter(pa_compute.is_null(found))[0].as_py()
            raise Unsupported(f"a link to the {label} {missing!r}, which no file of it makes")
        return found


def write_files(folded: Folded, folder: Path, ids: NodeIds | None = None) -> Files:
    """The folded records as import CSV files in ``folder``, their nodes numbered by ``ids``
    (the import's node ids so far; a new one if None, and as it was if this raises);
    Unsupported if a value cannot be carried exactly."""
    ids = NodeIds() if ids is None else ids
    mark = ids.mark()
    try:
        return _write_files(folded, folder, ids)
    except BaseException:
        ids.rollback(mark)
        raise


def _write_files(folded: Folded, folder: Path, ids: NodeIds) -> Files:
    folder.mkdir(parents=True, exist_ok=True)
    args: list[str] = []
    multiline = False
    for nt, nodes in folded.nodes.items():
        if not nodes:
            continue
        keys = list(nodes)
        if not all(isinstance(k, str) and k for k in keys):
            raise Unsupported(f"a {nt.label} key that is not a text")
        key = nt.key
        numbers, texts = ids.assign(nt.label, keys)
        path = folder / f"nodes-{nt.label}-0.csv"
        head = [":ID", f"{key}:string"]  # the key: a property like the others
        id_columns = [numbers, texts]
        if isinstance(nodes, NodeTable):
            named = {key if c == "key" else c: c for c in nodes.frame.columns}
            if _write_columns(path, head, id_columns, _table_values(nodes, named), key):
                args.append(f"--nodes={nt.label}={path}")
                multiline |= _spans_lines(path, len(nodes))
                continue
        items = list(nodes.values())
        if _write_columns(path, head, id_columns, _record_values(items), key):
            args.append(f"--nodes={nt.label}={path}")
            multiline |= _spans_lines(path, len(items))
            continue
        number_of = dict(zip(keys, numbers.to_pylist(), strict=True))
        for i, (kinds, group) in enumerate(_groups(items, _same, key)):
            names = list(kinds)
            path = folder / f"nodes-{nt.label}-{i}.csv"
            header = [*head, *(f"{n}:{kinds[n]}" for n in names)]
            cells = [(number_of[p[key]], p[key]) for p in group]
            _write_csv(path, header, _rows(group, cells, _same, names, kinds))
            args.append(f"--nodes={nt.label}={path}")
            multiline |= _spans_lines(path, len(group))
    for rt, rels in folded.rels.items():
        if not rels:
            continue
        head = [":START_ID", ":END_ID"]
        path = folder / f"rels-{rt.type}-0.csv"
        if isinstance(rels, EdgeTable):
            named = {c: c for c in rels.frame.columns if c not in ("start", "end")}
            id_columns = [
                ids.ends(rt.start.label, rels.ends("start")),
                ids.ends(rt.end.label, rels.ends("end")),
            ]
            if _write_columns(path, head, id_columns, _table_values(rels, named), ""):
                args.append(f"--relationships={rt.type}={path}")
                multiline |= _spans_lines(path, len(rels))
                continue
        edges = list(rels.values())
        starts = ids.ends(rt.start.label, [e.start for e in edges])
        ends = ids.ends(rt.end.label, [e.end for e in edges])
        if _write_columns(path, head, [starts, ends], _record_values([e.props for e in edges]), ""):
            args.append(f"--relationships={rt.type}={path}")
            multiline |= _spans_lines(path, len(edges))
            continue
        pairs = zip(starts.to_pylist(), ends.to_pylist(), strict=True)
        ends_of = {id(e): pair for e, pair in zip(edges, pairs, strict=True)}
        for i, (kinds, group) in enumerate(_groups(edges, _props, "")):
            names = list(kinds)
            path = folder / f"rels-{rt.type}-{i}.csv"
            header = [*head, *(f"{n}:{kinds[n]}" for n in names)]
            cells = [ends_of[id(e)] for e in group]
            _write_csv(path, header, _rows(group, cells, _props, names, kinds))
            args.append(f"--relationships={rt.type}={path}")
            multiline |= _spans_lines(path, len(group))
    return Files(
        args,
        sum(map(len, folded.nodes.values())),
        sum(map(len, folded.rels.values())),
        multiline,
    )


def _spans_lines(path: Path, records: int) -> bool:
    """True when a field of the CSV file at ``path`` (a header, then ``records`` rows) holds
    a line break: the import must then read it with --multiline-fields, which makes it parse
    every file on one thread (1M rows, shared machine: the node stage 10.7 s against 8.3 s
    without, the relationship stage 14.7 s against 8.9 s, 41 s of the tool's CPU against 31 s)."""
    with path.open("rb") as fh:
        lines = breaks = 0
        while block := fh.read(1 << 24):
            lines += block.count(b"\n")
            breaks += block.count(b"\r")
    return breaks > 0 or lines != records + 1


# ---- column-wise: one Arrow column per property, no Python list per row ------------------


class _Mixed(Exception):
    """A property with values of more than one import type: the row-wise split takes it."""


Values = tuple[list[str], Callable[[str], list[Any]]]  # property names; each one's values


def _record_values(props: list[Row]) -> Values:
    """The properties of one dict per record, and each one's values (None where absent)."""
    names = sorted(set().union(*props)) if props else []
    return names, lambda name: [p.get(name) for p in props]


def _table_values(table: NodeTable | EdgeTable, named: dict[str, str]) -> Values:
    """The same from a type's columns (``named``: property -> column) and its provenance,
    with no dict per record."""
    frame, stamp, n = table.frame, table.stamp, len(table)

    def values(name: str) -> list[Any]:
        if name in stamp:
            return [stamp[name]] * n
        series = frame[named[name]]
        return list(series.astype(object).where(series.notna(), None).tolist())

    names = [name for name, column in named.items() if frame[column].notna().any()]
    return sorted({*names, *stamp}), values


def _write_columns(
    path: Path, ids: list[str], id_columns: list[pa.Array], props: Values, skip: str
) -> bool:
    """Write the records' id columns (``ids``: their header) and properties (``props``: their
    names, and each one's values) as an import CSV file column by column (pyarrow); False, and
    nothing written, when a property mixes types (then the file is split by type, row by row).
    Raises Unsupported as the row-wise writer does."""
    names = [n for n in props[0] if n != skip]
    header = list(ids)
    arrays: list[pa.Array] = list(id_columns)
    try:
        for name in names:
            typed = _column(props[1](name))
            if typed is None:
                continue  # no value at all: no column, as row-wise
            kind, array = typed
            header.append(f"{name}:{kind}")
            arrays.append(array)
    except _Mixed:
        return False
    table = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow(header)
    with path.open("wb") as out:
        out.write(text.getvalue().encode("utf-8"))
        pa_csv.write_csv(table, out, pa_csv.WriteOptions(include_header=False))
    return True


def _column(values: list[Any]) -> tuple[str, pa.Array] | None:
    """The import type of a property's values and their Arrow column; None if all are None."""
    types = set(map(type, values)) - {type(None)}
    if not types:
        return None
    if len(types) > 1:
        raise _Mixed
    first = next(v for v in values if v is not None)
    kind = _kind(first)  # Unsupported for a value the import cannot carry
    if kind == "string":
        if "" in values:
            raise Unsupported("an empty text (the CSV would read it as no value)")
        return kind, pa.array(values, pa.string())
    if kind == "long":
        try:
            return kind, pa.array(values, pa.int64())
        except (OverflowError, pa.ArrowInvalid) as exc:
            raise Unsupported(f"an integer beyond 64 bits ({exc})") from exc
    if kind == "double":
        array = pa.array(values, pa.float64())
        if not pa_compute.all(pa_compute.is_finite(array.drop_null())).as_py():
            raise Unsupported("a number that is not finite")
        return kind, array
    if kind == "boolean":
        return kind, pa.array(values, pa.bool_())
    if kind == "date":
        return kind, pa.array(values, pa.date32())
    if kind in ("datetime", "localdatetime"):
        if len({v.tzinfo is None for v in set(values) if v is not None}) > 1:
            raise _Mixed  # zoned and local: two types
        return kind, pa.array([None if v is None else _datetime_text(v) for v in values])
    # string[]: each list checked as the row-wise writer does
    for v in values:
        if v is not None and _kind(v) != kind:
            raise _Mixed
    return kind, pa.array(
        [None if v is None else ARRAY_DELIMITER.join(v) for v in values], pa.string()
    )


# ---- the writer -------------------------------------------------------------------------


class Neo4jImportWriter:
    """Neo4j on this host: `neo4j-admin database import full`, with the server stopped."""

    def __init__(
        self,
        graph: Graph,
        tool: ImportTool,
        start_timeout: float = START_TIMEOUT,
        online_below: int = ONLINE_BELOW,
        import_seconds_per_mb: float = IMPORT_SECONDS_PER_MB,
        import_min_seconds: float = IMPORT_MIN_SECONDS,
    ) -> None:
        self.graph = graph
        self.tool = tool
        self.start_timeout = start_timeout
        self.import_seconds_per_mb = import_seconds_per_mb
        self.import_min_seconds = import_min_seconds
        self.online_below = online_below
        self.online = CypherBulkWriter(graph)
        # The files whose records are in the database, oldest first: imported, or created
        # online (small loads) and imported again with the next import.
        self.imported: list[Files] = []
        # Files written, waiting for one import when the command ends (finish()), with the
        # (:Load) records to save then, and their keys (a later file may not make them again).
        self.pending: list[Files] = []
        self._records: dict[str, Row] = {}
        self._pending_keys: dict[NodeType, set[Any]] = defaultdict(set)
        self._pending_rels: dict[RelType, set[Any]] = defaultdict(set)
        self._deferred = False
        self._loads = 0
        self._folder = Path(tempfile.mkdtemp(prefix="supplymap-import-"))
        # The node ids of every file written (pending or imported), and those of the
        # imported files alone (what a failed import goes back to).
        self.ids = NodeIds()
        self._imported_ids = self.ids.mark()
        # How the last load was written (the pipeline's note names it after the write).
        self.name = "neo4j-admin database import (offline), or CREATE online when it cannot"
        # Seconds in each step of the imports so far: CSV files, stop, import, start (with the
        # schema and the (:Load) records put back).
        self.steps: dict[str, float] = defaultdict(float)
        self.output = ""

    def __del__(self) -> None:
        shutil.rmtree(getattr(self, "_folder", ""), ignore_errors=True)

    # ---- may it import? ------------------------------------------------------------------

    def _why_not_import(self) -> str | None:
        nodes = self.graph.query("MATCH (n) RETURN count(n) AS c")[0]["c"]
        loads = self.graph.query(render("MATCH (n:{label}) RETURN count(n) AS c", label=LOAD.label))
        rels = self.graph.query("MATCH ()-[r]->() RETURN count(r) AS c")[0]["c"]
        ours = (sum(f.nodes for f in self.imported), sum(f.rels for f in self.imported))
        if (nodes - loads[0]["c"], rels) != ours:
            return "the database holds records neo4j-admin import, which rebuilds it, would lose"
        model = {_schema_name(s) for s in constraint_statements()}
        held = {
            r["name"]
            for r in self.graph.query(
                "SHOW INDEXES YIELD name, type, owningConstraint WHERE type <> 'LOOKUP' RETURN name"
            )
        }
        held |= {r["name"] for r in self.graph.query("SHOW CONSTRAINTS YIELD name RETURN name")}
        if held - model:
            return "the database has indexes or constraints beyond the model's"
        return None

    # ---- the write -----------------------------------------------------------------------

    def write(self, folded: Folded, progress: Progress) -> None:
        why = self._why_not_import() if folded.records else "nothing to create"
        files: Files | None = None
        if why is None:
            self._refuse_pending(folded)
            clock = time.perf_counter()
            try:
                files = write_files(folded, self._folder / f"load-{self._loads}", self.ids)
                self._loads += 1
                self.steps["csv"] += time.perf_counter() - clock
            except Unsupported as exc:
                why = f"the import CSV cannot carry {exc}"
        if files is None:
            self._flush()  # the records of the earlier loads first: the import rebuilds the store
            self.name = f"{self.online.name} online ({why})"
            self.online.write(folded, progress)
            return
        if folded.records < self.online_below and not self.pending:
            self.name = (
                f"{self.online.name} online (fewer than {self.online_below:,} records: cheaper "
                "than stopping the server; imported again with the next import)"
            )
            self.online.write(folded, progress)
            self.imported.append(files)
            self._imported_ids = self.ids.mark()
            return
        # Imported with the command's other files when the pipeline calls finish().
        self.name = "neo4j-admin database import (offline), one import at the end of the command"
        self.pending.append(files)
        for nt, nodes in folded.nodes.items():
            self._pending_keys[nt].update(nodes)
        for rt, rels in folded.rels.items():
            self._pending_rels[rt].update(rels)
        self._deferred = True
        for nt, nodes in folded.nodes.items():
            progress(nt.label, len(nodes))
        for rt, rels in folded.rels.items():
            progress(rt.type, len(rels))

    def complete_later(self, load_id: str, record: Row) -> bool:
        """True when the load just written waits for the import of finish(): its (:Load)
        record stays `running` until then, and ``record`` (status `completed`) is saved after
        the import; False when its records are in the graph already (the caller saves it)."""
        if not self._deferred:
            return False
        self._deferred = False
        self._records[load_id] = record
        return True

    def finish(self) -> None:
        """Import the loads that wait (one import for all the command's files); the
        pipeline calls it when the command's last file is written, or one failed."""
        self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        files, self.pending = self.pending, []
        records, self._records = self._records, {}
        self._pending_keys.clear()
        self._pending_rels.clear()
        self._import(files, records)

    def _refuse_pending(self, folded: Folded) -> None:
        """A record an earlier file of this command makes too, not yet in the graph (the
        pipeline's check, loaders/bulk.py refuse_unless_new, looks at the graph)."""
        for nt, nodes in folded.nodes.items():
            held = nodes.keys() & self._pending_keys.get(nt, set())
            if held:
                raise BulkRefused(
                    f"--bulk creates every record of the load, but an earlier file of this "
                    f"command makes {len(held):,} of its {len(nodes):,} {nt.label} nodes "
                    f"(e.g. {sorted(map(str, held))[0]!r}). Load it without --bulk, or in a "
                    "command of its own after this one"
                )
        for rt, rels in folded.rels.items():
            held_rels = rels.keys() & self._pending_rels.get(rt, set())
            if held_rels:
                first = min(held_rels, key=str)
                raise BulkRefused(
                    f"--bulk creates every record of the load, but an earlier file of this "
                    f"command makes {len(held_rels):,} of its {len(rels):,} {rt.type} "
                    f"relationships (e.g. {first!r}). Load it without --bulk, or in a command "
                    "of its own after this one"
                )

    def _import(self, files: list[Files], records: dict[str, Row]) -> None:
        """Import the files imported before and ``files``; ``records``: the (:Load) records
        (status `completed`) of the loads whose records these are, saved after the import."""
        steps: dict[str, float] = {}
        clock = time.perf_counter()
        query = render("MATCH (l:{label}) RETURN properties(l) AS p", label=LOAD.label)
        loads = [r["p"] for r in self.graph.query(query)]
        self._control("stop")
        steps["stop"] = time.perf_counter() - clock
        failure: str | None = None
        restored: str | None = None
        try:
            failure = self._run_import([*self.imported, *files])
            steps["import"] = time.perf_counter() - clock - steps["stop"]
            if failure is not None:
                # The store is unusable now: rebuild it as it was (empty: from no records).
                restored = self._run_import(self.imported or [self._nothing()])
        finally:
            self._control("start")
        self._wait_online()
        self._create_schema()
        self.graph.write("CALL db.awaitIndexes($s)", {"s": int(self.start_timeout)})
        loads = [_ended(load, records.get(str(load.get(LOAD.key))), failure) for load in loads]
        if loads:
            # MERGE: a failed import may have left the store, and its (:Load) records, as they were.
            statement = render(
                "UNWIND $rows AS r MERGE (l:{label} {{{key}: r.{key}}}) SET l = r",
                label=LOAD.label,
                key=LOAD.key,
            )
            self.graph.write_batches(statement, loads, batch_size=5000)
        steps["start"] = time.perf_counter() - clock - sum(steps.values())
        for step, seconds in steps.items():
            self.steps[step] += seconds
        self._forget_bookmarks()
        if failure is not None:
            state = (
                "the database is as it was before this load"
                if restored is None
                else f"putting back the records imported before failed too ({restored}): "
                f"{self._recovery()}"
            )
            self.ids.rollback(self._imported_ids)  # these files' nodes are not in the store
            raise BulkWriteError(f"neo4j-admin database import failed: {failure}; {state}")
        self.imported.extend(files)
        self._imported_ids = self.ids.mark()

    def _create_schema(self) -> None:
        """The model's constraints and indexes (kg/schema.py), in one transaction: Neo4j then
        fills the indexes of a label in one scan of its nodes, not one scan per index (1M rows,
        250k nodes: 2.1 s against 2.8 s, each statement alone as ensure_schema runs them)."""
        self.graph.run_schema(constraint_statements(), together=True)

    def _forget_bookmarks(self) -> None:
        """The import starts the store's transaction ids again: the bookmarks the driver's
        execute_query keeps, of earlier transactions, would wait for ids to come. They are
        replaced by one of now."""
        with self.graph.driver.session(database=self.graph.database) as session:
            session.execute_write(lambda tx: tx.run("RETURN 1 AS one").consume())
            now = session.last_bookmarks().raw_values
        bookmarks = self.graph.driver.execute_query_bookmark_manager
        bookmarks.update_bookmarks(bookmarks.get_bookmarks(), now)

    def _nothing(self) -> Files:
        """An import of no records: an empty store."""
        path = self._folder / "empty.csv"
        path.write_text(":ID\n")
        return Files([f"--nodes={path}"], 0, 0)

    def _run_import(self, groups: Sequence[Files]) -> str | None:
        """Run the import; None when it worked, else what the tool said."""
        command = [
            str(self.tool.admin),
            "database",
            "import",
            "full",
            self.tool.database,  # first: --nodes and --relationships take every value after
            "--overwrite-destination=true",
            # Node ids are the store's (NodeIds): no id map to build, sort and look up.
            "--id-type=actual",
            # Only when a field holds a line break: it makes the import parse on one thread.
            f"--multiline-fields={str(any(f.multiline for f in groups)).lower()}",
            "--array-delimiter=U+001F",
            "--bad-tolerance=0",
            "--skip-bad-relationships=false",
            "--skip-duplicate-nodes=false",
            "--verbose",
            f"--report-file={self._folder / 'import.report'}",
            *(a for files in groups for a in files.args),
        ]
        mib = sum(files.size() for files in groups) / (1 << 20)
        limit = max(self.import_min_seconds, self.import_seconds_per_mb * mib)
        code, output, timed_out = _run(command, limit)
        self.output = output  # what the last import said (its stages and their times)
        if code == 0 and not timed_out:
            return None
        fd, log = tempfile.mkstemp(prefix="supplymap-neo4j-import-", suffix=".log")
        with os.fdopen(fd, "w") as out:
            out.write(output)
        if timed_out:
            return (
                f"it did not finish within {limit:,.0f} s ({mib:,.1f} MiB of CSV files, "
                f"SUPPLYMAP_NEO4J_IMPORT_SECONDS_PER_MB={self.import_seconds_per_mb:g} s a MiB, "
                f"at least {self.import_min_seconds:,.0f} s), so it was stopped (killed, with "
                f"every process it started); what it said until then: {log}. If the import "
                "was slow rather than hung, raise SUPPLYMAP_NEO4J_IMPORT_SECONDS_PER_MB"
            )
        said = [line.strip()[:300] for line in output.splitlines() if _SAYS.search(line)]
        return f"{' / '.join(said[:6]) or f'exit code {code}'} (all it said: {log})"

    def _recovery(self) -> str:
        """What to do when the store of the database is as a failed import left it."""
        database = self.tool.database
        return (
            f"the database {database!r} is as neo4j-admin left it (its store may be incomplete "
            "or unusable, and Neo4j may not start it). To recover: stop Neo4j "
            f"(`{self.tool.control} stop`), empty the database with `{self.tool.admin} database "
            f"import full {database} --overwrite-destination=true --nodes=<a file holding the "
            "line :ID>`, start Neo4j, and run the same `supplymap load --bulk` command again "
            "(it loads every file of the command; the files it had loaded before go in again "
            "the same way)"
        )

    def _control(self, action: str) -> None:
        code, said, timed_out = _run([str(self.tool.control), action], self.start_timeout)
        if timed_out:
            raise BulkWriteError(
                f"`{self.tool.control} {action}` did not finish within {self.start_timeout:.0f} s "
                f"and was stopped; it said: {said.strip()[-800:]}"
            )
        if code != 0:
            raise BulkWriteError(f"`{self.tool.control} {action}` failed: {said.strip()[-800:]}")

    def _wait_online(self) -> None:
        # The driver logs every failed try while the server starts: expected here.
        driver_log = logging.getLogger("neo4j")
        level = driver_log.level
        driver_log.setLevel(logging.CRITICAL)
        try:
            self._poll_online()
        finally:
            driver_log.setLevel(level)

    def _poll_online(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                self.graph.query("RETURN 1 AS one")
                return
            except Exception as exc:  # not up yet: ServiceUnavailable, database unavailable
                if time.monotonic() > deadline:
                    raise BulkWriteError(
                        f"Neo4j did not come back within {self.start_timeout:.0f} s after the "
                        f"import: {exc}"
                    ) from exc
                time.sleep(0.5)


def _run(command: list[str], timeout: float) -> tuple[int, str, bool]:
    """Run ``command`` (its output and errors together); past ``timeout`` seconds, kill it and
    every process it started (its own process group: neo4j-admin is a script that starts
    Java). Returns its exit code, its output, and whether it was killed."""
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
            return process.returncode, output, False
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            try:
                output, _ = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:  # a process that left the group holds the pipe
                process.kill()
                output = ""
            return process.returncode if process.returncode is not None else -9, output, True


def _ended(load: Row, record: Row | None, failure: str | None) -> Row:
    """A (:Load) record as it is put back after an import: a load that waited for it is
    `completed` now (``record``: what the pipeline would have saved), or `failed`."""
    if record is None:
        return load
    now = dt.datetime.now(dt.UTC)
    if failure is None:
        return {**load, **record, "ended_at": now}
    message = (
        f"the write failed: neo4j-admin database import, run for this command's files when "
        f"its last file was read, failed: {failure}. None of this load's records are in the "
        "graph; re-run the same command to load them"
    )
    return {**load, "status": "failed", "rows_written": 0, "ended_at": now, "message": message}


def _schema_name(statement: str) -> str:
    """The name of a CREATE CONSTRAINT / CREATE INDEX statement of kg/schema.py."""
    return statement.split()[2]
