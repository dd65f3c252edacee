"""One 64-bit digest per result row, computed column by column, and the diff over digests.

Every row the write-back stores (kg/analysis/writeback.py) carries ``analysis_digest``, a
64-bit hash of the values written. The next run reads the digests only (one value per row,
not the row's 2-26 properties) and compares them with the digests of its new rows: a row
whose digest is missing or different is written again.

A value hashes the same whatever the other values of its column are:
- numbers (int, float, bool) hash as their float64 bits, so ``3 == 3.0 == True``-style
  equalities hold as Python's ``==`` would have it;
- strings hash as they are, anything else (lists) as its ``repr`` behind a marker (pandas'
  fixed-key SipHash), so a string never equals a number or a list;
- None (a property not stored) has one digest of its own, NaN shares it (stored as null).
Columns are combined in order, starting from a hash of the property names, so a row of
other properties (a new version of the results) never matches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

U64 = NDArray[np.uint64]
_NUMBERS = frozenset({int, float, bool, type(None), np.float64, np.int64, np.bool_})
_NONE = np.uint64(0x6A09E667F3BCC909)  # the digest of a missing value
_OTHER = "\x00"  # marks the repr of a value that is neither a number nor a string
_MULT = np.uint64(0x100000001B3)  # FNV-1a's 64-bit prime: h = h * _MULT ^ column


def _seed(props: Sequence[str]) -> np.uint64:
    blob = "\x1f".join(props).encode()
    return np.uint64(int.from_bytes(hashlib.blake2b(blob, digest_size=8).digest(), "little"))


def _number_hashes(values: Sequence[Any]) -> U64:
    floats = np.array(values, dtype=np.float64)  # None -> NaN
    hashed: U64 = pd.util.hash_array(floats)
    hashed[np.isnan(floats)] = _NONE
    return hashed


def _text_hashes(values: Sequence[Any], plain: bool = False) -> U64:
    """Strings as they are, None as ``_NONE``, anything else as a marked ``repr``
    (``plain``: the values are known to be strings and None only)."""
    text = np.array(
        values
        if plain
        else [v if v is None or type(v) is str else _OTHER + repr(v) for v in values],
        dtype=object,
    )
    hashed: U64 = pd.util.hash_array(text, categorize=False)
    hashed[pd.isna(text)] = _NONE  # None only: a NaN is a number
    return hashed


def column_hashes(values: Sequence[Any]) -> U64:
    """One 64-bit hash per value; see the module's docstring for what hashes alike."""
    if not values:
        return np.zeros(0, dtype=np.uint64)
    kinds = set(map(type, values))
    if kinds <= _NUMBERS:
        return _number_hashes(values)
    if not kinds & _NUMBERS - {type(None)}:
        return _text_hashes(values, plain=kinds <= {str, type(None)})
    number = np.fromiter(
        (type(v) in _NUMBERS and v is not None for v in values), dtype=bool, count=len(values)
    )
    hashed = np.empty(len(values), dtype=np.uint64)
    hashed[number] = _number_hashes([v for v, n in zip(values, number, strict=True) if n])
    hashed[~number] = _text_hashes([v for v, n in zip(values, number, strict=True) if not n])
    return hashed


def digests(columns: Sequence[Sequence[Any]], props: Sequence[str], n: int) -> list[int]:
    """The digest of each of ``n`` rows given as ``columns`` (one per property of
    ``props``), as signed 64-bit integers (what the engines store)."""
    h = np.full(n, _seed(props), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in columns:
            h = (h * _MULT) ^ column_hashes(col)
    out: list[int] = h.view(np.int64).tolist()
    return out


def row_digests(rows: Sequence[Sequence[Any]], props: Sequence[str], skip: int = 0) -> list[int]:
    """The digest of each row's values after its first ``skip`` items (its identity)."""
    columns = list(zip(*rows, strict=True))[skip:] if rows else []
    if not rows:
        return []
    return digests(columns, props, len(rows))


def stored_array(values: Sequence[Any]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Stored digests as int64, and which rows have one (a row written before digests
    existed, or whose digest someone removed, has none)."""
    has = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
    out = np.zeros(len(values), dtype=np.int64)
    if has.any():
        out[has] = np.array([v for v in values if v is not None], dtype=np.int64)
    return out, has


def _mix(h: U64) -> U64:
    """splitmix64's finaliser: every input bit reaches every output bit."""
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        out: U64 = h ^ (h >> np.uint64(31))
    return out


def part_digest(identity: Sequence[Sequence[Any]], digests: Sequence[int]) -> int:
    """One 64-bit digest of a whole part: its rows' identities (``identity``, one sequence per
    identity column) with their row digests, in any order (a sum of mixed row hashes), as a
    signed 64-bit integer. Two parts with the same rows have the same digest whatever their
    order; a row added, removed, re-keyed or changed changes it."""
    n = len(digests)
    h = np.full(n, _seed(["part"]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in identity:
            h = _mix(h * _MULT ^ column_hashes(col))
        h = _mix(h ^ np.asarray(digests, dtype=np.int64).view(np.uint64))
        total = np.uint64(h.sum(dtype=np.uint64)) if n else np.uint64(0)
    return int(np.array([total], dtype=np.uint64).view(np.int64)[0])
