"""Validate one canonical table: columns, types, ranges, formats, duplicates, references.

Types are coerced here (text to numbers and dates, ';'-lists to lists) and each cell that
does not convert is reported; pandera then checks ranges, choices, patterns and required
values lazily, so every failing cell of the file is reported at once, not the first only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pandera
import pyarrow as pa
import pyarrow.compute as pc
from pandera.errors import SchemaErrors

from kg.model import CHAIN, ENTERPRISE, PRODUCT, REGION, NodeType
from loaders.cells import TEXT, as_list, codes_duplicated, factorised, is_missing, text
from loaders.errors import TableProblems
from loaders.kinds import Column, Kind
from loaders.readers import LINE
from loaders.uscc import uscc_error

KeyLookup = Callable[[NodeType, set[str]], set[str]]
# The kinds whose rows define the nodes other kinds reference.
DEFINERS: dict[str, NodeType] = {
    "enterprises": ENTERPRISE,
    "products": PRODUCT,
    "chains": CHAIN,
    "regions": REGION,
}


# What both engines store: a whole number is a signed 64-bit integer; a number a finite
# 64-bit float.
INT64_MAX = 2**63 - 1
_INT_LIMIT = float(2**63)  # the first float above INT64_MAX
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ].*)?")


def _today() -> dt.date:
    return dt.date.today()


# What str.strip() strips: every character whose isspace() is true.
_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


# A number Arrow reads exactly as pandas.to_numeric does: plain decimal digits, at most 16
# characters (longer ones pandas rounds in its own way; tests/test_validate_arrow.py).
_PLAIN_NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$"
_NEGATIVE_ZERO = r"^-0*\.?0*$"  # pandas reads '-0' in a column of whole numbers as 0
_PLAIN_LENGTH = 16


def text_cells(raw: pd.Series) -> pa.Array | None:
    """A column's cells as one Arrow string array (null where missing) when every cell is
    text or missing; None otherwise."""
    if isinstance(raw.dtype, pd.StringDtype) and raw.dtype.storage == "pyarrow":
        cells = pa.chunked_array(pa.array(raw.array)).combine_chunks()
        return cells if len(cells) == len(raw) else None
    kind = pd.api.types.infer_dtype(raw, skipna=True)
    if kind == "empty":
        return pa.nulls(len(raw), pa.large_string())
    if kind != "string":
        return None
    return pa.array(raw.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)


def text_series(cells: pa.Array, index: pd.Index) -> pd.Series:
    """Arrow text cells as a column of pandas' Arrow-backed string type (nulls NaN)."""
    return pd.Series(pd.array(cells, dtype=TEXT), index=index)


def _texts(raw: pd.Series) -> pd.Series:
    """A column as stripped text, NaN for blanks, in pandas' Arrow-backed string type:
    Arrow trims the characters str.strip() strips (every one str.isspace() takes)."""
    cells = text_cells(raw)
    if cells is None:
        values = raw.map(text).astype(object).to_numpy()
        return text_series(pa.array(values, type=pa.large_string(), from_pandas=True), raw.index)
    cells = pc.utf8_trim(cells, characters=_SPACES)
    blank = pc.equal(cells, "").fill_null(False)
    if pc.any(blank).as_py():
        cells = pc.if_else(blank, pa.scalar(None, cells.type), cells)
    return text_series(cells, raw.index)


def _numbers(texts: pd.Series) -> pd.Series:
    """pd.to_numeric(texts, errors="coerce") as floats: through Arrow's cast when every
    cell is a plain decimal number (the usual column), else through pandas."""
    cells = text_cells(texts)
    if cells is not None and len(cells):
        present = cells.is_valid()
        plain = pc.and_(
            pc.match_substring_regex(cells, _PLAIN_NUMBER),
            pc.less_equal(pc.binary_length(cells), _PLAIN_LENGTH),
        )
        plain = pc.and_(plain, pc.invert(pc.match_substring_regex(cells, _NEGATIVE_ZERO)))
        if pc.all(pc.or_(pc.invert(present), plain.fill_null(False))).as_py():
            nums = pc.cast(cells, pa.float64()).to_numpy(zero_copy_only=False)
            return pd.Series(nums, index=texts.index, dtype=float)
    values = texts.astype(object).where(texts.notna(), None)
    return pd.to_numeric(values, errors="coerce").astype(float)


def _lists(raw: pd.Series, sep: str = ";") -> list[list[str] | None]:
    """A list column: ';'-separated text split and stripped, lists kept; None when empty."""
    if pd.api.types.infer_dtype(raw, skipna=True) not in ("string", "empty"):
        return [as_list(v, sep) for v in raw]
    out: list[list[str] | None] = []
    for value in raw.tolist():
        if not isinstance(value, str):
            out.append(None)
        elif sep not in value:
            item = value.strip()
            out.append([item] if item else None)
        else:
            items = [i for i in (part.strip() for part in value.split(sep)) if i]
            out.append(items or None)
    return out


def _coerce(df: pd.DataFrame, kind: Kind, problems: TableProblems) -> pd.DataFrame:
    """Convert each canonical column to its type; report cells that do not convert."""
    out = pd.DataFrame({LINE: df[LINE].to_numpy()})
    for col in kind.columns:
        if col.name not in df.columns:
            out[col.name] = pd.Series([col.default] * len(df), dtype=object)
            continue
        raw = df[col.name]
        if col.type == "list":
            out[col.name] = pd.Series(_lists(raw), dtype=object)
        elif col.type in ("float", "int"):
            texts = _texts(raw)
            nums = _numbers(texts)
            bad = texts.notna() & (nums.isna() | ~np.isfinite(nums))
            if col.type == "int":
                bad |= nums.notna() & (nums % 1 != 0)
            for i in np.flatnonzero(bad.to_numpy()):
                problems.error(
                    int(i),
                    col.name,
                    raw.iloc[i],
                    f"not a number: {col.name} "
                    f"must be {'a whole number' if col.type == 'int' else 'numeric'}",
                )
            if col.type == "int":
                huge = ~bad & nums.notna() & (nums.abs() >= _INT_LIMIT)
                for i in np.flatnonzero(huge.to_numpy()):
                    problems.error(
                        int(i),
                        col.name,
                        raw.iloc[i],
                        f"out of range: {col.name} must be a whole number between "
                        f"-{INT64_MAX} and {INT64_MAX}",
                    )
                bad |= huge
            nums = nums.where(~bad)
            if col.default is not None:
                nums = nums.where(texts.notna(), col.default)
            out[col.name] = nums.astype(float)
        elif col.type == "date":
            values: list[Any] = []
            for pos, v in enumerate(raw):
                if is_missing(v):
                    values.append(col.default)
                    continue
                if isinstance(v, dt.datetime):
                    values.append(v.date())
                    continue
                if isinstance(v, dt.date):
                    values.append(v)
                    continue
                value_text = text(v) or ""
                try:
                    if not _ISO_DATE.fullmatch(value_text):
                        raise ValueError(value_text)  # e.g. 20220101, read as a number elsewhere
                    parsed = dt.datetime.fromisoformat(value_text)
                    values.append(parsed.date())
                except ValueError:
                    problems.error(
                        pos,
                        col.name,
                        v,
                        f"not a date: {col.name} must be written YYYY-MM-DD",
                    )
                    values.append(None)
            out[col.name] = pd.Series(values, dtype=object)
        else:
            texts = _texts(raw)
            if col.default is not None:
                texts = texts.fillna(col.default)
            out[col.name] = texts
    if "hs_code" in out.columns:
        hs = out["hs_code"].str.replace(".", "", regex=False).str.replace(" ", "", regex=False)
        out["hs_code"] = hs
    return out


def _range_check(col: Column) -> list[pandera.Check]:
    checks = []
    if col.min is not None:
        lo = col.min
        if col.min_exclusive:
            checks.append(pandera.Check(lambda s, lo=lo: s > lo, name=f"must be above {lo:g}"))
        else:
            checks.append(pandera.Check(lambda s, lo=lo: s >= lo, name=f"must be at least {lo:g}"))
    if col.max is not None:
        hi = col.max
        checks.append(pandera.Check(lambda s, hi=hi: s <= hi, name=f"must be at most {hi:g}"))
    return checks


@cache
def _schema(kind: Kind) -> pandera.DataFrameSchema:
    columns: dict[str, pandera.Column] = {}
    for col in kind.columns:
        checks = list(_range_check(col)) if col.type in ("float", "int") else []
        if col.choices:
            allowed = frozenset(col.choices)
            checks.append(
                pandera.Check(
                    lambda s, allowed=allowed: s.isin(allowed),
                    name=f"must be one of: {', '.join(col.choices)}",
                )
            )
        if col.pattern:
            checks.append(
                pandera.Check(
                    lambda s, p=col.pattern: s.astype(str).str.fullmatch(p),
                    name=col.pattern_hint or f"must match {col.pattern}",
                )
            )
        if col.not_future:
            checks.append(
                pandera.Check(
                    lambda s: s.map(lambda d: d <= _today()).astype(bool),
                    name="is in the future; give the date the figures were true",
                )
            )
        columns[col.name] = pandera.Column(
            None, checks=checks, nullable=not col.required, required=False
        )
    return pandera.DataFrameSchema(columns, strict=False)


def _check_with_pandera(df: pd.DataFrame, kind: Kind, problems: TableProblems) -> None:
    try:
        # In place: the schema coerces nothing, and a copy of a million-row frame cost more
        # than all its checks (a profile of a bulk load).
        _schema(kind).validate(df, lazy=True, inplace=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        for _, case in cases.iterrows():
            idx = case["index"]
            column = str(case["column"])
            if idx is None or (isinstance(idx, float) and np.isnan(idx)):
                continue
            row = int(str(idx))
            if problems.cell_is_bad(row, column):
                continue  # the value did not convert; already reported
            if str(case["check"]) == "not_nullable":
                problems.error(row, column, "", f"{column} is required and is empty")
            else:
                problems.error(row, column, df[column].iloc[row], f"{column} {case['check']}")


def _check_uscc(df: pd.DataFrame, column: str, problems: TableProblems) -> None:
    ids = df[column]
    shaped = ids.str.len().eq(18).fillna(False).to_numpy(dtype=bool)  # only these can be one
    for row in np.flatnonzero(shaped):
        value = ids.iloc[row]
        reason = uscc_error(value)
        if reason:
            problems.error(int(row), column, value, reason)


def _cell(series: pd.Series, row: int) -> Any:
    """A cell as a message shows it: a blank text cell is None, as before text columns were
    Arrow-backed."""
    value = series.iloc[row]
    if isinstance(series.dtype, pd.StringDtype) and not isinstance(value, str):
        return None
    return value


def _check_duplicates(df: pd.DataFrame, kind: Kind, problems: TableProblems) -> None:
    key = list(kind.key)
    # Each key column factorised (remembered: the reference checks and a bulk load's fold
    # use the same codes), the rows compared by their codes.
    columns = [factorised(df[c]) for c in key]
    present = np.logical_and.reduce([codes >= 0 for codes, _ in columns])
    duplicated = codes_duplicated([(codes, len(values)) for codes, values in columns], len(df))
    repeats = duplicated & present
    if not repeats.any():
        return  # the usual case, found without a loop over the rows
    keyed = list(zip(*(df[c].tolist() for c in key), strict=True))
    first: dict[tuple[Any, ...], int] = {}
    for row in np.flatnonzero(present):
        k = keyed[row]
        if k in first:
            values = "/".join(str(_cell(df[c], int(row))) for c in key)
            problems.error(
                int(row),
                ",".join(key),
                values,
                f"repeats the key of line {problems.lines[first[k]]}; "
                f"each {'/'.join(key)} may appear once",
            )
        else:
            first[k] = int(row)


def validate_kind(df: pd.DataFrame, kind: Kind, problems: TableProblems) -> pd.DataFrame:
    """Coerce and check one table; return it typed (bad rows still in: see problems)."""
    missing = [c for c in kind.required if c not in df.columns]
    if missing:
        found = ", ".join(c for c in df.columns if c != LINE) or "(none)"
        for c in missing:
            problems.problems.reject_file(
                c, f"required column {c!r} is missing for kind {kind.name!r}; found: {found}"
            )
        return df.iloc[0:0]
    typed = _coerce(df, kind, problems)
    _check_with_pandera(typed, kind, problems)
    if kind.name == "enterprises":
        _check_uscc(typed, "id", problems)
    for columns, rule, reason in kind.row_rules:
        bad = rule(typed).fillna(False).astype(bool)
        for i in np.flatnonzero(bad.to_numpy()):
            if problems.cell_is_bad(int(i), *columns):
                continue  # already reported for one of its cells
            value = "/".join(str(_cell(typed[c], int(i))) for c in columns)
            problems.error(int(i), ",".join(columns), value, reason)
    _check_duplicates(typed, kind, problems)
    return typed


def _reference_positions(
    series: pd.Series, is_list: bool, known: set[str], skip_rows: set[int]
) -> list[tuple[int, str]]:
    """Positions and values of references not in ``known`` (rows in skip_rows left out)."""
    skip = np.zeros(len(series), dtype=bool)
    skip[list(skip_rows)] = True
    if not is_list:
        present = series.notna().to_numpy()
        if not present.any():
            return []
        unknown = present & ~_isin(series, known) & ~skip
        return [(int(pos), str(series.iloc[pos])) for pos in np.flatnonzero(unknown)]
    out: list[tuple[int, str]] = []
    for pos, items in enumerate(series):
        if isinstance(items, list) and not skip[pos]:
            out.extend((pos, item) for item in items if item not in known)
    return out


def _isin(series: pd.Series, known: set[str]) -> np.ndarray:
    """series.isin(known), by Arrow's hash look-up for a text column (pandas would make an
    Arrow scalar of every known key)."""
    cells = text_cells(series) if isinstance(series.dtype, pd.StringDtype) else None
    if cells is not None and all(type(k) is str for k in known):
        value_set = pa.array(list(known), type=cells.type)
        found = pc.is_in(cells, value_set=value_set).fill_null(False)
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
    return np.asarray(series.isin(known).to_numpy(), dtype=bool)


def _distinct(series: pd.Series) -> set[Any]:
    """The distinct values of a column (blanks left out)."""
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        return set(factorised(series)[1].tolist())  # as the key checks factorised it
    return set(series.dropna())


def _referenced(series: pd.Series, is_list: bool) -> set[str]:
    if not is_list:
        values = _distinct(series)
        if all(type(v) is str for v in values):
            return values  # text cells: each is its own str()
        return {str(v) for v in values}
    return {item for items in series if isinstance(items, list) for item in items}


def check_references(
    frames: dict[str, tuple[Kind, pd.DataFrame, TableProblems]],
    lookup: KeyLookup,
    extra_keys: dict[NodeType, set[str]] | None = None,
) -> None:
    """Reject rows that reference a key found neither in these tables nor in the graph.

    Keys defined by rows that were themselves rejected do not count, so a rejection
    cascades (a bill-of-materials row whose product was rejected is rejected too).
    Repeats until nothing changes. The graph is asked once per key, in batches.
    """
    in_graph: dict[NodeType, set[str]] = {}
    checked: dict[NodeType, set[str]] = {}
    in_file: dict[NodeType, set[str]] = {}  # every key the tables define, rejected or not
    every: dict[int, set[Any]] = {}  # each defining table's keys, rejected or not
    for kind, df, _ in frames.values():
        nt = DEFINERS.get(kind.name)
        if nt is not None and not df.empty and nt.key in df.columns:
            every[id(df)] = _distinct(df[nt.key])
            in_file.setdefault(nt, set()).update(every[id(df)])
    while True:
        defined: dict[NodeType, set[str]] = {nt: set(v) for nt, v in (extra_keys or {}).items()}
        for kind, df, problems in frames.values():
            nt = DEFINERS.get(kind.name)
            if nt is None or problems.file_level or df.empty:
                continue
            if not problems.bad_rows and id(df) in every:
                defined.setdefault(nt, set()).update(every[id(df)])  # no row rejected
                continue
            good = np.ones(len(df), dtype=bool)
            good[list(problems.bad_rows)] = False
            keys = df[nt.key] if good.all() else df.loc[good, nt.key]
            defined.setdefault(nt, set()).update(_distinct(keys))
        changed = False
        for kind, df, problems in frames.values():
            if problems.file_level or df.empty:
                continue
            for col in kind.columns:
                if col.ref is None or col.name not in df.columns:
                    continue
                nt = col.ref
                is_list = col.type == "list"
                outside = _referenced(df[col.name], is_list) - defined.get(nt, set())
                unseen = outside - checked.setdefault(nt, set())
                if unseen:
                    in_graph.setdefault(nt, set()).update(lookup(nt, unseen))
                    checked[nt] |= unseen
                if not outside - in_graph.get(nt, set()):
                    continue  # every value names a known key: no row to look at
                known = defined.get(nt, set()) | in_graph.get(nt, set())
                reported = {row for row, c in problems.bad_cells if c == col.name}
                for pos, value in _reference_positions(df[col.name], is_list, known, reported):
                    where = (
                        "was rejected"
                        if value in in_file.get(nt, set())
                        else "is neither in this load nor in the graph; load it first"
                    )
                    problems.error(
                        pos,
                        col.name,
                        value,
                        f"unknown {nt.label.lower()} {value!r}: it {where}",
                    )
                    changed = True
        if not changed:
            return


__all__ = ["DEFINERS", "check_references", "validate_kind"]
