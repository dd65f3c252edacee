"""Allocation of scarce supply by priority, and stockpiles against targets.

The pure cases are worked out by hand in the comments; the graph cases use
tests/data/monitor (MASK: M1 outputs 3,000 a day, M2 1,000; capacities 3,000 and 2,000).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from kg.monitor import AllocationError, allocate, split_supply, stockpile_report
from kg.monitor.snapshots import Demand
from kg.tiers import NotFoundError
from loaders.pipeline import Loader, LoadOptions

MONITOR = Path(__file__).parent / "data" / "monitor"
AT = dt.date(2024, 3, 10)
DAY = dt.date(2024, 3, 1)


def demand(area: str, priority: int, daily: float) -> Demand:
    return Demand(area, "P", priority, daily, DAY)


def got(supply: float, demands: list[Demand], whole: bool = False) -> dict[str, float]:
    areas, _ = split_supply(supply, demands, whole)
    return {a.area: a.allocated for a in areas}


# ---- pure cases -------------------------------------------------------------------------------


def test_priorities_in_order_pro_rata_in_the_first_short_one() -> None:
    demands = [
        demand("H1", 1, 300),
        demand("H2", 1, 200),
        demand("E1", 2, 400),
        demand("S1", 3, 300),
        demand("S2", 3, 100),
    ]
    areas, steps = split_supply(1000, demands)
    # priority 1: 500 of 1,000 -> full; priority 2: 400 of 500 -> full; priority 3 wants 400,
    # 100 are left: 25% each -> S1 75, S2 25.
    assert {(a.area, a.allocated, a.unmet) for a in areas} == {
        ("H1", 300, 0),
        ("H2", 200, 0),
        ("E1", 400, 0),
        ("S1", 75, 225),
        ("S2", 25, 75),
    }
    assert [(s.priority, s.demand, s.available, s.allocated) for s in steps] == [
        (1, 500, 1000, 500),
        (2, 400, 500, 400),
        (3, 400, 100, 100),
    ]
    assert "served in full" in steps[0].note and "pro rata, 25.0%" in steps[2].note
    assert [a.area for a in areas] == ["H1", "H2", "E1", "S1", "S2"]  # priority, then area id


def test_later_priorities_get_nothing_once_supply_runs_out() -> None:
    areas, steps = split_supply(
        600, [demand("B", 1, 500), demand("A", 1, 700), demand("C", 2, 10), demand("D", 5, 1)]
    )
    # priority 1 wants 1,200 of 600: 50% each. Priorities 2 and 5 get nothing.
    assert {(a.area, a.allocated, a.unmet, a.fill) for a in areas} == {
        ("A", 350, 350, 0.5),
        ("B", 250, 250, 0.5),
        ("C", 0, 10, 0),
        ("D", 0, 1, 0),
    }
    assert "nothing left after earlier priorities" in steps[1].note


def test_surplus_is_left_over_and_zero_supply_gives_nothing() -> None:
    assert got(50, [demand("A", 1, 10), demand("B", 2, 20)]) == {"A": 10, "B": 20}
    assert got(0, [demand("A", 1, 10)]) == {"A": 0}
    assert got(10, [demand("A", 1, 0), demand("B", 1, 0), demand("C", 2, 5)]) == {
        "A": 0,
        "B": 0,
        "C": 5,
    }
    with pytest.raises(AllocationError):
        split_supply(-1, [demand("A", 1, 10)])


def test_whole_units_largest_remainder_ties_by_area_id() -> None:
    demands = [
        demand("A", 1, 3.2),
        demand("B", 1, 2),
        demand("C", 2, 5),
        demand("D", 2, 3),
        demand("E", 2, 1),
    ]
    areas, _ = split_supply(10.7, demands, whole_units=True)
    # supply 10.7 -> 10 units. Priority 1: A needs 3.2 -> 4 whole units, B 2: 6 served, 4 left.
    # Priority 2 wants 9: quotas C 4x5/9 = 2.22, D 1.33, E 0.44 -> 2, 1, 0; the unit left goes
    # to the largest remainder, E (0.44 > 0.33 > 0.22).
    assert {(a.area, a.demand, a.allocated) for a in areas} == {
        ("A", 4, 4),
        ("B", 2, 2),
        ("C", 5, 2),
        ("D", 3, 1),
        ("E", 1, 1),
    }
    # Equal remainders: the area id decides.
    assert got(1, [demand("Y", 1, 1), demand("X", 1, 1)], whole=True) == {"X": 1, "Y": 0}
    # Three areas of 1, 2 units: quotas 0.67 each -> 0; two units to X and Y (ties by id).
    assert got(2, [demand("Z", 1, 1), demand("Y", 1, 1), demand("X", 1, 1)], whole=True) == {
        "X": 1,
        "Y": 1,
        "Z": 0,
    }


def test_the_same_input_gives_the_same_allocation_in_any_order() -> None:
    demands = [demand(f"A{i:02d}", 1 + i % 3, 7 + i) for i in range(20)]
    first = got(123.4, demands, whole=True)
    assert got(123.4, list(reversed(demands)), whole=True) == first
    assert sum(first.values()) == 123


# ---- on the graph -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sorted(MONITOR.glob("*.csv")), LoadOptions())
    assert [r.status for r in reports] == ["completed"] * len(reports)
    return graph


@pytest.mark.integration
def test_allocate_the_producers_output(loaded: Graph) -> None:
    result = allocate(loaded, "MASK", at=AT)
    # Output 3,000 + 1,000 = 4,000 a day. Priority 1 (H-CITY 1,500, its latest snapshot, and
    # H-RURAL 500) is served in full; priority 2 (ELDER 2,500) gets the 2,000 left (80%);
    # priority 3 (SCHOOL 1,000) nothing.
    assert result.supply == 4000 and "output of 2 producer(s)" in result.supply_note
    assert {(a.area, a.priority, a.demand, a.allocated, a.unmet) for a in result.areas} == {
        ("H-CITY", 1, 1500, 1500, 0),
        ("H-RURAL", 1, 500, 500, 0),
        ("ELDER", 2, 2500, 2000, 500),
        ("SCHOOL", 3, 1000, 0, 1000),
    }
    assert (result.demand, result.allocated, result.unmet, result.left_over) == (
        5500,
        4000,
        1500,
        0,
    )
    city = result.areas[0]
    assert (city.area_name, city.sector, city.region) == ("City hospitals", "hospitals", "110000")


@pytest.mark.integration
def test_allocate_capacity_a_given_supply_and_an_earlier_date(loaded: Graph) -> None:
    cap = allocate(loaded, "MASK", basis="capacity", at=AT)
    # Capacity 5,000: priorities 1 and 2 in full (4,500), SCHOOL gets the 500 left.
    assert {a.area: a.allocated for a in cap.areas} == {
        "H-CITY": 1500,
        "H-RURAL": 500,
        "ELDER": 2500,
        "SCHOOL": 500,
    }
    given = allocate(loaded, "MASK", supply=1000, at=AT)
    # 1,000 for priority 1's 2,000: 50% each.
    assert {a.area: a.allocated for a in given.areas} == {
        "H-CITY": 750,
        "H-RURAL": 250,
        "ELDER": 0,
        "SCHOOL": 0,
    }
    assert given.supply_note == "given: 1,000/day"
    early = allocate(loaded, "MASK", at=dt.date(2024, 2, 15))
    # On 02-15 only H-CITY's first snapshot (900) is known.
    assert {(a.area, a.demand, a.allocated) for a in early.areas} == {("H-CITY", 900, 900)}


@pytest.mark.integration
def test_allocate_says_what_is_missing(loaded: Graph) -> None:
    with pytest.raises(NotFoundError, match="no product with id 'NOPE'"):
        allocate(loaded, "NOPE")
    none = allocate(loaded, "WIRE", at=AT)
    assert none.areas == [] and "no demand snapshot for WIRE" in none.notes[0]
    loaded.write("MERGE (p:Product {id: 'ORPHAN'}) SET p.name = 'No producer'")
    with pytest.raises(AllocationError, match="give the daily supply to allocate with --supply"):
        allocate(loaded, "ORPHAN")


@pytest.mark.integration
def test_stockpiles_against_targets(loaded: Graph) -> None:
    report = stockpile_report(loaded, AT)
    # MASK national demand: areas 1,500 + 500 + 2,500 + 1,000 = 5,500, plus KIT's output
    # 300 x 10 = 3,000: 8,500 a day. RESIN: FIB-A's 40 + FIB-B's 20 = 60 a day.
    assert {
        (r.reserve, r.product, r.stock, r.target, r.shortfall, r.under_target)
        for r in report.reserves
    } == {
        ("RES1", "MASK", 20000, 50000, 30000, True),
        ("RES2", "MASK", 40000, 30000, 0, False),
        ("RES1", "RESIN", 500, 400, 0, False),
    }
    res1 = next(r for r in report.reserves if r.reserve == "RES1" and r.product == "MASK")
    assert res1.fill == pytest.approx(0.4) and res1.days_of_demand == pytest.approx(20000 / 8500)
    assert (res1.region, res1.region_name, res1.age_days) == ("110000", "Beijing", 9)
    products = {r.product: r for r in report.by_product}
    assert (products["MASK"].stock, products["MASK"].target, products["MASK"].reserves) == (
        60000,
        80000,
        2,
    )
    assert products["MASK"].national_demand == 8500
    assert products["MASK"].days_of_demand == pytest.approx(60000 / 8500)
    assert products["MASK"].as_of == dt.date(2024, 1, 1)  # the oldest snapshot behind the total
    assert products["RESIN"].days_of_demand == pytest.approx(500 / 60)
    assert report.under_target == ["MASK"]
    assert {(r.region, r.product, r.stock, r.under_target) for r in report.by_region} == {
        ("110000", "MASK", 20000, True),
        ("110000", "RESIN", 500, False),
        ("310000", "MASK", 40000, False),
    }


@pytest.mark.integration
def test_cli_allocate_and_stockpiles(loaded: Graph, cli: CliRunner) -> None:
    result = cli.invoke(app, ["allocate", "MASK", "--as-of", "2024-03-10", "-f", "json"])
    assert result.exit_code == 0, result.output
    [data] = json.loads(result.stdout)
    assert (data["supply"], data["allocated"], data["unmet"]) == (4000.0, 4000.0, 1500.0)
    assert [s["priority"] for s in data["steps"]] == [1, 2, 3]
    table = cli.invoke(
        app, ["allocate", "MASK", "--as-of", "2024-03-10", "--whole-units", "--supply", "999.5"]
    )
    assert table.exit_code == 0, table.output
    assert "rounded down to 999" in table.stderr
    csv_out = cli.invoke(app, ["allocate", "MASK", "--as-of", "2024-03-10", "-f", "csv"])
    assert csv_out.stdout.splitlines()[0].startswith("priority,area,area_name")
    bad = cli.invoke(app, ["allocate", "ORPHAN"])
    assert bad.exit_code == 2 and "--supply" in bad.stderr
    missing = cli.invoke(app, ["allocate", "NOPE"])
    assert missing.exit_code == 2 and "no product with id 'NOPE'" in missing.stderr
    piles = cli.invoke(
        app,
        ["stockpiles", "--as-of", "2024-03-10", "--by", "product", "--under-target", "-f", "json"],
    )
    assert piles.exit_code == 0, piles.output
    assert [(r["product"], r["shortfall"]) for r in json.loads(piles.stdout)] == [("MASK", 20000.0)]
    assert "under target: MASK" in piles.stderr
