"""The rows that matter first: one order per analysis, shared by the CLI, the API and the report.

Each function returns ``(row, leads)`` pairs, leading rows first. The command line prints the
leading rows and a count of the rest (``--all`` prints everything); the API returns the same
order with a ``leads`` flag.

- single points of failure: enterprises and regions first (they fail as one), then input
  products that are concentrated (sole source, one region or one group, or no producer on
  record); an input with no substitute that has several producers in several regions is a
  structural requirement, not a weak point of its own, and follows, counted;
- capacity: the binding products first (output limited by an input, key products first, the
  largest share of producer capacity idle first), then the rest.
"""

from __future__ import annotations

import math

from kg.analysis.capacity import CapacityRow
from kg.analysis.context import Context, Source, ensure_context
from kg.analysis.single_source import product_sourcing
from kg.analysis.spof import SpofLink
from kg.model import DEFAULT_REGION_LEVEL

_KIND_ORDER = {"enterprise": 0, "region": 1, "product": 2}


def order_spof(source: Source, links: list[SpofLink]) -> list[tuple[SpofLink, bool]]:
    """Single-point-of-failure links, the ones that matter first (see the module docstring)."""
    ctx = ensure_context(source)
    proj = ctx.proj
    sourcing = product_sourcing(proj, DEFAULT_REGION_LEVEL)

    def leads(link: SpofLink) -> bool:
        if link.kind != "product":
            return True
        s = sourcing[proj.product(link.node)]
        return s.sourcing in ("sole", "unknown", "none") or s.single_source

    pairs = [(link, leads(link)) for link in links]
    pairs.sort(
        key=lambda x: (
            not x[1],
            _KIND_ORDER.get(x[0].kind, 3),
            x[0].product,
            len(x[0].path),
            x[0].node,
        )
    )
    return pairs


def _idle(row: CapacityRow) -> float:
    """The share of producer capacity the inputs leave idle (0 when unknown)."""
    a, c = row.achievable_per_day, row.producer_capacity_per_day
    if a is None or c is None or not math.isfinite(c) or c <= 0:
        return 0.0
    return max(0.0, 1.0 - a / c)


def order_capacity(ctx: Context, rows: list[CapacityRow]) -> list[tuple[CapacityRow, bool]]:
    """Capacity rows, the binding ones (limited by an input) first (see the module docstring)."""
    keys = {ctx.proj.product_ids[k] for k in ctx.keys().indices}
    pairs = [(r, r.limited_by == "input") for r in rows]
    pairs.sort(key=lambda x: (not x[1], x[0].product not in keys, -_idle(x[0]), x[0].product))
    return pairs
