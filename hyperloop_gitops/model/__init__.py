"""The configuration model: one pydantic class per kind of file (DESIGN decision 2)."""

from __future__ import annotations

from hyperloop_gitops.model.analysis import Analysis
from hyperloop_gitops.model.dataset import Dataset
from hyperloop_gitops.model.runlist import Runlist
from hyperloop_gitops.model.settings import Policy, Settings
from hyperloop_gitops.model.wagon import Enablement, PackageChoice, Subwagon, Wagon

__all__ = [
    "Analysis",
    "Dataset",
    "Enablement",
    "PackageChoice",
    "Policy",
    "Runlist",
    "Settings",
    "Subwagon",
    "Wagon",
]
