"""`supplymap plan ...` end to end on the hand-made planning graph (plan_fixtures)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from plan_fixtures import write_files
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def loaded(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Graph:
    files = write_files(tmp_path_factory.mktemp("plan"))
    reports = Loader(graph).load_files(files, LoadOptions())
    assert all(r.status == "completed" for r in reports)
    return graph


def run_json(cli: CliRunner, *args: str) -> dict[str, Any]:
    result = cli.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def test_plan_capacity(loaded: Graph, cli: CliRunner) -> None:
    out = run_json(cli, "plan", "capacity", "--chain", "plan-share", "--objective", "demand-share")
    assert out["smallest_share"] == pytest.approx(100 / 120)
    assert {
        (p["product"], p["joint_per_day"], p["single_product_per_day"]) for p in out["products"]
    } == {
        ("N95", 25.0, 50.0),
        ("SURG", 50.0, 90.0),
    }
    assert [s["product"] for s in out["shadow_prices"]] == ["MB"]
    table = cli.invoke(app, ["plan", "capacity", "--chain", "plan-share", "--weights", "equal"])
    assert table.exit_code == 0, table.output
    assert "single-product figure" in table.stdout and "shadow prices" in table.stdout
    bad = cli.invoke(app, ["plan", "capacity", "--objective", "most"])
    assert bad.exit_code == 2 and "choose one of output, demand-share" in bad.output


def test_plan_rampup(loaded: Graph, cli: CliRunner) -> None:
    out = run_json(cli, "plan", "rampup", "--product", "VENT", "--horizon", "14")
    assert [(p["product"], p["day_met"]) for p in out["products"]] == [("VENT", 12)]
    assert {(c["enterprise"], c["day_met_without"]) for c in out["conversions"]} == {
        ("car1", None),
        ("car2", 12),
        ("car3", 12),
    }
    table = cli.invoke(app, ["plan", "rampup", "--chain", "plan-share", "--horizon", "12"])
    assert table.exit_code == 0, table.output
    assert "demand met on day 10" in table.stdout
    both = run_json(
        cli, "plan", "rampup", "--product", "N95", "--product", "SURG", "--horizon", "12"
    )
    assert (both["all_met_day"], both["objective"]) == (10, "demand-share of N95, SURG")
    unknown = cli.invoke(app, ["plan", "rampup", "--product", "NOPE"])
    assert unknown.exit_code == 2 and "no product with id 'NOPE'" in unknown.output


def test_plan_resume(loaded: Graph, cli: CliRunner) -> None:
    out = run_json(
        cli, "plan", "resume", "--region", "L", "--chain", "plan-res", "--minimise", "capacity"
    )
    assert [(e["order"], e["enterprise"]) for e in out["white_list"]] == [(1, "rc"), (2, "pa")]
    assert (out["status"], out["unreachable"]) == ("optimal", [])
    table = cli.invoke(
        app, ["plan", "resume", "-r", "L", "--chain", "plan-res", "--keep-stopped", "pa"]
    )
    assert table.exit_code == 0, table.output
    assert "cannot reach target even with everything restarted: R-FIN" in table.stdout
    empty = cli.invoke(app, ["plan", "resume"])
    assert empty.exit_code == 2 and "at least one enterprise or region" in empty.output


def test_plan_stockpiles(loaded: Graph, cli: CliRunner, tmp_path: Path) -> None:
    out = run_json(cli, "plan", "stockpiles", "--chain", "plan-res")
    assert {(p["product"], p["reserve_needed"], p["gap_to_target"]) for p in out["products"]} == {
        ("R-FIN", 550.0, 250.0)
    }
    path = tmp_path / "s.yaml"
    path.write_text("scenarios: [{name: x, enterprises: [fa, fb]}]\n", encoding="utf-8")
    out = run_json(cli, "plan", "stockpiles", "--chain", "plan-res", "--scenarios", str(path))
    assert [(n["scenario"], n["reserve_needed"]) for n in out["needs"]] == [("x", 250.0)]
    path.write_text("scenarios: 3\n", encoding="utf-8")
    bad = cli.invoke(app, ["plan", "stockpiles", "--scenarios", str(path)])
    assert bad.exit_code == 2 and "expected a list of scenarios" in bad.output


def test_resume_table_says_when_reach_was_not_computed(loaded: Graph, cli: CliRunner) -> None:
    """A resumption whose reach programmes ran out of the time limit has no reach figures
    (None in JSON); the table says "not computed (time limit)" instead of printing None."""
    from kg.cli.plan import NOT_COMPUTED, REACH_FIGURES, reach_cells
    from kg.plan import resume

    cut = resume(loaded, regions=["L"], chain="plan-res", time_limit=1e-9)
    rows = [p.as_dict() for p in cut.products]
    # the reach after the disruption and with everything restarted are out of time (the
    # list's own reach is not: with every candidate listed it is the intact graph's)
    assert rows and all(r[k] is None for r in rows for k in REACH_FIGURES[:2])
    cells = reach_cells(rows)
    for r, c in zip(rows, cells, strict=True):
        for k in REACH_FIGURES:
            assert c[k] == (NOT_COMPUTED if r[k] is None else r[k])
    assert [(c["product"], c["target_per_day"]) for c in cells] == [
        (r["product"], r["target_per_day"]) for r in rows
    ]
    whole = [p.as_dict() for p in resume(loaded, regions=["L"], chain="plan-res").products]
    assert reach_cells(whole) == whole  # every figure computed: the rows as they are
    table = cli.invoke(app, ["plan", "resume", "-r", "L", "--chain", "plan-res"])
    assert table.exit_code == 0, table.output
    assert "None" not in table.stdout and NOT_COMPUTED not in table.stdout
