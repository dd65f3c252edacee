"""The analysis commands end to end: `supplymap analyze ...`, `disrupt` and `query`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

CANONICAL = Path(__file__).parent / "data" / "canonical"
SM = "91440300MA5D34567E"
SZ = "91320500MA1C23456M"


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sorted(CANONICAL.glob("*.csv")), LoadOptions())
    assert all(r.status == "completed" for r in reports)
    return graph


def run_json(cli: CliRunner, *args: str) -> list[dict[str, object]]:
    result = cli.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    out: list[dict[str, object]] = json.loads(result.stdout)
    return out


def test_analyze_all_writes_the_results(loaded: Graph, cli: CliRunner) -> None:
    steps = run_json(cli, "analyze", "all")
    assert [s["step"] for s in steps] == [
        "read graph",
        "single source",
        "spof",
        "capacity",
        "bottlenecks",
        "key enterprises",
        "write back",
    ]
    rows = loaded.query("MATCH ()-[s:SPOF_FOR]->(:Product {id: 'N95'}) RETURN count(s) AS n")
    assert rows == [{"n": 13}]


def test_single_source(loaded: Graph, cli: CliRunner) -> None:
    rows = run_json(cli, "analyze", "single-source", "--chain", "medical-supplies")
    assert {(r["product"], r["sourcing"]) for r in rows} == {
        ("PP-HMF", "sole"),
        ("SB-FABRIC", "sole"),
        ("NOSE-WIRE", "sole"),
        ("N95", "sole"),
    }
    rows = run_json(
        cli, "analyze", "single-source", "--product", "MB-FABRIC", "--region-level", "country"
    )
    assert [(r["product"], r["regional_single_source"], r["region"]) for r in rows] == [
        ("MB-FABRIC", None, None)  # Shanghai Nonwoven has no region on record
    ]
    rows = run_json(cli, "analyze", "single-source", "--declared")
    assert {(r["customer"], r["product"]) for r in rows if r["single_source"]} == {
        (SZ, "PP-HMF"),
        (SM, "SB-FABRIC"),
        (SM, "NOSE-WIRE"),
    }


def test_spof_bottlenecks_capacity_key_enterprises(loaded: Graph, cli: CliRunner) -> None:
    rows = run_json(cli, "analyze", "spof", "--product", "MB-FABRIC")
    assert {r["node"] for r in rows} == {"PP-HMF", "91330100MA2B123450", "330100", "330000", "CN"}
    rows = run_json(cli, "analyze", "bottlenecks", "--limit", "3")
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["leads"] for r in rows] == [r["rank"] <= 3 for r in rows]
    assert all(r["score"] > 0 for r in rows)
    [row] = run_json(cli, "analyze", "capacity", "--product", "N95")
    assert (row["achievable_per_day"], row["limiting_input"]) == (1_250_000.0, "SB-FABRIC")
    assert [i["inputs"] for i in row["inputs"]] == [["MB-FABRIC"], ["NOSE-WIRE"], ["SB-FABRIC"]]
    rows = run_json(
        cli, "analyze", "key-enterprises", "--chain", "medical-supplies", "--limit", "2"
    )
    assert [r["rank"] for r in rows] == [1, 2, 4]  # the white-listed enterprise stays in
    table = cli.invoke(app, ["analyze", "spof", "--product", "N95"])
    assert table.exit_code == 0 and "single points of failure of N95" in table.stdout


def test_disrupt(loaded: Graph, cli: CliRunner) -> None:
    result = cli.invoke(app, ["disrupt", "--region", "320000", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["products"]
    assert {(r["product"], r["status"], round(r["remaining_share"], 4)) for r in rows} == {
        ("N95", "reduced", 0.6),
        ("MB-FABRIC", "reduced", round(3 / 11, 4)),
    }
    table = cli.invoke(app, ["disrupt", "-e", SM])
    assert table.exit_code == 0
    assert "1 key product(s) lost" in table.stdout


def test_errors_are_one_line_with_exit_code_2(loaded: Graph, cli: CliRunner) -> None:
    for args in (
        ["disrupt", "--enterprise", "nobody"],
        ["disrupt"],
        ["analyze", "spof", "--product", "NOPE"],
        ["analyze", "single-source", "--region-level", "planet"],
        ["analyze", "bottlenecks", "--chain", "no-such-chain"],
        ["query", "producers"],
        ["query", "producers", "-p", "id"],
        ["query", "nope"],
    ):
        result = cli.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "error:" in result.stderr, args


def test_query(loaded: Graph, cli: CliRunner) -> None:
    listed = run_json(cli, "query", "--list")
    assert "producers" in {r["name"] for r in listed}
    rows = run_json(cli, "query", "product_upstream", "-p", "id=N95", "-p", "tiers=1")
    assert {r["id"] for r in rows} == {"MB-FABRIC", "NOSE-WIRE", "SB-FABRIC"}
    shown = cli.invoke(app, ["query", "producers", "--show"])
    assert "MATCH (e:Enterprise)-[m:PRODUCES]->" in shown.stdout
