"""The cascade: what a warning puts at risk downstream, and the date each would run out.

The rule (time to survive along the bill of materials). A cascading warning is read as "the
warned input stops arriving on the date of the data the warning rests on": at the holder
only, for a holding warning (parts-cover, raw-cover); everywhere, for a product warning
(raw-cover-total, raw-gap). Then:

1. An enterprise that uses an input keeps going on its own stock of it: it runs out on
   max(stop date, as_of of its snapshot) + stock / daily_use, rounded down to a day. Without
   stock on record it runs out on the stop date. The holder of a holding warning runs out on
   that warning's runs_out date.
2. A producer stops making an output when it runs out of any required input: the earliest
   date over the output's inputs, where inputs sharing an alt_group count as one input that
   lasts as long as its longest-lasting alternative (an alternative not at risk keeps it
   going, and so does an input not at risk).
3. An output is cut off when every producer has stopped, on the latest of their dates. A
   product with no producer on record counts as made by one unknown producer with no stock.
   A cut-off output stops arriving everywhere on that date: rule 1 applies to its holders,
   rule 2 to the producers of what it goes into, and so on down the bill of materials.
4. Levels: the warnings of each level are followed together with every more severe one; a
   product, enterprise or holding takes the most severe level at which it is at risk, with
   the date found at that level. An output with several producers, not all at risk, is not
   cut off; its producers at risk are still reported.

Stale-data warnings never cascade. The propagation is a worklist over products, in memory
on the projection: dates only move earlier, so it ends. In a loop of the bill of materials,
products that can be made from each other (alternatives inside the loop) are taken to keep
each other going: such a loop is cut off only through an input it cannot do without.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Literal

from kg.monitor.early_warning import CASCADING, EarlyWarning, _ent, _label, days
from kg.monitor.rules import LEVELS, Level, severity
from kg.monitor.snapshots import Snapshots, add_days

Origin = Literal["cut", "own"]


@dataclass(frozen=True)
class _Use:
    """When an enterprise runs out of an input, and why."""

    date: dt.date
    origin: Origin  # "cut": the input stopped arriving everywhere; "own": its holding warning


@dataclass(frozen=True)
class _Stop:
    """When a producer stops making an output, and the input that stops it."""

    date: dt.date
    input: str
    origin: Origin


@dataclass(frozen=True)
class _Cut:
    date: dt.date
    producer: str | None  # the producer that lasts longest (None: unknown producer)
    input: str | None  # the input that stops it (None: a product warning, the source itself)
    origin: Origin
    source: EarlyWarning | None  # set on product warnings


@dataclass
class _Outcome:
    cut: dict[str, _Cut] = field(default_factory=dict)
    producers: dict[tuple[str, str], _Stop] = field(default_factory=dict)
    holders: dict[tuple[str, str], _Use] = field(default_factory=dict)


class _Propagation:
    def __init__(self, snap: Snapshots, sources: Sequence[EarlyWarning]) -> None:
        self.snap = snap
        self.product_sources: dict[str, EarlyWarning] = {}
        self.holding_sources: dict[tuple[str, str], EarlyWarning] = {}
        for w in sources:
            if w.subject == "holding" and w.enterprise is not None:
                key = (w.enterprise, w.product)
                if key not in self.holding_sources or _earlier(w, self.holding_sources[key]):
                    self.holding_sources[key] = w
            elif w.subject == "product" and (
                w.product not in self.product_sources
                or _earlier(w, self.product_sources[w.product])
            ):
                self.product_sources[w.product] = w
        self.out = _Outcome()
        for pid, w in self.product_sources.items():
            self.out.cut[pid] = _Cut(w.as_of or snap.at, None, None, "cut", w)

    def uses(self, enterprise: str | None, product: str) -> _Use | None:
        """When ``enterprise`` runs out of ``product`` (rule 1), or None if not at risk."""
        best: _Use | None = None
        cut = self.out.cut.get(product)
        holding = self.snap.holdings.get((enterprise, product)) if enterprise else None
        if cut is not None:
            date = cut.date
            if holding is not None:
                date = add_days(max(date, holding.as_of), holding.cover_days)
            best = _Use(date, "cut")
        if enterprise is not None and (enterprise, product) in self.holding_sources:
            assert holding is not None
            own = holding.runs_out
            if best is None or own < best.date:
                best = _Use(own, "own")
        return best

    def producer_stop(self, enterprise: str | None, output: str) -> _Stop | None:
        """When ``enterprise`` stops making ``output`` (rule 2), or None if not at risk."""
        first: _Stop | None = None
        for group in self.snap.input_groups.get(output, []):
            uses = [(self.uses(enterprise, x), x) for x in group]
            if any(u is None for u, _ in uses):
                continue  # an alternative (or the input itself) is not at risk
            last_use, last_input = max(
                ((u, x) for u, x in uses if u is not None), key=lambda t: (t[0].date, t[1])
            )
            stop = _Stop(last_use.date, last_input, last_use.origin)
            if first is None or (stop.date, stop.input) < (first.date, first.input):
                first = stop
        return first

    def run(self) -> _Outcome:
        snap = self.snap
        queue: deque[str] = deque()
        queued: set[str] = set()

        def push_outputs(product: str) -> None:
            for edge in snap.outputs_of.get(product, []):
                if edge.output not in queued:
                    queued.add(edge.output)
                    queue.append(edge.output)

        for pid in sorted(self.product_sources):
            push_outputs(pid)
        for _, pid in sorted(self.holding_sources):
            push_outputs(pid)
        steps, limit = 0, 50 * (len(snap.products) + 1) + 1000
        while queue:
            steps += 1
            if steps > limit:  # cannot happen (dates only move earlier); a guard, not a rule
                raise RuntimeError("the cascade did not settle; report this as a bug")
            output = queue.popleft()
            queued.discard(output)
            producers = snap.producers_of.get(output, [])
            cut: _Cut | None = None
            if producers:
                stops: list[tuple[str, _Stop | None]] = [
                    (c.enterprise, self.producer_stop(c.enterprise, output)) for c in producers
                ]
                for eid, stop in stops:
                    if stop is not None:
                        self.out.producers[(eid, output)] = stop
                if all(stop is not None for _, stop in stops):
                    eid, last = max(
                        ((e, s) for e, s in stops if s is not None),
                        key=lambda t: (t[1].date, t[0]),
                    )
                    cut = _Cut(last.date, eid, last.input, last.origin, None)
            else:
                stop = self.producer_stop(None, output)
                if stop is not None:
                    cut = _Cut(stop.date, None, stop.input, stop.origin, None)
            known = self.out.cut.get(output)
            if cut is not None and (known is None or cut.date < known.date):
                self.out.cut[output] = cut
                push_outputs(output)
        for pid in self.out.cut:
            for h in snap.holders_of.get(pid, []):
                if (h.holder, pid) in self.holding_sources:
                    continue  # its own warning says it already
                use = self.uses(h.holder, pid)
                if use is not None:
                    self.out.holders[(h.holder, pid)] = use
        return self.out

    # ---- explanations -----------------------------------------------------------------------

    def path(self, product: str) -> tuple[tuple[str, ...], EarlyWarning | None]:
        """Products from the warned input down to ``product``, and the warning at its root."""
        chain = [product]
        seen = {product}
        current = product
        while True:
            cut = self.out.cut.get(current)
            if cut is None:
                return tuple(reversed(chain)), None
            if cut.source is not None or cut.input is None:
                return tuple(reversed(chain)), cut.source
            if cut.origin == "own":
                chain.append(cut.input)
                root = self.holding_sources.get((cut.producer or "", cut.input))
                return tuple(reversed(chain)), root
            if cut.input in seen:
                return tuple(reversed(chain)), None
            seen.add(cut.input)
            chain.append(cut.input)
            current = cut.input


def _earlier(a: EarlyWarning, b: EarlyWarning) -> bool:
    return (a.as_of or dt.date.max, severity(a.level)) < (b.as_of or dt.date.max, severity(b.level))


def _describe(w: EarlyWarning | None) -> str:
    if w is None:
        return "a warned input"
    at = f" at {w.enterprise}" if w.enterprise else ""
    return f"the {w.level} {w.rule} warning on {w.product}{at}"


def _product_warning(prop: _Propagation, level: Level, pid: str) -> EarlyWarning:
    snap, cut = prop.snap, prop.out.cut[pid]
    path, root = prop.path(pid)
    if cut.producer is None:
        how = (
            f"it has no producer on record (an unknown producer, no stock) and runs out "
            f"of {cut.input}"
        )
    else:
        n = len(snap.producers_of.get(pid, []))
        who = "its only producer" if n == 1 else f"the last of its {n} producers"
        how = f"{who}, {_ent(snap, cut.producer)}, runs out of {cut.input}"
    return EarlyWarning(
        level,
        "cascade",
        "product",
        pid,
        as_of=root.as_of if root else None,
        runs_out=cut.date,
        reason=(
            f"at risk ({level}): {_label(snap, pid)} is cut off on {cut.date} if "
            f"{path[0]} stops arriving as warned ({_describe(root)}): {how} "
            f"(path {' → '.join(path)})"
        ),
        path=path,
        source=_describe(root),
        chains=_chains(snap, pid),
    )


def _producer_warning(prop: _Propagation, level: Level, eid: str, pid: str) -> EarlyWarning:
    snap, out = prop.snap, prop.out
    stop = out.producers[(eid, pid)]
    path: tuple[str, ...]
    if stop.origin == "own":
        root = prop.holding_sources.get((eid, stop.input))
        path = (stop.input, pid)
        why = f"its own stock of {stop.input} runs out on {stop.date}"
    else:
        input_path, root = prop.path(stop.input)
        path = (*input_path, pid)
        holding = snap.holdings.get((eid, stop.input))
        held = (
            f"its {days(holding.cover_days)} of stock (as of {holding.as_of}) last until then"
            if holding is not None
            else "it holds no stock of it on record"
        )
        why = f"{stop.input} stops arriving on {out.cut[stop.input].date} and {held}"
    others = len(snap.producers_of.get(pid, [])) - 1
    note = f"; {others} other producer(s) of {pid}" if others > 0 and pid not in out.cut else ""
    return EarlyWarning(
        level,
        "cascade",
        "enterprise",
        pid,
        enterprise=eid,
        as_of=root.as_of if root else None,
        runs_out=stop.date,
        reason=(
            f"at risk ({level}): {_ent(snap, eid)} stops making {_label(snap, pid)} on "
            f"{stop.date}: {why} ({_describe(root)}){note}"
        ),
        path=path,
        source=_describe(root),
        chains=_chains(snap, pid),
    )


def _holder_warning(prop: _Propagation, level: Level, eid: str, pid: str) -> EarlyWarning:
    snap, out = prop.snap, prop.out
    use = out.holders[(eid, pid)]
    path, root = prop.path(pid)
    holding = snap.holdings[(eid, pid)]
    return EarlyWarning(
        level,
        "cascade",
        "holding",
        pid,
        enterprise=eid,
        as_of=root.as_of if root else None,
        value=holding.cover_days,
        runs_out=use.date,
        reason=(
            f"at risk ({level}): {_ent(snap, eid)} runs out of {_label(snap, pid)} on "
            f"{use.date}: it stops arriving on {out.cut[pid].date} "
            f"({_describe(root)}) and its {days(holding.cover_days)} of stock "
            f"(as of {holding.as_of}) last until then"
        ),
        path=path,
        source=_describe(root),
        chains=_chains(snap, pid),
    )


def _chains(snap: Snapshots, pid: str) -> tuple[str, ...]:
    info = snap.products.get(pid)
    return info.chains if info else ()


Found = tuple[tuple[str, ...], dt.date, Callable[[], EarlyWarning]]


def _results(prop: _Propagation, level: Level) -> Iterable[Found]:
    """Every subject at risk: its key, run-out date, and how to build its warning."""
    out = prop.out
    for pid, cut in sorted(out.cut.items()):
        if pid not in prop.product_sources:
            yield ("product", pid), cut.date, partial(_product_warning, prop, level, pid)
    for (eid, pid), stop in sorted(out.producers.items()):
        yield (
            ("enterprise", eid, pid),
            stop.date,
            partial(_producer_warning, prop, level, eid, pid),
        )
    for (eid, pid), use in sorted(out.holders.items()):
        yield ("holding", eid, pid), use.date, partial(_holder_warning, prop, level, eid, pid)


def cascade(
    snap: Snapshots, warnings: Sequence[EarlyWarning], levels: Iterable[Level]
) -> list[EarlyWarning]:
    """The cascade warnings of ``warnings`` (rules 1-4 above), one per subject."""
    wanted = set(levels)
    sources = [w for w in warnings if w.rule in CASCADING and w.level in wanted]
    found: dict[tuple[str, ...], EarlyWarning] = {}
    earliest: dict[tuple[str, ...], tuple[dt.date, Level]] = {}
    previous: list[EarlyWarning] = []
    for level in LEVELS:
        if level not in wanted:
            continue
        active = [w for w in sources if severity(w.level) <= severity(level)]
        if not active or active == previous:
            continue
        previous = active
        prop = _Propagation(snap, active)
        prop.run()
        for key, date, make in _results(prop, level):
            if key not in found:
                found[key] = make()
            elif date < earliest.get(key, (dt.date.max,))[0]:
                earliest[key] = (date, level)
    for key, (date, level) in earliest.items():
        w = found[key]
        if w.runs_out is not None and date < w.runs_out:
            found[key] = replace(
                w, reason=f"{w.reason}; on {date} if the {level} warnings come true as well"
            )
    return list(found.values())
