"""`supplymap export graphml|gexf`: a chain or an enterprise's tiers for Gephi, yEd, Cytoscape."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from kg.cli.common import friendly, open_graph
from kg.cli.output import console, err
from kg.tiers import MAX_TIERS


class GraphFormat(StrEnum):
    graphml = "graphml"
    gexf = "gexf"


@friendly
def export(
    fmt: Annotated[GraphFormat, typer.Argument(metavar="FORMAT", help="graphml or gexf")],
    chain: Annotated[str | None, typer.Option("--chain", help="export this chain")] = None,
    enterprise: Annotated[
        str | None, typer.Option("--enterprise", help="export this enterprise and its tiers")
    ] = None,
    tiers: Annotated[
        int, typer.Option("--tiers", min=1, max=MAX_TIERS, help="with --enterprise")
    ] = 3,
    customers: Annotated[
        bool, typer.Option("--customers", help="with --enterprise: its customers, not suppliers")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="the file (default: <chain or enterprise>.<format>)"),
    ] = None,
) -> None:
    """Write a chain (products, bill of materials, producers, trade links) or an enterprise's
    suppliers/customers N tiers away as GraphML or GEXF, through networkx."""
    from kg.export import ExportError, chain_graph, tiers_graph, write

    if (chain is None) == (enterprise is None):
        raise typer.BadParameter("give --chain ID or --enterprise ID", param_hint="--chain")
    with open_graph() as graph:
        try:
            if chain is not None:
                g = chain_graph(graph, chain)
            else:
                assert enterprise is not None
                g = tiers_graph(graph, enterprise, tiers, "downstream" if customers else "upstream")
        except ExportError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
            raise typer.Exit(2) from exc
    name = chain or f"{enterprise}-{'customers' if customers else 'suppliers'}-{tiers}"
    path = out or Path(f"{name}.{fmt.value}")
    write(g, fmt.value, path)
    console.print(
        f"wrote {path}: {g.number_of_nodes():,} nodes, {g.number_of_edges():,} links ({g.name})",
        highlight=False,
    )
