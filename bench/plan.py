"""Benchmark planning (kg/plan) on a synthetic layered AND/OR supply graph of N relationships.

    python bench/plan.py                      # 100k and 1M relationships
    python bench/plan.py --edges 100000 --time-limit 60

The graph is built in memory (bench/synthetic.py, the same generator as bench/analyze.py) and
indexed into the analyses' projection without the engine (reading 1M relationships from the
engine takes about as long as bench/analyze.py reports). Steps: the analyses' context and
capacity model; the joint-capacity LP (build and solve, demand-share objective; stage 2 with
the time limit given, out of it the outputs are stage 1's and the table says so); the
resumption white list after a lockdown of one province (a MILP, HiGHS time limit as given;
its normal output is the joint plan just solved); ramp-up over a few days with every
product's unused capacity coming online. Each size runs in a process of its own; peak memory
is the process's peak resident set (HiGHS included); CPU seconds are the process's (HiGHS's
threads included); load is the 1-minute load average at the start and at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

import synthetic

from kg.analysis import Context, RawGraph, from_raw
from kg.plan import Objective, PlanContext, PlanData, joint_capacity, rampup, resume


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_graph(data: synthetic.Synthetic) -> RawGraph:
    def rel(name: str, *props: str) -> list[tuple[Any, ...]]:
        return [
            (r["start"], r["end"], *(r["props"].get(p) for p in props))
            for r in data.rels.get(name, [])
        ]

    return RawGraph(
        products=[
            (
                p["key"],
                p["props"].get("name"),
                p["props"].get("category"),
                p["props"].get("demand_per_day"),
                p["props"].get("lead_time_days"),
                p["props"].get("unit"),
            )
            for p in data.products
        ],
        enterprises=[(e["key"], e["props"].get("name")) for e in data.enterprises],
        regions=[(r["key"], r["props"].get("name"), r["props"].get("level")) for r in data.regions],
        chains=[(c["key"], c["props"].get("name")) for c in data.chains],
        bom=rel("INPUT_TO", "qty_per_unit", "alt_group"),
        produces=[
            (r["start"], r["end"], r["props"].get("capacity_per_day"), None)
            for r in data.rels.get("PRODUCES", [])
        ],
        located=rel("LOCATED_IN"),
        part_of=rel("PART_OF"),
        owned=rel("OWNED_BY", "share"),
        in_chain=rel("IN_CHAIN", "stage"),
    )


def one(edges: int, seed: int, time_limit: float, days: int, stage2: float) -> dict[str, Any]:
    out: dict[str, Any] = {"edges": edges, "load": os.getloadavg()[0]}
    t = time.perf_counter()
    data = synthetic.build(edges, seed)
    proj = from_raw(raw_graph(data))
    out["relationships"] = proj.n_edges
    out["products"] = proj.n_products
    out["build s"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    ctx = Context(proj)
    ctx.capacity  # noqa: B018 - the single-product figures every plan starts from
    # today's output: 80% of capacity, so ramp-up has something to do
    pc = PlanContext(ctx, PlanData(proj.pr_cap * 0.8))
    out["context s"] = round(time.perf_counter() - t, 2)

    t, cpu = time.perf_counter(), time.process_time()
    pc.net  # noqa: B018
    rep = joint_capacity(pc, Objective.demand_share, stage2_time_limit=stage2)
    out["joint LP s"] = round(time.perf_counter() - t, 2)
    out["joint LP cpu s"] = round(time.process_time() - cpu, 2)
    out["LP vars"] = pc.net.n_vars
    out["LP rows"] = pc.net.matrix.shape[0]
    out["LP nonzeros"] = pc.net.matrix.nnz
    out["smallest share"] = float(f"{rep.smallest_share or 0.0:.4g}")
    out["peak MB after LP"] = round(rss_mb())
    out["joint note"] = "stage 2 out of time: stage 1's outputs" if rep.note else None

    t, cpu = time.perf_counter(), time.process_time()
    res = resume(pc, regions=["C0P0"], time_limit=time_limit)
    out["resume s"] = round(time.perf_counter() - t, 2)
    out["resume cpu s"] = round(time.process_time() - cpu, 2)
    # of which the MILP (HiGHS's run and building its matrix, inside the time limit)
    out["resume MILP s"] = round(res.milp_seconds, 2) if res.milp_seconds is not None else None
    out["MILP build s"] = (
        round(res.milp_build_seconds, 2) if res.milp_build_seconds is not None else None
    )
    out["stopped"] = len(res.stopped)
    out["restart"] = len(res.white_list)
    out["resume status"] = res.status
    out["MIP gap"] = res.mip_gap
    out["resume note"] = "normal from stage 1" if res.note else None
    out["peak MB after resume"] = round(rss_mb())

    t, cpu = time.perf_counter(), time.process_time()
    ramp = rampup(pc, horizon=days, rank_conversions=False, stage2_time_limit=stage2)
    out[f"rampup {days + 1} days s"] = round(time.perf_counter() - t, 2)
    out["rampup cpu s"] = round(time.process_time() - cpu, 2)
    out["peak MB after rampup"] = round(rss_mb())
    out["ramp met day"] = ramp.all_met_day
    out["ramp days stage 1 only"] = ramp.stage2_cut_days or None
    out["peak MB"] = round(rss_mb())
    out["load end"] = os.getloadavg()[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edges", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument(
        "--stage2-time-limit",
        type=float,
        default=300.0,
        help="seconds for stage 2 of the joint LP (the weighted output holding the share)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = one(args.edges[0], args.seed, args.time_limit, args.days, args.stage2_time_limit)
        print(json.dumps(figures))
        return
    rows = []
    for edges in args.edges:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            "--edges",
            str(edges),
            "--seed",
            str(args.seed),
            "--time-limit",
            str(args.time_limit),
            "--days",
            str(args.days),
            "--stage2-time-limit",
            str(args.stage2_time_limit),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            raise SystemExit(done.returncode)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(str(r.get(k)) for k in keys) + " |")
    if len(rows) == 2:  # how each figure grows from the first size to the second

        def ratio(k: str) -> str:
            a, b = rows[0].get(k), rows[1].get(k)
            if isinstance(a, int | float) and isinstance(b, int | float) and a:
                return f"x{b / a:.1f}"
            return ""

        print("| ratio | " + " | ".join(ratio(k) for k in keys[1:]) + " |")


if __name__ == "__main__":
    main()
