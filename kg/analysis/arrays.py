"""Small numpy helpers shared by the analyses."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def expand_ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """Concatenate the index ranges [starts[i], starts[i] + lengths[i])."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    out: IntArray = np.repeat(starts, lengths) + (np.arange(total) - offsets)
    return out


def group_sum(
    keys: tuple[IntArray, IntArray], *values: FloatArray
) -> tuple[IntArray, IntArray, list[FloatArray]]:
    """Sum values per (a, b) key pair (both below 2**31); returns the unique pairs, sorted
    by a then b, and the sums."""
    a, b = keys
    if len(a) == 0:
        return a, b, [v[:0] for v in values]
    combined = (a << 32) | b
    order = np.argsort(combined, kind="stable")
    combined = combined[order]
    start = np.flatnonzero(np.r_[True, combined[1:] != combined[:-1]])
    return a[order][start], b[order][start], [np.add.reduceat(v[order], start) for v in values]


def positions_by(keys: IntArray, n: int, values: IntArray | None = None) -> list[list[int]]:
    """For each i < n, the positions where ``keys == i`` (or ``values`` there), in order."""
    if n == 0:
        return []
    order = np.argsort(keys, kind="stable")
    flat = (order if values is None else values[order]).tolist()
    ends = np.cumsum(np.bincount(keys, minlength=n)).tolist()
    return [flat[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
