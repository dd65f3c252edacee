"""Loads: upload files into the graph (keyed), and the record of past loads.

An upload goes through the same pipeline as `supplymap load` (loaders.pipeline): the same
kinds and mappings, validation, rejects and (:Load) records. A file with any rejected row
writes nothing unless on_error=skip; a rejected load is answered with 422 and the full report.
"""

from __future__ import annotations

import re
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Literal, LiteralString

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import AfterValidator

from api.auth import ReadAccess, WriteAccess
from api.deps import GraphDep, PageDep, SettingsDep, WriteGraphDep
from api.models import (
    LoadRecord,
    LoadReportOut,
    LoadResult,
    OutputReportOut,
    Paged,
    RejectOut,
    paged,
)
from api.params import check_slug
from api.problems import ProblemError, not_found, responses
from api.uploads import remove_tree, safe_name, save
from api.values import plain_row
from loaders.errors import LoadInputError, Reject
from loaders.kinds import KINDS
from loaders.limits import Limits
from loaders.mapping import shipped_mappings
from loaders.pipeline import Loader, LoadOptions, LoadReport, LoadWriteError

router = APIRouter(prefix="/loads", tags=["loads"], responses=responses(401, 422, 503))

MAX_FILES = 20
MAX_SHOWN = 1000  # rejects and warnings listed per file; the totals count them all
_LOAD_ID = re.compile(r"^L\d{8}T\d{6}-[0-9a-f]{8}$")
_MAPPING_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_TEXT = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")
# One load at a time per process: loads are large managed-transaction writes.
_LOAD_LOCK = threading.Lock()
LOCK_WAIT = 60.0  # seconds a request waits for the load before it, then 409

_COUNT: LiteralString = (
    "MATCH (l:Load) WHERE $status IS NULL OR l.status = $status RETURN count(l) AS total"
)
_LIST: LiteralString = (
    "MATCH (l:Load) WHERE $status IS NULL OR l.status = $status "
    "WITH l ORDER BY l.started_at DESC, l.id DESC SKIP $offset LIMIT $limit "
    "RETURN l {.*} AS l"
)
_ONE: LiteralString = "MATCH (l:Load {id: $id}) RETURN l {.*} AS l"


def _check_kind(value: str | None) -> str | None:
    if value is not None and value not in KINDS:
        raise ValueError(f"unknown kind {value[:50]!r}; kinds are {', '.join(KINDS)}")
    return value


def _check_mapping(value: str | None) -> str | None:
    if value is None:
        return None
    shipped = shipped_mappings()
    if not _MAPPING_NAME.match(value) or value not in shipped:
        raise ValueError(
            f"no shipped mapping named {value[:50]!r}; shipped mappings are "
            f"{', '.join(sorted(shipped)) or '(none)'}, or upload your own as mapping_file"
        )
    return value


def _check_text(value: str | None) -> str | None:
    if value is not None and not _TEXT.match(value):
        raise ValueError("give 1-200 characters without control characters")
    return value


def _check_load_id(value: str) -> str:
    if not _LOAD_ID.match(value):
        raise ValueError("a load id looks like L20240131T120000-1a2b3c4d")
    return value


LoadStatus = Literal["completed", "rejected", "skipped", "failed", "running", "interrupted"]
Basis = Literal["declared", "surveyed", "customs record", "inferred"]


def _api_words(text: str, tmp: Path) -> str:
    """A loader message in the API's terms: no server paths, form fields for CLI options."""
    text = text.replace(str(tmp) + "/", "").replace(str(tmp), "")
    return (
        text.replace("--on-error skip", "on_error=skip")
        .replace("--force", "force=true")
        .replace("--kind", "kind")
        .replace("--mapping", "mapping")
        .replace("--chain", "chain")
        .replace("re-run the same command", "send the same request again")
    )


def _rejects(items: list[Reject]) -> list[RejectOut]:
    ordered = sorted(items, key=lambda r: (r.line, r.column))[:MAX_SHOWN]
    return [RejectOut(**vars(r)) for r in ordered]


def _report(report: LoadReport, tmp: Path) -> LoadReportOut:
    return LoadReportOut(
        file=" + ".join(Path(f).name for f in report.file.split(" + ")),
        load_id=report.load_id,
        kinds=report.kinds,
        status=report.status,
        message=_api_words(report.message, tmp),
        rows_read=report.rows_read,
        rows_rejected=report.rows_rejected,
        rows_written=report.rows_written,
        written=report.written,
        rejects=_rejects(report.rejects),
        rejects_total=len(report.rejects),
        warnings=_rejects(report.warnings),
        warnings_total=len(report.warnings),
        notes=[_api_words(n, tmp) for n in report.notes],
        seconds=report.seconds,
        outputs=[OutputReportOut(**vars(o)) for o in report.outputs],
        encodings=report.encodings,
    )


@router.post(
    "",
    response_model=LoadResult,
    summary="Load files into the graph (API key required)",
    dependencies=[WriteAccess],
    responses=responses(403, 413),
)
def create_load(
    settings: SettingsDep,
    graph: WriteGraphDep,
    file: Annotated[
        list[UploadFile],
        File(description=f"the file(s) to load: CSV, Excel, JSON or Parquet (up to {MAX_FILES})"),
    ],
    kind: Annotated[
        str | None,
        Form(description=f"what the files hold: {', '.join(KINDS)} (default: from file names)"),
        AfterValidator(_check_kind),
    ] = None,
    mapping: Annotated[
        str | None,
        Form(description="a shipped mapping by name, e.g. willems"),
        AfterValidator(_check_mapping),
    ] = None,
    mapping_file: Annotated[
        UploadFile | None, File(description="your own mapping YAML, instead of mapping")
    ] = None,
    chain: Annotated[
        str | None,
        Form(description="put the loaded products in this chain (created if new)"),
        check_slug,
    ] = None,
    on_error: Annotated[
        Literal["abort", "skip"],
        Form(description="abort: a file with any bad row writes nothing; skip: load good rows"),
    ] = "abort",
    source: Annotated[
        str | None,
        Form(description="provenance source (default: the file name)"),
        AfterValidator(_check_text),
    ] = None,
    basis: Annotated[Basis | None, Form(description="how the data is known")] = None,
    force: Annotated[
        bool, Form(description="load again even if the same file was loaded already")
    ] = False,
) -> LoadResult:
    """The same validation, rejects and (:Load) records as `supplymap load`. 200 with a report
    per file when every file loaded (rows skipped with on_error=skip are listed as rejects);
    422 problem details with the same reports when a file was rejected."""
    if not file:
        raise ProblemError(422, "invalid-parameters", "send at least one file")
    if len(file) > MAX_FILES:
        raise ProblemError(
            422, "invalid-parameters", f"send at most {MAX_FILES} files in one request"
        )
    if kind and (mapping or mapping_file):
        raise ProblemError(
            422, "invalid-parameters", "give kind or a mapping, not both (a mapping names kinds)"
        )
    if mapping and mapping_file:
        raise ProblemError(
            422, "invalid-parameters", "give mapping (a shipped name) or mapping_file, not both"
        )
    names = [safe_name(f.filename) for f in file]
    if len(set(names)) != len(names):
        raise ProblemError(422, "invalid-parameters", "two uploaded files have the same name")
    limit = settings.api_max_upload_mb << 20
    tmp = Path(tempfile.mkdtemp(prefix="supplymap-upload-"))
    try:
        paths = []
        for upload, name in zip(file, names, strict=True):
            target = tmp / name
            save(upload, target, limit)
            paths.append(target)
        mapping_arg = mapping
        if mapping_file is not None:
            yaml_name = safe_name(mapping_file.filename, "mapping_file")
            if not yaml_name.lower().endswith((".yaml", ".yml")):
                raise ProblemError(
                    422, "invalid-parameters", "mapping_file must be a .yaml or .yml file"
                )
            (tmp / "mapping").mkdir()
            yaml_path = tmp / "mapping" / yaml_name
            save(mapping_file, yaml_path, limit)
            mapping_arg = str(yaml_path)
        options = LoadOptions(
            kind=kind,
            mapping=mapping_arg,
            chain=chain,
            on_error=on_error,
            rejects=tmp / "rejects.csv",
            source=source,
            basis=basis,
            force=force,
            batch_size=settings.batch_size,
            limits=Limits.from_settings(settings),
        )
        if not _LOAD_LOCK.acquire(timeout=LOCK_WAIT):
            raise ProblemError(
                409,
                "load-in-progress",
                "another load is still running on this server; send the request again when it "
                "has finished (GET /loads?status=running)",
                title="Load in progress",
                headers={"Retry-After": "30"},
            )
        try:
            try:
                reports = Loader(graph).load_files(paths, options)
            except LoadInputError as exc:
                raise ProblemError(
                    422, "unreadable-input", _api_words(str(exc), tmp), title="Unreadable input"
                ) from exc
            except LoadWriteError as exc:
                raise ProblemError(
                    500, "load-failed", _api_words(str(exc), tmp), title="Load failed"
                ) from exc
        finally:
            _LOAD_LOCK.release()
        out = [_report(r, tmp) for r in reports]
    finally:
        remove_tree(tmp)
    bad = [r for r in out if r.status in ("rejected", "failed", "not loaded")]
    if bad:
        rejected = ", ".join(f"{r.file} ({r.status})" for r in bad)
        raise ProblemError(
            422,
            "load-rejected",
            f"not every file was loaded: {rejected}; each report lists the rows to fix "
            "(line, column, value, reason)",
            title="Load rejected",
            reports=[r.model_dump(mode="json") for r in out],
        )
    return LoadResult(reports=out)


@router.get(
    "",
    response_model=Paged[LoadRecord],
    summary="Past loads, newest first",
    dependencies=[ReadAccess],
)
def list_loads(
    graph: GraphDep, page: PageDep, status: LoadStatus | None = None
) -> Paged[LoadRecord]:
    total = graph.query(_COUNT, {"status": status})[0]["total"]
    rows = graph.query(_LIST, {"status": status, "offset": page.offset, "limit": page.limit})
    items = [_record(r["l"]) for r in rows]
    return paged(items, total, page.limit, page.offset)


def _record(props: dict[str, object]) -> LoadRecord:
    """A (:Load) record; only the file's name is shown, not where it sat on the server."""
    row = plain_row(props)
    if isinstance(row.get("file"), str):
        row["file"] = Path(row["file"]).name
    return LoadRecord.model_validate(row)


LoadId = Annotated[str, AfterValidator(_check_load_id)]


@router.get(
    "/{id}",
    response_model=LoadRecord,
    summary="One load's record",
    dependencies=[ReadAccess],
    responses=responses(404),
)
def get_load(id: LoadId, graph: GraphDep) -> LoadRecord:
    rows = graph.query(_ONE, {"id": id})
    if not rows:
        raise not_found("load", id)
    return _record(rows[0]["l"])
