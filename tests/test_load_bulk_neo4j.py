"""`supplymap load --bulk` on Neo4j through `neo4j-admin database import full`, for real.

.ci/neo4j/run.py writes a `neo4j-admin` (and a `neo4j stop|start`) for its server and names it
in SUPPLYMAP_TEST_NEO4J_ADMIN: the same loads as tests/test_load_bulk.py, imported offline,
leave the graph the ordinary path leaves (record by record, with the value types); a failed
import puts the graph back and says why; without the tool, or from another host, --bulk with
the setting is refused before anything is written. On the local engine the Neo4j parts skip.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from conftest import Server, _wipe
from test_load_bulk import Snapshot, files, load_all, snapshot
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from kg.model import ENTERPRISE, SUPPLIES
from loaders import bulk_neo4j
from loaders.bulk import BulkWriteError, Edge, Folded, Row
from loaders.bulk_neo4j import (
    ImportTool,
    ImportUnavailable,
    Neo4jImportWriter,
    Unsupported,
    write_files,
)
from loaders.pipeline import Loader, LoadOptions, LoadWriteError
from loaders.sample import DATA_DIR

pytestmark = pytest.mark.integration

__all__ = ["files"]  # the fixture, shared with tests/test_load_bulk.py

ADMIN = os.environ.get("SUPPLYMAP_TEST_NEO4J_ADMIN", "")


@pytest.fixture(scope="module")
def tool(server: Server, graph: Graph) -> ImportTool:
    if server.engine is not None:
        pytest.skip("Neo4j only: the local engine has its own bulk path (tests/test_load_bulk.py)")
    if not ADMIN:
        pytest.skip("needs SUPPLYMAP_TEST_NEO4J_ADMIN (.ci/neo4j/run.py sets it)")
    return ImportTool.check(Path(ADMIN), server.uri, graph.database)


def _types(graph: Graph) -> set[tuple[str, str, str]]:
    """(owner, property, Cypher type) of every value: the types must match, not only values."""
    rows = graph.query(
        "MATCH (n) UNWIND keys(n) AS k "
        "RETURN DISTINCT labels(n)[0] AS owner, k AS name, valueType(n[k]) AS type "
        "UNION MATCH ()-[x]->() UNWIND keys(x) AS k "
        "RETURN DISTINCT type(x) AS owner, k AS name, valueType(x[k]) AS type"
    )
    return {(r["owner"], r["name"], r["type"]) for r in rows}


def _offsets(graph: Graph) -> set[Any]:
    """How loaded_at is stored: its zone or offset, as the driver wrote it."""
    rows = graph.query("MATCH (n) WHERE n.loaded_at IS NOT NULL RETURN n.loaded_at AS t LIMIT 50")
    return {(type(r["t"]).__name__, r["t"].tzinfo.utcoffset(None)) for r in rows}


class Both:
    def __init__(self, ordinary: Snapshot, bulk: Snapshot, types: tuple[Any, Any]) -> None:
        self.ordinary, self.bulk, self.types = ordinary, bulk, types


@pytest.fixture(scope="module")
def both(tool: ImportTool, graph: Graph, files: dict[str, Path]) -> Iterator[tuple[Both, Any]]:
    load_all(graph, files, None)
    ordinary, ordinary_types, ordinary_at = snapshot(graph), _types(graph), _offsets(graph)
    _wipe(graph)
    # Loads under 400 records are created online and imported again with the next import.
    writer = Neo4jImportWriter(graph, tool, online_below=400)
    reports = load_all(graph, files, writer)
    bulk = Both(
        ordinary, snapshot(graph), ((ordinary_types, ordinary_at), (_types(graph), _offsets(graph)))
    )
    yield bulk, (reports, writer)


def test_an_imported_graph_is_the_ordinary_one(both: tuple[Both, Any]) -> None:
    b, _ = both
    assert len(b.ordinary[0]) > 500 and len(b.ordinary[1]) > 1000
    assert b.bulk[0] ^ b.ordinary[0] == set()
    assert b.bulk[1] ^ b.ordinary[1] == set()
    assert b.bulk[2] == b.ordinary[2]  # the (:Load) records, kept across every import


def test_values_have_the_ordinary_types(both: tuple[Both, Any]) -> None:
    b, _ = both
    (types, at), (bulk_types, bulk_at) = b.types
    assert ("Enterprise", "loaded_at", "ZONED DATETIME NOT NULL") in types
    assert bulk_types == types
    assert bulk_at == at


def test_the_loads_went_through_the_import(both: tuple[Both, Any], graph: Graph) -> None:
    _, (reports, writer) = both
    notes = [n for r in reports for n in r.notes if n.startswith("bulk: ")]
    offline = [n for n in notes if "neo4j-admin database import (offline)" in n]
    online = [n for n in notes if "online (fewer than 400 records" in n]
    assert len(offline) >= 3 and len(online) >= 3 and len(offline) + len(online) == len(notes)
    assert len(notes) == len(reports) == len(writer.imported)
    # The model's constraints are back: a second Enterprise with a held id is refused.
    names = {r["name"] for r in graph.query("SHOW CONSTRAINTS YIELD name RETURN name")}
    assert "enterprise_id_unique" in names


def test_a_graph_it_did_not_import_is_loaded_online(
    both: tuple[Both, Any], tool: ImportTool, graph: Graph, tmp_path: Path
) -> None:
    # A new command: the graph is not its own.
    other = Neo4jImportWriter(graph, tool, online_below=0)
    chains = tmp_path / "chains.csv"
    chains.write_text("id,name\nonline-chain,A chain created online\n")
    report = Loader(graph, bulk=other).load_files(
        [chains], LoadOptions(bulk=True, rejects=tmp_path / "rejects.csv")
    )[0]
    assert report.status == "completed"
    assert any("online (the database holds records" in n for n in report.notes), report.notes
    assert other.imported == []


def test_a_failed_import_puts_the_graph_back(
    tool: ImportTool, graph: Graph, tmp_path: Path
) -> None:
    _wipe(graph)
    writer = Neo4jImportWriter(graph, tool, online_below=0)
    options = LoadOptions(bulk=True, rejects=tmp_path / "rejects.csv")
    # A line the import tool refuses (a column its header does not have): it stops on it (bad
    # tolerance 0) and leaves the store unusable; the writer rebuilds it: empty, the first time.
    folded = Folded(
        nodes={ENTERPRISE: {"NEW-1": {"id": "NEW-1", "name": "New"}}},
        rels={SUPPLIES: {("NEW-1", "NEW-1"): Edge("NEW-1", "NEW-1", {"volume": 1.0})}},
    )
    graph.write("CREATE (:Load {id: 'L-waits', status: 'running'})")
    writer.write(folded, lambda _label, _n: None)  # waits for the import of finish()
    _spoil(writer)
    assert writer.complete_later("L-waits", {"id": "L-waits", "status": "completed"})
    assert writer.pending and graph.query("MATCH (n) RETURN count(n) AS c")[0]["c"] == 1
    with pytest.raises(BulkWriteError, match=r"import failed: .*NOWHERE.*as it was before"):
        writer.finish()
    # Its (:Load) record says so; nothing else is in the graph.
    load = graph.query("MATCH (l:Load) RETURN l.status AS s, l.message AS m")
    assert [r["s"] for r in load] == ["failed"] and "None of this load" in load[0]["m"]
    graph.write("MATCH (l:Load {id: 'L-waits'}) DELETE l")
    assert graph.query("MATCH (n) RETURN count(n) AS c")[0]["c"] == 0
    report = Loader(graph, bulk=writer).load_files([DATA_DIR / "regions.csv"], options)[0]
    assert report.status == "completed" and len(writer.imported) == 1
    before = snapshot(graph), _types(graph)
    # Then from the files imported before.
    writer.write(folded, lambda _label, _n: None)
    _spoil(writer)
    with pytest.raises(BulkWriteError, match=r"import failed: .*NOWHERE.*as it was before"):
        writer.finish()
    assert (snapshot(graph), _types(graph)) == before
    assert len(writer.imported) == 1
    assert graph.query("MATCH (e:Enterprise {id: 'NEW-1'}) RETURN e") == []
    # And the graph takes the next load as usual.
    report = Loader(graph, bulk=writer).load_files([DATA_DIR / "enterprises.csv"], options)[0]
    assert report.status == "completed", report.message
    assert any("neo4j-admin database import (offline)" in n for n in report.notes)


def _spoil(writer: Neo4jImportWriter) -> None:
    """A line with a column too many, NOWHERE, in the waiting load's relationship file."""
    path = Path(writer.pending[-1].args[-1].rsplit("=", 1)[-1])
    with path.open("a") as out:
        out.write('0,0,1.5,"NOWHERE"\n')


def test_the_tool_must_be_on_the_neo4j_host(tmp_path: Path) -> None:
    admin = tmp_path / "bin" / "neo4j-admin"
    with pytest.raises(ImportUnavailable, match="not an executable file"):
        ImportTool.check(admin, "neo4j://127.0.0.1:7687", "neo4j")
    admin.parent.mkdir()
    for script in (admin, admin.with_name("neo4j")):
        script.write_text("#!/bin/sh\nexit 0\n")
        script.chmod(0o755)
    assert ImportTool.check(admin, "bolt://localhost:7687", "neo4j").control.name == "neo4j"
    with pytest.raises(ImportUnavailable, match=r"must run on the Neo4j host.*Nothing was written"):
        ImportTool.check(admin, "neo4j+s://192.0.2.10:7687", "neo4j")


def test_the_cli_refuses_a_missing_tool_before_writing(
    server: Server, cli: CliRunner, graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if server.engine is not None:
        pytest.skip("Neo4j only: SUPPLYMAP_NEO4J_ADMIN is a Neo4j setting")
    from kg.settings import get_settings

    monkeypatch.setenv("SUPPLYMAP_NEO4J_ADMIN", str(tmp_path / "no-neo4j-admin"))
    get_settings.cache_clear()
    loads = graph.query("MATCH (l:Load) RETURN count(l) AS c")[0]["c"]
    result = cli.invoke(app, ["load", "--bulk", str(DATA_DIR / "regions.csv")])
    assert result.exit_code == 2, result.output
    assert "SUPPLYMAP_NEO4J_ADMIN" in result.output and "not an executable" in result.output
    assert graph.query("MATCH (l:Load) RETURN count(l) AS c")[0]["c"] == loads


def _cells(folder: Path) -> dict[str, list[list[Any]]]:
    """Every import file of ``folder`` parsed back (the import tool reads RFC 4180 CSV), each
    double as its value (the row-wise writer says 1.0, Arrow 1: the same double)."""
    out: dict[str, list[list[Any]]] = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            header, *rows = list(csv.reader(f))
        doubles = [i for i, name in enumerate(header) if name.endswith(":double")]
        parsed: list[list[Any]] = [list(row) for row in rows]
        for row in parsed:
            for i in doubles:
                row[i] = float(row[i]) if row[i] else None
        out[path.name] = [header, *parsed]
    return out


def test_column_wise_files_read_as_the_row_wise_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = dt.datetime(2026, 12, 3, 11, 0, 0, 123456, tzinfo=dt.UTC)
    texts = ['quote " inside', "comma, inside", "line\nbreak", "ünï çødé", " spaced ", "0070"]
    nodes: dict[Any, Row] = {}
    for i, text in enumerate(texts * 50):
        key = f"E-{i}"
        nodes[key] = {
            "id": key,
            "name": text,
            "count": None if i % 7 == 0 else i * 10**12,
            "share": [0.1, 1e20, -2.5e-9, 3.0][i % 4],
            "listed": i % 2 == 0,
            "founded": dt.date(2000 + i % 20, 1 + i % 12, 1 + i % 28),
            "loaded_at": at,
            "aliases": None if i % 3 else [text, "b"],
        }
    edges = {
        (f"E-{i}", f"E-{i + 1}"): Edge(f"E-{i}", f"E-{i + 1}", {"volume": i / 3, "since": None})
        for i in range(len(nodes) - 1)
    }
    mixed: dict[Any, Row] = {"M-1": {"id": "M-1", "code": "7"}, "M-2": {"id": "M-2", "code": 7}}
    folded = Folded(nodes={ENTERPRISE: nodes}, rels={SUPPLIES: edges})
    columns = write_files(folded, tmp_path / "columns")
    monkeypatch.setattr(bulk_neo4j, "_write_columns", lambda *_args: False)
    rows = write_files(folded, tmp_path / "rows")
    assert len(columns.args) == len(rows.args) == 2
    assert _cells(tmp_path / "columns") == _cells(tmp_path / "rows")
    # "line\nbreak": the import must read these files with --multiline-fields.
    assert columns.multiline and rows.multiline
    monkeypatch.undo()
    # A property with two types: split into one file per type, as row-wise.
    split = write_files(Folded(nodes={ENTERPRISE: mixed}, rels={}), tmp_path / "mixed")
    assert len(split.args) == 2 and not split.multiline
    with pytest.raises(Unsupported, match="empty text"):
        write_files(
            Folded(nodes={ENTERPRISE: {"E": {"id": "E", "name": ""}}}, rels={}), tmp_path / "e"
        )
    with pytest.raises(Unsupported, match="64 bits"):
        big = {"E": {"id": "E", "n": 1 << 64}, "F": {"id": "F", "n": 1}}
        write_files(Folded(nodes={ENTERPRISE: big}, rels={}), tmp_path / "b")


def test_one_import_for_the_files_of_a_command(
    tool: ImportTool, graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _wipe(graph)
    writer = Neo4jImportWriter(graph, tool, online_below=0)
    runs: list[int] = []
    run_import = writer._run_import

    def counted(groups: Any) -> str | None:
        runs.append(len(groups))
        return run_import(groups)

    monkeypatch.setattr(writer, "_run_import", counted)
    rejects = tmp_path / "rejects.csv"
    options = LoadOptions(bulk=True, rejects=rejects)
    names = ("regions", "chains", "products", "enterprises", "supplies")
    reports = Loader(graph, bulk=writer).load_files([DATA_DIR / f"{n}.csv" for n in names], options)
    assert [(r.file, r.status) for r in reports if r.status != "completed"] == []
    assert runs == [len(names)] and writer.pending == [] and len(writer.imported) == len(names)
    loads = graph.query("MATCH (l:Load) RETURN l.status AS s, l.rows_written AS n")
    assert sorted(r["s"] for r in loads) == ["completed"] * len(names)
    assert sorted(r["n"] for r in loads) == sorted(r.rows_written for r in reports)
    links = graph.query("MATCH ()-[x:SUPPLIES]->() RETURN count(x) AS c")[0]["c"]
    assert links == sum(r.written.get("SUPPLIES", 0) for r in reports) > 1000
    # A file of the same command making a node an earlier one makes is refused.
    _wipe(graph)
    writer = Neo4jImportWriter(graph, tool, online_below=0)
    twice = tmp_path / "again" / "regions.csv"
    twice.parent.mkdir()
    twice.write_text((DATA_DIR / "regions.csv").read_text())
    with pytest.raises(LoadWriteError, match="an earlier file of this command makes"):
        Loader(graph, bulk=writer).load_files(
            [DATA_DIR / "regions.csv", twice], LoadOptions(bulk=True, force=True, rejects=rejects)
        )
    assert graph.query("MATCH (n:Region) RETURN count(n) AS c")[0]["c"] > 0  # the first went in


def test_a_text_with_a_line_break_is_imported_whole(tool: ImportTool, graph: Graph) -> None:
    """Files without a line break in a field are imported without --multiline-fields (which
    parses on one thread); a file with one is imported with it, and the text comes back."""
    _wipe(graph)
    writer = Neo4jImportWriter(graph, tool, online_below=0)
    texts = {"E-1": "line\nbreak", "E-2": "carriage\r\nreturn", "E-3": "plain"}
    nodes: dict[Any, Row] = {k: {"id": k, "name": v} for k, v in texts.items()}
    writer.write(Folded(nodes={ENTERPRISE: nodes}, rels={}), lambda _what, _n: None)
    writer.finish()
    assert writer.imported[-1].multiline
    rows = graph.query("MATCH (n:Enterprise) RETURN n.id AS id, n.name AS name")
    assert {r["id"]: r["name"] for r in rows} == texts


def _running(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed but not yet reaped, does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_a_hung_import_is_stopped_and_the_graph_put_back(
    tool: ImportTool, graph: Graph, tmp_path: Path
) -> None:
    """neo4j-admin that hangs (here: its first run waits on a child process) is killed, with
    its children, after the writer's time limit; the graph is put back as it was, and the
    error says what happened and what to do."""
    _wipe(graph)
    child, mark = tmp_path / "child.pid", tmp_path / "ran-once"
    hung = tmp_path / "bin" / "neo4j-admin"
    hung.parent.mkdir()
    hung.write_text(
        "#!/bin/sh\n"
        f'if [ ! -e "{mark}" ]; then touch "{mark}"; sleep 600 & echo $! > "{child}"; wait; fi\n'
        f'exec "{tool.admin}" "$@"\n'
    )
    hung.chmod(0o755)
    writer = Neo4jImportWriter(
        graph,
        ImportTool(hung, tool.control, tool.database),
        online_below=0,
        import_seconds_per_mb=1.0,
        import_min_seconds=60.0,  # the import that puts the graph back runs in that time too
    )
    folded = Folded(nodes={ENTERPRISE: {"NEW-1": {"id": "NEW-1", "name": "New"}}})
    graph.write("CREATE (:Load {id: 'L-hangs', status: 'running'})")
    writer.write(folded, lambda _label, _n: None)
    assert writer.complete_later("L-hangs", {"id": "L-hangs", "status": "completed"})
    with pytest.raises(BulkWriteError) as caught:
        writer.finish()
    said = str(caught.value)
    assert "did not finish within 60 s" in said and "it was stopped (killed" in said, said
    assert "SUPPLYMAP_NEO4J_IMPORT_SECONDS_PER_MB" in said
    assert said.endswith("the database is as it was before this load"), said
    assert not _running(int(child.read_text()))  # the tool's own child went with it
    load = graph.query("MATCH (l:Load) RETURN l.status AS s, l.message AS m")
    assert [r["s"] for r in load] == ["failed"] and "did not finish within" in load[0]["m"]
    assert graph.query("MATCH (n) WHERE NOT n:Load RETURN count(n) AS c")[0]["c"] == 0
    graph.write("MATCH (l:Load {id: 'L-hangs'}) DELETE l")


def test_node_ids_number_the_files_and_find_the_ends(tmp_path: Path) -> None:
    """The import's node ids (--id-type=actual): one per node across the files of a command,
    each link's ends found by key; an end no file makes, or a key twice, is Unsupported (the
    load goes online) and leaves the ids as they were."""
    ids = bulk_neo4j.NodeIds()
    nodes = {f"E-{i}": {"id": f"E-{i}", "name": f"n{i}"} for i in range(3)}
    first = write_files(Folded(nodes={ENTERPRISE: nodes}, rels={}), tmp_path / "a", ids)
    edges = {("E-2", "E-0"): Edge("E-2", "E-0", {"volume": 2.0})}
    more = {"E-3": {"id": "E-3", "name": "n3"}}
    second = write_files(
        Folded(nodes={ENTERPRISE: more}, rels={SUPPLIES: edges}), tmp_path / "b", ids
    )
    assert (first.nodes, second.nodes, second.rels) == (3, 1, 1)
    cells = _cells(tmp_path / "a") | _cells(tmp_path / "b")
    assert cells["nodes-Enterprise-0.csv"][0][:2] == [":ID", "id:string"]
    assert [row[:2] for row in _cells(tmp_path / "b")["nodes-Enterprise-0.csv"][1:]] == [
        ["3", "E-3"]
    ]
    assert cells["rels-SUPPLIES-0.csv"][1][:2] == ["2", "0"]
    mark = ids.mark()
    lost = {("E-3", "E-9"): Edge("E-3", "E-9", {"volume": 1.0})}
    with pytest.raises(Unsupported, match="'E-9', which no file of it makes"):
        write_files(
            Folded(nodes={ENTERPRISE: {"E-5": {"id": "E-5"}}}, rels={SUPPLIES: lost}),
            tmp_path / "c",
            ids,
        )
    assert ids.mark() == mark and ids.find("Enterprise", pa.array(["E-5"])).null_count == 1
    with pytest.raises(Unsupported, match="key twice"):
        write_files(
            Folded(nodes={ENTERPRISE: {"E-1": {"id": "E-1"}}}, rels={}), tmp_path / "d", ids
        )
    assert ids.mark() == mark
