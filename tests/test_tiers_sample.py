"""Material-following tiers on the shipped sample (loaders/sample/data), checked against a
walk of its own CSV files, and the case that prompted them: the customers of a peroxide plant.

The sample's bill of materials puts di-tert-butyl peroxide (DTBP) into melt-blown grade
polypropylene (PP-MB) only; spunbond fabric is made from plain PP-HOMO. Following every link,
the peroxide plant's tier-2 customers include spunbond makers that buy only PP-HOMO from its
customers; following the material, they are not there."""

from __future__ import annotations

import csv
import random
from collections import defaultdict

import pytest

from kg.connection import Graph
from kg.tiers import Direction, Walk, lookup
from loaders.pipeline import Loader, LoadOptions
from loaders.sample import CANONICAL_FILES, DATA_DIR
from queries import get

pytestmark = pytest.mark.integration

PEROXIDE_PLANT = "91330600MAFXAMNU0U"  # the sample's DTBP producer


def read(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


LINKS = [(r["supplier"], r["customer"], r["product"]) for r in read("supplies.csv")]
INPUTS: dict[str, set[str]] = defaultdict(set)
OUTPUTS: dict[str, set[str]] = defaultdict(set)
for row in read("bom.csv"):
    INPUTS[row["output"]].add(row["input"])
    OUTPUTS[row["input"]].add(row["output"])


def walk_files(
    root: str, direction: Direction, depth: int, walk: Walk
) -> dict[str, tuple[int, tuple[str, ...]]]:
    """The rule, straight from the files: states (enterprise, product on the way)."""
    into: dict[str, list[tuple[str, str]]] = defaultdict(list)  # enterprise -> (next, product)
    for s, c, p in LINKS:
        if direction == "upstream":
            into[c].append((s, p))
        else:
            into[s].append((c, p))
    nxt = INPUTS if direction == "upstream" else OUTPUTS
    seen: set[tuple[str, str | None]] = {(root, None)}
    frontier: list[tuple[str, str | None]] = [(root, None)]
    found: dict[str, tuple[int, set[str]]] = {}
    for tier in range(1, depth + 1):
        new = []
        for e, p in frontier:
            for n, q in into[e]:
                if n == root:
                    continue
                if walk == "material" and p is not None and nxt[p] and q not in nxt[p]:
                    continue
                if found.setdefault(n, (tier, set()))[0] == tier:
                    found[n][1].add(q)
                state = (n, q if walk == "material" else None)
                if state not in seen:
                    seen.add(state)
                    new.append(state)
        frontier = new
    return {e: (t, tuple(sorted(ps))) for e, (t, ps) in found.items()}


@pytest.fixture(scope="module")
def sample(graph: Graph) -> Graph:
    files = [DATA_DIR / n for n in CANONICAL_FILES]
    reports = Loader(graph).load_files(files, LoadOptions(on_error="skip"))
    assert all(r.status == "completed" for r in reports), [r.message for r in reports]
    return graph


def got(
    graph: Graph, root: str, direction: Direction, depth: int, walk: Walk
) -> dict[str, tuple[int, tuple[str, ...]]]:
    answer = lookup(graph, root, direction, depth, "enterprise", walk=walk)
    return {h.id: (h.tier, h.products) for h in answer.hits}


def test_the_peroxide_plant_reaches_only_what_is_made_with_peroxide(sample: Graph) -> None:
    material = got(sample, PEROXIDE_PLANT, "downstream", 5, "material")
    anyway = got(sample, PEROXIDE_PLANT, "downstream", 5, "any")
    assert material == walk_files(PEROXIDE_PLANT, "downstream", 5, "material")
    assert anyway == walk_files(PEROXIDE_PLANT, "downstream", 5, "any")
    assert {p for _, ps in material.values() if _ == 1 for p in ps} == {"DTBP"}
    assert {p for t, ps in material.values() if t == 2 for p in ps} == {"PP-MB"}
    only_plain = {e for e, (t, ps) in anyway.items() if t == 2 and set(ps) == {"PP-HOMO"}}
    assert only_plain, "the sample should hold a customer of plain resin at tier 2"
    assert not only_plain & {e for e, (t, _) in material.items() if t == 2}
    assert set(material) < set(anyway)


def test_random_enterprises_match_a_walk_of_the_files(sample: Graph) -> None:
    rng = random.Random(12)
    customers = sorted({c for _, c, _ in LINKS})
    suppliers = sorted({s for s, _, _ in LINKS})
    up: Direction = "upstream"
    down: Direction = "downstream"
    walks: tuple[Walk, Walk] = ("material", "any")
    cases = [(e, up) for e in rng.sample(customers, 8)]
    cases += [(e, down) for e in rng.sample(suppliers, 8)]
    differ = 0
    for root, direction in cases:
        for walk in walks:
            expected = walk_files(root, direction, 4, walk)
            assert got(sample, root, direction, 4, walk) == expected, (root, direction, walk)
        differ += walk_files(root, direction, 4, "material") != walk_files(
            root, direction, 4, "any"
        )
    assert differ > 0


def test_the_catalogue_query_agrees_on_the_sample(sample: Graph) -> None:
    rows = get("customers_by_tier").run(sample, {"id": PEROXIDE_PLANT, "tiers": 3})
    assert {r["id"]: (r["tier"], tuple(sorted(r["products"]))) for r in rows} == walk_files(
        PEROXIDE_PLANT, "downstream", 3, "material"
    )
