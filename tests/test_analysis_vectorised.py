"""Property tests: the vectorised analyses give the rows of the code they replaced
(tests/analysis_reference.py) on random small graphs (the generator of
tests/test_analysis_properties.py, with demands so that key products weigh differently).

Shares are sums of floats; the old code added them in the iteration order of Python sets,
the new one in key-product order, so they are compared to 12 significant digits, and the
ranking's order only where the rounded scores do not tie."""

from __future__ import annotations

import math
from typing import Any

from analysis_reference import bottleneck_rows_reference, rank_bottlenecks_reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_analysis_properties import graphs

from kg.analysis.bottleneck import bottleneck_rows
from kg.analysis.context import Context
from kg.analysis.projection import RawGraph, from_raw
from kg.analysis.ranking import RankedNode, rank_bottlenecks
from kg.model import REGION_LEVELS

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FLOATS = ("score", "spof_share", "concentration", "binding_share")


@st.composite
def weighted_graphs(draw: st.DrawFn) -> RawGraph:
    """A random graph whose regions sit at several levels and whose products may carry a
    demand (key products then weigh demand / mean demand)."""
    raw = draw(graphs())
    demands = st.sampled_from([None, None, 1.0, 3.0, 7.5])
    raw.products = [(p[0], p[1], p[2], draw(demands), p[4], p[5]) for p in raw.products]
    levels = st.sampled_from(REGION_LEVELS)
    raw.regions = [(r[0], r[1], draw(levels)) for r in raw.regions]
    return raw


def _same_rows(new: list[RankedNode], old: list[RankedNode]) -> None:
    by_node = {r.node: r for r in old}
    assert [r.node for r in new] == [r.node for r in new if r.node in by_node]
    assert len(new) == len(old)
    for row in new:
        ref = by_node[row.node]
        for name in ("kind", "name", "spof_for", "limits", "also"):
            assert getattr(row, name) == getattr(ref, name), (row.node, name)
        for name in FLOATS:
            a, b = getattr(row, name), getattr(ref, name)
            assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), (row.node, name, a, b)
    tied: dict[Any, int] = {}
    for row in old:
        key = (round(row.score, 6), round(row.spof_share, 6))
        tied[key] = tied.get(key, 0) + 1
    for row in new:
        ref = by_node[row.node]
        if tied[(round(ref.score, 6), round(ref.spof_share, 6))] == 1:
            assert row.rank == ref.rank, row.node


@SETTINGS
@given(weighted_graphs(), st.sampled_from(REGION_LEVELS))
def test_ranking_equals_the_reference(raw: RawGraph, level: str) -> None:
    ctx = Context(from_raw(raw))
    _same_rows(rank_bottlenecks(ctx, None, level), rank_bottlenecks_reference(ctx, None, level))


@SETTINGS
@given(weighted_graphs())
def test_bottleneck_rows_equal_the_reference(raw: RawGraph) -> None:
    ctx = Context(from_raw(raw))
    assert bottleneck_rows(ctx) == bottleneck_rows_reference(ctx)
    for chain in ctx.proj.chain_ids:
        assert bottleneck_rows(ctx, chain) == bottleneck_rows_reference(ctx, chain)
