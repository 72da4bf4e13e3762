"""``config/hyperloop.yaml``: roles, policy thresholds, resource classes, packages, backends."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from hyperloop_gitops.model.common import Login, Model, PackageTag, Principal

BACKEND_NAMES = ("local", "slurm", "jalien")
"""The names ``backends.default`` accepts (the backend registry's keys)."""


class Roles(Model):
    """Who may do what beyond their own analyses."""

    admins: list[Principal] = Field(
        default_factory=list,
        description="Edit config/hyperloop.yaml and everything else; logins or '@org/team'.",
    )
    operators: list[Principal] = Field(
        default_factory=list,
        description="Edit datasets, approve wagons with warnings, kill and resubmit trains.",
    )
    dpg_experts: list[Principal] = Field(
        default_factory=list, description="Edit the DPG runlists under config/runlists/."
    )


class Person(Model):
    """A person known to the system: maps git author emails to a forge login."""

    login: Login = Field(description="The person's forge (GitHub) login.")
    name: str = Field(default="", description="Display name.")
    emails: list[str] = Field(
        default_factory=list, description="Email addresses this person commits with."
    )


class Policy(Model):
    """Thresholds of the wagon-test and train rules (HYPERLOOP.md "Warning rules")."""

    single_core_max_avg_pss_gb: float = Field(
        3.2, gt=0, description="Average PSS that still fits a single-core grid slot (GB)."
    )
    two_core_max_avg_pss_gb: float = Field(
        4.0, gt=0, description="Average PSS that fits a 2-core slot; above it a wagon cannot run."
    )
    test_max_pss_gb: float = Field(
        3.6, gt=0, description="Memory limit of a wagon test (PSS of the whole process tree, GB)."
    )
    test_wall_time_s: float = Field(
        300, gt=0, description="Wall-time limit of a wagon test (seconds)."
    )
    leak_max_percent: float = Field(
        30, ge=0, description="Max PSS may exceed average PSS by at most this percentage."
    )
    leak_min_growth_mb: float = Field(
        0,
        ge=0,
        description="Max PSS above average by less than this (MB) is allocator noise, not a "
        "leak (0: every growth above leak_max_percent counts).",
    )
    ccdb_max_calls: int = Field(
        1000, ge=0, description="Calls to the conditions database a test may make (not public)."
    )
    min_reduction_factor: float = Field(
        50, ge=0, description="Input size / output size below this needs a reason."
    )
    low_reduction_max_output_gb: float = Field(
        50, ge=0, description="A low reduction factor is allowed when the output stays below this."
    )
    max_log_mb: float = Field(50, gt=0, description="Log output of a test above this is a warning.")
    slim_max_output_mb: float = Field(
        4000, gt=0, description="Slim derived output above this must become standard derived data."
    )
    linked_max_inputs_per_output: int = Field(
        25, gt=0, description="Linked derived data with more input files per output is rejected."
    )
    cpu_watts_per_core: float = Field(20, gt=0, description="Power per core for CO2 estimates (W).")
    kg_co2_per_kwh: float = Field(
        0.301, ge=0, description="Carbon intensity for CO2 estimates (kgCO2eq per kWh)."
    )
    stale_test_days: int = Field(
        28, gt=0, description="Tests of wagons not submitted for this many days are cleaned."
    )
    failed_jobs_issue_percent: float = Field(
        30, ge=0, le=100, description="A train with more failed jobs than this has issues."
    )
    train_full_fraction: float = Field(
        0.75, gt=0, le=1, description="'Train full' composes when wagons reach this memory share."
    )
    prune_disabled_wagons: bool = Field(
        False, description="Kill a running train when one of its wagons is disabled."
    )

    @model_validator(mode="after")
    def _memory_classes_ordered(self) -> Policy:
        if self.two_core_max_avg_pss_gb < self.single_core_max_avg_pss_gb:
            raise ValueError(
                "two_core_max_avg_pss_gb must be at least single_core_max_avg_pss_gb "
                f"({self.two_core_max_avg_pss_gb} < {self.single_core_max_avg_pss_gb})"
            )
        return self


AutomaticSchedule = Literal["none", "twice-daily", "daily", "twice-weekly", "weekly"]


class ResourceClass(Model):
    """Limits for trains on datasets up to a size (HYPERLOOP.md "Resource policy")."""

    name: str = Field(description="A short name shown on the site, e.g. 'medium'.")
    max_size_tb: float | None = Field(
        description="Datasets up to this size (TB) belong here; null for the largest class."
    )
    cpu_years_per_train: float = Field(gt=0, description="CPU limit of one train (CPU-years).")
    trains_per_analysis_per_week: int = Field(
        gt=0, description="Trains one analysis may run per week on such a dataset."
    )
    automatic_schedule: AutomaticSchedule = Field(
        "none", description="How often trains are composed automatically."
    )


def _default_resource_classes() -> list[ResourceClass]:
    rows: list[tuple[str, float | None, float, int, AutomaticSchedule]] = [
        ("small", 30, 2, 14, "twice-daily"),
        ("medium", 100, 3, 6, "daily"),
        ("large", 200, 6, 6, "twice-weekly"),
        ("xlarge", 800, 10, 2, "none"),
        ("huge", None, 20, 2, "none"),
    ]
    return [
        ResourceClass(
            name=n,
            max_size_tb=s,
            cpu_years_per_train=c,
            trains_per_analysis_per_week=t,
            automatic_schedule=a,
        )
        for n, s, c, t, a in rows
    ]


class PackageTagEntry(Model):
    """One released package tag and the pull requests it contains."""

    tag: PackageTag = Field(description="The tag, e.g. 'daily-20261127-0000-1'.")
    date: datetime = Field(description="When the tag was built (ISO 8601).")
    pull_requests: list[int] = Field(
        default_factory=list, description="Pull requests of O2Physics included in this tag."
    )


class Packages(Model):
    """The package catalog: which tags exist, for 'latest' and pull-request choices."""

    tags: list[PackageTagEntry] = Field(
        default_factory=list, description="Released tags, any order."
    )
    catalog_file: str | None = Field(
        None,
        description="Optional repository-relative YAML file with more tags (same form as 'tags').",
    )


class LocalBackend(Model):
    """The embedded default: jobs are local processes."""

    max_parallel_jobs: int = Field(2, gt=0, description="Jobs running at once.")


class SlurmBackend(Model):
    """A Slurm cluster reached with sbatch/scontrol/scancel."""

    partition: str | None = Field(None, description="Partition to submit to (default partition).")
    account: str | None = Field(None, description="Account to charge, if the site needs one.")
    time_limit_minutes: int = Field(60, gt=0, description="Time limit of one job.")
    memory_mb: int = Field(4000, gt=0, description="Memory of one job.")
    max_parallel_tasks: int | None = Field(
        None, gt=0, description="Array throttle (sbatch --array=...%N)."
    )


class JAliEnBackend(Model):
    """The ALICE grid, through JDL and alienpy."""

    output_base: str = Field(
        "/alice/cern.ch/user/a/alihyperloop/trains",
        description="Grid directory under which each train writes its output.",
    )
    ttl_seconds: int = Field(36000, gt=0, description="TTL of a grid job.")
    split: str = Field("production:1-10", description="JDL Split rule.")
    max_input_files_per_job: int = Field(20, gt=0, description="SplitMaxInputFileNumber.")


class Backends(Model):
    """Which batch backend the reconciler submits to, and each backend's settings."""

    default: Literal["local", "slurm", "jalien"] = Field(
        "local", description="The backend trains are submitted to."
    )
    local: LocalBackend = Field(default_factory=LocalBackend, description="Local processes.")
    slurm: SlurmBackend = Field(default_factory=SlurmBackend, description="A Slurm cluster.")
    jalien: JAliEnBackend = Field(default_factory=JAliEnBackend, description="The ALICE grid.")


class Settings(Model):
    """The whole of ``config/hyperloop.yaml``."""

    roles: Roles = Field(default_factory=Roles, description="Admins, operators and DPG experts.")
    people: list[Person] = Field(
        default_factory=list, description="Known people: forge logins and the emails they use."
    )
    policy: Policy = Field(default_factory=Policy, description="Test and train thresholds.")
    resource_classes: list[ResourceClass] = Field(
        default_factory=_default_resource_classes,
        description="Limits by dataset size, smallest first; the last has max_size_tb: null.",
    )
    packages: Packages = Field(default_factory=Packages, description="The package catalog.")
    backends: Backends = Field(default_factory=Backends, description="Batch backends.")

    @field_validator("resource_classes")
    @classmethod
    def _classes_cover_all_sizes(cls, value: list[ResourceClass]) -> list[ResourceClass]:
        if not value:
            raise ValueError("expected at least one resource class")
        sizes = [c.max_size_tb for c in value]
        if sizes[-1] is not None:
            raise ValueError("the last resource class must have max_size_tb: null (no upper bound)")
        bounded = [s for s in sizes[:-1] if s is not None]
        if len(bounded) != len(sizes) - 1 or bounded != sorted(bounded):
            raise ValueError(
                "resource classes must be ordered by max_size_tb, smallest first, and only "
                "the last may be null"
            )
        return value

    def resource_class_for(self, size_tb: float) -> ResourceClass:
        """The class of a dataset of this size."""
        for resource_class in self.resource_classes:
            if resource_class.max_size_tb is None or size_tb < resource_class.max_size_tb:
                return resource_class
        return self.resource_classes[-1]

    def login_for_email(self, email: str) -> str | None:
        """The forge login of whoever commits with this email, when known."""
        lowered = email.lower()
        for person in self.people:
            if lowered in (e.lower() for e in person.emails):
                return person.login
        return None
