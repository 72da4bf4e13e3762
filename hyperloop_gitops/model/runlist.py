"""``config/runlists/<runlist>.yaml``: a DPG runlist."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from hyperloop_gitops.model.common import PERIOD_PATTERN, Model, Name, RunNumber

CollisionSystem = Literal[
    "pp", "p-Pb", "Pb-p", "Pb-Pb", "Xe-Xe", "Kr-Kr", "O-O", "p-O", "Ne-Ne", "cosmics"
]


class Anchor(Model):
    """The data production a Monte Carlo production is anchored to."""

    period: str = Field(pattern=PERIOD_PATTERN, description="Anchored period, e.g. 'LHC22o'.")
    pass_name: str = Field(alias="pass", description="Anchored reconstruction pass.")


class Runlist(Model):
    """Run numbers selected by the Data Preparation Group for a period and pass."""

    name: Name = Field(description="The runlist name; must equal the file's name.")
    label: str = Field(description="Its label in the DPG's words: 'all', 'latest', 'GoodRuns'...")
    kind: Literal["data", "mc"] = Field(description="Data or Monte Carlo.")
    collision_system: CollisionSystem = Field(description="Colliding system.")
    period: str = Field(
        pattern=PERIOD_PATTERN, description="Period (data) or MC production (mc), e.g. 'LHC22o'."
    )
    pass_name: str | None = Field(
        None, alias="pass", description="Reconstruction pass, for data (e.g. 'apass6')."
    )
    anchor: Anchor | None = Field(None, description="For MC: the anchored period and pass.")
    mc_tag: str | None = Field(None, description="For MC: the MC production tag, e.g. 'LHC23d1'.")
    description: str = Field("", description="Free text.")
    runs: list[RunNumber] = Field(min_length=1, description="The run numbers.")

    @model_validator(mode="after")
    def _kind_fields(self) -> Runlist:
        if self.kind == "data" and self.pass_name is None:
            raise ValueError("a data runlist needs 'pass'")
        if self.kind == "mc" and self.anchor is None:
            raise ValueError("an mc runlist needs 'anchor' (the anchored period and pass)")
        return self
