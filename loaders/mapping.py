"""Declarative mappings: a YAML file turns any source's tables into canonical kinds.

A new data source needs a mapping file, not code. Shipped mappings (loaders/mappings/*.yaml)
are named by their name on the command line; a user's mapping by its path. The file is
checked here (every mistake named by its YAML line and key); loaders/transform.py compiles
each output to SQL and runs it on DuckDB. See the README's loading section for the format.
"""

from __future__ import annotations

import hashlib
import re
import string
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import re2
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from kg import model
from loaders.errors import LoadInputError
from loaders.kinds import KINDS
from loaders.readers import ReadOptions

Agg = Literal["sum", "count", "count_distinct", "min", "max", "first", "last", "list"]
NormStep = Literal["spaces", "accents", "punctuation", "upper", "lower", "id"]
PropType = Literal["str", "int", "float", "date", "list"]
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Names a mapping may not give a property of its own: provenance and the writer's row fields.
_TAKEN = {p.name for p in model.PROVENANCE} | {"key", "start", "end", "props"}


def check_regex(value: str) -> str:
    """A user's pattern must compile on RE2 (linear time: no backreferences, no lookaround)."""
    options = re2.Options()
    options.log_errors = False
    try:
        re2.compile(value, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        reason = reason.decode() if isinstance(reason, bytes) else str(reason)
        raise ValueError(
            f"{value!r} is not a regular expression RE2 accepts ({reason}); patterns run in "
            "linear time, so backreferences and lookaround are not available"
        ) from exc
    return value


def template_slots(template: str) -> list[str]:
    """The ``{column}`` slots of a template; refuse attribute, index, conversion or spec."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"not a valid template: {exc}") from exc
    slots = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not re.fullmatch(r"[^\d.\[\]{}][^.\[\]{}]*", name) or spec or conversion:
            raise ValueError(
                f"template slot {{{name}{'!' + conversion if conversion else ''}"
                f"{':' + spec if spec else ''}}} is not allowed: use plain {{column}} names"
            )
        slots.append(name)
    return slots


class ColumnMap(BaseModel):
    """How one canonical column (or property) is made from the source row, step by step."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str | list[str] | None = Field(
        default=None, alias="from", description="a column, or columns tried in turn"
    )
    const: Any = None
    template: str | list[str] | None = Field(
        default=None, description="'{column}' text; a list is tried in turn (fallbacks)"
    )
    normalize: list[NormStep] | None = None
    case: Literal["upper", "lower"] | None = None
    extract: str | None = None
    values: str | None = Field(default=None, description="a value table of the mapping")
    map: dict[str, Any] | None = None
    split: str | None = None
    date: str | None = Field(default=None, description="'year' or a strptime format")
    default: Any = None
    agg: Agg | None = None
    type: PropType | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """``name: Column`` is short for ``name: {from: Column}``."""
        if isinstance(data, str):
            return {"from": data}
        if isinstance(data, dict) and isinstance(data.get("normalize"), str):
            return {**data, "normalize": [data["normalize"]]}
        return data

    @field_validator("template")
    @classmethod
    def _plain_fields(cls, value: str | list[str] | None) -> str | list[str] | None:
        for item in [value] if isinstance(value, str) else value or []:
            template_slots(item)
        return value

    @field_validator("extract")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return check_regex(value) if value is not None else value

    @model_validator(mode="after")
    def _one_source(self) -> ColumnMap:
        given = [k for k in ("from_", "const", "template") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError("give one of from, const or template, not several")
        if not given and self.agg != "count" and self.default is None:
            raise ValueError("say where the value comes from: from, const or template")
        return self

    def sources(self) -> list[str]:
        return [self.from_] if isinstance(self.from_, str) else list(self.from_ or [])

    def templates(self) -> list[str]:
        return [self.template] if isinstance(self.template, str) else list(self.template or [])


class Explode(BaseModel):
    """Turn a list column into one row per group of ``len(into)`` items."""

    model_config = ConfigDict(extra="forbid")
    column: str
    into: list[str] = Field(min_length=1)


class Unpivot(BaseModel):
    """Wide to long: columns ``supplier_1 ... supplier_20`` become one row per filled cell."""

    model_config = ConfigDict(extra="forbid")
    columns: str | list[str] = Field(description="a list of columns, or an RE2 pattern")
    into: str = Field(description="the column the cell values go into")
    name: str | None = Field(default=None, description="a column for the source column's name")

    @field_validator("columns")
    @classmethod
    def _pattern(cls, value: str | list[str]) -> str | list[str]:
        return check_regex(value) if isinstance(value, str) else value


class Join(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: str
    on: str | list[str]
    how: Literal["inner", "left"] = "left"

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, data: Any) -> Any:
        """YAML 1.1 reads a bare ``on:`` key as true: take it back as ``on``."""
        if isinstance(data, dict) and True in data:
            data = {("on" if k is True else k): v for k, v in data.items()}
        return data

    def columns(self) -> list[str]:
        return [self.on] if isinstance(self.on, str) else list(self.on)


class Output(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    kind: str
    from_: str | None = Field(default=None, alias="from", description="the input it reads")
    sql: str | None = Field(default=None, description="a SELECT over the inputs, by name")
    join: list[Join] = Field(default_factory=list)
    where: str | None = Field(default=None, description="an SQL condition on source columns")
    explode: Explode | None = None
    unpivot: Unpivot | None = None
    columns: dict[str, ColumnMap]
    properties: dict[str, ColumnMap] = Field(default_factory=dict)
    identity: list[str] = Field(default_factory=list)
    same_key: Literal["reject", "first"] = Field(
        default="reject",
        description="rows that give one record different values: reject them, or keep the first",
    )

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"unknown kind {value!r}; kinds are {', '.join(KINDS)}")
        return value

    @model_validator(mode="after")
    def _names(self) -> Output:
        kind = KINDS[self.kind]
        known = {c.name for c in kind.columns}
        for name in self.columns:
            if name not in known:
                raise ValueError(
                    f"{self.kind} has no column {name!r} (its columns are "
                    f"{', '.join(sorted(known))}); put other values under properties"
                )
        for name in self.properties:
            if not _NAME.match(name) or name in _TAKEN or name in known or name.startswith("__"):
                raise ValueError(
                    f"property name {name!r} is not allowed: use letters, digits and _ only, "
                    f"and not a column of {self.kind} or one of {', '.join(sorted(_TAKEN))}"
                )
        if self.properties and self.kind in NO_PROPERTY_KINDS:
            raise ValueError(
                f"properties are not available for {self.kind} (its records are grouped by "
                "area); use the kind's own columns"
            )
        for name in self.identity:
            if name not in self.properties:
                raise ValueError(f"identity names {name!r}, which is not under properties")
        if self.identity and self.kind not in IDENTITY_KINDS:
            raise ValueError(
                f"identity applies to links only ({', '.join(IDENTITY_KINDS)}), not {self.kind}"
            )
        if self.sql and (self.from_ or self.join):
            raise ValueError("give sql, or from (with join), not both")
        return self

    def aggregated(self) -> bool:
        return any(c.agg for c in (*self.columns.values(), *self.properties.values()))


# Kinds whose main record is not one per row (demand groups its areas): no properties.
NO_PROPERTY_KINDS: tuple[str, ...] = ("demand",)
# Kinds whose main record is a link, so a property may be part of its identity.
IDENTITY_KINDS: tuple[str, ...] = ("supplies", "capacity", "bom", "key_enterprises")


class ReadSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["csv", "excel", "json", "jsonl", "parquet"] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int = 0
    ragged_tail: str | None = None

    def options(self) -> ReadOptions:
        return ReadOptions(
            format=self.format,
            encoding=self.encoding,
            delimiter=self.delimiter,
            sheet=self.sheet,
            ragged_tail=self.ragged_tail,
        )


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")
    files: str = Field(description="a file-name pattern, e.g. '*shares*.csv'")
    read: ReadSpec | None = None


SINGLE_INPUT = "source"


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    read: ReadSpec = ReadSpec()
    inputs: dict[str, Input] | None = None
    values: dict[str, dict[str, Any]] = Field(default_factory=dict)
    chain: str | None = Field(
        default=None, description="chain of the products; '{file_stem}' names it after the file"
    )
    source: str | None = None
    basis: Literal["declared", "surveyed", "customs record", "inferred"] | None = None
    outputs: list[Output] = Field(min_length=1)
    # sha256 of the mapping's meaning (set by load_mapping): a repeat is recognised by it.
    digest: str = Field(default="", exclude=True)
    _lines: dict[tuple[Any, ...], int] = PrivateAttr(default_factory=dict)
    _path: str = PrivateAttr(default="mapping")

    @field_validator("inputs")
    @classmethod
    def _input_names(cls, value: dict[str, Input] | None) -> dict[str, Input] | None:
        for name in value or {}:
            if not _NAME.match(name):
                raise ValueError(f"input name {name!r}: use letters, digits and _ only")
        return value

    @model_validator(mode="after")
    def _references(self) -> Mapping:
        names = self.input_names()
        for n, output in enumerate(self.outputs):
            for used in [output.from_, *(j.input for j in output.join)]:
                if used is not None and used not in names:
                    raise ValueError(
                        f"outputs.{n} reads input {used!r}; the inputs are {', '.join(names)}"
                    )
            for spec in (*output.columns.values(), *output.properties.values()):
                if spec.values is not None and spec.values not in self.values:
                    raise ValueError(
                        f"outputs.{n} uses value table {spec.values!r}; the mapping's value "
                        f"tables are {', '.join(self.values) or '(none)'}"
                    )
        return self

    def line_of(self, where: tuple[Any, ...]) -> int:
        """The YAML line of a key (or of the nearest enclosing one)."""
        for n in range(len(where), -1, -1):
            if where[:n] in self._lines:
                return self._lines[where[:n]]
        return 1

    @property
    def path(self) -> str:
        return self._path

    def input_names(self) -> list[str]:
        return list(self.inputs) if self.inputs else [SINGLE_INPUT]

    def read_options(self, input_name: str = SINGLE_INPUT) -> ReadOptions:
        spec = self.inputs[input_name].read if self.inputs else None
        return (spec or self.read).options()

    def chain_for(self, path: Path) -> str | None:
        return self.chain.replace("{file_stem}", path.stem) if self.chain else None


def shipped_mappings() -> dict[str, Path]:
    folder = resources.files("loaders") / "mappings"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml")}


def _mapping_path(name_or_path: str) -> Path:
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
    return path


def _lines(node: yaml.Node, where: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    """The YAML line of every key and item, by its path (1-based lines)."""
    out.setdefault(where, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*where, key.value)
            out[here] = key.start_mark.line + 1
            _lines(value, here, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[(*where, i)] = item.start_mark.line + 1
            _lines(item, (*where, i), out)


def _in_user_words(error: Any) -> str:
    """A pydantic error as a sentence about the YAML, without our class names."""
    kind, msg = str(error["type"]), str(error["msg"])
    if kind == "extra_forbidden":
        return "is not a key this place accepts; check its spelling in the README's mapping format"
    if kind == "missing":
        return "is required here and missing"
    if kind == "literal_error":
        return "must be " + msg.removeprefix("Input should be ")
    if kind in ("string_type", "dict_type", "list_type", "int_type", "bool_type"):
        return "must be " + msg.removeprefix("Input should be ").replace("valid ", "")
    if msg.startswith("Value error, "):
        return msg.removeprefix("Value error, ")
    return msg


def _where(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The YAML path of a pydantic location: our model and validator names dropped."""
    return tuple(
        p for p in loc if isinstance(p, int) or (not str(p)[:1].isupper() and "[" not in str(p))
    )


def load_mapping(name_or_path: str) -> Mapping:
    """A shipped mapping by name, or a user's mapping file by path."""
    path = _mapping_path(name_or_path)
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise LoadInputError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise LoadInputError(f"{path}: a mapping is a YAML map with name and outputs")
    lines: dict[tuple[Any, ...], int] = {}
    if root is not None:
        _lines(root, (), lines)
    try:
        mapping = Mapping.model_validate({k: v for k, v in data.items() if k != "digest"})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _where(tuple(first["loc"]))
        alias = tuple("from" if p == "from_" else p for p in where)
        line = next((lines[alias[:n]] for n in range(len(alias), -1, -1) if alias[:n] in lines), 1)
        key = ".".join(str(p) for p in alias) or "(top)"
        more = len(exc.errors()) - 1
        raise LoadInputError(
            f"{path}, line {line}, at {key}: {_in_user_words(first)}"
            + (f" ({more} more problem(s) after this one)" if more else "")
        ) from exc
    canonical = mapping.model_dump_json(exclude={"name", "description"}, by_alias=True)
    mapping.digest = hashlib.sha256(canonical.encode()).hexdigest()
    mapping._lines = lines
    mapping._path = str(path)
    return mapping
