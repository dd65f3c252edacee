"""Planning on the shipped sample, loaded into the real engine: the joint mask capacity and
melt-blown's shadow price, the day the conversions meet mask demand, and the resumption white
list of a lockdown of the medical chain's main province."""

from __future__ import annotations

import pytest

from kg.connection import Graph
from kg.monitor.stockpiles import stockpile_report
from kg.plan import Objective, PlanContext, joint_capacity, plan_context, rampup, resume
from kg.plan.headlines import main_region, plan_headlines, summary_lines
from kg.plan.stockpiles import size_stockpiles
from loaders.pipeline import Loader, LoadOptions
from loaders.sample import DATA_DIR, sample_files

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pc(graph: Graph) -> PlanContext:
    reports = Loader(graph).load_files(sample_files(DATA_DIR), LoadOptions())
    assert all(r.status == "completed" and not r.rows_rejected for r in reports)
    return plan_context(graph)


def test_conversions_are_read(pc: PlanContext) -> None:
    proj = pc.proj
    got = {(proj.enterprise_name[c.e], proj.product_ids[c.p]) for c in pc.data.conversions}
    assert ("Shenzhen Brightvolt Auto Co., Ltd.", "SURG-MASK") in got
    assert ("Liuzhou Greenvale Automobile Co., Ltd.", "SURG-MASK") in got
    assert ("Beijing Palecliff Petrochemical Co., Ltd.", "MB-FABRIC") in got
    assert len(pc.data.conversions) == 12 and pc.data.skipped == 0


def test_joint_mask_capacity_and_melt_blowns_shadow_price(pc: PlanContext) -> None:
    rep = joint_capacity(pc, Objective.demand_share, chain="medical-supplies")
    # 60 t/day of melt-blown for 4 g per N95 and 1 g per surgical mask; demand 12 M and 63 M:
    # 12 M x 4e-6 t + 63 M x 1e-6 t = 111 t for all of it, so at best 60/111 of each
    share = 60 / 111
    assert rep.smallest_share == pytest.approx(share)
    n95, surg = rep.row("N95"), rep.row("SURG-MASK")
    assert n95.joint_per_day == pytest.approx(12e6 * share, rel=1e-6)
    assert surg.joint_per_day == pytest.approx(63e6 * share, rel=1e-6)
    # the single-product figures give each mask all the melt-blown: 15 M N95, 60 M surgical
    assert (n95.single_product_per_day, surg.single_product_per_day) == (15e6, 60e6)
    assert n95.binding_inputs == surg.binding_inputs == ("MB-FABRIC",)
    assert [(s.product, s.feeds) for s in rep.shadow_prices] == [
        ("MB-FABRIC", ("N95", "SURG-MASK"))
    ]
    assert rep.shadow_prices[0].shadow_price == pytest.approx(1 / 111)


def test_mask_demand_met_on_day_11(pc: PlanContext) -> None:
    rep = rampup(pc, horizon=30, product=["N95", "SURG-MASK"])
    assert rep.all_met_day == 11
    # the melt-blown and resin lines are what meets demand; car makers' mask lines add nothing
    # while melt-blown binds
    top = [c.name for c in rep.conversions[:3]]
    assert top == [
        "Dalian Northwind Refining Co., Ltd.",
        "Beijing Palecliff Petrochemical Co., Ltd.",
        "Zhanjiang Coralpeak Petrochemical Co., Ltd.",
    ]
    assert rep.conversions[0].day_met_without is None
    cars = [c for c in rep.conversions if c.name and "Auto" in c.name]
    assert cars and all(c.unmet_demand_added == 0 for c in cars)


def test_resumption_white_list_of_the_main_province(pc: PlanContext) -> None:
    r = main_region(pc, "medical-supplies")
    assert r is not None and pc.proj.region_name[r] == "Jiangsu"
    rep = resume(pc, regions=[pc.proj.region_codes[r]], chain="medical-supplies")
    assert rep.status == "optimal" and rep.unreachable == []
    assert [e.name for e in rep.white_list] == [
        "Wuxi Stonebridge Packaging Technology Co., Ltd.",
        "Nantong Sealark Microelectronics Co., Ltd.",
        "Zhenjiang Elmbrook Medical Devices Co., Ltd.",
    ]
    assert all(e.unlocks for e in rep.white_list)  # none of them can be left out
    assert all(p.with_white_list_per_day >= p.target_per_day * (1 - 1e-6) for p in rep.products)
    # the masks are held by melt-blown, not by Jiangsu: nothing to restart for them
    assert not any("N95" in e.unlocks for e in rep.white_list)


def test_stockpile_sizing_on_the_sample(pc: PlanContext, graph: Graph) -> None:
    plan = size_stockpiles(pc, stockpile_report(graph), chain="medical-supplies")
    names = {s.name for s in plan.scenarios}
    assert "loss of sole source " in " ".join(names)
    assert any(n.startswith("lockdown of") for n in names)
    by = {p.product: p for p in plan.products}
    # masks are short of demand in every scenario (melt-blown), so they need a reserve
    assert by["N95"].reserve_needed is not None and by["N95"].reserve_needed > 0
    assert by["SURG-MASK"].target_today > 0


def test_headlines(pc: PlanContext) -> None:
    lines = summary_lines(plan_headlines(pc))
    assert lines[0].startswith("Joint mask capacity: N95 6,486,486 a day (alone 15,000,000")
    assert "Melt-blown (MB-FABRIC) is the weak link" in lines[1]
    assert lines[2].startswith("Mask demand met on day 11")
    assert lines[3].startswith("Lockdown of Jiangsu: ")
