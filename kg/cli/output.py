"""Tables, CSV, JSON and Excel (xlsx) for every command's results."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

console = Console()
err = Console(stderr=True, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        help="table, csv, json or xlsx (an Excel workbook: to stdout when redirected, "
        "else to a file named after the table)",
    ),
]


def emit_empty(message: str) -> None:
    """Say that a result is empty (on stderr, so CSV/JSON on stdout stay parseable)."""
    err.print(message, highlight=False, soft_wrap=True)


def _xlsx_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return "; ".join(map(str, value))
    if isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def xlsx_bytes(rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str = "") -> bytes:
    """An Excel workbook of one sheet (openpyxl): a bold header row, then one row per result."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = (re.sub(r"[\\/*?:\[\]]", " ", title).strip() or "results")[:31]
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append([_xlsx_value(r.get(c)) for c in columns])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_xlsx(rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str) -> None:
    data = xlsx_bytes(rows, columns, title)
    if not sys.stdout.isatty():
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    name = re.sub(r"[^\w.-]+", "-", title.split("(")[0].strip()).strip("-") or "results"
    path = Path(f"{name}.xlsx")
    path.write_bytes(data)
    err.print(f"wrote {len(rows)} row(s) to {path}", highlight=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " → ".join(str(v) for v in value)
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer() or abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.4g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.2e}"
    return str(value)


def emit(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    fmt: Format,
    title: str = "",
) -> None:
    """Print rows as a rich table, CSV, JSON or xlsx (JSON keeps lists and numbers as they are).

    An empty table says so instead of printing an empty frame.
    """
    if fmt is Format.xlsx:
        _write_xlsx(rows, columns, title)
        return
    if fmt is Format.json:
        sys.stdout.write(
            json.dumps(
                [{c: r.get(c) for c in columns} for r in rows],
                ensure_ascii=False,
                indent=2,
                default=str,
            )
            + "\n"
        )
        return
    if fmt is Format.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        for r in rows:
            writer.writerow(
                [
                    ";".join(map(str, v))
                    if isinstance(v := r.get(c), (list, tuple))
                    else ("" if v is None else v)
                    for c in columns
                ]
            )
        return
    if not rows:
        emit_empty(f"{title or 'the result'}: no rows")
        return
    table = Table(title=title or None, show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*(Text(_cell(r.get(c))) for c in columns))
    console.print(table)
