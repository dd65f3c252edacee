"""`supplymap cypher`: the analyst's Cypher shell, read-only unless --write, on a real graph."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.cli.cypher import CypherError, parse_param, statements
from kg.connection import Graph

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def products(graph: Graph) -> Graph:
    graph.write(
        "UNWIND $rows AS r MERGE (p:Product {id: r.id}) SET p.name = r.name",
        {"rows": [{"id": "N95", "name": "Respirator"}, {"id": "MB", "name": "Melt-blown"}]},
    )
    return graph


def test_parameters_and_statements_parse() -> None:
    assert parse_param("id => 'N95'") == ("id", "N95")
    assert parse_param('ids: ["a", "b"]') == ("ids", ["a", "b"])
    assert parse_param("n=3") == ("n", 3)
    assert parse_param("name => plain text") == ("name", "plain text")
    with pytest.raises(CypherError, match="NAME => VALUE"):
        parse_param("no value here")
    lines = [":param a => 1", "MATCH (n)", "RETURN n;", "", "RETURN 1;", "RETURN 2"]
    assert list(statements(lines)) == [
        ":param a => 1",
        "MATCH (n)\nRETURN n;",
        "RETURN 1;",
        "RETURN 2",
    ]


def test_one_statement_with_parameters(products: Graph, cli: CliRunner) -> None:
    result = cli.invoke(
        app,
        ["cypher", "-c", "MATCH (p:Product {id: $id}) RETURN p.name AS name", "-p", "id=N95"],
    )
    assert result.exit_code == 0, result.output
    assert "Respirator" in result.stdout
    as_json = cli.invoke(
        app,
        [
            "cypher",
            "-f",
            "json",
            "-c",
            "MATCH (p:Product) WHERE p.id IN $ids RETURN p.id AS id ORDER BY id",
            "-p",
            'ids=["MB", "N95"]',
        ],
    )
    assert json.loads(as_json.stdout) == [{"id": "MB"}, {"id": "N95"}]
    csv_out = cli.invoke(app, ["cypher", "-f", "csv", "-c", "RETURN 1 AS one"])
    assert csv_out.stdout.splitlines() == ["one", "1"]
    bad = cli.invoke(app, ["cypher", "-c", "MATCH (p:Product RETURN p"])
    assert bad.exit_code == 2 and "error:" in bad.stderr


def test_read_only_unless_write(products: Graph, cli: CliRunner) -> None:
    count = "MATCH (n:Scratch) RETURN count(n) AS c"
    refused = cli.invoke(app, ["cypher", "-c", "CREATE (n:Scratch {x: 1}) RETURN n.x AS x"])
    assert refused.exit_code == 2
    assert "read-only" in refused.stderr and "--write" in refused.stderr
    assert products.query(count) == [{"c": 0}]
    done = cli.invoke(
        app, ["cypher", "--write", "-c", "CREATE (n:Scratch {x: $x}) RETURN n.x AS x", "-p", "x=7"]
    )
    assert done.exit_code == 0, done.output
    assert products.query("MATCH (n:Scratch) RETURN n.x AS x") == [{"x": 7}]
    products.write("MATCH (n:Scratch) DETACH DELETE n")


def test_the_shell_reads_statements_commands_and_formats(products: Graph, cli: CliRunner) -> None:
    script = "\n".join(
        [
            ":help",
            ":param id => 'MB'",
            "MATCH (p:Product {id: $id})",
            "RETURN p.name AS name;",
            ":format json",
            "MATCH (p:Product) RETURN p.id AS id ORDER BY id;",
            "MATCH (x:Nothing) RETURN x;",
            ":params",
            ":quit",
            "RETURN 'never run' AS x;",
        ]
    )
    result = cli.invoke(app, ["cypher"], input=script + "\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert ":param NAME => VALUE" in out  # the help
    assert "Melt-blown" in out
    assert '"id": "N95"' in out and "never run" not in out
    assert 'id => "MB"' in out
    failing = cli.invoke(app, ["cypher"], input="RETURN 1 AS ok;\nMATCH (;\n")
    assert failing.exit_code == 2 and '"ok"' not in failing.stdout and "1" in failing.stdout
