"""Bounds on what one input file may hold, checked before and after it is read.

A cell over the graph engine's message limit (16 MiB on the local engine) would make the
engine drop the whole batch; a workbook that inflates to gigabytes, or a header of 100,000
columns, would eat the loader's memory and time before any row is checked. Each limit is a
setting (kg/settings.py) and each refusal names the file, and the line and column when there
is one.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loaders.errors import LoadInputError, Problems
from loaders.readers import LINE, Table

if TYPE_CHECKING:
    from kg.settings import Settings

HEADER_PROBE = 1 << 20  # bytes read to find a text file's header line


@dataclass(frozen=True)
class Limits:
    max_cell_bytes: int = 1 << 20
    max_columns: int = 1000
    max_unzipped_bytes: int = 512 << 20

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_cell_bytes=settings.max_cell_kb << 10,
            max_columns=settings.max_columns,
            max_unzipped_bytes=settings.max_unzipped_mb << 20,
        )


def check_file(
    path: Path,
    fmt: str,
    limits: Limits,
    delimiter: str | None = None,
    sheet: str | int = 0,
) -> None:
    """Refuse a file whose header is too wide or repeats a column, or a workbook that
    inflates past the limit, before it is read (raises LoadInputError)."""
    if not path.is_file():
        return  # the reader says what is wrong with it
    if fmt == "excel":
        _check_workbook(path, limits, sheet)
    elif fmt == "csv":
        _check_text_header(path, limits, delimiter)


def _check_workbook(path: Path, limits: Limits, sheet: str | int) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # an old .xls, or not a workbook at all: the reader says so
    if total > limits.max_unzipped_bytes:
        raise LoadInputError(
            f"{path}: the workbook unpacks to {total >> 20} MiB, more than the "
            f"{limits.max_unzipped_bytes >> 20} MiB allowed (SUPPLYMAP_MAX_UNZIPPED_MB); "
            "split it, or save it as CSV"
        )
    _check_sheet_header(path, limits, sheet)


def _check_sheet_header(path: Path, limits: Limits, sheet: str | int) -> None:
    import openpyxl  # only for workbooks

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # the reader reports an unreadable workbook in its own words
        return
    try:
        names = book.sheetnames
        name = sheet if isinstance(sheet, str) else names[sheet] if sheet < len(names) else None
        if name not in names:
            return
        first = next(book[name].iter_rows(min_row=1, max_row=1, values_only=True), ())
    finally:
        book.close()
    header = ["" if v is None else str(v) for v in first]
    while header and not header[-1].strip():
        header.pop()
    if len(header) > limits.max_columns:
        raise LoadInputError(
            f"{path}: row 1: the header has {len(header)} columns, more than the "
            f"{limits.max_columns} allowed (SUPPLYMAP_MAX_COLUMNS)"
        )
    check_header(path, header, "row 1")


def _check_text_header(path: Path, limits: Limits, delimiter: str | None) -> None:
    with open(path, "rb") as fh:
        head = fh.read(HEADER_PROBE)
    raw = head.split(b"\n", 1)[0]
    first = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    exact = _decoded(raw)  # None: names cannot be compared (an unknown encoding)
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else max(",\t;|", key=first.count)
    if first.count(delimiter) + 1 > limits.max_columns:
        raise LoadInputError(
            f"{path}: line 1: the header has {first.count(delimiter) + 1} columns, more than "
            f"the {limits.max_columns} allowed (SUPPLYMAP_MAX_COLUMNS); is the delimiter right?"
        )
    if exact is None:
        return
    try:
        header = next(csv.reader(io.StringIO(exact), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return
    check_header(path, header)


def _decoded(raw: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding).rstrip("\r")
        except UnicodeDecodeError:
            continue
    return None


def check_header(path: Path, header: list[str], where: str = "line 1") -> None:
    """Refuse a header that names a column twice (one of the two would be lost)."""
    seen: dict[str, int] = {}
    for pos, name in enumerate(h.strip() for h in header):
        if not name:
            continue
        if name in seen:
            raise LoadInputError(
                f"{path}: {where}: column {name!r} appears twice (columns {seen[name] + 1} and "
                f"{pos + 1}); rename or remove one of them"
            )
        seen[name] = pos


def check_cells(df: Table, limits: Limits, problems: Problems) -> Table:
    """Reject every row holding a cell over the size limit (file, line, column named), and
    drop it from the table so it never reaches a write batch."""
    if isinstance(df, pa.Table):
        return _check_text_cells(df, limits, problems)
    if df.empty:
        return df
    bad_rows = np.zeros(len(df), dtype=bool)
    lines = df[LINE].to_numpy()
    for column in df.columns:
        if column == LINE:
            continue
        values = df[column]
        if values.dtype != object:
            continue  # numbers, dates, booleans: small
        if pd.api.types.infer_dtype(values, skipna=True) == "string":
            # Characters are at most 4 bytes each: only long texts need measuring.
            chars = values.str.len().fillna(0).to_numpy(dtype=np.int64)
            candidates = np.flatnonzero(chars * 4 > limits.max_cell_bytes)
        else:
            candidates = np.arange(len(values))
        for pos in candidates:
            size = _cell_bytes(values.iloc[pos])
            if size <= limits.max_cell_bytes:
                continue
            problems.error(
                int(lines[pos]),
                str(column),
                str(values.iloc[pos])[:40],
                f"the cell holds {size >> 10} KiB, more than the "
                f"{limits.max_cell_bytes >> 10} KiB a cell may hold (SUPPLYMAP_MAX_CELL_KB)",
            )
            bad_rows[pos] = True
    if not bad_rows.any():
        return df
    kept: pd.DataFrame = df[~bad_rows].reset_index(drop=True)
    return kept


def _check_text_cells(table: pa.Table, limits: Limits, problems: Problems) -> pa.Table:
    """check_cells for an Arrow table of text: each cell's size is its UTF-8 length."""
    bad = None
    lines = table.column(LINE)
    for name, column in zip(table.column_names, table.columns, strict=True):
        if name == LINE or not pa.types.is_string(column.type) or not len(column):
            continue
        sizes = pc.binary_length(column)
        if pc.max(sizes).as_py() <= limits.max_cell_bytes:
            continue
        over = pc.greater(sizes, limits.max_cell_bytes)
        for pos in np.flatnonzero(over.to_numpy(zero_copy_only=False)):
            size = sizes[int(pos)].as_py()
            problems.error(
                lines[int(pos)].as_py(),
                name,
                column[int(pos)].as_py()[:40],
                f"the cell holds {size >> 10} KiB, more than the "
                f"{limits.max_cell_bytes >> 10} KiB a cell may hold (SUPPLYMAP_MAX_CELL_KB)",
            )
        bad = over if bad is None else pc.or_(bad, over)
    return table if bad is None else table.filter(pc.invert(bad))


def _cell_bytes(value: object) -> int:
    if isinstance(value, str):
        return len(value) if value.isascii() else len(value.encode("utf-8", "replace"))
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, (list, tuple)):
        return sum(_cell_bytes(v) for v in value)
    return 0
