"""What every command shares: settings, the graph connection, friendly errors, progress."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer
from pydantic import ValidationError

from kg.cli.output import err
from kg.connection import Graph, GraphConnectionError
from kg.engine import EngineError
from kg.settings import Settings, get_settings
from kg.tiers import NotFoundError
from loaders.errors import LoadInputError

if TYPE_CHECKING:
    from rich.progress import Progress

P = ParamSpec("P")
R = TypeVar("R")

# Errors that mean "the input or the setup is wrong": one sentence, exit code 2.
USER_ERRORS: tuple[type[Exception], ...] = (
    LoadInputError,
    EngineError,
    GraphConnectionError,
    NotFoundError,
)


def settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "SUPPLYMAP_" + str(first["loc"][0]).upper() if first["loc"] else "SUPPLYMAP_*"
        err.print(f"[red]error:[/red] bad setting {name}: {first['msg']}", highlight=False)
        raise typer.Exit(2) from exc


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the project's known errors into one clear line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except USER_ERRORS as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(2) from exc

    return wrapper


@contextmanager
def open_graph(*, create: bool = False) -> Iterator[Graph]:
    """Connect to the configured graph, starting the local engine when needed.

    A database named with --database (or SUPPLYMAP_DATABASE) that the local engine does not
    have is an error listing those it has (a typo must not read as an empty graph), unless
    ``create`` (`supplymap load`), which creates it and says so on stderr."""
    s = settings()
    if s.uses_local_engine:
        from kg.connection import local_engine

        engine = local_engine(s)
        # a cheap look at the state file, not a Bolt probe: Graph.from_settings probes anyway
        if not engine.state_file.exists():
            err.print(f"starting the local engine (data in {engine.data_dir})...")
    graph = Graph.from_settings(s, create=create)
    if graph.created and s.database:
        err.print(
            f"created database {graph.database!r} on the local engine (it did not exist; "
            "`supplymap db status` lists the databases)",
            highlight=False,
        )
    try:
        yield graph
    finally:
        graph.close()


class RichProgress:
    """A rich progress bar on stderr, for loads and analyses over a few thousand rows."""

    def __init__(self) -> None:
        self._bar: Progress | None = None
        self._task: int | None = None

    def start(self, description: str, total: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=False,
        )
        self._bar.start()
        self._task = self._bar.add_task(description, total=total)

    def advance(self, n: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, n)  # type: ignore[arg-type]

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
