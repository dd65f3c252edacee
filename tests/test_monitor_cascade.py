"""The cascade along the bill of materials, and the warnings written back to the graph.

tests/data/monitor_cascade: ore -> alloy -> bolts and frames -> cars (with two panels that
substitute for each other) -> a service kit made by no producer on record. Reference date
2024-03-10; all inventory snapshots are of 2024-03-08. Worked out by hand:

Red sources: SMELT holds 2 days of ORE (runs out 03-10); PANA holds 2 days of SHEET, and
SHEET's national cover is the same 2 days (a product warning: SHEET stops on 03-08).
Yellow sources: PANB holds 10 days of POLY; POLY's national cover is 10 days.

At red: SMELT stops making ALLOY on 03-10 (its own ORE). BOLTCO and FRAMECO1 hold 30 days of
ALLOY: they stop on 04-09; FRAMECO2 holds none: it stops on 03-10; FRAME, made by both, is
cut off when the last stops (04-09). CARCO needs BOLT (10 days held: 04-19), FRAME (5 days:
04-14) and PANEL-A or PANEL-B: PANEL-A is cut off on 03-10 but PANEL-B is not at risk, so the
panels do not stop it. CAR is cut off on 04-14, and so is KIT2 (no producer on record, so no
stock). DEALER holds 12 days of cars: 04-26.
At yellow (red and yellow together) PANEL-B is cut off on 03-18 as well, so CARCO's panels
last only until 03-20 (its 10 days of PANEL-A): the cars would stop on 03-20.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from kg.monitor import (
    evaluate,
    evaluate_warnings,
    load_rules,
    rules_from_mapping,
    write_warnings,
)
from kg.monitor.early_warning import EarlyWarning
from kg.monitor.snapshots import BomEdge, Capacity, Holding, ProductInfo, Snapshots, to_date
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

DATA = Path(__file__).parent / "data" / "monitor_cascade"
AT = dt.date(2024, 3, 10)
D = dt.date


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sorted(DATA.glob("*.csv")), LoadOptions())
    assert [r.status for r in reports] == ["completed"] * len(reports)
    return graph


CASCADE = {
    ("red", "product", "PANEL-A", "", D(2024, 3, 10)),
    ("red", "product", "ALLOY", "", D(2024, 3, 10)),
    ("red", "product", "BOLT", "", D(2024, 4, 9)),
    ("red", "product", "FRAME", "", D(2024, 4, 9)),
    ("red", "product", "CAR", "", D(2024, 4, 14)),
    ("red", "product", "KIT2", "", D(2024, 4, 14)),
    ("yellow", "product", "PANEL-B", "", D(2024, 3, 18)),
    ("red", "enterprise", "PANEL-A", "PANA", D(2024, 3, 10)),
    ("red", "enterprise", "ALLOY", "SMELT", D(2024, 3, 10)),
    ("red", "enterprise", "BOLT", "BOLTCO", D(2024, 4, 9)),
    ("red", "enterprise", "FRAME", "FRAMECO1", D(2024, 4, 9)),
    ("red", "enterprise", "FRAME", "FRAMECO2", D(2024, 3, 10)),
    ("red", "enterprise", "CAR", "CARCO", D(2024, 4, 14)),
    ("yellow", "enterprise", "PANEL-B", "PANB", D(2024, 3, 18)),
    ("red", "holding", "PANEL-A", "CARCO", D(2024, 3, 20)),
    ("red", "holding", "ALLOY", "BOLTCO", D(2024, 4, 9)),
    ("red", "holding", "ALLOY", "FRAMECO1", D(2024, 4, 9)),
    ("red", "holding", "BOLT", "CARCO", D(2024, 4, 19)),
    ("red", "holding", "FRAME", "CARCO", D(2024, 4, 14)),
    ("red", "holding", "CAR", "DEALER", D(2024, 4, 26)),
}


def cascade_rows(
    report_warnings: list[EarlyWarning],
) -> set[tuple[str, str, str, str, dt.date | None]]:
    return {
        (w.level, w.subject, w.product, w.enterprise or "", w.runs_out)
        for w in report_warnings
        if w.rule == "cascade"
    }


def test_the_rule_warnings_that_start_the_cascade(loaded: Graph) -> None:
    report = evaluate_warnings(loaded, load_rules(), AT)
    sources = {
        (w.level, w.rule, w.product, w.enterprise or "", w.runs_out)
        for w in report.warnings
        if w.rule != "cascade"
    }
    assert sources == {
        ("red", "raw-cover", "ORE", "SMELT", D(2024, 3, 10)),
        ("red", "raw-cover", "SHEET", "PANA", D(2024, 3, 10)),
        ("red", "raw-cover-total", "SHEET", "", D(2024, 3, 10)),
        ("yellow", "raw-cover", "POLY", "PANB", D(2024, 3, 18)),
        ("yellow", "raw-cover-total", "POLY", "", D(2024, 3, 18)),
    }


def test_the_cascade_with_the_date_each_runs_out(loaded: Graph) -> None:
    report = evaluate_warnings(loaded, load_rules(), AT)
    assert cascade_rows(report.warnings) == CASCADE


def test_each_cascade_warning_names_its_path_and_source(loaded: Graph) -> None:
    report = evaluate_warnings(loaded, load_rules(), AT)
    by_key = {
        (w.subject, w.product, w.enterprise): w for w in report.warnings if w.rule == "cascade"
    }
    car = by_key[("product", "CAR", None)]
    assert car.path == ("ORE", "ALLOY", "FRAME", "CAR")
    assert car.source == "the red raw-cover warning on ORE at SMELT"
    assert car.as_of == D(2024, 3, 8)
    assert "its only producer, Car Assembly [CARCO], runs out of FRAME" in car.reason
    assert "on 2024-03-20 if the yellow warnings come true as well" in car.reason
    frame = by_key[("product", "FRAME", None)]
    assert "the last of its 2 producers, Frame Co One [FRAMECO1]" in frame.reason
    kit = by_key[("product", "KIT2", None)]
    assert "no producer on record" in kit.reason and kit.path[-2:] == ("CAR", "KIT2")
    panel = by_key[("product", "PANEL-A", None)]
    assert panel.path == ("SHEET", "PANEL-A")
    assert panel.source == "the red raw-cover-total warning on SHEET"
    smelt = by_key[("enterprise", "ALLOY", "SMELT")]
    assert "its own stock of ORE runs out on 2024-03-10" in smelt.reason
    f2 = by_key[("enterprise", "FRAME", "FRAMECO2")]
    assert "holds no stock of it on record" in f2.reason
    assert "medical" not in car.chains and car.chains == ("auto",)


def test_only_the_configured_levels_cascade(loaded: Graph) -> None:
    rules = rules_from_mapping({"cascade": {"levels": ["red"]}})
    rows = cascade_rows(evaluate_warnings(loaded, rules, AT).warnings)
    assert rows == {r for r in CASCADE if r[0] == "red"}
    car = next(
        w
        for w in evaluate_warnings(loaded, rules, AT).warnings
        if w.rule == "cascade" and w.product == "CAR" and w.subject == "product"
    )
    assert "come true as well" not in car.reason
    none = rules_from_mapping({"cascade": {"levels": []}})
    assert cascade_rows(evaluate_warnings(loaded, none, AT).warnings) == set()


def test_yellow_alone_does_not_stop_the_cars(loaded: Graph) -> None:
    # Only the yellow warnings cascade: POLY cuts PANEL-B, but PANEL-A is not at risk then, so
    # the panels (one alt_group) keep CARCO going: no car is at risk.
    rules = rules_from_mapping({"cascade": {"levels": ["yellow"]}})
    rows = cascade_rows(evaluate_warnings(loaded, rules, AT).warnings)
    assert rows == {
        ("yellow", "product", "PANEL-B", "", D(2024, 3, 18)),
        ("yellow", "enterprise", "PANEL-B", "PANB", D(2024, 3, 18)),
    }


def test_a_bom_cycle_settles() -> None:
    # B is made of A and C, C of B (a loop), and A is warned.
    snap = Snapshots(at=AT)
    for pid in ("A", "B", "C"):
        snap.products[pid] = ProductInfo(pid, pid, "raw material", "t", (), None)
    snap.bom = [BomEdge("A", "B", 1, None), BomEdge("C", "B", 1, None), BomEdge("B", "C", 1, None)]
    snap.capacity[("EB", "B")] = Capacity("EB", "B", 10, 10, AT)
    snap.capacity[("EC", "C")] = Capacity("EC", "C", 10, 10, AT)
    snap.holdings[("EB", "A")] = Holding("EB", "A", 5, 5, D(2024, 3, 8))  # 1 day: red
    snap.holdings[("EC", "B")] = Holding("EC", "B", 40, 2, D(2024, 3, 8))  # 20 days
    rules = rules_from_mapping(
        {"raw_materials": {"supply_gap": {"red": -0.9, "yellow": -0.9, "blue": -0.9}}}
    )
    report = evaluate(snap, rules)
    rows = {
        (w.subject, w.product, w.enterprise or "", w.runs_out)
        for w in report.warnings
        if w.rule == "cascade" and w.level == "red"
    }
    # A stops 03-08 (its national cover is 1 day). EB runs out of A on 03-09: B is cut then.
    # EC holds 20 days of B: C is cut on 03-29, which comes back to B later than 03-09.
    assert {r for r in rows if r[0] != "holding"} == {
        ("product", "B", "", D(2024, 3, 9)),
        ("enterprise", "B", "EB", D(2024, 3, 9)),
        ("product", "C", "", D(2024, 3, 29)),
        ("enterprise", "C", "EC", D(2024, 3, 29)),
    }


def _props(graph: Graph, query: str) -> dict[str, tuple[str | None, dt.date | None, bool]]:
    out = {}
    for r in graph.query(query):
        out[r["id"]] = (r["level"], to_date(r["runs_out"]), bool(r["reason"]))
    return out


PRODUCT_PROPS = (
    "MATCH (n:Product) WHERE n.warning_level IS NOT NULL RETURN n.id AS id, "
    "n.warning_level AS level, n.warning_runs_out AS runs_out, n.warning_reason AS reason"
)
ENTERPRISE_PROPS = (
    "MATCH (n:Enterprise) WHERE n.warning_level IS NOT NULL RETURN n.id AS id, "
    "n.warning_level AS level, n.warning_runs_out AS runs_out, n.warning_reason AS reason"
)
HOLDS_PROPS = (
    "MATCH (e:Enterprise)-[n:HOLDS]->(p:Product) WHERE n.warning_level IS NOT NULL "
    "RETURN e.id + '/' + p.id AS id, n.warning_level AS level, n.warning_runs_out AS runs_out, "
    "n.warning_reason AS reason"
)


def test_warnings_are_written_back_and_stale_ones_cleared(loaded: Graph) -> None:
    loaded.write(
        "MATCH (n:Enterprise {id: 'MINE'}) SET n.warning_level = 'red', "
        "n.warning_reason = 'left from an earlier run', n.warning_run = 'W-old'"
    )
    summary = write_warnings(loaded, evaluate_warnings(loaded, load_rules(), AT))
    assert summary.cleared == {"Product": 0, "Enterprise": 1, "HOLDS": 0}
    assert _props(loaded, PRODUCT_PROPS) == {
        "SHEET": ("red", D(2024, 3, 10), True),
        "POLY": ("yellow", D(2024, 3, 18), True),
        "PANEL-A": ("red", D(2024, 3, 10), True),
        "PANEL-B": ("yellow", D(2024, 3, 18), True),
        "ALLOY": ("red", D(2024, 3, 10), True),
        "BOLT": ("red", D(2024, 4, 9), True),
        "FRAME": ("red", D(2024, 4, 9), True),
        "CAR": ("red", D(2024, 4, 14), True),
        "KIT2": ("red", D(2024, 4, 14), True),
    }
    assert _props(loaded, ENTERPRISE_PROPS) == {
        "SMELT": ("red", D(2024, 3, 10), True),  # its ORE and its ALLOY
        "PANA": ("red", D(2024, 3, 10), True),
        "PANB": ("yellow", D(2024, 3, 18), True),
        "BOLTCO": ("red", D(2024, 4, 9), True),
        "FRAMECO1": ("red", D(2024, 4, 9), True),
        "FRAMECO2": ("red", D(2024, 3, 10), True),
        "CARCO": ("red", D(2024, 3, 20), True),  # the earliest of its red warnings: PANEL-A
        "DEALER": ("red", D(2024, 4, 26), True),
    }
    assert _props(loaded, HOLDS_PROPS) == {
        "SMELT/ORE": ("red", D(2024, 3, 10), True),
        "PANA/SHEET": ("red", D(2024, 3, 10), True),
        "PANB/POLY": ("yellow", D(2024, 3, 18), True),
        "BOLTCO/ALLOY": ("red", D(2024, 4, 9), True),
        "FRAMECO1/ALLOY": ("red", D(2024, 4, 9), True),
        "CARCO/PANEL-A": ("red", D(2024, 3, 20), True),
        "CARCO/BOLT": ("red", D(2024, 4, 19), True),
        "CARCO/FRAME": ("red", D(2024, 4, 14), True),
        "DEALER/CAR": ("red", D(2024, 4, 26), True),
    }
    row = loaded.query(
        "MATCH (n:Product {id: 'CAR'}) RETURN n.warning_reason AS reason, "
        "n.warning_as_of AS as_of, n.warning_run AS run"
    )[0]
    assert row["run"] == summary.run and to_date(row["as_of"]) == D(2024, 3, 8)
    assert row["reason"].startswith("at risk (red): CAR (Car) is cut off on 2024-04-14")

    # A later run that finds less at risk (only yellow cascades) clears what no longer holds.
    calm = rules_from_mapping({"cascade": {"levels": ["yellow"]}})
    again = write_warnings(loaded, evaluate_warnings(loaded, calm, AT))
    assert again.cleared == {"Product": 6, "Enterprise": 5, "HOLDS": 6}
    assert set(_props(loaded, PRODUCT_PROPS)) == {"SHEET", "POLY", "PANEL-B"}
    assert set(_props(loaded, ENTERPRISE_PROPS)) == {"SMELT", "PANA", "PANB"}
    assert set(_props(loaded, HOLDS_PROPS)) == {"SMELT/ORE", "PANA/SHEET", "PANB/POLY"}
    left = loaded.query(
        "MATCH (n:Product {id: 'CAR'}) RETURN n.warning_reason AS r, n.warning_run AS run, "
        "n.warning_runs_out AS o, n.warning_as_of AS a"
    )[0]
    assert left == {"r": None, "run": None, "o": None, "a": None}


def test_cli_writes_back_and_filters(loaded: Graph, cli: CliRunner) -> None:
    args = "warnings --as-of 2024-03-10 --write --level yellow --chain auto -f csv"
    result = cli.invoke(app, args.split())
    assert result.exit_code == 0, result.output
    assert "written to the graph" in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 + 5 + len(CASCADE)  # header, 5 rule warnings, the cascade
    assert _props(loaded, PRODUCT_PROPS)["CAR"][0] == "red"
    # Replaying another day writes nothing unless asked to.
    replay = cli.invoke(app, ["warnings", "--as-of", "2024-03-09", "--level", "red"])
    assert replay.exit_code == 0 and "not written to the graph" in replay.stderr
    assert _props(loaded, PRODUCT_PROPS)["CAR"][0] == "red"
