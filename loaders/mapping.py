"""Declarative column mappings: a YAML file turns any source's table into canonical kinds.

A new data source needs a mapping file, not code. Shipped mappings (loaders/mappings/*.yaml)
are named by their name on the command line; a user's mapping by its path. See the README
for the format; loaders/mappings/willems.yaml is a worked example.
"""

from __future__ import annotations

import re
import string
from collections.abc import Hashable
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from loaders.cells import as_list, is_missing, text
from loaders.errors import LoadInputError, Problems
from loaders.kinds import KINDS
from loaders.readers import LINE, ReadOptions


class ColumnMap(BaseModel):
    """How one canonical column is made from the source row, step by step."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str | list[str] | None = Field(default=None, alias="from")
    const: Any = None
    template: str | None = Field(
        default=None,
        description="python format string over the row's columns and {chain}, {file_stem}",
    )
    strip: bool = True
    case: Literal["upper", "lower"] | None = None
    extract: str | None = None
    map: dict[str, Any] | None = None
    split: str | None = None
    default: Any = None

    @field_validator("template")
    @classmethod
    def _plain_fields(cls, value: str | None) -> str | None:
        """Only ``{column}`` slots: no attribute or index access, conversion or format spec."""
        if value is None:
            return value
        try:
            parts = list(string.Formatter().parse(value))
        except ValueError as exc:
            raise ValueError(f"not a valid template: {exc}") from exc
        for _, name, spec, conversion in parts:
            if name is None:
                continue
            if not re.fullmatch(r"[^\d.\[\]{}][^.\[\]{}]*", name) or spec or conversion:
                raise ValueError(
                    f"template slot {{{name}{'!' + conversion if conversion else ''}"
                    f"{':' + spec if spec else ''}}} is not allowed: use plain {{column}} names"
                )
        return value

    @field_validator("extract")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


class Explode(BaseModel):
    """Turn a list column into one row per group of ``len(into)`` items."""

    model_config = ConfigDict(extra="forbid")
    column: str
    into: list[str] = Field(min_length=1)


class Output(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    explode: Explode | None = None
    columns: dict[str, ColumnMap | str]

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"unknown kind {value!r}; kinds are {', '.join(KINDS)}")
        return value


class ReadSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["csv", "excel", "json", "jsonl", "parquet"] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int = 0
    ragged_tail: str | None = None


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    read: ReadSpec = ReadSpec()
    chain: str | None = Field(
        default=None, description="chain of the products; '{file_stem}' names it after the file"
    )
    source: str | None = None
    basis: Literal["declared", "surveyed", "customs record", "inferred"] | None = None
    outputs: list[Output] = Field(min_length=1)

    def read_options(self) -> ReadOptions:
        r = self.read
        return ReadOptions(
            format=r.format,
            encoding=r.encoding,
            delimiter=r.delimiter,
            sheet=r.sheet,
            ragged_tail=r.ragged_tail,
        )

    def chain_for(self, path: Path) -> str | None:
        return self.chain.replace("{file_stem}", path.stem) if self.chain else None


def shipped_mappings() -> dict[str, Path]:
    folder = resources.files("loaders") / "mappings"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml")}


def load_mapping(name_or_path: str) -> Mapping:
    """A shipped mapping by name, or a user's mapping file by path."""
    path = Path(name_or_path)
    if not (path.suffix in (".yaml", ".yml") or path.exists()):
        shipped = shipped_mappings()
        if name_or_path not in shipped:
            raise LoadInputError(
                f"no mapping named {name_or_path!r}; shipped mappings are "
                f"{', '.join(sorted(shipped)) or '(none)'}, or give the path of a YAML file"
            )
        path = shipped[name_or_path]
    if not path.exists():
        raise LoadInputError(f"{path}: no such mapping file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LoadInputError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise LoadInputError(
            f"{path}: invalid mapping at {where}: {first['msg']} "
            f"({len(exc.errors())} problem(s) in all)"
        ) from exc


def _source_column(spec: ColumnMap, df: pd.DataFrame) -> str | None:
    names = [spec.from_] if isinstance(spec.from_, str) else list(spec.from_ or [])
    for name in names:
        if name in df.columns:
            return name
    return None


def _apply_column(spec: ColumnMap, df: pd.DataFrame, context: dict[str, str]) -> pd.Series:
    if spec.const is not None:
        return pd.Series([spec.const] * len(df), index=df.index, dtype=object)
    if spec.template is not None:
        fields = [name for _, name, _, _ in string.Formatter().parse(spec.template) if name]
        template = spec.template

        def fill(row: dict[Hashable, Any]) -> str | None:
            parts = {f: text(row[f]) if f in row else context.get(f) for f in fields}
            return None if any(v is None for v in parts.values()) else template.format(**parts)

        filled: list[str | None] = [fill(r) for r in df.to_dict("records")]
        values = pd.Series(filled, index=df.index, dtype=object)
    else:
        source = _source_column(spec, df)
        if source is None:
            values = pd.Series([None] * len(df), index=df.index, dtype=object)
        else:
            values = df[source].astype(object)

    def step(v: Any) -> Any:
        if isinstance(v, list):
            return v
        if is_missing(v):
            return spec.default
        if isinstance(v, str):
            if spec.strip:
                v = v.strip()
            if spec.case == "upper":
                v = v.upper()
            elif spec.case == "lower":
                v = v.lower()
            if spec.extract:
                m = re.search(spec.extract, v)
                if m is None:
                    return spec.default
                v = m.group(1) if m.groups() else m.group(0)
            if spec.map is not None:
                v = spec.map.get(v, v)
            if spec.split:
                return as_list(v, spec.split)
        return v

    return values.map(step).astype(object)


def _explode(df: pd.DataFrame, explode: Explode, problems: Problems) -> pd.DataFrame:
    width = len(explode.into)
    rows: list[dict[str, Any]] = []
    others = [c for c in df.columns if c != explode.column]
    for record in df.to_dict("records"):
        items = record.get(explode.column)
        if not isinstance(items, list):
            items = as_list(items) or []
        items = [i for i in items if not is_missing(i)]
        if len(items) % width:
            problems.error(
                record[LINE],
                explode.column,
                ",".join(map(str, items)),
                f"{explode.column} holds {len(items)} items, not whole groups of {width} "
                f"({', '.join(explode.into)})",
            )
            continue
        for start in range(0, len(items), width):
            row = {c: record[c] for c in others}
            row.update(zip(explode.into, items[start : start + width], strict=True))
            rows.append(row)
    return pd.DataFrame(rows, columns=[*others, *explode.into])


def apply_mapping(
    mapping: Mapping,
    df: pd.DataFrame,
    problems: Problems,
    context: dict[str, str] | None = None,
) -> list[tuple[str, pd.DataFrame]]:
    """Make one canonical table per output of the mapping, each keeping the source lines.

    Several outputs may name one kind (a car maker, its supplier and the supplier's parent
    are all enterprises): each gives its own table, in the mapping's order.

    ``context`` holds the names a template may use besides the row's columns: ``chain``
    (the chain the load puts products in) and ``file_stem``.
    """
    context = context or {}
    out: list[tuple[str, pd.DataFrame]] = []
    for output in mapping.outputs:
        frame = _explode(df, output.explode, problems) if output.explode else df
        kind = KINDS[output.kind]
        result = pd.DataFrame({LINE: frame[LINE].to_numpy()})
        for name, raw_spec in output.columns.items():
            spec = ColumnMap(**{"from": raw_spec}) if isinstance(raw_spec, str) else raw_spec
            absent = spec.const is None and spec.template is None
            if absent and _source_column(spec, frame) is None and name in kind.required:
                problems.reject_file(
                    name,
                    f"mapping {mapping.name!r} makes {output.kind}.{name} from "
                    f"{spec.from_!r}, which the file lacks; its columns are: "
                    + ", ".join(c for c in df.columns if c != LINE),
                )
                continue
            result[name] = _apply_column(spec, frame, context).to_numpy() if len(frame) else []
        out.append((output.kind, result))
    return out
