"""`supplymap infer`: inferred SUPPLIES links written with a load id, idempotent, removable,
never taken for declared ones (tests/data/tiers, the hand-made mask chain)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.routers.enterprises import _ONE as ENTERPRISE_DETAIL
from kg.analysis.projection import from_raw, read_raw
from kg.cli import app
from kg.connection import Graph
from kg.inferred_links import LOAD_KIND, candidates, infer, inferred_count, remove
from kg.tiers import NotFoundError, lookup
from loaders.pipeline import Loader, LoadOptions
from queries import get

pytestmark = pytest.mark.integration

DATA = Path(__file__).parent / "data" / "tiers"
LINKS = (
    "MATCH (a:Enterprise)-[x:SUPPLIES]->(b:Enterprise) WHERE x.basis = 'inferred' "
    "RETURN a.id AS s, b.id AS c, x.product AS p, x.load_id AS load, x.inferred_from AS out"
)


@pytest.fixture(scope="module")
def chain(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sorted(DATA.glob("*.csv")), LoadOptions())
    assert all(r.status == "completed" for r in reports), [r.message for r in reports]
    return graph


def links(graph: Graph) -> set[tuple[str, str, str, str]]:
    return {(r["s"], r["c"], r["p"], r["out"]) for r in graph.query(LINKS)}


# Worked out by hand: producers of an input of what another enterprise produces, less the
# declared links (MBF->MASKCO MB-FABRIC, SBF->MASKCO SB-FABRIC, RES->MBF MB-PP, RES->SBF PP,
# PX->RES PEROX).
EXPECTED = {
    ("WIREMAKER", "MASKCO", "WIRE", "MASK"),
    ("WIRE2", "MASKCO", "WIRE", "MASK"),
    ("CLIPCO", "MASKCO", "CLIP", "MASK"),
    ("STEELCO", "WIREMAKER", "STEEL", "WIRE"),
    ("STEELCO", "WIRE2", "STEEL", "WIRE"),
}


def test_infer_writes_idempotently_and_removes_by_load_id(chain: Graph) -> None:
    first = infer(chain)
    assert (first.candidates, first.written, first.dropped) == (5, 5, 0)
    assert links(chain) == EXPECTED
    assert {r["load"] for r in chain.query(LINKS)} == {first.load_id}
    again = infer(chain)
    assert (again.candidates, again.written, again.dropped) == (5, 5, 0)
    assert links(chain) == EXPECTED and inferred_count(chain) == 5
    assert {r["load"] for r in chain.query(LINKS)} == {again.load_id}
    # Written links never pass for declared ones: the default lookup ignores them.
    assert "WIREMAKER" not in {h.id for h in lookup(chain, "MASKCO", "upstream", 1).hits}
    with_inferred = lookup(chain, "MASKCO", "upstream", 1, inferred=True)
    assert {h.id for h in with_inferred.hits if h.basis == ("inferred",)} == {
        "WIREMAKER",
        "WIRE2",
        "CLIPCO",
    }
    loads = chain.query(
        "MATCH (l:Load) WHERE l.kind = $k RETURN l.id AS id, l.status AS status",
        {"k": LOAD_KIND},
    )
    assert {(r["id"], r["status"]) for r in loads} == {
        (first.load_id, "completed"),
        (again.load_id, "completed"),
    }
    assert remove(chain, first.load_id) == 0  # the re-run owns them now
    assert remove(chain, again.load_id) == 5
    assert inferred_count(chain) == 0
    with pytest.raises(NotFoundError, match="no `supplymap infer` run"):
        remove(chain, "L-not-a-run")


def test_a_declared_link_takes_the_place_of_an_inferred_one(chain: Graph, tmp_path: Path) -> None:
    run = infer(chain)
    path = tmp_path / "supplies.csv"
    path.write_text("supplier,customer,product,share\nWIREMAKER,MASKCO,WIRE,0.6\n")
    (report,) = Loader(chain).load_files([path], LoadOptions())
    assert report.status == "completed"
    assert ("WIREMAKER", "MASKCO", "WIRE", "MASK") not in links(chain)
    assert {(r["supplier"], r["product"]) for r in candidates(chain)} >= {("WIRE2", "WIRE")}
    assert ("WIREMAKER", "MASKCO", "WIRE") not in {
        (r["supplier"], r["customer"], r["product"]) for r in candidates(chain)
    }
    assert infer(chain).candidates == 4
    hit = {h.id: h for h in lookup(chain, "MASKCO", "upstream", 1).hits}["WIREMAKER"]
    assert hit.basis == ("declared",)
    assert remove(chain, run.load_id) == 0


def test_cli_infer_list_and_remove(chain: Graph, cli: CliRunner) -> None:
    result = cli.invoke(app, ["infer", "-f", "json"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["candidates"] == 4
    listed = cli.invoke(app, ["infer", "--list", "-f", "json"])
    assert report["load_id"] in {r["load_id"] for r in json.loads(listed.stdout)}
    removed = cli.invoke(app, ["infer", "--remove", report["load_id"]])
    assert removed.exit_code == 0 and "removed 4 inferred link(s)" in removed.stdout
    bad = cli.invoke(app, ["infer", "--remove", "nope"])
    assert bad.exit_code == 2 and "supplymap infer --list" in bad.output


def test_analyses_count_declared_links_only_and_say_so(chain: Graph) -> None:
    declared = chain.query(
        "MATCH (:Enterprise)-[x:SUPPLIES]->(:Enterprise) "
        "WHERE x.basis IS NULL OR x.basis <> 'inferred' RETURN count(x) AS n"
    )[0]["n"]
    run = infer(chain)
    projection = from_raw(read_raw(chain))
    assert len(projection.sup_from) == declared
    assert any(
        w.startswith(f"declared SUPPLIES links only: {run.written} inferred")
        for w in projection.warnings
    )
    # WIRE has one declared supplier (WIREMAKER, loaded above) and one inferred (WIRE2): a
    # declared single source all the same.
    singles = {r["product"] for r in get("declared_single_sources").run(chain, {"id": "MASKCO"})}
    assert singles == {"MB-FABRIC", "SB-FABRIC", "TOOL", "WIRE"}
    detail = chain.query(ENTERPRISE_DETAIL, {"id": "MASKCO"})[0]
    assert (detail["suppliers"], detail["customers"]) == (4, 0)
    remove(chain, run.load_id)
    assert not any("inferred" in w for w in from_raw(read_raw(chain)).warnings)
