"""Bad input: every rejected row is reported with file, line, column, value and reason, and
`--on-error abort` leaves the graph exactly as it was."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from conftest import Server
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from loaders.errors import LoadInputError
from loaders.pipeline import Loader, LoadOptions, LoadReport

pytestmark = pytest.mark.integration

CANONICAL = Path(__file__).parent / "data" / "canonical"
DATA = Path(__file__).parent / "data"


def fingerprint(graph: Graph) -> tuple[int, int, list[tuple[str, str]]]:
    nodes = graph.query("MATCH (n) WHERE NOT n:Load RETURN count(n) AS c")[0]["c"]
    rels = graph.query("MATCH ()-[r]->() RETURN count(r) AS c")[0]["c"]
    names = graph.query("MATCH (e:Enterprise) RETURN e.id AS id, e.name AS name ORDER BY id")
    return nodes, rels, [(r["id"], r["name"]) for r in names]


@pytest.fixture(scope="module")
def base(graph: Graph) -> Graph:
    files = [
        CANONICAL / f for f in ("regions.csv", "chains.csv", "enterprises.csv", "products.csv")
    ]
    reports = Loader(graph).load_files(files, LoadOptions())
    assert all(r.status == "completed" for r in reports)
    return graph


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def load_one(graph: Graph, path: Path, tmp_path: Path, **options: object) -> LoadReport:
    opts = LoadOptions(rejects=tmp_path / "rejects.csv", **options)  # type: ignore[arg-type]
    return Loader(graph).load_files([path], opts)[0]


def rejects_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


ENTERPRISE_HEADER = "id,name,region,lat,lon,scale\n"


def test_abort_rejects_the_whole_file_and_changes_nothing(base: Graph, tmp_path: Path) -> None:
    before = fingerprint(base)
    path = write(
        tmp_path / "enterprises.csv",
        ENTERPRISE_HEADER
        + "E-NEW-1,New One,330100,30.1,120.1,large\n"
        + "91330100MA2B123459,Bad Check,330100,30.1,120.1,large\n"  # wrong check character
        + "E-NEW-2,,330100,30.1,120.1,large\n"  # name missing
        + "E-NEW-3,Nowhere Ltd,999999,north,120.1,huge\n"  # unknown region, lat, scale
        + "91330100MA2B123450,Renamed Polymer,330100,30.1,120.1,large\n",  # valid, existing
    )
    report = load_one(base, path, tmp_path)
    assert report.status == "rejected"
    assert fingerprint(base) == before
    rows = {(r["line"], r["column"], r["value"]) for r in rejects_csv(tmp_path / "rejects.csv")}
    assert rows == {
        ("3", "id", "91330100MA2B123459"),
        ("4", "name", ""),
        ("5", "lat", "north"),
        ("5", "scale", "huge"),
        ("5", "region", "999999"),
    }
    reasons = {r["column"]: r["reason"] for r in rejects_csv(tmp_path / "rejects.csv")}
    assert "GB 32100" in reasons["id"] and "should be '0'" in reasons["id"]
    assert reasons["name"] == "name is required and is empty"
    assert reasons["lat"].startswith("not a number")
    assert "large, medium, small, micro" in reasons["scale"]
    assert "unknown region '999999'" in reasons["region"]
    assert all(r["file"] == "enterprises.csv" for r in rejects_csv(tmp_path / "rejects.csv"))
    assert report.rows_read == 5 and report.rows_rejected == 3


def test_skip_loads_the_good_rows(base: Graph, tmp_path: Path) -> None:
    path = write(
        tmp_path / "enterprises_more.csv",
        ENTERPRISE_HEADER
        + "E-SKIP-1,Skip One,330100,30.1,120.1,large\n"
        + "E-SKIP-2,Skip Two,330100,95,120.1,large\n",  # lat out of range
    )
    report = load_one(base, path, tmp_path, on_error="skip")
    assert report.status == "completed"
    assert report.rows_rejected == 1
    ids = {
        r["id"]
        for r in base.query(
            "MATCH (e:Enterprise) WHERE e.id STARTS WITH 'E-SKIP' RETURN e.id AS id"
        )
    }
    assert ids == {"E-SKIP-1"}
    (reject,) = rejects_csv(tmp_path / "rejects.csv")
    assert (reject["line"], reject["column"], reject["reason"]) == (
        "3",
        "lat",
        "lat must be at most 90",
    )


def test_duplicate_keys_are_rejected_after_the_first(base: Graph, tmp_path: Path) -> None:
    path = write(
        tmp_path / "products.csv",
        "id,name,category\nDUP-1,First,component\nDUP-2,Second,component\nDUP-1,Again,component\n",
    )
    report = load_one(base, path, tmp_path, on_error="skip")
    assert report.status == "completed"
    (reject,) = report.rejects
    assert (reject.line, reject.column, reject.value) == (4, "id", "DUP-1")
    assert "repeats the key of line 2" in reject.reason
    name = base.query("MATCH (p:Product {id: 'DUP-1'}) RETURN p.name AS n")[0]["n"]
    assert name == "First"


def test_unknown_references_are_named(base: Graph, tmp_path: Path) -> None:
    before = fingerprint(base)
    path = write(
        tmp_path / "supplies.csv",
        "supplier,customer,product,share\n"
        "91330100MA2B123450,91320500MA1C23456M,PP-HMF,0.5\n"
        "NO-SUCH-CO,91320500MA1C23456M,PP-HMF,0.5\n"
        "91330100MA2B123450,91320500MA1C23456M,NO-SUCH-PRODUCT,1.5\n",
    )
    report = load_one(base, path, tmp_path)
    assert report.status == "rejected" and fingerprint(base) == before
    got = {(r.line, r.column, r.value) for r in report.rejects}
    assert got == {
        (3, "supplier", "NO-SUCH-CO"),
        (4, "product", "NO-SUCH-PRODUCT"),
        (4, "share", "1.5"),
    }
    assert any("load it first" in r.reason for r in report.rejects)


def test_inventory_snapshots_are_checked(base: Graph, tmp_path: Path) -> None:
    path = write(
        tmp_path / "inventory.csv",
        "holder,product,stock,daily_use,as_of\n"
        "91440300MA5D34567E,PP-HMF,-5,2,2022-12-01\n"
        "91440300MA5D34567E,PP-HMF,5,0,2022-12-02\n"
        "NOBODY,PP-HMF,5,1,2022-12-03\n"
        "91440300MA5D34567E,PP-HMF,5,1,2999-01-01\n"
        "91440300MA5D34567E,PP-HMF,5,1,2022-13-01\n",
    )
    report = load_one(base, path, tmp_path)
    assert report.status == "rejected"
    got = {(r.line, r.column): r.reason for r in report.rejects}
    assert got[(2, "stock")] == "stock must be at least 0"
    assert got[(3, "daily_use")] == "daily_use must be above 0"
    assert got[(4, "holder")].startswith("unknown enterprise 'NOBODY'")
    assert "in the future" in got[(5, "as_of")]
    assert got[(6, "as_of")].startswith("not a date")
    assert base.query("MATCH ()-[h:HOLDS]->() RETURN count(h) AS c")[0]["c"] == 0


def test_missing_required_column_rejects_the_file(base: Graph, tmp_path: Path) -> None:
    path = write(tmp_path / "bom.csv", "input,qty_per_unit\nPP-HMF,1\n")
    report = load_one(base, path, tmp_path)
    assert report.status == "rejected"
    (reject,) = report.rejects
    assert reject.column == "output" and "required column 'output' is missing" in reject.reason
    assert "input, qty_per_unit" in reject.reason


def test_rows_of_the_wrong_width_are_rejected(base: Graph, tmp_path: Path) -> None:
    path = write(tmp_path / "chains.csv", "id,name\nc-1,One\nc-2,Two,extra\n")
    report = load_one(base, path, tmp_path, on_error="skip")
    assert [(r.line, r.reason) for r in report.rejects] == [
        (3, "the row has 3 fields but the header has 2")
    ]
    assert base.query("MATCH (c:Chain {id: 'c-1'}) RETURN c.name AS n")[0]["n"] == "One"


def test_gb18030_file_loads_with_a_note(base: Graph, tmp_path: Path) -> None:
    path = write(tmp_path / "chains.csv", "id,name\ncn-masks,口罩产业链\n", encoding="gb18030")
    report = load_one(base, path, tmp_path)
    assert report.status == "completed"
    assert any("gb18030" in note for note in report.notes)
    assert base.query("MATCH (c:Chain {id: 'cn-masks'}) RETURN c.name AS n")[0]["n"] == "口罩产业链"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("enterprises.csv", b"", "the file is empty"),
        ("enterprises.csv", b"id,name\n", "has a header but no data rows"),
        ("enterprises.csv", b"\x00\x01\x02\xff\xfe\x00garbage", "not text"),
        ("mystery.csv", b"a,b\n1,2\n", "cannot tell what kind of data"),
        ("enterprises.dat", b"a,b\n1,2\n", "cannot tell the file format"),
    ],
)
def test_unreadable_input_is_one_clear_sentence(
    base: Graph, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadInputError, match=message):
        Loader(base).load_files([path], LoadOptions())


def test_cli_exit_codes_and_messages(base: Graph, cli: CliRunner, tmp_path: Path) -> None:
    missing = cli.invoke(app, ["load", str(tmp_path / "nope.csv"), "--kind", "chains"])
    assert missing.exit_code == 2
    assert "nope.csv: no such file" in missing.output
    unknown = cli.invoke(app, ["load", str(CANONICAL / "chains.csv"), "--kind", "widgets"])
    assert unknown.exit_code == 2 and "unknown kind 'widgets'" in unknown.output
    mapping = cli.invoke(app, ["load", str(CANONICAL / "chains.csv"), "--mapping", "nosuch"])
    assert mapping.exit_code == 2 and "no mapping named 'nosuch'" in mapping.output
    bad = write(tmp_path / "regions.csv", "code,name,level\nX1,Somewhere,planet\n")
    rejects = tmp_path / "out" / "rejects.csv"
    result = cli.invoke(app, ["load", str(bad), "--rejects", str(rejects)])
    assert result.exit_code == 1
    assert "rejected" in result.output and "level" in result.output
    assert rejects_csv(rejects)[0]["value"] == "planet"


def test_willems_rejection_cascades_within_the_file(base: Graph, tmp_path: Path) -> None:
    source = (DATA / "willems_01.csv").read_text().splitlines()
    # Corrupt Part_0002's lead time: the stage is rejected, and so is every arc touching it.
    corrupted = [
        line.replace("Part_0002,15,", "Part_0002,fifteen,", 1)
        if line.startswith("Part_0002")
        else line
        for line in source
    ]
    path = write(tmp_path / "willems_01.csv", "\n".join(corrupted) + "\n")
    report = load_one(base, path, tmp_path, mapping="willems", on_error="skip")
    assert report.status == "completed"
    by_column = {(r.column, r.value) for r in report.rejects}
    assert ("lead_time_days", "fifteen") in by_column
    assert ("input", "willems_01:Part_0002") in by_column
    cascaded = [r for r in report.rejects if r.column == "input"]
    assert all("was rejected" in r.reason for r in cascaded)
    arcs = base.query(
        "MATCH (a:Product)-[:INPUT_TO]->(b:Product)-[:IN_CHAIN]->(:Chain {id: 'willems_01'}) "
        "RETURN a.id AS a"
    )
    assert "willems_01:Part_0002" not in {r["a"] for r in arcs} and arcs


def test_shared_data_is_never_needed(tmp_path: Path) -> None:
    # The fixtures the tests use live in tests/data with their citation.
    assert (DATA / "README.md").read_text().count("Willems") >= 1
    shutil.copy(DATA / "willems_01.csv", tmp_path / "w.csv")
    assert (tmp_path / "w.csv").stat().st_size > 0


def test_a_write_that_fails_part_way_says_how_far_it_got(server: Server, tmp_path: Path) -> None:
    """The database disappears after the first batch: the load reports it, never hides it."""
    if server.engine is None:
        pytest.skip(
            "Neo4j Community has a single user database, which cannot be dropped under a load; "
            "test_a_write_refused_part_way_says_how_far_it_got covers Neo4j"
        )
    from loaders.pipeline import LoadWriteError

    name = "t_fails_midway"
    server.engine.create_database(name)
    graph = Graph.connect(server.uri, server.user, server.password, name)

    class DropAfterFirstBatch:
        def start(self, description: str, total: int) -> None:
            pass

        def advance(self, n: int) -> None:
            server.engine.drop_database(name)

        def stop(self) -> None:
            pass

    path = tmp_path / "chains.csv"
    path.write_text("id,name\n" + "".join(f"c-{i},Chain {i}\n" for i in range(3000)))
    loader = Loader(graph, DropAfterFirstBatch())
    try:
        with pytest.raises(LoadWriteError, match=r"failed after 1000 of 3000 rows.*re-run"):
            loader.load_files([path], LoadOptions(batch_size=1000))
    finally:
        graph.close()


def test_a_write_refused_part_way_says_how_far_it_got(graph: Graph, tmp_path: Path) -> None:
    """A constraint made after the first batch refuses the second: on every engine the load
    says how far it got, and what the first batch wrote stays."""
    from loaders.pipeline import LoadWriteError

    class ConstrainAfterFirstBatch:
        def start(self, description: str, total: int) -> None:
            pass

        def advance(self, n: int) -> None:
            graph.run_schema(
                [
                    "CREATE CONSTRAINT t_chain_name_unique IF NOT EXISTS "
                    "FOR (c:Chain) REQUIRE c.name IS UNIQUE"
                ]
            )

        def stop(self) -> None:
            pass

    path = tmp_path / "chains.csv"
    # names repeat from row 1000 on: the second batch breaks the new constraint
    path.write_text("id,name\n" + "".join(f"w-{i},Twice {i % 1000}\n" for i in range(3000)))
    try:
        with pytest.raises(LoadWriteError, match=r"failed after 1000 of 3000 rows.*re-run"):
            Loader(graph, ConstrainAfterFirstBatch()).load_files(
                [path], LoadOptions(batch_size=1000)
            )
    finally:
        graph.run_schema(["DROP CONSTRAINT t_chain_name_unique IF EXISTS"])
    rows = graph.query("MATCH (c:Chain) WHERE c.id STARTS WITH 'w-' RETURN count(c) AS n")
    assert rows == [{"n": 1000}]
    (load,) = graph.query(
        "MATCH (l:Load) WHERE l.status = 'failed' AND l.rows_written = 1000 "
        "RETURN l.rows_written AS written"
    )
    assert load == {"written": 1000}
