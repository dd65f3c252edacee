"""The client side of `supplymap load --bulk` alone: CPU seconds a row, and digests of all it made.

    python bench/bulk_client.py --sizes 100000 1000000
    python bench/bulk_client.py --sizes 100000 --digest

The files are those of `bench/load.py --bulk` (a quarter enterprises, the rest supply links,
fixed seed; kept in --files between runs, made once), loaded in one command as
`supplymap load --bulk products.csv enterprises.csv supplies.csv` with the local engine's
writer whose import lines are made and then dropped (bench/load.py --cases client): read,
validate, check references, fold and write the lines. Prints, per size, this process's CPU
seconds for the command and a row, the wall seconds, the pipeline's steps (read+validate,
fold, writer) and the load average before and after.

--digest (meant for 100k: it makes every record as a dict too) also writes Neo4j's import
CSV files for each load (loaders/bulk_neo4j.py write_files) and prints SHA-256 digests of:
the ArcadeDB import lines (every request's query and body), the Neo4j CSV files (names,
arguments and contents), the folded records (every type's records as dicts, in order), the
rejects (file, line, column, value, reason) and the rejects files, and the (:Load) records.
The clock and the load ids are fixed for the run, so two runs on the same code print the same
digests: run it before and after a change of the client's code to show it makes the same
bytes. With --dirty a few bad rows are added to the files first (a repeated key, a value out
of its choices, a blank required name, an unknown end, a text for a number, a share above 1,
a self-supply, a repeated link) and the load skips them (--on-error skip).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import scratch_graph
from load import LinesDropped, make_files

from kg.connection import Graph
from kg.settings import Settings
from loaders import pipeline
from loaders.bulk import Folded
from loaders.bulk_neo4j import NodeIds, write_files
from loaders.pipeline import Loader, LoadOptions

CLOCK = dt.datetime(2026, 12, 4, 1, 2, 3, 456789, tzinfo=dt.UTC)


class _Ids:
    """uuid.uuid4() for the pipeline's load ids: the same sequence in every run."""

    def __init__(self) -> None:
        self.count = itertools.count()

    def uuid4(self) -> Any:
        return type("U", (), {"hex": f"{next(self.count):032x}"})()


class Digests(LinesDropped):
    """LinesDropped that hashes its lines, and writes and hashes Neo4j's CSV files too."""

    def __init__(self, database: str, folder: Path) -> None:
        super().__init__(None, database, request_bytes=256 << 20)  # type: ignore[arg-type]
        self.folder = folder
        self.lines = hashlib.sha256()
        self.csv = hashlib.sha256()
        self.records = hashlib.sha256()
        self.loads = 0
        self.ids = NodeIds()  # one numbering for the command's files, as Neo4jBulkWriter

    def _import(self, client: Any, lines: Any, query: str, sent: Any) -> Any:
        self.lines.update(query.encode() + b"\0")

        def hashed() -> Iterator[tuple[bytes, int]]:
            for piece, n in lines:
                self.lines.update(piece)
                yield piece, n

        return super()._import(client, hashed(), query, sent)

    def write(self, folded: Folded, progress: Any) -> None:
        super().write(folded, progress)
        folder = self.folder / f"load-{self.loads}"
        self.loads += 1
        files = write_files(folded, folder, self.ids)
        self.csv.update(orjson.dumps([a.replace(str(folder), "") for a in files.args]))
        self.csv.update(orjson.dumps([files.nodes, files.rels, files.multiline]))
        for path in sorted(folder.iterdir()):
            self.csv.update(path.name.encode() + b"\0" + path.read_bytes())
        for nt, nodes in folded.nodes.items():
            self.records.update(orjson.dumps([nt.label, [[k, nodes[k]] for k in nodes]]))
        for rt, rels in folded.rels.items():
            body = [[list(k), e.start, e.end, e.props] for k, e in rels.items()]
            self.records.update(orjson.dumps([rt.type, body]))
        self.records.update(orjson.dumps(folded.written))


def dirty(files: tuple[Path, Path, Path]) -> None:
    """A few bad rows at the ends of the enterprises and supplies files."""
    with files[0].open("a") as out:
        out.write("E0000001,Again,small,wire\n")  # repeats a key
        out.write("X1,Bad scale,huge,wire\n")  # not one of the choices
        out.write("X2,,small,wire\n")  # a blank required name
        out.write('X3,"Quoted ""name"", with \\ slash",medium,"resin;wire"\n')
    with files[2].open("a") as out:
        out.write("E0000001,NOPE,P1,0.5,10\n")  # an unknown customer
        out.write("E0000001,E0000002,P2,abc,10\n")  # a text for a number
        out.write("E0000001,E0000002,P3,2.0,10\n")  # a share above 1
        out.write("E0000003,E0000003,P1,0.1,10\n")  # supplies itself
        out.write("X3,E0000002,P4,0.25,\n")  # the quoted enterprise, no volume
        out.write("X1,E0000002,P4,0.25,5\n")  # a rejected end: rejected too


def run(
    graph: Graph, files: tuple[Path, Path, Path], digest: Path | None
) -> tuple[dict[str, float], dict[str, str]]:
    writer: LinesDropped
    if digest is not None:
        writer = Digests(graph.database, digest)
    else:
        writer = LinesDropped(None, graph.database, request_bytes=256 << 20)  # type: ignore[arg-type]
    saved: list[dict[str, Any]] = []
    loader = Loader(graph, bulk=writer)
    save = loader._save_load

    def save_load(load_id: str, props: dict[str, Any]) -> None:
        saved.append({"id": load_id, **{k: v for k, v in props.items() if k != "pid"}})
        save(load_id, props)

    loader._save_load = save_load  # type: ignore[method-assign]
    options = LoadOptions(force=True, bulk=True, on_error="skip")
    clock, cpu = time.perf_counter(), time.process_time()
    reports = loader.load_files([files[1], files[0], files[2]], options)
    out = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - clock}
    assert [r.status for r in reports] == ["completed"] * 3, [r.message for r in reports]
    for step in ("read", "transform", "validate", "write"):
        out[step] = sum(r.timings.get(step, 0.0) for r in reports)
    sums: dict[str, str] = {}
    if isinstance(writer, Digests):
        rejects = hashlib.sha256()
        for r in reports:
            rejects.update(
                orjson.dumps([[x.file, x.line, x.column, x.value, x.reason] for x in r.rejects])
            )
            rejects.update(orjson.dumps([r.rows_read, r.rows_rejected, r.written, r.notes]))
            if r.rejects_file:
                rejects.update(Path(r.rejects_file).read_bytes())
        loads = orjson.dumps(saved, default=str, option=orjson.OPT_SORT_KEYS)
        sums = {
            "ArcadeDB import lines": writer.lines.hexdigest(),
            "Neo4j import CSV files": writer.csv.hexdigest(),
            "folded records": writer.records.hexdigest(),
            "rejects": rejects.hexdigest(),
            "(:Load) records": hashlib.sha256(loads).hexdigest(),
        }
    return out, sums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--files", type=Path, default=Path(tempfile.gettempdir()) / "bulk-client")
    parser.add_argument("--digest", action="store_true", help="print digests of all it made")
    parser.add_argument("--dirty", action="store_true", help="add a few bad rows to the files")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    settings = Settings()
    if args.digest:
        pipeline._now = lambda: CLOCK
        pipeline.uuid = _Ids()  # type: ignore[attr-defined,assignment]
    with Graph.from_settings(settings) as base:
        for size in args.sizes:
            folder = args.files / f"{size}{'-dirty' if args.dirty else ''}"
            names = ("enterprises.csv", "products.csv", "supplies.csv")
            files: tuple[Path, Path, Path] = tuple(folder / n for n in names)
            if not all(f.exists() for f in files):
                folder.mkdir(parents=True, exist_ok=True)
                n = max(size // 4, 2)
                made = make_files(folder, n, size - n, args.seed)
                assert made == files
                if args.dirty:
                    dirty(files)
            before = Path("/proc/loadavg").read_text().split()[0]
            with (
                tempfile.TemporaryDirectory() as tmp,
                scratch_graph(settings, base, "client") as graph,
            ):
                figures, sums = run(graph, files, Path(tmp) if args.digest else None)
            after = Path("/proc/loadavg").read_text().split()[0]
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            steps = ", ".join(f"{k} {v:.2f} s" for k, v in figures.items() if k != "cpu")
            print(
                f"{size:,} rows: client CPU {figures['cpu']:.2f} s "
                f"({figures['cpu'] / size * 1e6:.2f} µs a row); {steps}; "
                f"peak {peak:,.0f} MiB; load average {before} -> {after}"
            )
            for what, value in sums.items():
                print(f"  {what}: sha256 {value}")


if __name__ == "__main__":
    main()
