"""One load: read -> map -> validate -> write, with a (:Load) record of what happened.

``--on-error abort`` (the default) writes nothing from a file with any rejected row;
``--on-error skip`` writes the good rows. Both write the rejects CSV. Writes are batched
UNWIND MERGE statements in managed transactions, so a re-run changes nothing; a repeat of a
completed load (same file contents and options) is recognised and skipped unless forced.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import pandas as pd
from neo4j.exceptions import DriverError, Neo4jError

from kg import model
from kg.connection import Graph
from kg.cypher import render
from kg.model import NodeType, RelType
from kg.schema import ensure_schema, merge_nodes, merge_rels
from loaders.errors import LoadInputError, Problems, Reject, TableProblems, write_rejects
from loaders.kinds import KIND_ORDER, KINDS, SLUG_HINT, SLUG_PATTERN, Kind, Write
from loaders.limits import Limits, check_cells, check_file
from loaders.mapping import Mapping, apply_mapping, load_mapping
from loaders.readers import LINE, ReadOptions, detect_format, read_table
from loaders.validate import check_references, validate_kind

OnError = Literal["abort", "skip"]
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

    @property
    def rows_written(self) -> int:
        return sum(self.written.values())


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

    def __init__(self, graph: Graph, progress: Progress | None = None) -> None:
        self.graph = graph
        self.progress = progress or NoProgress()
        self._schema_ready = False
        self._progress_record: tuple[str, float] | None = None
        # Keys this loader has written: later files of the same command need no lookup.
        self._written_keys: dict[NodeType, set[str]] = {}

    # ---- planning ------------------------------------------------------------------------

    def plan(
        self, paths: Sequence[Path], options: LoadOptions
    ) -> list[tuple[Path, Mapping | Kind]]:
        """Resolve each file's mapping or kind, and order files so referenced kinds go first."""
        plan: list[tuple[Path, Mapping | Kind]] = []
        mapping = load_mapping(options.mapping) if options.mapping else None
        if options.kind and options.kind not in KINDS:
            raise LoadInputError(f"unknown kind {options.kind!r}; kinds are {', '.join(KINDS)}")
        for path in paths:
            if not path.exists():
                raise LoadInputError(f"{path}: no such file")
            if mapping is not None:
                plan.append((path, mapping))
            else:
                plan.append((path, KINDS[options.kind or infer_kind(path)]))

        def order(item: tuple[Path, Mapping | Kind]) -> int:
            spec = item[1]
            first = spec.outputs[0].kind if isinstance(spec, Mapping) else spec.name
            return KIND_ORDER.index(first)

        return sorted(plan, key=order)

    def load_files(self, paths: Sequence[Path], options: LoadOptions) -> list[LoadReport]:
        plan = self.plan(paths, options)
        reports: list[LoadReport] = []
        for i, (path, spec) in enumerate(plan):
            report = self.load_file(path, spec, options)
            reports.append(report)
            if report.status in ("rejected", "failed") and options.on_error == "abort":
                for later, _ in plan[i + 1 :]:
                    reports.append(
                        LoadReport(
                            str(later),
                            "",
                            [],
                            "not loaded",
                            message=f"not loaded because {path.name} was {report.status}",
                        )
                    )
                break
        return reports

    # ---- one file ------------------------------------------------------------------------

    def load_file(self, path: Path, spec: Mapping | Kind, options: LoadOptions) -> LoadReport:
        started = _now()
        load_id = f"L{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        mapping = spec if isinstance(spec, Mapping) else None
        kind_names = [o.kind for o in mapping.outputs] if mapping else [spec.name]
        report = LoadReport(str(path), load_id, kind_names, "running")
        problems = Problems(path.name)

        read_options = mapping.read_options() if mapping else ReadOptions()
        chain = options.chain or (mapping.chain_for(path) if mapping else None)
        _check_chain(path, chain, given=options.chain is not None)
        if path.is_file():
            check_file(
                path,
                detect_format(path, read_options),
                options.limits,
                read_options.delimiter,
                read_options.sheet,
            )
        raw = check_cells(read_table(path, read_options, problems), options.limits, problems)
        report.notes.extend(read_options.notes)
        sha256 = _sha256(path)
        source = options.source or (mapping.source if mapping and mapping.source else path.name)
        basis = options.basis or (mapping.basis if mapping and mapping.basis else None)
        option_key = json.dumps(
            {
                "kinds": kind_names,
                "mapping": mapping.name if mapping else None,
                "chain": chain,
                "on_error": options.on_error,
                "source": source,
                "basis": basis,
            },
            sort_keys=True,
        )
        report.rows_read = len(raw) + len(problems.bad_lines)

        self._ensure_schema()
        if not options.force:
            repeat = self.graph.query(_FIND_REPEAT, {"sha256": sha256, "options": option_key})
            if repeat:
                report.status = "skipped"
                report.load_id = repeat[0]["id"]
                report.message = (
                    f"already loaded by {repeat[0]['id']} with the same contents and options; "
                    "nothing to do (use --force to load it again)"
                )
                return report

        context = {"file_stem": path.stem, **({"chain": chain} if chain else {})}
        frames_raw = apply_mapping(mapping, raw, problems, context) if mapping else {spec.name: raw}
        self._apply_chain(frames_raw, chain, report)
        frames: dict[str, tuple[Kind, pd.DataFrame, TableProblems]] = {}
        for name, frame in frames_raw.items():
            kind = KINDS[name]
            table = TableProblems(problems, [int(v) for v in frame[LINE]])
            frames[name] = (kind, validate_kind(frame, kind, table), table)
        extra = {model.CHAIN: {chain}} if chain else None
        check_references(frames, self._lookup_keys, extra)

        report.rejects = problems.rejects
        report.warnings = problems.warnings
        report.rows_rejected = report.rows_read if problems.file_level else len(problems.bad_lines)
        if problems.rejects:
            report.rejects_file = str(self._write_rejects(path, options, problems.rejects))

        load_props: dict[str, Any] = {
            "file": str(path.resolve()),
            "sha256": sha256,
            "kind": "+".join(kind_names),
            "mapping": mapping.name if mapping else None,
            "chain": chain,
            "options": option_key,
            "rows_read": report.rows_read,
            "rows_rejected": report.rows_rejected,
            "started_at": started,
        }
        if problems.rejects and (options.on_error == "abort" or problems.file_level):
            report.status = "rejected"
            report.message = (
                f"{report.rows_rejected} of {report.rows_read} rows rejected; nothing from this "
                "file was written (fix the rows listed in the rejects file, or use "
                "--on-error skip to load the good rows)"
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

        writes: list[tuple[str, Write]] = []
        for name, (kind, typed, table) in frames.items():
            good = typed.drop(index=sorted(table.bad_rows)) if table.bad_rows else typed
            writes.extend((name, w) for w in kind.build(good))
        total = sum(len(w.rows) for _, w in writes)
        provenance = {
            "source": source,
            "load_id": load_id,
            "loaded_at": started,
        }
        load_props["rows_total"] = total
        self._save_load(
            load_id,
            {**load_props, "status": "running", "pid": os.getpid(), "host": socket.gethostname()},
        )
        self._progress_record = (load_id, time.monotonic())
        try:
            if chain:
                self.graph.write(
                    _ENSURE_CHAIN, {"id": chain, **provenance, "basis": basis or "declared"}
                )
            self._write_all(writes, total, provenance, basis, options, report)
        except BaseException as exc:
            self._fail(load_id, load_props, report, total, exc)
            if isinstance(exc, Exception):
                raise LoadWriteError(report.message) from exc
            raise
        finally:
            self._progress_record = None
        report.status = "completed"
        skipped = f"; {report.rows_rejected} rows rejected and skipped" if problems.rejects else ""
        report.message = (
            f"wrote {report.rows_written} records from {report.rows_read} rows{skipped}"
        )
        report.seconds = (_now() - started).total_seconds()
        self._save_load(
            load_id,
            {
                **load_props,
                "rows_written": report.rows_written,
                "status": "completed",
                "ended_at": _now(),
                "message": report.message,
            },
        )
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
        self, frames: dict[str, pd.DataFrame], chain: str | None, report: LoadReport
    ) -> None:
        if not chain:
            return
        used = False
        if "products" in frames:
            df = frames["products"]
            existing = df["chain"] if "chain" in df.columns else pd.Series([None] * len(df))
            df["chain"] = [_with_chain(v, chain) for v in existing.tolist()]
            used = True
        if "key_enterprises" in frames:
            df = frames["key_enterprises"]
            if "chain" not in df.columns:
                df["chain"] = chain
            else:
                df["chain"] = df["chain"].where(df["chain"].notna() & (df["chain"] != ""), chain)
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
    ) -> None:
        """Record a write that stopped part-way: never leave the (:Load) record `running`."""
        done = report.rows_written
        interrupted = not isinstance(exc, Exception)  # Ctrl-C, SystemExit
        report.status = "interrupted" if interrupted else "failed"
        reason = "it was interrupted" if interrupted else f"{_describe(exc)}"
        report.message = (
            f"the write failed after {done} of {total} rows: {reason}. The rows written so far "
            "stay in the graph; re-run the same command to finish (loads are idempotent, "
            "and a failed load is never taken for a completed one)"
        )
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
            report.notes.append(
                "the (:Load) record could not be updated either; the next load or "
                "`supplymap loads` marks it interrupted"
            )

    def _save_load(self, load_id: str, props: dict[str, Any]) -> None:
        clean = {k: v for k, v in props.items() if v is not None}
        self.graph.write(_SAVE_LOAD, {"id": load_id, "props": clean})

    def _write_all(
        self,
        writes: list[tuple[str, Write]],
        total: int,
        provenance: dict[str, Any],
        basis: str | None,
        options: LoadOptions,
        report: LoadReport,
    ) -> None:
        show = total >= PROGRESS_MIN_ROWS
        if show:
            self.progress.start(f"loading {Path(report.file).name}", total)
        try:
            for name, write in writes:
                if not write.rows:
                    continue
                target = write.target
                params = {**provenance, "basis": basis or KINDS[name].basis}
                label = target.label if isinstance(target, NodeType) else target.type
                written = 0
                for shape, rows in _by_shape(target, write.rows).items():
                    statement = (
                        merge_nodes(target, shape)
                        if isinstance(target, NodeType)
                        else merge_rels(target, shape)
                    )
                    written += self.graph.write_batches(
                        statement,
                        rows,
                        batch_size=options.batch_size,
                        params=params,
                        on_batch=functools.partial(self._count, report, label, show=show),
                        count_field="written",
                    )
                if isinstance(target, NodeType):
                    self._written_keys.setdefault(target, set()).update(
                        r["key"] for r in write.rows
                    )
                elif written < len(write.rows):
                    report.written[label] -= len(write.rows) - written
                    report.notes.append(
                        f"{len(write.rows) - written} {label} relationships were not written: "
                        "an end node was deleted while the load ran; re-run the load"
                    )
        finally:
            if show:
                self.progress.stop()

    def _count(self, report: LoadReport, label: str, n: int, *, show: bool) -> None:
        report.written[label] = report.written.get(label, 0) + n
        if show:
            self.progress.advance(n)
        record = self._progress_record
        if record is not None and time.monotonic() - record[1] >= PROGRESS_RECORD_SECONDS:
            # How far the load got, for `supplymap loads` should this process die.
            self.graph.write(_SAVE_PROGRESS, {"id": record[0], "n": report.rows_written})
            self._progress_record = (record[0], time.monotonic())


def _by_shape(
    target: NodeType | RelType, rows: list[dict[str, Any]]
) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """Group rows by the model properties they carry, in model order.

    Each group is written by a statement that SETs exactly those properties, so a blank
    cell never erases a value another source gave (and no slow ``SET n += map`` is needed).
    """
    fixed = {"key", "start", "end", *(target.merge_keys if isinstance(target, RelType) else ())}
    order = [p.name for p in target.props if p.name not in fixed]
    shapes: dict[tuple[str, ...], tuple[str, ...]] = {}  # a row's keys -> its shape
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        keys = tuple(row)
        shape = shapes.get(keys)
        if shape is None:
            shape = shapes[keys] = tuple(n for n in order if n in row)
        groups.setdefault(shape, []).append(row)
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
    from loaders.cells import as_list

    items = as_list(value) or []
    return items if chain in items else [*items, chain]


RelOrNode = NodeType | RelType
