"""Which requests can be composed: package, test status, memory, past trains, short dataset."""

from __future__ import annotations

from collections.abc import Mapping

from hyperloop_gitops.errors import NotFoundError, WorkflowError
from hyperloop_gitops.model import Dataset
from hyperloop_gitops.model.wagon import PackageChoice
from hyperloop_gitops.reconcile.context import GB, Context, Unit
from hyperloop_gitops.reconcile.desired import Request
from hyperloop_gitops.reconcile.inputs import TestSummary
from hyperloop_gitops.reconcile.packages import Resolution, package_catalog, resolve
from hyperloop_gitops.reconcile.plan import Satisfied, TestToRun
from hyperloop_gitops.train import (
    SpecContext,
    part_label,
    wagon_test_parts,
    wagon_test_spec,
)
from hyperloop_gitops.train.spec import WagonTest, WagonTestBuilder


def ready_units(
    ctx: Context, requests: list[Request], tests: Mapping[str, TestSummary]
) -> dict[tuple[str, str, str], Unit]:
    """Requests whose test allows composition, grouped by (dataset, tag, wagon).

    ``requests`` come by dataset (as :func:`desired_requests` gives them): what depends on
    the dataset only is worked out once per dataset. A plan makes tens of thousands of
    requests; each costs only what differs from the one before."""
    repository, out = ctx.repository, ctx.out
    catalog = package_catalog(repository)
    specs: dict[tuple[str, str, str], WagonTest] = {}
    units: dict[tuple[str, str, str], Unit] = {}
    resolutions: dict[PackageChoice, Resolution] = {}  # a few choices, tens of thousands asking
    two_core_gb = repository.settings.policy.two_core_max_avg_pss_gb
    past_by_wagon, wagon_tests = ctx.by_wagon, WagonTestBuilder(repository, ctx.compositions)
    current: str | None = None
    dataset: Dataset | None = None
    blocked: tuple[str, str] | None = None
    context: SpecContext | None = None
    for request in requests:
        wagon_id, part, name, choice, enabled_parts = request
        if name != current:
            current, context = name, None
            dataset = repository.datasets.get(name)
            blocked = _blocked(dataset) if dataset is not None else None
        if dataset is None:
            continue  # the loader reported it; nothing can run there
        if blocked is not None:
            out.wait(wagon_id, [part], name, *blocked)
            continue
        resolution = resolutions.get(choice)
        if resolution is None:
            resolution = resolutions[choice] = resolve(choice, catalog)
        tag = resolution.tag
        if tag is None:
            reason = "pull-request" if choice.kind == "pull_request" else "no-tag"
            out.wait(wagon_id, [part], name, reason, resolution.waiting or "")
            continue
        key = (name, tag, wagon_id)
        spec = specs.get(key)
        if spec is None:
            try:
                if context is None:
                    context = ctx.spec_context(name)
                parts = enabled_parts or wagon_test_parts(repository, wagon_id, name)
                spec = specs[key] = wagon_tests.test(wagon_id, parts, context, tag)
            except (NotFoundError, WorkflowError) as error:
                # one broken wagon (a dependency that did not load) must not stop the others
                out.wait(wagon_id, [part], name, "invalid", str(error))
                continue
        if (name, wagon_id) in past_by_wagon:
            served = _serving_train(ctx, request, spec)
            if served is not None:
                out.satisfied.append(Satisfied(wagon_id, part, name, served))
                continue
        test = tests.get(spec.content_hash)
        if test is None or test.status != "done":
            problem = _test_problem(test, wagon_id, dataset)
            if problem is not None:
                if test is None:
                    out.tests.setdefault(
                        spec.content_hash,
                        TestToRun(wagon_id, name, tag, spec.requested_parts, spec.content_hash),
                    )
                out.wait(wagon_id, [part], name, *problem)
                continue
            assert test is not None
        avg_gb = test.pss_avg_bytes / GB
        if avg_gb > two_core_gb:
            out.wait(
                wagon_id,
                [part],
                name,
                "memory",
                f"average PSS {avg_gb:.2f} GB is above the {two_core_gb:g} GB "
                "of a 2-core slot: cannot be composed",
            )
            continue
        if dataset.short_datasets:
            short = _short_missing(ctx, dataset, request, spec)
            if short is not None:
                out.wait(wagon_id, [part], name, "short-dataset", short)
                continue
        unit = units.get(key)
        if unit is None:
            unit = units[key] = Unit(wagon_id, [], spec, test, wagon_id.partition("/")[0])
        unit.parts.append(part)
    return units


def _blocked(dataset: Dataset) -> tuple[str, str] | None:
    """Why no request on the dataset can compose, whatever the wagon."""
    if not dataset.active:
        return "dataset-inactive", f"dataset {dataset.name} is inactive"
    if dataset.composition.mode == "disabled":
        return (
            "composition-disabled",
            f"composition is disabled on {dataset.name} (operators compose its trains by hand)",
        )
    return None


def _test_problem(
    test: TestSummary | None, wagon_id: str, dataset: Dataset
) -> tuple[str, str] | None:
    if test is None:
        return "no-test", "no test yet for this configuration (the reconciler queues it)"
    if test.status == "queued":
        return "test-queued", "test queued"
    if test.status == "running":
        return "test-running", "test running"
    if test.status == "failed":
        return "test-failed", f"test failed: {test.reason}" if test.reason else "test failed"
    if test.status == "warning":
        if any(a.wagon == wagon_id for a in dataset.approvals):
            return None
        found = "; ".join(test.warnings) or "warnings"
        return (
            "needs-approval",
            f"test has warnings ({found}); an operator must approve it in {dataset.name}'s "
            "approvals",
        )
    if test.status == "done":
        return None
    return "test-queued", f"test {test.status}"


def _serving_train(ctx: Context, request: Request, spec: WagonTest) -> str | None:
    """A train on the dataset that ran (or runs) this part as it is configured now: the same
    wagon test, or the same configuration hash (the part with its dependencies and tag, as
    the short-dataset rule compares them).

    Per part, not per wagon test: a change of the base that a subwagon overrides leaves the
    subwagon served by the trains that ran it, while the base runs again.
    """
    past = ctx.by_wagon.get((request.dataset, request.wagon_id), ())
    if not past:
        return None
    label = part_label(request.wagon_id, request.part)
    wanted: str | None = None  # hashed only when a train ran another wagon test
    for train, wagon in past:
        if not wagon.runs(request.part):
            continue
        if wagon.content_hash == spec.content_hash:
            return train.id
        if wanted is None:
            wanted = spec.config_hash(label)
        if wagon.config_hashes.get(label) == wanted:
            return train.id
    return None


def _short_missing(ctx: Context, dataset: Dataset, request: Request, spec: WagonTest) -> str | None:
    """Why the long train must wait for a short dataset, or None when it need not."""
    repository, tag = ctx.repository, spec.package_tag
    label = part_label(request.wagon_id, request.part)
    if not dataset.short_datasets:
        return None
    wanted = spec.config_hash(label)
    for short in dataset.short_datasets:
        done = False
        for train, past in ctx.by_wagon.get((short, request.wagon_id), ()):
            if train.state != "done" or train.package_tag != tag or not past.runs(request.part):
                continue
            if past.config_hashes.get(label) == wanted or _same_test(
                ctx, past.content_hash, request, short, tag
            ):
                done = True
        if not done:
            enabled = repository.wagons[request.wagon_id].enablement(short)
            where = "" if enabled else f" (not enabled on {short})"
            return (
                f"short dataset first: needs a done train on {short} with this configuration "
                f"and tag{where}"
            )
    return None


def _same_test(ctx: Context, past_hash: str, request: Request, short: str, tag: str) -> bool:
    if short not in ctx.repository.datasets:
        return False
    spec = wagon_test_spec(
        ctx.repository,
        request.wagon_id,
        short,
        tag,
        context=ctx.spec_context(short),
        compositions=ctx.compositions,
    )
    return spec.content_hash == past_hash
