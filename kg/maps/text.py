"""Tooltip text: the figures an analyst needs, as plain text (never HTML).

The page shows each line in its own element set with ``textContent`` (the first in bold), so
whatever a name contains is shown as characters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from kg.maps.data import Bottleneck, Limit, MapEdge, MapNode, Results

MAX_LISTED = 8
MAX_LINE = 160
MAX_UPSTREAM = 4  # single points of failure named behind a bottleneck
QUALIFIERS = (" (", ", ", "; ")  # where a product's short name ends


@lru_cache(maxsize=65536)
def number(value: float | None) -> str:
    if value is None:
        return "-"
    a = abs(value)
    if a >= 1000:
        return f"{value:,.0f}"
    if a >= 10:
        return f"{value:,.1f}".rstrip("0").rstrip(".")
    if a == 0:
        return "0"
    if a >= 0.01:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def clip(text: str, limit: int = MAX_LINE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def listing(items: Sequence[str], total: int | None = None) -> str:
    total = len(items) if total is None else total
    shown = ", ".join(items[:MAX_LISTED])
    more = total - min(len(items), MAX_LISTED)
    return shown + (f", … and {more:,} more" if more > 0 else "")


def short_name(name: str) -> str:
    """A product's name up to its first qualifier, for labels and running text:
    "Melt-blown nonwoven, filter grade (BFE 99)" reads "Melt-blown nonwoven". A name that
    would shrink to fewer than three characters stays whole."""
    cut = len(name)
    for sep in QUALIFIERS:
        at = name.find(sep)
        if at != -1:
            cut = min(cut, at)
    short = name[:cut].rstrip()
    return short if len(short) >= 3 else name


def qualified_name(name: str) -> str:
    """A product's short name with its first qualifier: "Passenger car, petrol, 1.5-3.0 L"
    reads "Passenger car, petrol" (up to the second qualifier)."""
    short = short_name(name)
    if short == name:
        return name
    rest = name[len(short) :]
    sep = next(sep for sep in QUALIFIERS if rest.startswith(sep))
    tail = short_name(rest[len(sep) :].lstrip("(")) if sep != " (" else rest.split(")")[0] + ")"
    return short + (sep + tail if sep != " (" else tail)


def joined(items: Sequence[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def per_day(value: float | None, unit: str | None) -> str:
    return f"{number(value)} {unit}/day" if unit else f"{number(value)}/day"


def result_lines(
    r: Results, kind: str, spofs: Sequence[str] = (), limiting_name: str | None = None
) -> list[str]:
    """The analyses' and monitoring's results; ``spofs`` names the single points of failure
    of a product (enterprises first), ``limiting_name`` its limiting input."""
    lines: list[str] = []
    if kind == "product":
        if r.sourcing == "sole":
            lines.append("sourcing: SOLE SOURCE (one producer)")
        elif r.sourcing == "multiple":
            n = f" ({r.producers} producers)" if r.producers is not None else ""
            lines.append(f"sourcing: multiple{n}")
        elif r.sourcing == "unknown":
            lines.append("sourcing: unknown (no producer on record)")
        elif r.sourcing == "none":
            lines.append("sourcing: NO LIVE PRODUCER (producers on record, none can make it now)")
        elif r.sourcing is not None:
            lines.append(f"sourcing: {r.sourcing}")
        concentration = []
        if r.hhi is not None:
            concentration.append(f"HHI {r.hhi:.2f}")
        if r.effective_sources is not None:
            concentration.append(f"effective sources {r.effective_sources:.1f}")
        if r.hhi_region is not None:
            concentration.append(f"regional HHI {r.hhi_region:.2f}")
        if concentration:
            lines.append(" · ".join(concentration))
        singles = []
        if r.regional_single_source:
            singles.append("regional single source (all producers in one region)")
        if r.group_single_source:
            singles.append("group single source (all producers in one ownership group)")
        lines += singles
        limiting = limiting_name or r.limiting_input
        if r.achievable_per_day is not None:
            limit = f", limited by {limiting}" if limiting else ""
            lines.append(f"achievable output: {number(r.achievable_per_day)}/day{limit}")
        elif limiting:
            lines.append(f"limiting input: {limiting}")
        if spofs:
            total = max(r.spof_count or 0, len(spofs))
            lines.append(f"single points of failure ({total:,}): " + listing(list(spofs), total))
        elif r.spof_count:
            lines.append(f"hidden single points of failure: {r.spof_count}")
    risk = []
    if r.is_spof:
        risk.append("SINGLE POINT OF FAILURE of a key product")
    if r.bottleneck_score is not None:
        risk.append(f"bottleneck score {number(r.bottleneck_score)}")
    if r.capacity_criticality is not None:
        risk.append(f"capacity criticality {percent(r.capacity_criticality)}")
    if risk:
        lines.append(" · ".join(risk))
    if r.warning_level:
        reason = f": {r.warning_reason}" if r.warning_reason else ""
        dates = [f"as of {r.warning_as_of}"] if r.warning_as_of else []
        dates += [f"runs out {r.warning_runs_out}"] if r.warning_runs_out else []
        when = f" ({'; '.join(dates)})" if dates else ""
        lines.append(f"warning: {r.warning_level.upper()}{reason}{when}")
    return lines


def status_line(node: MapNode) -> str | None:
    if node.status == "removed":
        return "REMOVED in this scenario"
    if node.status == "lost":
        return "LOST: no longer available in this scenario"
    if node.status == "reduced":
        return f"REDUCED: {percent(node.remaining)} of output left in this scenario"
    return None


def node_title(
    node: MapNode,
    suppliers: int,
    customers: int,
    single_sources: int,
    downstream: bool = False,
    extra: Sequence[str] = (),
) -> str:
    """The tooltip; ``extra`` lines (what a capacity bottleneck does) follow the heading."""
    lines = [node.name]
    if node.kind == "product":
        head = f"product {node.id}"
        head += f" · {node.category}" if node.category else ""
        head += f" · {node.stage}" if node.stage else ""
        lines.append(head)
    elif node.kind == "enterprise":
        head = f"enterprise {node.id}"
        head += f" · region {node.region}" if node.region else ""
        lines.append(head)
    elif node.kind == "region":
        lines.append(f"region {node.id}")
    status = status_line(node)
    if status:
        lines.append(status)
    lines += extra
    if node.kind == "group":
        lines += _group_lines(node)
    elif node.kind == "product":
        if node.producers:
            lines.append(
                f"capacity: {per_day(node.capacity, node.unit)} from "
                f"{len(node.producers)} producer(s)"
                if node.capacity is not None
                else f"producers: {len(node.producers)}"
            )
            names = [
                f"{name} ({number(cap)})" if cap is not None else name
                for name, cap in node.producers
            ]
            lines.append("producers: " + listing(names))
        else:
            lines.append("producers: none on record")
        lines.append(f"inputs on this map: {suppliers} · goes into: {customers}")
    elif node.kind == "enterprise":
        if node.tier is not None:
            if node.tier == 0:
                lines.append("the enterprise this map is drawn for")
            elif downstream:
                what = f" · buys {node.supplies}" if node.supplies else ""
                lines.append(f"tier {node.tier} customer{what}")
            else:
                what = f" · supplies {node.supplies}" if node.supplies else ""
                lines.append(f"tier {node.tier} supplier{what}")
        if node.makes:
            made = [f"{name} {per_day(cap, unit)}" for name, cap, unit in node.makes]
            lines.append("makes: " + listing(made))
            if node.capacity is not None and len(node.makes) > 1:
                lines.append(f"capacity in all: {number(node.capacity)}/day")
        if node.expands and node.unfolds:
            who = "customers" if downstream else "suppliers"
            lines.append(f"click to show its {len(node.unfolds):,} {who} in the next tier")
        single = f" ({single_sources} declared single source)" if single_sources else ""
        lines.append(f"suppliers on this map: {suppliers}{single} · customers: {customers}")
    if node.other_chain and node.kind != "group":
        lines.append(f"from another chain: {node.other_chain}")
    lines += result_lines(node.results, node.kind, node.spofs, node.limiting_name)
    if node.kind != "group" and not node.results.any:
        lines.append("analysis results: none yet")
    return "\n".join(clip(line) for line in lines)


def _group_lines(node: MapNode) -> list[str]:
    if node.other_chain:
        lines = [f"inputs from the chain {node.other_chain} that this chain's products need"]
        if node.unfolds:
            lines.append(f"click to unfold its {len(node.unfolds):,} folded input(s)")
        if node.spofs:
            lines.append("single points of failure behind them: " + listing(node.spofs))
        lines.append("inputs: " + listing(node.members, node.member_count))
        return lines
    lines = [f"{node.member_count:,} grouped on this map (aggregated)"]
    if node.capacity is not None:
        lines.append(f"capacity in all: {number(node.capacity)}/day")
    lines.append("members: " + listing(node.members, node.member_count))
    return lines


def edge_title(edge: MapEdge, names: dict[str, str], product_names: dict[str, str]) -> str:
    a = names.get(edge.source, edge.source)
    b = names.get(edge.target, edge.target)
    if edge.kind == "input":
        text = f"{a} → {b}"
        if edge.qty_per_unit is not None:
            text += f" · {number(edge.qty_per_unit)} per unit"
        if edge.alt_group:
            text += f" · substitutes group {edge.alt_group}"
        return clip(text)
    if edge.kind == "produces":
        return clip(f"{a} makes {b}" + (f" · {number(edge.capacity)}/day" if edge.capacity else ""))
    if edge.kind == "supplies":
        product = product_names.get(edge.product or "", edge.product or "?")
        text = f"{a} supplies {product} to {b}"
        if edge.share is not None:
            text += f" · {percent(edge.share)} of its purchases"
        if edge.volume is not None:
            text += f" · {number(edge.volume)}/year"
        if edge.single_source:
            text += "\nDECLARED SINGLE SOURCE"
        if edge.inferred:
            text += "\ninferred, not declared: it makes an input of what the customer makes"
        return clip(text, 2 * MAX_LINE)
    if edge.kind == "via":
        return clip(f"{a} → {b}, through {joined(list(edge.through))} (folded: click the group)")
    if edge.kind == "located":
        return clip(f"{b} sits in {a}")
    return clip(f"{edge.count:,} link(s): {a} → {b}")


# ---- capacity bottlenecks -------------------------------------------------------------------


def _held_to(limit: Limit, names: Mapping[str, str], base: bool) -> str:
    """'N95 medical protective respirator to 15,000,000/day (75% of its makers' 20,000,000)'."""
    name = short_name(names.get(limit.product, limit.product))
    if limit.achievable is None:
        return f"{name} (achievable output not on record)"
    text = f"{name} to {number(limit.achievable)}/day"
    share = limit.share
    if share is not None:
        text += (
            f" ({percent(share)} of its makers' {number(limit.capacity)})"
            if base
            else f" ({percent(share)})"
        )
    return text


def bottleneck_sentence(b: Bottleneck, names: Mapping[str, str]) -> str:
    """What a bottleneck holds back, in words (names: node key -> name; plain text)."""
    inputs = [names.get(key, key) for key in b.inputs]
    who = inputs[0] if len(inputs) == 1 else f"{joined(inputs, 'or')} (substitutes, together)"
    verb = "limits" if len(inputs) == 1 else "limit"
    phrases = []
    base = True  # the first figure with a capacity says what the percentage is of
    for limit in b.limits:
        phrases.append(_held_to(limit, names, base))
        base = base and limit.share is None
    return f"{who} {verb} {joined(phrases)}"


def upstream_sentence(b: Bottleneck, product_names: Mapping[str, str]) -> str | None:
    """The enterprises and regions whose loss stops what the bottleneck limits, through it."""
    if not b.upstream:
        return None
    parts = []
    for up in b.upstream[:MAX_UPSTREAM]:
        via = f", through {short_name(product_names.get(up.via, up.via))}" if up.via else ""
        parts.append(f"{up.name} ({up.kind}{via})")
    more = len(b.upstream) - MAX_UPSTREAM
    if more > 0:
        parts.append(f"{more:,} more")
    return "; ".join(parts)


def bottleneck_lines(b: Bottleneck, names: Mapping[str, str]) -> list[str]:
    """Tooltip lines of a bottleneck input."""
    lines = [f"CAPACITY BOTTLENECK: limits the output of {len(b.limits)} product(s) on this map"]
    lines += [f"· {_held_to(limit, names, True)}" for limit in b.limits[:MAX_LISTED]]
    if len(b.limits) > MAX_LISTED:
        lines.append(f"· … and {len(b.limits) - MAX_LISTED:,} more")
    return lines


def limited_line(b: Bottleneck, limit: Limit, names: Mapping[str, str]) -> str:
    """Tooltip line of a product a bottleneck holds back."""
    inputs = joined([names.get(key, key) for key in b.inputs], "or")
    share = limit.share
    of = f" of its makers' {number(limit.capacity)} ({percent(share)})" if share is not None else ""
    return f"HELD BACK by {inputs}: {number(limit.achievable)}/day{of}"
