"""Every analysis on small graphs whose answers are worked out by hand (see analysis_fixtures)."""

from __future__ import annotations

import pytest
from analysis_fixtures import write_files

from kg.analysis import (
    Context,
    ScenarioError,
    UnknownIdError,
    bottlenecks,
    capacities,
    capacity,
    disrupt,
    key_enterprises,
    project,
    run_all,
    single_sources,
    spof,
)
from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def loaded(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Graph:
    files = write_files(tmp_path_factory.mktemp("hand"))
    reports = Loader(graph).load_files(files, LoadOptions())
    assert [r.status for r in reports] == ["completed"] * len(files), [r.message for r in reports]
    return graph


@pytest.fixture(scope="module")
def ctx(loaded: Graph) -> Context:
    return Context(project(loaded))


def spofs(ctx: Context, product: str) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(s.kind, s.node, s.path) for s in spof(ctx, product=product)}


# ---- hidden single points of failure -------------------------------------------------------


def test_spof_of_and_inputs_alt_groups_and_regions(ctx: Context) -> None:
    # A-FIN has two producers (e6, e7) in different places, so none of them is a SPOF; its
    # one input A-MID needs A-RAW1 (only e1 makes it) and either A-RAW2 or A-RAW3; both
    # makers of A-MID sit in country X.
    assert spofs(ctx, "A-FIN") == {
        ("product", "A-MID", ("A-MID", "A-FIN")),
        ("product", "A-RAW1", ("A-RAW1", "A-MID", "A-FIN")),
        ("enterprise", "e1", ("e1", "A-RAW1", "A-MID", "A-FIN")),
        ("region", "X", ("X", "A-MID", "A-FIN")),
        ("region", "X1a", ("X1a", "e1", "A-RAW1", "A-MID", "A-FIN")),
        ("region", "X1", ("X1", "X1a", "e1", "A-RAW1", "A-MID", "A-FIN")),
    }
    links = {s.node: s for s in spof(ctx, product="A-FIN")}
    assert links["X"].reason == "every live producer of A-MID is in X"
    assert links["e1"].reason == "the only live producer of A-RAW1"
    assert links["X1a"].reason == "holds e1, the only live producer of A-RAW1"
    assert links["A-MID"].reason == "input of A-FIN with no substitute"
    assert all(s.hidden for s in links.values())


def test_spof_of_an_intermediate_product(ctx: Context) -> None:
    assert {n for _, n, _ in spofs(ctx, "A-MID")} == {"A-RAW1", "e1", "X1a", "X1", "X"}
    assert {n for _, n, _ in spofs(ctx, "A-RAW2")} == {"e2", "X2a", "X2", "X"}


def test_spof_through_a_cycle_closed_by_an_alternative(ctx: Context) -> None:
    # Without the mine, steel can only come from scrap, scrap only from cars, cars only from
    # steel: nothing on record can start the loop, so the mine is a single point of failure.
    assert {(k, n) for k, n, _ in spofs(ctx, "B-CAR")} == {
        ("product", "B-STEEL"),
        ("product", "B-ORE"),
        ("enterprise", "m1"),
        ("enterprise", "s1"),
        ("enterprise", "c1"),
    }
    own = {s.node: s.hidden for s in spof(ctx, product="B-CAR")}
    assert own["c1"] is False and own["m1"] is True


def test_unreachable_products_have_no_spofs(ctx: Context) -> None:
    assert spof(ctx, product="C-FIN") == []
    assert spof(ctx, product="C-IDLE") == []
    rows = {c.product: c for c in capacities(ctx)}
    assert {p for p in ("C-A", "C-B", "C-FIN", "C-IDLE") if rows[p].available} == set()
    assert rows["A-FIN"].available and rows["B-CAR"].available


def test_unknown_producers_never_count_as_single_sources(ctx: Context) -> None:
    assert spofs(ctx, "D-R") == {
        ("product", "D-M", ("D-M", "D-R")),
        ("product", "D-P1", ("D-P1", "D-M", "D-R")),
        ("product", "D-P2", ("D-P2", "D-M", "D-R")),
    }
    report = single_sources(ctx.proj, chain="hand-d")
    assert {(s.product, s.sourcing, s.single_source) for s in report.products} == {
        ("D-P1", "unknown", False),
        ("D-P2", "unknown", False),
        ("D-M", "unknown", False),
        ("D-R", "unknown", False),
    }


def test_spof_of_key_products_of_a_chain(ctx: Context) -> None:
    assert {s.product for s in spof(ctx, chain="hand-c")} == set()
    assert {s.product for s in spof(ctx, chain="hand-a")} == {"A-FIN"}
    with pytest.raises(UnknownIdError):
        spof(ctx, product="NOPE")


# ---- single sources ------------------------------------------------------------------------


def test_single_sources_at_province_and_country_level(ctx: Context) -> None:
    rows = {s.product: s for s in single_sources(ctx.proj, region_level="province").products}
    got = {
        p: (
            rows[p].sourcing,
            rows[p].producers,
            rows[p].regional_single_source,
            rows[p].region,
            rows[p].group_single_source,
            rows[p].group,
        )
        for p in ("A-RAW1", "A-MID", "A-FIN", "C-IDLE")
    }
    assert got == {
        "A-RAW1": ("sole", 1, True, "X1", True, "e1"),
        "A-MID": ("multiple", 2, False, None, False, None),
        # e7 has no region: the answer stays open; e7 belongs to e6's group
        "A-FIN": ("multiple", 2, None, None, True, "e6"),
        "C-IDLE": ("none", 0, None, None, None, None),
    }
    country = {s.product: s for s in single_sources(ctx.proj, region_level="country").products}
    assert (country["A-MID"].regional_single_source, country["A-MID"].region) == (True, "X")


def test_concentration(ctx: Context) -> None:
    rows = {s.product: s for s in single_sources(ctx.proj).products}
    mid = rows["A-MID"]
    assert mid.hhi == pytest.approx(0.6**2 + 0.4**2)
    assert mid.effective_sources == pytest.approx(1 / 0.52)
    assert mid.hhi_group == pytest.approx(0.52)
    assert mid.hhi_region == pytest.approx(0.52)  # X1 and X2 at province level
    fin = rows["A-FIN"]
    assert fin.hhi_group == pytest.approx(1.0)  # one group
    assert fin.hhi == pytest.approx((1000 / 1005) ** 2 + (5 / 1005) ** 2)


def test_declared_single_sources(ctx: Context) -> None:
    declared = {
        (d.customer, d.product): (d.suppliers, d.single_source, d.group_single_source)
        for d in single_sources(ctx.proj).declared
    }
    assert declared == {
        ("e4", "A-RAW1"): (("e1",), True, True),
        ("e6", "A-MID"): (("e4", "e5"), False, False),
        ("e7", "A-MID"): (("e4",), True, True),
    }


def test_unknown_region_level_is_refused(ctx: Context) -> None:
    with pytest.raises(ValueError, match="unknown region level 'planet'"):
        single_sources(ctx.proj, region_level="planet")


# ---- capacity ------------------------------------------------------------------------------


def test_capacity_and_limiting_input(ctx: Context) -> None:
    rows = {c.product: c for c in capacities(ctx)}
    got = {
        p: (rows[p].achievable_per_day, rows[p].limited_by, rows[p].limiting_input)
        for p in ("A-RAW1", "A-MID", "A-FIN", "B-CAR", "C-FIN", "D-R")
    }
    assert got == {
        "A-RAW1": (100.0, "capacity", None),
        # producers 100; A-RAW1 100 / 2 = 50; alt group g 30 + 25 = 55
        "A-MID": (50.0, "input", "A-RAW1"),
        "A-FIN": (50.0, "input", "A-MID"),
        "B-CAR": (100.0, "capacity", None),  # steel 100 ties with own capacity 100
        "C-FIN": (0.0, "none", None),
        "D-R": (None, "none", None),
    }
    report = capacity(ctx.proj, "A-MID")
    assert [(i.group, i.inputs, i.supply_per_day) for i in report.inputs] == [
        (None, ("A-RAW1",), 50.0),
        ("g", ("A-RAW2", "A-RAW3"), 55.0),
    ]
    assert [(p.enterprise, p.share) for p in report.producers] == [("e4", 0.6), ("e5", 0.4)]


# ---- bottlenecks and key enterprises -------------------------------------------------------


def test_bottleneck_scores_and_capacity_criticality(ctx: Context) -> None:
    rows = {b.node: b for b in bottlenecks(ctx, chain="hand-a")}
    # only A-FIN is a key product of chain hand-a (weight 1)
    assert {n for n, b in rows.items() if b.is_spof} == {"A-MID", "A-RAW1", "e1", "X", "X1", "X1a"}
    assert {n: rows[n].bottleneck_score for n in ("e1", "X")} == {"e1": 1.0, "X": 1.0}
    crit = {n: round(b.capacity_criticality or 0.0, 6) for n, b in rows.items()}
    # A-FIN makes 50/day; without e2 the alt group gives 25 -> 25/day (half lost) ...
    assert {n: crit[n] for n in ("e1", "e2", "e3", "e4", "e6", "X2a", "Y1")} == {
        "e1": 1.0,
        "e2": 0.5,
        "e3": 0.4,
        "e4": 0.2,
        "e6": 0.9,
        "X2a": 0.5,
        "Y1": 0.9,
    }
    assert "e5" not in rows and "e7" not in rows  # losing them costs nothing


def test_key_enterprises_ranked_with_reasons(ctx: Context) -> None:
    ranked = key_enterprises(ctx, chain="hand-a")
    assert [(k.rank, k.enterprise) for k in ranked][:3] == [(1, "e1"), (2, "e6"), (3, "e2")]
    first = ranked[0]
    assert first.reasons == (
        "single point of failure of 1 key product(s): A-FIN",
        "only live producer of A-RAW1",
        "its loss cuts 100% of the chain's key-product output",
    )
    e6 = ranked[1]
    assert (e6.capacity_share, e6.share_of) == (pytest.approx(1000 / 1005), "A-FIN")


# ---- disruption ----------------------------------------------------------------------------


def test_disruption_of_a_region_reduces_output(ctx: Context) -> None:
    impact = disrupt(ctx, regions=["X2"])
    assert set(impact.enterprises_removed) == {"e2", "e5"}
    assert set(impact.regions_removed) == {"X2", "X2a"}
    assert {(p.product, p.cause) for p in impact.lost} == {("A-RAW2", "no live producer left")}
    reduced = {p.product: p for p in impact.reduced}
    assert {p: (r.before_per_day, r.after_per_day) for p, r in reduced.items()} == {
        "A-MID": (50.0, 25.0),
        "A-FIN": (50.0, 25.0),
    }
    # e6 holds 100 t of A-MID and uses 10/day; half the output is gone: 100 / (10 * 0.5)
    assert reduced["A-MID"].days_of_cover == pytest.approx(20.0)
    assert reduced["A-MID"].producer_capacity_lost == pytest.approx(40.0)
    # A-MID is limited by alt group g (A-RAW2 lost, A-RAW3's 25/day left, against e4's 60):
    # as for a loss through an input, it waits for A-RAW2 (20 days), then its own 14.
    assert reduced["A-MID"].cause == "input A-RAW2|A-RAW3 reduced"
    assert (reduced["A-MID"].days_to_recover, reduced["A-MID"].at_risk) == (34.0, True)
    # A-FIN is reduced through A-MID, by the same rule: its own stock (none) plus A-MID's 20
    # days of cover; A-MID's 34 days to recover plus its own 7.
    fin = reduced["A-FIN"]
    assert (fin.cause, fin.days_of_cover, fin.days_to_recover, fin.at_risk) == (
        "input A-MID reduced",
        pytest.approx(20.0),
        41.0,
        True,
    )
    # key products with a bounded output: A-FIN (half lost) and B-CAR (untouched)
    assert impact.key_output_lost == pytest.approx(0.25)
    assert [p.product for p in impact.key_reduced] == ["A-FIN"]


def test_disruption_of_an_enterprise_cuts_the_chain(ctx: Context) -> None:
    impact = disrupt(ctx, enterprises=["e1"])
    lost = {
        p.product: (p.cause, p.days_of_cover, p.days_to_recover, p.at_risk) for p in impact.lost
    }
    assert lost == {
        "A-RAW1": ("no live producer left", 0.0, 30.0, True),
        # the 100 t of A-MID stock last 10 days; A-RAW1 takes 30 days, then A-MID 14
        "A-MID": ("input A-RAW1 lost", 10.0, 44.0, True),
        "A-FIN": ("input A-MID lost", 10.0, 51.0, True),
    }
    assert impact.key_output_lost == pytest.approx(0.5)  # all of A-FIN, none of B-CAR
    assert [p.product for p in impact.key_lost] == ["A-FIN"]


def test_disruption_of_products_and_bad_ids(ctx: Context) -> None:
    impact = disrupt(ctx, products=["B-ORE"])
    assert {p.product for p in impact.lost} == {"B-ORE", "B-STEEL", "B-CAR", "B-SCRAP"}
    with pytest.raises(ScenarioError, match="enterprise 'nobody'"):
        disrupt(ctx, enterprises=["nobody"], regions=["X"])
    with pytest.raises(ScenarioError, match="at least one"):
        disrupt(ctx)


# ---- written back --------------------------------------------------------------------------


def test_results_are_written_back_for_cypher(loaded: Graph) -> None:
    result = run_all(loaded)
    assert result.written["SPOF_FOR"] == len(result.spof)
    rows = loaded.query(
        "MATCH (x)-[s:SPOF_FOR]->(p:Product {id: 'A-FIN'}) RETURN coalesce(x.id, x.code) AS x, "
        "s.path AS path, "
        "s.reason AS reason, s.analysis_run AS run"
    )
    assert {(r["x"], tuple(r["path"])) for r in rows} == {
        (n, path) for _, n, path in spofs(Context(project(loaded)), "A-FIN")
    }
    assert {r["run"] for r in rows} == {result.run_id}
    props = loaded.query(
        "MATCH (p:Product) WHERE p.id IN ['A-RAW1', 'A-MID', 'A-FIN', 'C-FIN', 'D-R'] "
        "RETURN p.id AS id, p.sourcing AS sourcing, p.producers AS producers, "
        "p.regional_single_source AS regional, p.achievable_per_day AS ach, "
        "p.limiting_input AS lim, p.spof_count AS spofs, p.available AS available, "
        "p.key_product AS key, p.is_spof AS is_spof"
    )
    assert {tuple(r.values()) for r in props} == {
        ("A-RAW1", "sole", 1, True, 100.0, None, None, True, False, True),
        ("A-MID", "multiple", 2, False, 50.0, "A-RAW1", None, True, False, True),
        ("A-FIN", "multiple", 2, None, 50.0, "A-MID", 6, True, True, False),
        ("C-FIN", "unknown", 0, None, 0.0, None, None, False, True, False),
        ("D-R", "unknown", 0, None, None, None, 3, True, True, False),
    }
    ents = loaded.query(
        "MATCH (e:Enterprise) WHERE e.is_spof RETURN e.id AS id, e.bottleneck_score AS score"
    )
    assert {(r["id"], r["score"]) for r in ents} == {
        ("e1", 1.0),
        ("m1", 1.0),
        ("s1", 1.0),
        ("c1", 1.0),
    }
    flags = loaded.query(
        "MATCH (a:Enterprise)-[x:SUPPLIES]->(b:Enterprise) WHERE x.single_source "
        "RETURN a.id AS a, b.id AS b, x.product AS product"
    )
    assert {(r["a"], r["b"], r["product"]) for r in flags} == {
        ("e1", "e4", "A-RAW1"),
        ("e4", "e7", "A-MID"),
    }
    ranks = loaded.query(
        "MATCH (e:Enterprise)-[k:KEY_RANK_IN]->(:Chain {id: 'hand-a'}) WHERE k.rank <= 2 "
        "RETURN e.id AS id, k.rank AS rank"
    )
    assert {(r["id"], r["rank"]) for r in ranks} == {("e1", 1), ("e6", 2)}
    run = loaded.query(
        "MATCH (a:AnalysisRun {id: $id}) RETURN a.spof_links AS n", {"id": result.run_id}
    )
    assert run == [{"n": len(result.spof)}]
