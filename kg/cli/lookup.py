"""`supplymap suppliers|customers ID`: tier-by-tier lookups."""

from __future__ import annotations

from typing import Annotated

import typer

from kg.cli.common import friendly, open_graph
from kg.cli.output import Format, emit
from kg.tiers import MAX_TIERS, Direction, NodeKind, tiers

TiersOpt = Annotated[int, typer.Option(min=1, max=MAX_TIERS, help="how many tiers to follow")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, csv or json")]
NodeOpt = Annotated[
    str | None,
    typer.Option("--node", help="enterprise or product, when an id names both"),
]


def _run(node_id: str, direction: Direction, n: int, fmt: Format, node: str | None) -> None:
    if node not in (None, "enterprise", "product"):
        raise typer.BadParameter("use enterprise or product", param_hint="--node")
    kind: NodeKind | None = (
        "enterprise" if node == "enterprise" else ("product" if node == "product" else None)
    )
    with open_graph() as graph:
        hits = tiers(graph, node_id, direction, n, kind)
    title = f"{'suppliers' if direction == 'upstream' else 'customers'} of {node_id}, {n} tier(s)"
    emit([h.as_dict() for h in hits], ["tier", "id", "name", "product", "path"], fmt, title)


@friendly
def suppliers(
    node_id: Annotated[str, typer.Argument(metavar="ID", help="enterprise or product id")],
    tiers_: Annotated[int, typer.Option("--tiers", min=1, max=MAX_TIERS)] = 3,
    fmt: FormatOpt = Format.table,
    node: NodeOpt = None,
) -> None:
    """Suppliers of an enterprise (SUPPLIES) or inputs of a product (bill of materials), by tier."""
    _run(node_id, "upstream", tiers_, fmt, node)


@friendly
def customers(
    node_id: Annotated[str, typer.Argument(metavar="ID", help="enterprise or product id")],
    tiers_: Annotated[int, typer.Option("--tiers", min=1, max=MAX_TIERS)] = 3,
    fmt: FormatOpt = Format.table,
    node: NodeOpt = None,
) -> None:
    """Customers of an enterprise or the products an input goes into, by tier."""
    _run(node_id, "downstream", tiers_, fmt, node)
