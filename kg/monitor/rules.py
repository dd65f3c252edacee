"""Early-warning rules as configuration: the shipped YAML, a user's file over it, overrides.

The shipped file (kg/monitor/rules.yaml) documents every setting and its default. A user's
file has the same shape and is laid over the defaults key by key (lists replace). Everything
is validated with pydantic; a bad file raises RulesError naming the file, the setting and
what is wrong with it. Overrides by chain and product category are resolved per product by
``Rules.for_product``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Level = Literal["red", "yellow", "blue"]
LEVELS: tuple[Level, ...] = ("red", "yellow", "blue")  # most severe first
Category = Literal["raw material", "material", "component", "equipment", "final"]
ProductClass = Literal["parts", "raw_materials", "none"]
SnapshotKind = Literal["inventory", "capacity", "stockpiles", "demand"]
SHIPPED = "rules.yaml"


class RulesError(ValueError):
    """The rules are wrong; the message names the file, the setting and what to change."""


def severity(level: Level) -> int:
    """0 for red (most severe), 1 for yellow, 2 for blue."""
    return LEVELS.index(level)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- the settings ---------------------------------------------------------------------------


class Classes(_Strict):
    """Which product categories count as parts and which as bulk raw materials."""

    parts: tuple[Category, ...]
    raw_materials: tuple[Category, ...]
    uncategorised: ProductClass

    @model_validator(mode="after")
    def _disjoint(self) -> Self:
        both = sorted(set(self.parts) & set(self.raw_materials))
        if both:
            raise ValueError(
                f"{', '.join(both)} is listed both as parts and as raw_materials; "
                "a category belongs to one class"
            )
        return self

    def of(self, category: str | None) -> ProductClass:
        if not category:
            return self.uncategorised
        if category in self.parts:
            return "parts"
        if category in self.raw_materials:
            return "raw_materials"
        return "none"


class Thresholds(_Strict):
    """A level applies when the value is below its threshold; red <= yellow <= blue."""

    red: float
    yellow: float
    blue: float

    @model_validator(mode="after")
    def _nested(self) -> Self:
        if not self.red <= self.yellow <= self.blue:
            raise ValueError(
                f"thresholds must nest: red ({self.red:g}) <= yellow ({self.yellow:g}) "
                f"<= blue ({self.blue:g})"
            )
        return self

    def level(self, value: float) -> Level | None:
        """The most severe level whose threshold ``value`` is below, or None."""
        for level in LEVELS:
            if value < getattr(self, level):
                return level
        return None

    def threshold(self, level: Level) -> float:
        return float(getattr(self, level))


class PartsRule(_Strict):
    red_below_days: float = Field(gt=0)


class RawMaterialsRule(_Strict):
    days_of_cover: Thresholds
    supply_gap: Thresholds
    supply: Literal["capacity", "output"]

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        if self.days_of_cover.red <= 0:
            raise ValueError("days_of_cover.red must be above 0 days")
        if self.supply_gap.red <= -1:
            raise ValueError("supply_gap.red must be above -1 (supply cannot fall below zero)")
        return self


class StaleAges(_Strict):
    inventory: int = Field(ge=1)
    capacity: int = Field(ge=1)
    stockpiles: int = Field(ge=1)
    demand: int = Field(ge=1)


class StaleRule(_Strict):
    level: Level
    max_age_days: StaleAges


class CascadeRule(_Strict):
    levels: tuple[Level, ...]


# ---- overrides: the same settings, every field optional ------------------------------------


class _ThresholdsPatch(_Strict):
    red: float | None = None
    yellow: float | None = None
    blue: float | None = None


class _PartsPatch(_Strict):
    red_below_days: float | None = Field(default=None, gt=0)


class _RawPatch(_Strict):
    days_of_cover: _ThresholdsPatch | None = None
    supply_gap: _ThresholdsPatch | None = None
    supply: Literal["capacity", "output"] | None = None


class _StaleAgesPatch(_Strict):
    inventory: int | None = Field(default=None, ge=1)
    capacity: int | None = Field(default=None, ge=1)
    stockpiles: int | None = Field(default=None, ge=1)
    demand: int | None = Field(default=None, ge=1)


class _StalePatch(_Strict):
    level: Level | None = None
    max_age_days: _StaleAgesPatch | None = None


class Override(_Strict):
    """Settings for the products of one chain and/or one category."""

    chain: str | None = None
    category: Category | None = None
    parts: _PartsPatch | None = None
    raw_materials: _RawPatch | None = None
    stale: _StalePatch | None = None

    @model_validator(mode="after")
    def _names_a_scope(self) -> Self:
        if self.chain is None and self.category is None:
            raise ValueError("an override needs a chain, a category or both")
        return self

    def matches(self, category: str | None, chains: Iterable[str]) -> bool:
        if self.category is not None and self.category != category:
            return False
        return self.chain is None or self.chain in set(chains)

    def describe(self) -> str:
        parts = [f"chain {self.chain}" if self.chain else "", self.category or ""]
        return " / ".join(p for p in parts if p)

    def patch(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, include={"parts", "raw_materials", "stale"})


class _Sections(_Strict):
    parts: PartsRule
    raw_materials: RawMaterialsRule
    stale: StaleRule


class ProductRules(_Strict):
    """The rules in force for one product, after its overrides."""

    product_class: ProductClass
    parts: PartsRule
    raw_materials: RawMaterialsRule
    stale: StaleRule
    overrides: tuple[str, ...] = ()  # the overrides that applied, described


class Rules(_Strict):
    """The whole rule set: defaults, classes, cascade and overrides."""

    version: Literal[1]
    classes: Classes
    parts: PartsRule
    raw_materials: RawMaterialsRule
    stale: StaleRule
    cascade: CascadeRule
    overrides: tuple[Override, ...] = ()
    origin: str = "shipped defaults"

    @model_validator(mode="after")
    def _overrides_apply(self) -> Self:
        for i, override in enumerate(self.overrides):
            try:
                self._apply([override])
            except ValidationError as exc:
                raise ValueError(
                    f"override {i + 1} ({override.describe()}) gives invalid settings: "
                    + "; ".join(_describe_error(e) for e in exc.errors())
                ) from None
        return self

    def _apply(self, overrides: Iterable[Override]) -> dict[str, Any]:
        base = self.model_dump(include={"parts", "raw_materials", "stale"})
        for override in overrides:
            base = deep_merge(base, override.patch())
        _Sections.model_validate(base)
        return base

    def for_product(self, category: str | None, chains: Iterable[str] = ()) -> ProductRules:
        """The effective rules of a product of ``category`` in ``chains``."""
        return _for_product(self, category, tuple(sorted(set(chains))))

    def chains_named(self) -> set[str]:
        return {o.chain for o in self.overrides if o.chain}


@lru_cache(maxsize=8192)
def _for_product(rules: Rules, category: str | None, chains: tuple[str, ...]) -> ProductRules:
    matching = [o for o in rules.overrides if o.matches(category, chains)]
    try:
        settings = rules._apply(matching)
    except ValidationError as exc:
        raise RulesError(
            f"rules ({rules.origin}): the overrides "
            f"{', '.join(o.describe() for o in matching)} together give invalid settings for "
            f"products of category {category or '(none)'} in {', '.join(chains) or 'no chain'}: "
            + "; ".join(_describe_error(e) for e in exc.errors())
        ) from None
    return ProductRules(
        product_class=rules.classes.of(category),
        overrides=tuple(o.describe() for o in matching),
        **settings,
    )


# ---- loading --------------------------------------------------------------------------------


def deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``top`` laid over ``base``: mappings merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _describe_error(error: Any) -> str:
    loc = ".".join(str(p) for p in error.get("loc", ()) if p != "__root__")
    msg = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    shown = ""
    if error.get("type") not in ("missing", "value_error") and "input" in error:
        value = error["input"]
        if not isinstance(value, (dict, list)):
            shown = f" (got {value!r})"
    return f"{loc}: {msg}{shown}" if loc else f"{msg}{shown}"


def _read_yaml(text: str, where: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesError(f"rules file {where}: not valid YAML{at}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RulesError(
            f"rules file {where}: the top level must be a mapping of settings "
            f"(version, classes, parts, raw_materials, stale, cascade, overrides), "
            f"not a {type(data).__name__}"
        )
    return data


@cache
def shipped_document() -> dict[str, Any]:
    """The shipped defaults, as read from kg/monitor/rules.yaml."""
    text = resources.files("kg.monitor").joinpath(SHIPPED).read_text(encoding="utf-8")
    return _read_yaml(text, "kg/monitor/rules.yaml (shipped)")


def rules_from_mapping(data: Mapping[str, Any], origin: str = "given settings") -> Rules:
    """Rules from a mapping laid over the shipped defaults (the API and tests use this)."""
    merged = deep_merge(shipped_document(), data)
    merged["origin"] = origin
    try:
        return Rules.model_validate(merged)
    except ValidationError as exc:
        problems = "; ".join(_describe_error(e) for e in exc.errors())
        raise RulesError(
            f"rules file {origin}: {problems}. The shipped kg/monitor/rules.yaml documents "
            "every setting"
        ) from None


def load_rules(path: str | Path | None = None) -> Rules:
    """The shipped defaults, or a user's rules file laid over them."""
    if path is None:
        return rules_from_mapping({}, "shipped defaults")
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(f"rules file {file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"rules file {file}: cannot be read ({exc})") from None
    return rules_from_mapping(_read_yaml(text, str(file)), str(file))


def default_rules() -> Rules:
    return load_rules(None)
