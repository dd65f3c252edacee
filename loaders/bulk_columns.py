"""A bulk load's records as columns: folded and written without a Python object per row.

The usual first write of a type (each key once) is kept as the write's frame (one column per
field, loaders/kinds.py) and the load's provenance, instead of one dict per record: a
:class:`NodeTable` or an :class:`EdgeTable`. Both read as the ``dict`` of records the row
fold makes (key -> props, key -> Edge), made on first use, so every writer and check takes
them as it takes the fold's dicts; the local engine's writer instead turns the columns into
its import's JSON lines column by column (:func:`json_lines`, Arrow compute kernels).
tests/test_load_bulk_columns.py checks that both give the same records and the same lines.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, KeysView, Mapping, Sequence, ValuesView
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loaders.cells import codes_duplicated, factorised, row_codes
from loaders.kinds import frame_rows

Row = dict[str, Any]

# Lines are cut into pieces of about this many records (about a MiB of JSON) and made from
# the columns this many rows at a time (Arrow arrays stay well under their 2 GiB offsets).
PIECE_ROWS = 4096
CHUNK_ROWS = 131_072
_CONTROL = r"[\x00-\x1f]"  # JSON escapes these: such a column goes value by value (orjson)
_ESCAPED = r'[\x00-\x1f"\\]'  # what JSON escapes in a string


@dataclass(slots=True)
class Edge:
    start: Any
    end: Any
    props: Row


class _Table(Mapping[Any, Any]):
    """Records as columns and the provenance every record carries; a ``dict`` on demand."""

    def __init__(self, frame: pd.DataFrame, stamp: Row) -> None:
        self.frame = frame
        self.stamp = stamp
        self._dict: dict[Any, Any] | None = None
        self._keys: list[Any] | None = None
        self._set: set[Any] | None = None

    def _key_list(self) -> list[Any]:
        raise NotImplementedError

    def _records(self) -> dict[Any, Any]:
        raise NotImplementedError

    def as_dict(self) -> dict[Any, Any]:
        if self._dict is None:
            self._dict = self._records()
        return self._dict

    def key_list(self) -> list[Any]:
        if self._keys is None:
            self._keys = self._key_list()
        return self._keys

    def __len__(self) -> int:
        return len(self.frame)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.key_list())

    def __contains__(self, key: object) -> bool:
        if self._set is None:
            self._set = set(self.key_list())
        return key in self._set

    def __getitem__(self, key: Any) -> Any:
        return self.as_dict()[key]

    def keys(self) -> KeysView[Any]:
        return KeysView(self)

    def values(self) -> ValuesView[Any]:
        return self.as_dict().values()


class NodeTable(_Table):
    """A node type's records: the frame's ``key`` column is the node key ``key``."""

    def __init__(self, frame: pd.DataFrame, key: str, stamp: Row) -> None:
        super().__init__(frame, stamp)
        self.key = key

    def _key_list(self) -> list[Any]:
        return list(self.frame["key"].tolist())

    def _records(self) -> dict[Any, Row]:
        key, stamp = self.key, self.stamp
        out: dict[Any, Row] = {}
        for row in frame_rows(self.frame):
            props = {key: row["key"], **row, **stamp}
            if key != "key":
                del props["key"]
            out[row["key"]] = props
        return out


class Factorised:
    """A column as codes into its distinct values (``pd.factorize``): each value hashed once,
    then looked up, checked and joined by its code. A blank is code -1."""

    __slots__ = ("codes", "uniques")

    def __init__(self, codes: np.ndarray, uniques: np.ndarray) -> None:
        self.codes = codes
        self.uniques = uniques

    @classmethod
    def of(cls, series: pd.Series) -> Factorised:
        return cls(*factorised(series))

    def isin(self, known: Any) -> np.ndarray:
        """Which cells are in ``known`` (a set): each distinct value looked up once."""
        found = np.fromiter((u in known for u in self.uniques.tolist()), bool, len(self.uniques))
        # A blank (-1) takes the False appended: it is never known.
        return np.asarray(np.append(found, False)[self.codes], dtype=bool)

    def take(self, rows: np.ndarray) -> Factorised:
        """The cells of the rows where ``rows`` (booleans) is true, the same distinct values."""
        return Factorised(self.codes[rows], self.uniques)

    def used(self) -> np.ndarray:
        """The distinct values some cell holds, in order of first appearance among uniques."""
        counts = np.bincount(self.codes[self.codes >= 0], minlength=len(self.uniques))
        return self.uniques[counts > 0]


class EdgeTable(_Table):
    """A relationship type's records (every end known), keyed as the row fold keys them.

    ``ends``: the start and end columns factorised (by the fold, which looked them up), or
    None to factorise them on first use."""

    def __init__(
        self,
        frame: pd.DataFrame,
        merge_on: tuple[str, ...],
        stamp: Row,
        ends: dict[str, Factorised] | None = None,
    ) -> None:
        super().__init__(frame, stamp)
        self.merge_on = merge_on
        self._ends = dict(ends or {})

    def factorised(self, side: str) -> Factorised:
        """The start (or end) column as codes into its distinct keys."""
        made = self._ends.get(side)
        if made is None:
            made = self._ends[side] = Factorised.of(self.frame[side])
        return made

    def end_keys(self, side: str) -> list[Any]:
        """The distinct start (or end) keys of the records."""
        return list(self.factorised(side).used().tolist())

    def _key_list(self) -> list[Any]:
        return list(self.as_dict())

    def _records(self) -> dict[tuple[Any, ...], Edge]:
        out: dict[tuple[Any, ...], Edge] = {}
        merge_on, stamp = self.merge_on, self.stamp
        for row in frame_rows(self.frame):
            start, end = row["start"], row["end"]
            props = {**row, **stamp}
            del props["start"], props["end"]
            out[(start, end, *[row.get(k) for k in merge_on])] = Edge(start, end, props)
        return out

    def edges_between_others(
        self, made_a: Mapping[Any, Any], made_b: Mapping[Any, Any]
    ) -> list[Edge]:
        """The records whose start is not in ``made_a`` and whose end is not in ``made_b``
        (made from the columns for those rows only)."""
        starts, ends = self.frame["start"], self.frame["end"]
        unmade = ~starts.isin(_key_set(made_a)) & ~ends.isin(_key_set(made_b))
        if not unmade.any():
            return []
        if unmade.all():
            return list(self.values())
        part = EdgeTable(
            self.frame[unmade.to_numpy()].reset_index(drop=True), self.merge_on, self.stamp
        )
        return list(part.values())

    def ends(self, side: str) -> list[Any]:
        """Every record's start (or end) key, in order."""
        return list(self.frame[side].tolist())


def _key_set(records: Mapping[Any, Any]) -> Any:
    """The keys of a type's records, as a set or a view ``isin`` takes at once."""
    if isinstance(records, _Table):
        return records.key_list()
    return list(records)


_MISSING = object()  # a blank merge key, one value for the duplicate check (as row.get gives)


def repeats(
    frame: pd.DataFrame, columns: Sequence[str], known: Mapping[str, Factorised] | None = None
) -> bool:
    """Whether two rows share the values of ``columns`` (a blank counting as one value).
    ``known``: columns factorised already (their codes are used as they are)."""
    if not len(frame):
        return False
    if known:
        return _repeats_by_codes(frame, columns, known)
    codes = row_codes(frame, columns)
    if codes is not None:
        return bool(pd.Series(codes).duplicated().any())
    keyed = pd.DataFrame(
        {
            c: frame[c].astype(object).where(frame[c].notna(), _MISSING)
            if c in frame.columns
            else _MISSING
            for c in columns
        },
        index=frame.index,
    )
    return bool(keyed.duplicated().any())


def _repeats_by_codes(
    frame: pd.DataFrame, columns: Sequence[str], known: Mapping[str, Factorised]
) -> bool:
    """repeats() from each column's factorisation (as DataFrame.duplicated makes them): the
    columns not in ``known`` are factorised here; a blank, or a column the frame lacks, is one
    value."""
    factors = [
        known[c] if c in known else Factorised.of(frame[c])
        for c in columns
        if c in known or c in frame.columns
    ]
    codes = [(f.codes, len(f.uniques)) for f in factors]
    return bool(codes_duplicated(codes, len(frame)).any())


# ---- JSON lines from columns --------------------------------------------------------------


def _value_json(value: Any, default: Callable[[Any], Any]) -> bytes:
    return orjson.dumps(value, default=default, option=orjson.OPT_PASSTHROUGH_DATETIME)


def _column_json(series: pd.Series, default: Callable[[Any], Any]) -> pa.Array:
    """Each cell's JSON text, exactly as orjson writes it in a record's line (null where the
    row has no value): numbers through one orjson call for the column, text through Arrow's
    string kernels, anything else (lists, dates, mixed) value by value."""
    present = series.notna().to_numpy()
    values = series.to_numpy()
    if series.dtype.kind in "fiub":
        parts = orjson.dumps(values, option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].split(b",")
        return pa.array(parts, type=pa.binary(), mask=~present).cast(pa.string())
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred == "string":
        quoted = _quoted(pa.array(values, type=pa.string(), from_pandas=True))
        if quoted is not None:
            return quoted
    elif inferred == "mixed":  # lists of text (aliases, tags), or anything else
        lists = _text_lists(values)
        if lists is not None:
            return lists
    dumps = functools.partial(_value_json, default=default)
    parts = [dumps(v) if p else b"" for v, p in zip(values.tolist(), present, strict=True)]
    return pa.array(parts, type=pa.binary(), mask=~present).cast(pa.string())


def _quoted(text: pa.Array) -> pa.Array | None:
    """Text cells as JSON strings (as orjson writes them); None when a cell holds a control
    character (orjson's escapes for those are left to orjson)."""
    if pc.any(pc.match_substring_regex(text, _CONTROL)).as_py():
        return None
    text = pc.replace_substring(text, "\\", "\\\\")
    text = pc.replace_substring(text, '"', '\\"')
    return pc.binary_join_element_wise('"', text, '"', "")


def _text_lists(values: np.ndarray) -> pa.Array | None:
    """Cells that are lists of text (or blank) as JSON arrays; None for anything else."""
    if not all(type(v) is list or v is None or v != v for v in values.tolist()):
        return None  # a text cell too (Arrow would take it for a list of its characters)
    try:
        lists = pa.array(values, type=pa.list_(pa.string()), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    items = lists.flatten()
    if items.null_count:
        return None
    quoted = _quoted(items)
    if quoted is None:
        return None
    offsets = pc.subtract(lists.offsets, lists.offsets[0])
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, quoted, mask=lists.is_null()), ",")
    return pc.binary_join_element_wise("[", joined, "]", "")


def _pieces(lines: pa.Array) -> Iterator[tuple[bytes, int]]:
    """The lines of an Arrow string array (each ending in a newline) as bytes, a piece of
    PIECE_ROWS lines at a time: slices of the array's data buffer, nothing per line."""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    offsets = offsets[lines.offset : lines.offset + len(lines) + 1]
    data = memoryview(lines.buffers()[2])
    for first in range(0, len(lines), PIECE_ROWS):
        last = min(first + PIECE_ROWS, len(lines))
        yield bytes(data[offsets[first] : offsets[last]]), last - first


def json_lines(
    frame: pd.DataFrame,
    names: dict[str, str],
    heads: Callable[[int, int], list[pa.Array | str]],
    stamp: Row,
    default: Callable[[Any], Any],
) -> Iterator[tuple[bytes, int]]:
    """The import's lines of ``frame``'s records, column by column: ``heads(first, last)``
    gives each line's opening (text and string arrays, e.g. ``{"@type":"vertex",...,"@id":"``
    and the ids, ending where the properties start); ``names`` maps the columns written to
    their property names; ``stamp`` (the provenance) ends every line. Yields pieces of whole
    lines with their count."""
    tail = orjson.dumps(stamp, default=default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    tail_text = tail[1:].decode() + "\n"  # '"source":...,"basis":"..."}' and the newline
    columns = [c for c in frame.columns if c in names]
    for first in range(0, len(frame), CHUNK_ROWS):
        last = min(first + CHUNK_ROWS, len(frame))
        chunk = frame.iloc[first:last]
        # One join for the whole line: the heads, then each property as '"name":value,'
        # (a blank one as nothing), then the provenance closing the line.
        parts: list[pa.Array | str] = list(heads(first, last))
        for c in columns:
            parts.extend(_field(orjson.dumps(names[c]).decode() + ":", chunk[c], default))
        parts.append(tail_text)
        lines = pc.binary_join_element_wise(
            *parts, "", null_handling="replace", null_replacement=""
        )
        yield from _pieces(lines)


def _field(prefix: str, series: pd.Series, default: Callable[[Any], Any]) -> list[pa.Array | str]:
    """The parts of a line that give one property, ``prefix`` (its name) and its JSON value
    and a comma, or nothing where the row has no value."""
    if series.dtype.kind in "fiub":
        values = _numbers_json(series)  # each value with its comma
        if not values.null_count:
            return [prefix, values]
        return [pc.binary_join_element_wise(prefix, values, "")]
    plain = _plain_text(series)
    if plain is not None:  # the usual text column: the cells as they are, within quotes
        if not plain.null_count:
            return [prefix + '"', plain, '",']
        return [pc.binary_join_element_wise(prefix + '"', plain, '",', "")]
    values = _column_json(series, default)
    if not values.null_count:
        return [prefix, values, ","]
    return [pc.binary_join_element_wise(prefix, values, ",", "")]


def _plain_text(series: pd.Series) -> pa.Array | None:
    """A text column as Arrow text when no cell holds a character JSON escapes (a quote, a
    backslash, a control character): orjson writes each such cell as it is, quoted. None
    for any other column."""
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        # Validated text (loaders/cells.py TEXT): its Arrow array as it is.
        text = pa.chunked_array(pa.array(series.array)).combine_chunks().cast(pa.string())
    elif series.dtype != object or pd.api.types.infer_dtype(series, skipna=True) != "string":
        return None
    else:
        text = pa.array(series.to_numpy(), type=pa.string(), from_pandas=True)
    if pc.any(pc.match_substring_regex(text, _ESCAPED)).as_py():
        return None
    return text


def _numbers_json(series: pd.Series) -> pa.Array:
    """A column of numbers as orjson writes each, followed by a comma (null where the row
    has no value): one orjson call, cut at its commas into an Arrow array."""
    present = series.notna().to_numpy()
    data = orjson.dumps(series.to_numpy(), option=orjson.OPT_SERIALIZE_NUMPY)[1:-1] + b","
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord(",")) + 1
    offsets = np.concatenate(([0], ends)).astype(np.int32)
    # Arrow's validity bitmap is the bits of ``present`` (an array of booleans' data).
    mask = None if present.all() else pa.array(present).buffers()[1]
    return pa.Array.from_buffers(
        pa.string(),
        len(series),
        [mask, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data)],
        null_count=int((~present).sum()),
    )


def typed_columns(frame: pd.DataFrame, names: dict[str, str]) -> dict[str, type]:
    """The date and datetime properties of a table's records (told by each column's first
    value, as the row path tells them): property name -> dt.date or dt.datetime."""
    found: dict[str, type] = {}
    for column, name in names.items():
        if column not in frame.columns or frame[column].dtype != object:
            continue
        # The first value that is not blank, looked for in the top cells first
        # (first_valid_index() tests every cell of the column).
        series = frame[column]
        value = next((v for v in series.to_numpy()[:64] if not _blank(v)), None)
        if value is None and len(series) > 64:
            first = series.first_valid_index()
            value = None if first is None else series.loc[first]
        if isinstance(value, dt.datetime):
            found[name] = dt.datetime
        elif isinstance(value, dt.date):
            found[name] = dt.date
    return found


def _blank(value: Any) -> bool:
    """A cell pandas counts as missing (None, NaN, NaT, NA); a list never is."""
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))
