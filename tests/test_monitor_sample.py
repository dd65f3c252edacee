"""Monitoring on the shipped sample: what it finds is what the sample's manifest planted.

The sample (loaders/sample) is generated independently of kg/monitor, with a manifest of the
warnings, stockpiles under target and allocations it planted under the documented defaults
(planted.json); this module checks the three commands' Python functions against it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kg.connection import Graph
from kg.monitor import Allocation, allocate, evaluate_warnings, rules_from_mapping, stockpile_report
from loaders.pipeline import Loader, LoadOptions
from loaders.sample import CANONICAL_FILES, DATA_DIR, MONITORING_FILES, SampleManifest

pytestmark = pytest.mark.integration

MANIFEST = SampleManifest.read(DATA_DIR / "planted.json")
AT = dt.date.fromisoformat(MANIFEST.warnings["reference_date"])
NO_CASCADE = rules_from_mapping({"cascade": {"levels": []}})


@pytest.fixture(scope="module")
def loaded(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Graph:
    files = [DATA_DIR / n for n in (*CANONICAL_FILES, *MONITORING_FILES)]
    rejects = tmp_path_factory.mktemp("rejects") / "rejects.csv"
    reports = Loader(graph).load_files(files, LoadOptions(rejects=rejects))
    assert all(r.status == "completed" and not r.rows_rejected for r in reports)
    return graph


def test_holder_warnings_are_the_planted_ones(loaded: Graph) -> None:
    warnings = evaluate_warnings(loaded, NO_CASCADE, AT).warnings
    found = {
        (w.enterprise, w.product, w.level, round(w.value or 0, 2))
        for w in warnings
        if w.rule in ("parts-cover", "raw-cover")
    }
    planted = {
        (h["holder"], h["product"], h["level"], round(h["days_of_cover"], 2))
        for h in MANIFEST.warnings["holder"]
    }
    assert found == planted
    stale = {(w.enterprise, w.product, w.as_of) for w in warnings if w.rule == "stale-inventory"}
    assert stale == {
        (s["holder"], s["product"], dt.date.fromisoformat(s["as_of"]))
        for s in MANIFEST.warnings["stale"]
    }


def test_national_cover_and_supply_gap_are_the_planted_ones(loaded: Graph) -> None:
    warnings = evaluate_warnings(loaded, NO_CASCADE, AT).warnings
    national = {
        (w.product, w.level, round(w.value or 0, 2))
        for w in warnings
        if w.rule == "raw-cover-total"
    }
    assert national == {
        (n["product"], n["level"], round(n["days_of_cover"], 2))
        for n in MANIFEST.warnings["national"]
    }
    gaps = {(w.product, w.level, round(w.value or 0, 4)) for w in warnings if w.rule == "raw-gap"}
    assert gaps == {
        (g["product"], g["level"], round(g["gap"], 4)) for g in MANIFEST.warnings["supply_gap"]
    }


def test_stockpiles_under_target_and_stale_are_the_planted_ones(loaded: Graph) -> None:
    report = stockpile_report(loaded, AT)
    under = {(r.reserve, r.product, r.stock, r.target) for r in report.reserves if r.under_target}
    assert under == {
        (u["reserve"], u["product"], u["stock"], u["target"])
        for u in MANIFEST.stockpiles["under_target"]
    }
    warnings = evaluate_warnings(loaded, NO_CASCADE, AT).warnings
    assert {(w.enterprise, w.product) for w in warnings if w.rule == "stale-stockpiles"} == {
        (s["reserve"], s["product"]) for s in MANIFEST.stockpiles["stale"]
    }


def _by_priority(result: Allocation) -> dict[int, tuple[float, float]]:
    out: dict[int, list[float]] = {}
    for a in result.areas:
        got = out.setdefault(a.priority, [0.0, 0.0])
        got[0] += a.demand
        got[1] += a.allocated
    return {p: (round(d, 3), round(s, 3)) for p, (d, s) in out.items()}


def test_allocation_by_priority_is_the_planted_one(loaded: Graph) -> None:
    planted: list[dict[str, Any]] = MANIFEST.demand
    assert len(planted) == 9
    for item in planted:
        result = allocate(loaded, item["product"], at=AT)
        assert result.supply == pytest.approx(item["available_per_day"]), item["product"]
        assert _by_priority(result) == {
            p["priority"]: (round(p["demand"], 3), round(p["served"], 3))
            for p in item["by_priority"]
        }, item["product"]
