"""The geographic map's base map: world countries and China's provinces, shipped with the
package (kg/maps/assets/basemap.json, public-domain Natural Earth data; its sources and how to
rebuild it are in kg/maps/assets/README.md and kg/maps/basemap_build.py). Never fetched.

Everything is projected here with spherical Mercator into map units (UNIT per degree of
longitude, y pointing down), so the page only draws: shapes as SVG path strings, points and
arcs at projected coordinates.

Region codes of the graph find their shape: a country's ISO 3166-1 alpha-2 code ("JP"); a
Chinese region's GB/T 2260 code (420000 Hubei, 420100 Wuhan, 429004 Xiantao) finds its
province ("CN-42"); a foreign first-level code in ISO 3166-2 ("JP-24") finds its country, drawn
as the place it lies in (the base map has no finer boundaries there).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

UNIT = 20.0  # map units per degree of longitude (paths are rounded to whole units)
MAX_LAT = 84.0  # Mercator cannot reach the poles
_GB = re.compile(r"\d{6}")
_ISO2 = re.compile(r"([A-Z]{2})-[0-9A-Z]{1,3}")


def project(lon: float, lat: float) -> tuple[float, float]:
    """Spherical Mercator in map units: x east, y south (SVG's way up)."""
    phi = math.radians(max(-MAX_LAT, min(MAX_LAT, lat)))
    y = math.degrees(math.log(math.tan(math.pi / 4 + phi / 2)))
    return lon * UNIT, -y * UNIT


@dataclass(frozen=True)
class Shape:
    code: str  # "CN", "CN-42", or "NE:<name>" for a shape without a code
    name: str
    level: str  # country or province
    path: str  # SVG path data in map units (rounded to whole units), every ring closed
    at: tuple[float, float]  # label point, projected
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 projected


@dataclass(frozen=True)
class BaseMap:
    shapes: tuple[Shape, ...]
    about: dict[str, str]
    codes: dict[str, int]  # shape code -> index

    def shape_of(self, code: str | None) -> int | None:
        """The index of the shape a region code is drawn on (itself, its province or its
        country), or None."""
        if not code:
            return None
        index = self.codes
        code = code.strip()
        if code in index:
            return index[code]
        if _GB.fullmatch(code):
            return index.get("CN-" + code[:2])
        iso = _ISO2.fullmatch(code.upper())
        if iso:
            return index.get(iso.group(1))
        return index.get(code.upper())


def _unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A ring that crosses the antimeridian (Russia's Chukotka, Fiji) continues past 180
    degrees instead of jumping across the whole map."""
    out: list[tuple[float, float]] = []
    shift = 0.0
    for k, (x, y) in enumerate(points):
        if k:
            jump = x + shift - out[-1][0]
            if jump > 180 * UNIT:
                shift -= 360 * UNIT
            elif jump < -180 * UNIT:
                shift += 360 * UNIT
        out.append((x + shift, y))
    return out


def _ring_path(points: list[tuple[int, int]]) -> str:
    if len(points) < 3:
        return ""
    x0, y0 = points[0]
    parts = [f"M{x0} {y0}l"]
    deltas = []
    px, py = x0, y0
    for x, y in points[1:]:
        if (x, y) == (px, py):
            continue
        deltas.append(f"{x - px} {y - py}")
        px, py = x, y
    if len(deltas) < 2:
        return ""  # collapsed to a point or a line at this precision
    return parts[0] + " ".join(deltas) + "z"


def _decode(raw: dict[str, Any]) -> BaseMap:
    quant = float(raw["quant"])
    arcs: list[list[tuple[float, float]]] = []
    for flat in raw["arcs"]:
        x = y = 0
        arc_points = []
        for k in range(0, len(flat), 2):
            x += flat[k]
            y += flat[k + 1]
            arc_points.append(project(x / quant, y / quant))
        arcs.append(arc_points)
    shapes = []
    for code, name, level, rings, at in raw["shapes"]:
        paths = []
        xs: list[float] = []
        ys: list[float] = []
        for ring in rings:
            points: list[tuple[float, float]] = []
            for i in ring:
                arc = arcs[i] if i >= 0 else arcs[~i][::-1]
                points.extend(arc if not points else arc[1:])
            points = _unwrap(points)
            rounded = [(round(px), round(py)) for px, py in points]
            paths.append(_ring_path(rounded))  # "" for a ring too small to draw
            xs += [p[0] for p in points]
            ys += [p[1] for p in points]
        if not xs or not any(paths):
            continue  # too small to draw at this precision
        shapes.append(
            Shape(
                str(code),
                str(name),
                str(level),
                "".join(paths),
                project(float(at[0]), float(at[1])),
                (min(xs), min(ys), max(xs), max(ys)),
            )
        )
    about = {str(k): str(v) for k, v in raw.get("about", {}).items()}
    return BaseMap(tuple(shapes), about, {s.code: i for i, s in enumerate(shapes)})


@lru_cache(maxsize=1)
def basemap() -> BaseMap:
    """The shipped base map, decoded and projected (once per process)."""
    text = (resources.files("kg.maps") / "assets" / "basemap.json").read_text(encoding="utf-8")
    return _decode(json.loads(text))
