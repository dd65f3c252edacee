"""`supplymap map geo`: the geographic map, as offline HTML (kg/maps/geo.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.cli.common import friendly, open_graph
from kg.cli.maps import (
    ImpactOpt,
    LostOpt,
    ReducedOpt,
    RemovedEnterprisesOpt,
    RemovedProductsOpt,
    RemovedRegionsOpt,
    map_errors,
    scenario,
    scenario_impact,
    write_html,
)
from kg.cli.output import err
from kg.maps.data import chain_data, enterprise_data
from kg.maps.impact import disruption_data
from kg.monitor.allocation import AllocationError
from kg.tiers import MAX_TIERS


@friendly
@map_errors
def geo(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "--out",
            "-o",
            help="the HTML file to write ('-' for standard output)",
            dir_okay=False,
        ),
    ],
    chain: Annotated[
        str | None, typer.Option("--chain", help="a chain's makers and trade (default: all)")
    ] = None,
    impact_file: ImpactOpt = None,
    enterprise: RemovedEnterprisesOpt = None,
    region: RemovedRegionsOpt = None,
    product: RemovedProductsOpt = None,
    lost: LostOpt = None,
    reduced: ReducedOpt = None,
    title: Annotated[str, typer.Option("--title", help="the map's heading")] = "",
    suppliers_of: Annotated[
        str | None,
        typer.Option(
            "--suppliers-of",
            metavar="ID",
            help="an enterprise and its suppliers --tiers up (material-following tiers)",
        ),
    ] = None,
    customers_of: Annotated[
        str | None,
        typer.Option(
            "--customers-of", metavar="ID", help="an enterprise and its customers --tiers down"
        ),
    ] = None,
    tiers: Annotated[int, typer.Option("--tiers", min=1, max=MAX_TIERS)] = 3,
    allocate: Annotated[
        str | None,
        typer.Option(
            "--allocate",
            metavar="PRODUCT",
            help="colour the demand areas by how much of their demand for PRODUCT is met",
        ),
    ] = None,
) -> None:
    """Enterprises at their coordinates, trade as arcs, regions shaded, demand areas.

    Without options: every enterprise and trade link. With --chain: that chain's makers and
    the trade into them. With --suppliers-of (--customers-of) ID: the enterprise's suppliers
    (customers) --tiers away, tier by tier as `supplymap suppliers` walks them, following the
    material where bills of materials are known. With the disruption map's options
    (--impact, or --enterprise, --region, --product with --lost/--reduced): the scenario, its
    removed regions shaded.
    Above a few hundred trade links the arcs are bundled between provinces and countries.
    The base map (world countries, China's provinces) ships with the package: nothing is
    fetched.
    """
    from kg.maps.geo import all_data, geo_page, places

    disruption = any((impact_file, enterprise, region, product, lost, reduced))
    chosen = [
        name
        for name, given in (
            ("--chain", chain is not None),
            ("a disruption (--impact, --enterprise, ...)", disruption),
            ("--suppliers-of", suppliers_of is not None),
            ("--customers-of", customers_of is not None),
        )
        if given
    ]
    if len(chosen) > 1:
        raise typer.BadParameter(
            f"give one of --chain, a disruption, --suppliers-of or --customers-of, not "
            f"{' and '.join(chosen)}",
            param_hint=chosen[0],
        )
    with open_graph() as graph:
        if disruption:
            impact, compute = scenario_impact(
                impact_file, enterprise, region, product, lost, reduced, title
            )
            data = disruption_data(graph, scenario(graph, impact, compute))
        elif chain is not None:
            data = chain_data(graph, chain)
        elif suppliers_of is not None:
            data = enterprise_data(graph, suppliers_of, tiers, "upstream", explore=False)
        elif customers_of is not None:
            data = enterprise_data(graph, customers_of, tiers, "downstream", explore=False)
        else:
            data = all_data(graph)
        if title:
            data.title = title
        allocation = None
        if allocate is not None:
            from kg.monitor.allocation import allocate as allocate_supply

            try:
                allocation = allocate_supply(graph, allocate)
            except AllocationError as exc:
                raise typer.BadParameter(str(exc), param_hint="--allocate") from exc
            data.notes.append(f"Demand areas coloured by the allocation of {allocate}.")
        drawn = places(graph, data, allocation=allocation)
    html = geo_page(drawn)
    write_html(html, output)
    if str(output) != "-":
        err.print(
            f"wrote {output} ({len(drawn.points['x']):,} enterprises, {len(drawn.flows):,} "
            f"{'bundled ' if drawn.bundled else ''}arcs, {len(drawn.areas):,} demand areas, "
            f"{len(html) / 1e6:.2f} MB)",
            highlight=False,
            soft_wrap=True,
        )
