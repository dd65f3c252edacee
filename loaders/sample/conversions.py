"""Line conversions of the sample (CAN_PRODUCE): who could switch lines over, how far, how fast.

Modelled on what happened in early 2020, when mask output was multiplied within weeks partly
by enterprises of other industries: car makers set up mask lines (one of them reached several
million masks a day within about three weeks; another made its first masks within a week),
and a refiner built melt-blown lines in about twelve days. The capacities and ramp times
below are invented at that order of magnitude, not taken from any one company:

- three car makers could make surgical masks (one of them N95 too): mask lines are bought in
  and need melt-blown like any other, so on this sample they add little until melt-blown grows;
- two refiners could build melt-blown lines (12 and 20 days), a spunbond maker could add one
  (8 days), and a refiner could switch a polypropylene line to melt-blown grade (10 days):
  together with the melt-blown already on record they can meet the masks' national demand;
- the existing melt-blown producers ramp from today's output to capacity over 5 days.

Every row is dated with the capacity survey (planted.CAPACITY_DATE). The same rows at every
scale: they sit on core plants only.
"""

from __future__ import annotations

from dataclasses import dataclass

from loaders.sample import planted


@dataclass(frozen=True)
class Conversion:
    enterprise: str  # a plant key (loaders/sample/enterprises.py)
    product: str
    capacity_per_day: float | None  # None: the plant's recorded capacity (an existing line)
    ramp_days: float


CONVERSIONS: tuple[Conversion, ...] = (
    # car makers converting lines to masks
    Conversion("ev-shenzhen", "SURG-MASK", 5_000_000, 21),
    Conversion("ev-shenzhen", "N95", 400_000, 14),
    Conversion("ev-liuzhou", "SURG-MASK", 2_000_000, 7),
    Conversion("auto-guangzhou", "SURG-MASK", 1_000_000, 10),
    # melt-blown: refiners and a nonwoven maker build lines; a refiner switches resin grade
    Conversion("pp-beijing", "MB-FABRIC", 30, 12),
    Conversion("pp-zhanjiang", "MB-FABRIC", 25, 20),
    Conversion("sb-quanzhou", "MB-FABRIC", 10, 8),
    Conversion("pp-dalian", "PP-MB", 40, 10),
    # the existing melt-blown plants ramp up to their capacity
    Conversion("mb-dongying", "MB-FABRIC", None, 5),
    Conversion("mb-xiantao", "MB-FABRIC", None, 5),
    Conversion("mb-ningbo", "MB-FABRIC", None, 5),
    Conversion("mb-foshan", "MB-FABRIC", None, 5),
)
AS_OF = planted.CAPACITY_DATE
