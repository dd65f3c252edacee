"""Load throughput: supplymap's whole pipeline against a bare driver UNWIND of the same rows.

    python bench/load.py --enterprises 20000 --links 60000

Generates N synthetic enterprises and M supply links (fixed seed) as canonical CSV files,
then, each in a fresh database on the same engine: (a) `supplymap load` of both files
through loaders.pipeline (read, validate, reference checks, batched MERGE with provenance);
(b) a bare `UNWIND $rows AS r MERGE ...` of the same rows with the neo4j driver, one
managed transaction per batch, writing the same graph: the same properties, provenance
(source, load_id, loaded_at, basis) included, so the ratio is the cost of supplymap's
machinery (reading, validation, reference checks, (:Load) records), not of what it stores;
(c) for reference, the bare write of the data properties alone. Prints rows/s and the ratio
supplymap / bare (target >= 0.9).

    python bench/load.py --mapped --rows 1000000

The mapped case: a shipment-like file of N rows (vendor, buyer, item, quantity, date; every
triple repeats about ten times; 5% of rows are notes a filter drops) through one mapping with
a row filter, distinct nodes and a link per (vendor, buyer, item) with sum, count and first and
last dates. (a) `supplymap load --mapping` end to end (read, DuckDB transform, validation,
writes) into a database whose schema (constraints and indexes) is in place; (b) the neo4j
driver alone, as its user would write it: `UNWIND $rows AS r MERGE ...` of the same records,
already aggregated (dicts, Python dates), one `session.execute_write` per batch of the same
size, the same properties provenance included, writes only, after creating its two
uniqueness constraints (untimed, like (a)'s schema; (a) also keeps the model's name indexes
and its (:Load) record). Prints records written per second for both, their ratio (target
>= 0.8), the transform's own time (target < 5 s), CPU seconds of this process and of the
engine's server for each, the load average and the process's peak memory.

    python bench/load.py --bulk --sizes 100000 1000000

The bulk case: for each size (rows in all: a quarter enterprises, the rest supply links), on
an empty database each time: (a) `supplymap load` the ordinary way (batched MERGE),
(b) `supplymap load --bulk` of the three files in one command (the same pipeline, records
created through the engine's bulk path: ArcadeDB's batch import on the local engine; on Neo4j
one `neo4j-admin database import full` at the command's end with SUPPLYMAP_NEO4J_ADMIN set,
else UNWIND CREATE), (c) the bare driver UNWIND MERGE with provenance. Prints, per size,
the seconds of each end to end, bulk rows/s, the ratios bulk / ordinary and bulk / bare
(target >= 5), the same ratio for the write step alone (after reading, validating and, for
bulk, folding the rows into records),
CPU seconds of each as this process + the server's process (the local engine's, or the Neo4j
that .ci/neo4j/run.py started), this process's peak memory and the server's resident
high-water mark, the load average before and after each size, and how each time grew from
one size to the next. Each run's line also says where the seconds went: the client's
read+validate, fold and writer (seconds, and `writer cpu`: this process's CPU in it), the
local engine's vertices and edges requests and its own `engine import` time, or Neo4j's
csv, stop, import (its stages' times are printed from neo4j-admin's output; `finish cpu`:
neo4j-admin's CPU) and start; and a second line splits the server's CPU by thread kind:
work, JIT (the C1/C2 compiler threads: a fresh engine compiles for about 20 s at 1M rows),
GC, and threads that ended during the run (the import's flush workers).

    python bench/load.py --bulk --cases client --sizes 1000000

The client's side of (b) alone: the same command with the local engine's writer, whose lines
(every one made as for the engine) are dropped instead of sent: read, validate, fold and
write the import lines, in CPU seconds of this process, per row. The (:Load) records and
the schema still go to the engine (a few statements).
Uses the local engine (started if needed, a throw-away database per run) unless
SUPPLYMAP_NEO4J_URI is set (then its database, which must be empty, wiped after each run).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import itertools
import os
import random
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, LiteralString

import pandas as pd
from neo4j import ManagedTransaction
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import engine_label, scratch_graph

from kg.connection import Graph, local_engine
from kg.schema import ensure_schema
from kg.settings import Settings
from loaders import bulk as bulk_module
from loaders.bulk import ArcadeBulkWriter, BulkWriter, CypherBulkWriter
from loaders.bulk_neo4j import ImportTool, Neo4jImportWriter
from loaders.pipeline import Loader, LoadOptions

BARE_NODES = (
    "UNWIND $rows AS r MERGE (n:Enterprise {id: r.id}) "
    "SET n.name = r.name, n.scale = r.scale, n.tags = r.tags"
)
BARE_LINKS = (
    "UNWIND $rows AS r MATCH (a:Enterprise {id: r.supplier}) MATCH (b:Enterprise {id: r.customer}) "
    "MERGE (a)-[x:SUPPLIES {product: r.product}]->(b) SET x.share = r.share, x.volume = r.volume"
)
PROVENANCE = (
    ", {v}.source = $source, {v}.load_id = $load_id, {v}.loaded_at = $loaded_at, {v}.basis = $basis"
)


def make_files(folder: Path, n: int, m: int, seed: int) -> tuple[Path, Path, Path]:
    rng = random.Random(seed)
    ids = [f"E{i:07d}" for i in range(n)]
    enterprises = pd.DataFrame(
        {
            "id": ids,
            "name": [f"Enterprise {i}" for i in range(n)],
            "scale": [rng.choice(["large", "medium", "small", "micro"]) for _ in range(n)],
            "tags": [rng.choice(["resin", "wire", "fabric", "chips"]) for _ in range(n)],
        }
    )
    products = pd.DataFrame(
        {"id": [f"P{i}" for i in range(50)], "name": [f"Product {i}" for i in range(50)]}
    )
    seen: set[tuple[str, str, str]] = set()
    links = []
    while len(links) < m:
        a, b = rng.randrange(n), rng.randrange(n)
        p = f"P{rng.randrange(50)}"
        if a == b or (ids[a], ids[b], p) in seen:
            continue
        seen.add((ids[a], ids[b], p))
        links.append((ids[a], ids[b], p, round(rng.random(), 3), rng.randrange(1, 10_000)))
    supplies = pd.DataFrame(links, columns=["supplier", "customer", "product", "share", "volume"])
    paths = (folder / "enterprises.csv", folder / "products.csv", folder / "supplies.csv")
    enterprises.to_csv(paths[0], index=False)
    products.to_csv(paths[1], index=False)
    supplies.to_csv(paths[2], index=False)
    return paths


def run_supplymap(graph: Graph, files: tuple[Path, Path, Path], batch: int) -> dict[str, float]:
    loader = Loader(graph)
    out = {}
    for path in (files[1], files[0], files[2]):
        t = time.perf_counter()
        report = loader.load_files([path], LoadOptions(batch_size=batch, force=True))[0]
        assert report.status == "completed", report.message
        out[path.stem] = time.perf_counter() - t
    return out


def run_bare(
    graph: Graph, files: tuple[Path, Path, Path], batch: int, provenance: bool = True
) -> dict[str, float]:
    nodes, links, params = BARE_NODES, BARE_LINKS, {}
    if provenance:
        nodes += PROVENANCE.format(v="n")
        links += PROVENANCE.format(v="x")
        params = {
            "source": "bench",
            "load_id": "L1",
            "loaded_at": dt.datetime.now(dt.UTC),
            "basis": "declared",
        }
    graph.run_schema(
        [
            "CREATE CONSTRAINT enterprise_id_unique IF NOT EXISTS "
            "FOR (n:Enterprise) REQUIRE n.id IS UNIQUE"
        ]
    )
    out = {}
    t = time.perf_counter()
    rows = pd.read_csv(files[0], dtype=str).to_dict("records")
    graph.write_batches(nodes, rows, batch_size=batch, params=params)
    out["enterprises"] = time.perf_counter() - t
    t = time.perf_counter()
    rows = pd.read_csv(files[2]).to_dict("records")
    graph.write_batches(links, rows, batch_size=batch, params=params)
    out["supplies"] = time.perf_counter() - t
    return out


MAPPING = """
name: bench-shipments
source: bench
outputs:
  - kind: enterprises
    columns: {id: vendor, name: vendor_name}
  - kind: enterprises
    columns: {id: buyer, name: buyer_name}
  - kind: products
    columns: {id: item, name: item}
  - kind: supplies
    where: "kind = 'order'"
    columns:
      supplier: vendor
      customer: buyer
      product: item
      volume: {from: qty, agg: sum}
    properties:
      shipments: {agg: count}
      first_date: {from: date, agg: min, type: date}
      last_date: {from: date, agg: max, type: date}
"""


def make_shipments(folder: Path, rows: int, seed: int) -> tuple[Path, Path, pd.DataFrame]:
    """A shipment history with repeats, its mapping, and the records it should give."""
    rng = random.Random(seed)
    n_pairs = max(rows // 10, 1)
    vendors, buyers = max(n_pairs // 5, 1), max(n_pairs // 20, 1)
    triples = list(
        {
            (
                f"V{rng.randrange(vendors):06d}",
                f"B{rng.randrange(buyers):05d}",
                f"P{rng.randrange(50)}",
            )
            for _ in range(n_pairs)
        }
    )
    pick = [triples[rng.randrange(len(triples))] for _ in range(rows)]
    start = dt.date(2020, 1, 1)
    frame = pd.DataFrame(
        {
            "kind": ["note" if rng.random() < 0.05 else "order" for _ in range(rows)],
            "vendor": [t[0] for t in pick],
            "vendor_name": [f"Vendor {t[0][1:]}" for t in pick],
            "buyer": [t[1] for t in pick],
            "buyer_name": [f"Buyer {t[1][1:]}" for t in pick],
            "item": [t[2] for t in pick],
            "qty": [rng.randrange(1, 1000) for _ in range(rows)],
            "date": [
                (start + dt.timedelta(days=rng.randrange(1000))).isoformat() for _ in range(rows)
            ],
        }
    )
    path, mapping = folder / "shipments.csv", folder / "shipments.yaml"
    frame.to_csv(path, index=False)
    mapping.write_text(MAPPING)
    return path, mapping, frame


BARE_NAMED = "UNWIND $rows AS r MERGE (n:Enterprise {id: r.id}) SET n.name = r.name"
BARE_PRODUCTS = "UNWIND $rows AS r MERGE (n:Product {id: r.id}) SET n.name = r.name"
BARE_SHIPMENT_LINKS = (
    "UNWIND $rows AS r MATCH (a:Enterprise {id: r.supplier}) MATCH (b:Enterprise {id: r.customer}) "
    "MERGE (a)-[x:SUPPLIES {product: r.product}]->(b) SET x.volume = r.volume, "
    "x.shipments = r.shipments, x.first_date = r.first_date, x.last_date = r.last_date"
)


def bare_records(frame: pd.DataFrame) -> dict[str, list[dict[str, object]]]:
    """The records the mapping makes, aggregated with pandas (not timed)."""
    vendors = frame[["vendor", "vendor_name"]].drop_duplicates()
    buyers = frame[["buyer", "buyer_name"]].drop_duplicates()
    nodes = [{"id": a, "name": b} for a, b in vendors.itertuples(index=False)]
    nodes += [{"id": a, "name": b} for a, b in buyers.itertuples(index=False)]
    products = [{"id": p, "name": p} for p in frame["item"].unique()]
    orders = frame[frame["kind"] == "order"]
    links = (
        orders.groupby(["vendor", "buyer", "item"])
        .agg(
            volume=("qty", "sum"),
            shipments=("qty", "size"),
            first=("date", "min"),
            last=("date", "max"),
        )
        .reset_index()
    )
    rows = [
        {
            "supplier": v,
            "customer": b,
            "product": i,
            "volume": float(vol),
            "shipments": int(n),
            "first_date": dt.date.fromisoformat(f),
            "last_date": dt.date.fromisoformat(la),
        }
        for v, b, i, vol, n, f, la in links.itertuples(index=False)
    ]
    return {"nodes": nodes, "products": products, "links": rows}


def run_mapped(graph: Graph, path: Path, mapping: Path, batch: int) -> dict[str, float]:
    # The schema in place before the clock starts, as the bare run's constraints are (and as
    # in any database supplymap has loaded before); the load still checks it.
    ensure_schema(graph)
    t = time.perf_counter()
    report = Loader(graph).load_files(
        [path], LoadOptions(mapping=str(mapping), batch_size=batch, force=True)
    )[0]
    assert report.status == "completed", report.message
    total = time.perf_counter() - t
    return {"total": total, "records": float(report.rows_written), **report.timings}


def _driver_writes(
    graph: Graph,
    cypher: LiteralString,
    rows: list[dict[str, object]],
    batch: int,
    params: dict[str, object],
) -> None:
    """The driver alone: one managed transaction per batch, nothing of supplymap's."""

    def work(tx: ManagedTransaction, part: list[dict[str, object]]) -> None:
        tx.run(cypher, {**params, "rows": part}).consume()

    with graph.driver.session(database=graph.database) as session:
        for start in range(0, len(rows), batch):
            session.execute_write(work, rows[start : start + batch])


def run_mapped_bare(
    graph: Graph, records: dict[str, list[dict[str, object]]], batch: int
) -> dict[str, float]:
    graph.run_schema(
        [
            "CREATE CONSTRAINT enterprise_id_unique IF NOT EXISTS "
            "FOR (n:Enterprise) REQUIRE n.id IS UNIQUE",
            "CREATE CONSTRAINT product_id_unique IF NOT EXISTS "
            "FOR (n:Product) REQUIRE n.id IS UNIQUE",
        ]
    )
    params: dict[str, object] = {
        "source": "bench",
        "load_id": "L1",
        "loaded_at": dt.datetime.now(dt.UTC),
        "basis": "declared",
    }
    t = time.perf_counter()
    _driver_writes(graph, BARE_NAMED + PROVENANCE.format(v="n"), records["nodes"], batch, params)
    _driver_writes(
        graph, BARE_PRODUCTS + PROVENANCE.format(v="n"), records["products"], batch, params
    )
    _driver_writes(
        graph, BARE_SHIPMENT_LINKS + PROVENANCE.format(v="x"), records["links"], batch, params
    )
    n = sum(len(v) for v in records.values())
    return {"total": time.perf_counter() - t, "records": float(n)}


def main_mapped(args: argparse.Namespace, settings: Settings, console: Console) -> None:
    console = Console(
        width=max(console.width, 180)
    )  # a line per round and the table, even in a log
    with tempfile.TemporaryDirectory() as tmp, Graph.from_settings(settings) as base:
        console.print(f"engine: {engine_label(base, settings)}", highlight=False)
        t = time.perf_counter()
        path, mapping, frame = make_shipments(Path(tmp), args.rows, args.seed)
        records = bare_records(frame)
        del frame
        console.print(
            f"generated {args.rows:,} rows in {time.perf_counter() - t:.1f} s", highlight=False
        )
        best: dict[str, dict[str, float]] = {}
        loads: dict[str, str] = {}
        for round_ in range(args.rounds):
            order = ["mapped", "bare"] if round_ % 2 else ["bare", "mapped"]
            for who in order:
                with scratch_graph(settings, base, "bench") as graph:
                    load = _loadavg()
                    own, server = time.process_time(), engine_cpu(settings)
                    if who == "mapped":
                        times = run_mapped(graph, path, mapping, args.batch_size)
                    else:
                        times = run_mapped_bare(graph, records, args.batch_size)
                    after = engine_cpu(settings)
                    times["cpu"] = time.process_time() - own
                    if server is not None and after is not None:
                        times["engine cpu"] = after - server
                    load += " -> " + _loadavg()
                console.print(
                    f"round {round_ + 1}: {who} "
                    + ", ".join(f"{k} {v:,.2f}" for k, v in times.items())
                    + f"; load {load}",
                    highlight=False,
                )
                if who not in best or times["total"] < best[who]["total"]:
                    best[who], loads[who] = times, load
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mapped, bare = best["mapped"], best["bare"]
    table = Table(
        title=f"mapped load: {args.rows:,} shipment rows, batch {args.batch_size:,}, "
        f"best of {args.rounds}",
        caption="CPU: this process (DuckDB's threads included) + the engine's server process",
    )
    for col in (
        "records",
        "supplymap s",
        "records/s",
        "bare s",
        "bare records/s",
        "ratio",
        "read s",
        "transform s",
        "validate s",
        "write s",
        "CPU s",
        "bare CPU s",
        "peak MiB",
        "load avg (supplymap; bare)",
    ):
        table.add_column(col, justify="right")

    def cpu(times: dict[str, float]) -> str:
        return f"{times['cpu']:.1f} + {times.get('engine cpu', float('nan')):.1f}"

    table.add_row(
        f"{mapped['records']:,.0f}",
        f"{mapped['total']:.2f}",
        f"{mapped['records'] / mapped['total']:,.0f}",
        f"{bare['total']:.2f}",
        f"{bare['records'] / bare['total']:,.0f}",
        f"{bare['total'] / mapped['total'] * mapped['records'] / bare['records']:.2f}",
        f"{mapped.get('read', 0):.2f}",
        f"{mapped.get('transform', 0):.2f}",
        f"{mapped.get('validate', 0):.2f}",
        f"{mapped.get('write', 0):.2f}",
        cpu(mapped),
        cpu(bare),
        f"{peak:,.0f}",
        f"{loads['mapped']}; {loads['bare']}",
    )
    console.print(table)


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def engine_pid(settings: Settings) -> int | None:
    """The server's process: the local engine's, or the Neo4j that .ci/neo4j/run.py started
    (SUPPLYMAP_TEST_SERVER_PID); None when not known."""
    if settings.uses_local_engine:
        return local_engine(settings).status().pid
    if os.environ.get("SUPPLYMAP_TEST_SERVER_PID", "").isdigit():
        return int(os.environ["SUPPLYMAP_TEST_SERVER_PID"])
    return None


def engine_cpu(settings: Settings) -> float | None:
    """CPU seconds used so far by the server's process; None when not known."""
    pid = engine_pid(settings)
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _thread_kind(name: str) -> str:
    """What a JVM thread of the server does, by its name: JIT compilation, garbage
    collection, or the rest (the work: requests, imports, queries)."""
    if name.startswith(("C1 CompilerThre", "C2 CompilerThre")):
        return "JIT"
    if name.startswith(("GC Thread", "G1 ", "VM Thread")):
        return "GC"
    return "work"


def engine_threads(settings: Settings) -> dict[str, float]:
    """CPU seconds used so far by the server's live threads, by _thread_kind ({} when the
    server's process is not known)."""
    pid = engine_pid(settings)
    spent: dict[str, float] = {"work": 0.0, "JIT": 0.0, "GC": 0.0}
    if pid is None:
        return {}
    tasks = Path(f"/proc/{pid}/task")
    with contextlib.suppress(OSError):
        for task in tasks.iterdir():
            try:
                name = (task / "comm").read_text().strip()
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the thread ended meanwhile
            seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            spent[_thread_kind(name)] += seconds
    return spent


def engine_peak_mib(settings: Settings) -> float | None:
    """The server process's peak resident memory since it started (VmHWM), in MiB."""
    pid = engine_pid(settings)
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def children_cpu() -> float:
    """CPU seconds of this process's finished children (neo4j-admin's import)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_loads(
    loader: Loader, files: tuple[Path, Path, Path], options: LoadOptions
) -> dict[str, float]:
    """Each file through the whole pipeline: seconds per file, and ``_write`` for the writes."""
    out = {"_write": 0.0}
    for path in (files[1], files[0], files[2]):
        t = time.perf_counter()
        report = loader.load_files([path], options)[0]
        assert report.status == "completed", report.message
        out[path.stem] = time.perf_counter() - t
        out["_write"] += report.timings.get("write", 0.0)
    return out


def run_ordinary(graph: Graph, files: tuple[Path, Path, Path], batch: int) -> dict[str, float]:
    return run_loads(Loader(graph), files, LoadOptions(batch_size=batch, force=True))


def run_bulk(
    graph: Graph, files: tuple[Path, Path, Path], batch: int, settings: Settings
) -> dict[str, float]:
    writer: BulkWriter
    if settings.uses_local_engine:
        writer = ArcadeBulkWriter(local_engine(settings), graph.database)
    elif settings.neo4j_admin is not None:  # neo4j-admin database import, offline
        tool = ImportTool.check(settings.neo4j_admin, settings.neo4j_uri or "", graph.database)
        writer = Neo4jImportWriter(
            graph, tool, import_seconds_per_mb=settings.neo4j_import_seconds_per_mb
        )
    else:
        writer = CypherBulkWriter(graph)
    spent = _timed(writer, "write", "finish")
    options = LoadOptions(batch_size=batch, force=True, bulk=True)
    # One command for the three files, as `supplymap load --bulk products.csv enterprises.csv
    # supplies.csv`: Neo4j's writer imports them all at its end.
    clock = time.perf_counter()
    reports = Loader(graph, bulk=writer).load_files([files[1], files[0], files[2]], options)
    total = time.perf_counter() - clock
    assert [r.status for r in reports] == ["completed"] * 3, [r.message for r in reports]
    out = {"_write": sum(r.timings.get("write", 0.0) for r in reports), "command": total}
    steps = getattr(writer, "steps", {})
    out |= {f"_{step}": seconds for step, seconds in steps.items()}
    read = sum(r.timings.get(k, 0.0) for r in reports for k in ("read", "transform", "validate"))
    # The pipeline's write step is the fold, then the writer's write (finish(): Neo4j's import
    # at the command's end, outside the pipeline's write step).
    out |= {
        "_read+validate": read,
        "_fold": out["_write"] - spent["write"][0],
        "_writer": spent["write"][0],
        "_writer cpu": spent["write"][1],
        "_finish cpu": spent["finish"][1],
    }
    if isinstance(writer, Neo4jImportWriter):  # where the offline import's time went
        # The import at the command's end is part of the write.
        out["_write"] += sum(steps.get(k, 0.0) for k in ("stop", "import", "start"))
        fd, log = tempfile.mkstemp(prefix="bench-neo4j-import-", suffix=".log")
        with os.fdopen(fd, "w") as fh:
            fh.write(writer.output)
        stages = [line.strip() for line in writer.output.splitlines() if _STAGE.search(line)]
        print(f"neo4j-admin import (all it said: {log}):", *stages, sep="\n  ", file=sys.stderr)
    return out


# The lines of neo4j-admin import's --verbose output that time its stages.
_STAGE = re.compile(
    r"(?i)(done in|took|completed in|IMPORT DONE|Peak memory|\bin \d+(\.\d+)?m?s\b)"
)


def _timed(writer: object, *methods: str) -> dict[str, list[float]]:
    """Wrap ``methods`` of ``writer`` (those it has) to add up their seconds and CPU seconds
    (this process and its finished children: neo4j-admin)."""
    spent = {name: [0.0, 0.0] for name in methods}

    def wrap(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any) -> Any:
            clock, cpu = time.perf_counter(), time.process_time() + children_cpu()
            try:
                return method(*args)
            finally:
                spent[name][0] += time.perf_counter() - clock
                spent[name][1] += time.process_time() + children_cpu() - cpu

        return timed

    for name in methods:
        method = getattr(writer, name, None)
        if method is not None:
            setattr(writer, name, wrap(name, method))
    return spent


class LinesDropped(ArcadeBulkWriter):
    """The local engine's writer making every import line, then dropping it (no engine)."""

    name = "ArcadeDB batch import, lines dropped (client only)"

    def _client(self) -> Any:
        return contextlib.nullcontext()

    def _sql(self, client: Any, command: str, params: Any = None) -> list[Any]:
        return []

    def _import(self, client: Any, lines: Any, query: str, sent: Any) -> Any:
        count = [0]

        def counted(n: int) -> None:
            count[0] += n
            sent(n)

        stream = bulk_module._Lines(lines)
        while not stream.done:
            first = count[0]
            for _block in stream.take(bulk_module.REQUEST_BYTES, counted):
                pass
            yield {"idMapping": {str(i): f"#1:{i}" for i in range(first, count[0])}}


def run_client(graph: Graph, files: tuple[Path, Path, Path], batch: int) -> dict[str, float]:
    """The bulk command's client side alone (LinesDropped)."""
    writer = LinesDropped(None, graph.database, request_bytes=bulk_module.REQUEST_BYTES)  # type: ignore[arg-type]
    options = LoadOptions(batch_size=batch, force=True, bulk=True)
    clock = time.perf_counter()
    reports = Loader(graph, bulk=writer).load_files([files[1], files[0], files[2]], options)
    assert [r.status for r in reports] == ["completed"] * 3, [r.message for r in reports]
    return {"command": time.perf_counter() - clock}


Runner = Callable[[Graph, tuple[Path, Path, Path], int], dict[str, float]]


def main_bulk(args: argparse.Namespace, settings: Settings, console: Console) -> None:
    console = Console(width=max(console.width, 200))  # one line per size, even in a log
    runners: dict[str, Runner] = {
        "ordinary": run_ordinary,
        "bulk": functools.partial(run_bulk, settings=settings),
        "bare": run_bare,
        "client": run_client,
    }
    runners = {k: v for k, v in runners.items() if k in args.cases}
    table = Table(title=f"first load into an empty database, batch {args.batch_size:,}")
    for col in (
        "rows",
        "ordinary s",
        "bulk s",
        "bare s",
        "bulk rows/s",
        "bulk/ordinary",
        "bulk/bare (target 5)",
        "writes: bulk/bare",
        "CPU s client+engine: ordinary",
        "bulk",
        "bare",
        "peak MiB client / engine",
        "load avg",
    ):
        table.add_column(col, justify="right")
    nan = float("nan")
    totals: dict[int, dict[str, float]] = {}
    with Graph.from_settings(settings) as base:
        engine = engine_label(base, settings)
        console.print(f"engine: {engine}", highlight=False)
        for size in args.sizes:
            n = max(size // 4, 2)
            with tempfile.TemporaryDirectory() as tmp:
                files = make_files(Path(tmp), n, size - n, args.seed)
                loads = [Path("/proc/loadavg").read_text().split()[0]]
                seconds: dict[str, float] = {}
                cpu: dict[str, tuple[float, float]] = {}
                writes: dict[str, float] = {}
                phases: list[str] = []
                peak = 0.0
                for who, run in runners.items():
                    clock, own = time.perf_counter(), time.process_time()
                    kids = children_cpu()
                    server = engine_cpu(settings)
                    threads = engine_threads(settings)
                    with scratch_graph(settings, base, "bench") as graph:
                        times = run(graph, files, args.batch_size)
                        # Before the scratch database is wiped (on Neo4j, a delete of it all).
                        after = engine_cpu(settings)
                        live = engine_threads(settings)
                    seconds[who] = sum(v for k, v in times.items() if not k.startswith("_"))
                    writes[who] = times.get("_write", seconds[who])
                    engine_s = after - server if server is not None and after is not None else nan
                    # Children too: neo4j-admin runs in a process of its own.
                    cpu[who] = (time.process_time() - own + children_cpu() - kids, engine_s)
                    kinds = {k: v - threads[k] for k, v in live.items()}
                    if kinds:
                        # Threads that ended during the run (the import's flush workers).
                        kinds["ended threads"] = engine_s - sum(kinds.values())
                        phases.append(
                            f"{size:,} rows: {who}: engine CPU "
                            + ", ".join(f"{k} {v:.1f} s" for k, v in kinds.items())
                        )
                    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                    console.print(
                        f"{size:,} rows: {who} {seconds[who]:.1f} s "
                        f"({time.perf_counter() - clock:.1f} s with set-up), "
                        f"CPU {cpu[who][0]:.1f} s here ({cpu[who][0] / size * 1e6:.1f} µs a row) "
                        f"+ {engine_s:.1f} s engine, "
                        f"peak {peak:,.0f} MiB; "
                        + ", ".join(f"{k.strip('_')} {v:.1f} s" for k, v in times.items()),
                        highlight=False,
                    )
                loads.append(Path("/proc/loadavg").read_text().split()[0])
                for line in phases:
                    console.print(line, highlight=False)
            t = {who: seconds.get(who, nan) for who in ("ordinary", "bulk", "bare")}
            w = {who: writes.get(who, nan) for who in ("ordinary", "bulk", "bare")}
            totals[size] = t
            c = {who: cpu.get(who, (nan, nan)) for who in ("ordinary", "bulk", "bare")}
            engine_peak = engine_peak_mib(settings)
            table.add_row(
                f"{size:,}",
                f"{t['ordinary']:.1f}",
                f"{t['bulk']:.1f}",
                f"{t['bare']:.1f}",
                f"{size / t['bulk']:,.0f}",
                f"{t['ordinary'] / t['bulk']:.2f}",
                f"{t['bare'] / t['bulk']:.2f}",
                f"{w['bare'] / w['bulk']:.2f}",
                *(f"{c[who][0]:.1f}+{c[who][1]:.1f}" for who in ("ordinary", "bulk", "bare")),
                f"{peak:,.0f} / {engine_peak if engine_peak is not None else nan:,.0f}",
                " -> ".join(loads),
            )
    table.caption = (
        f"engine: {engine}; CPU: this process and its children (neo4j-admin) + the server's "
        "process; engine peak: its resident high-water mark since it started"
    )
    console.print(table)
    sizes = sorted(totals)
    for small, big in itertools.pairwise(sizes):
        growth = ", ".join(
            f"{who} x{totals[big][who] / totals[small][who]:.1f}"
            for who in ("ordinary", "bulk", "bare")
            if who in runners
        )
        console.print(
            f"growth {small:,} -> {big:,} rows (x{big / small:.0f}): {growth}", highlight=False
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--links", type=int, default=60_000)
    parser.add_argument("--batch-size", type=int, default=Settings().batch_size)
    parser.add_argument("--rounds", type=int, default=2, help="best of this many rounds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mapped", action="store_true", help="the mapped shipment case")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the mapped case")
    parser.add_argument("--bulk", action="store_true", help="the bulk first-load case")
    parser.add_argument(
        "--cases",
        nargs="+",
        default=["ordinary", "bulk", "bare"],
        choices=["ordinary", "bulk", "bare", "client"],
        help="which loads the bulk case runs",
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="rows of the bulk case"
    )
    args = parser.parse_args()
    settings = Settings()
    console = Console()
    if args.bulk:
        main_bulk(args, settings, console)
        return
    if args.mapped:
        main_mapped(args, settings, console)
        return
    with tempfile.TemporaryDirectory() as tmp, Graph.from_settings(settings) as base:
        engine = engine_label(base, settings)
        console.print(f"engine: {engine}", highlight=False)
        files = make_files(Path(tmp), args.enterprises, args.links, args.seed)
        best: dict[str, dict[str, float]] = {"supplymap": {}, "bare": {}, "data only": {}}
        runners = {
            "supplymap": run_supplymap,
            "bare": run_bare,
            "data only": functools.partial(run_bare, provenance=False),
        }
        for round_ in range(args.rounds):
            order = list(runners) if round_ % 2 else list(reversed(runners))
            for who in order:
                with scratch_graph(settings, base, "bench") as graph:
                    times = runners[who](graph, files, args.batch_size)
                for k, v in times.items():
                    best[who][k] = min(v, best[who].get(k, float("inf")))
                console.print(f"round {round_ + 1}: {who} {times}", highlight=False)
    table = Table(
        title=f"load: {args.enterprises:,} enterprises, {args.links:,} links, "
        f"batch {args.batch_size:,}, best of {args.rounds}",
        caption=f"engine: {engine}",
    )
    columns = ("rows", "what", "supplymap rows/s", "bare rows/s", "ratio", "data-only rows/s")
    for col in columns:
        table.add_column(col, justify="right")
    total = args.enterprises + args.links
    for what, rows in (("enterprises", args.enterprises), ("supplies", args.links), ("all", total)):
        t = {
            who: times[what] if what != "all" else times["enterprises"] + times["supplies"]
            for who, times in best.items()
        }
        table.add_row(
            f"{rows:,}",
            what,
            f"{rows / t['supplymap']:,.0f}",
            f"{rows / t['bare']:,.0f}",
            f"{t['bare'] / t['supplymap']:.2f}",
            f"{rows / t['data only']:,.0f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
