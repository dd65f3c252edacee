"""A synthetic layered AND/OR supply graph of about N relationships, deterministic per seed.

Shape (per product, on average): 2 requirement groups (half of them a single input, half an
alt_group of 2-3 substitutes) drawn from the layer below; 1.9 producers; one chain. Six
product layers from raw materials to finals (finals carry a demand); enterprises in cities of
three countries; a tenth of the enterprises owned by another; a trade link (SUPPLIES) for
every product with inputs; an inventory snapshot for a fifth of the products.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

LAYERS = (0.24, 0.2, 0.2, 0.14, 0.12, 0.10)
CATEGORIES = ("raw material", "material", "component", "component", "equipment", "final")
EDGES_PER_PRODUCT = 7.94  # measured on this generator; used to size it for N relationships
CHAINS = 5


@dataclass
class Synthetic:
    products: list[dict[str, Any]] = field(default_factory=list)
    enterprises: list[dict[str, Any]] = field(default_factory=list)
    regions: list[dict[str, Any]] = field(default_factory=list)
    chains: list[dict[str, Any]] = field(default_factory=list)
    # relationship rows, in the shape kg.schema.merge_rels expects
    rels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def n_edges(self) -> int:
        return sum(len(v) for v in self.rels.values())


def build(n_edges: int, seed: int = 7) -> Synthetic:
    rng = np.random.default_rng(seed)
    n_products = max(60, int(n_edges / EDGES_PER_PRODUCT))
    n_ent = max(20, int(n_products * 0.6))
    out = Synthetic()

    # regions: 3 countries, 10 provinces each, 10 cities per province
    cities: list[str] = []
    for c in range(3):
        code = f"C{c}"
        out.regions.append({"key": code, "props": {"name": code, "level": "country"}})
        for p in range(10):
            prov = f"{code}P{p}"
            out.regions.append({"key": prov, "props": {"name": prov, "level": "province"}})
            out.rels.setdefault("PART_OF", []).append({"start": prov, "end": code, "props": {}})
            for t in range(10):
                city = f"{prov}T{t}"
                out.regions.append({"key": city, "props": {"name": city, "level": "city"}})
                out.rels["PART_OF"].append({"start": city, "end": prov, "props": {}})
                cities.append(city)
    out.chains = [{"key": f"chain-{i}", "props": {"name": f"Chain {i}"}} for i in range(CHAINS)]

    sizes = [max(2, int(n_products * f)) for f in LAYERS]
    layer_start = np.concatenate([[0], np.cumsum(sizes)])
    total = int(layer_start[-1])
    pid = [f"P{i:07d}" for i in range(total)]
    chain_of = rng.integers(0, CHAINS, total)
    for layer, (lo, hi) in enumerate(itertools.pairwise(layer_start.tolist())):
        for i in range(int(lo), int(hi)):
            props: dict[str, Any] = {
                "name": f"Product {i}",
                "category": CATEGORIES[layer],
                "unit": "t",
                "lead_time_days": float(rng.integers(3, 60)),
            }
            if layer == len(LAYERS) - 1:
                props["demand_per_day"] = float(rng.integers(10, 1000))
            out.products.append({"key": pid[i], "props": props})
    out.rels["IN_CHAIN"] = [
        {"start": pid[i], "end": f"chain-{chain_of[i]}", "props": {"stage": "midstream"}}
        for i in range(total)
    ]

    eid = [f"E{i:07d}" for i in range(n_ent)]
    city_of = rng.integers(0, len(cities), n_ent)
    out.enterprises = [{"key": eid[e], "props": {"name": f"Enterprise {e}"}} for e in range(n_ent)]
    out.rels["LOCATED_IN"] = [
        {"start": eid[e], "end": cities[city_of[e]], "props": {}} for e in range(n_ent)
    ]
    owned = rng.random(n_ent) < 0.1
    parents = rng.integers(0, n_ent, n_ent)
    out.rels["OWNED_BY"] = [
        {"start": eid[e], "end": eid[parents[e]], "props": {"share": 0.6}}
        for e in range(n_ent)
        if owned[e] and parents[e] != e
    ]

    # producers: 1-3 per product, enterprises reused across products
    n_prod = rng.choice([1, 2, 3], size=total, p=[0.35, 0.4, 0.25])
    producers: list[list[int]] = []
    produces = []
    for i in range(total):
        ents = sorted(set(rng.integers(0, n_ent, int(n_prod[i])).tolist()))
        producers.append(ents)
        for e in ents:
            produces.append(
                {
                    "start": eid[e],
                    "end": pid[i],
                    "props": {"capacity_per_day": float(rng.lognormal(4, 1))},
                }
            )
    out.rels["PRODUCES"] = produces

    bom = []
    supplies = []
    for layer in range(1, len(LAYERS)):
        lo, hi = int(layer_start[layer]), int(layer_start[layer + 1])
        below_lo, below_hi = int(layer_start[layer - 1]), int(layer_start[layer])
        for i in range(lo, hi):
            groups = int(rng.integers(1, 4))
            used: set[int] = set()
            for g in range(groups):
                alt = rng.random() < 0.5
                k = int(rng.integers(2, 4)) if alt else 1
                picks = [int(x) for x in rng.integers(below_lo, below_hi, k) if int(x) not in used]
                for a in picks:
                    used.add(a)
                    bom.append(
                        {
                            "start": pid[a],
                            "end": pid[i],
                            "props": {
                                "qty_per_unit": float(rng.integers(1, 4)),
                                **({"alt_group": f"g{g}"} if alt and len(picks) > 1 else {}),
                            },
                        }
                    )
                if picks and producers[picks[0]] and producers[i]:
                    s, c = producers[picks[0]][0], producers[i][0]
                    if s != c:
                        supplies.append(
                            {
                                "start": eid[s],
                                "end": eid[c],
                                "product": pid[picks[0]],
                                "props": {"share": 1.0},
                            }
                        )
    out.rels["INPUT_TO"] = bom
    seen = set()
    unique = []
    for r in supplies:
        key = (r["start"], r["end"], r["product"])
        if key not in seen:
            seen.add(key)
            unique.append(r)
    out.rels["SUPPLIES"] = unique
    as_of = dt.date(2026, 11, 1)
    out.rels["HOLDS"] = [
        {
            "start": eid[producers[i][0]],
            "end": pid[i],
            "as_of": as_of,
            "props": {
                "stock": float(rng.integers(0, 500)),
                "daily_use": float(rng.integers(1, 50)),
            },
        }
        for i in range(total)
        if producers[i] and rng.random() < 0.2
    ]
    return out


def to_raw(s: Synthetic) -> Any:
    """The same graph as a RawGraph, without the engine (for quick algorithm timings)."""
    from kg.analysis.projection import RawGraph

    def rel(name: str) -> list[dict[str, Any]]:
        return s.rels.get(name, [])

    return RawGraph(
        products=[
            (
                p["key"],
                p["props"]["name"],
                p["props"]["category"],
                p["props"].get("demand_per_day"),
                p["props"].get("lead_time_days"),
                p["props"].get("unit"),
            )
            for p in s.products
        ],
        enterprises=[(e["key"], e["props"]["name"]) for e in s.enterprises],
        regions=[(r["key"], r["props"]["name"], r["props"]["level"]) for r in s.regions],
        chains=[(c["key"], c["props"]["name"]) for c in s.chains],
        bom=[
            (r["start"], r["end"], r["props"]["qty_per_unit"], r["props"].get("alt_group"))
            for r in rel("INPUT_TO")
        ],
        produces=[
            (r["start"], r["end"], r["props"]["capacity_per_day"], None) for r in rel("PRODUCES")
        ],
        located=[(r["start"], r["end"]) for r in rel("LOCATED_IN")],
        part_of=[(r["start"], r["end"]) for r in rel("PART_OF")],
        owned=[(r["start"], r["end"], r["props"]["share"]) for r in rel("OWNED_BY")],
        in_chain=[(r["start"], r["end"], r["props"]["stage"]) for r in rel("IN_CHAIN")],
        supplies=[
            (r["start"], r["end"], r["product"], r["props"]["share"], None) for r in rel("SUPPLIES")
        ],
        holds=[
            (r["start"], r["end"], r["as_of"], r["props"]["stock"], r["props"]["daily_use"])
            for r in rel("HOLDS")
        ],
    )
