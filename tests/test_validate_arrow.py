"""Validation on Arrow-backed text gives the rejects and the typed values it gave on Python
objects.

The loader keeps a CSV's cells in Arrow from the reader to the checks (loaders/readers.py
text_frame, loaders/validate.py); tests/validate_reference.py is validation as it was, on
one Python string per cell. Here varied canonical files (blanks, spaces around values,
repeated and unknown keys, numbers pandas and Arrow might read apart, bad choices, patterns
and dates, rows that break a row rule) are read once and checked both ways: the same
rejects (file, line, column, value, reason, in order), the same rejected rows and the same
typed cells. No database: the graph's keys are a set the look-up answers from.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import validate_reference as reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.model import NodeType
from loaders.errors import Problems, TableProblems
from loaders.kinds import KINDS, Kind
from loaders.readers import LINE, ReadOptions, as_frame, read_input, text_frame
from loaders.validate import check_references, validate_kind

IN_GRAPH = {"E90", "E91", "P90", "330100"}
spaced = st.sampled_from(["", " ", "  x", "y ", "\u3000z", "\x1fq"])
keys = st.one_of(
    st.sampled_from(["E1", "E2", "E3", "E90", "E99", " E1", "E2 ", "", "E 4"]),
    spaced,
)
products = st.sampled_from(["P1", "P2", "P90", "P99", "", " P1"])
numbers = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-0",
            "-0.0",
            "+1",
            "1.",
            ".5",
            " 2.5 ",
            "1e3",
            "1E-2",
            "inf",
            "nan",
            "abc",
            "1,5",
            "0.1234567890123",
            "1.0000000000000002",
            "123456789012345.678901234567891",
            "9007199254740993",
            "99999999999999999999",
            "-1",
            "1.5",
            "12",
        ]
    ),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**20), 10**20).map(str),
)
dates = st.sampled_from(["", "2024-01-02", "2024-02-30", "20240102", "2099-01-01", " 2023-05-06 "])
choices = st.sampled_from(["", "large", "small", "huge", " medium"])
lists = st.sampled_from(["", "a;b", " a ; ;b", ";", "x"])


def _csv(header: list[str], rows: list[list[str]]) -> str:
    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n') else v

    return "\n".join(",".join(cell(v) for v in row) for row in [header, *rows]) + "\n"


def _rows(columns: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[list[list[str]]]:
    return st.lists(st.tuples(*columns.values()).map(list), min_size=1, max_size=12)


ENTERPRISES = {
    "id": keys,
    "name": st.sampled_from(["A", "", " B "]),
    "aliases": lists,
    "region": st.sampled_from(["330100", "110000", "", "330100 "]),
    "lat": numbers,
    "lon": numbers,
    "scale": choices,
    "parent_id": keys,
    "parent_share": numbers,
}
SUPPLIES = {
    "supplier": keys,
    "customer": keys,
    "product": products,
    "share": numbers,
    "volume": numbers,
    "since": dates,
}
DEMAND = {
    "area": st.sampled_from(["A1", "A2", "", " A3"]),
    "product": products,
    "priority": numbers,
    "daily_demand": numbers,
    "as_of": dates,
    "area_name": st.sampled_from(["", "North", "South"]),
    "sector": st.sampled_from(["", "hospital", "nope"]),
    "region": st.sampled_from(["", "330100", "999"]),
}


def _lookup(nt: NodeType, wanted: set[str]) -> set[str]:
    return wanted & IN_GRAPH


def _check(
    kinds: list[tuple[Kind, str]], frame_of: Any, validate: Any, references: Any
) -> tuple[list[Any], list[list[Any]], list[set[int]]]:
    """Every file read, each as ``frame_of`` makes it, validated and reference-checked."""
    frames = {}
    problems = []
    with tempfile.TemporaryDirectory() as folder:
        for i, (kind, text) in enumerate(kinds):
            path = Path(folder) / f"{kind.name}.csv"
            path.write_text(text, encoding="utf-8")
            found = Problems(path.name)
            table = frame_of(read_input(path, ReadOptions(), found))
            checks = TableProblems(found, table[LINE].astype("int64").tolist())
            frames[str(i)] = (kind, validate(table, kind, checks), checks)
            problems.append(found)
    references(frames, _lookup, None)
    typed = [
        [_plain(v) for v in df.astype(object).to_numpy().ravel()] for _, df, _ in frames.values()
    ]
    return (
        [r for p in problems for r in p.rejects],
        typed,
        [checks.bad_rows for _, _, checks in frames.values()],
    )


def _plain(value: Any) -> Any:
    """A typed cell compared across both paths (a blank is None; floats by their bits)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float):
        return ("float", value.hex())
    if isinstance(value, list | dt.date):
        return value
    return value


def _same(kinds: list[tuple[Kind, str]]) -> None:
    new = _check(kinds, text_frame, validate_kind, check_references)
    old = _check(kinds, as_frame, reference.validate_kind, reference.check_references)
    assert new[0] == old[0]
    assert new[2] == old[2]
    assert new[1] == old[1]


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(_rows(ENTERPRISES), _rows(SUPPLIES))
def test_enterprises_and_supplies_are_checked_as_before(
    enterprises: list[list[str]], supplies: list[list[str]]
) -> None:
    _same(
        [
            (KINDS["enterprises"], _csv(list(ENTERPRISES), enterprises)),
            (KINDS["supplies"], _csv(list(SUPPLIES), supplies)),
        ]
    )


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(_rows(DEMAND))
def test_demand_is_checked_as_before(demand: list[list[str]]) -> None:
    _same([(KINDS["demand"], _csv(list(DEMAND), demand))])


@pytest.mark.parametrize(
    "text",
    [
        "id,name,lat,lon\nE1,A,1.5,2\nE1,B,x,3\n E2 ,C,,\n",
        "id,name,hs_code\nP1,A,63.07 90\nP2,B,6307a\n",
    ],
)
def test_fixed_files_are_checked_as_before(text: str) -> None:
    kind = KINDS["enterprises"] if text.startswith("id,name,lat") else KINDS["products"]
    _same([(kind, text)])


def test_a_column_of_plain_numbers_is_read_by_arrow() -> None:
    """The usual numeric column takes Arrow's cast, and reads as pandas reads it."""
    from loaders.validate import _numbers, _texts

    raw = pd.Series(["1.5", "2", "", "0.125", "-3"], dtype="str")
    assert _numbers(_texts(raw)).tolist()[:2] == [1.5, 2.0]
    got = _numbers(_texts(raw)).tolist()
    assert math.isnan(got[2]) and got[3:] == [0.125, -3.0]
