"""Write batches: bounded in rows and in bytes, list rows written by position, short logs."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg import model
from kg.connection import Graph, _chunks, _row_bound, _value_bytes
from kg.schema import merge_nodes, merge_rels, node_layout, rel_layout
from loaders.pipeline import _by_shape

cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.lists(st.text(max_size=5), max_size=4),
)


@given(st.integers(1, 6).flatmap(lambda w: st.lists(st.lists(cells, min_size=w, max_size=w))))
def test_the_row_bound_is_never_below_a_rows_estimate(rows: list[list[Any]]) -> None:
    bound = _row_bound(rows)
    if rows:
        assert bound is not None and bound >= max(map(_value_bytes, rows))


def test_rows_other_than_lists_of_one_length_have_no_bound() -> None:
    assert _row_bound([{"key": "a"}]) is None
    assert _row_bound([["a"], ["b", "c"]]) is None
    assert _row_bound([]) is None


def test_batches_hold_at_most_the_rows_and_bytes_allowed() -> None:
    rows: list[list[Any]] = [[f"K{i}", "x" * 10, i] for i in range(1000)]
    rows[500][1] = "y" * 5000  # one large cell: the batches around it get shorter
    batches = list(_chunks(rows, 300, 20_000))
    assert [r for b in batches for r in b] == rows
    assert all(len(b) <= 300 for b in batches)
    assert all(sum(map(_value_bytes, b)) <= 20_000 for b in batches)
    assert len(next(b for b in batches if rows[500] in b)) < 300
    # Small rows: batches of the row count alone.
    assert [len(b) for b in _chunks(rows[:400], 300, 1 << 20)] == [300, 100]


def test_a_row_larger_than_a_batch_may_carry_is_refused() -> None:
    with pytest.raises(ValueError, match="SUPPLYMAP_MAX_BATCH_MB"):
        list(_chunks([["a"], ["x" * 100]], 10, 50))


def test_list_rows_follow_the_statement_layout() -> None:
    layout = rel_layout(model.SUPPLIES, ("volume", "since"), (), ("first_seen",))
    assert layout == ("start", "end", "product", "volume", "since", "first_seen")
    statement = merge_rels(
        model.SUPPLIES, ("volume", "since"), (), ("first_seen",), ("since",), positional=True
    )
    assert "MATCH (a:Enterprise {id: r[0]}) MATCH (b:Enterprise {id: r[1]})" in statement
    assert "[x:SUPPLIES {product: r[2]}]" in statement
    assert "x.volume = r[3], x.since = date(r[4]), x.first_seen = r[5]" in statement
    assert node_layout(("name",)) == ("key", "name")
    assert "MERGE (n:Product {id: r[0]}) SET n.name = r[1]" in merge_nodes(
        model.PRODUCT, ("name",), positional=True
    )
    # A type kept at its latest snapshot: a row without the date compares as null.
    produces = merge_rels(model.PRODUCES, ("capacity_per_day",), positional=True)
    by = rel_layout(model.PRODUCES, ("capacity_per_day",)).index("as_of")
    assert f"x.as_of IS NULL OR r[{by}] >= x.as_of" in produces


def test_rows_are_grouped_by_shape_and_by_which_fields_hold_dates() -> None:
    day = dt.date(2024, 5, 1)
    rows = [
        {"start": "A", "end": "B", "product": "P", "volume": 1.0, "since": day},
        {"start": "A", "end": "C", "product": "P", "volume": 2.0},
        {"start": "B", "end": "C", "product": "P", "volume": 3.0, "since": day, "note": day},
        {"start": "C", "end": "A", "product": "P", "volume": 4.0, "since": day, "note": "n"},
    ]
    groups = _by_shape(model.SUPPLIES, rows)
    assert groups == {
        (("volume", "since"), (), ("since",)): [["A", "B", "P", 1.0, "2024-05-01"]],
        (("volume",), (), ()): [["A", "C", "P", 2.0]],
        (("volume", "since"), ("note",), ("since", "note")): [
            ["B", "C", "P", 3.0, "2024-05-01", "2024-05-01"]
        ],
        (("volume", "since"), ("note",), ("since",)): [["C", "A", "P", 4.0, "2024-05-01", "n"]],
    }
    assert rows[0]["since"] == day  # the load's own rows are left as they were


def test_batches_are_written_whole_and_logged_short(
    graph: Graph, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [[f"WB-{i:04d}", "y" * (3000 if i in (5, 6, 7) else 10)] for i in range(50)]
    statement = merge_nodes(model.PRODUCT, ("name",), positional=True)
    params = {"source": "test", "load_id": "WB", "loaded_at": dt.datetime.now(dt.UTC)}
    small = Graph(graph.driver, graph.database, batch_bytes=8192)
    sizes: list[int] = []
    with caplog.at_level(logging.DEBUG, logger="neo4j"):
        written = small.write_batches(
            statement,
            rows,
            batch_size=20,
            params={**params, "basis": "declared"},
            on_batch=sizes.append,
            count_field="written",
        )
    assert written == 50 and sum(sizes) == 50 and len(sizes) > 3
    runs = [r.getMessage() for r in caplog.records if "C: RUN" in r.getMessage()]
    assert runs and all("WB-00" not in m for m in runs)
    assert any("rows>" in m for m in runs)
    got = graph.query(
        "MATCH (n:Product) WHERE n.load_id = 'WB' RETURN n.id AS id, n.name AS name ORDER BY id"
    )
    assert [(r["id"], r["name"]) for r in got] == [(r[0], r[1]) for r in rows]
