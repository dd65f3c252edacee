"""Cell-level helpers shared by mappings and validation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

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
