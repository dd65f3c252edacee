"""`supplymap infer`: materialise inferred supplier links (basis inferred) in the graph."""

from __future__ import annotations

from typing import Annotated

import typer

from kg.cli.common import friendly, open_graph
from kg.cli.output import Format, console, emit
from kg.inferred_links import infer as infer_links
from kg.inferred_links import remove, runs


@friendly
def infer(
    remove_: Annotated[
        str | None,
        typer.Option("--remove", metavar="LOAD_ID", help="delete the links one run wrote"),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="list the runs")] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, csv or json")] = (
        Format.table
    ),
) -> None:
    """Write inferred SUPPLIES links: e supplies f product i where e PRODUCES i, f PRODUCES
    q, i is an INPUT_TO q, and nothing declared says so. Tagged basis inferred and a load id;
    re-running is safe; `--remove LOAD_ID` takes one run out again. Lookups and analyses
    count them only where asked (`supplymap suppliers ID --inferred`)."""
    with open_graph() as graph:
        if list_:
            emit(runs(graph), ["load_id", "status", "links", "started_at", "message"], fmt)
            return
        if remove_:
            n = remove(graph, remove_)
            console.print(f"removed {n} inferred link(s) of {remove_}", highlight=False)
            return
        report = infer_links(graph)
    if fmt is not Format.table:
        emit([report.as_dict()], list(report.as_dict()), fmt)
        return
    console.print(
        f"{report.load_id}: {report.candidates} inferred SUPPLIES link(s) "
        f"({report.written} written, {report.dropped} stale dropped) in {report.seconds:.1f} s; "
        f"remove with `supplymap infer --remove {report.load_id}`",
        highlight=False,
    )
