"""The disruption map's input: a plain description of what a scenario does.

An :class:`Impact` names what is removed (enterprises, regions with their sub-regions,
products), the key products lost, and the products reduced with the share of output left.
The analyses' disruption scenario (issue 6) produces one; so can a JSON file an analyst writes:

    {"title": "Loss of Suzhou melt-blown capacity",
     "removed": {"enterprises": ["91320500MA1C23456M"], "regions": [], "products": []},
     "lost": ["N95"],
     "reduced": {"MB-FABRIC": 0.27}}

``reduced`` may also be a list of ``{"product": ID, "left": 0.27}``.
"""

from __future__ import annotations

import importlib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from kg.connection import Graph
from kg.maps.data import (
    Q_ENTERPRISES,
    Q_MADE_BY,
    MapData,
    MapEdge,
    enterprise_node,
    enterprises_in_regions,
    node_key,
    product_scope_data,
    region_nodes,
    rows,
)
from kg.maps.text import percent
from kg.tiers import NotFoundError


class ImpactError(ValueError):
    """An impact description that cannot be used; the message says where and what to do."""


class ScenarioProduct(Protocol):
    """One product in a disruption scenario's result (kg.analysis.disruption.ProductImpact)."""

    @property
    def product(self) -> str: ...
    @property
    def key(self) -> bool: ...
    @property
    def remaining_share(self) -> float | None: ...
    @property
    def days_of_cover(self) -> float | None: ...
    @property
    def days_to_recover(self) -> float | None: ...
    @property
    def at_risk(self) -> bool | None: ...


class Scenario(Protocol):
    """What the analyses' disrupt() returns (kg.analysis.disruption.Impact)."""

    @property
    def enterprises(self) -> Sequence[str]: ...
    @property
    def regions(self) -> Sequence[str]: ...
    @property
    def products(self) -> Sequence[str]: ...
    @property
    def lost(self) -> Sequence[ScenarioProduct]: ...
    @property
    def reduced(self) -> Sequence[ScenarioProduct]: ...
    @property
    def key_output_lost(self) -> float | None: ...


@dataclass(frozen=True)
class Impact:
    removed_enterprises: tuple[str, ...] = ()
    removed_regions: tuple[str, ...] = ()
    removed_products: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()  # product ids no longer available
    reduced: tuple[tuple[str, float], ...] = ()  # (product id, share of output left, 0..1)
    title: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)  # shown as notes, e.g. "time to survive"

    def __post_init__(self) -> None:
        for pid, left in self.reduced:
            if not (isinstance(left, (int, float)) and math.isfinite(left) and 0 <= left <= 1):
                raise ImpactError(
                    f"reduced product {pid!r}: the share of output left must be a number from "
                    f"0 to 1, got {left!r}"
                )
        if not (self.removed_any or self.lost or self.reduced):
            raise ImpactError(
                "the impact names nothing: give removed enterprises, regions or products, "
                "or lost or reduced products"
            )

    @property
    def removed_any(self) -> bool:
        return bool(self.removed_enterprises or self.removed_regions or self.removed_products)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], where: str = "impact") -> Impact:
        if not isinstance(raw, Mapping):
            raise ImpactError(f"{where}: expected a JSON object, got {type(raw).__name__}")
        known = {"title", "removed", "lost", "reduced", "notes"}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ImpactError(
                f"{where}: unknown key(s) {', '.join(unknown)}; use {', '.join(sorted(known))}"
            )
        removed = raw.get("removed") or {}
        if not isinstance(removed, Mapping):
            raise ImpactError(
                f"{where}.removed: expected an object with enterprises, regions, products"
            )
        bad = sorted(set(removed) - {"enterprises", "regions", "products"})
        if bad:
            raise ImpactError(
                f"{where}.removed: unknown key(s) {', '.join(bad)}; "
                "use enterprises, regions, products"
            )
        reduced_raw = raw.get("reduced") or {}
        reduced: list[tuple[str, float]] = []
        if isinstance(reduced_raw, Mapping):
            items: Iterable[tuple[Any, Any]] = reduced_raw.items()
        elif isinstance(reduced_raw, list):
            items = []
            for i, item in enumerate(reduced_raw):
                if not isinstance(item, Mapping) or "product" not in item or "left" not in item:
                    raise ImpactError(
                        f'{where}.reduced[{i}]: expected {{"product": ID, "left": 0..1}}'
                    )
                items.append((item["product"], item["left"]))
        else:
            raise ImpactError(f"{where}.reduced: expected an object of product id -> share left")
        for pid, left in items:
            if isinstance(left, bool) or not isinstance(left, (int, float)):
                raise ImpactError(
                    f"{where}.reduced[{pid!r}]: the share of output left must be a number from "
                    f"0 to 1, got {left!r}"
                )
            reduced.append((str(pid), float(left)))
        notes = raw.get("notes") or {}
        if not isinstance(notes, Mapping):
            raise ImpactError(f"{where}.notes: expected an object of name -> text")
        return cls(
            removed_enterprises=_ids(removed.get("enterprises"), f"{where}.removed.enterprises"),
            removed_regions=_ids(removed.get("regions"), f"{where}.removed.regions"),
            removed_products=_ids(removed.get("products"), f"{where}.removed.products"),
            lost=_ids(raw.get("lost"), f"{where}.lost"),
            reduced=tuple(reduced),
            title=str(raw.get("title") or ""),
            extra={str(k): str(v) for k, v in notes.items()},
        )

    @classmethod
    def from_scenario(cls, scenario: Scenario, title: str = "") -> Impact:
        """The impact of a disruption scenario computed by the analyses (disrupt())."""
        notes: dict[str, str] = {}
        if scenario.key_output_lost is not None:
            notes["Key-product output lost"] = percent(scenario.key_output_lost)
        at_risk = [
            f"{p.product} (stock lasts {_days(p.days_of_cover)}, recovery takes "
            f"{_days(p.days_to_recover)})"
            for p in (*scenario.lost, *scenario.reduced)
            if p.at_risk
        ]
        if at_risk:
            notes["At risk (stock runs out before recovery)"] = ", ".join(at_risk)
        return cls(
            removed_enterprises=tuple(scenario.enterprises),
            removed_regions=tuple(scenario.regions),
            removed_products=tuple(scenario.products),
            lost=tuple(p.product for p in scenario.lost),
            reduced=tuple(
                (p.product, min(1.0, max(0.0, p.remaining_share or 0.0))) for p in scenario.reduced
            ),
            title=title,
            extra=notes,
        )

    @classmethod
    def from_json(cls, path: Path) -> Impact:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ImpactError(
                f"{path}: no such file; give the path of an impact JSON file"
            ) from exc
        except json.JSONDecodeError as exc:
            raise ImpactError(
                f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise ImpactError(f"{path}: not UTF-8 text; save the file as UTF-8") from exc
        return cls.from_dict(raw, where=str(path))

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "removed": {
                "enterprises": list(self.removed_enterprises),
                "regions": list(self.removed_regions),
                "products": list(self.removed_products),
            },
            "lost": list(self.lost),
            "reduced": dict(self.reduced),
            "notes": dict(self.extra),
        }


def _days(value: float | None) -> str:
    return "unknown" if value is None else f"{value:,.1f} days"


DisruptFunction = Callable[..., Scenario]


def analysis_disrupt() -> DisruptFunction | None:
    """The analyses' disrupt(graph, enterprises, regions, products), when they are installed.

    Looked up at run time so the maps work before and after the analyses (issue 6) land;
    ``supplymap map disruption`` computes what is lost and reduced with it when only
    removals are given.
    """
    try:
        module = importlib.import_module("kg.analysis")
    except ImportError:
        return None
    found = getattr(module, "disrupt", None)
    return cast(DisruptFunction, found) if callable(found) else None


def _ids(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list):
        raise ImpactError(f"{where}: expected a list of ids")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, (str, int)) or isinstance(item, bool) or str(item).strip() == "":
            raise ImpactError(f"{where}[{i}]: expected an id (text), got {item!r}")
        out.append(str(item))
    return tuple(dict.fromkeys(out))


def disruption_data(graph: Graph, impact: Impact) -> MapData:
    """What the scenario removes and every product upstream of what it loses or reduces."""
    in_regions = enterprises_in_regions(graph, impact.removed_regions)
    regions = region_nodes(graph, impact.removed_regions)
    missing_regions = sorted(set(impact.removed_regions) - {r.id for r in regions})
    removed_enterprises = set(impact.removed_enterprises) | set(in_regions)
    made = rows(graph, Q_MADE_BY, {"ids": sorted(removed_enterprises)})
    reduced = dict(impact.reduced)
    removed_products = set(impact.removed_products) | {str(p) for p in made}
    if impact.lost or reduced:
        # What was lost or reduced, everything it is made from (the removed among it).
        nodes, edges = product_scope_data(graph, set(impact.lost) | set(reduced) | removed_products)
    else:
        # No consequences given: show what the removed products go into, all the way down.
        nodes, edges = product_scope_data(graph, (), removed_products)
    found = {n.id for n in nodes if n.kind == "product"}
    missing_products = sorted(
        (set(impact.lost) | set(reduced) | set(impact.removed_products)) - found
    )
    have = {n.id for n in nodes if n.kind == "enterprise"}
    extra_ids = sorted(removed_enterprises - have)
    extra = [enterprise_node(r) for r in rows(graph, Q_ENTERPRISES, {"ids": extra_ids})]
    missing_enterprises = sorted(set(impact.removed_enterprises) - have - {e.id for e in extra})
    problems = []
    if missing_enterprises:
        problems.append("enterprises " + ", ".join(missing_enterprises))
    if missing_regions:
        problems.append("regions " + ", ".join(missing_regions))
    if missing_products:
        problems.append("products " + ", ".join(missing_products))
    if problems:
        raise NotFoundError(
            "the impact names what the graph does not have: "
            + "; ".join(problems)
            + " (ids are case-sensitive)"
        )
    nodes = [*regions, *nodes, *sorted(extra, key=lambda e: e.id)]
    for r in regions:
        r.status = "removed"
    for e_id, code in sorted(in_regions.items()):
        key = node_key("enterprise", e_id)
        edges.append(MapEdge(node_key("region", code), key, "located"))
    removed_products = set(impact.removed_products)
    lost = set(impact.lost)
    if not (impact.lost or reduced):
        notes = [
            "The scenario gives no lost or reduced products: the map shows everything the "
            "removed nodes feed into, which may or may not be lost."
        ]
    else:
        notes = []
    for n in nodes:
        if n.kind == "enterprise" and n.id in removed_enterprises:
            n.status = "removed"
        elif n.kind == "product":
            if n.id in removed_products:
                n.status = "removed"
            elif n.id in lost:
                n.status = "lost"
            elif n.id in reduced:
                n.status = "reduced"
                n.remaining = reduced[n.id]
    names = {n.id: n.name for n in nodes if n.kind == "product"}
    title = impact.title or "Disruption: " + _what(impact, names, {n.id: n.name for n in nodes})
    lost_names = [names.get(p, p) for p in impact.lost]
    reduced_names = [f"{names.get(p, p)} ({percent(left)} left)" for p, left in impact.reduced]
    subtitle = f"{len(lost_names)} product(s) lost, {len(reduced_names)} reduced"
    data = MapData("disruption", title, subtitle, nodes, edges, notes=notes)
    if lost_names:
        data.notes.append("Lost: " + ", ".join(lost_names) + ".")
    if reduced_names:
        data.notes.append("Reduced: " + ", ".join(reduced_names) + ".")
    data.notes += [f"{k}: {v}" for k, v in impact.extra.items()]
    removed = len(impact.removed_enterprises) + len(impact.removed_regions)
    removed += len(impact.removed_products)
    parts = [f"{removed} removed", f"{len(lost_names)} lost", f"{len(reduced_names)} reduced"]
    parts += [f"{k.lower()} {v}" for k, v in impact.extra.items() if len(v) <= 12]
    data.summary = "Scenario: " + " · ".join(parts)
    data.product_names = names
    return data


def _what(impact: Impact, products: Mapping[str, str], any_names: Mapping[str, str]) -> str:
    parts = [any_names.get(e, e) for e in impact.removed_enterprises]
    parts += [any_names.get(r, r) for r in impact.removed_regions]
    parts += [products.get(p, p) for p in impact.removed_products]
    if not parts:
        return "what is lost or reduced"
    shown = ", ".join(parts[:3])
    return "removing " + shown + (f" and {len(parts) - 3} more" if len(parts) > 3 else "")
