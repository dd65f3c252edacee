"""`supplymap cypher`: a Cypher shell on the configured graph (there is no Neo4j Browser on the
local engine; this is how analysts run Cypher there).

    supplymap cypher                      interactive: history, multi-line (end with ;), tables
    supplymap cypher -c "MATCH ..." -p id=N95 -f csv      one statement, for scripts

Read-only unless --write: each statement runs in a READ transaction that is always rolled back,
and a statement that changed anything is refused (api/readonly.py: ArcadeDB accepts writes in
read transactions, so the access mode alone is not enough). With --write each statement runs
in a managed write transaction. Values reach the graph as parameters (`:param`, `-p`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, LiteralString

import typer
from rich.markup import escape

from kg.cli.common import friendly, open_graph, settings
from kg.cli.output import Format, FormatOpt, console, emit, emit_empty, err
from kg.connection import Graph

HELP = """\
Cypher statements end with ';' (a statement may span lines). Commands:
  :param NAME => VALUE   set a parameter (VALUE is JSON: 'N95', 3, [1, 2]; else plain text)
  :params                list the parameters        :clear     forget them
  :format table|csv|json how results are printed
  :help                  this text                  :quit      leave (or Ctrl-D)"""


class CypherError(ValueError):
    """A shell command or parameter that cannot be understood."""


def parse_value(text: str) -> Any:
    """A parameter value: JSON when it parses ('N95', 3, true, [1,2], {"a": 1}), else text."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        if len(text) >= 2 and text[0] == text[-1] == "'":
            return text[1:-1]
        return text


def parse_param(text: str) -> tuple[str, Any]:
    """``name => value``, ``name: value`` or ``name=value``."""
    for sep in ("=>", ":", "="):
        name, found, value = text.partition(sep)
        if found and name.strip().isidentifier():
            return name.strip(), parse_value(value)
    raise CypherError(f"write a parameter as NAME => VALUE, got {text!r}")


class Session:
    """Runs statements on one graph, read-only unless ``write``; keeps parameters and format."""

    def __init__(self, graph: Graph, *, write: bool, fmt: Format) -> None:
        self.graph = graph
        self.write = write
        self.fmt = fmt
        self.params: dict[str, Any] = {}
        if not write:
            from api.readonly import ReadOnlyGraph

            self.reader: Graph = ReadOnlyGraph.over(graph)
        else:
            self.reader = graph

    def run(self, statement: str) -> list[dict[str, Any]]:
        # An analyst's own statement: the one place user text is run as Cypher, by design;
        # values still travel as parameters.
        text: LiteralString = statement.strip().rstrip(";").strip()
        if self.write:
            return self.graph.write(text, self.params)
        return self.reader.query(text, self.params)

    def show(self, statement: str) -> None:
        rows = self.run(statement)
        if not rows:
            if self.fmt is Format.table:
                emit_empty("(no rows)")
            else:
                emit([], [], self.fmt)
            return
        columns = list(rows[0])
        emit(rows, columns, self.fmt, f"{len(rows)} row(s)")


def statements(lines: Iterable[str]) -> Iterator[str]:
    """Shell input as statements (ending with ';') and commands (lines starting with ':')."""
    buffer: list[str] = []
    for raw in lines:
        line = raw.rstrip("\n")
        if not buffer and line.strip().startswith(":"):
            yield line.strip()
            continue
        if not line.strip() and not buffer:
            continue
        buffer.append(line)
        if line.rstrip().endswith(";"):
            yield "\n".join(buffer)
            buffer = []
    if any(b.strip() for b in buffer):
        yield "\n".join(buffer)


def _interactive_lines(history: Path) -> Iterator[str]:
    """Lines typed at a terminal, with readline history kept in ``history``."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        readline = None  # type: ignore[assignment]
    if readline is not None:
        history.parent.mkdir(parents=True, exist_ok=True)
        if history.exists():
            readline.read_history_file(history)
        readline.set_history_length(1000)
    continued = False
    try:
        while True:
            try:
                line = input("   ...> " if continued else "cypher> ")
            except EOFError:
                console.print()
                return
            stripped = line.strip()
            continued = (
                bool(stripped)
                and not stripped.endswith(";")
                and not (not continued and stripped.startswith(":"))
            )
            yield line
    finally:
        if readline is not None:
            readline.write_history_file(history)


def _command(session: Session, command: str) -> bool:
    """Run a ':' command; False to leave the shell."""
    name, _, rest = command[1:].partition(" ")
    name = name.lower()
    if name in ("quit", "exit", "q"):
        return False
    if name == "help":
        console.print(escape(HELP), highlight=False)
    elif name == "param":
        key, value = parse_param(rest)
        session.params[key] = value
        console.print(f"{key} => {json.dumps(value, ensure_ascii=False)}", highlight=False)
    elif name == "params":
        for key, value in sorted(session.params.items()):
            console.print(f"{key} => {json.dumps(value, ensure_ascii=False)}", highlight=False)
    elif name == "clear":
        session.params.clear()
    elif name == "format":
        try:
            session.fmt = Format(rest.strip())
        except ValueError:
            raise CypherError("use :format table, csv or json") from None
    else:
        raise CypherError(f"unknown command :{name} (:help lists them)")
    return True


def _errors() -> tuple[type[Exception], ...]:
    from neo4j.exceptions import Neo4jError

    from api.readonly import WriteRefusedError

    return (Neo4jError, WriteRefusedError, CypherError)


def _say(exc: Exception, write: bool) -> None:
    from api.readonly import WriteRefusedError

    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, WriteRefusedError) and not write:
        message += " (the shell is read-only; start it with --write to change the graph)"
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)


@friendly
def cypher(
    command: Annotated[
        str | None,
        typer.Option("--command", "-c", metavar="QUERY", help="run this statement and exit"),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", "-p", metavar="NAME=VALUE", help="a parameter (VALUE as JSON, else text)"
        ),
    ] = None,
    write: Annotated[
        bool, typer.Option("--write", help="allow statements that change the graph")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """A Cypher shell on the configured graph: history, multi-line statements, tables,
    :param, CSV/JSON output; read-only unless --write. -c QUERY runs one statement."""
    try:
        params = dict(parse_param(p) for p in param or [])
    except CypherError as exc:
        raise typer.BadParameter(str(exc), param_hint="--param") from exc
    with open_graph() as graph:
        session = Session(graph, write=write, fmt=fmt)
        session.params.update(params)
        if command is not None:
            try:
                session.show(command)
            except _errors() as exc:
                _say(exc, write)
                raise typer.Exit(2) from exc
            return
        interactive = sys.stdin.isatty()
        if interactive:
            mode = "read-write" if write else "read-only"
            console.print(
                f"Cypher on {graph.uri or 'the graph'}, database {graph.database!r} ({mode}); "
                "end statements with ';', :help for commands, :quit to leave",
                highlight=False,
            )
            lines: Iterable[str] = _interactive_lines(settings().home / "cypher_history")
        else:
            lines = sys.stdin
        failed = False
        for item in statements(lines):
            try:
                if item.startswith(":"):
                    if not _command(session, item):
                        break
                else:
                    session.show(item)
            except _errors() as exc:
                _say(exc, write)
                failed = True
        if failed and not interactive:
            raise typer.Exit(2)
