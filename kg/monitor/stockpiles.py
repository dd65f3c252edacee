"""Strategic stockpiles against their targets: by reserve, by product and by region.

For each reserve and product, the current stockpile snapshot (latest as_of on or before the
reference date): stock, target, fill (stock / target), shortfall (target - stock, at least 0)
and the days of national demand the stock covers. National demand of a product is its area
demand (the latest demand snapshot of every area; else the product's demand_per_day) plus
what the current output of the products it goes into needs (Snapshots.demand_of), the same
figure the supply-gap rule uses. A reserve is under target when its stock is below its
target; a product (or region) is under target when its total stock is below its total target.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from kg.connection import Graph
from kg.monitor.snapshots import Snapshots, read_region_names, read_snapshots


@dataclass(frozen=True)
class StockpileLine:
    """One row: a reserve (or a product, or a region and product) against its target."""

    product: str
    product_name: str | None
    unit: str | None
    stock: float
    target: float
    shortfall: float
    fill: float | None  # stock / target; None without a target
    under_target: bool
    national_demand: float | None  # units per day; None when unknown (no demand on record)
    days_of_demand: float | None
    reserve: str | None = None
    reserve_name: str | None = None
    region: str | None = None
    region_name: str | None = None
    as_of: dt.date | None = None  # the oldest snapshot behind the row
    age_days: int | None = None
    reserves: int = 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StockpileReport:
    at: dt.date
    reserves: list[StockpileLine] = field(default_factory=list)
    by_product: list[StockpileLine] = field(default_factory=list)
    by_region: list[StockpileLine] = field(default_factory=list)

    @property
    def under_target(self) -> list[str]:
        """The products whose reserves together hold less than their target."""
        return [line.product for line in self.by_product if line.under_target]


def _line(
    snap: Snapshots,
    product: str,
    stock: float,
    target: float,
    demand: float | None,
    oldest: dt.date | None,
    **extra: Any,
) -> StockpileLine:
    info = snap.products.get(product)
    return StockpileLine(
        product=product,
        product_name=info.name if info else None,
        unit=info.unit if info else None,
        stock=stock,
        target=target,
        shortfall=max(target - stock, 0.0),
        fill=stock / target if target > 0 else None,
        under_target=stock < target,
        national_demand=demand,
        days_of_demand=stock / demand if demand else None,
        as_of=oldest,
        age_days=(snap.at - oldest).days if oldest else None,
        **extra,
    )


def stockpile_lines(snap: Snapshots, region_names: dict[str, str] | None = None) -> StockpileReport:
    """The report from a projection (no graph access)."""
    names = region_names or {}
    report = StockpileReport(snap.at)
    demand: dict[str, float | None] = {}
    for pid in sorted({p for _, p in snap.stockpiles}):
        total = snap.demand_of(pid).total
        demand[pid] = total if total > 0 else None
    by_product: dict[str, list[Any]] = defaultdict(list)
    by_region: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for (rid, pid), s in sorted(snap.stockpiles.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        ent = snap.enterprises.get(rid)
        region = ent.region if ent else None
        report.reserves.append(
            _line(
                snap,
                pid,
                s.stock,
                s.target,
                demand[pid],
                s.as_of,
                reserve=rid,
                reserve_name=ent.name if ent else None,
                region=region,
                region_name=names.get(region or ""),
            )
        )
        by_product[pid].append(s)
        by_region[(region or "", pid)].append(s)
    for pid, items in sorted(by_product.items()):
        report.by_product.append(
            _line(
                snap,
                pid,
                sum(s.stock for s in items),
                sum(s.target for s in items),
                demand[pid],
                min(s.as_of for s in items),
                reserves=len(items),
            )
        )
    for (region, pid), items in sorted(by_region.items()):
        report.by_region.append(
            _line(
                snap,
                pid,
                sum(s.stock for s in items),
                sum(s.target for s in items),
                demand[pid],
                min(s.as_of for s in items),
                region=region or None,
                region_name=names.get(region),
                reserves=len(items),
            )
        )
    return report


def stockpile_report(graph: Graph, at: dt.date | None = None) -> StockpileReport:
    """Every reserve's stock against target, by reserve, product and region."""
    return stockpile_lines(read_snapshots(graph, at, holdings=False), read_region_names(graph))
