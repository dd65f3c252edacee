"""`supplymap query`: run a named query of the Cypher catalogue (queries/*.cypher)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from kg.cli.common import friendly, open_graph
from kg.cli.output import Format, FormatOpt, console, emit, emit_empty, err
from queries import QueryError, catalogue, get


@friendly
def query(
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="the query (see --list)")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", metavar="KEY=VALUE", help="a parameter; repeat as needed"),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="list the catalogue's queries")] = False,
    show: Annotated[bool, typer.Option("--show", help="print the query's Cypher")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run a named, parameterised query from the Cypher catalogue."""
    try:
        if list_ or name is None:
            rows = [
                {"name": q.name, "parameters": q.signature(), "answers": q.answers}
                for q in catalogue().values()
            ]
            emit(rows, ["name", "parameters", "answers"], fmt, "the Cypher catalogue")
            return
        q = get(name)
        if show:
            console.print(escape(q.text), highlight=False)
            return
        given: dict[str, str] = {}
        for item in param or []:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise QueryError(f"write parameters as -p key=value, got {item!r}")
            given[key.strip()] = value
        bound = q.bind(given)
        with open_graph() as graph:
            rows = graph.query(q.cypher, bound)
    except QueryError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from exc
    if not rows and fmt is Format.table:
        emit_empty(f"{q.name}: no rows for these parameters")
        return
    columns = list(rows[0]) if rows else []
    emit(rows, columns, fmt, f"{q.name} ({len(rows)} row(s))")
