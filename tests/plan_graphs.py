"""Random acyclic bills of materials for the planning property tests (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def draw_bom(draw: st.DrawFn, n_p: int, max_links: int) -> list[tuple[Any, ...]]:
    """Up to ``max_links`` INPUT_TO rows P<a> -> P<b> with a < b (so acyclic), each pair once,
    a third of them in alt_group "g", quantities 0.5, 1 or 2."""
    bom: list[tuple[Any, ...]] = []
    seen: set[tuple[int, int]] = set()
    for _ in range(draw(st.integers(0, max_links))):
        a, b = sorted((draw(st.integers(0, n_p - 1)), draw(st.integers(0, n_p - 1))))
        if a == b or (a, b) in seen:
            continue
        seen.add((a, b))
        group = draw(st.sampled_from([None, None, "g"]))
        bom.append((f"P{a}", f"P{b}", draw(st.sampled_from([1.0, 2.0, 0.5])), group))
    return bom
