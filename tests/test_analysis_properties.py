"""Property tests on random small AND/OR graphs: the fast analyses equal their definitions.

- SPOF: required-set propagation equals brute force (remove each candidate in turn and
  recompute feasibility), on graphs with alt_groups, idle producers, regions and cycles; on
  acyclic graphs the level-wise sparse-matrix propagation gives the very same generators as
  the component-by-component one;
- availability: the level-wise sweep equals the worklist (least fixed point);
- capacity: the vectorized pass equals the product-by-product recursion, and the vectorized
  removal effects equal recomputing the recursion once per removed node.
These run on projections built in memory (RawGraph), so they need no database.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.analysis.context import Context
from kg.analysis.feasibility import _available_worklist, available
from kg.analysis.projection import RawGraph, from_raw
from kg.analysis.spof import brute_force, requirements_by_component, requirements_by_level


@st.composite
def graphs(draw: st.DrawFn, acyclic: bool = False) -> RawGraph:
    n_p = draw(st.integers(2, 8))
    n_e = draw(st.integers(0, 6))
    n_r = draw(st.integers(0, 4))
    products = [
        (f"P{i}", None, draw(st.sampled_from(["final", "component"])), None, None, None)
        for i in range(n_p)
    ]
    regions = [(f"R{i}", None, "province") for i in range(n_r)]
    part_of = [
        (f"R{i}", f"R{draw(st.integers(0, i - 1))}") for i in range(1, n_r) if draw(st.booleans())
    ]
    enterprises = [(f"E{i}",) for i in range(n_e)]
    located = [
        (f"E{i}", f"R{draw(st.integers(0, n_r - 1))}")
        for i in range(n_e)
        if n_r and draw(st.booleans())
    ]
    bom: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(0, 12))):
        a, b = draw(st.integers(0, n_p - 1)), draw(st.integers(0, n_p - 1))
        if acyclic and a >= b:
            a, b = min(a, b), max(a, b)
        if a == b:
            continue
        group = draw(st.sampled_from([None, None, "g1", "g2"]))
        qty = draw(st.sampled_from([1.0, 2.0, 0.5]))
        bom.append((f"P{a}", f"P{b}", qty, group))
    produces: list[tuple[Any, ...]] = []
    if n_e:
        for _ in range(draw(st.integers(0, 10))):
            e, p = draw(st.integers(0, n_e - 1)), draw(st.integers(0, n_p - 1))
            cap = draw(st.sampled_from([0.0, 5.0, 10.0, 40.0, None]))
            produces.append((f"E{e}", f"P{p}", cap, None))
    return RawGraph(
        products=products,
        enterprises=enterprises,
        regions=regions,
        part_of=part_of,
        located=located,
        bom=bom,
        produces=produces,
    )


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIGHTER = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(graphs())
def test_fast_spof_equals_brute_force(raw: RawGraph) -> None:
    ctx = Context(from_raw(raw))
    circuit = ctx.circuit
    targets = list(range(ctx.proj.n_products))
    expected = brute_force(circuit, targets)
    got = {t: set(ctx.spof_nodes(t)) for t in targets if ctx.reqs.available[t]}
    assert got == expected


@SETTINGS
@given(graphs(acyclic=True))
def test_level_wise_required_sets_equal_the_component_wise_ones(raw: RawGraph) -> None:
    circuit = Context(from_raw(raw)).circuit
    assert circuit.acyclic
    by_level = requirements_by_level(circuit)
    by_component = requirements_by_component(circuit)
    assert (by_level.available == by_component.available).all()
    assert by_level.gens == by_component.gens


@LIGHTER
@given(graphs())
def test_availability_sweeps_agree(raw: RawGraph) -> None:
    ctx = Context(from_raw(raw))
    circuit = ctx.circuit
    none = np.zeros(circuit.n_nodes, dtype=bool)
    by_worklist = _available_worklist(circuit, none)
    assert (available(circuit) == by_worklist).all()
    assert (ctx.reqs.available == by_worklist).all()
    if circuit.n_nodes:
        removed = none.copy()
        removed[0] = True
        assert (available(circuit, removed) == _available_worklist(circuit, removed)).all()


@LIGHTER
@given(graphs(acyclic=True))
def test_vectorized_capacity_equals_the_recursion(raw: RawGraph) -> None:
    ctx = Context(from_raw(raw))
    model = ctx.capacity
    assert ctx.circuit.acyclic
    pcap = model.producer_capacities()
    by_levels = model._solve_levels(model.avail.copy(), pcap)
    by_loops = model._solve_loops(model.avail.copy(), pcap)
    assert np.allclose(by_levels, by_loops, equal_nan=True)


@LIGHTER
@given(graphs(acyclic=True))
def test_vectorized_removal_effects_equal_one_by_one(raw: RawGraph) -> None:
    ctx = Context(from_raw(raw))
    ach = ctx.capacity.ach
    weights = {p: 1.0 for p in range(ctx.proj.n_products) if np.isfinite(ach[p]) and ach[p] > 0}
    if not weights:
        return
    effects = ctx.effects
    assert effects is not None
    vectorized = effects.losses(ach, weights, ctx.circuit.n_nodes)
    one_by_one = ctx._losses_one_by_one(weights)
    assert np.allclose(vectorized, one_by_one)


@st.composite
def or_trees(draw: st.DrawFn) -> RawGraph:
    """Each product feeds one product nearer the root P0, and all of a product's inputs are
    substitutes (one alt_group): a pure OR tree, where capacity is a plain max-flow."""
    n = draw(st.integers(1, 9))
    products = [
        (f"P{i}", None, "final" if i == 0 else "component", None, None, None) for i in range(n)
    ]
    bom = [(f"P{i}", f"P{draw(st.integers(0, i - 1))}", 1.0, "g") for i in range(1, n)]
    produces: list[tuple[Any, ...]] = []
    enterprises = []
    for i in range(n):
        for j in range(draw(st.integers(0, 2))):
            enterprises.append((f"E{i}_{j}",))
            produces.append((f"E{i}_{j}", f"P{i}", float(draw(st.integers(0, 50))), None))
    return RawGraph(products=products, enterprises=enterprises, bom=bom, produces=produces)


@SETTINGS
@given(or_trees())
def test_capacity_is_the_max_flow_of_the_node_split_network(raw: RawGraph) -> None:
    """On a pure OR tree the recursion equals scipy's max-flow over the network with every
    product split into in -> out at its producers' capacity."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_flow

    ctx = Context(from_raw(raw))
    proj = ctx.proj
    n = proj.n_products
    big = 10**6
    source, sink = 2 * n, 2 * n + 1
    edges: dict[tuple[int, int], int] = {}
    pcap = ctx.capacity.pcap
    for p in range(n):
        edges[(2 * p, 2 * p + 1)] = big if np.isinf(pcap[p]) else int(pcap[p])
        if proj.n_inputs[p] == 0:
            edges[(source, 2 * p)] = big
    for a, b in zip(proj.bom_in.tolist(), proj.bom_out.tolist(), strict=True):
        edges[(2 * a + 1, 2 * b)] = big
    root = proj.product("P0")
    edges[(2 * root + 1, sink)] = big
    rows, cols = zip(*edges, strict=True)
    graph = csr_matrix(
        (np.asarray(list(edges.values()), dtype=np.int32), (rows, cols)), shape=(2 * n + 2,) * 2
    )
    flow = maximum_flow(graph, source, sink).flow_value
    ach = ctx.capacity.ach[root]
    assert (flow >= big and np.isinf(ach)) or flow == ach
