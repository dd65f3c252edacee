"""Regions of the sample: real administrative divisions with approximate centre coordinates.

Chinese regions carry their GB/T 2260 administrative division codes (province 330000, city
330100, county 429004). Xiantao (429004) is a county-level city administered directly by Hubei
province, so its parent is the province. Municipalities (Beijing, Tianjin, Shanghai,
Chongqing) have one city-level entry (110100...) for their urban districts. Foreign regions use
ISO 3166-1 alpha-2 codes for countries and ISO 3166-2 codes for first-level subdivisions
(JP-24 Mie, NL-NB North Brabant...), stored at the `province` level. Coordinates are city
centres to about 0.05 degrees; enterprises are placed near them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RegionSpec:
    code: str
    name: str
    level: str  # country, province, city, county
    parent: str | None
    lat: float
    lon: float


def _r(code: str, name: str, level: str, parent: str | None, lat: float, lon: float) -> RegionSpec:
    return RegionSpec(code, name, level, parent, lat, lon)


COUNTRIES: tuple[RegionSpec, ...] = (
    _r("CN", "China", "country", None, 35.86, 104.20),
    _r("JP", "Japan", "country", None, 36.20, 138.25),
    _r("NL", "Netherlands", "country", None, 52.13, 5.29),
    _r("DE", "Germany", "country", None, 51.17, 10.45),
    _r("US", "United States", "country", None, 37.09, -95.71),
    _r("CH", "Switzerland", "country", None, 46.82, 8.23),
    _r("KR", "Republic of Korea", "country", None, 35.91, 127.77),
    _r("UA", "Ukraine", "country", None, 48.38, 31.17),
    _r("AU", "Australia", "country", None, -25.27, 133.78),
    _r("BR", "Brazil", "country", None, -14.24, -51.93),
    _r("CL", "Chile", "country", None, -35.68, -71.54),
    _r("MY", "Malaysia", "country", None, 4.21, 101.98),
)

PROVINCES: tuple[RegionSpec, ...] = (
    _r("110000", "Beijing", "province", "CN", 39.90, 116.40),
    _r("120000", "Tianjin", "province", "CN", 39.13, 117.20),
    _r("130000", "Hebei", "province", "CN", 38.04, 114.51),
    _r("140000", "Shanxi", "province", "CN", 37.87, 112.55),
    _r("150000", "Inner Mongolia", "province", "CN", 40.84, 111.75),
    _r("210000", "Liaoning", "province", "CN", 41.80, 123.43),
    _r("220000", "Jilin", "province", "CN", 43.90, 125.33),
    _r("310000", "Shanghai", "province", "CN", 31.23, 121.47),
    _r("320000", "Jiangsu", "province", "CN", 32.06, 118.80),
    _r("330000", "Zhejiang", "province", "CN", 30.27, 120.15),
    _r("340000", "Anhui", "province", "CN", 31.82, 117.23),
    _r("350000", "Fujian", "province", "CN", 26.07, 119.30),
    _r("360000", "Jiangxi", "province", "CN", 28.68, 115.86),
    _r("370000", "Shandong", "province", "CN", 36.65, 117.12),
    _r("410000", "Henan", "province", "CN", 34.75, 113.62),
    _r("420000", "Hubei", "province", "CN", 30.59, 114.31),
    _r("430000", "Hunan", "province", "CN", 28.23, 112.94),
    _r("440000", "Guangdong", "province", "CN", 23.13, 113.26),
    _r("450000", "Guangxi", "province", "CN", 22.82, 108.32),
    _r("500000", "Chongqing", "province", "CN", 29.56, 106.55),
    _r("510000", "Sichuan", "province", "CN", 30.66, 104.07),
    _r("610000", "Shaanxi", "province", "CN", 34.34, 108.94),
    _r("620000", "Gansu", "province", "CN", 36.06, 103.83),
    _r("630000", "Qinghai", "province", "CN", 36.62, 101.78),
    # Foreign first-level subdivisions (ISO 3166-2).
    _r("JP-09", "Tochigi", "province", "JP", 36.57, 139.88),
    _r("JP-10", "Gunma", "province", "JP", 36.39, 139.06),
    _r("JP-13", "Tokyo", "province", "JP", 35.68, 139.69),
    _r("JP-14", "Kanagawa", "province", "JP", 35.45, 139.64),
    _r("JP-15", "Niigata", "province", "JP", 37.90, 139.02),
    _r("JP-24", "Mie", "province", "JP", 34.97, 136.62),
    _r("JP-25", "Shiga", "province", "JP", 35.00, 135.87),
    _r("JP-41", "Saga", "province", "JP", 33.25, 130.30),
    _r("NL-NB", "North Brabant", "province", "NL", 51.42, 5.40),
    _r("DE-BW", "Baden-Wurttemberg", "province", "DE", 48.78, 9.18),
    _r("DE-BY", "Bavaria", "province", "DE", 48.17, 12.83),
    _r("DE-NW", "North Rhine-Westphalia", "province", "DE", 51.66, 7.09),
    _r("US-CA", "California", "province", "US", 37.55, -121.99),
    _r("US-MI", "Michigan", "province", "US", 43.42, -84.23),
    _r("US-TN", "Tennessee", "province", "US", 36.55, -82.56),
    _r("US-VA", "Virginia", "province", "US", 37.54, -77.44),
    _r("CH-ZH", "Zurich", "province", "CH", 47.24, 8.72),
    _r("KR-44", "South Chungcheong", "province", "KR", 36.98, 126.36),
    _r("UA-51", "Odesa", "province", "UA", 46.48, 30.72),
    _r("AU-QLD", "Queensland", "province", "AU", -21.14, 149.19),
    _r("AU-WA", "Western Australia", "province", "AU", -20.31, 118.60),
    _r("BR-MG", "Minas Gerais", "province", "BR", -19.92, -43.94),
    _r("CL-AN", "Antofagasta", "province", "CL", -23.65, -70.40),
    _r("MY-07", "Penang", "province", "MY", 5.41, 100.33),
)

CITIES: tuple[RegionSpec, ...] = (
    _r("110100", "Beijing", "city", "110000", 39.90, 116.40),
    _r("120100", "Tianjin", "city", "120000", 39.13, 117.20),
    _r("130200", "Tangshan", "city", "130000", 39.63, 118.18),
    _r("130500", "Xingtai", "city", "130000", 37.07, 114.50),
    _r("131100", "Hengshui", "city", "130000", 37.74, 115.67),
    _r("140400", "Changzhi", "city", "140000", 36.20, 113.12),
    _r("141100", "Luliang", "city", "140000", 37.52, 111.14),
    _r("150200", "Baotou", "city", "150000", 40.66, 109.84),
    _r("210200", "Dalian", "city", "210000", 38.91, 121.61),
    _r("210300", "Anshan", "city", "210000", 41.11, 122.99),
    _r("220100", "Changchun", "city", "220000", 43.82, 125.32),
    _r("310100", "Shanghai", "city", "310000", 31.23, 121.47),
    _r("320100", "Nanjing", "city", "320000", 32.06, 118.80),
    _r("320200", "Wuxi", "city", "320000", 31.49, 120.31),
    _r("320300", "Xuzhou", "city", "320000", 34.26, 117.18),
    _r("320400", "Changzhou", "city", "320000", 31.81, 119.97),
    _r("320500", "Suzhou", "city", "320000", 31.30, 120.62),
    _r("320600", "Nantong", "city", "320000", 31.98, 120.89),
    _r("320700", "Lianyungang", "city", "320000", 34.60, 119.22),
    _r("321100", "Zhenjiang", "city", "320000", 32.19, 119.42),
    _r("321200", "Taizhou (Jiangsu)", "city", "320000", 32.46, 119.92),
    _r("330100", "Hangzhou", "city", "330000", 30.27, 120.15),
    _r("330200", "Ningbo", "city", "330000", 29.87, 121.54),
    _r("330300", "Wenzhou", "city", "330000", 28.00, 120.67),
    _r("330400", "Jiaxing", "city", "330000", 30.75, 120.76),
    _r("330600", "Shaoxing", "city", "330000", 30.00, 120.58),
    _r("331000", "Taizhou (Zhejiang)", "city", "330000", 28.66, 121.42),
    _r("340100", "Hefei", "city", "340000", 31.82, 117.23),
    _r("340200", "Wuhu", "city", "340000", 31.35, 118.43),
    _r("340700", "Tongling", "city", "340000", 30.94, 117.81),
    _r("350100", "Fuzhou", "city", "350000", 26.07, 119.30),
    _r("350200", "Xiamen", "city", "350000", 24.48, 118.09),
    _r("350500", "Quanzhou", "city", "350000", 24.87, 118.68),
    _r("350900", "Ningde", "city", "350000", 26.66, 119.55),
    _r("360300", "Pingxiang", "city", "360000", 27.62, 113.85),
    _r("360600", "Yingtan", "city", "360000", 28.26, 117.07),
    _r("360700", "Ganzhou", "city", "360000", 25.83, 114.93),
    _r("360900", "Yichun", "city", "360000", 27.81, 114.42),
    _r("370100", "Jinan", "city", "370000", 36.65, 117.12),
    _r("370200", "Qingdao", "city", "370000", 36.07, 120.38),
    _r("370300", "Zibo", "city", "370000", 36.81, 118.05),
    _r("370500", "Dongying", "city", "370000", 37.43, 118.67),
    _r("370700", "Weifang", "city", "370000", 36.71, 119.16),
    _r("410100", "Zhengzhou", "city", "410000", 34.75, 113.62),
    _r("410300", "Luoyang", "city", "410000", 34.62, 112.45),
    _r("410400", "Pingdingshan", "city", "410000", 33.77, 113.19),
    _r("410700", "Xinxiang", "city", "410000", 35.30, 113.93),
    _r("420100", "Wuhan", "city", "420000", 30.59, 114.31),
    _r("420800", "Jingmen", "city", "420000", 31.04, 112.20),
    _r("430100", "Changsha", "city", "430000", 28.23, 112.94),
    _r("430200", "Zhuzhou", "city", "430000", 27.83, 113.13),
    _r("440100", "Guangzhou", "city", "440000", 23.13, 113.26),
    _r("440300", "Shenzhen", "city", "440000", 22.54, 114.06),
    _r("440600", "Foshan", "city", "440000", 23.02, 113.12),
    _r("440800", "Zhanjiang", "city", "440000", 21.27, 110.36),
    _r("441300", "Huizhou", "city", "440000", 23.11, 114.42),
    _r("441900", "Dongguan", "city", "440000", 23.02, 113.75),
    _r("450200", "Liuzhou", "city", "450000", 24.33, 109.43),
    _r("500100", "Chongqing", "city", "500000", 29.56, 106.55),
    _r("510100", "Chengdu", "city", "510000", 30.66, 104.07),
    _r("511500", "Yibin", "city", "510000", 28.77, 104.64),
    _r("610100", "Xi'an", "city", "610000", 34.34, 108.94),
    _r("620500", "Tianshui", "city", "620000", 34.58, 105.72),
    _r("632800", "Haixi", "city", "630000", 37.37, 97.37),
)

COUNTIES: tuple[RegionSpec, ...] = (
    _r("410728", "Changyuan", "county", "410700", 35.20, 114.68),
    _r("429004", "Xiantao", "county", "420000", 30.36, 113.45),
)

REGIONS: tuple[RegionSpec, ...] = COUNTRIES + PROVINCES + CITIES + COUNTIES
BY_CODE: dict[str, RegionSpec] = {r.code: r for r in REGIONS}


def ancestors(code: str) -> list[str]:
    """The region and every region it lies in, innermost first: 330600, 330000, CN."""
    out = []
    current: str | None = code
    while current is not None:
        out.append(current)
        current = BY_CODE[current].parent
    return out


def country_of(code: str) -> str:
    return ancestors(code)[-1]


def province_of(code: str) -> str:
    """The first-level region a region lies in (itself for a province or a country)."""
    for c in ancestors(code):
        if BY_CODE[c].level in ("province", "country"):
            return c
    return code
