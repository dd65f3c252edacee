"""Chains, products and bills of materials of the sample: real products, real structure.

Every product has a real name, a Harmonized System code where one exists (HS 2022, six digits),
a unit, a category and the chains it belongs to. ``capacity`` is the sample's national capacity
per day in that unit and ``output`` (or ``utilisation``) the output per day: the calibrated
products take published figures (see ``CALIBRATION``), the rest are invented at a plausible
order of magnitude and sized so that every material has at least 10% headroom over what the
products it goes into consume, except the melt-blown nonwoven, whose shortage is planted.

Bills of materials give the quantity of input per unit of output with the reasoning behind it
(``basis``). Inputs that share an ``alt_group`` substitute for each other, as real ones do
(laminated film fabric, flash-spun sheet or SMS for protective suits; a domestic general-purpose
microcontroller for an automotive-grade one in medical devices; LiX or 13X zeolite in oxygen
concentrators; LFP or NCM cathodes in traction cells). Equipment (mask lines, lithography
scanners, etch tools) enters a bill of materials amortised over its lifetime output.
"""

from __future__ import annotations

from dataclasses import dataclass

MEDICAL = "medical-supplies"
AUTO = "automobiles"
IC = "integrated-circuits"


@dataclass(frozen=True)
class ChainSpec:
    id: str
    name: str
    description: str


CHAINS: tuple[ChainSpec, ...] = (
    ChainSpec(
        MEDICAL,
        "Medical supplies",
        "N95 respirators and surgical masks, protective suits, ventilators, oxygen "
        "concentrators, pulse oximeters, ibuprofen, paracetamol and Azvudine, with their "
        "materials, components and precursors",
    ),
    ChainSpec(
        AUTO,
        "Automobiles",
        "Petrol and battery-electric passenger cars: powertrain, electronic control units, "
        "wiring, steel, glass and traction batteries",
    ),
    ChainSpec(
        IC,
        "Integrated circuits",
        "Microcontrollers and power modules: polysilicon, wafers, photoresists, specialty "
        "gases, lithography and etch tools, fabrication, packaging and test",
    ),
)


@dataclass(frozen=True)
class ProductSpec:
    id: str
    name: str
    hs_code: str | None
    unit: str
    category: str  # raw material, material, component, equipment, final
    chains: tuple[str, ...]
    stage: str  # upstream, midstream, downstream
    capacity: float  # national capacity per day in the sample, in ``unit``
    utilisation: float = 0.8  # output / capacity, unless ``output`` is given
    output: float | None = None  # national output per day, for calibrated products
    trade: str = ""  # the line of business, for invented enterprise names
    lead_time_days: float | None = None
    unit_cost: float | None = None  # CNY per unit, approximate
    demand_per_day: float | None = None  # external demand (written for components only)
    note: str = ""

    @property
    def total_output(self) -> float:
        return self.output if self.output is not None else self.capacity * self.utilisation


_p = ProductSpec


M, A, S = (MEDICAL,), (AUTO,), (IC,)

# fmt: off
PRODUCTS: tuple[ProductSpec, ...] = (
    # ---- medical supplies: masks ---------------------------------------------------------
    _p("PP-HOMO", "Polypropylene homopolymer resin", "390210", "t", "raw material", M,
       "upstream", 6000, trade="Petrochemical", lead_time_days=10, unit_cost=8000),
    _p("DTBP", "Di-tert-butyl peroxide (visbreaking agent)", "290960", "t", "raw material", M,
       "upstream", 2, utilisation=0.6, trade="Peroxide Chemicals", lead_time_days=20,
       unit_cost=30000),
    _p("PP-MB", "Melt-blown grade polypropylene (MFR 1500)", "390210", "t", "material", M,
       "upstream", 90, trade="New Materials", lead_time_days=14, unit_cost=20000,
       note="controlled-rheology grade made from homopolymer with peroxide"),
    _p("MB-FABRIC", "Melt-blown nonwoven, filter grade (BFE 99)", "560311", "t", "material", M,
       "midstream", 60, utilisation=0.95, trade="Nonwoven Technology", lead_time_days=30,
       unit_cost=60000, note="the N95 bottleneck: four producers, supply short of demand"),
    _p("SB-FABRIC", "Spunbond polypropylene nonwoven", "560312", "t", "material", M,
       "midstream", 800, utilisation=0.75, trade="Nonwoven", lead_time_days=7,
       unit_cost=12000),
    _p("SMS-FABRIC", "SMS nonwoven (spunbond-meltblown-spunbond)", "560312", "t", "material",
       M, "midstream", 150, utilisation=0.4, trade="Medical Textiles", lead_time_days=10,
       unit_cost=18000),
    _p("WIRE-ROD", "Low-carbon steel wire rod", "721391", "t", "material", (MEDICAL, AUTO),
       "upstream", 400, trade="Steel", lead_time_days=10, unit_cost=4200),
    _p("NOSE-WIRE", "Mask nose wire (plastic-coated iron wire)", "721790", "km", "component",
       M, "midstream", 20000, utilisation=0.6, trade="Metal Products", lead_time_days=5,
       unit_cost=60),
    _p("SPANDEX", "Spandex (elastane) filament yarn", "540244", "t", "raw material", M,
       "upstream", 60, trade="Fibre", lead_time_days=10, unit_cost=35000),
    _p("EAR-LOOP", "Elastic ear loop and head strap band", "580620", "km", "component", M,
       "midstream", 60000, utilisation=0.6, trade="Elastic Products", lead_time_days=5,
       unit_cost=40),
    _p("MASK-LINE", "Automatic mask production line", "847989", "sets", "equipment", M,
       "midstream", 30, utilisation=0.5, trade="Automation", lead_time_days=20,
       unit_cost=800000),
    _p("N95", "N95 medical protective respirator (GB 19083)", "630790", "pcs", "final", M,
       "downstream", 20_000_000, utilisation=0.5, trade="Protective Products",
       lead_time_days=3, unit_cost=2.5, demand_per_day=18_000_000),
    _p("SURG-MASK", "Medical surgical mask (YY 0469)", "630790", "pcs", "final", M,
       "downstream", 100_000_000, utilisation=0.6, trade="Medical Products", lead_time_days=3,
       unit_cost=0.4, demand_per_day=90_000_000),
    # ---- medical supplies: protective suits ----------------------------------------------
    _p("PE-FILM", "Breathable microporous polyethylene film", "392010", "t", "material", M,
       "upstream", 150, utilisation=0.6, trade="Film", lead_time_days=7, unit_cost=15000),
    _p("LAMINATE", "Microporous film laminated nonwoven", "560312", "t", "material", M,
       "midstream", 200, utilisation=0.6, trade="Medical Materials", lead_time_days=7,
       unit_cost=30000),
    _p("FLASHSPUN", "Flash-spun high-density polyethylene sheet", "560312", "t", "material", M,
       "midstream", 110, utilisation=0.6, trade="Nonwovens", lead_time_days=30,
       unit_cost=120000),
    _p("SEAM-TAPE", "Heat-sealing seam tape", "392099", "km", "component", M, "midstream",
       10000, utilisation=0.6, trade="Adhesives", lead_time_days=5, unit_cost=500),
    _p("ZIPPER", "Plastic slide fastener", "960719", "pcs", "component", M, "midstream",
       5_000_000, utilisation=0.6, trade="Fastener", lead_time_days=5, unit_cost=0.3),
    _p("EO", "Ethylene oxide (sterilant)", "291010", "t", "raw material", M, "upstream", 500,
       trade="Chemical", lead_time_days=7, unit_cost=7000),
    _p("SUIT", "Medical protective clothing, disposable (GB 19082)", "621010", "pcs", "final",
       M, "downstream", 1_000_000, utilisation=0.6, trade="Medical Supplies",
       lead_time_days=2, unit_cost=35, demand_per_day=700_000,
       note="lead time after EO sterilisation and desorption was cut from 7 days to 1-2"),
    # ---- medical supplies: ventilators, oxygen concentrators, oximeters --------------------
    _p("BLOWER", "Brushless micro-turbine blower", "841459", "pcs", "component", M,
       "midstream", 5000, utilisation=0.6, trade="Motor", lead_time_days=30, unit_cost=1500),
    _p("FLOW-SENSOR", "Thermal mass flow sensor", "902610", "pcs", "component", M,
       "midstream", 20000, utilisation=0.6, trade="Flow Sensors", lead_time_days=60,
       unit_cost=600),
    _p("PRESSURE-SENSOR", "MEMS differential pressure sensor", "902620", "pcs", "component",
       M, "midstream", 200_000, utilisation=0.6, trade="Sensing", lead_time_days=20,
       unit_cost=40),
    _p("PROP-VALVE", "Proportional solenoid valve", "848180", "pcs", "component", M,
       "midstream", 150_000, utilisation=0.6, trade="Fluid Control", lead_time_days=20,
       unit_cost=300),
    _p("LCD-MODULE", "TFT-LCD touch display module", "852491", "pcs", "component", M,
       "midstream", 200_000, utilisation=0.6, trade="Display", lead_time_days=20,
       unit_cost=400),
    _p("VENTILATOR", "Invasive ventilator (ICU)", "901920", "units", "final", M, "downstream",
       2100, output=1808, trade="Medical Electronics", lead_time_days=14, unit_cost=150000,
       demand_per_day=2600),
    _p("ZEOLITE-LIX", "Lithium LSX zeolite molecular sieve", "284210", "t", "material", M,
       "upstream", 20, utilisation=0.7, trade="Adsorbents", lead_time_days=20,
       unit_cost=90000),
    _p("ZEOLITE-13X", "13X zeolite molecular sieve", "284210", "t", "material", M, "upstream",
       80, utilisation=0.6, trade="Chemical Packing", lead_time_days=10, unit_cost=15000),
    _p("COMPRESSOR", "Oil-free piston air compressor", "841480", "pcs", "component", M,
       "midstream", 50_000, utilisation=0.6, trade="Compressor", lead_time_days=15,
       unit_cost=500),
    _p("O2-SENSOR", "Ultrasonic oxygen concentration sensor", "902710", "pcs", "component", M,
       "midstream", 60_000, utilisation=0.6, trade="Gas Sensing", lead_time_days=15,
       unit_cost=150),
    _p("O2-CONC", "Oxygen concentrator (5 L/min)", "901920", "units", "final", M,
       "downstream", 20000, output=18000, trade="Medical Devices", lead_time_days=7,
       unit_cost=3500, demand_per_day=30000),
    _p("LED-RI", "Red and infrared LED pair", "854141", "pcs", "component", M, "midstream",
       1_000_000, utilisation=0.7, trade="Optoelectronics", lead_time_days=15,
       unit_cost=0.8),
    _p("PHOTODIODE", "Silicon PIN photodiode", "854149", "pcs", "component", M, "midstream",
       1_000_000, utilisation=0.7, trade="Photonics", lead_time_days=15, unit_cost=0.5),
    _p("OLED-SMALL", "0.96-inch OLED display module", "852492", "pcs", "component", M,
       "midstream", 1_000_000, utilisation=0.7, trade="Display", lead_time_days=15,
       unit_cost=6),
    _p("BATTERY-AAA", "Alkaline AAA cell", "850610", "pcs", "component", M, "midstream",
       3_000_000, utilisation=0.7, trade="Battery", lead_time_days=7, unit_cost=0.6),
    _p("OXIMETER", "Finger pulse oximeter", "901819", "units", "final", M, "downstream",
       520_000, output=460_000, trade="Medical Electronics", lead_time_days=7,
       unit_cost=90, demand_per_day=700_000),
    # ---- medical supplies: medicines ------------------------------------------------------
    _p("IBB", "Isobutylbenzene", "290290", "t", "material", M, "upstream", 40,
       trade="Aromatics", lead_time_days=14, unit_cost=15000),
    _p("AC2O", "Acetic anhydride", "291524", "t", "raw material", M, "upstream", 800,
       trade="Chemical", lead_time_days=7, unit_cost=6000),
    _p("IBU-API", "Ibuprofen (active ingredient)", "291639", "t", "material", M, "midstream",
       40, utilisation=0.85, trade="Pharmaceutical", lead_time_days=20, unit_cost=150000),
    _p("NITROBENZENE", "Nitrobenzene", "290420", "t", "raw material", M, "upstream", 1000,
       trade="Chemical", lead_time_days=7, unit_cost=7000),
    _p("PAP", "4-Aminophenol (para-aminophenol)", "292229", "t", "material", M, "upstream",
       160, utilisation=0.65, trade="Chemical", lead_time_days=14, unit_cost=25000),
    _p("APAP-API", "Paracetamol (acetaminophen, active ingredient)", "292429", "t",
       "material", M, "midstream", 200, utilisation=0.6, trade="Chemical",
       lead_time_days=14, unit_cost=40000),
    _p("MCC", "Microcrystalline cellulose (excipient)", "391290", "t", "material", M,
       "upstream", 60, utilisation=0.7, trade="Excipients", lead_time_days=10,
       unit_cost=20000),
    _p("IBU-TAB", "Ibuprofen tablets and capsules, 200 mg", "300490", "tablets", "final", M,
       "downstream", 110_000_000, utilisation=0.95, trade="Pharmaceutical",
       lead_time_days=5, unit_cost=0.15, demand_per_day=130_000_000),
    _p("APAP-TAB", "Paracetamol tablets, 500 mg", "300490", "tablets", "final", M,
       "downstream", 90_000_000, utilisation=0.95, trade="Pharmaceutical", lead_time_days=5,
       unit_cost=0.1, demand_per_day=90_000_000),
    _p("AZV-API", "Azvudine (active ingredient)", "293499", "kg", "material", M, "midstream",
       30, utilisation=0.9, trade="Biopharmaceutical", lead_time_days=30,
       unit_cost=2_000_000),
    _p("AZV-TAB", "Azvudine tablets, 1 mg, bottle of 35", "300490", "bottles", "final", M,
       "downstream", 744_000, output=700_000, trade="Pharmaceutical", lead_time_days=7,
       unit_cost=270, demand_per_day=900_000),
    # ---- integrated circuits -------------------------------------------------------------
    _p("POLYSILICON", "Electronic-grade polysilicon (11N)", "280461", "t", "raw material", S,
       "upstream", 60, trade="Silicon Materials", lead_time_days=30, unit_cost=400000),
    _p("WAFER-300", "300 mm prime silicon wafer", "381800", "pcs", "material", S, "upstream",
       5000, trade="Silicon", lead_time_days=60, unit_cost=1000),
    _p("WAFER-200", "200 mm prime silicon wafer", "381800", "pcs", "material", S, "upstream",
       8000, utilisation=0.7, trade="Semiconductor Materials", lead_time_days=45,
       unit_cost=400),
    _p("NEON", "Neon, excimer-laser grade", "280429", "m3", "raw material", S, "upstream",
       400, utilisation=0.7, trade="Special Gases", lead_time_days=30, unit_cost=2000),
    _p("ARF-RESIST", "ArF immersion photoresist", "370790", "L", "material", S, "upstream",
       600, utilisation=0.7, trade="Electronic Materials", lead_time_days=60,
       unit_cost=15000),
    _p("KRF-RESIST", "KrF photoresist", "370790", "L", "material", S, "upstream", 900,
       utilisation=0.7, trade="Photoresist", lead_time_days=45, unit_cost=5000),
    _p("ARF-SCANNER", "ArF immersion lithography scanner", "848620", "units", "equipment", S,
       "upstream", 0.25, utilisation=0.8, trade="Lithography", lead_time_days=540,
       unit_cost=600_000_000),
    _p("KRF-SCANNER", "KrF lithography scanner", "848620", "units", "equipment", S,
       "upstream", 0.5, utilisation=0.8, trade="Lithography Equipment", lead_time_days=365,
       unit_cost=100_000_000),
    _p("ETCH-TOOL", "Plasma etch tool", "848620", "units", "equipment", S, "upstream", 2,
       utilisation=0.8, trade="Semiconductor Equipment", lead_time_days=270,
       unit_cost=40_000_000),
    _p("EMC", "Epoxy molding compound", "390730", "t", "material", S, "upstream", 50,
       utilisation=0.6, trade="Moulding Compounds", lead_time_days=30, unit_cost=80000),
    _p("LEADFRAME", "Copper lead frame", "854290", "pcs", "component", S, "midstream",
       10_000_000, utilisation=0.8, trade="Precision", lead_time_days=20, unit_cost=0.05),
    _p("WAFER-MCU40", "Processed wafer, 40 nm MCU logic", "854231", "pcs", "material", S,
       "midstream", 1500, utilisation=0.85, trade="Integrated Circuit Manufacturing",
       lead_time_days=90, unit_cost=25000),
    _p("WAFER-MCU110", "Processed wafer, 110 nm MCU logic", "854231", "pcs", "material", S,
       "midstream", 3000, utilisation=0.6, trade="Semiconductor", lead_time_days=75,
       unit_cost=6000),
    _p("MCU-AUTO", "Automotive 32-bit microcontroller (AEC-Q100), packaged and tested",
       "854231", "pcs", "component", (IC, AUTO, MEDICAL), "downstream", 3_000_000,
       utilisation=0.85, trade="Packaging Technology", lead_time_days=120, unit_cost=15,
       demand_per_day=3_000_000),
    _p("MCU-GP", "General-purpose 32-bit microcontroller (110 nm), packaged and tested",
       "854231", "pcs", "component", (IC, MEDICAL), "downstream", 5_000_000,
       utilisation=0.8, trade="Microelectronics", lead_time_days=60, unit_cost=4,
       demand_per_day=4_500_000),
    _p("IGBT", "Automotive IGBT power module", "854129", "pcs", "component", (IC, AUTO),
       "downstream", 40_000, utilisation=0.8, trade="Power Semiconductor",
       lead_time_days=60, unit_cost=1500),
    # ---- automobiles ---------------------------------------------------------------------
    _p("IRON-ORE", "Iron ore fines", "260111", "t", "raw material", A, "upstream", 200_000,
       utilisation=0.85, trade="Mining", lead_time_days=30, unit_cost=800),
    _p("COKING-COAL", "Coking coal", "270112", "t", "raw material", A, "upstream", 80_000,
       utilisation=0.85, trade="Coal", lead_time_days=20, unit_cost=2000),
    _p("STEEL-SHEET", "Hot-dip galvanised automotive steel sheet", "721049", "t",
       "material", A, "upstream", 60_000, trade="Steel", lead_time_days=30, unit_cost=6000),
    _p("GEAR-STEEL", "Alloy steel bar (gear steel)", "722830", "t", "material", A,
       "upstream", 8000, utilisation=0.75, trade="Special Steel", lead_time_days=30,
       unit_cost=6500),
    _p("ALU-ALLOY", "Aluminium casting alloy ingot", "760120", "t", "material", A, "upstream",
       6000, trade="Aluminium", lead_time_days=14, unit_cost=19000),
    _p("FLOAT-GLASS", "Float glass", "700529", "t", "material", A, "upstream", 5000,
       trade="Glass", lead_time_days=14, unit_cost=2500),
    _p("PVB-FILM", "PVB interlayer film", "392091", "m2", "material", A, "upstream", 200_000,
       utilisation=0.7, trade="Films", lead_time_days=30, unit_cost=25),
    _p("WINDSCREEN", "Laminated safety glass windscreen", "700721", "pcs", "component", A,
       "midstream", 90_000, trade="Automotive Glass", lead_time_days=14, unit_cost=800),
    _p("COPPER-WIRE", "Annealed copper wire", "740819", "t", "material", A, "upstream", 4000,
       trade="Copper", lead_time_days=10, unit_cost=70000),
    _p("PVC-COMPOUND", "PVC insulation compound", "390422", "t", "material", A, "upstream",
       2000, trade="Plastics", lead_time_days=10, unit_cost=9000),
    _p("CONNECTOR", "Automotive connector", "853690", "pcs", "component", A, "midstream",
       20_000_000, utilisation=0.75, trade="Connector", lead_time_days=20, unit_cost=1.5),
    _p("HARNESS", "Automotive wiring harness", "854430", "sets", "component", A,
       "midstream", 90_000, trade="Wiring Systems", lead_time_days=14, unit_cost=3000),
    _p("PCB", "Printed circuit board (automotive)", "853400", "pcs", "component", A,
       "midstream", 3_000_000, utilisation=0.75, trade="Circuits", lead_time_days=20,
       unit_cost=20),
    _p("ECU", "Electronic control unit", "853710", "pcs", "component", A, "midstream",
       2_500_000, utilisation=0.8, trade="Automotive Electronics", lead_time_days=30,
       unit_cost=300),
    _p("ENGINE", "Petrol engine, 1.5-2.0 L", "840734", "pcs", "component", A, "midstream",
       60_000, trade="Engine", lead_time_days=30, unit_cost=15000),
    _p("TRANSMISSION", "Automatic transmission", "870840", "pcs", "component", A,
       "midstream", 60_000, trade="Transmission", lead_time_days=30, unit_cost=9000),
    _p("PA12", "Polyamide 12 resin", "390890", "t", "material", A, "upstream", 40,
       trade="Hochpolymer", lead_time_days=60, unit_cost=90000,
       note="planted sole source; the real market has a few producers"),
    _p("FUEL-LINE", "Multilayer fuel line assembly (PA12)", "391732", "pcs", "component", A,
       "midstream", 70_000, utilisation=0.75, trade="Fluid Systems", lead_time_days=20,
       unit_cost=150),
    _p("LI2CO3", "Battery-grade lithium carbonate", "283691", "t", "raw material", A,
       "upstream", 1600, trade="Lithium", lead_time_days=30, unit_cost=500000),
    _p("LFP-CATHODE", "Lithium iron phosphate cathode material", "284290", "t", "material",
       A, "upstream", 3200, trade="Battery Materials", lead_time_days=20, unit_cost=150000),
    _p("NCM-CATHODE", "Nickel-cobalt-manganese (NCM) cathode material", None, "t",
       "material", A, "upstream", 2400, trade="Cathode Materials", lead_time_days=20,
       unit_cost=300000),
    _p("LI-CELL", "Lithium-ion traction cell", "850760", "kWh", "component", A, "midstream",
       1_600_000, trade="New Energy Technology", lead_time_days=30, unit_cost=900),
    _p("BATTERY-PACK", "Traction battery pack (60 kWh)", "850760", "pcs", "component", A,
       "midstream", 25_000, trade="Energy", lead_time_days=30, unit_cost=60000),
    _p("NDPR-OXIDE", "Praseodymium-neodymium oxide", "284690", "t", "raw material", A,
       "upstream", 200, trade="Rare Earth", lead_time_days=30, unit_cost=700000),
    _p("NDFEB-MAGNET", "Sintered NdFeB permanent magnet", "850511", "t", "material", A,
       "upstream", 300, trade="Magnet", lead_time_days=30, unit_cost=400000),
    _p("E-DRIVE", "Electric drive unit (traction motor and inverter)", "850153", "pcs",
       "component", A, "midstream", 30_000, trade="Electric Drive", lead_time_days=30,
       unit_cost=12000),
    _p("CAR-ICE", "Passenger car, petrol, 1.5-3.0 L", "870323", "units", "final", A,
       "downstream", 60_000, output=47_000, trade="Automobile", lead_time_days=30,
       unit_cost=150000, demand_per_day=50_000),
    _p("CAR-BEV", "Battery-electric passenger car", "870380", "units", "final", A,
       "downstream", 20_000, output=15_000, trade="New Energy Vehicle", lead_time_days=30,
       unit_cost=200000, demand_per_day=16_000),
)
# fmt: on

BY_ID: dict[str, ProductSpec] = {p.id: p for p in PRODUCTS}

# Key products: final products and products with external demand (the microcontrollers);
# the analyses look for their single points of failure and the planted findings are stated
# against them. products.csv gives demand_per_day for the microcontrollers only: demands in
# units that differ in kind (tablets, ventilators, cars) are not comparable, and the analyses
# weigh key products by demand when one is given. The national demands of the final products
# (Dec 2022, invented at the scale of the calibrated output) are in the manifest.
KEY_PRODUCTS: tuple[str, ...] = tuple(
    p.id for p in PRODUCTS if p.category == "final" or p.demand_per_day is not None
)


def written_demand(p: ProductSpec) -> float | None:
    """The demand_per_day written to products.csv."""
    return None if p.category == "final" else p.demand_per_day


@dataclass(frozen=True)
class BomLine:
    input: str
    output: str
    qty: float
    alt_group: str | None = None
    basis: str = ""


def _b(inp: str, out: str, qty: float, basis: str, alt: str | None = None) -> BomLine:
    return BomLine(inp, out, qty, alt, basis)


# Lifetime output of one piece of equipment, for amortising it over what it makes.
MASK_LINE_LIFE_N95 = 72_000 * 300 * 5  # 50 masks/min for 24 h, 300 days a year, 5 years
MASK_LINE_LIFE_SURGICAL = 200_000 * 300 * 5
SCANNER_LIFE_WAFERS = 600_000  # about 10 years of wafer passes over ~30 critical layers
ETCH_LIFE_WAFERS = 400_000

# fmt: off
BOM: tuple[BomLine, ...] = (
    # masks
    _b("PP-HOMO", "PP-MB", 1.0, "one tonne of base resin per tonne, visbroken in extrusion"),
    _b("DTBP", "PP-MB", 0.002, "0.2% peroxide by weight to reach MFR 1500"),
    _b("PP-MB", "MB-FABRIC", 1.05, "5% edge trim and start-up waste"),
    _b("PP-HOMO", "SB-FABRIC", 1.03, "3% waste"),
    _b("PP-HOMO", "SMS-FABRIC", 0.82, "spunbond layers are about 80% of the weight"),
    _b("PP-MB", "SMS-FABRIC", 0.2, "melt-blown core layer about 20% of the weight"),
    _b("IRON-ORE", "WIRE-ROD", 1.6, "blast furnace route, 1.6 t ore per t steel"),
    _b("COKING-COAL", "WIRE-ROD", 0.6, "blast furnace route, 0.6 t coking coal per t steel"),
    _b("WIRE-ROD", "NOSE-WIRE", 0.008, "1 mm2 steel core, 7.85 g/m"),
    _b("SPANDEX", "EAR-LOOP", 0.00016, "0.8 g/m band, 20% elastane"),
    _b("MB-FABRIC", "N95", 0.000004, "about 4 g melt-blown per respirator: one tonne "
       "makes 200,000-250,000 N95"),
    _b("SB-FABRIC", "N95", 0.000006, "outer and inner spunbond layers, about 6 g"),
    _b("NOSE-WIRE", "N95", 0.00012, "12 cm nose wire"),
    _b("EAR-LOOP", "N95", 0.00036, "two head straps of 18 cm"),
    _b("MASK-LINE", "N95", 1 / MASK_LINE_LIFE_N95, "one line makes about 72,000 a day for "
       "five years"),
    _b("MB-FABRIC", "SURG-MASK", 0.000001, "about 1 g melt-blown: one tonne makes about a "
       "million surgical masks"),
    _b("SB-FABRIC", "SURG-MASK", 0.000002, "two spunbond layers, about 2 g"),
    _b("NOSE-WIRE", "SURG-MASK", 0.0001, "10 cm nose wire"),
    _b("EAR-LOOP", "SURG-MASK", 0.00034, "two ear loops of 17 cm"),
    _b("MASK-LINE", "SURG-MASK", 1 / MASK_LINE_LIFE_SURGICAL, "one line makes about 200,000 "
       "a day for five years"),
    # protective suits
    _b("SB-FABRIC", "LAMINATE", 0.65, "spunbond substrate about 65% of the weight"),
    _b("PE-FILM", "LAMINATE", 0.38, "microporous film about 35% of the weight, 3% waste"),
    _b("LAMINATE", "SUIT", 0.0002, "about 3 m2 of 65 g/m2 fabric", "suit-fabric"),
    _b("FLASHSPUN", "SUIT", 0.00015, "about 3 m2 of 45 g/m2 sheet", "suit-fabric"),
    _b("SMS-FABRIC", "SUIT", 0.0002, "about 3 m2 of 65 g/m2 SMS", "suit-fabric"),
    _b("SEAM-TAPE", "SUIT", 0.008, "about 8 m of sealed seams"),
    _b("ZIPPER", "SUIT", 1, "one front zip"),
    _b("EO", "SUIT", 0.000005, "about 5 g ethylene oxide per suit in a full chamber"),
    # ventilators
    _b("BLOWER", "VENTILATOR", 1, "one turbine"),
    _b("FLOW-SENSOR", "VENTILATOR", 2, "inspiratory and expiratory flow"),
    _b("PRESSURE-SENSOR", "VENTILATOR", 3, "airway, inspiratory and expiratory pressure"),
    _b("PROP-VALVE", "VENTILATOR", 2, "oxygen and air mixing valves"),
    _b("MCU-AUTO", "VENTILATOR", 2, "control and monitoring processors", "controller"),
    _b("MCU-GP", "VENTILATOR", 2, "control and monitoring processors", "controller"),
    _b("LCD-MODULE", "VENTILATOR", 1, "one touch screen"),
    # oxygen concentrators
    _b("ZEOLITE-LIX", "O2-CONC", 0.0008, "about 0.8 kg LiX sieve for 5 L/min", "sieve"),
    _b("ZEOLITE-13X", "O2-CONC", 0.0015, "about 1.5 kg 13X sieve for 5 L/min", "sieve"),
    _b("COMPRESSOR", "O2-CONC", 1, "one compressor"),
    _b("PROP-VALVE", "O2-CONC", 2, "bed switching valves"),
    _b("O2-SENSOR", "O2-CONC", 1, "purity monitor"),
    _b("MCU-AUTO", "O2-CONC", 1, "controller", "controller"),
    _b("MCU-GP", "O2-CONC", 1, "controller", "controller"),
    _b("LCD-MODULE", "O2-CONC", 1, "one display"),
    # pulse oximeters
    _b("LED-RI", "OXIMETER", 1, "one red/infrared emitter pair"),
    _b("PHOTODIODE", "OXIMETER", 1, "one detector"),
    _b("MCU-GP", "OXIMETER", 1, "controller", "controller"),
    _b("MCU-AUTO", "OXIMETER", 1, "controller", "controller"),
    _b("OLED-SMALL", "OXIMETER", 1, "one display"),
    _b("BATTERY-AAA", "OXIMETER", 2, "two AAA cells"),
    # medicines
    _b("IBB", "IBU-API", 0.81, "134/206 by mass at about 80% overall yield"),
    _b("AC2O", "IBU-API", 0.62, "acylation with acetic anhydride, 102/206 at 80% yield"),
    _b("NITROBENZENE", "PAP", 1.25, "123/109 by mass at about 90% yield"),
    _b("PAP", "APAP-API", 0.76, "109/151 by mass at 95% yield"),
    _b("AC2O", "APAP-API", 0.72, "102/151 by mass at 94% yield"),
    _b("IBU-API", "IBU-TAB", 0.0000002, "200 mg active ingredient"),
    _b("MCC", "IBU-TAB", 0.00000005, "about 50 mg excipient"),
    _b("APAP-API", "APAP-TAB", 0.0000005, "500 mg active ingredient"),
    _b("MCC", "APAP-TAB", 0.00000005, "about 50 mg excipient"),
    _b("AZV-API", "AZV-TAB", 0.000035, "35 tablets of 1 mg in kg"),
    # integrated circuits
    _b("POLYSILICON", "WAFER-300", 0.00025, "about 250 g polysilicon per 128 g wafer "
       "(crystal growth, slicing and polishing losses)"),
    _b("POLYSILICON", "WAFER-200", 0.0001, "about 100 g per 53 g wafer"),
    _b("WAFER-300", "WAFER-MCU40", 1.05, "5% test and monitor wafers"),
    _b("ARF-RESIST", "WAFER-MCU40", 0.15, "about 20 ArF layers at 7.5 mL"),
    _b("NEON", "WAFER-MCU40", 0.05, "excimer laser gas refills per wafer"),
    _b("ARF-SCANNER", "WAFER-MCU40", 1 / SCANNER_LIFE_WAFERS, "amortised over "
       "lifetime wafers"),
    _b("ETCH-TOOL", "WAFER-MCU40", 1 / ETCH_LIFE_WAFERS, "amortised over lifetime wafers"),
    _b("WAFER-200", "WAFER-MCU110", 1.05, "5% test and monitor wafers"),
    _b("KRF-RESIST", "WAFER-MCU110", 0.12, "about 15 KrF layers at 8 mL"),
    _b("NEON", "WAFER-MCU110", 0.04, "excimer laser gas refills per wafer"),
    _b("KRF-SCANNER", "WAFER-MCU110", 1 / SCANNER_LIFE_WAFERS, "amortised over "
       "lifetime wafers"),
    _b("ETCH-TOOL", "WAFER-MCU110", 1 / ETCH_LIFE_WAFERS, "amortised over lifetime wafers"),
    _b("WAFER-MCU40", "MCU-AUTO", 0.0004, "about 2,500 good dies of 25 mm2 per 300 mm wafer"),
    _b("LEADFRAME", "MCU-AUTO", 1, "one LQFP lead frame"),
    _b("EMC", "MCU-AUTO", 0.0000003, "about 0.3 g molding compound"),
    _b("WAFER-MCU110", "MCU-GP", 0.0004, "about 2,500 good dies of 10 mm2 per 200 mm wafer"),
    _b("LEADFRAME", "MCU-GP", 1, "one LQFP lead frame"),
    _b("EMC", "MCU-GP", 0.0000003, "about 0.3 g molding compound"),
    _b("WAFER-200", "IGBT", 0.06, "six to twelve IGBT and diode chips per module"),
    # automobiles
    _b("IRON-ORE", "STEEL-SHEET", 1.6, "blast furnace route"),
    _b("COKING-COAL", "STEEL-SHEET", 0.6, "blast furnace route"),
    _b("IRON-ORE", "GEAR-STEEL", 1.6, "blast furnace route"),
    _b("COKING-COAL", "GEAR-STEEL", 0.6, "blast furnace route"),
    _b("FLOAT-GLASS", "WINDSCREEN", 0.018, "two 2.1 mm plies of about 1.5 m2, with trim"),
    _b("PVB-FILM", "WINDSCREEN", 1.6, "0.76 mm interlayer with trim"),
    _b("COPPER-WIRE", "HARNESS", 0.025, "about 25 kg copper per car"),
    _b("PVC-COMPOUND", "HARNESS", 0.012, "insulation"),
    _b("CONNECTOR", "HARNESS", 150, "about 150 connectors per car"),
    _b("MCU-AUTO", "ECU", 1, "one microcontroller per unit"),
    _b("PCB", "ECU", 1, "one board per unit"),
    _b("CONNECTOR", "ECU", 2, "two connectors per unit"),
    _b("ALU-ALLOY", "ENGINE", 0.05, "block and head castings"),
    _b("GEAR-STEEL", "ENGINE", 0.04, "crankshaft, camshafts and gears"),
    _b("GEAR-STEEL", "TRANSMISSION", 0.06, "gears and shafts"),
    _b("ALU-ALLOY", "TRANSMISSION", 0.015, "housing"),
    _b("PA12", "FUEL-LINE", 0.0004, "about 0.4 kg of PA12 tube per car"),
    _b("LI2CO3", "LFP-CATHODE", 0.245, "Li content of LiFePO4 with 5% loss"),
    _b("LI2CO3", "NCM-CATHODE", 0.38, "Li content of NCM with losses"),
    _b("LFP-CATHODE", "LI-CELL", 0.0022, "about 2.2 kg LFP per kWh", "cathode"),
    _b("NCM-CATHODE", "LI-CELL", 0.0016, "about 1.6 kg NCM per kWh", "cathode"),
    _b("LI-CELL", "BATTERY-PACK", 60, "60 kWh pack"),
    _b("CONNECTOR", "BATTERY-PACK", 20, "high- and low-voltage connectors"),
    _b("NDPR-OXIDE", "NDFEB-MAGNET", 0.32, "about 30% rare earth by mass"),
    _b("NDFEB-MAGNET", "E-DRIVE", 0.002, "about 2 kg magnets per motor"),
    _b("IGBT", "E-DRIVE", 1, "one six-pack module per inverter"),
    _b("COPPER-WIRE", "E-DRIVE", 0.008, "stator windings"),
    _b("MCU-AUTO", "E-DRIVE", 1, "inverter controller"),
    _b("ENGINE", "CAR-ICE", 1, "one engine"),
    _b("TRANSMISSION", "CAR-ICE", 1, "one gearbox"),
    _b("ECU", "CAR-ICE", 30, "about 30 control units"),
    _b("HARNESS", "CAR-ICE", 1, "one harness set"),
    _b("STEEL-SHEET", "CAR-ICE", 0.7, "body, closures and chassis sheet"),
    _b("WINDSCREEN", "CAR-ICE", 1, "one windscreen"),
    _b("FUEL-LINE", "CAR-ICE", 1, "one fuel line set"),
    _b("E-DRIVE", "CAR-BEV", 1, "one drive unit"),
    _b("BATTERY-PACK", "CAR-BEV", 1, "one pack"),
    _b("ECU", "CAR-BEV", 25, "about 25 control units"),
    _b("HARNESS", "CAR-BEV", 1, "one harness set"),
    _b("STEEL-SHEET", "CAR-BEV", 0.6, "body, closures and chassis sheet"),
    _b("WINDSCREEN", "CAR-BEV", 1, "one windscreen"),
)
# fmt: on


def inputs_of(product: str) -> list[BomLine]:
    return [b for b in BOM if b.output == product]


def outputs_of(product: str) -> list[BomLine]:
    return [b for b in BOM if b.input == product]
