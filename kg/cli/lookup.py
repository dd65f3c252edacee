"""`supplymap suppliers|customers ID`: tier-by-tier lookups.

Enterprises follow the material by default (``--walk any`` follows every SUPPLIES link);
``--inferred`` counts inferred links too. Notes about the answer (inferred links counted,
links taken where a bill of materials is unknown, why an answer is empty) go to stderr, so
CSV and JSON on stdout stay clean.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kg.cli.common import friendly, open_graph
from kg.cli.output import Format, emit, err
from kg.tiers import MAX_TIERS, Direction, NodeKind, Walk, lookup

TiersOpt = Annotated[int, typer.Option("--tiers", min=1, max=MAX_TIERS, help="tiers to follow")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, csv or json")]
NodeOpt = Annotated[
    str | None,
    typer.Option("--node", help="enterprise or product, when an id names both"),
]
WalkOpt = Annotated[
    str,
    typer.Option(
        "--walk",
        help="material: a tier-2 supplier supplies an input of what the tier-1 supplier "
        "supplies (the default); any: every SUPPLIES link whatever it carries",
    ),
]
InferredOpt = Annotated[
    bool,
    typer.Option(
        "--inferred",
        help="count inferred links too (an enterprise producing an input of what another "
        "produces); by default only when the graph has no declared SUPPLIES links",
    ),
]

ENTERPRISE_COLUMNS = {
    Format.table: ["tier", "id", "name", "products", "basis", "route"],
    Format.csv: ["tier", "id", "name", "products", "basis", "route"],
    Format.json: ["tier", "id", "name", "products", "basis", "path", "route", "links", "steps"],
}


def _run(
    node_id: str,
    direction: Direction,
    n: int,
    fmt: Format,
    node: str | None,
    walk: str,
    inferred: bool,
) -> None:
    if node not in (None, "enterprise", "product"):
        raise typer.BadParameter("use enterprise or product", param_hint="--node")
    if walk not in ("material", "any"):
        raise typer.BadParameter("use material or any", param_hint="--walk")
    kind: NodeKind | None = (
        "enterprise" if node == "enterprise" else ("product" if node == "product" else None)
    )
    walk_: Walk = "any" if walk == "any" else "material"
    with open_graph() as graph:
        answer = lookup(graph, node_id, direction, n, kind, walk=walk_, inferred=inferred or None)
    who = "suppliers" if direction == "upstream" else "customers"
    how = f", {walk_} walk" if answer.kind == "enterprise" else ""
    how += ", inferred links counted" if answer.inferred else ""
    title = f"{who} of {node_id}, {n} tier(s){how}"
    columns = (
        ENTERPRISE_COLUMNS[fmt] if answer.kind == "enterprise" else ["tier", "id", "name", "path"]
    )
    emit([h.as_dict() for h in answer.hits], columns, fmt, title)
    for note in answer.notes:
        err.print(f"note: {note}", highlight=False, markup=False)


@friendly
def suppliers(
    node_id: Annotated[str, typer.Argument(metavar="ID", help="enterprise or product id")],
    tiers_: TiersOpt = 3,
    fmt: FormatOpt = Format.table,
    node: NodeOpt = None,
    walk: WalkOpt = "material",
    inferred: InferredOpt = False,
) -> None:
    """Suppliers of an enterprise (SUPPLIES, following the material) or inputs of a product
    (bill of materials), by tier, each with every product on the way and one route."""
    _run(node_id, "upstream", tiers_, fmt, node, walk, inferred)


@friendly
def customers(
    node_id: Annotated[str, typer.Argument(metavar="ID", help="enterprise or product id")],
    tiers_: TiersOpt = 3,
    fmt: FormatOpt = Format.table,
    node: NodeOpt = None,
    walk: WalkOpt = "material",
    inferred: InferredOpt = False,
) -> None:
    """Customers of an enterprise (following the material) or the products an input goes
    into, by tier."""
    _run(node_id, "downstream", tiers_, fmt, node, walk, inferred)
