"""One graph everywhere: the global --database option and SUPPLYMAP_DATABASE reach every command.

The module's graph holds two chains; the CLI is pointed at another (empty) database by its
environment, and --database (before or after the command) or SUPPLYMAP_DATABASE must bring
every command back to the module's graph. Runs against the local engine (Neo4j Community has
one user database, so the tests that need a second database skip there).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Server
from typer.testing import CliRunner

from kg.cli import app, take_database
from kg.connection import Graph
from kg.settings import database_override, get_settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chains(graph: Graph) -> Graph:
    graph.write(
        "UNWIND $rows AS r MERGE (c:Chain {id: r.id}) SET c.name = r.name",
        {"rows": [{"id": "alpha", "name": "Alpha"}, {"id": "beta", "name": "Beta"}]},
    )
    graph.write(
        "MERGE (p:Product {id: 'P1'}) SET p.name = 'one' WITH p "
        "MATCH (c:Chain {id: 'alpha'}) MERGE (p)-[:IN_CHAIN {stage: 'upstream'}]->(c)"
    )
    return graph


@pytest.fixture
def elsewhere(
    server: Server, chains: Graph, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Point the CLI's environment at another, empty database; yield the module's database."""
    if server.engine is None:
        pytest.skip("needs a second database (the local engine); Neo4j Community has one")
    other = f"t_other_{uuid.uuid4().hex[:6]}"
    server.engine.create_database(other)
    monkeypatch.setenv("SUPPLYMAP_ENGINE_DATABASE", other)
    get_settings.cache_clear()
    try:
        yield chains.database
    finally:
        server.engine.drop_database(other)


def _chain_ids(result_stdout: str) -> set[str]:
    return {row["id"] for row in json.loads(result_stdout)}


def test_take_database_finds_the_option_anywhere() -> None:
    assert take_database(["--database", "x", "chains"]) == ("x", ["chains"])
    args = ["chains", "-f", "json", "--database=y"]
    assert take_database(args) == ("y", ["chains", "-f", "json"])
    assert take_database(["query", "--", "--database", "z"]) == (
        None,
        ["query", "--", "--database", "z"],
    )
    # The last one wins; a bare --database is left for the parser to reject.
    assert take_database(["--database", "a", "db", "status", "--database", "b"]) == (
        "b",
        ["db", "status"],
    )
    assert take_database(["chains", "--database"]) == (None, ["chains", "--database"])


def test_database_before_or_after_the_command(elsewhere: str, cli: CliRunner) -> None:
    empty = cli.invoke(app, ["chains", "-f", "json"])
    assert empty.exit_code == 0, empty.output
    assert json.loads(empty.stdout) == []
    for args in (
        ["--database", elsewhere, "chains", "-f", "json"],
        ["chains", "-f", "json", "--database", elsewhere],
        [f"--database={elsewhere}", "query", "chains", "-f", "json"],
    ):
        result = cli.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert _chain_ids(result.stdout) == {"alpha", "beta"}, args
    # Each run starts from the environment again: the option does not stick.
    again = cli.invoke(app, ["chains", "-f", "json"])
    assert json.loads(again.stdout) == [] and database_override() is None


def test_supplymap_database_variable(
    elsewhere: str, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPLYMAP_DATABASE", elsewhere)
    get_settings.cache_clear()
    result = cli.invoke(app, ["chains", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert _chain_ids(result.stdout) == {"alpha", "beta"}
    table = cli.invoke(app, ["chains"])
    assert "Alpha" in table.stdout and "chains (2)" in table.stdout


def test_an_empty_result_says_so(elsewhere: str, cli: CliRunner) -> None:
    result = cli.invoke(app, ["chains"])
    assert result.exit_code == 0
    assert result.stdout == "" and "no chains in this database" in result.stderr
    result = cli.invoke(app, ["query", "producers", "-p", "id=NOPE", "--database", elsewhere])
    assert result.exit_code == 0
    assert "producers: no rows for these parameters" in result.stderr


def test_db_status_lists_databases_with_counts(elsewhere: str, cli: CliRunner) -> None:
    result = cli.invoke(app, ["--database", elsewhere, "db", "status", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["database"] == elsewhere
    listed = {d["name"]: (d["nodes"], d["links"], d["current"]) for d in info["databases"]}
    assert listed[elsewhere] == (3, 1, True)  # two chains and a product; one IN_CHAIN
    assert sum(1 for v in listed.values() if v[2]) == 1
    table = cli.invoke(app, ["db", "status", "--database", elsewhere])
    assert elsewhere in table.stdout and "in use" in table.stdout


def test_db_status_of_a_database_that_does_not_exist_yet(elsewhere: str, cli: CliRunner) -> None:
    missing = f"t_missing_{uuid.uuid4().hex[:6]}"
    result = cli.invoke(app, ["--database", missing, "db", "status", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    names = {d["name"] for d in info["databases"]}
    assert elsewhere in names and missing not in names
    assert not any(d["current"] for d in info["databases"])
    table = cli.invoke(app, ["db", "status", "--database", missing])
    assert table.exit_code == 0, table.output
    assert f"database '{missing}' does not exist yet" in " ".join(table.stdout.split())


def test_the_demo_refuses_to_wipe_a_database_with_data(
    elsewhere: str, cli: CliRunner, chains: Graph, tmp_path: Path
) -> None:
    result = cli.invoke(app, ["--database", elsewhere, "demo", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert f"database {elsewhere!r} already holds 3 nodes" in result.stderr
    assert "--reset" in result.stderr
    assert {r["id"] for r in chains.query("MATCH (c:Chain) RETURN c.id AS id")} == {"alpha", "beta"}


@pytest.mark.parametrize(
    "args",
    [
        ["chains"],
        ["query", "chains"],
        ["suppliers", "P1"],
        ["analyze", "spof"],
        ["map", "chain", "alpha", "-o", "-"],
    ],
    ids=lambda a: a[0],
)
def test_an_unknown_database_is_refused_not_created(
    server: Server, chains: Graph, cli: CliRunner, args: list[str]
) -> None:
    """A typo in --database must not read as an empty graph: the read-only commands refuse
    a database the server does not have, say which ones it has, and create nothing."""
    missing = f"t_typo_{uuid.uuid4().hex[:6]}"
    result = cli.invoke(app, ["--database", missing, *args])
    assert result.exit_code == 2, result.output
    said = " ".join(result.stderr.split())
    assert f"no database {missing!r}" in said, said
    assert result.stdout == ""
    if server.engine is not None:
        assert "its databases: " in said and repr(chains.database) in said, said
        assert f"supplymap --database {missing} load" in said
        assert not server.engine.database_exists(missing)


def test_a_load_may_create_a_database_and_says_so(
    server: Server, chains: Graph, cli: CliRunner
) -> None:
    if server.engine is None:
        pytest.skip("creates a database: the local engine (Neo4j Community has one)")
    new = f"t_new_{uuid.uuid4().hex[:6]}"
    regions = Path(__file__).parent / "data" / "canonical" / "regions.csv"
    try:
        result = cli.invoke(app, ["--database", new, "load", str(regions)])
        assert result.exit_code == 0, result.output
        assert f"created database {new!r} on the local engine" in result.stderr
        assert "completed" in result.stdout
        again = cli.invoke(app, ["--database", new, "load", str(regions), "--force"])
        assert again.exit_code == 0 and "created database" not in again.stderr
        # and now the read-only commands find it
        listed = cli.invoke(app, ["--database", new, "chains", "-f", "json"])
        assert listed.exit_code == 0, listed.output
    finally:
        server.engine.drop_database(new)
