"""Cell-level helpers shared by mappings and validation."""

from __future__ import annotations

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
    codes = np.zeros(len(frame), dtype=np.int64)
    for c in columns:
        if c not in frame.columns:
            continue
        cells = _text_array(frame[c])
        if cells is None:
            return None
        encoded = pc.dictionary_encode(cells)
        size = len(encoded.dictionary) + 1
        column = encoded.indices.fill_null(size - 1).to_numpy(zero_copy_only=False)
        if codes.max(initial=0) >= (1 << 62) // size:
            codes = np.unique(codes, return_inverse=True)[1].astype(np.int64)
        codes = codes * size + column.astype(np.int64)
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
