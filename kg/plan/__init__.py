"""Planning over the supply-chain graph: joint capacity, line conversion and ramp-up, the
resumption white list and stockpile sizing (DESIGN.md, "Planning: precise definitions").

A room of its own beside kg/analysis: every plan reuses the analyses' projection and context
(feasibility, single-product capacity, key products) and solves linear and mixed-integer
programmes with HiGHS through scipy.

    joint_capacity(source, objective, weights, chain) -> JointReport
    rampup(source, horizon, product=None, chain=None, ...) -> RampReport
    resume(source, enterprises, regions, target_share=0.8, minimise="count", ...) -> ResumeReport
"""

from kg.plan.context import PlanContext, PlanSource, plan_context
from kg.plan.data import Conversion, PlanData, plan_data, read_plan_data
from kg.plan.joint import JointReport, JointRow, ShadowPrice, joint_capacity
from kg.plan.lp import Objective, PlanError, Weights
from kg.plan.resume import Minimise, ResumeReport, TargetRow, WhiteListEntry, resume
from kg.plan.rampup import ConversionEffect, DayRow, ProductRamp, RampReport, rampup

__all__ = [
    "Conversion",
    "ConversionEffect",
    "DayRow",
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
    "ResumeReport",
    "ShadowPrice",
    "TargetRow",
    "Weights",
    "WhiteListEntry",
    "joint_capacity",
    "plan_context",
    "plan_data",
    "rampup",
    "read_plan_data",
    "resume",
]
