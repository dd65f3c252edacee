"""A restart that helps through a substitute: worked out by hand, on a projection in memory.

M (10 a day, E0) is the only input of A; B takes M or N (alt_group g), and N (5 a day) comes
from E1 alone. Demand: A 10, B 4 a day. Intact: A 10 (all of M), B 5 (all of N). E1 stops:
A and B share M; the reach programme serves B first (4 of M, its smaller target weighs
more), so A gets 6 of its target 8 and only A is short. A's own bill of materials is M
alone, yet restarting E1 brings it back: B takes N again and leaves A all of M. The white
list is {E1}, though E1 makes nothing A is made of (the first version listed nothing here).
"""

from __future__ import annotations

import pytest

from kg.analysis.context import Context
from kg.analysis.projection import RawGraph, from_raw
from kg.plan import PlanContext, resume


def graph() -> RawGraph:
    def product(pid: str, demand: float | None) -> tuple[object, ...]:
        return (pid, None, "final" if demand else "component", demand, None, None)

    return RawGraph(
        products=[product("M", None), product("N", None), product("A", 10.0), product("B", 4.0)],
        enterprises=[(e, None) for e in ("E0", "E1", "EA", "EB")],
        bom=[("M", "A", 1.0, None), ("M", "B", 1.0, "g"), ("N", "B", 1.0, "g")],
        produces=[
            ("E0", "M", 10.0, None),
            ("E1", "N", 5.0, None),
            ("EA", "A", 100.0, None),
            ("EB", "B", 100.0, None),
        ],
    )


def test_a_restart_that_helps_through_a_substitute() -> None:
    rep = resume(PlanContext(Context(from_raw(graph()))), enterprises=["E1"])
    assert rep.status == "optimal"
    assert [e.enterprise for e in rep.white_list] == ["E1"]
    rows = {r.product: r for r in rep.products}
    assert (rows["A"].normal_per_day, rows["A"].target_per_day) == (10.0, 8.0)
    assert rows["A"].after_disruption_per_day == pytest.approx(6.0)
    assert rows["B"].after_disruption_per_day == pytest.approx(4.0)
    assert rows["A"].with_white_list_per_day == pytest.approx(8.0)
    assert rows["B"].with_white_list_per_day == pytest.approx(4.0)
    assert rep.white_list[0].unlocks == ("A",)
