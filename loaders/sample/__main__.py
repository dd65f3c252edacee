"""python -m loaders.sample [--out DIR] [--scale N] [--seed S] [--check]

Writes the sample data set (default: the files shipped in loaders/sample/data). --check
compares the shipped files with a fresh generation and exits 1 if they differ.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from loaders.sample.generate import DATA_DIR, DEFAULT_SEED, differences, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders.sample", description=__doc__)
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="directory to write to")
    parser.add_argument("--scale", type=int, default=1, help="multiplies fillers and links")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    if args.check:
        changed = differences(args.out, args.scale, args.seed)
        if changed:
            print(
                f"{args.out}: differs from a fresh generation: {', '.join(changed)}; "
                "regenerate with python -m loaders.sample",
                file=sys.stderr,
            )
            return 1
        print(f"{args.out}: up to date")
        return 0
    manifest = generate(args.out, args.scale, args.seed)
    counts = ", ".join(f"{n} {name.removesuffix('.csv')}" for name, n in manifest.files.items())
    print(f"wrote {args.out}: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
