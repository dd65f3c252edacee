"""Monitoring speed: warnings with their cascade, write-back, stockpiles and allocation.

    python bench/monitor.py --products 2000 --enterprises 3000 --history 4

Generates a layered synthetic chain (fixed seed): raw materials, materials, two tiers of
components and final products; each product made from 2-4 inputs of the tier above (some
pairs substitutes in an alt_group) by 1-3 producers; every producer holding each input it
needs, with ``--history`` weekly inventory snapshots (only the latest is current); demand
areas for the final products; reserves for some products. Loads it through the pipeline into
a throwaway database on the local engine (or the empty database of SUPPLYMAP_NEO4J_URI, wiped
afterwards), then times each monitoring step and prints a table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import engine_label, scratch_graph

from kg.connection import Graph
from kg.monitor import (
    allocate,
    evaluate,
    load_rules,
    read_snapshots,
    stockpile_report,
    write_warnings,
)
from kg.settings import Settings
from loaders.pipeline import Loader, LoadOptions

AT = dt.date(2024, 6, 30)
TIERS = (
    ("raw material", 0.10),
    ("material", 0.15),
    ("component", 0.35),
    ("component", 0.25),
    ("final", 0.15),
)


def make_files(
    folder: Path, n_products: int, n_enterprises: int, history: int, seed: int
) -> list[Path]:
    rng = random.Random(seed)
    tiers: list[list[str]] = []
    products = []
    for t, (category, share) in enumerate(TIERS):
        ids = [f"T{t}-{i:05d}" for i in range(max(2, int(n_products * share)))]
        tiers.append(ids)
        products += [(p, f"Product {p}", category, "bench") for p in ids]
    enterprises = [f"E{i:06d}" for i in range(n_enterprises)]
    bom = []
    for t in range(1, len(TIERS)):
        for p in tiers[t]:
            inputs = rng.sample(tiers[t - 1], k=min(len(tiers[t - 1]), rng.randint(2, 4)))
            alt = rng.random() < 0.15
            for i, x in enumerate(inputs):
                bom.append((x, p, round(rng.uniform(0.1, 5), 3), "alt" if alt and i < 2 else None))
    inputs_of: dict[str, list[str]] = {}
    for x, p, _, _ in bom:
        inputs_of.setdefault(p, []).append(x)
    capacity, inventory = [], []
    for tier in tiers:
        for p in tier:
            for e in rng.sample(enterprises, k=rng.randint(1, 3)):
                cap = rng.uniform(50, 5000)
                as_of = AT - dt.timedelta(days=rng.randint(0, 60))
                capacity.append((e, p, round(cap, 1), round(cap * rng.uniform(0.5, 1), 1), as_of))
                for x in inputs_of.get(p, []):
                    use = round(rng.uniform(1, 500), 1)
                    cover = rng.uniform(0.5, 60)
                    for week in range(history):
                        day = AT - dt.timedelta(days=2 + 7 * week)
                        stock = round(use * cover * rng.uniform(0.7, 1.3), 1)
                        inventory.append((e, x, stock, use, day))
    inventory = list({(e, x, d): (e, x, s, u, d) for e, x, s, u, d in inventory}.values())
    areas = [f"A{i:04d}" for i in range(200)]
    demand = [
        (a, p, rng.randint(1, 4), round(rng.uniform(1, 100), 1), AT - dt.timedelta(days=3))
        for p in tiers[-1][:50]
        for a in rng.sample(areas, k=40)
    ]
    reserves = enterprises[:50]
    stockpiles = [
        (r, p, round(rng.uniform(0, 1e4), 1), round(rng.uniform(1e3, 1e4), 1), AT)
        for r in reserves
        for p in rng.sample(tiers[0] + tiers[-1], k=20)
    ]
    frames = {
        "chains": pd.DataFrame([("bench", "Bench chain")], columns=["id", "name"]),
        "enterprises": pd.DataFrame({"id": enterprises, "name": enterprises}),
        "products": pd.DataFrame(products, columns=["id", "name", "category", "chain"]),
        "bom": pd.DataFrame(bom, columns=["input", "output", "qty_per_unit", "alt_group"]),
        "capacity": pd.DataFrame(
            capacity,
            columns=["enterprise", "product", "capacity_per_day", "output_per_day", "as_of"],
        ),
        "inventory": pd.DataFrame(
            inventory, columns=["holder", "product", "stock", "daily_use", "as_of"]
        ),
        "demand": pd.DataFrame(
            demand, columns=["area", "product", "priority", "daily_demand", "as_of"]
        ),
        "stockpiles": pd.DataFrame(
            stockpiles, columns=["reserve", "product", "stock", "target", "as_of"]
        ),
    }
    paths = []
    for name, frame in frames.items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--enterprises", type=int, default=3000)
    parser.add_argument("--history", type=int, default=4, help="inventory snapshots per holding")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    settings = Settings()
    console = Console()
    with tempfile.TemporaryDirectory() as tmp, Graph.from_settings(settings) as base:
        engine = engine_label(base, settings)
        files = make_files(Path(tmp), args.products, args.enterprises, args.history, args.seed)
        with scratch_graph(settings, base, "bench") as graph:
            reports, t_load = timed(
                lambda: Loader(graph).load_files(files, LoadOptions(force=True))
            )
            assert all(r.status == "completed" for r in reports), [r.message for r in reports]
            rows = {Path(r.file).stem: r.rows_read for r in reports}
            rules = load_rules()
            snap, t_read = timed(lambda: read_snapshots(graph, AT))
            report, t_eval = timed(lambda: evaluate(snap, rules))
            summary, t_write = timed(lambda: write_warnings(graph, report, settings.batch_size))
            _, t_rewrite = timed(lambda: write_warnings(graph, report, settings.batch_size))
            piles, t_piles = timed(lambda: stockpile_report(graph, AT))
            product = sorted({p for _, p in snap.demand})[0]
            alloc, t_alloc = timed(lambda: allocate(graph, product, at=AT))
    cascade = sum(1 for w in report.warnings if w.rule == "cascade")
    table = Table(
        title=f"monitoring: {len(snap.products):,} products, {len(snap.bom):,} BOM edges, "
        f"{len(snap.capacity):,} producers, {len(snap.holdings):,} current holdings "
        f"({rows['inventory']:,} snapshots)",
        caption=f"engine: {engine}",
    )
    for col in ("step", "what", "seconds"):
        table.add_column(col, justify="right" if col == "seconds" else "left")
    table.add_row("load", f"{sum(rows.values()):,} rows in {len(files)} files", f"{t_load:.1f}")
    table.add_row("read projection", "every current snapshot, BOM, capacity", f"{t_read:.2f}")
    table.add_row(
        "evaluate rules + cascade",
        f"{len(report.warnings) - cascade:,} rule warnings, {cascade:,} cascade",
        f"{t_eval:.2f}",
    )
    table.add_row(
        "write back (first run)",
        f"{summary.products:,} products, {summary.enterprises:,} enterprises, "
        f"{summary.holdings:,} HOLDS",
        f"{t_write:.2f}",
    )
    table.add_row("write back (again, clearing the first)", "same", f"{t_rewrite:.2f}")
    table.add_row("stockpile report", f"{len(piles.reserves):,} reserve holdings", f"{t_piles:.2f}")
    table.add_row("allocate one product", f"{len(alloc.areas)} areas", f"{t_alloc:.2f}")
    console.print(table)


if __name__ == "__main__":
    main()
