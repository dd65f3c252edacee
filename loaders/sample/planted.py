"""What the sample plants on purpose: the findings an analysis of it must report.

These declarations drive the generator (world.py) and the manifest (manifest.py); the tests
check each against the generated files by brute force. Enterprises are named by their key in
enterprises.py; the manifest gives their ids.

The story in one paragraph: melt-blown nonwoven is the bottleneck of the N95 and surgical mask
chain. Four plants make it, one with 55% of capacity; its capacity is 40% short of what mask
output needs, so it limits both masks; every mask maker's stock of it is down to days; and
upstream, both producers of melt-blown grade polypropylene sit in Zhejiang and depend on one
peroxide plant in Shaoxing. Elsewhere: Azvudine depends on one active-ingredient plant, both
ventilator flow-sensor makers sit in Zurich, every automotive microcontroller needs a Japanese
ArF photoresist and one Dutch immersion scanner, and petrol cars need one German PA12 plant.
Where real substitutes exist (suit fabrics, a domestic general-purpose MCU in medical devices,
13X zeolite for LiX, LFP for NCM cathodes) a concentrated input is no single point of failure.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---- hidden single points of failure ---------------------------------------------------------


@dataclass(frozen=True)
class SpofCause:
    """A node whose loss makes each of ``products`` unavailable, and why.

    ``node`` is an enterprise key (kind Enterprise) or a region code (kind Region). Every region
    containing the node is a SPOF too (the manifest lists them, with this cause as the reason);
    ``via`` is the chain of products from the node to the key product.
    """

    kind: str  # Enterprise or Region
    node: str
    products: tuple[str, ...]
    via: tuple[str, ...]
    reason: str


MASKS = ("N95", "SURG-MASK")
MCU_CARS = ("MCU-AUTO", "CAR-ICE", "CAR-BEV")

SPOF_CAUSES: tuple[SpofCause, ...] = (
    SpofCause(
        "Enterprise",
        "dtbp-shaoxing",
        MASKS,
        ("DTBP", "PP-MB", "MB-FABRIC"),
        "sole producer of the peroxide (DTBP) that both melt-blown grade polypropylene "
        "producers need to reach MFR 1500",
    ),
    SpofCause(
        "Region",
        "330000",
        MASKS,
        ("PP-MB", "MB-FABRIC"),
        "both producers of melt-blown grade polypropylene (Ningbo, Jiaxing) and the only "
        "DTBP plant (Shaoxing) are in Zhejiang",
    ),
    SpofCause(
        "Enterprise",
        "azv-pingdingshan",
        ("AZV-TAB",),
        ("AZV-API",),
        "sole producer of the Azvudine active ingredient; the second tablet maker buys it there",
    ),
    SpofCause(
        "Region",
        "CH-ZH",
        ("VENTILATOR",),
        ("FLOW-SENSOR",),
        "both makers of thermal mass flow sensors are in the canton of Zurich",
    ),
    SpofCause(
        "Enterprise",
        "litho-veldhoven",
        MCU_CARS,
        ("ARF-SCANNER", "WAFER-MCU40", "MCU-AUTO"),
        "sole maker of ArF immersion scanners, which every 40 nm MCU fab needs",
    ),
    SpofCause(
        "Region",
        "JP",
        MCU_CARS,
        ("ARF-RESIST", "WAFER-MCU40", "MCU-AUTO"),
        "all three ArF immersion photoresist plants are in Japan",
    ),
    SpofCause(
        "Enterprise",
        "pa12-marl",
        ("CAR-ICE",),
        ("PA12", "FUEL-LINE"),
        "sole producer of the PA12 resin in every fuel line",
    ),
)

# Every key product is made only in China in this data set, so China is a single point of
# failure of each: reported, but trivial (the data set covers domestic producers of final
# goods only).
DOMESTIC_ONLY_REASON = "every producer of {product} in the data set is in China"

# ---- declared single sources: a customer buying an input from one supplier only -------------
# (customer key, product, supplier key, why)
DECLARED_SINGLE: tuple[tuple[str, str, str, str], ...] = (
    ("mask-changyuan", "MB-FABRIC", "mb-dongying", "buys all its melt-blown from one plant"),
    ("mask-shenzhen", "MB-FABRIC", "mb-dongying", "buys all its melt-blown from one plant"),
    ("med-beijing", "FLOW-SENSOR", "flow-zurich-a", "single qualified flow-sensor supplier"),
    ("auto-wuhan", "WINDSCREEN", "glass-fuqing", "single glass supplier"),
    ("ecu-wuhu", "MCU-AUTO", "osat-wuxi", "single qualified MCU supplier"),
)

# ---- regional and group single sources: several producers, one region or one group ----------
# (product, region code): every producer of the product lies in the region. China itself is
# left out: most products here are made only in China.
REGIONAL_SINGLE: tuple[tuple[str, str], ...] = (
    ("PP-MB", "330000"),
    ("ZEOLITE-LIX", "410300"),
    ("ZEOLITE-LIX", "410000"),
    ("FLOW-SENSOR", "CH-ZH"),
    ("FLOW-SENSOR", "CH"),
    ("ARF-RESIST", "JP"),
)
# (product, key of the top parent): every producer belongs to the group.
GROUP_SINGLE: tuple[tuple[str, str], ...] = (
    ("IBB", "g-greystone"),
    ("WINDSCREEN", "glass-fuqing"),
)

# ---- inputs deliberately sourced from several groups and regions: no SPOF through them -------
MULTI_SOURCED: tuple[tuple[str, str], ...] = (
    ("PP-HOMO", "five producers in four provinces and Korea, three ownership groups"),
    ("SB-FABRIC", "many producers in several provinces"),
    ("NOSE-WIRE", "several producers; steel wire rod from three mills"),
    ("EAR-LOOP", "several producers; spandex from four plants incl. Korea"),
    ("PRESSURE-SENSOR", "producers in Jiangsu, Guangdong and Germany"),
    ("IBU-API", "three producers in three provinces (isobutylbenzene is a group single "
     "source, but its two plants are in different provinces)"),
    ("PAP", "three producers in Shandong, Hebei and Jiangsu"),
    ("NEON", "four producers; Odesa holds half the capacity (high capacity criticality) "
     "but two Chinese plants remain"),
    ("WAFER-300", "five producers in Japan, Germany, Korea and China"),
    ("STEEL-SHEET", "five mills in five provinces; ore and coal from three countries"),
    ("HARNESS", "several producers in several provinces"),
    ("LI2CO3", "producers in Jiangxi, Qinghai, Chile and Sichuan"),
)  # fmt: skip

# ---- substitutes: alternatives that keep a concentrated input from being a SPOF ---------------
# (output, alt_group, what it rescues)
SUBSTITUTES: tuple[tuple[str, str, str], ...] = (
    ("SUIT", "suit-fabric", "SMS nonwoven needs melt-blown grade polypropylene (Zhejiang); "
     "laminated film fabric and flash-spun sheet do not"),
    ("VENTILATOR", "controller", "the domestic general-purpose MCU avoids the Japanese "
     "photoresist and the Dutch scanner behind the automotive MCU"),
    ("O2-CONC", "controller", "as for ventilators"),
    ("OXIMETER", "controller", "as for ventilators"),
    ("O2-CONC", "sieve", "LiX zeolite comes from two plants in Luoyang only; 13X substitutes"),
    ("LI-CELL", "cathode", "LFP and NCM cathodes substitute for each other"),
)  # fmt: skip

# ---- the bottleneck a person must see on the medical-supplies map ---------------------------
BOTTLENECK = "MB-FABRIC"
BOTTLENECK_FOR = MASKS

# ---- inventory: days of cover on the current snapshot ----------------------------------------
# Levels under the monitoring defaults (kg/monitor/rules.yaml): parts (component, equipment,
# final) red below 3 days; raw materials (raw material, material) red below 7, yellow below 15,
# blue below 30 days of cover. Unplanted items sit well clear: parts 10-40 days, raw
# materials 60-120 days.
THRESHOLDS = {
    "parts": {"red": 3.0},
    "raw_materials": {"red": 7.0, "yellow": 15.0, "blue": 30.0},
}
# (holder key, product, days of cover now, days of cover two weeks earlier)
INVENTORY_PLANTED: tuple[tuple[str, str, float, float], ...] = (
    ("mask-changyuan", "MB-FABRIC", 1.5, 9.0),
    ("mb-dongying", "PP-MB", 4.0, 20.0),
    ("auto-shanghai", "ECU", 1.5, 12.0),
    ("med-beijing", "FLOW-SENSOR", 2.0, 18.0),
    ("ibu-zibo", "IBU-API", 10.0, 35.0),
    ("fab-shanghai", "NEON", 11.0, 40.0),
    ("sb-quanzhou", "PP-HOMO", 20.0, 50.0),
    ("cath-changsha", "LI2CO3", 22.0, 55.0),
)
# Every mask maker's melt-blown stock is short: days of cover drawn from this range.
BOTTLENECK_COVER = (2.0, 6.5)
# A holder whose latest inventory snapshot is older than the others (stale data).
STALE_INVENTORY: tuple[tuple[str, str], ...] = (("loop-changyuan", "SPANDEX"),)

# ---- stockpiles -------------------------------------------------------------------------------
# Reserve targets in units, for national depots; provincial depots hold a third.
STOCKPILE_TARGETS: dict[str, float] = {
    "N95": 5_000_000,
    "SURG-MASK": 20_000_000,
    "SUIT": 300_000,
    "VENTILATOR": 500,
    "O2-CONC": 5_000,
    "OXIMETER": 100_000,
    "IBU-TAB": 50_000_000,
    "APAP-TAB": 40_000_000,
    "AZV-TAB": 200_000,
}
# (reserve key, product, stock / target now)
STOCKPILE_UNDER: tuple[tuple[str, str, float], ...] = (
    ("res-central", "N95", 0.45),
    ("res-north", "VENTILATOR", 0.6),
    ("res-south", "IBU-TAB", 0.3),
    ("res-henan", "OXIMETER", 0.5),
    ("res-west", "AZV-TAB", 0.25),
)
STALE_STOCKPILE: tuple[tuple[str, str], ...] = (("res-zhejiang", "SUIT"),)

# ---- demand by priority area -------------------------------------------------------------------
SECTORS: tuple[tuple[str, int], ...] = (
    ("hospitals", 1),
    ("elderly care", 2),
    ("rural clinics", 3),
    ("schools", 4),
)
# Provinces with demand areas, with their weight in each sector's national total.
AREA_PROVINCES: tuple[tuple[str, float], ...] = (
    ("110000", 0.10),
    ("310000", 0.10),
    ("330000", 0.12),
    ("370000", 0.16),
    ("410000", 0.16),
    ("420000", 0.12),
    ("440000", 0.14),
    ("510000", 0.10),
)
# The rural oximeter programme: 1.172 million oximeters to about 586,000 village clinics, two
# each. The sample spreads it over a 20-day campaign (an assumption): 58,600 a day.
RURAL_OXIMETERS = 1_172_000
RURAL_OXIMETER_DAYS = 20
# Daily demand of the priority areas, by product and sector (units per day; invented except the
# rural oximeters). Ventilators, N95, surgical masks, ibuprofen, oxygen concentrators and
# Azvudine are short: demand beyond daily output at some priority.
DEMAND: dict[str, dict[str, float]] = {
    "N95": {"hospitals": 8_000_000, "elderly care": 4_000_000},
    "SURG-MASK": {
        "hospitals": 25_000_000,
        "elderly care": 8_000_000,
        "rural clinics": 10_000_000,
        "schools": 20_000_000,
    },
    "SUIT": {"hospitals": 450_000},
    "VENTILATOR": {"hospitals": 2_400},
    "O2-CONC": {"hospitals": 10_000, "elderly care": 6_000, "rural clinics": 3_000},
    "OXIMETER": {
        "hospitals": 250_000,
        "elderly care": 120_000,
        "rural clinics": RURAL_OXIMETERS / RURAL_OXIMETER_DAYS,
        "schools": 30_000,
    },
    "IBU-TAB": {
        "hospitals": 60_000_000,
        "elderly care": 25_000_000,
        "rural clinics": 15_000_000,
        "schools": 10_000_000,
    },
    "APAP-TAB": {
        "hospitals": 40_000_000,
        "elderly care": 20_000_000,
        "rural clinics": 15_000_000,
        "schools": 8_000_000,
    },
    "AZV-TAB": {"hospitals": 500_000, "elderly care": 150_000, "rural clinics": 100_000},
}

# ---- calibration: published national figures of the 2022-23 medical-supply effort -----------
# (product, field, value, what was published)
CALIBRATION: tuple[tuple[str, str, float, str], ...] = (
    ("VENTILATOR", "output_per_day", 1808, "daily output of invasive ventilators: 1,808 units"),
    ("O2-CONC", "capacity_per_day", 20000, "oxygen concentrators: up to 20,000 a day"),
    ("OXIMETER", "output_per_day", 460000, "finger pulse oximeters: over 460,000 a day"),
    ("IBU-TAB+APAP-TAB", "capacity_per_day", 200_000_000,
     "ibuprofen and paracetamol: capacity 200 million tablets a day"),
    ("AZV-TAB", "capacity_per_day", 744000, "Azvudine: 744,000 bottles a day"),
    ("SUIT", "lead_time_days", 2,
     "protective suit sterilisation cut from 7 days to 1-2 days (the upper bound is used)"),
)  # fmt: skip
CALIBRATION_SOURCE = (
    "figures listed in issue 7, from the State Council joint prevention and control "
    "mechanism's press conferences and MIIT statements of December 2022 - January 2023"
)

REFERENCE_DATE = "2022-12-27"  # the current snapshot of inventory, stockpiles and demand
PREVIOUS_DATE = "2022-12-13"  # the earlier inventory snapshot
CAPACITY_DATE = "2022-12-20"
STALE_DATE = "2022-11-28"
STOCKPILE_PREVIOUS_DATE = "2022-11-29"
STALE_STOCKPILE_DATE = "2022-11-15"
