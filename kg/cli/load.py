"""`supplymap load PATH...`: bring files into the graph."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from kg.cli.common import RichProgress, friendly, open_graph, settings
from kg.cli.output import console, err
from loaders.kinds import KINDS

if TYPE_CHECKING:
    from kg.connection import Graph
    from loaders.bulk import BulkWriter
    from loaders.pipeline import LoadReport, OnError


def _summary(report: LoadReport) -> None:
    name = escape(" + ".join(Path(f).name for f in report.file.split(" + ")))
    colour = {"completed": "green", "skipped": "cyan", "rejected": "red", "failed": "red"}.get(
        report.status, "yellow"
    )
    console.print(
        f"[{colour}]{report.status}[/{colour}] {name} "
        f"({'+'.join(report.kinds) or '-'}): {escape(report.message)}"
    )
    if report.written:
        parts = ", ".join(f"{n:,} {label}" for label, n in report.written.items())
        console.print(f"  written: {parts}  [{report.load_id}]", highlight=False)
    if len(report.outputs) > 1 or any(o.filtered or o.merged for o in report.outputs):
        for o in report.outputs:
            console.print(
                f"  output {escape(o.output)}: {o.rows_in:,} rows in, {o.filtered:,} filtered, "
                f"{o.merged:,} merged, {o.rejected:,} rejected, {o.written:,} records written",
                highlight=False,
            )
    for file, encoding in report.encodings.items():
        if encoding not in ("utf-8", "utf-8-sig", "ascii"):
            console.print(f"  encoding: {escape(file)} read as {encoding}", highlight=False)
    for note in report.notes:
        console.print(f"  note: {escape(note)}", highlight=False)
    for w in report.warnings[:5]:
        console.print(f"  warning: line {w.line}, {w.column}: {escape(w.reason)}", highlight=False)
    if report.rejects:
        console.print(
            f"  {len(report.rejects)} problem(s) in {report.rows_rejected} row(s); "
            f"all listed in {report.rejects_file}",
            highlight=False,
        )
        for r in report.rejects[:5]:
            console.print(
                f"    line {r.line}, column {escape(r.column) or '-'} "
                f"({escape(r.value)!r}): {escape(r.reason)}",
                highlight=False,
            )
        if len(report.rejects) > 5:
            console.print(f"    ... and {len(report.rejects) - 5} more", highlight=False)


def bulk_writer(graph: Graph) -> BulkWriter:
    """The local engine's own batch import; on Neo4j, neo4j-admin's offline import when
    SUPPLYMAP_NEO4J_ADMIN is set (on the Neo4j host only), else CREATE statements over Bolt."""
    from loaders.bulk import ArcadeBulkWriter, CypherBulkWriter

    s = settings()
    if s.uses_local_engine:
        from kg.connection import local_engine

        return ArcadeBulkWriter(local_engine(s), graph.database)
    if s.neo4j_admin is not None:
        from loaders.bulk_neo4j import ImportTool, Neo4jImportWriter

        tool = ImportTool.check(s.neo4j_admin, s.neo4j_uri or "", graph.database)
        return Neo4jImportWriter(graph, tool, import_seconds_per_mb=s.neo4j_import_seconds_per_mb)
    return CypherBulkWriter(graph)


@friendly
def load(
    paths: Annotated[list[Path], typer.Argument(help="files to load (CSV, Excel, JSON, Parquet)")],
    kind: Annotated[
        str | None,
        typer.Option(help=f"what the files hold: {', '.join(KINDS)} (default: from file names)"),
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(help="a shipped mapping by name (e.g. willems) or a mapping YAML by path"),
    ] = None,
    chain: Annotated[
        str | None, typer.Option(help="put the loaded products in this chain (created if new)")
    ] = None,
    on_error: Annotated[
        str,
        typer.Option(help="abort: a file with any bad row writes nothing; skip: load good rows"),
    ] = "abort",
    rejects: Annotated[
        Path | None,
        typer.Option(help="where to write rejected rows (default rejects/<file>.rejects.csv)"),
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="provenance source (default: file name)")
    ] = None,
    basis: Annotated[
        str | None, typer.Option(help="declared, surveyed, customs record or inferred")
    ] = None,
    force: Annotated[
        bool, typer.Option(help="load again even if the same file was loaded already")
    ] = False,
    bulk: Annotated[
        bool,
        typer.Option(
            help="first loads: create every record through the engine's bulk path "
            "(refused when the graph holds any of them already)"
        ),
    ] = False,
) -> None:
    """Load enterprise, product, BOM, trade, capacity and inventory files into the graph."""
    if on_error not in ("abort", "skip"):
        raise typer.BadParameter("use abort or skip", param_hint="--on-error")
    if basis is not None and basis not in ("declared", "surveyed", "customs record", "inferred"):
        raise typer.BadParameter(
            "use declared, surveyed, 'customs record' or inferred", param_hint="--basis"
        )
    from loaders.limits import Limits
    from loaders.pipeline import Loader, LoadOptions, LoadWriteError  # pandas: import on use

    on: OnError = "abort" if on_error == "abort" else "skip"
    options = LoadOptions(
        kind=kind,
        mapping=mapping,
        chain=chain,
        on_error=on,
        rejects=rejects,
        source=source,
        basis=basis,
        force=force,
        bulk=bulk,
        batch_size=settings().batch_size,
        limits=Limits.from_settings(settings()),
    )
    with open_graph(create=True) as graph:
        loader = Loader(graph, RichProgress(), bulk_writer(graph) if bulk else None)
        loader.plan(paths, options)  # fail fast on unknown kinds, mappings and missing files
        for path in paths:
            if not path.exists():
                err.print(f"[red]error:[/red] {escape(str(path))}: no such file")
                raise typer.Exit(2)
        try:
            reports = loader.load_files(paths, options)
        except LoadWriteError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(1) from exc
    for report in reports:
        _summary(report)
    # A load that completes exits 0 (rows it skipped under --on-error skip are in the summary
    # and the rejects file); a load that wrote nothing or failed exits 1.
    if any(r.status in ("rejected", "failed", "not loaded") for r in reports):
        raise typer.Exit(1)
