"""Cell-level helpers shared by mappings and validation."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Text columns are kept in pandas' Arrow-backed string type (blank = NaN) from the reader to
# the checks: key and reference look-ups then run on Arrow's arrays, never on one Python
# string per cell.
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def is_missing(value: Any) -> bool:
    """True for None, NaN, NA, NaT and blank text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def text(value: Any) -> str | None:
    """A cell as stripped text, None when missing (1.0 from a sheet becomes '1')."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def as_list(value: Any, sep: str = ";") -> list[str] | None:
    """A list cell: a list as is, or text split on ``sep``; blanks dropped; None if empty."""
    if isinstance(value, (list, tuple, np.ndarray)):
        items = [text(v) for v in value]
    elif is_missing(value):
        return None
    else:
        items = [text(v) for v in str(value).split(sep)]
    out = [i for i in items if i]
    return out or None


def row_codes(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray | None:
    """One whole number per row, equal for two rows exactly when their ``columns`` hold the
    same text (a blank, or a column the frame lacks, one value): each column's text
    dictionary-encoded by Arrow, so rows are compared by one integer hash, not by Python
    strings. None when a column holds anything but text and blanks."""
    encoded: list[tuple[np.ndarray, int]] = []
    for c in columns:
        if c not in frame.columns:
            continue
        cells = _text_array(frame[c])
        if cells is None:
            return None
        dictionary = pc.dictionary_encode(cells)
        size = len(dictionary.dictionary) + 1
        column = dictionary.indices.fill_null(size - 1).to_numpy(zero_copy_only=False)
        encoded.append((column.astype(np.int64), size))
    return _packed(encoded, len(frame))


def _packed(columns: Sequence[tuple[np.ndarray, int]], rows: int) -> np.ndarray:
    """One whole number per row from each column's codes (0 <= code < size): equal for two
    rows exactly when every column's code is (ranked again when the product would overflow)."""
    codes = np.zeros(rows, dtype=np.int64)
    for column, size in columns:
        if codes.max(initial=0) >= (1 << 62) // size:
            codes = np.unique(codes, return_inverse=True)[1].astype(np.int64)
        codes = codes * size + column
    return codes


def _text_array(values: pd.Series) -> pa.Array | None:
    """A column of text and blanks as one Arrow array (None for any other column)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        return pa.chunked_array(pa.array(values.array)).combine_chunks()
    if values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) not in (
        "string",
        "empty",
    ):
        return None
    return pa.array(values.to_numpy(), type=pa.string(), from_pandas=True)


# Each validated text column's factorisation, by its Arrow data (immutable): validation's key
# and reference checks and a bulk load's fold and writer hash each key column once.
_FACTORISED: dict[int, tuple[weakref.ref[Any], tuple[np.ndarray, np.ndarray]]] = {}


def factorised(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(series)``: each row's code (int64; -1 for a blank) and the distinct
    values (an object array, in order of first appearance). Remembered for a column of
    pandas' Arrow string type while its Arrow data lives, so the checks and the bulk fold of
    one load factorise a key column once (a column made of its rows, all of them, shares the
    data)."""
    data = getattr(series.array, "_pa_array", None) if _is_text(series) else None
    if data is not None:
        known = _FACTORISED.get(id(data))
        if known is not None and known[0]() is data:
            return known[1]
    codes, uniques = pd.factorize(series)
    made = (np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object))
    if data is not None:
        _FACTORISED[id(data)] = (weakref.ref(data), made)
        weakref.finalize(data, _FACTORISED.pop, id(data), None)
    return made


def _is_text(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow"


def codes_duplicated(columns: Sequence[tuple[np.ndarray, int]], rows: int) -> np.ndarray:
    """Which rows repeat an earlier row, from each column's codes (-1 for a blank, one value)
    and number of distinct values: DataFrame.duplicated() from the columns' factorisations."""
    codes = _packed([(column + 1, distinct + 1) for column, distinct in columns], rows)
    return np.asarray(pd.Series(codes).duplicated().to_numpy(), dtype=bool)
