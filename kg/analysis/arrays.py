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


def pair_runs(
    a: IntArray, b: IntArray, a_max: int | None = None, b_max: int | None = None
) -> tuple[IntArray, IntArray]:
    """(order, starts): the stable argsort of the pairs (a, b), by a then b with equal pairs
    in place, and where each run of equal pairs starts in that order. a and b are
    non-negative, at most ``a_max`` and ``b_max`` (found when not given).

    The pairs and their positions are packed into one 63-bit key and sorted by value (a
    vectorised sort, several times faster than an argsort); when they do not fit, lexsort."""
    n = len(a)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    a_bits = int(a.max() if a_max is None else a_max).bit_length()
    b_bits = int(b.max() if b_max is None else b_max).bit_length()
    i_bits = (n - 1).bit_length()
    if a_bits + b_bits + i_bits <= 63:
        key = (a << (b_bits + i_bits)) | (b << i_bits) | np.arange(n, dtype=np.int64)
        key.sort()
        order = key & ((1 << i_bits) - 1)
        key >>= i_bits
        return order, np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    order = np.lexsort((b, a))
    a_s, b_s = a[order], b[order]
    return order, np.flatnonzero(np.r_[True, (a_s[1:] != a_s[:-1]) | (b_s[1:] != b_s[:-1])])


def group_sum(
    keys: tuple[IntArray, IntArray], *values: FloatArray
) -> tuple[IntArray, IntArray, list[FloatArray]]:
    """Sum values per (a, b) key pair (both non-negative); returns the unique pairs, sorted
    by a then b, and the sums (each added up in the order the values come)."""
    a, b = keys
    if len(a) == 0:
        return a, b, [v[:0] for v in values]
    order, start = pair_runs(a, b)
    firsts = order[start]
    return a[firsts], b[firsts], [np.add.reduceat(v[order], start) for v in values]


def positions_by(keys: IntArray, n: int, values: IntArray | None = None) -> list[list[int]]:
    """For each i < n, the positions where ``keys == i`` (or ``values`` there), in order."""
    if n == 0:
        return []
    order = np.argsort(keys, kind="stable")
    flat = (order if values is None else values[order]).tolist()
    ends = np.cumsum(np.bincount(keys, minlength=n)).tolist()
    return [flat[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
