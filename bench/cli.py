"""Command-line start-up: `supplymap --help` and a tier-3 lookup on the sample, wall time.

    supplymap demo                  # once: the sample in database `demo`, the engine running
    python bench/cli.py [--database demo] [--id 91321100MAHJ8KNG01] [--runs 7]

Each command runs as a new process, as a user types it (the engine already running, so the
lookup's time is start-up, imports, one Bolt connection and the query); the table gives the
median and the fastest of the runs, and how much of it Python's imports take (-X importtime).
Targets (issue 15): --help under 0.3 s, the lookup under 1.0 s. The first row, Python
starting and doing nothing, is the floor on the machine as loaded at the time.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

EXE = Path(sys.executable).with_name("supplymap")


def _run(args: list[str], env: dict[str, str], exe: list[str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [*(exe or [str(EXE)]), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"supplymap {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    return took


def _imports(args: list[str], env: dict[str, str]) -> float:
    """Seconds of imports (the top-level modules' cumulative -X importtime figures)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from kg.cli import main; main()", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    total = 0
    for line in done.stderr.decode().splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if m and not m.group(2).startswith(" "):
            total += int(m.group(1))
    return total / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="demo")
    parser.add_argument("--id", default="91321100MAHJ8KNG01", help="an enterprise of the sample")
    parser.add_argument("--runs", type=int, default=7)
    opts = parser.parse_args()
    env = dict(os.environ)
    cases = [
        ("supplymap --help", ["--help"], 0.3),
        (
            f"supplymap suppliers {opts.id} --tiers 3",
            ["--database", opts.database, "suppliers", opts.id, "--tiers", "3"],
            1.0,
        ),
    ]
    _run(["--database", opts.database, "db", "status"], env)  # the engine must be up
    table = Table(title=f"command-line wall time, {opts.runs} runs (load {os.getloadavg()[0]:.1f})")
    for col in ("command", "median s", "fastest s", "imports s", "target s", "met"):
        table.add_column(col, justify="left" if col == "command" else "right")
    # the floor: the interpreter starting with the venv's site-packages, nothing imported
    floor = [_run([], env, [sys.executable, "-c", "pass"]) for _ in range(opts.runs)]
    table.add_row(
        "python -c pass (the floor)",
        f"{statistics.median(floor):.2f}",
        f"{min(floor):.2f}",
        "",
        "",
        "",
    )
    for label, args, target in cases:
        times = [_run(args, env) for _ in range(opts.runs)]
        imports = _imports(args, env)
        best = min(times)
        table.add_row(
            label,
            f"{statistics.median(times):.2f}",
            f"{best:.2f}",
            f"{imports:.2f}",
            f"{target:.1f}",
            "yes" if statistics.median(times) < target else "no",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
