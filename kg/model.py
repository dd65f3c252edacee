"""The graph model, declared once: labels, keys, properties and relationship types.

Constraints, indexes and the MERGE statements of every load are generated from these
declarations (kg/schema.py), so a label or property name is written in one place only.
Material flows along every supply edge: supplier -> customer, input -> output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PropKind = Literal["str", "float", "int", "bool", "date", "datetime", "list[str]"]


@dataclass(frozen=True)
class Prop:
    name: str
    kind: PropKind
    doc: str = ""


@dataclass(frozen=True)
class NodeType:
    label: str
    key: str
    props: tuple[Prop, ...]
    doc: str
    indexes: tuple[str, ...] = ()

    def prop(self, name: str) -> Prop:
        for p in self.props:
            if p.name == name:
                return p
        raise KeyError(f"{self.label} has no property {name!r}")


@dataclass(frozen=True)
class RelType:
    type: str
    start: NodeType
    end: NodeType
    props: tuple[Prop, ...]
    doc: str
    # Properties that tell apart several relationships of this type between the same two
    # nodes (one SUPPLIES edge per product; one HOLDS edge per snapshot date).
    merge_keys: tuple[str, ...] = field(default=())
    # A date property that keeps the relationship current: a row dated before the value already
    # on the relationship (or an undated row over a dated one) leaves it as it is, so loading an
    # older snapshot never overwrites a newer one (its history lives in a snapshot type beside).
    current_by: str | None = None


# Provenance carried by every node and relationship a load writes.
PROVENANCE: tuple[Prop, ...] = (
    Prop("source", "str", "where the record came from (file name or mapping)"),
    Prop("load_id", "str", "the (:Load) that wrote it last"),
    Prop("loaded_at", "datetime", "when it was written"),
    Prop("basis", "str", "how it is known: declared, surveyed, customs record, inferred"),
)
BASES: tuple[str, ...] = ("declared", "surveyed", "customs record", "inferred")

PRODUCT_CATEGORIES: tuple[str, ...] = (
    "raw material",
    "material",
    "component",
    "equipment",
    "final",
)
CHAIN_STAGES: tuple[str, ...] = ("upstream", "midstream", "downstream")
REGION_LEVELS: tuple[str, ...] = ("country", "province", "city", "county", "town")
# The level at which regional single sources are judged unless asked otherwise.
DEFAULT_REGION_LEVEL = "province"
ENTERPRISE_SCALES: tuple[str, ...] = ("large", "medium", "small", "micro")

ENTERPRISE = NodeType(
    "Enterprise",
    "id",
    (
        Prop("id", "str", "unified social credit code or any stable id"),
        Prop("name", "str"),
        Prop("aliases", "list[str]", "other names, e.g. earlier or English names"),
        Prop("region", "str", "administrative code of the region it sits in"),
        Prop("lat", "float"),
        Prop("lon", "float"),
        Prop("scale", "str", "large, medium, small or micro"),
        Prop("tags", "list[str]"),
    ),
    "A company or plant that produces, supplies or holds products.",
    indexes=("name", "region"),
)
PRODUCT = NodeType(
    "Product",
    "id",
    (
        Prop("id", "str", "internal code or HS code"),
        Prop("name", "str"),
        Prop("hs_code", "str", "Harmonized System code, digits only"),
        Prop("unit", "str"),
        Prop("category", "str", "raw material, material, component, equipment or final"),
        Prop("stage_type", "str", "the source's own stage class, e.g. Willems' Part or Retail"),
        Prop("lead_time_days", "float", "time to make or replace it"),
        Prop("unit_cost", "float"),
        Prop("demand_per_day", "float", "external (end-customer) demand"),
    ),
    "A good, from raw material to final product.",
    indexes=("name", "category"),
)
CHAIN = NodeType(
    "Chain",
    "id",
    (Prop("id", "str", "e.g. medical-supplies"), Prop("name", "str"), Prop("description", "str")),
    "A categorised chain map (integrated circuits, automobiles, medical supplies...).",
)
REGION = NodeType(
    "Region",
    "code",
    (
        Prop("code", "str", "administrative code"),
        Prop("name", "str"),
        Prop("level", "str", "country, province, city, county or town"),
    ),
    "An administrative region; PART_OF its parent.",
)
LOAD = NodeType(
    "Load",
    "id",
    (
        Prop("id", "str"),
        Prop("file", "str"),
        Prop("sha256", "str"),
        Prop("kind", "str"),
        Prop("mapping", "str"),
        Prop("chain", "str"),
        Prop("options", "str", "the load's options as JSON, used to recognise a repeat"),
        Prop("rows_read", "int"),
        Prop("rows_written", "int"),
        Prop("rows_rejected", "int"),
        Prop("started_at", "datetime"),
        Prop("ended_at", "datetime"),
        Prop("status", "str", "running, completed, rejected, failed or skipped"),
        Prop("message", "str"),
    ),
    "One run of a loader over one file.",
    indexes=("sha256",),
)

# A demand area (monitoring snapshots, issue 3).
AREA_SECTORS: tuple[str, ...] = ("hospitals", "elderly care", "rural clinics", "schools")
AREA = NodeType(
    "Area",
    "id",
    (
        Prop("id", "str", "a demand area: a district, a hospital group, a school system..."),
        Prop("name", "str"),
        Prop("sector", "str", "hospitals, elderly care, rural clinics or schools"),
        Prop("region", "str", "administrative code of the region it lies in"),
    ),
    "A place or group whose demand for a product is served in priority order.",
    indexes=("sector", "region"),
)

NODE_TYPES: tuple[NodeType, ...] = (ENTERPRISE, PRODUCT, CHAIN, REGION, LOAD, AREA)


PRODUCES = RelType(
    "PRODUCES",
    ENTERPRISE,
    PRODUCT,
    (
        Prop("capacity_per_day", "float"),
        Prop("output_per_day", "float"),
        Prop("unit", "str"),
        Prop("as_of", "date"),
        Prop(
            "share",
            "float",
            "the producer's market share of the product's world output, 0..1 (not a capacity)",
        ),
    ),
    "Capacity survey: the enterprise can make the product (the latest figures by as_of). "
    "A producer on record may carry a capacity, a market share, both or neither.",
    current_by="as_of",
)
INPUT_TO = RelType(
    "INPUT_TO",
    PRODUCT,
    PRODUCT,
    (
        Prop("qty_per_unit", "float", "units of input per unit of output"),
        Prop("alt_group", "str", "inputs of one output sharing an alt_group substitute"),
    ),
    "Bill of materials: the input goes into the output.",
)
SUPPLIES = RelType(
    "SUPPLIES",
    ENTERPRISE,
    ENTERPRISE,
    (
        Prop("product", "str", "id of the product supplied"),
        Prop("share", "float", "share of the customer's purchases of that product, 0..1"),
        Prop("volume", "float", "units per year"),
        Prop("lead_time_days", "float"),
        Prop("since", "date"),
        Prop(
            "inferred_from",
            "str",
            "inferred links (supplymap infer): the customer's product whose bill of materials "
            "names this product as an input",
        ),
        Prop("inferred_qty_per_unit", "float", "inferred links: qty_per_unit of that BOM edge"),
        Prop("inferred_capacity_per_day", "float", "inferred links: the supplier's capacity"),
    ),
    "A trade link for one product, supplier -> customer.",
    merge_keys=("product",),
)
LOCATED_IN = RelType("LOCATED_IN", ENTERPRISE, REGION, (), "Where an enterprise sits.")
PART_OF = RelType("PART_OF", REGION, REGION, (), "A region inside its parent region.")
OWNED_BY = RelType(
    "OWNED_BY",
    ENTERPRISE,
    ENTERPRISE,
    (Prop("share", "float"), Prop("since", "date")),
    "Ownership group: the enterprise belongs to its parent.",
)
IN_CHAIN = RelType(
    "IN_CHAIN",
    PRODUCT,
    CHAIN,
    (Prop("stage", "str", "upstream, midstream or downstream"),),
    "The product belongs to the categorised chain map.",
)
KEY_ENTERPRISE_OF = RelType(
    "KEY_ENTERPRISE_OF",
    ENTERPRISE,
    CHAIN,
    (Prop("reason", "str"), Prop("since", "date")),
    "The key-enterprise white list of a chain.",
)
HOLDS = RelType(
    "HOLDS",
    ENTERPRISE,
    PRODUCT,
    (
        Prop("as_of", "date"),
        Prop("stock", "float"),
        Prop("daily_use", "float"),
    ),
    "An inventory snapshot: stock and daily use of a product at a holder on a date.",
    merge_keys=("as_of",),
)

# ---- monitoring snapshots (issue 3) ---------------------------------------------------------

AREA_LOCATED_IN = RelType("LOCATED_IN", AREA, REGION, (), "Where a demand area lies.")
STOCKPILES = RelType(
    "STOCKPILES",
    ENTERPRISE,
    PRODUCT,
    (
        Prop("as_of", "date"),
        Prop("stock", "float", "units held in the reserve"),
        Prop("target", "float", "units the reserve is meant to hold"),
    ),
    "A strategic stockpile snapshot: a reserve's stock of a product against its target.",
    merge_keys=("as_of",),
)
DEMANDS = RelType(
    "DEMANDS",
    AREA,
    PRODUCT,
    (
        Prop("as_of", "date"),
        Prop("priority", "int", "1 is served first"),
        Prop("daily_demand", "float", "units per day"),
    ),
    "A demand snapshot: an area's daily demand for a product and its priority.",
    merge_keys=("as_of",),
)
CAPACITY_SNAPSHOT = RelType(
    "CAPACITY_SNAPSHOT",
    ENTERPRISE,
    PRODUCT,
    (
        Prop("as_of", "date"),
        Prop("capacity_per_day", "float"),
        Prop("output_per_day", "float"),
        Prop("unit", "str"),
    ),
    "Capacity history: one per dated capacity row; PRODUCES holds the latest.",
    merge_keys=("as_of",),
)

# A region's share of a product's world output (a country holding 70% of an input), from
# published shares: regional concentration where producers are not known one by one.
REGION_SHARE = RelType(
    "SHARE_OF_OUTPUT",
    REGION,
    PRODUCT,
    (
        Prop("share", "float", "the region's share of the product's world output, 0..1"),
        Prop("as_of", "date"),
    ),
    "A region's share of a product's world output.",
)

# ---- planning (issue 13) --------------------------------------------------------------------

CAN_PRODUCE = RelType(
    "CAN_PRODUCE",
    ENTERPRISE,
    PRODUCT,
    (
        Prop("capacity_per_day", "float", "the capacity the line could reach"),
        Prop("ramp_days", "float", "days from the decision to full capacity (linear ramp)"),
        Prop("as_of", "date"),
    ),
    "A line that could be converted to make the product (or, for a product the enterprise "
    "makes already, how fast it ramps up to this capacity).",
    current_by="as_of",
)

REL_TYPES: tuple[RelType, ...] = (
    PRODUCES,
    INPUT_TO,
    SUPPLIES,
    LOCATED_IN,
    PART_OF,
    OWNED_BY,
    IN_CHAIN,
    KEY_ENTERPRISE_OF,
    HOLDS,
    AREA_LOCATED_IN,
    STOCKPILES,
    DEMANDS,
    CAPACITY_SNAPSHOT,
    REGION_SHARE,
    CAN_PRODUCE,
)


# ---- results written back by analyses and monitoring ----------------------------------------
# The analyses (kg/analysis), monitoring (kg/monitor) and maps agree on these names; Cypher
# users query them. Each run stamps what it wrote with analysis_run and analysed_at.

ANALYSIS_RUN: tuple[Prop, ...] = (
    Prop("analysis_run", "str", "id of the analysis run that wrote the value"),
    Prop("analysed_at", "datetime"),
)
PRODUCT_RESULTS: tuple[Prop, ...] = (
    Prop("producers", "int", "live producers on record (0: made by an unknown producer)"),
    Prop("sourcing", "str", "sole, multiple or unknown (no producer on record)"),
    Prop("regional_single_source", "bool", "every producer sits in one region"),
    Prop("group_single_source", "bool", "every producer belongs to one ownership group"),
    Prop("hhi", "float", "HHI of producer capacity by enterprise, 0..1"),
    Prop("hhi_region", "float", "HHI of producer capacity by region, 0..1"),
    Prop("effective_sources", "float", "1 / hhi"),
    Prop("achievable_per_day", "float", "output the capacities and BOM allow per day"),
    Prop("limiting_input", "str", "id of the input that limits achievable output most"),
    Prop("spof_count", "int", "hidden single points of failure of this key product"),
)
# Carried by any node that can fail: Enterprise, Region, Product.
NODE_RESULTS: tuple[Prop, ...] = (
    Prop("is_spof", "bool", "a single point of failure of at least one key product"),
    Prop("bottleneck_score", "float", "weighted count of key products it is a SPOF of"),
    Prop("capacity_criticality", "float", "share of key-product output lost without it, 0..1"),
    Prop("betweenness", "float", "normalised betweenness, a screen only"),
)
WARNING_RESULTS: tuple[Prop, ...] = (
    Prop("warning_level", "str", "red, yellow or blue (absent: no warning)"),
    Prop("warning_reason", "str"),
    Prop("warning_as_of", "date"),
)
# Written beside WARNING_RESULTS by `supplymap warnings` (kg/monitor).
WARNING_EXTRA: tuple[Prop, ...] = (
    Prop("warning_runs_out", "date", "earliest date the warned stock or supply runs out"),
    Prop("warning_run", "str", "id of the warnings run that wrote the warning"),
)
SPOF_FOR_PROPS: tuple[Prop, ...] = (
    Prop("path", "list[str]", "ids from the failing node to the product, explaining the flag"),
    Prop("reason", "str"),
    *ANALYSIS_RUN,
)
# (x)-[:SPOF_FOR]->(p:Product): x's loss makes key product p unavailable.
SPOF_FOR_ENTERPRISE = RelType(
    "SPOF_FOR", ENTERPRISE, PRODUCT, SPOF_FOR_PROPS, "A hidden single point of failure."
)
SPOF_FOR_REGION = RelType(
    "SPOF_FOR", REGION, PRODUCT, SPOF_FOR_PROPS, "A hidden single point of failure."
)
SPOF_FOR_PRODUCT = RelType(
    "SPOF_FOR", PRODUCT, PRODUCT, SPOF_FOR_PROPS, "A hidden single point of failure."
)

# ---- further results written by the analyses (kg/analysis) ----------------------------------
# Additions beside the agreed contract above; documented in the README's analyses section.

PRODUCT_ANALYSIS_RESULTS: tuple[Prop, ...] = (
    Prop(
        "available",
        "bool",
        "can be made with everything on record (false: no live producer, "
        "or an input nothing can make, e.g. a cycle that nothing feeds)",
    ),
    Prop("key_product", "bool", "a key product of the analysis (final, or with demand)"),
    Prop("key_weight", "float", "its weight in bottleneck scores (1, or relative demand)"),
    Prop("producers_on_record", "int", "PRODUCES edges, live or not (capacity 0 is not live)"),
    Prop("region_level", "str", "the region level regional_single_source was judged at"),
    Prop("single_source_region", "str", "the one region all producers sit in, if so"),
    Prop("single_source_group", "str", "the top parent all producers belong to, if so"),
    Prop("hhi_group", "float", "HHI of producer capacity by ownership group, 0..1"),
    Prop("producer_capacity_per_day", "float", "live producers' capacity (no input limits)"),
    Prop("limited_by", "str", "what limits achievable output: capacity, input or none"),
    Prop("bom_depth", "int", "longest bill-of-materials chain from a raw input (0: none)"),
)
SUPPLIES_RESULTS: tuple[Prop, ...] = (
    Prop("single_source", "bool", "the customer buys this product from this supplier only"),
    Prop("group_single_source", "bool", "every supplier of it to this customer is one group"),
    *ANALYSIS_RUN,
)
ANALYSIS_RUN_NODE = NodeType(
    "AnalysisRun",
    "id",
    (
        Prop("id", "str"),
        Prop("started_at", "datetime"),
        Prop("ended_at", "datetime"),
        Prop("options", "str", "the run's options as JSON"),
        Prop("key_products", "int"),
        Prop("spof_links", "int"),
        Prop("seconds", "str", "seconds per step as JSON"),
        Prop("written", "str", "rows each part wrote (created or changed) or removed, as JSON"),
        Prop(
            "parts",
            "str",
            "rows and part digest of each SPOF_FOR and KEY_RANK_IN part after the run, as "
            "JSON (absent on a run that did not finish: the next run then reads them all)",
        ),
    ),
    "One run of the analyses that wrote results into the graph.",
)
# (e:Enterprise)-[:KEY_RANK_IN]->(c:Chain): the analysed key-enterprise list of a chain.
KEY_RANK_IN = RelType(
    "KEY_RANK_IN",
    ENTERPRISE,
    CHAIN,
    (
        Prop("rank", "int", "1 is the most critical enterprise of the chain"),
        Prop("bottleneck_score", "float", "weighted key products of the chain it is a SPOF of"),
        Prop("capacity_criticality", "float", "share of the chain's key output lost without it"),
        Prop("capacity_share", "float", "its largest share of one chain product's capacity"),
        Prop("listed", "bool", "also on the declared white list (KEY_ENTERPRISE_OF)"),
        Prop("reasons", "list[str]"),
        *ANALYSIS_RUN,
    ),
    "An enterprise ranked on a chain's key-enterprise list by the analyses.",
)
