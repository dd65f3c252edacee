"""Sample data set: generation and load time by scale.

    .venv/bin/python bench/sample.py [--scales 1,2,5,10] [--no-load]

For each scale: rows written, seconds to generate, seconds to load every file through the
real pipeline into a fresh database of the local engine, or into the empty database of
SUPPLYMAP_NEO4J_URI (wiped after each scale). Prints one table and the engine it measured.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import engine_label, scratch_graph

from kg.connection import Graph
from kg.settings import Settings
from loaders.kinds import KINDS
from loaders.pipeline import Loader, LoadOptions
from loaders.sample import generate, sample_files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1,2,5,10")
    parser.add_argument("--no-load", action="store_true", help="time generation only")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    monitoring = "stockpiles" in KINDS and "demand" in KINDS
    work = Path(tempfile.mkdtemp(prefix="supplymap-bench-sample-"))
    settings = Settings()
    engine = "none (--no-load)"
    rows = []
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        base = None if args.no_load else stack.enter_context(Graph.from_settings(settings))
        if base is not None:
            engine = engine_label(base, settings)
        for scale in scales:
            out = work / f"scale{scale}"
            started = time.perf_counter()
            manifest = generate(out, scale=scale)
            gen = time.perf_counter() - started
            load = None
            if base is not None:
                with scratch_graph(settings, base, f"s{scale}") as graph:
                    started = time.perf_counter()
                    reports = Loader(graph).load_files(
                        sample_files(out, monitoring=monitoring), LoadOptions()
                    )
                    load = time.perf_counter() - started
                    bad = [r for r in reports if r.status != "completed" or r.rows_rejected]
                    if bad:
                        raise SystemExit(f"scale {scale}: {bad[0].file}: {bad[0].message}")
            files = manifest.files
            rows.append(
                (
                    scale,
                    files["enterprises.csv"],
                    files["supplies.csv"],
                    sum(files.values()),
                    gen,
                    load,
                )
            )
    print(f"engine: {engine}")
    header = ("scale", "enterprises", "supplies", "rows", "generate s", "load s")
    print(" | ".join(f"{h:>11}" for h in header))
    for scale, ents, links, total, gen, load in rows:
        loaded = f"{load:11.1f}" if load is not None else f"{'-':>11}"
        print(f"{scale:>11} | {ents:>11} | {links:>11} | {total:>11} | {gen:11.2f} | {loaded}")
    if not monitoring:
        print("(stockpiles and demand not loaded: their kinds are not in this checkout)")


if __name__ == "__main__":
    main()
