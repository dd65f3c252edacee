"""Read a UTF-8 CSV with Arrow's parser into an Arrow table, each record with its line.

The readers' line-tracking Python reader (loaders/readers.py) is exact but parses about
200k rows a second; Arrow's CSV parser (pyarrow.csv) is C++, parallel, and reads quotes as
Python's csv module does (a quote inside an unquoted cell is kept, ``"ab"c`` is ``abc``, a
trailing delimiter is one more field). DuckDB's reader was tried first and left: it reads
``a,b,`` under a two-column header as two fields and drops the spaces around a quoted
cell. This module takes the fast route only where it gives the Python reader's answer, and
says so by returning None otherwise:

- every record must sit on one physical line (no cell holds a line break, no stray ``\\r``),
  so a record's line is known from the lines themselves: the non-empty lines after the
  header, in order;
- a row of the wrong width is found by Arrow; the file is then parsed again on one thread,
  where Arrow numbers each such row (counting the non-empty lines), and the row is
  reported in the Python reader's words, or skipped if all its fields are blank;
- anything else Arrow refuses (a cell larger than its block, text it cannot read) sends
  the file to the Python reader.

A count check backs this up: the records Arrow returns must number exactly the lines left
for them. Cells come back as text ('' for an empty cell, as csv gives), the header as
written (the caller cleans it).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from loaders.errors import Problems

_LF, _CR = 10, 13
_EMPTY_LINE = re.compile(rb"\n\r?\n")


@dataclass(frozen=True)
class _Invalid:
    number: int | None  # Arrow's row number: the header is 1, empty lines are not counted
    fields: int
    text: str


def header_fields(first_line: str, delimiter: str) -> list[str] | None:
    """The header's names, or None when the header is not one plain line of names."""
    if first_line.count('"') % 2:
        return None
    try:
        records = list(csv.reader([first_line], delimiter=delimiter, strict=True))
    except csv.Error:
        return None
    if len(records) != 1:
        return None
    names = [name.strip() for name in records[0]]
    if not names or any(not n for n in names) or len(set(names)) != len(names):
        return None  # the Python reader reports (or keeps) these as it always has
    return names


def width_message(fields: list[str], header: list[str], delimiter: str) -> tuple[str, str, str]:
    """Column, value and reason for a row of the wrong width (the Python reader's words)."""
    width = len(header)
    column = header[min(len(fields), width - 1)] if len(fields) < width else ""
    reason = f"the row has {len(fields)} fields but the header has {width}" + (
        "; a field is missing (or a delimiter)" if len(fields) < width else ""
    )
    return column, delimiter.join(fields), reason


def read_csv_fast(
    path: Path, data: bytes, delimiter: str, problems: Problems
) -> tuple[list[str], pa.Table, np.ndarray] | None:
    """The header, the records of ``path`` (whose bytes, UTF-8, are ``data``) as text columns
    c0..cN, and each record's line; None when only the Python reader reads it exactly."""
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None  # a line break inside a cell, or old Mac line ends
    end = data.find(b"\n")
    if end < 0:
        return None
    first = data[:end].removeprefix(b"\xef\xbb\xbf").rstrip(b"\r")
    try:
        header = header_fields(first.decode("utf-8"), delimiter)
    except UnicodeDecodeError:
        return None
    if header is None or _open_quote_at_end(data, delimiter):
        return None
    invalid: list[_Invalid] = []
    try:
        try:
            table = _parse(path, delimiter, len(header), invalid, threads=True)
        except pa.ArrowInvalid:
            if not invalid:
                raise
            # A row of the wrong width: only a pass on one thread numbers it.
            invalid.clear()
            table = _parse(path, delimiter, len(header), invalid, threads=False)
    except (pa.ArrowException, OSError):
        return None
    lines = _nonempty_lines(data)  # lines[0] is the header's
    skipped: set[int] = set()
    errors: list[tuple[int, tuple[str, str, str]]] = []
    for row in invalid:
        if row.number is None or not 2 <= row.number <= len(lines) or "\n" in row.text:
            return None
        fields = _fields(row.text, delimiter)
        if fields is None or len(fields) != row.fields or len(fields) == len(header):
            return None  # Python's csv would read this row otherwise
        line = int(lines[row.number - 1])
        skipped.add(row.number - 1)
        if any(f.strip() for f in fields):
            errors.append((line, width_message(fields, header, delimiter)))
    if skipped:
        keep = np.ones(len(lines), dtype=bool)
        keep[list(skipped)] = False
        lines = lines[keep]
    lines = lines[1:]
    if len(lines) != table.num_rows:
        return None
    if b'"' in data and _any_line_break(table):
        return None
    for line, (column, value, reason) in errors:
        problems.error(line, column, value, reason)
    blank = _blank_rows(table)
    if blank is not None:
        table = table.filter(pc.invert(blank))
        lines = lines[~blank.to_numpy(zero_copy_only=False)]
    return header, table, lines


def _parse(
    path: Path, delimiter: str, width: int, invalid: list[_Invalid], *, threads: bool
) -> pa.Table:
    """Arrow's reading of the file after its header, as text columns c0..cN. Rows of the
    wrong width go to ``invalid``; on the parallel pass the first one stops the parse."""

    def handle(row: pcsv.InvalidRow) -> str:
        invalid.append(_Invalid(row.number, row.actual_columns, row.text))
        return "error" if threads else "skip"

    names = [f"c{i}" for i in range(width)]
    return pcsv.read_csv(
        path,
        read_options=pcsv.ReadOptions(column_names=names, skip_rows=1, use_threads=threads),
        parse_options=pcsv.ParseOptions(
            delimiter=delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            ignore_empty_lines=True,
            invalid_row_handler=handle,
        ),
        convert_options=pcsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _nonempty_lines(data: bytes) -> np.ndarray:
    """The 1-based numbers of the lines that are not empty (Arrow skips empty ones)."""
    count = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if _EMPTY_LINE.search(data) is None:
        return np.arange(1, count + 1, dtype=np.int64)
    breaks = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _LF)
    starts = np.concatenate(([0], breaks + 1))[:count]
    ends = np.append(breaks, len(data))[:count]
    lengths = ends - starts
    blank = lengths == 0
    cr = lengths == 1
    if cr.any():
        blank[cr] = np.frombuffer(data, dtype=np.uint8)[starts[cr]] == _CR
    return (np.flatnonzero(~blank) + 1).astype(np.int64)


def _open_quote_at_end(data: bytes, delimiter: str) -> bool:
    """True if the last line leaves a quote open: csv then takes the line break into the
    cell, Arrow does not."""
    if b'"' not in data:
        return False
    body = data.rstrip(b"\r\n")
    last = body[body.rfind(b"\n") + 1 :].decode("utf-8", "replace")
    try:
        list(csv.reader([last + "\n"], delimiter=delimiter, strict=True))
    except csv.Error:
        return True
    return False


def _fields(text: str, delimiter: str) -> list[str] | None:
    """A row's text parsed alone by Python's csv; None if that is not one record."""
    try:
        records = list(csv.reader([text], delimiter=delimiter, strict=False))
    except csv.Error:
        return None
    if len(records) > 1:
        return None
    return records[0] if records else []


def _any_line_break(table: pa.Table) -> bool:
    return any(pc.any(pc.match_substring(column, "\n")).as_py() for column in table.columns)


def _blank_rows(table: pa.Table) -> pa.Array | None:
    """Which rows have blanks only (the Python reader skips them); None if there are none."""
    if not table.num_rows:
        return None
    cells = table.columns
    blank = pc.equal(pc.utf8_trim_whitespace(cells[0]), "")
    if not pc.any(blank).as_py():
        return None
    for column in cells[1:]:
        blank = pc.and_(blank, pc.equal(pc.utf8_trim_whitespace(column), ""))
    return blank
