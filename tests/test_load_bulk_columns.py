"""The columnar bulk path gives the records and the import lines of the row fold.

A write given as columns (loaders/kinds.py ``Write.frame``) is folded into a NodeTable or an
EdgeTable and turned into ArcadeDB's import lines by Arrow kernels (loaders/bulk_columns.py);
the same write given as one dict per row goes through the row fold and orjson, record by
record. Here varied frames (text with quotes, backslashes, control characters and other
scripts; blanks; lists; dates; repeated keys; links to unknown ends; a type written twice)
are folded both ways and compared record by record and byte by byte. No database: the fold
and the lines are plain Python (tests/test_load_bulk.py loads through both engines).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import model
from loaders.bulk import BulkWrite, Folded, _dumps, _edge_lines, _vertex_lines, fold
from loaders.bulk_columns import EdgeTable, NodeTable, repeats
from loaders.bulk_neo4j import Unsupported, write_files
from loaders.kinds import KINDS, frame_rows
from loaders.validate import _texts

PROVENANCE = {
    "source": "columns-test",
    "load_id": "L1",
    "loaded_at": dt.datetime(2026, 12, 3, 11, 0, 0, 123456, tzinfo=dt.UTC),
}
KEYS = [f"E{i}" for i in range(12)]
texts = st.one_of(
    st.none(),
    st.sampled_from(['a "quoted" name', "back\\slash", "tab\there", "line\nbreak", "北京 ü"]),
    st.text(max_size=8),
)
floats = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))
lists = st.one_of(
    st.none(),
    st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=3),
    st.text(max_size=3),  # a text cell in a column of lists (a mapping may give one)
)
dates = st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)))


def _frame(columns: dict[str, list[Any]], floats_: tuple[str, ...]) -> pd.DataFrame:
    """A frame as kinds._rows makes it: float columns float64 (NaN blank), the rest objects."""
    return pd.DataFrame(
        {
            name: np.array([np.nan if v is None else v for v in values], dtype=float)
            if name in floats_
            else pd.Series(values, dtype=object)
            for name, values in columns.items()
        }
    )


@st.composite
def enterprise_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 15))
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=n, max_size=n))
    return _frame(
        {
            "key": keys,
            "name": draw(st.lists(texts, min_size=n, max_size=n)),
            "aliases": draw(st.lists(lists, min_size=n, max_size=n)),
            "lat": draw(st.lists(floats, min_size=n, max_size=n)),
        },
        ("lat",),
    )


@st.composite
def supply_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 20))
    ends = st.sampled_from([*KEYS, "UNKNOWN"])
    return _frame(
        {
            "start": draw(st.lists(ends, min_size=n, max_size=n)),
            "end": draw(st.lists(ends, min_size=n, max_size=n)),
            "product": draw(st.lists(st.sampled_from(["P1", "P2", "P3"]), min_size=n, max_size=n)),
            "volume": draw(st.lists(floats, min_size=n, max_size=n)),
            "since": draw(st.lists(dates, min_size=n, max_size=n)),
        },
        ("volume",),
    )


def known_keys(_nt: Any, keys: set[Any]) -> set[Any]:
    return {k for k in keys if k != "UNKNOWN"}


def both_ways(writes: list[tuple[Any, pd.DataFrame]]) -> tuple[Folded, Folded]:
    columns = [BulkWrite(t, [], "declared", (), frame) for t, frame in writes]
    rows = [BulkWrite(t, frame_rows(frame), "declared") for t, frame in writes]
    return fold(columns, PROVENANCE, known_keys), fold(rows, PROVENANCE, known_keys)


def records(folded: Folded) -> dict[Any, dict[Any, Any]]:
    return {t: dict(r) for t, r in [*folded.nodes.items(), *folded.rels.items()]}


def row_lines(folded: Folded, rids: dict[Any, str]) -> tuple[bytes, bytes]:
    """The import lines of the row path (ArcadeBulkWriter's own expressions)."""
    vertex = b'{"@type":"vertex","@class":"Enterprise","@id":"'
    nodes = b"".join(
        b"".join((vertex, str(i).encode(), b'",', _dumps(props)[1:]))
        for i, props in enumerate(folded.nodes[model.ENTERPRISE].values())
    )
    edge = b'{"@type":"edge","@class":"SUPPLIES","@from":"'
    links = b"".join(
        b"".join(
            (
                edge,
                rids[e.start].encode(),
                b'","@to":"',
                rids[e.end].encode(),
                b'",',
                _dumps(e.props)[1:],
            )
        )
        for e in folded.rels.get(model.SUPPLIES, {}).values()
    )
    return nodes, links


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=enterprise_frames(), again=st.one_of(st.none(), enterprise_frames()))
def test_node_columns_fold_as_the_rows_do(nodes: pd.DataFrame, again: pd.DataFrame | None) -> None:
    writes = [(model.ENTERPRISE, nodes)]
    if again is not None:
        writes.append((model.ENTERPRISE, again))
    by_columns, by_rows = both_ways(writes)
    assert records(by_columns) == records(by_rows)
    assert by_columns.written == by_rows.written
    if not nodes["key"].duplicated().any() and len(nodes) and again is None:
        assert isinstance(by_columns.nodes[model.ENTERPRISE], NodeTable)  # the quick path


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=enterprise_frames(), links=supply_frames(), again=st.booleans())
def test_link_columns_fold_and_write_as_the_rows_do(
    nodes: pd.DataFrame, links: pd.DataFrame, again: bool
) -> None:
    nodes = nodes.drop_duplicates("key").reset_index(drop=True)
    writes = [(model.ENTERPRISE, nodes), (model.SUPPLIES, links)]
    if again:
        writes.append((model.SUPPLIES, links.iloc[::-1].reset_index(drop=True)))
    by_columns, by_rows = both_ways(writes)
    assert records(by_columns) == records(by_rows)
    assert by_columns.written == by_rows.written
    # The import lines, column by column, are the row path's bytes.
    rids = {k: f"#1:{i}" for i, k in enumerate(KEYS)}
    expected_nodes, expected_links = row_lines(by_rows, rids)
    table = by_columns.nodes.get(model.ENTERPRISE)
    if isinstance(table, NodeTable):
        vertex_head = '{"@type":"vertex","@class":"Enterprise","@id":"'
        assert b"".join(p for p, _ in _vertex_lines(vertex_head, table)) == expected_nodes
        assert sum(n for _, n in _vertex_lines(vertex_head, table)) == len(table)
    rels = by_columns.rels.get(model.SUPPLIES)
    if isinstance(rels, EdgeTable):
        head = '{"@type":"edge","@class":"SUPPLIES","@from":"'
        assert b"".join(p for p, _ in _edge_lines(head, rels, rids, rids)) == expected_links


def test_a_canonical_kind_builds_its_writes_as_columns() -> None:
    """The kinds' builders give frames, and the rows made from them are the old rows."""
    frame = pd.DataFrame(
        {
            "id": ["E1", "E2", "E3"],
            "name": ["One", "Two", None],
            "aliases": [["a", "b"], None, None],
            "region": ["110000", None, "310000"],
            "lat": [1.5, np.nan, 2.0],
            "lon": [3.0, np.nan, 4.0],
            "scale": [None, "large", None],
            "tags": [None, None, ["x"]],
            "parent_id": [None, "E1", "E1"],
            "parent_share": [np.nan, 0.5, np.nan],
        }
    )
    nodes, located, owned = KINDS["enterprises"].build(frame)
    assert nodes.frame is not None and len(nodes) == 3
    assert nodes.rows[0] == {
        "key": "E1",
        "name": "One",
        "aliases": ["a", "b"],
        "region": "110000",
        "lat": 1.5,
        "lon": 3.0,
    }
    assert nodes.rows[2] == {"key": "E3", "region": "310000", "lat": 2.0, "lon": 4.0, "tags": ["x"]}
    assert located.rows == [{"start": "E1", "end": "110000"}, {"start": "E3", "end": "310000"}]
    assert owned.rows == [
        {"start": "E2", "end": "E1", "share": 0.5},
        {"start": "E3", "end": "E1"},
    ]
    assert owned.values("start") == ["E2", "E3"]


SPACES = "".join(c for c in map(chr, range(0x110000)) if c.isspace())


def _texts_one_by_one(raw: pd.Series) -> list[Any]:
    """What validate._texts gives, cell by cell (str.strip, blanks None)."""
    out: list[Any] = []
    for value in raw.tolist():
        stripped = value.strip() if isinstance(value, str) else None
        out.append(stripped or None)
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.just(np.nan),
            st.text(alphabet=st.sampled_from([*SPACES, "a", "é", "北", "\x00", "\u200b"])),
            st.text(max_size=6),
        ),
        max_size=20,
    )
)
def test_texts_strip_as_str_strip_does(cells: list[Any]) -> None:
    """validate._texts strips only the cells Arrow finds starting or ending with a space:
    the same cells str.strip() changes, for every character str.isspace() takes."""
    raw = pd.Series(cells, dtype=object)
    if pd.api.types.infer_dtype(raw, skipna=True) not in ("string", "empty"):
        return
    assert [None if pd.isna(v) else v for v in _texts(raw).tolist()] == _texts_one_by_one(raw)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=enterprise_frames(), links=supply_frames())
def test_neo4j_import_files_from_columns_are_the_rows_files(
    nodes: pd.DataFrame, links: pd.DataFrame
) -> None:
    """Neo4j's import CSV files (loaders/bulk_neo4j.py) written from the columns are the
    files written from the row fold's dicts, byte for byte."""
    nodes = nodes.drop_duplicates("key").reset_index(drop=True)
    by_columns, by_rows = both_ways([(model.ENTERPRISE, nodes), (model.SUPPLIES, links)])
    with tempfile.TemporaryDirectory() as tmp:
        try:
            from_columns = write_files(by_columns, Path(tmp) / "columns")
        except Unsupported as exc:
            with pytest.raises(Unsupported, match=re.escape(str(exc))):
                write_files(by_rows, Path(tmp) / "rows")
            return
        from_rows = write_files(by_rows, Path(tmp) / "rows")
        assert len(from_columns.args) == len(from_rows.args)
        for a, b in zip(from_columns.args, from_rows.args, strict=True):
            assert a.replace("/columns/", "/rows/") == b
            path_a, path_b = Path(a.rsplit("=", 1)[-1]), Path(b.rsplit("=", 1)[-1])
            assert path_a.read_bytes() == path_b.read_bytes()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "", "é", None, np.nan]),
            st.sampled_from(["x", "y", None]),
            st.sampled_from(["1", "2"]),
        ),
        max_size=12,
    )
)
def test_repeats_finds_the_rows_pandas_finds(rows: list[tuple[Any, Any, Any]]) -> None:
    """bulk_columns.repeats (rows coded by Arrow's dictionaries) says what DataFrame.duplicated
    says, a blank counting as one value, a missing column as blank."""
    frame = pd.DataFrame(rows, columns=["s", "e", "p"], dtype=object)
    for columns in (["s"], ["s", "e"], ["s", "e", "p"], ["s", "missing"]):
        keyed = pd.DataFrame(
            {
                c: frame[c].where(frame[c].notna(), "\0blank") if c in frame else "\0blank"
                for c in columns
            },
            index=frame.index,
        )
        assert repeats(frame, columns) == bool(len(frame) and keyed.duplicated().any())
