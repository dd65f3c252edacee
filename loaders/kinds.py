"""The canonical file kinds: their columns, keys, references and what each writes.

A canonical file is a table whose columns carry these names (any other column is ignored).
Every loader, and every mapping, ends in one of these kinds; the README lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from kg import model
from kg.model import NodeType, RelType

ColType = Literal["str", "float", "int", "date", "list"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColType = "str"
    required: bool = False
    doc: str = ""
    min: float | None = None
    min_exclusive: bool = False
    max: float | None = None
    choices: tuple[str, ...] | None = None
    pattern: str | None = None
    pattern_hint: str = ""
    ref: NodeType | None = None
    not_future: bool = False
    default: Any = None


class Write:
    """Flat rows for one node or relationship type.

    Node rows: ``{key, <prop>...}``; relationship rows: ``{start, end, <merge key>...,
    <prop>...}``. A row carries only the properties it has a value for.

    A kind's builder gives the rows as a ``frame`` (one column per row field, NaN or None
    where a row has no value): the dicts are made from it on first use of ``rows``, and a
    bulk load (loaders/bulk.py) folds and writes the columns without making them at all.
    """

    __slots__ = ("_frame", "_rows", "target")

    def __init__(
        self,
        target: NodeType | RelType,
        rows: list[dict[str, Any]] | None = None,
        frame: pd.DataFrame | None = None,
    ) -> None:
        self.target = target
        self._rows = rows
        self._frame = frame

    @property
    def frame(self) -> pd.DataFrame | None:
        """The rows as columns (None when the write was given as dicts)."""
        return self._frame

    @property
    def rows(self) -> list[dict[str, Any]]:
        if self._rows is None:
            self._rows = frame_rows(self._frame) if self._frame is not None else []
        return self._rows

    def __len__(self) -> int:
        if self._rows is None and self._frame is not None:
            return len(self._frame)
        return len(self.rows)

    def values(self, name: str) -> list[Any]:
        """Every row's value of ``name`` (a field each row has: key, start or end)."""
        if self._rows is None and self._frame is not None:
            return list(self._frame[name].tolist())
        return [row[name] for row in self.rows]


Builder = Callable[[pd.DataFrame], list[Write]]


@dataclass(frozen=True)
class Kind:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    build: Builder
    basis: str = "declared"
    # Checks across columns of one row: (columns involved, predicate on the frame -> bad rows)
    row_rules: tuple[tuple[tuple[str, ...], Callable[[pd.DataFrame], pd.Series], str], ...] = field(
        default=()
    )

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


# ---- row building helpers -------------------------------------------------------------------


def _rows(
    df: pd.DataFrame, fields: list[tuple[str, str]], required: tuple[str, ...]
) -> pd.DataFrame:
    """The rows as a frame of one column per field (named as the rows' fields), the rows
    without a value for every ``required`` name left out."""
    keep = np.ones(len(df), dtype=bool)
    for name, column in fields:
        if name in required:
            if column not in df.columns:
                return pd.DataFrame({n: [] for n, _ in fields})
            keep &= df[column].notna().to_numpy()
    chosen = np.flatnonzero(keep)
    sub = df.iloc[chosen] if len(chosen) < len(df) else df
    # Each column keeps its dtype: text stays in pandas' Arrow string type (NaN when blank),
    # as validated, so a bulk load hashes and writes it from Arrow's arrays (the rows made
    # from the frame hold the same Python strings).
    return pd.DataFrame(
        {
            name: sub[column].reset_index(drop=True)
            for name, column in fields
            if column in sub.columns
        }
    )


def frame_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One dict per row of a write's frame, ``{field: cell}`` for each cell with a value,
    built column by column."""
    rows: list[dict[str, Any]] = [{} for _ in range(len(frame))]
    for name in frame.columns:
        series = frame[name]
        values = series.tolist()
        present = series.notna().to_numpy()
        if present.all():
            for row, value in zip(rows, values, strict=True):
                row[name] = value
        else:
            for i in np.flatnonzero(present):
                rows[i][name] = values[i]
    return rows


def _node_rows(df: pd.DataFrame, nt: NodeType, key_col: str, props: tuple[str, ...]) -> Write:
    return Write(nt, frame=_rows(df, [("key", key_col), *((p, p) for p in props)], ("key",)))


def _rel_rows(
    df: pd.DataFrame,
    rt: RelType,
    start: str,
    end: str,
    props: dict[str, str],
) -> Write:
    """``props`` maps relationship property -> column; merge keys are required."""
    fields = [("start", start), ("end", end), *props.items()]
    return Write(rt, frame=_rows(df, fields, ("start", "end", *rt.merge_keys)))


# ---- the kinds ----------------------------------------------------------------------------

ID_PATTERN = r"^[^\s\x00-\x1f](?:[^\x00-\x1f]{0,198}[^\s\x00-\x1f])?$"
ID_HINT = "an id is 1-200 characters with no control characters and no space at either end"
SLUG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
SLUG_HINT = "a chain id is letters, digits, '-', '_' or '.', e.g. medical-supplies"
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
CODE_HINT = "a region code is letters, digits, '-', '_' or '.', e.g. 330100"


def _build_enterprises(df: pd.DataFrame) -> list[Write]:
    props = ("name", "aliases", "region", "lat", "lon", "scale", "tags")
    writes = [_node_rows(df, model.ENTERPRISE, "id", props)]
    writes.append(_rel_rows(df, model.LOCATED_IN, "id", "region", {}))
    writes.append(_rel_rows(df, model.OWNED_BY, "id", "parent_id", {"share": "parent_share"}))
    return writes


def _build_products(df: pd.DataFrame) -> list[Write]:
    props = (
        "name",
        "hs_code",
        "unit",
        "category",
        "stage_type",
        "lead_time_days",
        "unit_cost",
        "demand_per_day",
    )
    writes = [_node_rows(df, model.PRODUCT, "id", props)]
    members = df[["id", "chain", "stage"]].explode("chain")
    writes.append(_rel_rows(members, model.IN_CHAIN, "id", "chain", {"stage": "stage"}))
    return writes


def _build_regions(df: pd.DataFrame) -> list[Write]:
    writes = [_node_rows(df, model.REGION, "code", ("name", "level"))]
    writes.append(_rel_rows(df, model.PART_OF, "code", "parent", {}))
    return writes


def _build_chains(df: pd.DataFrame) -> list[Write]:
    return [_node_rows(df, model.CHAIN, "id", ("name", "description"))]


def _build_bom(df: pd.DataFrame) -> list[Write]:
    return [
        _rel_rows(
            df,
            model.INPUT_TO,
            "input",
            "output",
            {"qty_per_unit": "qty_per_unit", "alt_group": "alt_group"},
        )
    ]


def _build_supplies(df: pd.DataFrame) -> list[Write]:
    cols = ["supplier", "customer", "product", "share", "volume", "lead_time_days", "since"]
    return [
        _rel_rows(
            df,
            model.SUPPLIES,
            "supplier",
            "customer",
            {c: c for c in cols[2:]},
        )
    ]


def _build_capacity(df: pd.DataFrame) -> list[Write]:
    cols = ["enterprise", "product", "capacity_per_day", "output_per_day", "unit", "as_of"]
    props = {c: c for c in cols[2:]}
    # PRODUCES keeps the latest figures (an older row leaves it as it is: current_by);
    # every dated row with a figure is also kept as a CAPACITY_SNAPSHOT, the capacity history.
    # A producer on record without a capacity is still a producer (capacity unknown, not 0).
    figures = df["capacity_per_day"].notna() | df["output_per_day"].notna()
    dated = df[df["as_of"].notna() & figures]
    return [
        _rel_rows(df, model.PRODUCES, "enterprise", "product", {**props, "share": "share"}),
        _rel_rows(dated, model.CAPACITY_SNAPSHOT, "enterprise", "product", props),
    ]


def _build_region_shares(df: pd.DataFrame) -> list[Write]:
    return [
        _rel_rows(df, model.REGION_SHARE, "region", "product", {"share": "share", "as_of": "as_of"})
    ]


def _build_inventory(df: pd.DataFrame) -> list[Write]:
    cols = ["holder", "product", "stock", "daily_use", "as_of"]
    return [_rel_rows(df, model.HOLDS, "holder", "product", {c: c for c in cols[2:]})]


def _build_stockpiles(df: pd.DataFrame) -> list[Write]:
    cols = ["reserve", "product", "stock", "target", "as_of"]
    return [_rel_rows(df, model.STOCKPILES, "reserve", "product", {c: c for c in cols[2:]})]


def _build_conversions(df: pd.DataFrame) -> list[Write]:
    cols = ["enterprise", "product", "capacity_per_day", "ramp_days", "as_of"]
    return [_rel_rows(df, model.CAN_PRODUCE, "enterprise", "product", {c: c for c in cols[2:]})]


def _build_demand(df: pd.DataFrame) -> list[Write]:
    # One Area per id; the first value given wins (a row rule rejects disagreeing ones).
    named = df.rename(columns={"area_name": "name"})
    areas = named.groupby("area", sort=False)[["name", "sector", "region"]].first().reset_index()
    cols = ["area", "product", "priority", "daily_demand", "as_of"]
    demand = df[cols].astype({"priority": object})
    demand["priority"] = [int(p) if p == p and p is not None else None for p in df["priority"]]
    return [
        _node_rows(areas, model.AREA, "area", ("name", "sector", "region")),
        _rel_rows(areas, model.AREA_LOCATED_IN, "area", "region", {}),
        _rel_rows(demand, model.DEMANDS, "area", "product", {c: c for c in cols[2:]}),
    ]


def _build_key_enterprises(df: pd.DataFrame) -> list[Write]:
    return [
        _rel_rows(
            df,
            model.KEY_ENTERPRISE_OF,
            "enterprise",
            "chain",
            {"reason": "reason", "since": "since"},
        )
    ]


def _not_self(a: str, b: str) -> Callable[[pd.DataFrame], pd.Series]:
    def bad(df: pd.DataFrame) -> pd.Series:
        return df[a].notna() & (df[a] == df[b])

    return bad


def _output_over_capacity(df: pd.DataFrame) -> pd.Series:
    return (
        df["capacity_per_day"].notna()
        & df["output_per_day"].notna()
        & (df["output_per_day"] > df["capacity_per_day"] * 1.0000001)
    )


def _half_position(df: pd.DataFrame) -> pd.Series:
    return df["lat"].isna() != df["lon"].isna()


def _area_disagrees(df: pd.DataFrame) -> pd.Series:
    """Rows whose area_name, sector or region differ from an earlier row of the same area."""
    bad = pd.Series(False, index=df.index)
    for c in ("area_name", "sector", "region"):
        given = df[c].notna() & df["area"].notna()
        first = df[given].groupby("area")[c].transform("first")
        bad |= pd.Series(given & (df[c] != first.reindex(df.index)), index=df.index)
    return bad


ENT, PRODUCT, CHAIN, REGION = model.ENTERPRISE, model.PRODUCT, model.CHAIN, model.REGION

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "regions",
            "Administrative regions; a parent makes (:Region)-[:PART_OF]->(:Region).",
            (
                Column(
                    "code",
                    required=True,
                    pattern=CODE_PATTERN,
                    pattern_hint=CODE_HINT,
                    doc="administrative code, e.g. 330100",
                ),
                Column("name", required=True),
                Column("level", choices=model.REGION_LEVELS),
                Column("parent", ref=REGION, doc="code of the enclosing region"),
            ),
            key=("code",),
            build=_build_regions,
            row_rules=(
                (
                    ("code", "parent"),
                    _not_self("code", "parent"),
                    "a region cannot be its own parent",
                ),
            ),
        ),
        Kind(
            "chains",
            "Categorised chain maps.",
            (
                Column("id", required=True, pattern=SLUG_PATTERN, pattern_hint=SLUG_HINT),
                Column("name", required=True),
                Column("description"),
            ),
            key=("id",),
            build=_build_chains,
        ),
        Kind(
            "enterprises",
            "Companies and plants; region makes LOCATED_IN, parent_id makes OWNED_BY.",
            (
                Column(
                    "id",
                    required=True,
                    pattern=ID_PATTERN,
                    pattern_hint=ID_HINT,
                    doc="unified social credit code (checked) or any stable id",
                ),
                Column("name", required=True),
                Column("aliases", "list", doc="';'-separated other names"),
                Column("region", ref=REGION, doc="code of the region it sits in"),
                Column("lat", "float", min=-90, max=90),
                Column("lon", "float", min=-180, max=180),
                Column("scale", choices=model.ENTERPRISE_SCALES),
                Column("tags", "list", doc="';'-separated tags"),
                Column("parent_id", ref=ENT, doc="id of the owning enterprise"),
                Column("parent_share", "float", min=0, max=1, doc="share held by the parent"),
            ),
            key=("id",),
            build=_build_enterprises,
            row_rules=(
                (
                    ("id", "parent_id"),
                    _not_self("id", "parent_id"),
                    "an enterprise cannot be its own parent",
                ),
                (("lat", "lon"), _half_position, "give both lat and lon, or neither"),
            ),
        ),
        Kind(
            "products",
            "Goods; chain (';'-separated chain ids) and stage make IN_CHAIN.",
            (
                Column(
                    "id",
                    required=True,
                    pattern=ID_PATTERN,
                    pattern_hint=ID_HINT,
                    doc="internal code or HS code",
                ),
                Column("name", required=True),
                Column(
                    "hs_code",
                    pattern=r"^\d{2,10}$",
                    pattern_hint="an HS code is 2-10 digits, e.g. 630790",
                    doc="Harmonized System code, digits (dots are removed)",
                ),
                Column("unit"),
                Column("category", choices=model.PRODUCT_CATEGORIES),
                Column("stage_type", doc="the source's own stage class"),
                Column("lead_time_days", "float", min=0),
                Column("unit_cost", "float", min=0),
                Column("demand_per_day", "float", min=0),
                Column("chain", "list", ref=CHAIN, doc="';'-separated chain ids"),
                Column("stage", choices=model.CHAIN_STAGES),
            ),
            key=("id",),
            build=_build_products,
        ),
        Kind(
            "bom",
            "Bill of materials: input -> output (INPUT_TO).",
            (
                Column("input", required=True, ref=PRODUCT),
                Column("output", required=True, ref=PRODUCT),
                Column(
                    "qty_per_unit",
                    "float",
                    min=0,
                    min_exclusive=True,
                    default=1.0,
                    doc="units of input per unit of output (default 1)",
                ),
                Column("alt_group", doc="inputs of one output sharing a group substitute"),
            ),
            key=("input", "output"),
            build=_build_bom,
            row_rules=(
                (
                    ("input", "output"),
                    _not_self("input", "output"),
                    "a product cannot be an input to itself",
                ),
            ),
        ),
        Kind(
            "supplies",
            "Trade links: supplier -> customer for one product (SUPPLIES).",
            (
                Column("supplier", required=True, ref=ENT),
                Column("customer", required=True, ref=ENT),
                Column("product", required=True, ref=PRODUCT),
                Column(
                    "share",
                    "float",
                    min=0,
                    max=1,
                    doc="share of the customer's purchases of the product",
                ),
                Column("volume", "float", min=0, doc="units per year"),
                Column("lead_time_days", "float", min=0),
                Column("since", "date"),
            ),
            key=("supplier", "customer", "product"),
            build=_build_supplies,
            row_rules=(
                (
                    ("supplier", "customer"),
                    _not_self("supplier", "customer"),
                    "an enterprise cannot supply itself",
                ),
            ),
        ),
        Kind(
            "capacity",
            "Capacity survey: enterprise PRODUCES product (the latest as_of wins; each dated row "
            "with a figure is kept as a CAPACITY_SNAPSHOT). A producer on record may give a "
            "capacity, a market share, both or neither (unknown capacity is never 0).",
            (
                Column("enterprise", required=True, ref=ENT),
                Column("product", required=True, ref=PRODUCT),
                Column("capacity_per_day", "float", min=0),
                Column("output_per_day", "float", min=0),
                Column("unit"),
                Column("as_of", "date", not_future=True),
                Column(
                    "share",
                    "float",
                    min=0,
                    max=1,
                    doc="the producer's market share of world output (kept apart from capacity)",
                ),
            ),
            key=("enterprise", "product"),
            build=_build_capacity,
            basis="surveyed",
            row_rules=(
                (
                    ("output_per_day",),
                    _output_over_capacity,
                    "output_per_day is above capacity_per_day",
                ),
            ),
        ),
        Kind(
            "region_shares",
            "A region's share of a product's world output (SHARE_OF_OUTPUT), e.g. a country "
            "holding 70% of an input: regional concentration from published shares.",
            (
                Column("region", required=True, ref=REGION),
                Column("product", required=True, ref=PRODUCT),
                Column("share", "float", required=True, min=0, max=1),
                Column("as_of", "date", not_future=True),
            ),
            key=("region", "product"),
            build=_build_region_shares,
            basis="declared",
        ),
        Kind(
            "inventory",
            "Inventory snapshots: holder HOLDS stock of product on a date.",
            (
                Column("holder", required=True, ref=ENT),
                Column("product", required=True, ref=PRODUCT),
                Column("stock", "float", required=True, min=0),
                Column(
                    "daily_use",
                    "float",
                    required=True,
                    min=0,
                    min_exclusive=True,
                    doc="units used per day; must be above 0 (days of cover = stock / use)",
                ),
                Column("as_of", "date", required=True, not_future=True),
            ),
            key=("holder", "product", "as_of"),
            build=_build_inventory,
            basis="surveyed",
        ),
        Kind(
            "key_enterprises",
            "The key-enterprise white list of a chain (KEY_ENTERPRISE_OF).",
            (
                Column("enterprise", required=True, ref=ENT),
                Column("chain", required=True, ref=CHAIN),
                Column("reason"),
                Column("since", "date"),
            ),
            key=("enterprise", "chain"),
            build=_build_key_enterprises,
        ),
        Kind(
            "stockpiles",
            "Strategic stockpile snapshots: a reserve STOCKPILES a product against a target.",
            (
                Column("reserve", required=True, ref=ENT, doc="id of the reserve (an enterprise)"),
                Column("product", required=True, ref=PRODUCT),
                Column("stock", "float", required=True, min=0, doc="units held"),
                Column("target", "float", required=True, min=0, doc="units it should hold"),
                Column("as_of", "date", required=True, not_future=True),
            ),
            key=("reserve", "product", "as_of"),
            build=_build_stockpiles,
            basis="surveyed",
        ),
        Kind(
            "demand",
            "Demand snapshots by area (Area DEMANDS product), served by priority (1 first).",
            (
                Column(
                    "area",
                    required=True,
                    pattern=ID_PATTERN,
                    pattern_hint=ID_HINT,
                    doc="id of the demand area (a district, hospital group...)",
                ),
                Column("product", required=True, ref=PRODUCT),
                Column(
                    "priority",
                    "int",
                    required=True,
                    min=1,
                    doc="a whole number, 1 is served first",
                ),
                Column("daily_demand", "float", required=True, min=0, doc="units per day"),
                Column("as_of", "date", required=True, not_future=True),
                Column("area_name"),
                Column("sector", choices=model.AREA_SECTORS),
                Column("region", ref=REGION, doc="code of the region the area lies in"),
            ),
            key=("area", "product", "as_of"),
            build=_build_demand,
            basis="surveyed",
            row_rules=(
                (
                    ("area", "area_name", "sector", "region"),
                    _area_disagrees,
                    "an area's area_name, sector and region must be the same on every row",
                ),
            ),
        ),
        Kind(
            "conversions",
            "Line conversion and ramp-up: enterprise CAN_PRODUCE product (a line that could be "
            "converted; for a product it makes already, its ramp-up to this capacity).",
            (
                Column("enterprise", required=True, ref=ENT),
                Column("product", required=True, ref=PRODUCT),
                Column(
                    "capacity_per_day",
                    "float",
                    required=True,
                    min=0,
                    min_exclusive=True,
                    doc="the capacity the line could reach",
                ),
                Column(
                    "ramp_days",
                    "float",
                    required=True,
                    min=0,
                    doc="days from the decision to full capacity (a linear ramp)",
                ),
                Column("as_of", "date", not_future=True),
            ),
            key=("enterprise", "product"),
            build=_build_conversions,
        ),
    )
}

# Load order when several files come in one command: referenced kinds first.
KIND_ORDER: tuple[str, ...] = tuple(KINDS)


def column_reference() -> str:
    """The canonical formats as Markdown, one table per kind (the README carries this text)."""
    out = []
    for kind in KINDS.values():
        out.append(f"#### `{kind.name}`: {kind.doc}\n")
        out.append(f"Key: {', '.join(kind.key)}. Basis by default: {kind.basis}.\n")
        out.append("| column | type | required | rule |")
        out.append("|---|---|---|---|")
        for c in kind.columns:
            rules = []
            if c.choices:
                rules.append("one of " + ", ".join(c.choices))
            if c.pattern_hint:
                rules.append(c.pattern_hint)
            if c.min is not None:
                rules.append(f"{'>' if c.min_exclusive else '>='} {c.min:g}")
            if c.max is not None:
                rules.append(f"<= {c.max:g}")
            if c.ref is not None:
                rules.append(f"a known {c.ref.label} {c.ref.key}")
            if c.not_future:
                rules.append("not in the future")
            if c.default is not None:
                rules.append(
                    f"default {c.default:g}"
                    if isinstance(c.default, float)
                    else f"default {c.default}"
                )
            if c.doc:
                rules.append(c.doc)
            kind_type = (
                "';'-separated list"
                if c.type == "list"
                else ("date YYYY-MM-DD" if c.type == "date" else c.type)
            )
            out.append(
                f"| {c.name} | {kind_type} | {'yes' if c.required else ''} | {'; '.join(rules)} |"
            )
        out.append("")
    return "\n".join(out)
