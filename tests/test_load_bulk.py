"""`supplymap load --bulk`: the same graph as the ordinary path, through the engine's bulk path.

The same files (the shipped sample, a mapping with two outputs of one kind and properties of
its own, a --chain load) are loaded the ordinary way into one database and with --bulk into
another (on Neo4j, which has one database, into the same one after a wipe); both graphs are
read whole and compared as sets of tuples: nodes with labels and properties, relationships
with their ends, types and properties, and the (:Load) records.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import Server, _wipe

from kg.connection import Graph
from kg.engine import ENGINE_USER, LocalEngine
from loaders.bulk import ArcadeBulkWriter, BulkRefused, BulkWriter, CypherBulkWriter
from loaders.pipeline import Loader, LoadOptions, LoadReport, LoadWriteError
from loaders.sample import CANONICAL_FILES, DATA_DIR, MONITORING_FILES

pytestmark = pytest.mark.integration

SAMPLE = [DATA_DIR / n for n in (*CANONICAL_FILES, *MONITORING_FILES)]
MAPPING = """
name: bulk-shipments
source: shipments
outputs:
  - kind: enterprises
    columns: {id: vendor, name: vendor_name}
  - kind: enterprises
    columns: {id: buyer, name: buyer_name, region: buyer_region}
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
# V3 is a vendor and a buyer: its node gets the properties of both outputs.
SHIPMENTS = """kind,vendor,vendor_name,buyer,buyer_name,buyer_region,item,qty,date
order,V1,Vendor one,B1,Buyer one,110000,PP-HOMO,10,2024-01-05
order,V1,Vendor one,B1,Buyer one,110000,PP-HOMO,5,2024-02-05
order,V2,Vendor two,B1,Buyer one,110000,DTBP,7,2024-03-01
note,V2,Vendor two,B2,Buyer two,310000,DTBP,1,2024-03-02
order,V3,Vendor three,B2,Buyer two,310000,PP-HOMO,3,2024-04-01
order,V2,Vendor two,V3,V3 as a buyer,440000,DTBP,2,2024-05-01
"""
# Two capacity outputs per row: PRODUCES keeps the newer snapshot (a blank figure of the newer
# one removes the older figure; an older second snapshot changes nothing), every dated one is
# a CAPACITY_SNAPSHOT.
SNAPSHOTS_MAPPING = """
name: bulk-snapshots
source: snapshots
outputs:
  - kind: capacity
    columns: {enterprise: enterprise, product: product, capacity_per_day: cap1, as_of: date1}
  - kind: capacity
    columns: {enterprise: enterprise, product: product, capacity_per_day: cap2, unit: unit2,
              as_of: date2}
"""
SNAPSHOTS = """enterprise,product,cap1,date1,cap2,unit2,date2
V1,PP-HOMO,100,2023-01-01,120,t,2024-01-01
V2,DTBP,50,2023-06-01,,t,2024-06-01
V3,PP-HOMO,70,2024-03-01,60,kg,2023-03-01
B1,DTBP,10,,20,t,2024-02-01
"""
CHAIN_PRODUCTS = """id,name,category
BULK-1,Bulk test product one,component
BULK-2,Bulk test product two,final
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bulk")
    (folder / "shipments.csv").write_text(SHIPMENTS)
    (folder / "shipments.yaml").write_text(MAPPING)
    (folder / "products_extra.csv").write_text(CHAIN_PRODUCTS)
    (folder / "snapshots.csv").write_text(SNAPSHOTS)
    (folder / "snapshots.yaml").write_text(SNAPSHOTS_MAPPING)
    return {
        "snapshots": folder / "snapshots.csv",
        "snapshots_mapping": folder / "snapshots.yaml",
        "shipments": folder / "shipments.csv",
        "mapping": folder / "shipments.yaml",
        "products": folder / "products_extra.csv",
        "rejects": folder / "rejects.csv",
    }


def load_all(graph: Graph, files: dict[str, Path], writer: BulkWriter | None) -> list[LoadReport]:
    loader = Loader(graph, bulk=writer)
    bulk = writer is not None
    # --chain first: its (:Chain) node is made by the load, and IN_CHAIN is new then.
    reports = loader.load_files(
        [files["products"]],
        LoadOptions(kind="products", chain="bulk-chain", bulk=bulk, rejects=files["rejects"]),
    )
    reports += loader.load_files(SAMPLE, LoadOptions(bulk=bulk, rejects=files["rejects"]))
    reports += loader.load_files(
        [files["shipments"]],
        LoadOptions(mapping=str(files["mapping"]), bulk=bulk, rejects=files["rejects"]),
    )
    reports += loader.load_files(
        [files["snapshots"]],
        LoadOptions(mapping=str(files["snapshots_mapping"]), bulk=bulk, rejects=files["rejects"]),
    )
    assert [(Path(r.file).name, r.status) for r in reports if r.status != "completed"] == []
    return reports


def _value(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_value(v) for v in value)
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, dt.datetime):
        return "<datetime>"  # loaded_at, started_at, ended_at: when, not what
    return value


IGNORED = {"load_id", "pid"}


def _props(props: dict[str, Any], load_ids: dict[str, str]) -> frozenset[tuple[str, Any]]:
    out = {k: _value(v) for k, v in props.items() if k not in IGNORED}
    if "load_id" in props:
        out["load"] = load_ids.get(props["load_id"], "?")  # which load wrote it
    return frozenset(out.items())


def snapshot(graph: Graph) -> Snapshot:
    """Every node, relationship and (:Load) record, without ids and clock times."""
    loads = graph.query("MATCH (l:Load) RETURN l.id AS id, properties(l) AS p")
    # A load is known by what it loaded (its file and options), not by its generated id.
    load_ids = {r["id"]: f"{Path(r['p']['file']).name} {r['p']['options']}" for r in loads}
    load_set = {
        frozenset((k, _value(v)) for k, v in r["p"].items() if k not in IGNORED | {"id"})
        for r in loads
    }
    nodes = {
        (tuple(sorted(r["labels"])), _props(r["p"], load_ids))
        for r in graph.query(
            "MATCH (n) WHERE NOT n:Load RETURN labels(n) AS labels, properties(n) AS p"
        )
    }
    rels = {
        (
            r["type"],
            tuple(sorted(r["a"])),
            r["ak"],
            tuple(sorted(r["b"])),
            r["bk"],
            _props(r["p"], load_ids),
        )
        for r in graph.query(
            "MATCH (a)-[x]->(b) RETURN type(x) AS type, labels(a) AS a, "
            "coalesce(a.id, a.code) AS ak, labels(b) AS b, coalesce(b.id, b.code) AS bk, "
            "properties(x) AS p"
        )
    }
    return nodes, rels, load_set


Snapshot = tuple[set[Any], set[Any], set[Any]]


@dataclass
class Both:
    ordinary: Snapshot
    bulk: Snapshot
    reports: list[LoadReport]  # of the bulk loads
    bulk_graph: Graph


@pytest.fixture(scope="module")
def both(server: Server, graph: Graph, files: dict[str, Path]) -> Iterator[Both]:
    load_all(graph, files, None)
    ordinary = snapshot(graph)
    if server.engine is None:  # Neo4j: one database
        _wipe(graph)
        reports = load_all(graph, files, CypherBulkWriter(graph))
        yield Both(ordinary, snapshot(graph), reports, graph)
        return
    name = f"t_bulk_{uuid.uuid4().hex[:6]}"
    server.engine.create_database(name)
    bulk_graph = Graph.connect(server.uri, server.user, server.password, name)
    try:
        # Small import requests: every load is sent in several, as a big one is.
        writer = ArcadeBulkWriter(server.engine, name, request_bytes=64 << 10)
        reports = load_all(bulk_graph, files, writer)
        yield Both(ordinary, snapshot(bulk_graph), reports, bulk_graph)
    finally:
        bulk_graph.close()
        server.engine.drop_database(name)


def test_bulk_leaves_the_same_nodes(both: Both) -> None:
    assert len(both.ordinary[0]) > 500
    assert both.bulk[0] - both.ordinary[0] == set()
    assert both.ordinary[0] - both.bulk[0] == set()


def test_bulk_leaves_the_same_relationships(both: Both) -> None:
    assert len(both.ordinary[1]) > 1000
    assert both.bulk[1] - both.ordinary[1] == set()
    assert both.ordinary[1] - both.bulk[1] == set()


def test_bulk_leaves_the_same_load_records(both: Both) -> None:
    assert both.bulk[2] == both.ordinary[2]
    assert len(both.bulk[2]) == len(SAMPLE) + 3
    assert all(any(n.startswith("bulk: ") for n in r.notes) for r in both.reports)


def test_a_shared_node_gets_both_outputs_properties(both: Both) -> None:
    v3 = [dict(p) for _, p in both.bulk[0] if dict(p).get("id") == "V3"]
    # The buyer output comes second: its name wins, as its MERGE ... SET runs last.
    assert [(d["name"], d["region"], d["source"]) for d in v3] == [
        ("V3 as a buyer", "440000", "shipments")
    ]


def test_the_newest_snapshot_wins_as_in_the_ordinary_path(both: Both) -> None:
    produces = {
        (a, b): dict(p)
        for kind, _, a, _, b, p in both.bulk[1]
        if kind == "PRODUCES" and dict(p).get("source") == "snapshots"
    }
    got = {
        k: (p.get("capacity_per_day"), p.get("unit"), str(p.get("as_of")))
        for k, p in produces.items()
    }
    assert got == {
        ("V1", "PP-HOMO"): (120.0, "t", "2024-01-01"),
        ("V2", "DTBP"): (None, "t", "2024-06-01"),
        ("V3", "PP-HOMO"): (70.0, None, "2024-03-01"),
        ("B1", "DTBP"): (20.0, "t", "2024-02-01"),
    }
    snapshots = {
        (a, b, dict(p)["as_of"])
        for kind, _, a, _, b, p in both.bulk[1]
        if kind == "CAPACITY_SNAPSHOT" and dict(p).get("source") == "snapshots"
    }
    assert len(snapshots) == 6


def test_bulk_refuses_records_the_graph_holds(both: Both) -> None:
    graph = both.bulk_graph
    before = graph.query("MATCH (l:Load) RETURN count(l) AS c")[0]["c"]
    with pytest.raises(BulkRefused, match=r"already holds .* Enterprise nodes .*without --bulk"):
        Loader(graph).load_files([DATA_DIR / "enterprises.csv"], LoadOptions(bulk=True, force=True))
    with pytest.raises(BulkRefused, match=r"already holds .* SUPPLIES relationships"):
        Loader(graph).load_files([DATA_DIR / "supplies.csv"], LoadOptions(bulk=True, force=True))
    assert graph.query("MATCH (l:Load) RETURN count(l) AS c")[0]["c"] == before


def test_a_failed_bulk_write_says_to_finish_without_bulk(
    server: Server, graph: Graph, tmp_path: Path
) -> None:
    if server.engine is None:
        pytest.skip("needs the local engine's batch import (an engine that refuses it)")
    chains = tmp_path / "chains.csv"
    chains.write_text("id,name\nbulk-failure,A chain the engine never gets\n")
    gone = ArcadeBulkWriter(server.engine, "no_such_database")
    loader = Loader(graph, bulk=gone)
    with pytest.raises(LoadWriteError, match="re-run the same command without --bulk"):
        loader.load_files([chains], LoadOptions(bulk=True, rejects=tmp_path / "rejects.csv"))
    assert loader._bulk_sent == 0  # the engine refused the first request
    rows = graph.query(
        "MATCH (l:Load) WHERE l.status = 'failed' RETURN l.kind AS kind, l.message AS message"
    )
    assert [(r["kind"], "without --bulk" in r["message"]) for r in rows] == [("chains", True)]


def test_ordinary_loads_merge_into_a_bulk_loaded_graph(both: Both) -> None:
    """After a bulk first load, the ordinary path finds every record by its key."""
    graph = both.bulk_graph
    count = "MATCH (n) RETURN count(n) AS c"
    links = "MATCH ()-[r]->() RETURN count(r) AS c"
    before = (graph.query(count)[0]["c"], graph.query(links)[0]["c"])
    report = Loader(graph).load_files([DATA_DIR / "supplies.csv"], LoadOptions(force=True))[0]
    assert report.status == "completed"
    after = (graph.query(count)[0]["c"], graph.query(links)[0]["c"])
    assert after == (before[0] + 1, before[1])  # one more (:Load), no new link


def test_bulk_records_carry_their_load_time_exactly(both: Both) -> None:
    """loaded_at is the (:Load) record's started_at, to the microsecond, and a datetime."""
    graph = both.bulk_graph
    started = {
        r["id"]: _native(r["at"])
        for r in graph.query("MATCH (l:Load) RETURN l.id AS id, l.started_at AS at")
    }
    nodes = graph.query(
        "MATCH (n) WHERE n.load_id IS NOT NULL AND NOT n:Load "
        "RETURN n.load_id AS id, n.loaded_at AS at"
    )
    rels = graph.query(
        "MATCH ()-[x]->() WHERE x.load_id IS NOT NULL RETURN x.load_id AS id, x.loaded_at AS at"
    )
    assert len(nodes) > 500 and len(rels) > 1000
    for row in (*nodes, *rels):
        at = _native(row["at"])
        assert isinstance(at, dt.datetime)
        assert at == started[row["id"]]
    assert any(at.microsecond for at in started.values())


def _native(value: Any) -> Any:
    return value.to_native() if hasattr(value, "to_native") else value


NAMES = ("regions", "chains", "products", "enterprises", "supplies")


def test_a_bulk_load_outlives_a_killed_engine(server: Server, tmp_path: Path) -> None:
    """The import journals its pages (wal=true): the records of a load that reported success
    are there after the engine's process is killed (kill -9) and started again."""
    if server.engine is None:
        pytest.skip("the local engine's batch import; Neo4j's import writes its store offline")
    engine = LocalEngine(tmp_path / "home", database="killed", heap="1g", start_timeout=120)
    status = engine.start()
    assert status.uri is not None and status.pid is not None

    def counts() -> tuple[int, int]:
        with Graph.connect(status.uri, ENGINE_USER, engine.password(), "killed") as graph:
            nodes = graph.query("MATCH (n) RETURN count(n) AS c")[0]["c"]
            rels = graph.query("MATCH ()-[x]->() RETURN count(x) AS c")[0]["c"]
        return nodes, rels

    try:
        with Graph.connect(status.uri, ENGINE_USER, engine.password(), "killed") as graph:
            reports = Loader(graph, bulk=ArcadeBulkWriter(engine, "killed")).load_files(
                [DATA_DIR / f"{name}.csv" for name in NAMES],
                LoadOptions(bulk=True, rejects=tmp_path / "rejects.csv"),
            )
        assert [r.status for r in reports] == ["completed"] * len(NAMES)
        before = counts()
        assert before[0] > 500 and before[1] > 1000
        os.kill(status.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(status.pid, 0)  # started by this process: reaped here
        deadline = time.monotonic() + 30
        while engine.status().pid is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        status = engine.start()
        assert counts() == before
    finally:
        engine.stop()
