"""Errors and the record-level problem report every loader shares."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class LoadInputError(Exception):
    """The input cannot be read at all (missing, empty, undecodable, unknown kind).

    The message is one sentence saying what and where, and what to do; the CLI exits with 2.
    """


@dataclass(frozen=True)
class Reject:
    file: str
    line: int  # 1-based line of a CSV (the header is line 1), row of a sheet, record of JSON
    column: str
    value: str
    reason: str


REJECT_FIELDS = ("file", "line", "column", "value", "reason")


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."


@dataclass
class Problems:
    """Collects fatal (row-rejecting) and non-fatal problems of one file.

    Every check reports through ``error`` or ``warning``, so counts and the rejects file
    come from one place (as nodestream's report_error does).
    """

    file: str
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[Reject] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)
    file_level: bool = False  # a problem that rejects every row (e.g. a missing column)

    def error(self, line: int, column: str, value: Any, reason: str) -> None:
        self.rejects.append(Reject(self.file, int(line), column, _show(value), reason))
        self.bad_lines.add(int(line))

    def reject_file(self, column: str, reason: str) -> None:
        self.rejects.append(Reject(self.file, 1, column, "", reason))
        self.file_level = True

    def warning(self, line: int, column: str, value: Any, reason: str) -> None:
        self.warnings.append(Reject(self.file, int(line), column, _show(value), reason))

    @property
    def fatal(self) -> int:
        return len(self.rejects)


@dataclass
class TableProblems:
    """Problems of one canonical table made from the file, tracked by row.

    A mapping may make several tables from one source line (a Willems stage row gives a
    product and its arcs); a bad arc rejects that arc only, not the stage. Rejects still
    name the source line.
    """

    problems: Problems
    lines: list[int]
    bad_rows: set[int] = field(default_factory=set)
    bad_cells: set[tuple[int, str]] = field(default_factory=set)

    def error(self, row: int, column: str, value: Any, reason: str) -> None:
        self.problems.error(self.lines[row], column, value, reason)
        self.bad_rows.add(int(row))
        self.bad_cells.add((int(row), column))

    def cell_is_bad(self, row: int, *columns: str) -> bool:
        return any((int(row), c) in self.bad_cells for c in columns)

    @property
    def file_level(self) -> bool:
        return self.problems.file_level


def write_rejects(path: Path, rejects: list[Reject]) -> None:
    """Write rejected rows as CSV: file, line, column, value, reason (sorted by line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(REJECT_FIELDS)
        for r in sorted(rejects, key=lambda r: (r.file, r.line, r.column)):
            writer.writerow([r.file, r.line, r.column, r.value, r.reason])
