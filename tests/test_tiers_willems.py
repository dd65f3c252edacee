"""Material-following tiers on a real chain: Willems (2008) chain 38 (2,025 stages, 16,225
arcs; tests/data/willems_38.csv, cited in tests/data/README.md) with one plant per stage.

First with no trade links at all (the lookups infer them from PRODUCES and INPUT_TO, and say
so), then with a declared link along every arc plus links that carry a product the customer
does not use: the material walk still equals a breadth-first walk of the file's arcs, the
any-link walk does not."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from test_willems import arcs_of, tiers_from_file

from kg.connection import Graph
from kg.tiers import lookup
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

DATA = Path(__file__).parent / "data"
CHAIN = "willems_38"
ROOT = "Retail_0001"


def plant(stage: str) -> str:
    return f"plant-{stage}"


def write(path: Path, header: list[str], rows: list[tuple[object, ...]]) -> Path:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def plants(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Graph:
    tmp = tmp_path_factory.mktemp("willems_plants")
    stages, _ = arcs_of(DATA / f"{CHAIN}.csv")
    (report,) = Loader(graph).load_files([DATA / f"{CHAIN}.csv"], LoadOptions(mapping="willems"))
    assert report.status == "completed", report.message
    files = [
        write(tmp / "enterprises.csv", ["id", "name"], [(plant(s), s) for s in sorted(stages)]),
        write(
            tmp / "capacity.csv",
            ["enterprise", "product", "capacity_per_day"],
            [(plant(s), f"{CHAIN}:{s}", 100) for s in sorted(stages)],
        ),
    ]
    reports = Loader(graph).load_files(files, LoadOptions())
    assert all(r.status == "completed" for r in reports), [r.message for r in reports]
    return graph


def expected_tiers(depth: int) -> dict[str, int]:
    _, arcs = arcs_of(DATA / f"{CHAIN}.csv")
    return {plant(s): t for s, t in tiers_from_file(arcs, ROOT, depth).items()}


def test_without_trade_links_suppliers_are_inferred_and_say_so(plants: Graph) -> None:
    answer = lookup(plants, plant(ROOT), "upstream", 3)
    assert answer.inferred
    assert answer.notes[0].startswith("the graph holds no declared SUPPLIES links")
    assert {h.id: h.tier for h in answer.hits} == expected_tiers(3)
    _, arcs = arcs_of(DATA / f"{CHAIN}.csv")
    for hit in answer.hits:
        assert hit.basis == ("inferred",)
        assert hit.products == (f"{CHAIN}:{hit.id.removeprefix('plant-')}",)
        assert len(hit.steps) == hit.tier and hit.steps[-1].customer == plant(ROOT)
        for step in hit.steps:
            evidence = step.evidence or {}
            assert evidence["bom"]["output"] == f"{CHAIN}:{step.customer.removeprefix('plant-')}"
            assert (
                step.supplier.removeprefix("plant-"),
                step.customer.removeprefix("plant-"),
            ) in arcs
    # Asked for declared links only, the answer is empty and says how many are inferred.
    declared = lookup(plants, plant(ROOT), "upstream", 3, inferred=False)
    assert declared.hits == []


def test_declared_links_off_the_material_are_not_followed(plants: Graph, tmp_path: Path) -> None:
    stages, arcs = arcs_of(DATA / f"{CHAIN}.csv")
    tier1 = sorted(a for a, b in arcs if b == ROOT)
    near = set(expected_tiers(3)) | {plant(ROOT)}
    # Plants far from the root that sell a tier-1 plant their own product, which it does not use.
    strangers = [s for s in sorted(stages) if plant(s) not in near][:3]
    rows = [(plant(a), plant(b), f"{CHAIN}:{a}") for a, b in sorted(arcs)]
    rows += [(plant(s), plant(tier1[0]), f"{CHAIN}:{s}") for s in strangers]
    path = write(tmp_path / "supplies.csv", ["supplier", "customer", "product"], rows)
    (report,) = Loader(plants).load_files([path], LoadOptions())
    assert report.status == "completed", report.message
    material = lookup(plants, plant(ROOT), "upstream", 3)
    assert not material.inferred and material.notes == []
    assert {h.id: h.tier for h in material.hits} == expected_tiers(3)
    assert all(h.basis == ("declared",) for h in material.hits)
    anyway = {h.id: h.tier for h in lookup(plants, plant(ROOT), "upstream", 3, walk="any").hits}
    assert {plant(s): anyway[plant(s)] for s in strangers} == {plant(s): 2 for s in strangers}
    assert not {plant(s) for s in strangers} & {h.id for h in material.hits}
