"""The geographic map (kg/maps/geo.py) on the sample at scale 1 (the demo) and 10.

For each scale: generate the sample (loaders/sample), load it into a throwaway database of the
local engine (or the empty database of SUPPLYMAP_NEO4J_URI, wiped afterwards), compute and
write the monitoring's warnings, then for each map:

- all: every enterprise and trade link (`supplymap map geo`);
- chain: the medical-supplies chain (`supplymap map geo --chain medical-supplies`);
- disruption: Hubei removed (`supplymap map geo --region 420000`), its consequences from the
  analyses' disruption scenario;
- tab: the medical-supplies chain map with its Places tab (`supplymap map chain`), the size the
  tab adds to it;

and measure generate (the reads, the geographic payload and the page; median of --runs), the
page's size, and ready: headless Chromium (network blocked) from navigation start to the first
frame drawn, as the page itself reports it (median of --runs).

    .venv/bin/python bench/maps_geo.py [--scales 1,10] [--runs 3] [--keep DIR]
    .venv/bin/python bench/maps.py --geo          # the same
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from benchdb import engine_label, scratch_graph

from kg.connection import Graph
from kg.maps import chain_map_html
from kg.maps.aggregate import aggregate
from kg.maps.data import MapData, chain_data
from kg.maps.geo import all_data, geo_page, places
from kg.maps.impact import Impact, analysis_disrupt, disruption_data
from kg.maps.render import page
from kg.monitor import evaluate_warnings, load_rules, write_warnings
from kg.schema import ensure_schema
from kg.settings import Settings
from loaders.pipeline import Loader, LoadOptions
from loaders.sample import sample_files
from loaders.sample.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pagedriver import Chromium, find_chromium

CHAIN = "medical-supplies"
HUBEI = "420000"


def load(graph: Graph, scale: int, where: Path) -> tuple[int, int]:
    """The sample at ``scale`` with its warnings; (enterprises, trade links)."""
    manifest = generate(where, scale)
    reports = Loader(graph).load_files(sample_files(where), LoadOptions())
    bad = [r.message for r in reports if r.status != "completed"]
    if bad:
        raise SystemExit(f"the sample did not load: {bad}")
    at = dt.date.fromisoformat(manifest.reference_date)
    write_warnings(graph, evaluate_warnings(graph, load_rules(), at))
    counts = graph.query(
        "MATCH (e:Enterprise) WITH count(e) AS n "
        "MATCH (:Enterprise)-[s:SUPPLIES]->(:Enterprise) RETURN n, count(s) AS m"
    )[0]
    return int(counts["n"]), int(counts["m"])


def hubei(graph: Graph) -> MapData:
    disrupt = analysis_disrupt()
    impact = Impact(removed_regions=(HUBEI,), title="Hubei removed")
    if disrupt is not None:
        impact = Impact.from_scenario(disrupt(graph, [], [HUBEI], []), impact.title)
    return disruption_data(graph, impact)


def ready_ms(browser: Chromium, path: Path, runs: int, tab: bool) -> float:
    times = []
    for _ in range(runs):
        browser.open(path)
        if tab:
            browser.wait_for("window.supplymapMap && window.supplymapMap.ready", timeout=300)
            t0 = float(browser.evaluate("performance.now()"))
            browser.evaluate("document.getElementById('tab-places').click()")
            browser.wait_for("document.querySelectorAll('#geo-svg circle').length > 0")
            times.append(float(browser.evaluate("performance.now()")) - t0)
        else:
            browser.wait_for("window.supplymapGeo && window.supplymapGeo.ready", timeout=300)
            times.append(float(browser.evaluate("window.supplymapGeo.readyAt")))
    if browser.report.requests[1:]:
        raise SystemExit(f"the page made requests: {browser.report.requests[1:]}")
    browser.screenshot(path.with_suffix(".png"))  # what the map looks like at this size
    return statistics.median(times)


def geo_all(graph: Graph) -> str:
    return geo_page(places(graph, all_data(graph)))


def geo_chain(graph: Graph) -> str:
    return geo_page(places(graph, chain_data(graph, CHAIN)))


def geo_disruption(graph: Graph) -> str:
    return geo_page(places(graph, hubei(graph)))


def chain_with_tab(graph: Graph) -> str:
    return chain_map_html(graph, CHAIN)


MAPS: tuple[tuple[str, Callable[[Graph], str], bool], ...] = (
    ("all", geo_all, False),
    ("chain", geo_chain, False),
    ("disruption", geo_disruption, False),
    ("chain map + tab", chain_with_tab, True),
)


def timed(make: Callable[[Graph], str], graph: Graph, runs: int) -> tuple[float, str]:
    times, html = [], ""
    for _ in range(runs):
        t0 = time.perf_counter()
        html = make(graph)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), html


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the HTML files in this directory")
    args = parser.parse_args(argv)
    out = args.keep or Path(tempfile.mkdtemp(prefix="supplymap-bench-geo-"))
    out.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    rows = []
    browser = Chromium(width=1600, height=1000) if find_chromium() else None
    cpu0 = time.process_time()
    try:
        for scale in (int(s) for s in args.scales.split(",")):
            with ExitStack() as stack:
                base = stack.enter_context(Graph.from_settings(settings))
                engine = engine_label(base, settings)
                graph = stack.enter_context(scratch_graph(settings, base, "bench_geo"))
                ensure_schema(graph)
                with tempfile.TemporaryDirectory() as tmp:
                    n, m = load(graph, scale, Path(tmp))
                without_tab = len(
                    page(
                        aggregate(chain_data(graph, CHAIN, trade_up_to=5000), 5000),
                        has_results=True,
                    ).encode()
                )
                for name, make, tab in MAPS:
                    generate_s, html = timed(make, graph, args.runs)
                    path = out / f"geo-{scale}-{name.replace(' ', '-').replace('+', '')}.html"
                    path.write_text(html, encoding="utf-8")
                    data = (
                        json.loads(html.split('id="geo-data">', 1)[1].split("</script>", 1)[0])
                        if not tab
                        else None
                    )
                    ready = ready_ms(browser, path, args.runs, tab) if browser else float("nan")
                    size = len(html.encode()) / 1e6
                    extra = f" (+{size - without_tab / 1e6:.2f} MB)" if tab else ""
                    rows.append(
                        (
                            f"{scale}x {name}",
                            f"{n:,}/{m:,}",
                            "-" if data is None else f"{len(data['points']['x']):,}",
                            "-"
                            if data is None
                            else f"{len(data['flows']):,}{' b' if data['bundled'] else ''}",
                            f"{generate_s:.2f}",
                            f"{size:.2f}{extra}",
                            f"{ready / 1000:.2f}" if browser else "no chromium",
                        )
                    )
                    print(rows[-1], file=sys.stderr, flush=True)
    finally:
        if browser:
            browser.close()
    head = ("map", "enterprises/links", "points", "arcs", "generate s", "HTML MB", "ready s")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print(" | ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    print(
        f"\nHTML in {out}; medians of {args.runs} run(s); arcs 'b': bundled between places; "
        "ready for the tab: from the click to the drawn map."
    )
    print(f"CPU (this process) {time.process_time() - cpu0:.1f} s; load average {os.getloadavg()}")
    print(f"engine: {engine}")


if __name__ == "__main__":
    main()
