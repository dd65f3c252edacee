"""`supplymap demo` end to end: it finds what the sample generator planted, and nothing false.

The demo runs through the command line into a database of its own; the assertions read the
results it wrote back into the graph (as a Cypher user would), its report and its maps, and
compare them with loaders/sample/data/planted.json.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Server
from typer.testing import CliRunner

from kg.cli import app
from kg.cli.output import console
from kg.connection import Graph
from kg.settings import get_settings
from loaders.sample import DATA_DIR, MANIFEST

pytestmark = pytest.mark.integration

PLANTED = json.loads((DATA_DIR / MANIFEST).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo(
    server: Server, graph: Graph, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Graph, Path, str]]:
    """Run the demo once for the module; yield its graph, output folder and console output."""
    out = tmp_path_factory.mktemp("demo-out")
    database = f"t_demo_{uuid.uuid4().hex[:6]}" if server.engine else graph.database
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYMAP_")}
    if server.engine is None:
        env |= {
            "SUPPLYMAP_NEO4J_URI": server.uri,
            "SUPPLYMAP_NEO4J_USER": server.user,
            "SUPPLYMAP_NEO4J_PASSWORD": server.password,
            "SUPPLYMAP_NEO4J_DATABASE": graph.database,
        }
    else:
        env |= {"SUPPLYMAP_HOME": str(server.engine.home)}

    get_settings.cache_clear()
    width = console.width
    console.width = 200  # wide enough that the headline tables do not wrap names
    try:
        result = CliRunner(env=env).invoke(
            app, ["demo", "--out", str(out), "--database", database], env=env
        )
    finally:
        console.width = width
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    demo_graph = Graph.connect(server.uri, server.user, server.password, database)
    try:
        yield demo_graph, out, result.output
    finally:
        demo_graph.close()
        if server.engine is not None:
            server.engine.drop_database(database)


def test_every_planted_sole_source_is_found(demo: tuple[Graph, Path, str]) -> None:
    graph, _, _ = demo
    found = {
        r["id"]
        for r in graph.query("MATCH (p:Product) WHERE p.sourcing = 'sole' RETURN p.id AS id")
    }
    assert found == {s["product"] for s in PLANTED["sole_sources"]}


def test_every_planted_spof_and_no_other(demo: tuple[Graph, Path, str]) -> None:
    graph, _, _ = demo
    rows = graph.query(
        "MATCH (x)-[s:SPOF_FOR]->(p:Product) WHERE x:Enterprise OR x:Region "
        "RETURN p.id AS product, CASE WHEN x:Enterprise THEN 'Enterprise' ELSE 'Region' END "
        "AS kind, coalesce(x.id, x.code) AS node"
    )
    found = {(r["product"], r["kind"], r["node"]) for r in rows}
    planted = {(s["product"], s["kind"], s["id"]) for s in PLANTED["spofs"]}
    assert found == planted


def test_no_spof_runs_through_a_multi_sourced_input(demo: tuple[Graph, Path, str]) -> None:
    graph, _, _ = demo
    paths = graph.query(
        "MATCH (x)-[s:SPOF_FOR]->(:Product) WHERE x:Enterprise OR x:Region RETURN s.path AS path"
    )
    multi = {m["product"] for m in PLANTED["multi_sourced"]}
    assert paths and all(not (set(r["path"]) & multi) for r in paths)
    producers = {p for m in PLANTED["multi_sourced"] for p in m["producers"]}
    flagged = {
        r["id"] for r in graph.query("MATCH (e:Enterprise) WHERE e.is_spof RETURN e.id AS id")
    }
    assert not flagged & producers


def test_the_melt_blown_bottleneck_and_its_warnings(demo: tuple[Graph, Path, str]) -> None:
    graph, _, output = demo
    limited = {
        (r["id"], r["by"])
        for r in graph.query(
            "MATCH (p:Product) WHERE p.limiting_input IS NOT NULL "
            "RETURN p.id AS id, p.limiting_input AS by"
        )
    }
    assert limited == {("N95", "MB-FABRIC"), ("SURG-MASK", "MB-FABRIC")}
    level = graph.query("MATCH (p:Product {id: 'MB-FABRIC'}) RETURN p.warning_level AS w")
    assert level == [{"w": PLANTED["warnings"]["national"][0]["level"]}]
    assert "Melt-blown nonwoven" in output and "limited by" in output.lower()


def test_holder_warnings_match_the_plant(demo: tuple[Graph, Path, str]) -> None:
    graph, _, _ = demo
    rows = graph.query(
        "MATCH (e:Enterprise)-[h:HOLDS]->(p:Product) WHERE h.warning_level IS NOT NULL "
        "AND (h.warning_reason STARTS WITH 'parts red' OR h.warning_reason STARTS WITH 'raw "
        "material') RETURN e.id AS holder, p.id AS product, h.warning_level AS level"
    )
    found = {(r["holder"], r["product"], r["level"]) for r in rows}
    planted = {(w["holder"], w["product"], w["level"]) for w in PLANTED["warnings"]["holder"]}
    assert planted <= found


def test_report_and_maps_are_written(demo: tuple[Graph, Path, str]) -> None:
    _, out, output = demo
    report = (out / "report.md").read_text(encoding="utf-8")
    for heading in (
        "Sole sources",
        "Hidden single points of failure",
        "Bottlenecks",
        "Capacity limits",
        "Early warnings",
        "Stockpiles under target",
        "Allocation",
        "Disruption (medical-supplies)",
        "Key enterprises by chain",
    ):
        assert f"## {heading}" in report
    assert "Shaoxing Amberleaf Peroxide Chemicals" in report
    maps = sorted(p.name for p in (out / "maps").glob("*.html"))
    assert {
        "chain-medical-supplies.html",
        "chain-automobiles.html",
        "chain-integrated-circuits.html",
        "disruption-medical-supplies.html",
    } <= set(maps)
    for name in maps:
        html = (out / "maps" / name).read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), name
        assert "MB-FABRIC" in html or "medical" not in name
    assert "report:" in output and "total" in output


def test_headlines_name_the_planted_findings(demo: tuple[Graph, Path, str]) -> None:
    _, _, output = demo
    for planted in PLANTED["sole_sources"]:
        assert planted["producer"]["name"] in output
    assert "Zhejiang" in output and "if Shaoxing Amberleaf Peroxide Chemicals" in output


def test_one_disruption_map_per_chain(demo: tuple[Graph, Path, str]) -> None:
    graph, out, _ = demo
    chains = {r["id"] for r in graph.query("MATCH (c:Chain) RETURN c.id AS id")}
    maps = {p.name for p in (out / "maps").glob("disruption-*.html")}
    assert maps == {f"disruption-{c}.html" for c in chains}


def test_the_next_commands_work_as_printed(
    demo: tuple[Graph, Path, str], server: Server, graph: Graph
) -> None:
    demo_graph, _, output = demo
    after = output.split("Next (each works as printed):", 1)
    assert len(after) == 2, output[-2000:]
    commands = [
        line.strip() for line in after[1].splitlines() if line.strip().startswith("supplymap ")
    ]
    assert len(commands) >= 6 and any(" suppliers " in c for c in commands)
    assert "keeps running" in after[1] or server.engine is None
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYMAP_")}
    if server.engine is None:
        env |= {
            "SUPPLYMAP_NEO4J_URI": server.uri,
            "SUPPLYMAP_NEO4J_USER": server.user,
            "SUPPLYMAP_NEO4J_PASSWORD": server.password,
        }
    else:
        env |= {"SUPPLYMAP_HOME": str(server.engine.home)}
    for command in commands:
        args = shlex.split(command)
        assert args[:3] == ["supplymap", "--database", demo_graph.database], command
        get_settings.cache_clear()
        try:
            result = CliRunner(env=env).invoke(app, args[1:], env=env)
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, (command, result.output)
        assert result.stdout.strip(), command  # every one prints a result, not a blank line


README = Path(__file__).resolve().parents[1] / "README.md"


def _block(marker: str) -> str:
    text = README.read_text(encoding="utf-8")
    after = text.split(f"<!-- {marker}", 1)[1]
    return after.split("```", 2)[1].split("\n", 1)[1]


def _env(server: Server) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYMAP_")}
    if server.engine is None:
        env |= {
            "SUPPLYMAP_NEO4J_URI": server.uri,
            "SUPPLYMAP_NEO4J_USER": server.user,
            "SUPPLYMAP_NEO4J_PASSWORD": server.password,
        }
    else:
        env |= {"SUPPLYMAP_HOME": str(server.engine.home)}
    return env


def test_the_readme_walkthrough_works_as_printed(
    demo: tuple[Graph, Path, str],
    server: Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from io import BytesIO

    import networkx as nx
    from openpyxl import load_workbook

    demo_graph, _, _ = demo
    monkeypatch.chdir(tmp_path)
    env = _env(server)
    lines = [x for x in _block("walkthrough").splitlines() if x.startswith("supplymap ")]
    assert len(lines) >= 10
    for line in lines:
        args = shlex.split(line)[1:]
        assert args[:2] == ["--database", "demo"], line
        args[1] = demo_graph.database  # the demo of this test runs in a database of its own
        redirect = None
        if ">" in args:
            redirect = tmp_path / args[args.index(">") + 1]
            args = args[: args.index(">")]
        get_settings.cache_clear()
        try:
            result = CliRunner(env=env).invoke(app, args, env=env)
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, (line, result.output)
        if redirect is not None:
            redirect.write_bytes(result.stdout_bytes)
        else:
            assert result.stdout.strip(), line
    book = load_workbook(BytesIO((tmp_path / "bottlenecks.xlsx").read_bytes()), read_only=True)
    assert next(book.worksheets[0].iter_rows(values_only=True))[:2] == ("rank", "node")
    assert nx.read_graphml(tmp_path / "medical.graphml").number_of_nodes() > 50


def test_the_readme_notebook_example_runs(
    demo: tuple[Graph, Path, str], server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib
    import io

    demo_graph, _, _ = demo
    code = _block("notebook")
    assert 'connect(database="demo")' in code
    code = code.replace('database="demo"', f'database="{demo_graph.database}"')
    for key in [k for k in os.environ if k.startswith("SUPPLYMAP_")]:
        monkeypatch.delenv(key)
    for key, value in _env(server).items():
        if key.startswith("SUPPLYMAP_"):
            monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md (notebook)", "exec"), {})
    finally:
        get_settings.cache_clear()
    printed = out.getvalue()
    assert "MB-FABRIC" in printed and "91330600MAFXAMNU0U" in printed  # the top five
    assert "key-product output lost" in printed
    assert "2022-12-27" in printed


def test_the_readme_api_examples_name_ids_of_the_sample(demo: tuple[Graph, Path, str]) -> None:
    demo_graph, _, _ = demo
    text = README.read_text(encoding="utf-8")
    ids = set(re.findall(r"/enterprises/([0-9A-Z][^/\s'{}]*)/", text))
    assert ids
    found = {
        r["id"]
        for r in demo_graph.query(
            "MATCH (e:Enterprise) WHERE e.id IN $ids RETURN e.id AS id", {"ids": sorted(ids)}
        )
    }
    assert found == ids


def test_demo_plans(demo: tuple[Graph, Path, str]) -> None:
    # issue 13: the joint mask capacity with melt-blown's shadow price, the day mask demand is
    # met, and the resumption white list of a lockdown of the medical chain's main province
    _, out, output = demo
    flat = " ".join(output.split())
    assert "Joint mask capacity: N95 6,486,486 a day (alone 15,000,000" in flat
    assert "Melt-blown (MB-FABRIC) is the weak link: shadow price 0.00901" in flat
    assert "Mask demand met on day 11" in flat
    assert "Lockdown of Jiangsu:" in flat and "1. Wuxi Stonebridge Packaging" in flat
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Planning" in report
    assert "### Resumption white list: lockdown of Jiangsu" in report
