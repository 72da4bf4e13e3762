"""The reconciler's pure core: desired state, composition, the Plan and its rendering.

``compose_plan(repository, tests=..., trains=..., now=...)`` computes what the reconciler would
do; applying it (the state store, the backends, the lock) is an edge built on top.
"""

from __future__ import annotations

from hyperloop_gitops.reconcile.compose import compose_plan, split_jobs
from hyperloop_gitops.reconcile.desired import Request, desired_requests
from hyperloop_gitops.reconcile.inputs import PastTrain, PastWagon, TestSummary
from hyperloop_gitops.reconcile.packages import CatalogError, Resolution, package_catalog, resolve
from hyperloop_gitops.reconcile.plan import (
    ComposedTrain,
    Estimate,
    Kill,
    Plan,
    Satisfied,
    TestToRun,
    TrainWagon,
    Waiting,
)
from hyperloop_gitops.reconcile.render import plan_json, render_text

__all__ = [
    "CatalogError",
    "ComposedTrain",
    "Estimate",
    "Kill",
    "PastTrain",
    "PastWagon",
    "Plan",
    "Request",
    "Resolution",
    "Satisfied",
    "TestSummary",
    "TestToRun",
    "TrainWagon",
    "Waiting",
    "compose_plan",
    "desired_requests",
    "package_catalog",
    "plan_json",
    "render_text",
    "resolve",
    "split_jobs",
]
