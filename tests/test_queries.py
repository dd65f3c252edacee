"""The Cypher catalogue: every query parses, names only model labels, passes EXPLAIN, and
answers as worked out by hand on the canonical N95 fixture."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from kg import model
from kg.analysis import run_all
from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions
from queries import QueryError, catalogue, get
from queries.registry import parse

pytestmark = pytest.mark.integration

CANONICAL = Path(__file__).parent / "data" / "canonical"
SM = "91440300MA5D34567E"  # Shenzhen Mask Works
HZ = "91330100MA2B123450"  # Hangzhou Polymer
SZ = "91320500MA1C23456M"  # Suzhou Meltblown (owned by Hangzhou Polymer)
SH = "91310000MA1E45678E"  # Shanghai Nonwoven
WH = "91420100MA4F56789C"  # Wuhan Wire


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sorted(CANONICAL.glob("*.csv")), LoadOptions())
    assert all(r.status == "completed" for r in reports), [r.message for r in reports]
    run_all(graph)
    return graph


def example_params(name: str) -> dict[str, str]:
    words = shlex.split(get(name).example)
    assert words[:3] == ["supplymap", "query", name]
    pairs = [words[i + 1] for i, w in enumerate(words) if w == "-p"]
    return dict(p.split("=", 1) for p in pairs)


def run(graph: Graph, name: str, **params: object) -> list[dict[str, object]]:
    return get(name).run(graph, params)


def test_the_catalogue_covers_the_questions() -> None:
    assert set(catalogue()) >= {
        "enterprise",
        "enterprise_search",
        "product",
        "suppliers_by_tier",
        "customers_by_tier",
        "product_upstream",
        "product_downstream",
        "producers",
        "declared_single_sources",
        "sole_source_inputs",
        "regional_concentration",
        "chain_contents",
    }
    for q in catalogue().values():
        assert q.answers and q.example.startswith(f"supplymap query {q.name}")


def test_queries_name_only_model_labels_and_types() -> None:
    labels = {nt.label for nt in model.NODE_TYPES} | {model.ANALYSIS_RUN_NODE.label}
    types = {rt.type for rt in model.REL_TYPES} | {
        model.SPOF_FOR_PRODUCT.type,
        model.KEY_RANK_IN.type,
    }
    for q in catalogue().values():
        body = "\n".join(line for line in q.text.splitlines() if not line.startswith("//"))
        used_labels = set(re.findall(r"\(\w*:(\w+)", body)) | set(
            re.findall(r"WHEN \w+:(\w+)", body)
        )
        used_types = set(re.findall(r"\[\w*:(\w+)", body))
        assert used_labels <= labels, (q.name, used_labels - labels)
        assert used_types <= types, (q.name, used_types - types)


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_every_query_passes_explain(loaded: Graph, name: str) -> None:
    q = get(name)
    loaded.query("EXPLAIN " + q.cypher, q.bind(example_params(name)))


def test_lookups(loaded: Graph) -> None:
    [row] = run(loaded, "enterprise", id=SZ)
    assert (row["name"], row["region"], row["group_parent"], row["products"]) == (
        "Suzhou Meltblown Ltd.",
        "320500",
        HZ,
        ["MB-FABRIC"],
    )
    [row] = run(loaded, "enterprise", id=SM)
    assert (row["is_spof"], row["bottleneck_score"], row["capacity_per_day"]) == (
        True,
        1.0,
        2_000_000.0,
    )
    assert {r["id"] for r in run(loaded, "enterprise_search", text="NONWOVEN")} == {SH}
    assert {r["id"] for r in run(loaded, "enterprise_search", text="hz pol")} == {HZ}
    [p] = run(loaded, "product", id="N95")
    assert (p["chains"], p["producers_on_record"], p["sourcing"], p["limiting_input"]) == (
        ["medical-supplies"],
        1,
        "sole",
        "SB-FABRIC",
    )
    assert (p["achievable_per_day"], p["spof_count"]) == (1_250_000.0, 13)
    assert run(loaded, "product", id="NOPE") == []


def test_tiers_with_paths(loaded: Graph) -> None:
    got = {
        (r["tier"], r["id"], tuple(r["path"]))
        for r in run(loaded, "suppliers_by_tier", id=SM, tiers=2)
    }
    assert got == {
        (1, SH, (SH, SM)),
        (1, SZ, (SZ, SM)),
        (1, WH, (WH, SM)),
        (2, HZ, (HZ, SZ, SM)),
    }
    assert {(r["tier"], r["id"]) for r in run(loaded, "suppliers_by_tier", id=SM, tiers=1)} == {
        (1, SH),
        (1, SZ),
        (1, WH),
    }
    got = {(r["tier"], r["id"], r["product"]) for r in run(loaded, "customers_by_tier", id=HZ)}
    assert got == {(1, SZ, "PP-HMF"), (2, SM, "MB-FABRIC")}
    up = {(r["tier"], r["id"]) for r in run(loaded, "product_upstream", id="N95")}
    assert up == {(1, "MB-FABRIC"), (1, "NOSE-WIRE"), (1, "SB-FABRIC"), (2, "PP-HMF")}
    down = {(r["tier"], r["id"]) for r in run(loaded, "product_downstream", id="PP-HMF")}
    assert down == {(1, "MB-FABRIC"), (1, "SB-FABRIC"), (2, "N95")}


def test_producers_and_concentration(loaded: Graph) -> None:
    rows = run(loaded, "producers", id="MB-FABRIC")
    assert [
        (
            r["enterprise"],
            r["capacity_per_day"],
            round(r["share"], 4),
            r["region"],
            r["group_parent"],
        )
        for r in rows
    ] == [(SZ, 8.0, round(8 / 11, 4), "320500", HZ), (SH, 3.0, round(3 / 11, 4), None, SH)]
    rows = run(loaded, "regional_concentration", id="MB-FABRIC", level="province")
    assert [(r["region"], r["capacity_per_day"], r["producers"]) for r in rows] == [
        ("320000", 8.0, 1),
        (None, 3.0, 1),
    ]


def test_single_sources(loaded: Graph) -> None:
    rows = run(loaded, "declared_single_sources", id=SM)
    assert {(r["product"], r["supplier"]) for r in rows} == {("NOSE-WIRE", WH), ("SB-FABRIC", SH)}
    rows = run(loaded, "sole_source_inputs", chain="medical-supplies")
    assert {(r["input"], r["producer"]) for r in rows} == {
        ("PP-HMF", HZ),
        ("SB-FABRIC", SH),
        ("NOSE-WIRE", WH),
    }
    rows = run(loaded, "single_source_products", chain="medical-supplies")
    assert {r["product"] for r in rows} == {"PP-HMF", "SB-FABRIC", "NOSE-WIRE", "N95"}


def test_chain_contents(loaded: Graph) -> None:
    rows = run(loaded, "chain_contents", chain="medical-supplies")
    assert [(r["stage"], r["products"], r["producer_links"]) for r in rows] == [
        ("upstream", ["PP-HMF"], 1),
        ("midstream", ["MB-FABRIC", "NOSE-WIRE", "SB-FABRIC"], 4),
        ("downstream", ["N95"], 1),
    ]


def test_analysis_results(loaded: Graph) -> None:
    rows = run(loaded, "spof_for_product", id="N95")
    assert len(rows) == 13
    assert rows[0]["path"] == [rows[0]["node"], "N95"]
    assert {(r["kind"], r["node"]) for r in rows if len(r["path"]) == 2} == {
        ("enterprise", SM),
        ("product", "MB-FABRIC"),
        ("product", "NOSE-WIRE"),
        ("product", "SB-FABRIC"),
    }
    top = run(loaded, "top_bottlenecks", limit=3)
    assert len(top) == 3 and all(r["score"] == 1.0 for r in top)
    ranks = run(loaded, "key_enterprises_of_chain", chain="medical-supplies")
    assert [r["enterprise"] for r in ranks] == [SH, HZ, WH, SM, SZ]
    assert ranks[3]["listed"] is True


def test_parameters_are_typed_and_checked() -> None:
    q = get("suppliers_by_tier")
    assert q.bind({"id": "x", "tiers": "2"}) == {"id": "x", "tiers": 2}
    assert q.bind({"id": "x"}) == {"id": "x", "tiers": 3}
    with pytest.raises(QueryError, match="tiers must be int"):
        q.bind({"id": "x", "tiers": "two"})
    with pytest.raises(QueryError, match="needs -p id=<str>"):
        q.bind({})
    with pytest.raises(QueryError, match="has no parameter colour"):
        q.bind({"id": "x", "colour": "red"})
    with pytest.raises(QueryError, match="did you mean producers"):
        get("producer")


def test_bad_catalogue_files_are_refused() -> None:
    head = "// name: q\n// answers: x\n// example: supplymap query q\n"
    with pytest.raises(QueryError, match="read-only"):
        parse("q", head + "MATCH (n:Product) SET n.x = 1")
    with pytest.raises(QueryError, match="declared"):
        parse("q", head + "MATCH (n:Product {id: $id}) RETURN n")
    with pytest.raises(QueryError, match="bad parameter line"):
        parse("q", head + "// param id: text\nRETURN 1")
    with pytest.raises(QueryError, match="no '// answers:' line"):
        parse("q", "// name: q\n// example: x\nRETURN 1")
