"""Every warning rule, stale data and rules-file overrides, on a hand-made graph.

tests/data/monitor (see its README) on the reference date 2024-03-10. The expected warnings
were worked out by hand from the files; the comments give the arithmetic.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from kg.monitor import (
    UnknownChainError,
    compute_warnings,
    evaluate_warnings,
    load_rules,
    rules_from_mapping,
)
from kg.monitor.early_warning import EarlyWarning
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

MONITOR = Path(__file__).parent / "data" / "monitor"
AT = dt.date(2024, 3, 10)
NO_CASCADE = rules_from_mapping({"cascade": {"levels": []}}, "no cascade")
D = dt.date

Row = tuple[str, str, str, str, str, dt.date | None]


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sorted(MONITOR.glob("*.csv")), LoadOptions())
    assert [r.status for r in reports] == ["completed"] * len(reports)
    return graph


def rows(warnings: list[EarlyWarning]) -> set[Row]:
    return {
        (w.level, w.rule, w.subject, w.product, w.enterprise or w.area or "", w.runs_out)
        for w in warnings
    }


EXPECTED: set[Row] = {
    # M1 holds 4,000 m of WIRE at 2,000/day: 2.0 days < 3 -> parts red light, out 03-08 + 2.
    ("red", "parts-cover", "holding", "WIRE", "M1", D(2024, 3, 10)),
    # M1 holds 120 t of FIB-A (a material, so a raw material) at 30/day: 4.0 < 7 -> red.
    ("red", "raw-cover", "holding", "FIB-A", "M1", D(2024, 3, 12)),
    # M1's FIB-B: 100 / 5 = 20 days, 15 <= 20 < 30 -> blue.
    ("blue", "raw-cover", "holding", "FIB-B", "M1", D(2024, 3, 28)),
    # P-FIBA's RESIN: 400 / 40 = 10 days, 7 <= 10 < 15 -> yellow.
    ("yellow", "raw-cover", "holding", "RESIN", "P-FIBA", D(2024, 3, 18)),
    # RESIN nationally: (400 + 600) / (40 + 20) = 16.7 days -> blue, out 03-08 + 16.
    ("blue", "raw-cover-total", "product", "RESIN", "", D(2024, 3, 24)),
    # RESIN supply 40/day against 40 (FIB-A output) + 20 (FIB-B output): -33% < -20% -> red.
    ("red", "raw-gap", "product", "RESIN", "", None),
    # FIB-A nationally: (120 + 300) / (30 + 10) = 10.5 days -> yellow.
    ("yellow", "raw-cover-total", "product", "FIB-A", "", D(2024, 3, 18)),
    # FIB-A supply 42 against MASK output 4,000 x 0.01 = 40: +5% < +10% -> blue.
    ("blue", "raw-gap", "product", "FIB-A", "", None),
    # FIB-B nationally 20 days -> blue; supply 30 against 40 (alternatives count in full): red.
    ("blue", "raw-cover-total", "product", "FIB-B", "", D(2024, 3, 28)),
    ("red", "raw-gap", "product", "FIB-B", "", None),
    # GLUE supply 9 against its demand_per_day 10: -10% -> yellow.
    ("yellow", "raw-gap", "product", "GLUE", "", None),
    # SALT supply 52 against area demand 30 + 20: +4% -> blue.
    ("blue", "raw-gap", "product", "SALT", "", None),
    # Stale: HOSP's MASK snapshot 38 days old (> 14), P-CLIP's capacity 283 days (> 180),
    # P-GLUE's capacity undated, RES2's stockpile 69 days (> 30), A2's demand 55 days (> 30).
    ("blue", "stale-inventory", "holding", "MASK", "HOSP", None),
    ("blue", "stale-capacity", "enterprise", "CLIP", "P-CLIP", None),
    ("blue", "stale-capacity", "enterprise", "GLUE", "P-GLUE", None),
    ("blue", "stale-stockpiles", "enterprise", "MASK", "RES2", None),
    ("blue", "stale-demand", "area", "SALT", "A2", None),
}


def test_every_rule_on_the_hand_made_graph(loaded: Graph) -> None:
    assert rows(compute_warnings(loaded, NO_CASCADE, at=AT)) == EXPECTED


def test_values_thresholds_and_dates(loaded: Graph) -> None:
    found = {
        (w.rule, w.product, w.enterprise or w.area): w
        for w in compute_warnings(loaded, NO_CASCADE, at=AT)
    }
    wire = found[("parts-cover", "WIRE", "M1")]
    assert (wire.value, wire.threshold, wire.as_of) == (2.0, 3.0, D(2024, 3, 8))
    assert "parts red light" in wire.reason and "runs out on 2024-03-10" in wire.reason
    resin = found[("raw-gap", "RESIN", None)]
    assert resin.value == pytest.approx(-1 / 3) and resin.threshold == -0.2
    assert resin.as_of == D(2024, 3, 1)
    assert "capacity 40/day" in resin.reason and "40 for FIB-A + 20 for FIB-B" in resin.reason
    salt = found[("raw-gap", "SALT", None)]
    assert "area demand 50" in salt.reason and salt.value == pytest.approx(0.04)
    glue = found[("raw-gap", "GLUE", None)]
    assert "demand_per_day 10" in glue.reason and glue.as_of is None
    stale = found[("stale-capacity", "CLIP", "P-CLIP")]
    assert (stale.value, stale.threshold) == (283.0, 180.0)
    assert "has no as_of date" in found[("stale-capacity", "GLUE", "P-GLUE")].reason
    total = found[("raw-cover-total", "RESIN", None)]
    assert total.value == pytest.approx(1000 / 60)


def test_the_reference_date_picks_the_snapshots_of_that_day(loaded: Graph) -> None:
    early = rows(compute_warnings(loaded, NO_CASCADE, at=D(2024, 3, 5)))
    # On 03-05 M1's latest WIRE snapshot is the 03-01 one: 9,000 / 2,000 = 4.5 days, no light.
    assert not {r for r in early if r[1] == "parts-cover"}
    # and the inventory of 03-08 is not known yet: no holding cover warnings at all.
    assert not {r for r in early if r[1] == "raw-cover"}


def test_stale_rules_follow_the_rules_file(loaded: Graph, tmp_path: Path) -> None:
    path = tmp_path / "stale.yaml"
    path.write_text(
        "stale:\n  level: yellow\n  max_age_days: {inventory: 60, capacity: 400}\n",
        encoding="utf-8",
    )
    rules = load_rules(path).model_copy(update={"cascade": NO_CASCADE.cascade})
    stale = {r for r in rows(compute_warnings(loaded, rules, at=AT)) if r[1].startswith("stale")}
    assert stale == {
        ("yellow", "stale-capacity", "enterprise", "GLUE", "P-GLUE", None),  # undated
        ("yellow", "stale-stockpiles", "enterprise", "MASK", "RES2", None),
        ("yellow", "stale-demand", "area", "SALT", "A2", None),
    }


def test_overrides_by_chain_and_category(loaded: Graph, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "parts: {red_below_days: 2.5}\n"
        "cascade: {levels: []}\n"
        "overrides:\n"
        "  - chain: medical\n"
        "    parts: {red_below_days: 12}\n"
        "  - category: raw material\n"
        "    raw_materials: {days_of_cover: {red: 20, yellow: 25, blue: 40}}\n",
        encoding="utf-8",
    )
    found = rows(compute_warnings(loaded, load_rules(path), at=AT))
    cover = {r for r in found if r[1] in ("parts-cover", "raw-cover", "raw-cover-total")}
    assert cover == {
        # medical parts below 12 days: WIRE at M1 (2) and M2 (10), MASK at K1 (10) and HOSP
        # (10), KIT at HOSP (5). CLIP (hardware, 5 days) keeps the 2.5-day default: no light.
        ("red", "parts-cover", "holding", "WIRE", "M1", D(2024, 3, 10)),
        ("red", "parts-cover", "holding", "WIRE", "M2", D(2024, 3, 18)),
        ("red", "parts-cover", "holding", "MASK", "K1", D(2024, 3, 18)),
        ("red", "parts-cover", "holding", "MASK", "HOSP", D(2024, 2, 11)),
        ("red", "parts-cover", "holding", "KIT", "HOSP", D(2024, 3, 13)),
        # raw material (RESIN; not FIB-A/B, whose category is material): red below 20 days.
        ("red", "raw-cover", "holding", "RESIN", "P-FIBA", D(2024, 3, 18)),  # 10 days
        ("blue", "raw-cover", "holding", "RESIN", "P-FIBB", D(2024, 4, 7)),  # 30 < 40
        ("red", "raw-cover-total", "product", "RESIN", "", D(2024, 3, 24)),  # 16.7 < 20
        # materials keep the defaults
        ("red", "raw-cover", "holding", "FIB-A", "M1", D(2024, 3, 12)),
        ("blue", "raw-cover", "holding", "FIB-B", "M1", D(2024, 3, 28)),
        ("yellow", "raw-cover-total", "product", "FIB-A", "", D(2024, 3, 18)),
        ("blue", "raw-cover-total", "product", "FIB-B", "", D(2024, 3, 28)),
    }


def test_level_and_chain_select(loaded: Graph) -> None:
    red = compute_warnings(loaded, NO_CASCADE, level="red", at=AT)
    assert {(r[1], r[3], r[4]) for r in rows(red)} == {
        ("parts-cover", "WIRE", "M1"),
        ("raw-cover", "FIB-A", "M1"),
        ("raw-gap", "RESIN", ""),
        ("raw-gap", "FIB-B", ""),
    }
    yellow = compute_warnings(loaded, NO_CASCADE, level="yellow", at=AT)
    assert {w.level for w in yellow} == {"red", "yellow"} and len(yellow) == 7
    hardware = compute_warnings(loaded, NO_CASCADE, chain="hardware", at=AT)
    assert {w.product for w in hardware} == {"GLUE", "SALT", "CLIP"}
    with pytest.raises(UnknownChainError, match="no product is in chain 'toys'"):
        compute_warnings(loaded, NO_CASCADE, chain="toys", at=AT)
    ordered = compute_warnings(loaded, NO_CASCADE, at=AT)
    assert [w.level for w in ordered] == sorted(
        (w.level for w in ordered), key=["red", "yellow", "blue"].index
    )


def test_with_the_cascade_on_the_warned_inputs_reach_the_kits(loaded: Graph) -> None:
    report = evaluate_warnings(loaded, load_rules(), AT)
    red = {
        (w.subject, w.product, w.enterprise or "", w.runs_out)
        for w in report.warnings
        if w.rule == "cascade" and w.level == "red"
    }
    # Red sources: the red gaps of RESIN and FIB-B (read as stopping on their data date,
    # 2024-03-01), M1's WIRE (out 03-10) and M1's FIB-A (out 03-12).
    # P-FIBA keeps making FIB-A on its own RESIN: 10 days from its snapshot (03-08): 03-18.
    # P-FIBB: 30 days of RESIN from 03-08: stops making FIB-B on 04-07.
    # M1 stops making MASK when its WIRE runs out (03-10). M2 needs FIB-A or FIB-B (one
    # alt_group): FIB-B stops 03-01 and M2 holds none; FIB-A stops 03-18 and M2 holds 30
    # days: the group lasts until 04-17, so MASK is cut off on 04-17.
    # K1 holds 10 days of MASK: KIT cut off 04-27; HOSP holds 5 days of KIT: out 05-02.
    assert red == {
        ("product", "FIB-A", "", D(2024, 3, 18)),
        ("enterprise", "FIB-A", "P-FIBA", D(2024, 3, 18)),
        ("enterprise", "FIB-B", "P-FIBB", D(2024, 4, 7)),
        ("product", "MASK", "", D(2024, 4, 17)),
        ("enterprise", "MASK", "M1", D(2024, 3, 10)),
        ("enterprise", "MASK", "M2", D(2024, 4, 17)),
        ("product", "KIT", "", D(2024, 4, 27)),
        ("enterprise", "KIT", "K1", D(2024, 4, 27)),
        # holders of what is cut off (a red source's own holder is warned by it already;
        # P-FIBA's own RESIN warning is only yellow, so at red the cascade reaches it)
        ("holding", "RESIN", "P-FIBA", D(2024, 3, 18)),
        ("holding", "FIB-A", "M2", D(2024, 4, 17)),
        ("holding", "FIB-B", "M1", D(2024, 3, 28)),  # 20 days from 03-08
        ("holding", "MASK", "K1", D(2024, 4, 27)),
        ("holding", "MASK", "HOSP", D(2024, 4, 27)),  # 10 days from 04-17
        ("holding", "KIT", "HOSP", D(2024, 5, 2)),
        ("holding", "RESIN", "P-FIBB", D(2024, 4, 7)),
    }
    mask = next(
        w
        for w in report.warnings
        if w.rule == "cascade" and w.subject == "product" and w.product == "MASK"
    )
    assert mask.path == ("FIB-A", "MASK") or mask.path[-1] == "MASK"
    assert "the last of its 2 producers" in mask.reason
    assert report.notes == []


def test_cli_prints_json_csv_and_table(loaded: Graph, cli: CliRunner) -> None:
    result = cli.invoke(
        app,
        [
            "warnings",
            "--as-of",
            "2024-03-10",
            "--format",
            "json",
            "--no-write",
            "--level",
            "red",
            "--chain",
            "medical",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {(d["rule"], d["product"], d["enterprise"]) for d in data if d["rule"] != "cascade"} == {
        ("parts-cover", "WIRE", "M1"),
        ("raw-cover", "FIB-A", "M1"),
        ("raw-gap", "RESIN", None),
        ("raw-gap", "FIB-B", None),
    }
    assert all(d["level"] == "red" and "medical" in d["chains"] for d in data)
    assert {d["runs_out"] for d in data if d["rule"] == "parts-cover"} == {"2024-03-10"}
    csv_out = cli.invoke(app, ["warnings", "--as-of", "2024-03-10", "-f", "csv", "--no-write"])
    assert csv_out.exit_code == 0
    assert csv_out.stdout.splitlines()[0].startswith("level,rule,subject,product,enterprise")
    table = cli.invoke(app, ["warnings", "--as-of", "2024-03-10", "--no-write", "--no-reasons"])
    assert table.exit_code == 0 and "warnings as of 2024-03-10" in table.stdout


def test_cli_reports_a_bad_rules_file_and_an_unknown_chain(
    loaded: Graph, cli: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("parts: {red_below_days: -2}\n", encoding="utf-8")
    result = cli.invoke(app, ["warnings", "--rules", str(bad)])
    assert result.exit_code == 2
    assert "parts.red_below_days: Input should be greater than 0" in result.stderr
    result = cli.invoke(app, ["warnings", "--chain", "toys", "--no-write"])
    assert result.exit_code == 2 and "no product is in chain 'toys'" in result.stderr


WARNING_STATE = (
    "MATCH (n) WHERE n.warning_level IS NOT NULL "
    "RETURN coalesce(n.id, n.code) AS id, n.warning_level AS level, n.warning_run AS run"
)


def test_cli_judges_as_of_the_latest_snapshot_and_writes_nothing(
    loaded: Graph, cli: CliRunner
) -> None:
    from kg.monitor import latest_snapshot_date, resolve_as_of

    # The newest dated row of the files is 2024-03-08 (inventory.csv); nothing later.
    assert latest_snapshot_date(loaded) == D(2024, 3, 8)
    assert resolve_as_of(loaded, None) == (D(2024, 3, 8), "latest snapshot")
    assert resolve_as_of(loaded, AT) == (AT, "given")
    before = {tuple(r.values()) for r in loaded.query(WARNING_STATE)}
    result = cli.invoke(app, ["warnings", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "as of 2024-03-08 (the data's latest snapshot" in result.stderr
    assert "read-only: not written to the graph" in result.stderr
    assert {tuple(r.values()) for r in loaded.query(WARNING_STATE)} == before
    data = json.loads(result.stdout)
    expected = rows(evaluate_warnings(loaded, at=D(2024, 3, 8)).warnings)
    assert {(d["level"], d["rule"], d["product"]) for d in data} == {
        (level, rule, product)
        for level, rule, _, product, _, _ in expected
        if not rule.startswith("stale")
    }
    stale = {(rule, product, who) for _, rule, _, product, who, _ in expected if "stale" in rule}
    assert stale and f"{len(stale)} stale-data note(s) not listed" in result.stderr
    listed = cli.invoke(app, ["warnings", "-f", "json", "--stale"])
    assert listed.exit_code == 0, listed.output
    assert {
        (d["rule"], d["product"], d["enterprise"] or d["area"] or "")
        for d in json.loads(listed.stdout)
        if d["rule"].startswith("stale")
    } == stale
