"""Planning over the supply-chain graph: joint capacity, line conversion and ramp-up, the
resumption white list and stockpile sizing (DESIGN.md, "Planning: precise definitions").

A room of its own beside kg/analysis: every plan reuses the analyses' projection and context
(feasibility, single-product capacity, key products) and solves linear and mixed-integer
programmes with HiGHS through scipy.

    joint_capacity(source, objective, weights, chain) -> JointReport
    rampup(source, horizon, product=None, chain=None, ...) -> RampReport
    resume(source, enterprises, regions, target_share=0.8, ...) -> ResumeReport
    size_stockpiles(plan_context, reserves, scenarios=None, chain=None) -> StockpilePlan
"""

from kg.plan.context import PlanContext, PlanSource, plan_context
from kg.plan.data import Conversion, PlanData, plan_data, read_plan_data
from kg.plan.joint import JointReport, JointRow, ShadowPrice, joint_capacity
from kg.plan.lp import Objective, PlanError, Weights
from kg.plan.rampup import ConversionEffect, DayRow, ProductRamp, RampReport, rampup
from kg.plan.resume import Minimise, ResumeReport, TargetRow, WhiteListEntry, resume
from kg.plan.stockpiles import (
    HolderShare,
    ReserveNeed,
    ReserveSizing,
    Scenario,
    StockpilePlan,
    default_scenarios,
    load_scenarios,
    size_stockpiles,
)

__all__ = [
    "Conversion",
    "ConversionEffect",
    "DayRow",
    "HolderShare",
    "JointReport",
    "JointRow",
    "Minimise",
    "Objective",
    "PlanContext",
    "PlanData",
    "PlanError",
    "PlanSource",
    "ProductRamp",
    "RampReport",
    "ReserveNeed",
    "ReserveSizing",
    "ResumeReport",
    "Scenario",
    "ShadowPrice",
    "StockpilePlan",
    "TargetRow",
    "Weights",
    "WhiteListEntry",
    "default_scenarios",
    "joint_capacity",
    "load_scenarios",
    "plan_context",
    "plan_data",
    "rampup",
    "read_plan_data",
    "resume",
    "size_stockpiles",
]
