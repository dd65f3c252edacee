"""Depth in the bill of materials: the longest chain of INPUT_TO edges that ends at a product.

A product with no inputs has depth 0; any other product is one deeper than its deepest input.
Inside a cycle of the bill of materials only the inputs from outside the cycle count. On the
Willems chains this is each stage's depth in the file (Part stages 0, Retail the deepest).
"""

from __future__ import annotations

from kg.analysis.context import Context


def bom_depth(ctx: Context) -> list[int]:
    proj = ctx.proj
    depth = [0] * proj.n_products
    for comp in ctx.capacity.order:
        inside = set(comp)
        for p in comp:
            best = -1
            for k in proj.inputs_of[p]:
                a = int(proj.bom_in[k])
                if a not in inside and depth[a] > best:
                    best = depth[a]
            depth[p] = best + 1
    return depth
