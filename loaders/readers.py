"""Read CSV, Excel, JSON and Parquet files into a table with each row's source line.

Every reader returns the table as found (cells untyped; CSV cells as text) with a
``__line__`` column: the 1-based line of a CSV (header = line 1), the row of a sheet (header
= row 1), the record number of JSON or Parquet. Validation reports problems by that number.
A CSV comes back as an Arrow table when Arrow's parser reads it exactly (loaders/fastcsv.py),
else, like the other formats, as a DataFrame; ``read_table`` always gives a DataFrame.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd
import pyarrow as pa

from loaders.cells import TEXT
from loaders.errors import LoadInputError, Problems
from loaders.fastcsv import read_csv_fast

LINE = "__line__"
# A table as read: a DataFrame, or (a CSV through Arrow's parser) an Arrow table of text.
Table: TypeAlias = "pd.DataFrame | pa.Table"
LIKELY_ENCODINGS = ("gb18030", "big5", "cp950", "shift_jis", "euc_kr", "cp1252", "latin_1")
FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
CSV_FIELD_LIMIT = (1 << 31) - 1


@dataclass
class ReadOptions:
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int = 0
    # Gather fields beyond the header's last-but-one column into this (last) column, as a list:
    # for files whose last column is a variable-length list (Willems' up_stages).
    ragged_tail: str | None = None
    notes: list[str] = field(default_factory=list)
    used_encoding: str | None = None  # the text encoding the file was read with


def detect_format(path: Path, options: ReadOptions) -> str:
    if options.format:
        return options.format
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LoadInputError(
            f"{path}: cannot tell the file format from the extension {path.suffix!r}; "
            f"use one of {', '.join(sorted(FORMATS))} (or name the format in a mapping)"
        )
    return fmt


def detect_encoding(raw: bytes) -> str | None:
    """The most likely text encoding of ``raw`` (charset-normalizer), None if it is not text.

    UTF-8 (with or without a BOM) is taken as is; anything else is what charset-normalizer
    finds most coherent, so Big5/cp950 files are read as Big5, not as GB18030 with wrong
    characters.
    """
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    from charset_normalizer import from_bytes

    # The encodings our users' files come in, in the order a tie is settled: short texts
    # decode without error in several East Asian encodings alike.
    matches = list(from_bytes(raw, cp_isolation=list(LIKELY_ENCODINGS)))
    if matches:
        least = min(m.chaos for m in matches)
        close = [m.encoding for m in matches if m.chaos <= least + 0.01]
        return min(close, key=lambda e: LIKELY_ENCODINGS.index(e))
    best = from_bytes(raw).best()
    return best.encoding if best is not None else None


def text_encoding(path: Path, raw: bytes, options: ReadOptions) -> str:
    """The encoding to read ``raw`` in: the mapping's, else the detected one; say which."""
    if options.encoding:
        try:
            codecs.lookup(options.encoding)
        except LookupError as exc:
            raise LoadInputError(
                f"{path}: cannot decode the file as {options.encoding}: {exc}"
            ) from exc
        options.used_encoding = options.encoding
        return options.encoding
    encoding = "utf-8" if raw.isascii() else detect_encoding(raw)
    if encoding is None or (
        b"\x00" in raw if _is_utf8(encoding) else "\x00" in raw.decode(encoding, "replace")
    ):
        raise LoadInputError(
            f"{path}: the file is not text in any encoding we can detect (is it a binary file "
            "with a text extension?); save it as UTF-8 CSV"
        )
    options.used_encoding = encoding
    if encoding not in ("utf-8", "utf-8-sig", "ascii"):
        options.notes.append(
            f"{path.name} is not UTF-8; read it as {encoding} (detected). Check the names look "
            "right, or name the encoding in the mapping (read: encoding: ...), or save the file "
            "as UTF-8"
        )
    return encoding


def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig", "ascii")


def decode(path: Path, raw: bytes, options: ReadOptions) -> str:
    """Decode text in the mapping's encoding, else the detected one; say which was used."""
    encoding = text_encoding(path, raw, options)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise LoadInputError(f"{path}: cannot decode the file as {encoding}: {exc}") from exc
    return text.removeprefix("\ufeff")


def clean_header(names: list[Any]) -> list[str]:
    """Column names without header noise: a BOM, a stray '?' (a BOM a tool could not show),
    zero-width characters and surrounding spaces."""
    out = []
    for name in names:
        text = str(name).strip().lstrip("\ufeff\u200b\ufffe").strip()
        if text.startswith("?") and len(text) > 1 and text[1:2].isalnum():
            text = text[1:]
        out.append(text)
    return out


def _sniff_delimiter(path: Path, text: str, options: ReadOptions) -> str:
    """The mapping's delimiter, a tab for .tsv, else the most frequent of , tab ; | in the
    header line (``text`` may be the whole file or its first line)."""
    if options.delimiter:
        return options.delimiter
    if path.suffix.lower() == ".tsv":
        return "\t"
    header = text.split("\n", 1)[0]
    return max((",", "\t", ";", "|"), key=header.count)


def _read_ragged(text: str, delimiter: str, tail: str, problems: Problems) -> pd.DataFrame:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return pd.DataFrame()
    if header[-1] != tail:
        raise LoadInputError(
            f"{problems.file}: the mapping gathers extra fields into {tail!r}, but the "
            f"header's last column is {header[-1]!r}"
        )
    fixed = len(header) - 1
    rows: list[list[Any]] = []
    lines: list[int] = []
    for fields in reader:
        if not any(f.strip() for f in fields):
            continue
        head = fields[:fixed] + [""] * (fixed - len(fields))
        rows.append([*head, [f for f in fields[fixed:]]])
        lines.append(reader.line_num)
    df = pd.DataFrame(rows, columns=header, dtype=object)
    df[LINE] = lines
    return df


def _read_csv(path: Path, raw: bytes, options: ReadOptions, problems: Problems) -> Table:
    """A CSV through DuckDB's parser where it reads it exactly (loaders/fastcsv.py), else
    through the line-tracking Python reader. A file not in UTF-8 is decoded in Python
    (its encoding detected or named) and handed to DuckDB as UTF-8."""
    encoding = text_encoding(path, raw, options)
    if _is_utf8(encoding):
        data, text = raw, None
    else:
        text = decode(path, raw, options)
        data = text.encode("utf-8")
    if _blank(data):
        raise LoadInputError(f"{path}: the file is empty; it needs a header row and data")
    end = data.find(b"\n")
    head = (data if end < 0 else data[:end]).decode("utf-8", "replace").removeprefix("\ufeff")
    delimiter = _sniff_delimiter(path, head, options)
    if not options.ragged_tail:
        if data is raw:
            fast = read_csv_fast(path, data, delimiter, problems)
        else:
            with tempfile.TemporaryDirectory(prefix="supplymap-") as folder:
                utf8 = Path(folder) / "utf8.csv"
                utf8.write_bytes(data)
                fast = read_csv_fast(utf8, data, delimiter, problems)
        if fast is not None:
            header, table, lines = fast
            return table.rename_columns(header).append_column(LINE, pa.array(lines))
    if text is None:
        text = decode(path, raw, options)
    if options.ragged_tail:
        return _read_ragged(text, delimiter, options.ragged_tail, problems)
    return _read_csv_records(path, text, delimiter, problems)


def _blank(data: bytes) -> bool:
    """True for a file of white space only."""
    if not data or data.isspace():
        return True
    return len(data) < 4096 and not data.decode("utf-8", "replace").strip()


def _read_csv_records(path: Path, text: str, delimiter: str, problems: Problems) -> pd.DataFrame:
    """Every record with the line it starts on; a record of the wrong width is rejected.

    A quoted cell may span lines, so a record's line is where it starts (not a count of
    records); blank lines are skipped; a row with fewer or more fields than the header is
    rejected with its line, never padded or cut.
    """
    # Cell sizes are bounded (and reported by column) in loaders/limits.py, not here.
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=False)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise LoadInputError(f"{path}: the file is empty; it needs a header row and data") from exc
    except csv.Error as exc:
        raise LoadInputError(f"{path}: line 1: cannot read the header: {exc}") from exc
    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.error(start, "", "", f"cannot read the row: {exc}")
            continue
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != width:
            problems.error(
                start,
                header[min(len(fields), width - 1)] if len(fields) < width else "",
                delimiter.join(fields),
                f"the row has {len(fields)} fields but the header has {width}"
                + ("; a field is missing (or a delimiter)" if len(fields) < width else ""),
            )
            continue
        rows.append(fields)
        lines.append(start)
    df = (
        pd.DataFrame(rows, columns=header, dtype=object)
        if rows
        else pd.DataFrame(columns=header, dtype=object)
    )
    df[LINE] = lines
    return df


def _read_json(path: Path, text: str, lines: bool) -> pd.DataFrame:
    try:
        if lines:
            return _read_json_lines(path, text)
        else:
            data = json.loads(text)
            records = data
            if isinstance(data, dict):
                lists = [v for v in data.values() if isinstance(v, list)]
                if len(lists) != 1:
                    raise LoadInputError(
                        f"{path}: a JSON file must hold a list of records, or an object with "
                        'one list of records (e.g. {"rows": [...]})'
                    )
                records = lists[0]
    except json.JSONDecodeError as exc:
        raise LoadInputError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise LoadInputError(f"{path}: a JSON file must hold a list of records (objects)")
    df = pd.DataFrame.from_records(records)
    df[LINE] = range(1, len(df) + 1)
    return df


def _read_json_lines(path: Path, text: str) -> pd.DataFrame:
    """One record per line; each keeps its own line number (blank lines skipped)."""
    records: list[Any] = []
    numbers: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LoadInputError(f"{path}: line {number}: not valid JSON: {exc.msg}") from exc
        if not isinstance(record, dict):
            raise LoadInputError(f"{path}: line {number}: each line must hold one JSON object")
        records.append(record)
        numbers.append(number)
    df = pd.DataFrame.from_records(records)
    df[LINE] = numbers
    return df


def _read_excel(path: Path, options: ReadOptions) -> pd.DataFrame:
    """A sheet with each row's number (header = row 1); blank rows are skipped, as in CSV."""
    try:
        df = pd.read_excel(path, sheet_name=options.sheet, dtype=object)
    except ValueError as exc:
        if "not found" in str(exc) or "out of range" in str(exc).lower():
            raise LoadInputError(
                f"{path}: the workbook has no sheet {options.sheet!r}; name another sheet"
            ) from exc
        raise LoadInputError(
            f"{path}: not a readable Excel workbook; open it in Excel and save it again as "
            ".xlsx, or save the sheet as CSV"
        ) from exc
    except Exception as exc:
        raise LoadInputError(
            f"{path}: not a readable Excel workbook; open it in Excel and save it again as "
            ".xlsx, or save the sheet as CSV"
        ) from exc
    df.columns = [str(c).strip() for c in df.columns]
    df[LINE] = range(2, len(df) + 2)
    cells = df.drop(columns=[LINE])
    blank = cells.isna() | cells.map(lambda v: isinstance(v, str) and not v.strip())
    kept: pd.DataFrame = df[~blank.all(axis=1)].reset_index(drop=True)
    return kept


def as_frame(table: Table) -> pd.DataFrame:
    """A table as a DataFrame (an Arrow table's text cells as Python strings)."""
    if isinstance(table, pd.DataFrame):
        return table
    return pd.DataFrame(
        {
            name: pd.Series(
                column.to_numpy(zero_copy_only=False), dtype="int64" if name == LINE else object
            )
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )


def text_frame(table: Table) -> pd.DataFrame:
    """A table as a DataFrame, an Arrow table's text cells kept in Arrow (pandas' Arrow-backed
    string type, loaders/cells.py TEXT): what validation takes without a Python string per
    cell."""
    if isinstance(table, pd.DataFrame):
        return table
    return pd.DataFrame(
        {
            name: pd.Series(column.to_numpy(), dtype="int64")
            if name == LINE
            else pd.Series(pd.array(column.combine_chunks(), dtype=TEXT))
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )


def read_table(path: Path, options: ReadOptions, problems: Problems) -> pd.DataFrame:
    """Read ``path`` as a DataFrame (see read_input)."""
    return as_frame(read_input(path, options, problems))


def read_input(path: Path, options: ReadOptions, problems: Problems) -> Table:
    """Read ``path`` as a table; raise LoadInputError for a file that cannot be read at all."""
    if not path.exists():
        raise LoadInputError(f"{path}: no such file")
    if path.is_dir():
        raise LoadInputError(f"{path}: is a directory; name the files to load")
    fmt = detect_format(path, options)
    if path.stat().st_size == 0:
        raise LoadInputError(f"{path}: the file is empty; it needs a header row and data")
    if fmt == "excel":
        df = _read_excel(path, options)
    elif fmt == "parquet":
        try:
            df = pd.read_parquet(path)
        except Exception as exc:
            raise LoadInputError(f"{path}: not a readable Parquet file: {exc}") from exc
        df[LINE] = range(1, len(df) + 1)
    elif fmt in ("json", "jsonl"):
        text = decode(path, path.read_bytes(), options)
        if not text.strip():
            raise LoadInputError(f"{path}: the file is empty; it needs a header row and data")
        df = _read_json(path, text, lines=fmt == "jsonl")
    else:
        table = _read_csv(path, path.read_bytes(), options, problems)
        if isinstance(table, pa.Table):
            if not table.num_rows and not problems.rejects:
                raise LoadInputError(f"{path}: the file has a header but no data rows")
            names = [LINE if c == LINE else c for c in clean_header(table.column_names)]
            return table.rename_columns(names)
        df = table
    if df.empty and not problems.rejects:
        raise LoadInputError(f"{path}: the file has a header but no data rows")
    df.columns = [LINE if c == LINE else c for c in clean_header(list(df.columns))]
    return df
