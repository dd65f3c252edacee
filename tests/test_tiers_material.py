"""Material-following tiers against the any-link walk, and inferred links with their evidence,
on the hand-made mask chain of tests/data/tiers (its README works the answers out)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apiclient import TestClient, api_client
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from kg.tiers import Direction, TierAnswer, TierHit, lookup
from loaders.pipeline import Loader, LoadOptions
from queries import get

pytestmark = pytest.mark.integration

DATA = Path(__file__).parent / "data" / "tiers"


@pytest.fixture(scope="module")
def chain(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sorted(DATA.glob("*.csv")), LoadOptions())
    assert all(r.status == "completed" for r in reports), [r.message for r in reports]
    return graph


def rows(answer: TierAnswer) -> set[tuple[int, str, tuple[str, ...]]]:
    return {(h.tier, h.id, h.products) for h in answer.hits}


def by_id(answer: TierAnswer) -> dict[str, TierHit]:
    return {h.id: h for h in answer.hits}


def steps(hit: TierHit) -> list[tuple[str, str, str | None, str]]:
    return [(s.supplier, s.customer, s.product, s.label) for s in hit.steps]


def test_customers_follow_the_material(chain: Graph) -> None:
    material = lookup(chain, "PX", "downstream", 3)
    assert rows(material) == {
        (1, "RES", ("PEROX",)),
        (2, "MBF", ("MB-PP",)),
        (3, "MASKCO", ("MB-FABRIC",)),
    }
    assert steps(by_id(material)["MASKCO"]) == [
        ("PX", "RES", "PEROX", "declared"),
        ("RES", "MBF", "MB-PP", "declared"),
        ("MBF", "MASKCO", "MB-FABRIC", "declared"),
    ]
    assert by_id(material)["MASKCO"].path == ("PX", "RES", "MBF", "MASKCO")
    # The any-link walk also reaches the spunbond maker, which buys plain PP (no peroxide).
    anyway = lookup(chain, "PX", "downstream", 3, walk="any")
    assert rows(anyway) == {
        (1, "RES", ("PEROX",)),
        (2, "MBF", ("MB-PP",)),
        (2, "SBF", ("PP",)),
        (3, "MASKCO", ("MB-FABRIC", "SB-FABRIC")),
    }
    assert (material.walk, anyway.walk, material.inferred) == ("material", "any", False)


def test_suppliers_follow_the_material(chain: Graph) -> None:
    material = lookup(chain, "MASKCO", "upstream", 3)
    assert rows(material) == {
        (1, "DIST", ("TOOL",)),
        (1, "MBF", ("MB-FABRIC",)),
        (1, "SBF", ("SB-FABRIC",)),
        (2, "RES", ("MB-PP", "PP")),  # every product on the way, not one
        (2, "TOOLMAKER", ("TOOL",)),
        (3, "PX", ("PEROX",)),
        (3, "STEELCO", ("STEEL",)),
    }
    hits = by_id(material)
    # A supplier of an unrelated product (paper to the melt-blown maker) is not a tier-2
    # supplier; the any-link walk lists it.
    assert "OFFICE" not in hits
    anyway = by_id(lookup(chain, "MASKCO", "upstream", 3, walk="any"))
    assert (anyway["OFFICE"].tier, anyway["OFFICE"].products) == (2, ("PAPER",))
    assert steps(hits["PX"]) == [
        ("PX", "RES", "PEROX", "declared"),
        ("RES", "MBF", "MB-PP", "declared"),
        ("MBF", "MASKCO", "MB-FABRIC", "declared"),
    ]
    assert [s.bom for s in hits["PX"].steps] == ["input", "input", None]


def test_an_edge_past_a_product_without_bom_says_so(chain: Graph) -> None:
    answer = lookup(chain, "MASKCO", "upstream", 2)
    toolmaker = by_id(answer)["TOOLMAKER"]
    assert toolmaker.basis == ("bom-unknown",)
    assert steps(toolmaker) == [
        ("TOOLMAKER", "DIST", "TOOL", "bom-unknown"),
        ("DIST", "MASKCO", "TOOL", "declared"),
    ]
    assert any(n.startswith("bom-unknown") for n in answer.notes)
    assert by_id(answer)["MBF"].basis == ("declared",)
    assert "~[" not in toolmaker.route() and "TOOL ?" in toolmaker.route()


def test_inferred_suppliers_with_their_evidence(chain: Graph) -> None:
    answer = lookup(chain, "MASKCO", "upstream", 2, inferred=True)
    assert answer.inferred
    hits = by_id(answer)
    got = {
        (h.tier, h.id, h.products, h.basis)
        for h in answer.hits
        if h.id in {"WIREMAKER", "WIRE2", "CLIPCO", "STEELCO", "MBF"}
    }
    assert got == {
        (1, "MBF", ("MB-FABRIC",), ("declared",)),  # declared wins over the same inferred link
        (1, "WIREMAKER", ("WIRE",), ("inferred",)),
        (1, "WIRE2", ("WIRE",), ("inferred",)),
        (1, "CLIPCO", ("CLIP",), ("inferred",)),
        (2, "STEELCO", ("STEEL",), ("inferred",)),
    }
    evidence = {h: hits[h].links[0].evidence for h in ("WIREMAKER", "WIRE2", "CLIPCO")}
    assert evidence["WIREMAKER"] is not None and evidence["WIRE2"] is not None
    assert evidence["WIREMAKER"]["bom"] == {
        "input": "WIRE",
        "output": "MASK",
        "qty_per_unit": 0.00012,
        "alt_group": "metal",
    }
    assert (evidence["WIREMAKER"]["capacity_per_day"], evidence["WIREMAKER"]["unit"]) == (
        300.0,
        "km",
    )
    assert evidence["WIREMAKER"]["capacity_share"] == pytest.approx(0.75)
    assert evidence["WIRE2"]["capacity_share"] == pytest.approx(0.25)
    assert evidence["WIREMAKER"]["producers"] == 2
    assert evidence["CLIPCO"] is not None and evidence["CLIPCO"]["capacity_share"] is None
    steelco = {(s.supplier, s.customer, s.product, s.basis) for s in hits["STEELCO"].links}
    assert steelco == {
        ("STEELCO", "WIREMAKER", "STEEL", "inferred"),
        ("STEELCO", "WIRE2", "STEEL", "inferred"),
    }
    assert "~[STEEL]~>" in hits["STEELCO"].route()
    # Without --inferred the declared graph answers alone.
    assert "WIREMAKER" not in by_id(lookup(chain, "MASKCO", "upstream", 2))


def test_empty_answers_explain_themselves(chain: Graph) -> None:
    answer = lookup(chain, "WIREMAKER", "upstream", 3)
    assert answer.hits == []
    assert answer.notes == ["no declared suppliers; 1 inferred with --inferred"]
    none = lookup(chain, "STEELCO", "upstream", 2, inferred=True)
    assert none.hits == [] and none.notes[0].startswith("no suppliers, declared or inferred")


def test_cli_lists_every_product_and_the_route(chain: Graph, cli: CliRunner) -> None:
    result = cli.invoke(app, ["suppliers", "MASKCO", "--tiers", "2", "-f", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    res = next(r for r in body if r["id"] == "RES")
    assert (res["tier"], res["products"], res["basis"]) == (2, ["MB-PP", "PP"], ["declared"])
    assert res["route"] == "RES -[MB-PP]-> MBF -[MB-FABRIC]-> MASKCO"
    assert [s["product"] for s in res["steps"]] == ["MB-PP", "MB-FABRIC"]
    anyway = cli.invoke(app, ["suppliers", "MASKCO", "--tiers", "2", "--walk", "any", "-f", "csv"])
    assert anyway.exit_code == 0 and "OFFICE" in anyway.stdout
    empty = cli.invoke(app, ["suppliers", "WIREMAKER"])
    assert empty.exit_code == 0
    assert "no declared suppliers; 1 inferred with --inferred" in empty.output
    inferred = cli.invoke(app, ["suppliers", "WIREMAKER", "--inferred", "-f", "json"])
    assert {r["id"] for r in json.loads(inferred.stdout)} == {"STEELCO"}


@pytest.fixture(scope="module")
def client(server: Any, chain: Graph) -> Iterator[TestClient]:
    with api_client(server, chain) as c:
        yield c


def test_api_walks_and_notes(client: TestClient) -> None:
    r = client.get("/enterprises/MASKCO/suppliers", params={"tiers": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["walk"], body["inferred"], body["total"]) == ("material", False, 5)
    res = next(h for h in body["items"] if h["id"] == "RES")
    assert res["products"] == ["MB-PP", "PP"]
    assert [(s["supplier"], s["product"], s["bom"]) for s in res["steps"]] == [
        ("RES", "MB-PP", "input"),
        ("MBF", "MB-FABRIC", None),
    ]
    anyway = client.get("/enterprises/MASKCO/suppliers", params={"tiers": 2, "walk": "any"})
    assert "OFFICE" in {h["id"] for h in anyway.json()["items"]}
    inferred = client.get("/enterprises/MASKCO/suppliers", params={"tiers": 1, "inferred": True})
    wire = next(h for h in inferred.json()["items"] if h["id"] == "WIREMAKER")
    assert wire["basis"] == ["inferred"]
    assert wire["links"][0]["evidence"]["bom"]["output"] == "MASK"
    empty = client.get("/enterprises/WIREMAKER/suppliers").json()
    assert (empty["total"], empty["notes"]) == (
        0,
        ["no declared suppliers; 1 inferred with --inferred"],
    )
    down = client.get("/enterprises/PX/customers", params={"tiers": 3}).json()
    assert {(h["tier"], h["id"]) for h in down["items"]} == {(1, "RES"), (2, "MBF"), (3, "MASKCO")}
    bad = client.get("/enterprises/PX/customers", params={"walk": "every"})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("root", "direction", "name"),
    [
        ("MASKCO", "upstream", "suppliers_by_tier"),
        ("PX", "downstream", "customers_by_tier"),
        ("RES", "upstream", "suppliers_by_tier"),
        ("TOOLMAKER", "downstream", "customers_by_tier"),
    ],
)
def test_the_catalogue_follows_the_material_in_cypher(
    chain: Graph, root: str, direction: Direction, name: str
) -> None:
    cypher = {
        (r["tier"], r["id"], tuple(r["products"])) for r in get(name).run(chain, {"id": root})
    }
    assert cypher == rows(lookup(chain, root, direction, 3))
    for r in get(name).run(chain, {"id": root}):
        assert len(r["path_products"]) == r["tier"] == len(r["path"]) - 1
    anyway = {(r["tier"], r["id"]) for r in get(name + "_any").run(chain, {"id": root})}
    assert anyway == {(h.tier, h.id) for h in lookup(chain, root, direction, 3, walk="any").hits}


def test_the_catalogue_lists_inferred_suppliers_with_evidence(chain: Graph) -> None:
    got = {
        (r["id"], r["product"], r["output"], r["capacity_per_day"])
        for r in get("inferred_suppliers").run(chain, {"id": "MASKCO"})
    }
    assert got == {
        ("WIREMAKER", "WIRE", "MASK", 300.0),
        ("WIRE2", "WIRE", "MASK", 100.0),
        ("CLIPCO", "CLIP", "MASK", None),
    }
