"""Planning on small graphs whose answers are worked out by hand (see plan_fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest
from plan_fixtures import write_files

from kg.connection import Graph
from kg.plan import (
    Minimise,
    Objective,
    PlanContext,
    PlanError,
    Weights,
    joint_capacity,
    plan_context,
    rampup,
    resume,
)
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pc(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> PlanContext:
    files = write_files(tmp_path_factory.mktemp("plan"))
    reports = Loader(graph).load_files(files, LoadOptions())
    assert [r.status for r in reports] == ["completed"] * len(files), [r.message for r in reports]
    return plan_context(graph)


def outputs(report: object) -> set[tuple[str, float | None, float | None]]:
    return {
        (
            r.product,
            None if r.joint_per_day is None else round(r.joint_per_day, 6),
            r.single_product_per_day,
        )
        for r in report.rows  # type: ignore[attr-defined]
    }


# ---- joint capacity --------------------------------------------------------------------------


def test_two_products_sharing_one_input_output_objective(pc: PlanContext) -> None:
    # max N95 + SURG (equal weights) s.t. 2 N95 + SURG <= 100, SURG <= 90: SURG 90, N95 5.
    rep = joint_capacity(pc, Objective.output, Weights.equal, chain="plan-share")
    assert outputs(rep) == {("N95", 5.0, 50.0), ("SURG", 90.0, 90.0)}
    assert rep.weighted_output == pytest.approx(95.0)
    # one more t/day of melt-blown: half an N95 more; one more SURG line unit: +1 SURG -0.5 N95
    prices = {(s.product, round(s.shadow_price, 6)) for s in rep.shadow_prices}
    assert prices == {("MB", 0.5), ("SURG", 0.5)}
    assert rep.row("N95").binding_inputs == ("MB",)
    assert rep.row("SURG").binding_inputs == ()  # at its own producers' capacity


def test_priority_weights(pc: PlanContext) -> None:
    # N95 weighs 1 (priority 1), SURG 1/4 (priority 4): a t of melt-blown makes 500,000 N95 or
    # 1,000,000 SURG, worth 0.5 against 0.25 per tonne: every tonne goes to N95 (up to 50)
    rep = joint_capacity(pc, Objective.output, Weights.priority, chain="plan-share")
    assert {(r.product, r.joint_per_day) for r in rep.rows} == {("N95", 50.0), ("SURG", 0.0)}
    assert rep.weighted_output == pytest.approx(50.0)


def test_two_products_sharing_one_input_demand_share(pc: PlanContext) -> None:
    # max t: 2 (30 t) + 60 t <= 100 -> t = 5/6; N95 25, SURG 50; every t/day of MB adds 1/120.
    rep = joint_capacity(pc, Objective.demand_share, chain="plan-share")
    assert rep.smallest_share == pytest.approx(100 / 120)
    assert outputs(rep) == {("N95", 25.0, 50.0), ("SURG", 50.0, 90.0)}
    assert {(r.product, round(r.share_of_demand or 0, 6)) for r in rep.rows} == {
        ("N95", round(25 / 30, 6)),
        ("SURG", round(50 / 60, 6)),
    }
    mb = {s.product: s for s in rep.shadow_prices}["MB"]
    assert mb.shadow_price == pytest.approx(1 / 120)
    assert mb.feeds == ("N95", "SURG")
    assert rep.shadow_unit.startswith("share of demand")


def test_substitute_pair(pc: PlanContext) -> None:
    # GLOVE takes NIT or LAT (they add up), CATH takes LAT: 200 t + 40 t <= 50 + 70 -> t = 1/2;
    # then the larger demand weighs more, but t holds CATH at 20 or more.
    rep = joint_capacity(pc, Objective.demand_share, chain="plan-alt")
    assert rep.smallest_share == pytest.approx(0.5)
    assert outputs(rep) == {("GLOVE", 100.0, 120.0), ("CATH", 20.0, 40.0)}
    assert set(rep.row("CATH").binding_inputs) == {"LAT"}
    assert set(rep.row("GLOVE").binding_inputs) == {"LAT", "NIT"}


def test_all_products_and_unknown_chain(pc: PlanContext) -> None:
    rep = joint_capacity(pc, Objective.output, Weights.equal, chain="plan-share", all_products=True)
    assert {(r.product, r.key) for r in rep.rows} >= {("MB", False), ("N95", True)}
    assert rep.row("MB").joint_per_day == pytest.approx(100.0)
    with pytest.raises(LookupError):
        joint_capacity(pc, chain="no-such-chain")


# ---- ramp-up -------------------------------------------------------------------------------


def test_conversion_meets_demand_on_day_12(pc: PlanContext) -> None:
    rep = rampup(pc, horizon=20, product="VENT")
    (row,) = rep.products
    assert (row.product, row.today_per_day, row.day_met) == ("VENT", 40.0, 12)
    daily = {(d.day, round(d.output_per_day or 0, 6)) for d in rep.days}
    assert {(t, 40.0 + 5 * t) for t in range(21)} == daily
    car1 = {c.enterprise: c for c in rep.conversions}["car1"]
    # without car1 VENT stays at 40: 60 unmet every day; with it, 60 - 5 t until day 12
    assert car1.unmet_demand_added == pytest.approx(sum(min(60.0, 5.0 * t) for t in range(21)))
    assert (car1.day_met_with, car1.day_met_without) == (12, None)


def test_conversions_through_the_joint_programme(pc: PlanContext) -> None:
    # more N95 lines do nothing while melt-blown binds; a melt-blown line does: 100 + 2 t >= 120
    # on day 10, when both masks meet demand together.
    rep = rampup(pc, horizon=15, chain="plan-share")
    assert rep.all_met_day == 10
    effects = {
        (c.enterprise, c.product, round(c.unmet_demand_added, 6) > 0) for c in rep.conversions
    }
    assert ("car3", "MB", True) in effects
    assert ("car2", "N95", False) in effects
    assert ("car1", "VENT", False) in effects  # not upstream of this chain
    assert rep.conversions[0].enterprise == "car3"


def test_existing_producer_ramps_to_capacity(pc: PlanContext) -> None:
    # CATH makes 20 today of 40 capacity; over the default 7 days it reaches 40 (latex 70 allows)
    rep = rampup(pc, horizon=10, product="CATH", default_ramp_days=7)
    (row,) = rep.products
    assert (row.today_per_day, row.day_met) == (20.0, 7)
    rep = rampup(pc, horizon=10, product="CATH", default_ramp_days=0)
    assert rep.products[0].day_met == 0


def test_bad_options(pc: PlanContext) -> None:
    with pytest.raises(PlanError):
        rampup(pc, horizon=-1)
    with pytest.raises(LookupError):
        rampup(pc, product="NOPE")


# ---- resumption white list -----------------------------------------------------------------


def entries(rep: object) -> list[tuple[int, str, tuple[str, ...], tuple[str, ...]]]:
    return [(e.order, e.enterprise, e.makes, e.unlocks) for e in rep.white_list]  # type: ignore[attr-defined]


def test_resume_after_a_lockdown_fewest_enterprises(pc: PlanContext) -> None:
    # lockdown of L stops ra, rc (raw), pa (part) and fa (final) in L1; fb (O, 90) can make the
    # 80 R-FIN needed, from 80 parts that need 50 more raw than rb's 30: pa and ra or rc.
    rep = resume(pc, regions=["L"], chain="plan-res")
    assert set(rep.stopped) == {"ra", "rc", "pa", "fa"}
    assert rep.status == "optimal"
    assert len(rep.white_list) == 2
    assert rep.white_list[1].enterprise == "pa"  # upstream first: the raw maker, then pa
    assert rep.white_list[0].enterprise in {"ra", "rc"}
    assert {(e.enterprise, e.unlocks) for e in rep.white_list} >= {("pa", ("R-FIN",))}
    ((row),) = rep.products
    assert (row.product, row.normal_per_day, row.target_per_day) == ("R-FIN", 100.0, 80.0)
    assert (row.after_disruption_per_day, row.reaches_target) == (0.0, True)
    assert row.with_white_list_per_day == pytest.approx(80.0)


def test_resume_least_capacity(pc: PlanContext) -> None:
    rep = resume(pc, regions=["L"], chain="plan-res", minimise=Minimise.capacity)
    assert entries(rep) == [(1, "rc", ("R-RAW",), ("R-FIN",)), (2, "pa", ("R-PART",), ("R-FIN",))]


def test_resume_unreachable_and_nothing_to_do(pc: PlanContext) -> None:
    # the part maker must stay stopped: nothing brings R-FIN back
    rep = resume(pc, regions=["L"], chain="plan-res", keep_stopped=["pa"])
    assert rep.unreachable == ["R-FIN"]
    assert rep.white_list == []
    # a 30% target: rb... no part maker outside L, so pa alone is not enough; raw 30 -> 30 R-FIN
    rep = resume(pc, regions=["L"], chain="plan-res", target_share=0.3)
    assert entries(rep) == [(1, "pa", ("R-PART",), ("R-FIN",))]
    rep = resume(pc, enterprises=["fa"], chain="plan-res")
    assert (rep.status, rep.white_list) == ("nothing to restart", [])


def test_resume_bad_input(pc: PlanContext) -> None:
    with pytest.raises(PlanError):
        resume(pc, chain="plan-res")
    with pytest.raises(PlanError):
        resume(pc, regions=["L"], target_share=1.5)
    with pytest.raises(LookupError):
        resume(pc, regions=["NOWHERE"])


# ---- stockpile sizing ----------------------------------------------------------------------


def test_stockpile_sizing_default_scenarios(pc: PlanContext, graph: Graph) -> None:
    from kg.monitor.stockpiles import stockpile_report
    from kg.plan.stockpiles import size_stockpiles

    plan = size_stockpiles(pc, stockpile_report(graph), chain="plan-res")
    assert {s.name for s in plan.scenarios} == {
        "lockdown of Lockland",
        "lockdown of Otherland",
        "loss of sole source pa (R-PART)",
    }
    # lockdown of L: no part maker left, R-FIN 0 of 50/day; fb's 200 in stock last 4 days; the
    # part comes back in 10 days and R-FIN 5 after: 50 x (15 - 4) = 550
    needs = {
        (n.scenario, n.shortfall_per_day, n.days_to_survive, n.days_to_recover, n.reserve_needed)
        for n in plan.needs
    }
    assert needs == {
        ("lockdown of Lockland", 50.0, 4.0, 15.0, 550.0),
        ("loss of sole source pa (R-PART)", 50.0, 4.0, 15.0, 550.0),
        # reduced from 100 to 60 (fb and its stock gone), but fa's 60 cover the 50 needed
        ("lockdown of Otherland", 0.0, 0.0, 5.0, 0.0),
    }
    (row,) = plan.products
    assert (
        row.product,
        row.reserve_needed,
        row.target_today,
        row.stock_today,
        row.gap_to_target,
    ) == (
        "R-FIN",
        550.0,
        300.0,
        100.0,
        250.0,
    )
    assert {(h.reserve, h.region, h.needed) for h in row.holders} == {("fb", "O", 550.0)}
    assert plan.by_region() == [
        {
            "region": "O",
            "product": "R-FIN",
            "reserve_needed": 550.0,
            "target_today": 300.0,
            "stock_today": 100.0,
        }
    ]


def test_stockpile_scenarios_from_yaml(pc: PlanContext, tmp_path: Path) -> None:
    from kg.plan.stockpiles import load_scenarios, size_stockpiles

    path = tmp_path / "scenarios.yaml"
    path.write_text(
        "scenarios:\n  - name: fa and fb\n    enterprises: [fa, fb]\n", encoding="utf-8"
    )
    plan = size_stockpiles(pc, None, load_scenarios(path), chain="plan-res")
    # both final makers lost: R-FIN lead 5 days, stock 0 (fb's stock went with it)
    assert {
        (n.scenario, n.days_to_survive, n.days_to_recover, n.reserve_needed) for n in plan.needs
    } == {("fa and fb", 0.0, 5.0, 250.0)}
    path.write_text("scenarios:\n  - name: nothing\n", encoding="utf-8")
    with pytest.raises(PlanError, match="scenario 1: names no region"):
        load_scenarios(path)
    path.write_text("scenarios:\n  - regions: [NOWHERE]\n", encoding="utf-8")
    with pytest.raises(PlanError, match="scenario 1"):
        size_stockpiles(pc, None, load_scenarios(path), chain="plan-res")
