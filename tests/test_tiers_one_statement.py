"""The enterprise walk in one statement against the per-tier walk (one statement per tier, the
way it ran before): the same hits, links and explaining paths, on the shipped sample and on a
small graph full of cycles (trade links and bills of materials that go round, a self-supply,
a product with no bill of materials), both directions, both walks, 1 to 5 tiers."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from kg.connection import Graph
from kg.supply_walk import ONE_STATEMENT_MAX_TIERS, WalkResult, walk
from kg.tiers import NotFoundError, lookup
from loaders.pipeline import Loader, LoadOptions
from loaders.sample import CANONICAL_FILES, DATA_DIR

pytestmark = pytest.mark.integration

# Enterprises CY-A..CY-F; products CP1 -> CP2 -> CP3 -> CP1 (a bill of materials in a
# circle), CP4 with no bill of materials; trade links in circles, one back to the start.
CYCLES = {
    "enterprises": [["id", "name"]] + [[f"CY-{x}", f"Cycle {x}"] for x in "ABCDEF"],
    "products": [["id", "name", "category"]]
    + [[f"CP{i}", f"Cycle product {i}", "material"] for i in range(1, 5)],
    "bom": [
        ["input", "output", "qty_per_unit", "alt_group"],
        ["CP1", "CP2", "1", ""],
        ["CP2", "CP3", "1", ""],
        ["CP3", "CP1", "1", ""],
        ["CP4", "CP2", "1", "g"],
        ["CP3", "CP2", "1", "g"],
    ],
    "supplies": [
        ["supplier", "customer", "product"],
        ["CY-A", "CY-B", "CP1"],
        ["CY-A", "CY-B", "CP4"],
        ["CY-B", "CY-C", "CP2"],
        ["CY-C", "CY-A", "CP3"],
        ["CY-C", "CY-B", "CP3"],
        ["CY-B", "CY-D", "CP2"],
        ["CY-D", "CY-A", "CP1"],
        ["CY-D", "CY-E", "CP4"],
        ["CY-E", "CY-E", "CP4"],
        ["CY-E", "CY-F", "CP4"],
        ["CY-F", "CY-A", "CP4"],
        ["CY-F", "CY-C", "CP1"],
        ["CY-A", "CY-F", "CP2"],
    ],
}


@pytest.fixture(scope="module")
def both(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Graph:
    folder = tmp_path_factory.mktemp("cycles")
    files: list[Path] = []
    for name, rows in CYCLES.items():
        files.append(folder / f"{name}.csv")
        with files[-1].open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    sample = [DATA_DIR / n for n in CANONICAL_FILES]
    for batch in (sample, files):
        reports = Loader(graph).load_files(batch, LoadOptions(on_error="skip"))
        assert all(r.status == "completed" for r in reports), [r.message for r in reports]
    return graph


def shape(result: WalkResult) -> set[tuple[object, ...]]:
    """Every hit with its links and its explaining path, as tuples."""
    return {
        (
            h.tier,
            h.id,
            h.name,
            frozenset((s.supplier, s.customer, s.product, s.basis, s.bom) for s in h.links),
            tuple((s.supplier, s.customer, s.product, s.basis, s.bom) for s in h.steps),
        )
        for h in result.hits
    }


def enterprise_ids(graph: Graph, prefix: str) -> list[str]:
    rows = graph.query(
        "MATCH (e:Enterprise) WHERE e.id STARTS WITH $p RETURN e.id AS id", {"p": prefix}
    )
    return sorted(str(r["id"]) for r in rows)


@pytest.mark.parametrize("direction", ["upstream", "downstream"])
@pytest.mark.parametrize("how", ["material", "any"])
def test_one_statement_matches_the_per_tier_walk_on_cycles(
    both: Graph, direction: str, how: str
) -> None:
    seen_deep = False
    for root in enterprise_ids(both, "CY-"):
        for tiers in (1, 2, 3, 4, 5, 20):
            one = walk(both, root, direction, tiers, walk=how)  # type: ignore[arg-type]
            ref = walk(both, root, direction, tiers, walk=how, per_tier=True)  # type: ignore[arg-type]
            assert one.found is (True if tiers <= ONE_STATEMENT_MAX_TIERS else None)
            assert shape(one) == shape(ref), (root, tiers)
            seen_deep |= any(h.tier >= 3 for h in one.hits)
    assert seen_deep  # the cycles were walked round, not only their first links


def test_the_cycles_answer_what_the_bill_of_materials_allows(both: Graph) -> None:
    # Upstream of B following the material. Tier 1: A (CP1, CP4), C (CP3). Tier 2 through A's
    # CP1 (made from CP3): C supplies A CP3, but C is already at tier 1; D's CP1 and F's CP4 are
    # not inputs of CP1. Through A's CP4 (no bill of materials): any product, so D and F, each
    # marked bom unknown. Through C's CP3 (made from CP2): only B supplies C CP2, and B is the
    # enterprise asked about.
    got = {
        (h.tier, h.id, tuple(sorted((s.product or "", s.bom or "") for s in h.links)))
        for h in walk(both, "CY-B", "upstream", 2).hits
    }
    assert got == {
        (1, "CY-A", (("CP1", ""), ("CP4", ""))),
        (1, "CY-C", (("CP3", ""),)),
        (2, "CY-D", (("CP1", "unknown"),)),
        (2, "CY-F", (("CP4", "unknown"),)),
    }


def test_one_statement_matches_the_per_tier_walk_on_the_sample(both: Graph) -> None:
    ids = enterprise_ids(both, "9")
    rng = random.Random(5)
    for root in rng.sample(ids, 40):
        for direction in ("upstream", "downstream"):
            for how in ("material", "any"):
                tiers = rng.choice((1, 2, 3, 5))
                one = walk(both, root, direction, tiers, walk=how)  # type: ignore[arg-type]
                ref = walk(both, root, direction, tiers, walk=how, per_tier=True)  # type: ignore[arg-type]
                assert shape(one) == shape(ref), (root, direction, how, tiers)


def test_an_unknown_enterprise_is_known_from_the_same_statement(both: Graph) -> None:
    assert walk(both, "CY-NOPE", "upstream", 3).found is False
    with pytest.raises(NotFoundError, match="no enterprise with id 'CY-NOPE'"):
        lookup(both, "CY-NOPE", "upstream", 3, "enterprise")
    assert walk(both, "CY-A", "downstream", 1).found is True
