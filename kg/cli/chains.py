"""`supplymap chains`: the chain maps in the graph, with what each holds."""

from __future__ import annotations

from kg.cli.common import friendly, open_graph
from kg.cli.output import Format, FormatOpt, emit, emit_empty
from queries import get

COLUMNS = [
    "id",
    "name",
    "products",
    "upstream",
    "midstream",
    "downstream",
    "producer_links",
    "listed_key_enterprises",
]


@friendly
def chains(fmt: FormatOpt = Format.table) -> None:
    """List the chains: products by stage, producer links, listed key enterprises."""
    with open_graph() as graph:
        rows = get("chains").run(graph, {})
    if not rows and fmt is Format.table:
        emit_empty("no chains in this database (load a chains file, or run `supplymap demo`)")
        return
    emit(rows, COLUMNS, fmt, f"chains ({len(rows)})")
