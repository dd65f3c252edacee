"""`supplymap loads`: the record of loads, newest first; loads left running by a dead
process are marked interrupted first."""

from __future__ import annotations

from typing import Annotated, LiteralString

import typer

from kg.cli.common import friendly, open_graph
from kg.cli.output import Format, emit, err

STATUSES = ("completed", "rejected", "skipped", "failed", "running", "interrupted")
_LIST: LiteralString = (
    "MATCH (l:Load) WHERE $status IS NULL OR l.status = $status "
    "RETURN l.id AS id, l.status AS status, l.kind AS kind, l.file AS file, "
    "l.rows_read AS rows_read, l.rows_rejected AS rejected, l.rows_written AS written, "
    "l.rows_total AS total, l.started_at AS started_at, l.ended_at AS ended_at, "
    "l.pid AS pid, l.host AS host, l.message AS message "
    "ORDER BY l.started_at DESC, l.id DESC LIMIT $limit"
)
COLUMNS = ["id", "status", "kind", "file", "rows_read", "rejected", "written", "total",
           "started_at", "ended_at", "message"]  # fmt: skip


@friendly
def loads(
    status: Annotated[
        str | None, typer.Option(help=f"only loads in this state: {', '.join(STATUSES)}")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="how many, newest first")] = 50,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, csv or json")
    ] = Format.table,
) -> None:
    """List loads: what was loaded, when, how many rows, and how each ended."""
    if status is not None and status not in STATUSES:
        raise typer.BadParameter(f"use one of {', '.join(STATUSES)}", param_hint="--status")
    from loaders.pipeline import mark_interrupted  # pandas: import on use

    with open_graph() as graph:
        marked = mark_interrupted(graph)
        rows = graph.query(_LIST, {"status": status, "limit": limit})
    for load_id in marked:
        err.print(f"note: {load_id} was left running by a process that died; marked interrupted")
    for row in rows:
        for key in ("started_at", "ended_at"):
            if row.get(key) is not None:
                row[key] = str(row[key])
    extra = ["pid", "host"] if fmt is not Format.table else []
    emit(rows, COLUMNS + extra, fmt, f"loads ({len(rows)} shown)")
