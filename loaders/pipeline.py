"""One load: read -> map -> validate -> write, with a (:Load) record of what happened.

``--on-error abort`` (the default) writes nothing from a file with any rejected row;
``--on-error skip`` writes the good rows. Both write the rejects CSV. Writes are batched
UNWIND MERGE statements in managed transactions, so a re-run changes nothing; a repeat of a
completed load (same file contents and options) is recognised and skipped unless forced.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import re
import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal, LiteralString, Protocol

import numpy as np
import pandas as pd
from neo4j.exceptions import DriverError, Neo4jError

from kg import model
from kg.connection import Graph, GraphUnreachableError
from kg.cypher import render
from kg.model import NodeType, RelType
from kg.schema import ensure_schema, merge_nodes, merge_rels, node_layout, rel_layout
from kg.watchdog import GraphFrozenError
from loaders.bulk import (
    BulkWrite,
    BulkWriteError,
    BulkWriter,
    CypherBulkWriter,
    Folded,
    fold,
    refuse_unless_new,
)
from loaders.cells import as_list, is_missing
from loaders.errors import LoadInputError, Problems, Reject, TableProblems, write_rejects
from loaders.kinds import KIND_ORDER, KINDS, SLUG_HINT, SLUG_PATTERN, Column, Kind, Write
from loaders.limits import Limits, check_cells, check_file
from loaders.mapping import SINGLE_INPUT, Mapping, load_mapping
from loaders.readers import LINE, ReadOptions, Table, detect_format, read_input, text_frame
from loaders.transform import OutputTable, Transform
from loaders.validate import check_references, validate_kind

OnError = Literal["abort", "skip"]
Spec = Mapping | Kind  # how a load reads its files: a mapping, or a canonical kind
PROGRESS_MIN_ROWS = 2000


class Progress(Protocol):
    def start(self, description: str, total: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def stop(self) -> None: ...


class NoProgress:
    def start(self, description: str, total: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def stop(self) -> None:
        pass


class LoadWriteError(RuntimeError):
    """A write failed part-way; the message says how far it got and how to finish."""


@dataclass
class LoadOptions:
    kind: str | None = None
    mapping: str | None = None
    chain: str | None = None
    on_error: OnError = "abort"
    rejects: Path | None = None
    source: str | None = None
    basis: str | None = None
    force: bool = False
    batch_size: int = 2000
    limits: Limits = field(default_factory=Limits)
    bulk: bool = False  # create every record through the engine's bulk path (loaders/bulk.py)


@dataclass
class OutputReport:
    """What became of the rows one output of a load took in."""

    output: str  # "<n>:<kind>", n counting the mapping's outputs from 1
    kind: str
    rows_in: int = 0
    filtered: int = 0  # dropped by the output's row filter (where): not rejects
    merged: int = 0  # folded into another row of the same record (distinct, group by)
    rejected: int = 0  # records rejected by validation
    written: int = 0  # records (nodes and links) written


@dataclass
class LoadReport:
    file: str
    load_id: str
    kinds: list[str]
    status: str  # completed, rejected, skipped, failed, not loaded
    rows_read: int = 0
    rows_rejected: int = 0
    written: dict[str, int] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[Reject] = field(default_factory=list)
    rejects_file: str | None = None
    notes: list[str] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    outputs: list[OutputReport] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step

    @property
    def rows_written(self) -> int:
        return sum(self.written.values())

    @property
    def rows_filtered(self) -> int:
        return sum(o.filtered for o in self.outputs)

    @property
    def rows_merged(self) -> int:
        return sum(o.merged for o in self.outputs)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def infer_kind(path: Path) -> str:
    """The kind named by the file name: enterprises.csv, bom-2024.xlsx, capacity_q3.json..."""
    stem = path.stem.lower()
    aliases = {
        "enterprise": "enterprises",
        "product": "products",
        "region": "regions",
        "chain": "chains",
        "supply": "supplies",
        "stock": "inventory",
        "key_enterprise": "key_enterprises",
        "key-enterprises": "key_enterprises",
    }
    candidates = sorted([*KINDS, *aliases], key=len, reverse=True)
    for name in candidates:
        if stem == name or stem.startswith((name + "_", name + "-", name + ".")):
            return aliases.get(name, name)
    raise LoadInputError(
        f"{path}: cannot tell what kind of data this file holds from its name; name the kind "
        f"with --kind ({', '.join(KINDS)}) or give a --mapping"
    )


_FIND_REPEAT = (
    "MATCH (l:Load {sha256: $sha256}) WHERE l.status = 'completed' AND l.options = $options "
    "RETURN l.id AS id, l.ended_at AS ended_at ORDER BY l.ended_at DESC LIMIT 1"
)
_SAVE_LOAD = "MERGE (l:Load {id: $id}) SET l += $props"
_SAVE_PROGRESS = "MATCH (l:Load {id: $id}) WHERE l.status = 'running' SET l.rows_written = $n"
_RUNNING = (
    "MATCH (l:Load) WHERE l.status = 'running' "
    "RETURN l.id AS id, l.pid AS pid, l.host AS host, l.rows_written AS done, "
    "l.rows_total AS total"
)
_INTERRUPT = (
    "MATCH (l:Load {id: $id}) WHERE l.status = 'running' "
    "SET l.status = 'interrupted', l.ended_at = $ended_at, l.message = $message "
    "RETURN l.id AS id"
)
# How far an interrupted load got: what carries its load id (its record is not counted).
_TAGGED_NODES = "MATCH (n) WHERE n.load_id = $id AND NOT n:Load RETURN count(n) AS n"
_TAGGED_RELS = "MATCH ()-[r]->() WHERE r.load_id = $id RETURN count(r) AS n"
PROGRESS_RECORD_SECONDS = 2.0
_CHAIN_ID = re.compile(SLUG_PATTERN)
_ENSURE_CHAIN = (
    "MERGE (c:Chain {id: $id}) ON CREATE SET c.name = $id, c.source = $source, "
    "c.load_id = $load_id, c.loaded_at = $loaded_at, c.basis = $basis"
)


class Loader:
    """Loads files into one graph; reports every file, never raises for bad rows."""

    def __init__(
        self, graph: Graph, progress: Progress | None = None, bulk: BulkWriter | None = None
    ) -> None:
        self.graph = graph
        self.progress = progress or NoProgress()
        self.bulk = bulk  # for --bulk; CREATE statements over Bolt when not given
        self._bulk_sent = 0  # records a bulk write has sent so far
        self._schema_ready = False
        self._in_command = False  # within load_files (or a load_file called by itself)
        self._progress_record: tuple[str, float] | None = None
        # Keys this loader has written: later files of the same command need no lookup.
        self._written_keys: dict[NodeType, set[str]] = {}

    # ---- planning ------------------------------------------------------------------------

    def plan(self, paths: Sequence[Path], options: LoadOptions) -> list[tuple[list[Path], Spec]]:
        """Group the files into loads and order them so referenced kinds go first.

        Without a mapping, or with a mapping of one input, each file is a load of its own.
        A mapping that names several inputs takes its files together, one per input (matched
        by the inputs' file-name patterns): one load.
        """
        plan: list[tuple[list[Path], Spec]] = []
        mapping = load_mapping(options.mapping) if options.mapping else None
        if options.kind and options.kind not in KINDS:
            raise LoadInputError(f"unknown kind {options.kind!r}; kinds are {', '.join(KINDS)}")
        missing = [p for p in paths if not p.exists()]
        if missing:
            raise LoadInputError(f"{missing[0]}: no such file")
        if mapping is not None and mapping.inputs:
            plan.append((list(assign_inputs(mapping, paths).values()), mapping))
        for path in paths:
            if mapping is not None:
                if not mapping.inputs:
                    plan.append(([path], mapping))
            else:
                plan.append(([path], KINDS[options.kind or infer_kind(path)]))

        def order(item: tuple[list[Path], Spec]) -> int:
            spec = item[1]
            first = spec.outputs[0].kind if isinstance(spec, Mapping) else spec.name
            return KIND_ORDER.index(first)

        return sorted(plan, key=order)

    def load_files(self, paths: Sequence[Path], options: LoadOptions) -> list[LoadReport]:
        plan = self.plan(paths, options)
        with self._command(options):
            return self._load_plan(plan, options)

    @contextlib.contextmanager
    def _command(self, options: LoadOptions) -> Iterator[None]:
        """One command's loads (load_files, or load_file called by itself): at its end, or
        when one fails, a bulk writer that imports once per command does it
        (_finish_bulk); the earlier files' records still go in."""
        if self._in_command:
            yield
            return
        self._in_command = True
        try:
            yield
        except Exception:
            self._in_command = False
            self._finish_bulk(options)
            raise
        self._in_command = False
        self._finish_bulk(options)

    def _finish_bulk(self, options: LoadOptions) -> None:
        """A bulk writer that imports once per command (loaders/bulk_neo4j.py) does it now."""
        finish = getattr(self.bulk, "finish", None)
        if options.bulk and finish is not None:
            try:
                finish()
            except BulkWriteError as exc:
                raise LoadWriteError(str(exc)) from exc

    def _load_plan(
        self, plan: list[tuple[list[Path], Spec]], options: LoadOptions
    ) -> list[LoadReport]:
        reports: list[LoadReport] = []
        for i, (files, spec) in enumerate(plan):
            report = self.load_file(files, spec, options)
            reports.append(report)
            if report.status in ("rejected", "failed") and options.on_error == "abort":
                for later, _ in plan[i + 1 :]:
                    reports.append(
                        LoadReport(
                            _names(later),
                            "",
                            [],
                            "not loaded",
                            message=f"not loaded because {_names(files)} was {report.status}",
                        )
                    )
                break
        return reports

    # ---- one load ------------------------------------------------------------------------

    def _read(
        self, files: list[Path], mapping: Mapping | None, report: LoadReport, limits: Limits
    ) -> tuple[dict[str, Table], dict[str, Problems], dict[str, Path]]:
        named = assign_inputs(mapping, files) if mapping else {SINGLE_INPUT: files[0]}
        frames: dict[str, Table] = {}
        problems: dict[str, Problems] = {}
        for name, path in named.items():
            read_options = mapping.read_options(name) if mapping else ReadOptions()
            problems[name] = Problems(path.name)
            if path.is_file():
                check_file(
                    path,
                    detect_format(path, read_options),
                    limits,
                    read_options.delimiter,
                    read_options.sheet,
                )
            frames[name] = check_cells(
                read_input(path, read_options, problems[name]), limits, problems[name]
            )
            report.notes.extend(read_options.notes)
            if read_options.used_encoding:
                report.encodings[path.name] = read_options.used_encoding
        return frames, problems, named

    def _transform(
        self,
        mapping: Mapping | None,
        spec: Spec,
        raw: dict[str, Table],
        problems: dict[str, Problems],
        named: dict[str, Path],
        chain: str | None,
    ) -> list[OutputTable]:
        if mapping is None:
            frame = text_frame(raw[SINGLE_INPUT])
            assert isinstance(spec, Kind)
            return [OutputTable(0, spec.name, frame, [], [], SINGLE_INPUT, rows_in=len(frame))]
        first = named[mapping.input_names()[0]]
        context = {"file_stem": first.stem, **({"chain": chain} if chain else {})}
        transform = Transform(mapping, context)
        try:
            for name, frame in raw.items():
                transform.add_input(name, frame, named[name].stem)
            return transform.run(problems)
        finally:
            transform.close()

    def load_file(self, files: list[Path] | Path, spec: Spec, options: LoadOptions) -> LoadReport:
        """One load: the file (or a mapping's input files) read, mapped, checked and written.

        Called by itself rather than through load_files, it is a command of its own: its
        records are all in the graph when it returns (a bulk writer's import included)."""
        with self._command(options):
            return self._load_file(files, spec, options)

    def _load_file(self, files: list[Path] | Path, spec: Spec, options: LoadOptions) -> LoadReport:
        files = [files] if isinstance(files, Path) else files
        started = _now()
        load_id = f"L{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        mapping = spec if isinstance(spec, Mapping) else None
        kind_names = [o.kind for o in mapping.outputs] if mapping else [spec.name]
        report = LoadReport(_names(files), load_id, kind_names, "running")
        clock = time.perf_counter()
        with ThreadPoolExecutor(1) as pool:
            # hashlib lets go of the GIL: the contents are hashed while they are read.
            digest = pool.submit(_sha256_all, files)
            raw, all_problems, named = self._read(files, mapping, report, options.limits)
            sha256 = digest.result()
        first = files[0]
        chain = options.chain or (mapping.chain_for(first) if mapping else None)
        _check_chain(first, chain, given=options.chain is not None)
        source = options.source or (mapping.source if mapping and mapping.source else first.name)
        basis = options.basis or (mapping.basis if mapping and mapping.basis else None)
        option_key = json.dumps(
            {
                "kinds": kind_names,
                # A repeat is the same contents through the same mapping, whatever its name.
                "mapping": mapping.digest if mapping else None,
                "chain": chain,
                "on_error": options.on_error,
                "source": source,
                "basis": basis,
            },
            sort_keys=True,
        )
        report.rows_read = sum(len(f) for f in raw.values()) + sum(
            len(p.bad_lines) for p in all_problems.values()
        )

        self._ensure_schema()
        if not options.force:
            repeat = self.graph.query(_FIND_REPEAT, {"sha256": sha256, "options": option_key})
            if repeat:
                report.status = "skipped"
                report.load_id = repeat[0]["id"]
                report.message = (
                    f"already loaded by {repeat[0]['id']} with the same contents and mapping; "
                    "nothing to do (use --force to load it again)"
                )
                return report

        report.timings["read"] = time.perf_counter() - clock
        clock = time.perf_counter()
        tables = self._transform(mapping, spec, raw, all_problems, named, chain)
        report.timings["transform"] = time.perf_counter() - clock
        clock = time.perf_counter()
        self._apply_chain([(t.kind, t.frame) for t in tables], chain, report)
        frames: dict[str, tuple[Kind, pd.DataFrame, TableProblems]] = {}
        side: dict[str, pd.DataFrame] = {}
        for table in tables:
            kind = _with_identity(KINDS[table.kind], table.identity)
            checks = TableProblems(
                all_problems[table.input], table.frame[LINE].astype("int64").tolist()
            )
            frames[table.label] = (kind, validate_kind(table.frame, kind, checks), checks)
            side[table.label] = table.frame[table.properties].reset_index(drop=True)
        extra = {model.CHAIN: {chain}} if chain else None
        check_references(frames, self._lookup_keys, extra)

        problems = [all_problems[name] for name in named]
        file_level = any(p.file_level for p in problems)
        report.rejects = [r for p in problems for r in p.rejects]
        report.warnings = [w for p in problems for w in p.warnings]
        report.rows_rejected = (
            report.rows_read if file_level else sum(len(p.bad_lines) for p in problems)
        )
        for table in tables:
            _, typed, checks = frames[table.label]
            report.outputs.append(
                OutputReport(
                    table.label,
                    table.kind,
                    rows_in=table.rows_in,
                    filtered=table.filtered,
                    merged=table.merged,
                    rejected=len(table.frame) if file_level else len(checks.bad_rows),
                )
            )
        if report.rejects:
            report.rejects_file = str(self._write_rejects(first, options, report.rejects))
        report.timings["validate"] = time.perf_counter() - clock

        load_props: dict[str, Any] = {
            "file": " + ".join(str(p.resolve()) for p in files),
            "sha256": sha256,
            "kind": "+".join(kind_names),
            "mapping": mapping.name if mapping else None,
            "chain": chain,
            "options": option_key,
            "rows_read": report.rows_read,
            "rows_rejected": report.rows_rejected,
            "started_at": started,
        }
        if report.rejects and (options.on_error == "abort" or file_level):
            report.status = "rejected"
            report.message = (
                f"{report.rows_rejected} of {report.rows_read} rows rejected; nothing from "
                f"{'these files' if len(files) > 1 else 'this file'} was written (fix the rows "
                "listed in the rejects file, or use --on-error skip to load the good rows)"
            )
            self._save_load(
                load_id,
                {
                    **load_props,
                    "rows_written": 0,
                    "status": "rejected",
                    "ended_at": _now(),
                    "message": report.message,
                },
            )
            return report

        clock = time.perf_counter()
        writes: list[Planned] = []
        for table in tables:
            kind, typed, checks = frames[table.label]
            bad = sorted(checks.bad_rows)
            good = typed.drop(index=bad) if bad else typed
            props = side[table.label].drop(index=bad) if bad else side[table.label]
            built = KINDS[table.kind].build(good)
            ids = tuple(table.identity)
            # The output's own properties join its main record's rows when they are written
            # (on the worker thread of _write_all, or before a bulk fold).
            own = props if table.properties else None
            writes.extend(
                Planned(table.label, table.kind, w, ids if i == 0 else (), own if i == 0 else None)
                for i, w in enumerate(built)
            )
        # Every node before any relationship: a link may end at a node another output makes.
        writes.sort(key=lambda item: not isinstance(item.write.target, NodeType))
        total = sum(len(p.write) for p in writes)
        provenance = {
            "source": source,
            "load_id": load_id,
            "loaded_at": started,
        }
        load_props["rows_total"] = total
        folded = (
            self._fold(writes, provenance, basis, chain, _names(files)) if options.bulk else None
        )
        self._save_load(
            load_id,
            {**load_props, "status": "running", "pid": os.getpid(), "host": socket.gethostname()},
        )
        self._progress_record = (load_id, time.monotonic())
        try:
            if folded is not None:
                self._write_bulk(folded, writes, report)
            else:
                if chain:
                    self.graph.write(
                        _ENSURE_CHAIN, {"id": chain, **provenance, "basis": basis or "declared"}
                    )
                self._write_all(writes, total, provenance, basis, options, report)
        except BaseException as exc:
            # A bulk write is not one transaction either: the ordinary path merges into what
            # it created.
            rerun = "re-run the same command" + (" without --bulk" if folded else "")
            if folded is not None:
                report.notes.append(f"about {self._bulk_sent:,} records reached the engine")
            self._fail(load_id, load_props, report, total, exc, rerun)
            if isinstance(exc, Exception):
                raise LoadWriteError(report.message) from exc
            raise
        finally:
            self._progress_record = None
        report.timings["write"] = time.perf_counter() - clock
        report.status = "completed"
        report.message = _completed_message(report)
        report.seconds = (_now() - started).total_seconds()
        record = {
            **load_props,
            "rows_written": report.rows_written,
            "status": "completed",
            "ended_at": _now(),
            "message": report.message,
        }
        # A bulk writer that imports at the end of the command saves it then (bulk_neo4j.py).
        later = getattr(self.bulk, "complete_later", None)
        if folded is None or later is None or not later(load_id, record):
            self._save_load(load_id, record)
        return report

    # ---- helpers -------------------------------------------------------------------------

    def _lookup_keys(self, nt: NodeType, keys: set[str]) -> set[str]:
        """Which of ``keys`` exist as nodes of ``nt`` (this loader's own writes, or the graph)."""
        found = keys & self._written_keys.get(nt, set())
        ordered = sorted(keys - found)
        query = render(
            "UNWIND $keys AS k MATCH (n:{label} {{{key}: k}}) RETURN k",
            label=nt.label,
            key=nt.key,
        )
        for start in range(0, len(ordered), 5000):
            rows = self.graph.query(query, {"keys": ordered[start : start + 5000]})
            found.update(r["k"] for r in rows)
        return found

    def _ensure_schema(self) -> None:
        if not self._schema_ready:
            ensure_schema(self.graph)
            mark_interrupted(self.graph)
            self._schema_ready = True

    def _apply_chain(
        self, frames: list[tuple[str, pd.DataFrame]], chain: str | None, report: LoadReport
    ) -> None:
        if not chain:
            return
        used = False
        for name, df in frames:
            if name == "products":
                existing = df["chain"] if "chain" in df.columns else pd.Series([None] * len(df))
                df["chain"] = [_with_chain(v, chain) for v in existing.tolist()]
                used = True
            elif name == "key_enterprises":
                if "chain" not in df.columns:
                    df["chain"] = chain
                else:
                    df["chain"] = df["chain"].where(
                        df["chain"].notna() & (df["chain"] != ""), chain
                    )
                used = True
        if not used:
            report.notes.append(f"--chain {chain} applies to products and key_enterprises only")

    def _write_rejects(self, path: Path, options: LoadOptions, rejects: list[Reject]) -> Path:
        target = options.rejects or Path("rejects") / f"{path.stem}.rejects.csv"
        if options.rejects and target.exists() and target.stat().st_size > 0:
            # Several files in one command share the --rejects file: append.
            existing = pd.read_csv(target, dtype=str, keep_default_na=False)
            earlier = [
                Reject(r["file"], int(r["line"]), r["column"], r["value"], r["reason"])
                for r in existing.to_dict("records")
                if r["file"] != path.name
            ]
            rejects = earlier + rejects
        write_rejects(target, rejects)
        return target

    def _fail(
        self,
        load_id: str,
        load_props: dict[str, Any],
        report: LoadReport,
        total: int,
        exc: BaseException,
        rerun: str = "re-run the same command",
    ) -> None:
        """Record a write that stopped part-way: never leave the (:Load) record `running`
        (when the graph cannot be reached, the next load or `supplymap loads` marks it)."""
        done = report.rows_written
        interrupted = not isinstance(exc, Exception)  # Ctrl-C, SystemExit
        report.status = "interrupted" if interrupted else "failed"
        reason = "it was interrupted" if interrupted else f"{_describe(exc)}"
        frozen = isinstance(exc, GraphFrozenError)
        if isinstance(exc, GraphUnreachableError) or frozen:
            report.message = (
                f"the graph database stopped answering after {done} of {total} rows were "
                f"written: {reason}. The rows written so far stay in the graph: the same load "
                "run again resumes it (loads are idempotent)"
            )
        else:
            report.message = (
                f"the write failed after {done} of {total} rows: {reason}. The rows written so "
                f"far stay in the graph; {rerun} to finish (loads are idempotent, "
                "and a failed load is never taken for a completed one)"
            )
        if frozen:  # the server answers nothing: asking it again would only wait once more
            note = (
                "the (:Load) record was not updated (the server does not answer); the next "
                "load or `supplymap loads` marks it interrupted"
            )
            report.notes.append(note)
            report.message += f" ({note})"
            return
        try:
            self._save_load(
                load_id,
                {
                    **load_props,
                    "rows_written": done,
                    "status": report.status,
                    "ended_at": _now(),
                    "message": report.message,
                },
            )
        except Exception:
            note = (
                "the (:Load) record could not be updated either; the next load or "
                "`supplymap loads` marks it interrupted"
            )
            report.notes.append(note)
            report.message += f" ({note})"

    def _save_load(self, load_id: str, props: dict[str, Any]) -> None:
        clean = {k: v for k, v in props.items() if v is not None}
        self.graph.write(_SAVE_LOAD, {"id": load_id, "props": clean})

    def _write_all(
        self,
        writes: list[Planned],
        total: int,
        provenance: dict[str, Any],
        basis: str | None,
        options: LoadOptions,
        report: LoadReport,
    ) -> None:
        show = total >= PROGRESS_MIN_ROWS
        if show:
            self.progress.start(f"loading {Path(report.file).name}", total)
        per_output = {o.output: o for o in report.outputs}
        # Each write's statements and list rows are made on a worker thread while the writes
        # before it run (the driver lets go of the GIL while the engine works): the links'
        # rows are ready when the nodes are written.
        pool = ThreadPoolExecutor(1, thread_name_prefix="supplymap-rows")
        try:
            ready = [pool.submit(_statements, planned) for planned in writes]
            for planned, prepared in zip(writes, ready, strict=True):
                write = planned.write
                if not len(write):
                    continue
                target = write.target
                params = {**provenance, "basis": basis or KINDS[planned.kind].basis}
                label = target.label if isinstance(target, NodeType) else target.type
                written = 0
                for statement, rows in prepared.result():
                    written += self.graph.write_batches(
                        statement,
                        rows,
                        batch_size=options.batch_size,
                        params=params,
                        on_batch=functools.partial(self._count, report, label, show=show),
                        count_field="written",
                    )
                if planned.output in per_output:
                    per_output[planned.output].written += written
                if isinstance(target, NodeType):
                    self._written_keys.setdefault(target, set()).update(write.values("key"))
                elif written < len(write.rows):
                    report.written[label] -= len(write.rows) - written
                    report.notes.append(
                        f"{len(write.rows) - written} {label} relationships were not written: "
                        "an end node was deleted while the load ran; re-run the load"
                    )
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            if show:
                self.progress.stop()

    def _fold(
        self,
        writes: list[Planned],
        provenance: dict[str, Any],
        basis: str | None,
        chain: str | None,
        what: str,
    ) -> Folded:
        """The load's final records for --bulk; refused unless every one is new."""
        seed = None
        if chain and not self._lookup_keys(model.CHAIN, {chain}):
            props = {"id": chain, "name": chain, **provenance, "basis": basis or "declared"}
            seed = {model.CHAIN: {chain: props}}
        # A write without the output's own properties goes as its columns (no dict per row).
        bulk_writes = [
            BulkWrite(
                p.write.target,
                _rows_of(p) if p.write.frame is None or p.properties is not None else [],
                basis or KINDS[p.kind].basis,
                p.identity,
                p.write.frame if p.properties is None else None,
            )
            for p in writes
        ]
        folded = fold(bulk_writes, provenance, self._lookup_keys, seed)
        refuse_unless_new(self.graph, folded, self._lookup_keys, what)
        return folded

    def _write_bulk(self, folded: Folded, writes: list[Planned], report: LoadReport) -> None:
        writer = self.bulk or CypherBulkWriter(self.graph)
        show = folded.records >= PROGRESS_MIN_ROWS
        if show:
            self.progress.start(f"bulk loading {Path(report.file).name}", folded.records)
        self._bulk_sent = 0

        def sent(_label: str, n: int) -> None:
            self._bulk_sent += n
            if show:
                self.progress.advance(n)

        try:
            writer.write(folded, sent)
        finally:
            if show:
                self.progress.stop()
        # After the write: a writer may choose its path per load (loaders/bulk_neo4j.py).
        report.notes.append(f"bulk: {folded.records:,} records created by {writer.name}")
        per_output = {o.output: o for o in report.outputs}
        for planned, written in zip(writes, folded.written, strict=True):
            target = planned.write.target
            label = target.label if isinstance(target, NodeType) else target.type
            report.written[label] = report.written.get(label, 0) + written
            if planned.output in per_output:
                per_output[planned.output].written += written
            if isinstance(target, NodeType):
                self._written_keys.setdefault(target, set()).update(planned.write.values("key"))
            elif written < len(planned.write):
                report.notes.append(
                    f"{len(planned.write) - written} {label} relationships were not "
                    "written: an end node is neither in the load nor in the graph"
                )

    def _count(self, report: LoadReport, label: str, n: int, *, show: bool) -> None:
        report.written[label] = report.written.get(label, 0) + n
        if show:
            self.progress.advance(n)
        record = self._progress_record
        if record is not None and time.monotonic() - record[1] >= PROGRESS_RECORD_SECONDS:
            # How far the load got, for `supplymap loads` should this process die.
            self.graph.write(_SAVE_PROGRESS, {"id": record[0], "n": report.rows_written})
            self._progress_record = (record[0], time.monotonic())


@dataclass(frozen=True)
class Planned:
    """One write of a load: the output it comes from, and the link identity it adds."""

    output: str
    kind: str
    write: Write
    identity: tuple[str, ...] = ()
    # The output's own properties, row for row with write.rows (added by _rows_of).
    properties: pd.DataFrame | None = field(default=None, compare=False)


def _rows_of(planned: Planned) -> list[dict[str, Any]]:
    """The rows to write: the write's, with the output's own properties added."""
    if planned.properties is None:
        return planned.write.rows
    return _with_properties(planned.write, planned.properties).rows


def _statements(planned: Planned) -> list[tuple[LiteralString, list[list[Any]]]]:
    """A write's statements, each with its list rows (grouped by shape, links by start)."""
    target = planned.write.target
    out: list[tuple[LiteralString, list[list[Any]]]] = []
    if not planned.write.rows:
        return out
    groups = _by_shape(target, _rows_of(planned), planned.identity)
    for (shape, extra, dates), rows in groups.items():
        if isinstance(target, NodeType):
            statement = merge_nodes(target, shape, extra, dates, positional=True)
        else:
            _sort_by_start(rows)
            statement = merge_rels(target, shape, planned.identity, extra, dates, positional=True)
        out.append((statement, rows))
    return out


def _names(files: Sequence[Path]) -> str:
    return " + ".join(str(p) for p in files)


def _sha256_all(files: Sequence[Path]) -> str:
    if len(files) == 1:
        return _sha256(files[0])
    return hashlib.sha256("".join(_sha256(p) for p in files).encode()).hexdigest()


def assign_inputs(mapping: Mapping | None, files: Sequence[Path]) -> dict[str, Path]:
    """Which file each of the mapping's inputs reads (by the inputs' file-name patterns)."""
    if mapping is None or not mapping.inputs:
        return {SINGLE_INPUT: files[0]}
    named: dict[str, Path] = {}
    for path in files:
        matches = [n for n, spec in mapping.inputs.items() if fnmatch(path.name, spec.files)]
        if len(matches) != 1:
            patterns = ", ".join(f"{n}: {s.files}" for n, s in mapping.inputs.items())
            raise LoadInputError(
                f"{path}: mapping {mapping.name!r} cannot tell which input this file is "
                f"({'no' if not matches else 'more than one'} input pattern matches its name; "
                f"the inputs are {patterns}); rename the file or adjust the patterns"
            )
        if matches[0] in named:
            raise LoadInputError(
                f"{path} and {named[matches[0]]} both match input {matches[0]!r} of mapping "
                f"{mapping.name!r}; give one file per input in one command"
            )
        named[matches[0]] = path
    missing = [n for n in mapping.inputs if n not in named]
    if missing:
        raise LoadInputError(
            f"mapping {mapping.name!r} needs a file for input {', '.join(missing)} "
            f"(pattern {', '.join(mapping.inputs[n].files for n in missing)}); name it on the "
            "command line with the others"
        )
    return {n: named[n] for n in mapping.inputs}


def _with_identity(kind: Kind, identity: list[str]) -> Kind:
    """The kind with the mapping's identity properties added to its key (each required)."""
    if not identity:
        return kind
    extra = tuple(Column(n, required=True, doc="part of the link's identity") for n in identity)
    return replace(kind, columns=(*kind.columns, *extra), key=(*kind.key, *identity))


def _plain(value: Any) -> Any:
    """A cell DuckDB or pandas gave, as a value the driver sends (None when blank)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list):
        return [_plain(v) for v in value if not is_missing(v)]
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.generic):
        value = value.item()
    return None if is_missing(value) else value


def _with_properties(write: Write, props: pd.DataFrame) -> Write:
    """The output's own properties added to its main record's rows, row for row."""
    if len(write.rows) != len(props):
        raise RuntimeError("properties do not line up with the records they belong to")
    rows = [dict(row) for row in write.rows]
    for column in props.columns:
        for row, value in zip(rows, _plain_values(props[column]), strict=True):
            if value is not None and value != []:
                row[column] = value
    return Write(write.target, rows)


def _plain_values(series: pd.Series) -> list[Any]:
    """_plain of every cell, a whole column at a time where its type allows."""
    missing = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        dates = series.dt.date.tolist()
        return [None if m else d for m, d in zip(missing, dates, strict=True)]
    if series.dtype.kind in "biuf":
        values = series.tolist()  # Python ints, floats and bools
        return [None if m else v for m, v in zip(missing, values, strict=True)]
    return [_plain(v) for v in series.tolist()]


def _by_start(row: list[Any]) -> str:
    return str(row[0])


def _sort_by_start(rows: list[list[Any]]) -> None:
    """Link rows (start first) in start-node order, so each batch touches fewer index
    pages (keys are text; other keys compare as text)."""
    try:
        rows.sort(key=itemgetter(0))
    except TypeError:
        rows.sort(key=_by_start)


def _completed_message(report: LoadReport) -> str:
    parts = [f"{report.rows_read} rows read"]
    if report.rows_filtered:
        parts.append(f"{report.rows_filtered} filtered")
    if report.rows_merged:
        parts.append(f"{report.rows_merged} merged")
    if report.rows_rejected:
        parts.append(f"{report.rows_rejected} rejected and skipped")
    return f"wrote {report.rows_written} records; " + ", ".join(parts)


Shape = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _by_shape(
    target: NodeType | RelType, rows: list[dict[str, Any]], identity: tuple[str, ...] = ()
) -> dict[Shape, list[list[Any]]]:
    """Group rows by the model properties they carry, in model order (and their own ones),
    each row a list in the layout of its statement (kg.schema node_layout, rel_layout).

    Each group is written by a statement that SETs exactly those properties, so a blank
    cell never erases a value another source gave (and no slow ``SET n += map`` is needed).
    Properties a mapping adds (not in the model) come second in the shape, sorted; third,
    the properties set from a date, which the row carries as ISO text from here on (the
    statement sets ``date(r[i])``: the same value, packed ten times faster by the driver).
    Lists rather than maps: half the bytes to pack, send and read.
    """
    fixed = {"key", "start", "end", *identity}
    if isinstance(target, RelType):
        fixed.update(target.merge_keys)
        if target.current_by:
            fixed.add(target.current_by)  # compared as sent: it stays a date
    declared = [p.name for p in target.props]
    order = [n for n in declared if n not in fixed]
    known = set(declared) | fixed
    shapes: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}
    layouts: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[str, ...]] = {}
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[list[Any]]] = {}
    for row in rows:
        keys = tuple(row)
        shape = shapes.get(keys)
        if shape is None:
            own = tuple(sorted(k for k in row if k not in known))
            shape = shapes[keys] = (tuple(n for n in order if n in row), own)
            if shape not in layouts:
                layouts[shape] = (
                    node_layout(*shape)
                    if isinstance(target, NodeType)
                    else rel_layout(target, shape[0], identity, shape[1])
                )
        groups.setdefault(shape, []).append(list(map(row.get, layouts[shape])))
    out: dict[Shape, list[list[Any]]] = {}
    for shape, lists in groups.items():
        layout = layouts[shape]
        settable = [layout.index(n) for n in (*shape[0], *shape[1])]
        for dated, part in _dates_as_text(lists, settable).items():
            key = (*shape, tuple(layout[i] for i in dated))
            out.setdefault(key, []).extend(part)
    return out


def _dates_as_text(rows: list[list[Any]], fields: list[int]) -> dict[tuple[int, ...], list[Any]]:
    """Dates in the given fields of list rows turned into ISO text, in place; the rows
    grouped by the fields that held a date (one group unless a field mixes dates with
    other values). A column at a time: the type test runs in C."""
    whole: list[int] = []
    mixed: list[int] = []
    for i in fields:
        types = set(map(type, map(itemgetter(i), rows)))
        if dt.date in types:
            (whole if len(types) == 1 else mixed).append(i)
    for i in whole:
        for row in rows:
            row[i] = row[i].isoformat()
    if not mixed:
        return {tuple(whole): rows}
    groups: dict[tuple[int, ...], list[Any]] = {}
    for row in rows:
        dated = [i for i in mixed if type(row[i]) is dt.date]
        for i in dated:
            row[i] = row[i].isoformat()
        groups.setdefault(tuple(sorted((*whole, *dated))), []).append(row)
    return groups


def _describe(exc: BaseException) -> str:
    if isinstance(exc, Neo4jError | DriverError | OSError | LoadInputError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _check_chain(path: Path, chain: str | None, *, given: bool) -> None:
    if chain is None or _CHAIN_ID.match(chain):
        return
    where = "--chain" if given else f"the mapping's chain for {path.name}"
    raise LoadInputError(
        f"{where} gives the chain id {chain[:100]!r}, which is not valid: {SLUG_HINT}"
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_interrupted(graph: Graph) -> list[str]:
    """Mark `running` loads whose process is gone (same host, pid dead) `interrupted`,
    saying how far they got. Returns their ids. A load from another host is left alone."""
    host = socket.gethostname()
    marked: list[str] = []
    for row in graph.query(_RUNNING):
        pid = row.get("pid")
        if row.get("host") != host or not isinstance(pid, int) or _pid_alive(pid):
            continue
        tagged = graph.query(_TAGGED_NODES, {"id": row["id"]})[0]["n"]
        tagged += graph.query(_TAGGED_RELS, {"id": row["id"]})[0]["n"]
        done = max(row.get("done") or 0, tagged)
        total = row.get("total")
        message = (
            f"interrupted: the loading process (pid {pid} on {host}) ended after about "
            f"{done}{f' of {total}' if total is not None else ''} rows; the rows written stay "
            "in the graph; re-run the same load to finish it (loads are idempotent)"
        )
        rows = graph.write(_INTERRUPT, {"id": row["id"], "ended_at": _now(), "message": message})
        marked.extend(r["id"] for r in rows)
    return marked


def _with_chain(value: Any, chain: str) -> list[str]:
    items = as_list(value) or []
    return items if chain in items else [*items, chain]
