"""The write-back writes only what differs from what is stored (kg/analysis/writeback.py).

Every test compares the whole of the results read back from the graph (sets of tuples) before
and after a run: a rerun over an unchanged graph writes nothing; after a change exactly the
rows whose results changed carry the new run's stamp, the counts say so, and results that no
longer hold (or were never the analyses' own) are gone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from kg.analysis import run_all
from kg.analysis.context import Context
from kg.analysis.depth import bom_depth
from kg.analysis.digest import column_hashes, row_digests
from kg.analysis.projection import project
from kg.analysis.result_rows import NodeRows, flag_rows, product_rows, rank_rows, spof_rows
from kg.analysis.run import AnalysisResult
from kg.analysis.stored import FLAG_PROPS, NODE_PROPS, PRODUCT_PROPS, RANK_PROPS, StoredPart
from kg.analysis.writeback import Writer, _Diff
from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

CANONICAL = Path(__file__).parent / "data" / "canonical"
HZ = "91330100MA2B123450"  # Hangzhou Polymer, the one maker of PP-HMF resin

Snapshot = dict[tuple[Any, ...], tuple[tuple[Any, ...], str | None]]


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _values(props: dict[str, Any], names: list[str]) -> tuple[Any, ...]:
    return tuple(_frozen(props.get(n)) for n in names)


def results(graph: Graph) -> Snapshot:
    """Every analysis result in the graph: identity -> (values, run that wrote them)."""
    out: Snapshot = {}
    nodes = graph.query(
        "MATCH (n) WHERE n.analysis_run IS NOT NULL AND NOT n:AnalysisRun "
        "RETURN labels(n) AS labels, coalesce(n.id, n.code) AS key, properties(n) AS props"
    )
    for r in nodes:
        [label] = [x for x in r["labels"] if x in ("Product", "Enterprise", "Region")]
        names = PRODUCT_PROPS if label == "Product" else NODE_PROPS
        out[label, r["key"]] = (_values(r["props"], names), r["props"]["analysis_run"])
    for r in graph.query(
        "MATCH (x)-[s:SPOF_FOR]->(p:Product) "
        "RETURN coalesce(x.id, x.code) AS x, p.id AS p, properties(s) AS props"
    ):
        out["SPOF_FOR", r["x"], r["p"]] = (
            _values(r["props"], ["path", "reason"]),
            r["props"].get("analysis_run"),
        )
    for r in graph.query(
        "MATCH (a:Enterprise)-[s:SUPPLIES]->(b:Enterprise) WHERE s.analysis_run IS NOT NULL "
        "RETURN a.id AS a, b.id AS b, properties(s) AS props"
    ):
        out["SUPPLIES", r["a"], r["b"], r["props"]["product"]] = (
            _values(r["props"], ["single_source", "group_single_source"]),
            r["props"]["analysis_run"],
        )
    for r in graph.query(
        "MATCH (e:Enterprise)-[k:KEY_RANK_IN]->(c:Chain) "
        "RETURN e.id AS e, c.id AS c, properties(k) AS props"
    ):
        out["KEY_RANK_IN", r["e"], r["c"]] = (
            _values(r["props"], RANK_PROPS),
            r["props"]["analysis_run"],
        )
    return out


def values(snapshot: Snapshot) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {k: v for k, (v, _) in snapshot.items()}


def spof_pairs(result: AnalysisResult) -> set[tuple[str, str]]:
    return {(s.node, s.product) for s in result.spof}


def graph_spof_pairs(graph: Graph) -> set[tuple[str, str]]:
    rows = graph.query(
        "MATCH (x)-[:SPOF_FOR]->(p:Product) RETURN coalesce(x.id, x.code) AS x, p.id AS p"
    )
    return {(r["x"], r["p"]) for r in rows}


def written(result: AnalysisResult) -> tuple[int, int]:
    """(rows created or changed, rows removed or cleared) of one run."""
    gone = sum(n for part, n in result.written.items() if part.endswith(("removed", "cleared")))
    return sum(result.written.values()) - gone, gone


def check_exact(before: Snapshot, after: Snapshot, result: AnalysisResult) -> set[Any]:
    """The rows stamped with ``result``'s run are exactly those whose results changed, and the
    counts say how many were written and removed. Returns the changed identities."""
    changed = {k for k, (v, _) in after.items() if k not in before or before[k][0] != v}
    stamped = {k for k, (_, run) in after.items() if run == result.run_id}
    assert stamped == changed
    removed = set(before) - set(after)
    assert written(result) == (len(changed), len(removed))
    return changed


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sorted(CANONICAL.glob("*.csv")), LoadOptions())
    assert all(r.status == "completed" for r in reports)
    return graph


def test_a_rerun_over_an_unchanged_graph_writes_nothing(loaded: Graph) -> None:
    first = run_all(loaded)
    assert written(first)[0] > 0
    before = results(loaded)
    again = run_all(loaded)
    assert written(again) == (0, 0)
    assert results(loaded) == before  # values and stamps: nothing was touched
    runs = loaded.query(
        "MATCH (a:AnalysisRun {id: $id}) RETURN a.written AS w", {"id": again.run_id}
    )
    assert len(runs) == 1
    assert spof_pairs(again) == graph_spof_pairs(loaded)


def _edit_by_hand(graph: Graph) -> None:
    """Someone edits a result, deletes a flag and leaves a SPOF_FOR of their own."""
    graph.write("MATCH (p:Product {id: 'N95'}) SET p.hhi = 0.123, p.sourcing = 'edited'")
    graph.write(
        "MATCH (:Enterprise)-[s:SUPPLIES]->(:Enterprise) WHERE s.single_source "
        "WITH s LIMIT 1 REMOVE s.single_source"
    )
    graph.write(
        "MATCH (e:Enterprise {id: $hz}), (p:Product {id: 'SB-FABRIC'}) "
        "CREATE (e)-[:SPOF_FOR {reason: 'not the analyses', analysis_run: 'hand'}]->(p)",
        {"hz": HZ},
    )


def test_a_verifying_run_repairs_results_edited_by_hand(loaded: Graph) -> None:
    run_all(loaded)
    settled = results(loaded)
    _edit_by_hand(loaded)
    edited = results(loaded)
    assert values(edited) != values(settled)
    result = run_all(loaded, verify=True)
    after = results(loaded)
    assert values(after) == values(settled)
    assert check_exact(edited, after, result) == {
        k for k in settled if k[0] in ("Product", "SUPPLIES") and edited[k][0] != settled[k][0]
    }
    assert ("SPOF_FOR", HZ, "SB-FABRIC") not in after
    assert result.written["Product"] == 1
    assert result.written["SUPPLIES flags"] == 1
    assert result.written["SPOF_FOR removed"] == 1
    assert written(run_all(loaded, verify=True)) == (0, 0)


def test_an_ordinary_run_compares_digests(loaded: Graph) -> None:
    """A hand edit that keeps the row's digest is not seen (only a verifying run reads the
    values); the SPOF_FOR of someone's own, without a digest, goes."""
    run_all(loaded)
    settled = results(loaded)
    _edit_by_hand(loaded)
    result = run_all(loaded)
    after = results(loaded)
    assert written(result) == (0, 1)
    assert ("SPOF_FOR", HZ, "SB-FABRIC") not in after
    assert after[("Product", "N95")][0] != settled[("Product", "N95")][0]
    run_all(loaded, verify=True)  # leave the graph as the analyses have it


def test_rows_without_a_digest_are_written_again(loaded: Graph) -> None:
    """A database written before digests existed (or a row whose digest someone removed,
    after editing it): every such row is written once, with its digest."""
    run_all(loaded)
    settled = results(loaded)
    loaded.write("MATCH (p:Product {id: 'N95'}) SET p.hhi = 0.123 REMOVE p.analysis_digest")
    repaired = run_all(loaded)
    assert repaired.written["Product"] == 1
    assert values(results(loaded)) == values(settled)
    for cypher in (  # as an older version left it: no digests, no record of parts
        "MATCH (n) WHERE n.analysis_digest IS NOT NULL REMOVE n.analysis_digest",
        "MATCH ()-[r]->() WHERE r.analysis_digest IS NOT NULL REMOVE r.analysis_digest",
        "MATCH (a:AnalysisRun) REMOVE a.parts",
    ):
        loaded.write(cypher)
    before = results(loaded)
    result = run_all(loaded)
    after = results(loaded)
    assert values(after) == values(before)
    assert written(result) == (len(after), 0)  # every row once, none removed
    assert {k for k, (_, run) in after.items() if run == result.run_id} == set(after)
    assert not loaded.query(
        "MATCH (n) WHERE n.analysis_run IS NOT NULL AND n.analysis_digest IS NULL "
        "AND NOT n:AnalysisRun RETURN n LIMIT 1"
    )
    assert written(run_all(loaded)) == (0, 0)


def test_a_change_in_the_data_writes_exactly_the_changed_rows(
    loaded: Graph, tmp_path: Path
) -> None:
    run_all(loaded)
    before = results(loaded)
    # a second resin maker: HZ, its city and province stop being single points of failure
    (tmp_path / "enterprises.csv").write_text(
        "id,name,region\nGZRESIN,Guangzhou Resin,440000\n", encoding="utf-8"
    )
    (tmp_path / "capacity.csv").write_text(
        "enterprise,product,capacity_per_day\nGZRESIN,PP-HMF,40\n", encoding="utf-8"
    )
    reports = Loader(loaded).load_files(
        [tmp_path / "enterprises.csv", tmp_path / "capacity.csv"], LoadOptions()
    )
    assert all(r.status == "completed" for r in reports)
    result = run_all(loaded)
    after = results(loaded)
    changed = check_exact(before, after, result)
    assert ("Enterprise", HZ) in changed
    assert ("Enterprise", "GZRESIN") in changed  # a new node gets its results
    assert {("SPOF_FOR", HZ, "N95"), ("SPOF_FOR", "330100", "N95")} <= set(before) - set(after)
    assert spof_pairs(result) == graph_spof_pairs(loaded)
    unchanged = set(after) - changed
    assert unchanged and all(after[k] == before[k] for k in unchanged)


def test_results_of_removed_nodes_go_with_them(loaded: Graph) -> None:
    run_all(loaded)
    before = results(loaded)
    assert any(k[0] == "SPOF_FOR" and "PP-HMF" in k for k in before)
    loaded.write("MATCH (p:Product {id: 'PP-HMF'}) DETACH DELETE p")
    result = run_all(loaded)
    after = results(loaded)
    assert not [k for k in after if "PP-HMF" in k and k[0] != "SUPPLIES"]
    assert spof_pairs(result) == graph_spof_pairs(loaded)
    changed = {k for k, (v, _) in after.items() if k not in before or before[k][0] != v}
    assert changed == {k for k, (_, run) in after.items() if run == result.run_id}
    assert changed  # products that needed the resin are no longer available


def test_the_diff_of_stored_digests() -> None:
    stored = [("a", 1), ("b", 2), ("c", 3), ("c", 3), ("gone", 0), ("old", None)]
    diff = _Diff(["a", "b", "c", "new", "old"], [1, 5, 3, 7, 4], StoredPart.from_rows(stored, 1))
    assert (diff.created, diff.changed, diff.removed) == (
        ["c", "new"],  # a relationship stored twice is made again, once
        ["b", "old"],  # a different digest, or none
        ["gone"],
    )
    assert diff.twice == ["c"]
    rels = _Diff([("x", "p")], [-9], StoredPart.from_rows([("x", "p", -9), ("y", "p", 1)], 2))
    assert (rels.created, rels.changed, rels.removed) == ([], [], [("y", "p")])
    empty = _Diff([("x", "p")], [1], StoredPart.empty(2))
    assert (empty.created, empty.changed, empty.removed) == ([("x", "p")], [], [])


def test_digests_hash_values_alike_whatever_the_column() -> None:
    """A value's hash does not depend on the other values of its column; numbers compare as
    Python's == does; None, strings and lists differ from each other and from numbers."""
    alone = [column_hashes([v])[0] for v in (None, 3, 3.0, True, "3", [3], "None", 0.1)]
    assert alone[1] == alone[2] and column_hashes([1])[0] == alone[3]
    assert len({alone[i] for i in (0, 1, 4, 5, 6, 7)}) == 6
    mixed = column_hashes([None, 3, 3.0, True, "3", [3], "None", 0.1])
    assert list(mixed) == alone
    assert list(column_hashes([None, 2.5])) == [alone[0], column_hashes([2.5])[0]]
    assert (
        row_digests([["k", 1, "a"], ["k", 1, "b"]], ["x", "y"], skip=1)[0]
        != row_digests([["k", 1, "b"]], ["x", "y"], skip=1)[0]
    )
    assert row_digests([["k", 1, "a"]], ["x", "y"], skip=1) != row_digests(
        [["k", 1, "a"]], ["x", "z"], skip=1
    )
    assert row_digests([[1, "a"]], ["x", "y"]) == row_digests([[1.0, "a"]], ["x", "y"])


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def test_what_is_stored_is_exactly_what_was_computed(loaded: Graph) -> None:
    """Each part's rows (kg/analysis/result_rows.py) against the graph: every value equal, and
    no property at all where the value is null (a map written with ``+=`` drops it)."""
    ctx = Context(project(loaded, stored=True))
    first = run_all(loaded, context=ctx)
    computed = product_rows(
        ctx,
        NodeRows(ctx, first.bottlenecks),
        first.sourcing,
        first.capacity,
        first.spof,
        bom_depth(ctx),
        "province",
    )
    # someone sets a property the analyses leave null: a verifying run removes it again
    product, name = next(
        (key, name)
        for key, values in computed.items()
        for name, value in zip(PRODUCT_PROPS, values, strict=True)
        if value is None
    )
    loaded.write(
        "MATCH (p:Product {id: $id}) SET p += $props", {"id": product, "props": {name: 0.5}}
    )
    ctx = Context(project(loaded, stored=True, verify=True))
    result = run_all(loaded, context=ctx)
    assert result.written["Product"] == 1
    nodes = NodeRows(ctx, result.bottlenecks)
    expected: dict[tuple[Any, ...], dict[str, Any]] = {}
    products = product_rows(
        ctx, nodes, result.sourcing, result.capacity, result.spof, bom_depth(ctx), "province"
    )
    for key, values in products.items():
        expected["Product", key] = dict(zip(PRODUCT_PROPS, values, strict=True))
    for label, rows in (("Enterprise", nodes.enterprises()), ("Region", nodes.regions())):
        for key, values in rows.items():
            expected[label, key] = dict(zip(NODE_PROPS, values, strict=True))
    for kind_rows in spof_rows(result.spof).values():
        for (x, p), values in kind_rows.items():
            expected["SPOF_FOR", x, p] = dict(zip(["path", "reason"], values, strict=True))
    for (a, b, p), values in flag_rows(result.declared).items():
        expected["SUPPLIES", a, b, p] = dict(zip(FLAG_PROPS, values, strict=True))
    for (e, c), values in rank_rows(result.key_enterprises).items():
        expected["KEY_RANK_IN", e, c] = dict(zip(RANK_PROPS, values, strict=True))
    assert any(v is None for row in expected.values() for v in row.values())

    stored: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in loaded.query(
        "MATCH (n) WHERE n.analysis_run IS NOT NULL AND NOT n:AnalysisRun "
        "RETURN labels(n) AS labels, coalesce(n.id, n.code) AS key, properties(n) AS props"
    ):
        [label] = [x for x in r["labels"] if x in ("Product", "Enterprise", "Region")]
        stored[label, r["key"]] = r["props"]
    for r in loaded.query(
        "MATCH (x)-[s:SPOF_FOR|KEY_RANK_IN]->(y) RETURN type(s) AS t, "
        "coalesce(x.id, x.code) AS x, y.id AS y, properties(s) AS props"
    ):
        stored[r["t"], r["x"], r["y"]] = r["props"]
    for r in loaded.query(
        "MATCH (a:Enterprise)-[s:SUPPLIES]->(b:Enterprise) WHERE s.analysis_run IS NOT NULL "
        "RETURN a.id AS a, b.id AS b, s.product AS p, properties(s) AS props"
    ):
        stored["SUPPLIES", r["a"], r["b"], r["p"]] = r["props"]
    assert set(stored) == set(expected)
    for identity, row in expected.items():
        props = stored[identity]
        for name, value in row.items():
            if value is None:
                assert name not in props, (identity, name, props[name])
            else:
                assert _plain(props[name]) == _plain(value), (identity, name)


def test_a_failure_in_a_background_lane_is_raised(loaded: Graph) -> None:
    writer = Writer(loaded, "lane-test", dt.datetime.now(dt.UTC), None)
    with writer.lane("relationships"):
        writer._part(
            ["broken"],
            lambda progress: writer._batches(
                "broken", "UNWIND $rows AS r RETURN r +", [[1], [2]], progress
            ),
        )
    with pytest.raises(Exception):  # noqa: B017 - whatever the engine calls a syntax error
        writer.close()
    assert writer.counts["broken"] == 0
