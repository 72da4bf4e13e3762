"""``config/analyses/<analysis>/analysis.yaml``: a group of people and their wagons."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hyperloop_gitops.model.common import Login, Model, Name

PWGS = ("PWGCF", "PWGDQ", "PWGEM", "PWGHF", "PWGJE", "PWGLF", "PWGUD", "PWGPP", "DPG", "Service")
Pwg = Literal[
    "PWGCF", "PWGDQ", "PWGEM", "PWGHF", "PWGJE", "PWGLF", "PWGUD", "PWGPP", "DPG", "Service"
]


class Analysis(Model):
    """An analysis: members with write access to all of its wagons."""

    name: Name = Field(description="The analysis name; must equal its folder's name.")
    pwg: Pwg = Field(description="Physics working group.")
    pag: str | None = Field(None, description="Physics analysis group (sub-group), optional.")
    jira: str | None = Field(
        None,
        pattern=r"^[A-Z][A-Z0-9]*-\d+$",
        description="JIRA ticket of the analysis, e.g. 'PWGLF-1234'.",
    )
    description: str = Field("", description="What the analysis is about.")
    members: list[Login] = Field(
        min_length=1, description="Forge logins of the analyzers who may edit the analysis."
    )
    service: bool = Field(
        False, description="A service analysis holds service wagons any wagon may depend on."
    )
    notify_on_test_failure: Literal["none", "all", "enabler"] = Field(
        "all",
        description="Who is told when a wagon test fails: nobody, all members, or the person "
        "who enabled the wagon.",
    )
