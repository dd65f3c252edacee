"""The analyst's answers on the sample: rankings that lead, and disruptions computed one way.

Days of cover and time to recover, one way for lost and reduced products:

The battery-electric car (CAR-BEV) is reduced to 92% when Zhejiang (330000) stops, and lost
when its chips' only lithography supplier (F-NL-LITHO-VELDHOVEN) stops. Both are computed by
the same rule (kg/analysis/disruption.py): the standing stock over the shortfall, plus the
cover of the inputs the shortfall comes through.
"""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.analysis import Context, disrupt, project, rank_bottlenecks, spof
from kg.analysis.leading import order_spof
from kg.cli import app
from kg.cli.output import console
from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions
from loaders.sample import CANONICAL_FILES, DATA_DIR, MONITORING_FILES

pytestmark = pytest.mark.integration

LITHO = "F-NL-LITHO-VELDHOVEN"


@pytest.fixture(scope="module")
def ctx(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Context:
    rejects = tmp_path_factory.mktemp("rejects") / "rejects.csv"
    files = [DATA_DIR / n for n in (*CANONICAL_FILES, *MONITORING_FILES)]
    reports = Loader(graph).load_files(files, LoadOptions(rejects=rejects))
    assert all(r.status == "completed" for r in reports), [
        (Path(r.file).name, r.message) for r in reports
    ]
    return Context(project(graph))


def test_a_reduced_car_and_a_lost_car_follow_one_rule(ctx: Context) -> None:
    region = {p.product: p for p in disrupt(ctx, regions=["330000"]).ordered()}
    bev = region["CAR-BEV"]
    # Zhejiang's car plant stops: 1,664 of 20,000 cars a day. No input comes short, so only
    # a stock of cars could bridge it, and none is on record: 0 days against 30 to recover.
    assert (bev.status, bev.cause) == ("reduced", "producer capacity lost")
    assert bev.remaining_share == pytest.approx(18336 / 20000)
    assert (bev.days_of_cover, bev.days_to_recover, bev.at_risk) == (0.0, 30.0, True)
    # The combustion car is reduced through its transmissions: it gets their cover (no car
    # stock of its own) and waits for them (30 days) before its own 30.
    ice, gearbox = region["CAR-ICE"], region["TRANSMISSION"]
    assert ice.cause == "input TRANSMISSION reduced" and gearbox.status == "reduced"
    assert ice.days_of_cover == pytest.approx(gearbox.days_of_cover)
    assert ice.days_to_recover == 30.0 + (gearbox.days_to_recover or 0.0)

    litho = {p.product: p for p in disrupt(ctx, enterprises=[LITHO]).ordered()}
    lost = litho["CAR-BEV"]
    # Lost through its e-drive: the stocks of the lost inputs carry the car makers on.
    assert (lost.status, lost.cause) == ("lost", "input E-DRIVE lost")
    assert lost.days_of_cover == pytest.approx(151.2, abs=0.05)
    assert lost.days_of_cover <= litho["E-DRIVE"].days_of_cover
    assert lost.days_to_recover == 30.0 + (litho["E-DRIVE"].days_to_recover or 0.0)
    assert lost.at_risk is True


def test_cli_json_carries_the_headline_and_the_api_order(ctx: Context, cli: CliRunner) -> None:
    result = cli.invoke(app, ["disrupt", "--region", "330000", "-f", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    impact = disrupt(ctx, regions=["330000"])
    assert body["headline"] == impact.headline()
    assert "key-product output lost" in body["headline"]
    assert body["summary"]["key_products_lost"] == len(impact.key_lost)
    assert [r["product"] for r in body["products"]] == [p.product for p in impact.ordered()]
    # lost before reduced, key products first in each
    statuses = [(r["status"] != "lost", not r["key"]) for r in body["products"]]
    assert statuses == sorted(statuses)


PEROXIDE = "91330600MAFXAMNU0U"  # Shaoxing Amberleaf Peroxide Chemicals, sole maker of DTBP


def test_the_ranking_leads_with_melt_blown_fabric_and_the_peroxide_plant(ctx: Context) -> None:
    ranked = rank_bottlenecks(ctx)
    top5 = {r.node for r in ranked[:5]}
    assert {"MB-FABRIC", PEROXIDE} <= top5
    mb = next(r for r in ranked if r.node == "MB-FABRIC")
    assert set(mb.limits) == {"N95", "SURG-MASK"} and mb.binding_share > 0
    plant = next(r for r in ranked if r.node == PEROXIDE)
    assert set(plant.spof_for) == {"N95", "SURG-MASK"}
    assert any("DTBP" in also for also in plant.also)  # the same failure, folded in
    assert "DTBP" not in {r.node for r in ranked}
    # regions only at the level asked for, never one that holds every producer (China)
    proj = ctx.proj
    levels = {proj.region_level[proj.region(r.node)] for r in ranked if r.kind == "region"}
    assert levels == {"province"}
    assert "CN" not in {r.node for r in ranked}
    cities = rank_bottlenecks(ctx, region_level="city")
    assert {proj.region_level[proj.region(r.node)] for r in cities if r.kind == "region"} <= {
        "city"
    }
    # one order: score, then breadth, then id; ranks 1..n
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


def test_every_analysis_leads_with_the_rows_that_matter(
    ctx: Context, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "width", 250)  # wide enough that ids do not wrap
    table = cli.invoke(app, ["analyze", "bottlenecks"])
    assert table.exit_code == 0, table.output
    assert "MB-FABRIC" in table.stdout and PEROXIDE in table.stdout
    ranked = rank_bottlenecks(ctx)
    assert f"{len(ranked) - 10} more row(s) not shown" in table.stderr
    as_json = json.loads(cli.invoke(app, ["analyze", "bottlenecks", "-f", "json"]).stdout)
    assert [r["node"] for r in as_json] == [r.node for r in ranked]

    spof_table = cli.invoke(app, ["analyze", "spof", "--product", "N95"])
    assert spof_table.exit_code == 0, spof_table.output
    pairs = order_spof(ctx, spof(ctx, product="N95"))
    structural = [link for link, leads in pairs if not leads]
    assert structural and all("with no substitute" in link.reason for link in structural)
    assert f"{len(structural)} more row(s) not shown" in spof_table.stderr
    assert spof_table.stdout.count("with no substitute") <= len(pairs) - len(structural)
    assert PEROXIDE in spof_table.stdout
    every = cli.invoke(app, ["analyze", "spof", "--product", "N95", "--all", "-f", "json"])
    assert len(json.loads(every.stdout)) == len(pairs)

    capacity = cli.invoke(app, ["analyze", "capacity", "-f", "json"])
    rows = json.loads(capacity.stdout)
    binding = [r["product"] for r in rows if r["leads"]]
    assert set(binding) == {"N95", "SURG-MASK"}
    assert [r["product"] for r in rows[: len(binding)]] == binding
    shown = cli.invoke(app, ["analyze", "capacity"])
    assert f"{len(rows) - len(binding)} more row(s) not shown" in shown.stderr


TABLE_COMMANDS = [
    ["analyze", "bottlenecks"],
    ["analyze", "spof", "--product", "N95"],
    ["analyze", "capacity"],
    ["analyze", "single-source"],
    ["analyze", "key-enterprises"],
    ["disrupt", "--region", "330000"],
    ["warnings"],
    ["stockpiles"],
    ["allocate", "N95"],
    ["chains"],
    ["query", "producers", "-p", "id=MB-FABRIC"],
    ["cypher", "-c", "MATCH (c:Chain) RETURN c.id AS id ORDER BY id"],
    ["suppliers", "N95", "--tiers", "2"],
]


@pytest.mark.parametrize("args", TABLE_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_every_table_command_writes_xlsx(ctx: Context, cli: CliRunner, args: list[str]) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    result = cli.invoke(app, [*args, "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    book = load_workbook(BytesIO(result.stdout_bytes), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) >= 2, args  # a header and at least one row
    assert all(isinstance(h, str) and h for h in rows[0])
    as_csv = cli.invoke(app, [*args, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    parsed = list(csv.reader(StringIO(as_csv.stdout)))
    assert [tuple(r) for r in parsed[:1]] == [tuple(rows[0])], args  # the same columns
    assert len(parsed) == len(rows), args  # and as many rows


def test_export_a_chain_and_an_enterprise_s_tiers(
    ctx: Context, graph: Graph, cli: CliRunner, tmp_path: Path
) -> None:
    import networkx as nx

    from kg.tiers import tiers

    out = tmp_path / "medical.graphml"
    result = cli.invoke(app, ["export", "graphml", "--chain", "medical-supplies", "-o", str(out)])
    assert result.exit_code == 0, result.output
    g = nx.read_graphml(out, force_multigraph=True)
    products = {
        r["id"]
        for r in graph.query(
            "MATCH (p:Product)-[:IN_CHAIN]->(:Chain {id: 'medical-supplies'}) RETURN p.id AS id"
        )
    }
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "product"} == products
    bom = {
        (r["a"], r["b"])
        for r in graph.query(
            "MATCH (a:Product)-[:IN_CHAIN]->(c:Chain {id: 'medical-supplies'}) "
            "MATCH (a)-[:INPUT_TO]->(b:Product)-[:IN_CHAIN]->(c) RETURN a.id AS a, b.id AS b"
        )
    }
    assert {(a, b) for a, b, d in g.edges(data=True) if d["rel"] == "INPUT_TO"} == bom
    produces = {(a, b) for a, b, d in g.edges(data=True) if d["rel"] == "PRODUCES"}
    assert (PEROXIDE, "DTBP") in produces
    assert g.nodes["MB-FABRIC"]["label"].startswith("Melt-blown")

    root = "91321100MAHJ8KNG01"
    gexf = tmp_path / "tiers.gexf"
    result = cli.invoke(
        app, ["export", "gexf", "--enterprise", root, "--tiers", "2", "-o", str(gexf)]
    )
    assert result.exit_code == 0, result.output
    t = nx.read_gexf(gexf)
    hits = tiers(graph, root, "upstream", 2, "enterprise")
    assert set(t.nodes) == {root} | {h.id for h in hits}
    assert {h.id for h in hits if h.tier == 1} == {a for a, b in t.edges if b == root}
    assert all(d["rel"] == "SUPPLIES" for _, _, d in t.edges(data=True))

    missing = cli.invoke(app, ["export", "gexf", "--chain", "no-such-chain"])
    assert missing.exit_code == 2 and "no chain with id 'no-such-chain'" in missing.stderr
    neither = cli.invoke(app, ["export", "gexf"])
    assert neither.exit_code == 2
