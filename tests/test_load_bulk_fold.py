"""`fold`, the records of a bulk load: its quick first-write path and its general path agree.

The quick path takes a type's first write when each key comes once; a repeated key sends the
write to the general path, which merges rows as the ordinary path's MERGE ... SET would. Here
the same writes are folded both ways (the general one forced by a node or link of another
key already folded) and compared record by record. No database: fold is plain Python.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from kg import model
from loaders.bulk import BulkWrite, Edge, Folded, fold

PROVENANCE = {
    "source": "fold-test",
    "load_id": "L1",
    "loaded_at": dt.datetime(2026, 12, 3, 11, 0, 0, 123456, tzinfo=dt.UTC),
}
OTHER = "ZZ-OTHER"  # a key none of the rows uses: its record forces the general path


def everything_exists(_nt: Any, keys: set[Any]) -> set[Any]:
    return set(keys)


def nothing_exists(_nt: Any, _keys: set[Any]) -> set[Any]:
    return set()


def enterprise_rows(rng: random.Random, n: int, repeat: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(n):
        key = f"E{rng.randrange(n // 2) if repeat else i:04d}"
        row: dict[str, Any] = {"key": key, "name": f"name {i}"}
        if rng.random() < 0.5:
            row["scale"] = rng.choice(["large", "small"])
        if rng.random() < 0.5:
            row["tags"] = [rng.choice(["resin", "wire"])]
        rows.append(row)
    return rows


def supply_rows(rng: random.Random, n: int, repeat: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(n):
        a, b = rng.randrange(20), rng.randrange(20)
        row: dict[str, Any] = {
            "start": f"E{a:04d}",
            "end": f"E{b:04d}",
            "product": f"P{rng.randrange(3) if repeat else i}",
        }
        if rng.random() < 0.7:
            row["volume"] = float(rng.randrange(100))
        if rng.random() < 0.3:
            row["since"] = dt.date(2020, 1, 1 + rng.randrange(28))
        rows.append(row)
    return rows


def both_ways(writes: list[BulkWrite], exists: Any) -> tuple[Folded, Folded]:
    quick = fold(writes, PROVENANCE, exists)
    seed = {model.ENTERPRISE: {OTHER: {"id": OTHER}}}
    general = fold(writes, PROVENANCE, lambda nt, keys: exists(nt, keys) | {OTHER}, seed)
    general.nodes[model.ENTERPRISE].pop(OTHER)
    return quick, general


def general_links(writes: list[BulkWrite], exists: Any) -> Folded:
    """The same writes with a link of another key folded first (the general path)."""
    blocker = BulkWrite(
        model.SUPPLIES, [{"start": OTHER, "end": OTHER, "product": "P-OTHER"}], "declared"
    )
    seed = {model.ENTERPRISE: {OTHER: {"id": OTHER}}}
    folded = fold([blocker, *writes], PROVENANCE, exists, seed)
    folded.nodes[model.ENTERPRISE].pop(OTHER)
    folded.rels[model.SUPPLIES].pop((OTHER, OTHER, "P-OTHER"))
    folded.written.pop(0)
    return folded


def test_unique_node_keys_fold_as_the_general_path_does() -> None:
    rows = enterprise_rows(random.Random(1), 200, repeat=False)
    quick, general = both_ways([BulkWrite(model.ENTERPRISE, rows, "declared")], nothing_exists)
    assert quick.nodes == general.nodes
    assert quick.written == general.written == [200]
    assert quick.nodes[model.ENTERPRISE]["E0007"] == {
        "id": "E0007",
        **{k: v for k, v in rows[7].items() if k != "key"},
        **PROVENANCE,
        "basis": "declared",
    }


def test_a_repeated_node_key_merges_as_the_ordinary_path_does() -> None:
    rows = [
        {"key": "E1", "name": "first", "scale": "large"},
        {"key": "E2", "name": "other"},
        {"key": "E1", "name": "second", "tags": ["wire"]},
    ]
    quick, general = both_ways([BulkWrite(model.ENTERPRISE, rows, "declared")], nothing_exists)
    assert quick.nodes == general.nodes
    assert quick.written == [3]
    e1 = quick.nodes[model.ENTERPRISE]["E1"]
    assert (e1["name"], e1["scale"], e1["tags"]) == ("second", "large", ["wire"])


def test_links_fold_the_same_both_ways_repeated_or_not() -> None:
    for repeat in (False, True):
        rng = random.Random(2)
        writes = [BulkWrite(model.SUPPLIES, supply_rows(rng, 300, repeat), "reported")]
        quick = fold(writes, PROVENANCE, everything_exists)
        general = general_links(writes, everything_exists)
        assert quick.rels == general.rels
        assert quick.written == general.written == [300]
        if repeat:
            assert len(quick.rels[model.SUPPLIES]) < 300  # merged: each link once


def test_links_whose_ends_are_unknown_are_left_out_both_ways() -> None:
    nodes = BulkWrite(model.ENTERPRISE, [{"key": "E0001"}, {"key": "E0002"}], "declared")
    links = BulkWrite(
        model.SUPPLIES,
        [
            {"start": "E0001", "end": "E0002", "product": "P1", "volume": 1.0},
            {"start": "E0001", "end": "E9999", "product": "P1"},
        ],
        "reported",
    )
    quick = fold([nodes, links], PROVENANCE, nothing_exists)
    general = general_links([nodes, links], nothing_exists)
    assert quick.rels == general.rels
    assert quick.written == general.written == [2, 1]
    assert quick.rels[model.SUPPLIES] == {
        ("E0001", "E0002", "P1"): Edge(
            "E0001", "E0002", {"product": "P1", "volume": 1.0, **PROVENANCE, "basis": "reported"}
        )
    }
