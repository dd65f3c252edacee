"""`supplymap map chain|enterprise|disruption ... -o FILE`: interactive maps as offline HTML."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer

from kg.cli.common import friendly, open_graph
from kg.cli.output import err
from kg.connection import Graph
from kg.maps import DEFAULT_MAX_NODES, Impact, ImpactError
from kg.maps.aggregate import aggregate
from kg.maps.data import MapData, chain_data, enterprise_data, has_results
from kg.maps.impact import analysis_disrupt, disruption_data
from kg.maps.render import AssetError, page
from kg.tiers import MAX_TIERS

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    help="Interactive supply-chain maps: self-contained HTML that opens offline.",
    no_args_is_help=True,
)

OutputOpt = Annotated[
    Path,
    typer.Option(
        "--output", "-o", help="the HTML file to write ('-' for standard output)", dir_okay=False
    ),
]
MaxNodesOpt = Annotated[
    int,
    typer.Option(
        "--max-nodes",
        min=1,
        envvar="SUPPLYMAP_MAP_MAX_NODES",
        help="above this many nodes the map is aggregated (and says so)",
    ),
]

# A disruption, as the disruption map and the geographic map take it (scenario_impact).
ImpactOpt = Annotated[
    Path | None,
    typer.Option(
        "--impact",
        help="a disruption: an impact JSON file (see kg/maps/impact.py)",
        dir_okay=False,
    ),
]
RemovedEnterprisesOpt = Annotated[
    list[str] | None, typer.Option("--enterprise", help="an enterprise removed (repeat)")
]
RemovedRegionsOpt = Annotated[
    list[str] | None, typer.Option("--region", help="a region removed, with sub-regions")
]
RemovedProductsOpt = Annotated[
    list[str] | None, typer.Option("--product", help="a product removed")
]
LostOpt = Annotated[list[str] | None, typer.Option("--lost", help="a key product lost")]
ReducedOpt = Annotated[
    list[str] | None,
    typer.Option("--reduced", help="a product reduced: ID=SHARE_LEFT, e.g. N95=0.4"),
]


def map_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Errors of the map's own input: one line on stderr, exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (ImpactError, AssetError) as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(2) from exc

    return wrapper


def places_of(graph: Graph, data: MapData) -> dict[str, Any]:
    """The geographic view of a map, for its "Places" tab (kg/maps/geo.py)."""
    from kg.maps.geo import places

    return places(graph, data).payload()


def _write(
    data: MapData, output: Path, max_nodes: int, extra: dict[str, Any] | None = None
) -> None:
    results = has_results(data.nodes)
    drawn = aggregate(data, max_nodes)
    html = page(drawn, has_results=results, places=extra)
    write_html(html, output)
    if str(output) == "-":
        return
    folded = ", aggregated" if drawn.aggregated else ""
    # what the page shows at first; the rest (folded inputs, the next tier) unfolds on a click
    hidden = {node.key for node in drawn.nodes if node.hidden}
    n = len(drawn.nodes) - len(hidden)
    m = sum(1 for e in drawn.edges if e.source not in hidden and e.target not in hidden)
    if hidden:
        folded += f", {len(hidden):,} more to unfold on the page"
    err.print(
        f"wrote {output} ({n:,} node{'s' * (n != 1)}, {m:,} link{'s' * (m != 1)}{folded}, "
        f"{len(html) / 1e6:.1f} MB)",
        highlight=False,
        soft_wrap=True,
    )


@app.command("chain")
@friendly
@map_errors
def chain(
    chain_id: Annotated[str, typer.Argument(metavar="ID", help="chain id, e.g. medical-supplies")],
    output: OutputOpt,
    max_nodes: MaxNodesOpt = DEFAULT_MAX_NODES,
) -> None:
    """A chain's products by BOM level (raw materials left, final products right) and makers."""
    with open_graph() as graph:
        data = chain_data(graph, chain_id, trade_up_to=max_nodes)
        extra = places_of(graph, data)
    _write(data, output, max_nodes, extra)


@app.command("enterprise")
@friendly
@map_errors
def enterprise(
    enterprise_id: Annotated[str, typer.Argument(metavar="ID", help="enterprise id")],
    output: OutputOpt,
    tiers: Annotated[int, typer.Option("--tiers", min=1, max=MAX_TIERS)] = 3,
    customers: Annotated[
        bool, typer.Option("--customers", help="map its customers N tiers down instead")
    ] = False,
    max_nodes: MaxNodesOpt = DEFAULT_MAX_NODES,
) -> None:
    """An enterprise and its suppliers N tiers up (SUPPLIES), tier by tier (or customers)."""
    with open_graph() as graph:
        data = enterprise_data(
            graph, enterprise_id, tiers, "downstream" if customers else "upstream"
        )
    _write(data, output, max_nodes)


def write_html(html: str, output: Path) -> None:
    """The page to a file ('-': standard output); a file that cannot be written: exit 2."""
    if str(output) == "-":
        sys.stdout.write(html)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(html, encoding="utf-8")
    except OSError as exc:
        err.print(
            f"[red]error:[/red] cannot write {output}: {exc.strerror}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2) from exc


def _reduced(values: list[str]) -> list[tuple[str, float]]:
    out = []
    for value in values:
        pid, sep, left = value.rpartition("=")
        try:
            share = float(left)
        except ValueError:
            share = -1.0
        if not sep or not pid or not 0 <= share <= 1:
            raise typer.BadParameter(
                f"{value!r}: write PRODUCT=SHARE_LEFT with a share from 0 to 1, e.g. N95=0.4",
                param_hint="--reduced",
            )
        out.append((pid, share))
    return out


def scenario_impact(
    impact_file: Path | None,
    enterprise: list[str] | None,
    region: list[str] | None,
    product: list[str] | None,
    lost: list[str] | None,
    reduced: list[str] | None,
    title: str,
) -> tuple[Impact, bool]:
    """The impact the disruption options describe, and whether the analyses should work out
    what it loses (removals only, no file)."""
    flags = (
        Impact(
            removed_enterprises=tuple(enterprise or ()),
            removed_regions=tuple(region or ()),
            removed_products=tuple(product or ()),
            lost=tuple(lost or ()),
            reduced=tuple(_reduced(reduced or [])),
            title=title,
        )
        if (enterprise or region or product or lost or reduced)
        else None
    )
    if impact_file is not None and flags is not None:
        raise typer.BadParameter(
            "give either --impact FILE or the scenario flags, not both", param_hint="--impact"
        )
    impact = Impact.from_json(impact_file) if impact_file is not None else flags
    if impact is None:
        raise typer.BadParameter(
            "say what the scenario does: --impact FILE, or --enterprise/--region/--product "
            "with --lost/--reduced",
            param_hint="--impact",
        )
    return impact, impact_file is None and not (lost or reduced)


def scenario(graph: Graph, impact: Impact, compute: bool) -> Impact:
    """The impact, with what it loses and reduces worked out by the analyses' disruption
    scenario when ``compute`` (and the analyses are installed)."""
    disrupt = analysis_disrupt()
    if not compute or disrupt is None:
        return impact
    found = disrupt(
        graph,
        list(impact.removed_enterprises),
        list(impact.removed_regions),
        list(impact.removed_products),
    )
    return Impact.from_scenario(found, impact.title)


@app.command("disruption")
@friendly
@map_errors
def disruption(
    output: OutputOpt,
    impact_file: ImpactOpt = None,
    enterprise: RemovedEnterprisesOpt = None,
    region: RemovedRegionsOpt = None,
    product: RemovedProductsOpt = None,
    lost: LostOpt = None,
    reduced: ReducedOpt = None,
    title: Annotated[str, typer.Option("--title", help="the map's heading")] = "",
    max_nodes: MaxNodesOpt = DEFAULT_MAX_NODES,
) -> None:
    """What a scenario removes, and the products it loses or reduces.

    Give the impact as a JSON file (--impact), or on the command line: what is removed
    (--enterprise, --region, --product) and what that does (--lost, --reduced ID=SHARE). With
    removals only, the analyses' disruption scenario works out what is lost and reduced
    (when the analyses are installed; otherwise the map shows what the removals feed into).
    """
    impact, compute = scenario_impact(
        impact_file, enterprise, region, product, lost, reduced, title
    )
    with open_graph() as graph:
        data = disruption_data(graph, scenario(graph, impact, compute))
        extra = places_of(graph, data)
    _write(data, output, max_nodes, extra)


# The geographic map (kg/cli/maps_geo.py) uses the helpers above.
from kg.cli.maps_geo import geo  # noqa: E402

app.command("geo")(geo)
