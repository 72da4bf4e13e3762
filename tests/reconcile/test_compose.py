"""Exact plans for given repositories, test results, past trains and times."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from hyperloop_gitops.config import Repository, load_repository
from hyperloop_gitops.reconcile import (
    ComposedTrain,
    PastTrain,
    PastWagon,
    Plan,
    TestSummary,
    compose_plan,
)
from hyperloop_gitops.state.models import TrainRun, TrainState
from hyperloop_gitops.state.models import TrainWagon as StoredWagon
from hyperloop_gitops.train import build_train_spec, wagon_test_spec
from tests.reconcile.conftest import (
    NOW,
    SETTINGS,
    T1,
    T2,
    Config,
    by_hash,
    dataset,
    result,
    wagon,
)

A1 = "config/analyses/lf/wagons/a1.yaml"
A2 = "config/analyses/lf/wagons/a2.yaml"
B1 = "config/analyses/cf/wagons/b1.yaml"


def plan(
    repository: Repository,
    results: Sequence[TestSummary] = (),
    trains: Sequence[PastTrain] = (),
    now: datetime = NOW,
) -> Plan:
    return compose_plan(repository, tests=by_hash(*results), trains=trains, now=now)


def waiting(p: Plan) -> list[tuple[str, tuple[str | None, ...], str, str, str]]:
    return [(w.wagon_id, w.parts, w.dataset, w.reason, w.message) for w in p.waiting]


def trains(p: Plan) -> list[tuple[str, str, str, list[str]]]:
    return [(t.dataset, t.package_tag, t.target, [w.display for w in t.wagons]) for t in p.submit]


def past(
    repository: Repository,
    wagon_id: str,
    dataset_name: str,
    tag: str,
    *,
    state: str = "done",
    created: datetime = NOW - timedelta(days=1),
    train_id: str = "T-20261127-000001",
    parts: Sequence[str | None] = (None,),
    config_hashes: bool = True,
) -> PastTrain:
    """A past train holding one wagon, with hashes as the reconciler froze them."""
    spec = wagon_test_spec(repository, wagon_id, dataset_name, tag)
    train_spec = build_train_spec(repository, {wagon_id: list(parts)}, dataset_name, tag)
    hashes = {k: v for k, v in train_spec.config_hashes.items() if k.startswith(wagon_id)}
    return PastTrain(
        id=train_id,
        dataset=dataset_name,
        package_tag=tag,
        state=state,
        created=created,
        wagons=(
            PastWagon(
                id=wagon_id,
                base=None in parts,
                subwagons=tuple(p for p in parts if p is not None),
                content_hash=spec.content_hash,
                config_hashes=hashes if config_hashes else {},
            ),
        ),
    )


# --- desired state and packages ---------------------------------------------------------------


def test_without_tests_every_request_waits_and_its_test_is_queued(config: Config) -> None:
    config.write(
        {
            A1: wagon("a1", f"[{{dataset: D, tag: {T1}}}]"),
            B1: wagon(
                "b1",
                "[{dataset: D, latest: true, subwagons: [tight]}]",
                subwagons=("{name: tight, configuration: {pt-spectrum: {etaMax: 0.5}}}"),
            ),
        }
    )
    repository = config.load()
    p = plan(repository)
    no_test = "no test yet for this configuration (the reconciler queues it)"
    assert waiting(p) == [
        ("cf/b1", (None, "tight"), "D", "no-test", no_test),
        ("lf/a1", (None,), "D", "no-test", no_test),
    ]
    assert [(t.wagon_id, t.dataset, t.package_tag, t.parts) for t in p.tests] == [
        ("cf/b1", "D", T2, (None, "tight")),
        ("lf/a1", "D", T1, (None,)),
    ]
    assert [t.content_hash for t in p.tests] == [
        wagon_test_spec(repository, "cf/b1", "D", T2).content_hash,
        wagon_test_spec(repository, "lf/a1", "D", T1).content_hash,
    ]
    assert p.submit == ()
    assert p.changes


def test_service_wagons_are_not_composed_on_their_own(config: Config) -> None:
    p = plan(config.load())
    assert (p.submit, p.waiting, p.tests, p.kill) == ((), (), (), ())
    assert not p.changes


def test_latest_is_the_newest_tag_and_a_pull_request_the_oldest_tag_with_it(
    config: Config,
) -> None:
    config.write(
        {
            A1: wagon("a1", "[{dataset: D, latest: true}]"),
            A2: wagon("a2", "[{dataset: D, pull_request: 102}]", option=0.7),
            B1: wagon("b1", "[{dataset: D, pull_request: 999}]"),
        }
    )
    repository = config.load()
    done = [result(repository, "lf/a1", "D", T2), result(repository, "lf/a2", "D", T1)]
    p = plan(repository, done)
    assert trains(p) == [
        ("D", T1, "Grid single core", ["lf/a2"]),
        ("D", T2, "Grid single core", ["lf/a1"]),
    ]
    assert waiting(p) == [
        ("cf/b1", (None,), "D", "pull-request", "package from pull request #999, not yet in a tag")
    ]


def test_no_tag_in_the_catalog(config: Config) -> None:
    config.write(
        {
            "config/hyperloop.yaml": "roles: {admins: [admin]}\n",
            A1: wagon("a1", "[{dataset: D, latest: true}]"),
        }
    )
    p = plan(config.load())
    assert waiting(p) == [
        ("lf/a1", (None,), "D", "no-tag", "no package tag in the catalog (packages.tags)")
    ]


# --- test statuses ------------------------------------------------------------------------------


def test_test_statuses_decide_who_waits(config: Config) -> None:
    config.write(
        {
            A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]"),
            A2: wagon("a2", f"[{{dataset: D, tag: {T2}}}]", option=0.7),
            B1: wagon("b1", f"[{{dataset: D, tag: {T2}}}]", option=0.6),
            "config/analyses/cf/wagons/b2.yaml": wagon(
                "b2", f"[{{dataset: D, tag: {T2}}}]", option=0.5
            ),
        }
    )
    repository = config.load()
    p = plan(
        repository,
        [
            result(repository, "lf/a1", "D", T2, "failed", reason="exit code 3: Segmentation"),
            result(
                repository,
                "lf/a2",
                "D",
                T2,
                "warning",
                warnings=("leak: max PSS 2.31 GB is 41% above average 1.64 GB",),
            ),
            result(repository, "cf/b1", "D", T2, "running"),
            result(repository, "cf/b2", "D", T2, "queued"),
        ],
    )
    assert waiting(p) == [
        ("cf/b1", (None,), "D", "test-running", "test running"),
        ("cf/b2", (None,), "D", "test-queued", "test queued"),
        ("lf/a1", (None,), "D", "test-failed", "test failed: exit code 3: Segmentation"),
        (
            "lf/a2",
            (None,),
            "D",
            "needs-approval",
            "test has warnings (leak: max PSS 2.31 GB is 41% above average 1.64 GB); an "
            "operator must approve it in D's approvals",
        ),
    ]
    assert [w.mark for w in p.waiting] == ["⏳", "⌛", "💣", "❗"]
    assert p.submit == () and p.tests == ()


def test_an_approved_warning_is_composed(config: Config) -> None:
    config.write(
        {
            "config/datasets/D.yaml": dataset(
                "D", approvals="{wagon: lf/a1, reason: known leak, by: olga}"
            ),
            A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]"),
        }
    )
    repository = config.load()
    p = plan(repository, [result(repository, "lf/a1", "D", T2, "warning", warnings=("x",))])
    assert trains(p) == [("D", T2, "Grid single core", ["lf/a1"])]
    assert p.waiting == ()


def test_memory_decides_the_target(config: Config) -> None:
    config.write(
        {
            A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]"),
            A2: wagon("a2", f"[{{dataset: D, tag: {T2}}}]", option=0.7),
            B1: wagon("b1", f"[{{dataset: D, tag: {T1}}}]"),
        }
    )
    repository = config.load()
    p = plan(
        repository,
        [
            result(repository, "lf/a1", "D", T2, pss_gb=3.5),
            result(repository, "lf/a2", "D", T2, pss_gb=1.0),
            result(repository, "cf/b1", "D", T1, pss_gb=4.3),
        ],
    )
    assert trains(p) == [("D", T2, "Grid 2 core", ["lf/a1", "lf/a2"])]
    assert waiting(p) == [
        (
            "cf/b1",
            (None,),
            "D",
            "memory",
            "average PSS 4.30 GB is above the 4 GB of a 2-core slot: cannot be composed",
        )
    ]


# --- what already runs ---------------------------------------------------------------------------


def test_a_request_in_a_train_with_the_same_hash_is_satisfied(config: Config) -> None:
    config.write({A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]")})
    repository = config.load()
    existing = past(repository, "lf/a1", "D", T2, state="running")
    p = plan(repository, [result(repository, "lf/a1", "D", T2)], [existing])
    assert p.submit == () and p.waiting == ()
    assert [(s.wagon_id, s.part, s.dataset, s.train_id) for s in p.satisfied] == [
        ("lf/a1", None, "D", "T-20261127-000001")
    ]
    # a changed configuration is a new request: a new train
    config.write({A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]", option=0.75)})
    repository = config.load()
    p = plan(repository, [result(repository, "lf/a1", "D", T2)], [existing])
    assert trains(p) == [("D", T2, "Grid single core", ["lf/a1"])]


def test_disabled_wagons_are_killed_only_when_the_policy_prunes(config: Config) -> None:
    config.write({A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]")})
    repository = config.load()
    running = past(repository, "lf/a1", "D", T2, state="running")
    finished = past(repository, "lf/a1", "D", T2, state="done", train_id="T-20261126-000002")
    config.write({A1: wagon("a1", "[]")})
    assert plan(config.load(), trains=[running, finished]).kill == ()
    config.write({"config/hyperloop.yaml": SETTINGS.format(prune="true")})
    p = plan(config.load(), trains=[running, finished])
    assert [(k.train_id, k.dataset, k.wagons, k.reason) for k in p.kill] == [
        (
            "T-20261127-000001",
            "D",
            ("lf/a1",),
            "disabled on D: lf/a1 (prune_disabled_wagons)",
        )
    ]
    assert p.changes


# --- composition policy ---------------------------------------------------------------------


def test_inactive_and_disabled_datasets(config: Config) -> None:
    config.write(
        {
            "config/datasets/D.yaml": dataset("D", active=False),
            "config/datasets/E.yaml": dataset("E", composition="{mode: disabled}"),
            A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}, {{dataset: E, tag: {T2}}}]"),
        }
    )
    p = plan(config.load())
    assert waiting(p) == [
        ("lf/a1", (None,), "D", "dataset-inactive", "dataset D is inactive"),
        (
            "lf/a1",
            (None,),
            "E",
            "composition-disabled",
            "composition is disabled on E (operators compose its trains by hand)",
        ),
    ]


SCHEDULED = (
    "{mode: scheduled, slots: [{day: monday, time: '08:00'}, {day: thursday, time: '08:00'}]}"
)


def test_scheduled_composition_waits_for_a_slot_after_the_last_train(config: Config) -> None:
    config.write(
        {
            "config/datasets/D.yaml": dataset("D", composition=SCHEDULED),
            A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]"),
            A2: wagon("a2", f"[{{dataset: D, tag: {T2}}}]", option=0.7),
        }
    )
    repository = config.load()
    results = [result(repository, "lf/a1", "D", T2), result(repository, "lf/a2", "D", T2)]
    # the last slot was Thursday 2026-11-26 08:00; a train came after it
    after_slot = past(repository, "lf/a2", "D", T1, created=datetime(2026, 11, 26, 9, tzinfo=UTC))
    p = plan(repository, results, [after_slot])
    message = "scheduled composition: next slot monday 08:00 UTC (2026-11-30)"
    assert waiting(p) == [
        ("lf/a1", (None,), "D", "schedule", message),
        ("lf/a2", (None,), "D", "schedule", message),
    ]
    # a train before the slot: the slot has passed since, compose now
    before_slot = past(repository, "lf/a2", "D", T1, created=datetime(2026, 11, 26, 7, tzinfo=UTC))
    assert trains(plan(repository, results, [before_slot])) == [
        ("D", T2, "Grid single core", ["lf/a1", "lf/a2"])
    ]
    # never a train: compose
    assert len(plan(repository, results).submit) == 1


def test_train_full_composes_when_memory_reaches_the_fraction(config: Config) -> None:
    config.write(
        {
            "config/datasets/D.yaml": dataset("D", composition="{mode: train-full}"),
            A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]"),
            A2: wagon("a2", f"[{{dataset: D, tag: {T2}}}]", option=0.7),
        }
    )
    repository = config.load()
    p = plan(
        repository,
        [
            result(repository, "lf/a1", "D", T2, pss_gb=1.0),
            result(repository, "lf/a2", "D", T2, pss_gb=1.2),
        ],
    )
    message = "train not full yet: 2.20 GB of 2.40 GB (75% of 3.2 GB)"
    assert waiting(p) == [
        ("lf/a1", (None,), "D", "schedule", message),
        ("lf/a2", (None,), "D", "schedule", message),
    ]
    p = plan(
        repository,
        [
            result(repository, "lf/a1", "D", T2, pss_gb=1.0),
            result(repository, "lf/a2", "D", T2, pss_gb=1.4),
        ],
    )
    assert trains(p) == [("D", T2, "Grid single core", ["lf/a1", "lf/a2"])]


def test_scheduled_and_train_full_says_both(config: Config) -> None:
    composition = SCHEDULED.replace("mode: scheduled", "mode: scheduled-and-train-full")
    config.write(
        {
            "config/datasets/D.yaml": dataset("D", composition=composition),
            A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]"),
        }
    )
    repository = config.load()
    recent = past(repository, "lf/a1", "D", T1, created=datetime(2026, 11, 27, tzinfo=UTC))
    p = plan(repository, [result(repository, "lf/a1", "D", T2, pss_gb=1.0)], [recent])
    assert waiting(p) == [
        (
            "lf/a1",
            (None,),
            "D",
            "schedule",
            "scheduled composition: next slot monday 08:00 UTC (2026-11-30); train not full "
            "yet: 1.00 GB of 2.40 GB (75% of 3.2 GB)",
        )
    ]


def test_cpu_limit_splits_trains_and_defers_a_wagon_over_it(config: Config) -> None:
    # 50 TB: the medium class, 3 CPU-years per train
    config.write(
        {
            A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]"),
            A2: wagon("a2", f"[{{dataset: D, tag: {T2}}}]", option=0.7),
            B1: wagon("b1", f"[{{dataset: D, tag: {T2}}}]"),
            "config/analyses/cf/wagons/b2.yaml": wagon(
                "b2", f"[{{dataset: D, tag: {T2}}}]", option=0.5
            ),
        }
    )
    repository = config.load()
    p = plan(
        repository,
        [
            result(repository, "cf/b1", "D", T2, cpu_years=2.0),
            result(repository, "cf/b2", "D", T2, cpu_years=3.5),
            result(repository, "lf/a1", "D", T2, cpu_years=0.8),
            result(repository, "lf/a2", "D", T2, cpu_years=1.5),
        ],
    )
    assert trains(p) == [
        ("D", T2, "Grid single core", ["cf/b1", "lf/a1"]),
        ("D", T2, "Grid single core", ["lf/a2"]),
    ]
    assert [t.estimate.cpu_years for t in p.submit] == [2.8, 1.5]
    assert waiting(p) == [
        (
            "cf/b2",
            (None,),
            "D",
            "cpu-limit",
            "needs 3.5 CPU-years on the whole dataset, above the limit of 3 per train: an "
            "operator must compose it by hand",
        )
    ]
    # the dataset's own limit overrides the class
    config.write({"config/datasets/D.yaml": dataset("D", composition="{max_cpu_years: 10}")})
    repository = config.load()
    p = plan(
        repository,
        [
            result(repository, n, "D", T2, cpu_years=c)
            for n, c in (("cf/b1", 2.0), ("cf/b2", 3.5), ("lf/a1", 0.8), ("lf/a2", 1.5))
        ],
    )
    assert trains(p) == [("D", T2, "Grid single core", ["cf/b1", "cf/b2", "lf/a1", "lf/a2"])]


def test_weekly_limit_per_analysis(config: Config) -> None:
    composition = "{mode: automatic, max_trains_per_analysis_per_week: 2}"
    config.write(
        {
            "config/datasets/D.yaml": dataset("D", composition=composition),
            A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]"),
            B1: wagon("b1", f"[{{dataset: D, tag: {T2}}}]"),
            "config/analyses/lf/wagons/old.yaml": wagon("old", "[]", option=0.3),
        }
    )
    repository = config.load()
    history = [
        past(
            repository,
            "lf/old",
            "D",
            T1,
            train_id="T-20261125-000001",
            created=NOW - timedelta(days=3),
        ),
        past(
            repository,
            "lf/old",
            "D",
            T1,
            train_id="T-20261124-000001",
            created=NOW - timedelta(days=4),
        ),
        # more than a week ago: does not count
        past(
            repository,
            "lf/old",
            "D",
            T1,
            train_id="T-20261120-000001",
            created=NOW - timedelta(days=8),
        ),
    ]
    results = [result(repository, "lf/a1", "D", T2), result(repository, "cf/b1", "D", T2)]
    p = plan(repository, results, history)
    assert trains(p) == [("D", T2, "Grid single core", ["cf/b1"])]
    assert waiting(p) == [
        (
            "lf/a1",
            (None,),
            "D",
            "weekly-limit",
            "lf already has 2 trains on D this week (limit 2 per week)",
        )
    ]
    assert len(plan(repository, results, history[1:]).submit) == 1
    assert trains(plan(repository, results, history[1:])) == [
        ("D", T2, "Grid single core", ["cf/b1", "lf/a1"])
    ]


# --- short datasets ------------------------------------------------------------------------------


def _short_config(config: Config) -> Repository:
    config.write(
        {
            "config/datasets/D.yaml": dataset("D", short="Ds"),
            "config/datasets/Ds.yaml": dataset("Ds", size=2, exclude="526713"),
            A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}, {{dataset: Ds, tag: {T2}}}]"),
            A2: wagon("a2", f"[{{dataset: D, tag: {T2}}}]", option=0.7),
        }
    )
    return config.load()


def test_the_short_dataset_goes_first(config: Config) -> None:
    repository = _short_config(config)
    results = [
        result(repository, "lf/a1", "D", T2),
        result(repository, "lf/a1", "Ds", T2),
        result(repository, "lf/a2", "D", T2),
    ]
    p = plan(repository, results)
    assert trains(p) == [("Ds", T2, "Grid single core", ["lf/a1"])]
    assert p.submit[0].short_for == ("D",)
    assert waiting(p) == [
        (
            "lf/a1",
            (None,),
            "D",
            "short-dataset",
            "short dataset first: needs a done train on Ds with this configuration and tag",
        ),
        (
            "lf/a2",
            (None,),
            "D",
            "short-dataset",
            "short dataset first: needs a done train on Ds with this configuration and tag "
            "(not enabled on Ds)",
        ),
    ]


def test_the_long_train_follows_a_done_short_train(config: Config) -> None:
    _short_config(config)
    config.write({A2: None})
    repository = config.load()
    results = [result(repository, "lf/a1", "D", T2), result(repository, "lf/a1", "Ds", T2)]
    running = past(repository, "lf/a1", "Ds", T2, state="running")
    p = plan(repository, results, [running])
    assert p.submit == ()
    assert [w.reason for w in p.waiting] == ["short-dataset"]
    done = past(repository, "lf/a1", "Ds", T2, state="done")
    p = plan(repository, results, [done])
    assert trains(p) == [("D", T2, "Grid single core", ["lf/a1"])]
    assert p.submit[0].short_for == ()
    # without stored configuration hashes, the short train's test hash must match
    bare = past(repository, "lf/a1", "Ds", T2, state="done", config_hashes=False)
    assert trains(plan(repository, results, [bare])) == [("D", T2, "Grid single core", ["lf/a1"])]
    # a changed configuration needs a new short train first
    config.write(
        {A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}, {{dataset: Ds, tag: {T2}}}]", option=0.6)}
    )
    repository = config.load()
    results = [result(repository, "lf/a1", "D", T2), result(repository, "lf/a1", "Ds", T2)]
    p = plan(repository, results, [done, bare])
    assert trains(p) == [("Ds", T2, "Grid single core", ["lf/a1"])]
    assert [w.reason for w in p.waiting] == ["short-dataset"]


def test_a_part_whose_configuration_did_not_change_is_served_not_composed_again(
    config: Config,
) -> None:
    """A base change leaves a subwagon that overrides the changed option as it was: the
    subwagon is satisfied by the trains that ran it, and only the base runs again, short
    dataset first (docs/newcomer-report.md, finding 1)."""
    enabled = ", ".join(f"{{dataset: {d}, tag: {T2}, subwagons: [narrow]}}" for d in ("D", "Ds"))
    enabled = f"[{enabled}]"
    narrow = "{name: narrow, configuration: {pt-spectrum: {etaMax: 0.5}}}"
    config.write(
        {
            "config/datasets/D.yaml": dataset("D", short="Ds"),
            "config/datasets/Ds.yaml": dataset("Ds", size=2, exclude="526713"),
            A1: wagon("a1", enabled, subwagons=narrow),
        }
    )
    before = config.load()
    parts = (None, "narrow")
    ran = [
        past(before, "lf/a1", "Ds", T2, parts=parts, train_id="T-20261126-000001"),
        past(before, "lf/a1", "D", T2, parts=parts, train_id="T-20261127-000002"),
    ]
    config.write({A1: wagon("a1", enabled, subwagons=narrow, option=0.7)})
    repository = config.load()
    results = [result(repository, "lf/a1", "D", T2), result(repository, "lf/a1", "Ds", T2)]
    p = plan(repository, results, ran)
    assert trains(p) == [("Ds", T2, "Grid single core", ["lf/a1"])]
    assert [(s.wagon_id, s.part, s.dataset, s.train_id) for s in p.satisfied] == [
        ("lf/a1", "narrow", "D", "T-20261127-000002"),
        ("lf/a1", "narrow", "Ds", "T-20261126-000001"),
    ]
    assert [(w.wagon_id, w.parts, w.dataset, w.reason) for w in p.waiting] == [
        ("lf/a1", (None,), "D", "short-dataset")
    ]


# --- the frozen snapshot ----------------------------------------------------------------------


def test_a_composed_train_is_a_frozen_snapshot(config: Config) -> None:
    config.write(
        {
            B1: wagon(
                "b1",
                f"[{{dataset: D, tag: {T2}, subwagons: [tight]}}]",
                subwagons="{name: tight, configuration: {pt-spectrum: {etaMax: 0.5}}}",
            ),
        }
    )
    repository = config.load()
    p = plan(repository, [result(repository, "cf/b1", "D", T2, cpu_years=1.0, output_gb=250)])
    (train,) = p.submit
    assert re.fullmatch(r"T-20261128-\d{6}", train.id)
    assert plan(repository, [result(repository, "cf/b1", "D", T2)]).submit[0].id == train.id
    (frozen,) = train.wagons
    assert (frozen.id, frozen.base, frozen.subwagons, frozen.display) == (
        "cf/b1",
        True,
        ("tight",),
        "cf/b1 (+tight)",
    )
    assert frozen.content_hash == wagon_test_spec(repository, "cf/b1", "D", T2).content_hash
    spec = build_train_spec(repository, {"cf/b1": [None, "tight"]}, "D", T2)
    assert dict(frozen.config_hashes) == {
        "cf/b1": spec.config_hashes["cf/b1"],
        "cf/b1:tight": spec.config_hashes["cf/b1:tight"],
    }
    assert train.spec.content_hash == spec.content_hash
    assert train.full_config == spec.full_config()
    assert [w["id"] + ":" + w["suffix"] for w in train.full_config["wagons"]] == [
        "service/evsel:",
        "cf/b1:",
        "cf/b1:tight",
    ]
    data = repository.root / ".hyperloop" / "data" / "LHC22o" / "LHC22o"
    assert train.input_files[:4] == (
        f"{data}/526641/apass6/0001/AO2D.root",
        f"{data}/526641/apass6/0002/AO2D.root",
        f"{data}/526641/apass6/0003/AO2D.root",
        f"{data}/526712/apass6/0001/AO2D.root",
    )
    assert len(train.input_files) == 9
    assert (train.estimate.cpu_years, train.estimate.output_bytes, train.estimate.jobs) == (
        1.0,
        250_000_000_000,
        3,
    )
    assert round(train.estimate.co2_kg, 2) == 52.77


def test_train_ids_do_not_collide(config: Config) -> None:
    config.write({A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]")})
    repository = config.load()
    first = plan(repository, [result(repository, "lf/a1", "D", T2)]).submit[0].id
    other = PastTrain(first, "X", T2, "done", NOW, ())
    second = plan(repository, [result(repository, "lf/a1", "D", T2)], [other]).submit[0].id
    assert second == f"{first[:-6]}{(int(first[-6:]) + 1) % 1_000_000:06d}"


def test_a_stored_train_serves_the_next_plan(config: Config) -> None:
    """Compose, store as the state store does, plan again: nothing twice (DESIGN decision 4)."""
    config.write(
        {
            "config/datasets/D.yaml": dataset("D", short="Ds"),
            "config/datasets/Ds.yaml": dataset("Ds", size=2, exclude="526713"),
            A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}, {{dataset: Ds, tag: {T2}}}]"),
        }
    )
    repository = config.load()
    results = [result(repository, "lf/a1", "D", T2), result(repository, "lf/a1", "Ds", T2)]
    (short,) = plan(repository, results).submit

    def stored(train: ComposedTrain, state: TrainState) -> PastTrain:
        return PastTrain.from_train_run(
            TrainRun(
                id=train.id,
                dataset=train.dataset,
                package_tag=train.package_tag,
                target=train.target,
                backend="local",
                wagons=tuple(
                    StoredWagon(
                        id=w.id, base=w.base, subwagons=w.subwagons, content_hash=w.content_hash
                    )
                    for w in train.wagons
                ),
                full_config_digest=train.full_config_digest,
                input_list_digest=train.input_list_digest,
                composition_digest="c",
                state=state,
                created=NOW,
                details=train.details(),
            )
        )

    p = plan(repository, results, [stored(short, TrainState.SUBMITTED)])
    assert p.submit == ()
    assert [(s.wagon_id, s.dataset, s.train_id) for s in p.satisfied] == [("lf/a1", "Ds", short.id)]
    assert [w.reason for w in p.waiting] == ["short-dataset"]
    (long,) = plan(repository, results, [stored(short, TrainState.DONE)]).submit
    assert (long.dataset, long.id != short.id) == ("D", True)
    p = plan(
        repository, results, [stored(short, TrainState.DONE), stored(long, TrainState.RUNNING)]
    )
    assert (p.submit, p.waiting, p.changes) == ((), (), False)


def test_wagons_sharing_a_task_are_served_by_their_train(config: Config) -> None:
    """Two wagons of one task run as ``task`` and ``task_<wagon>`` in their train; the next
    plan must still find both served (the demo composed them again and again)."""
    config.write(
        {
            A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]"),
            B1: wagon("b1", f"[{{dataset: D, tag: {T2}}}]", option=0.6),
        }
    )
    repository = config.load()
    results = [result(repository, "lf/a1", "D", T2), result(repository, "cf/b1", "D", T2)]
    (train,) = plan(repository, results).submit
    assert [i.suffix for i in train.spec.instances if i.wagon_id != "service/evsel"] == ["", "a1"]
    stored = PastTrain(
        train.id,
        "D",
        T2,
        "done",
        NOW,
        tuple(
            PastWagon(w.id, w.base, w.subwagons, w.content_hash, w.config_hashes)
            for w in train.wagons
        ),
    )
    p = plan(repository, results, [stored])
    assert (p.submit, p.waiting) == ((), ())
    assert [(s.wagon_id, s.train_id) for s in p.satisfied] == [
        ("cf/b1", train.id),
        ("lf/a1", train.id),
    ]


def test_a_wagon_whose_dependency_does_not_load_waits_alone(config: Config) -> None:
    config.write(
        {
            A1: wagon("a1", f"[{{dataset: D, tag: {T2}}}]"),
            A2: wagon("a2", f"[{{dataset: D, tag: {T2}}}]", option=0.7).replace(
                "dependencies: [service/evsel]", "dependencies: [service/evsel, helper]"
            ),
            "config/analyses/lf/wagons/helper.yaml": "name: helper\nworkflow: 7\n",
        }
    )
    loaded = load_repository(config.root)
    assert not loaded.ok  # the helper has a schema error and is left out
    repository = loaded.repository
    p = plan(repository, [result(repository, "lf/a1", "D", T2)])
    assert trains(p) == [("D", T2, "Grid single core", ["lf/a1"])]
    assert waiting(p) == [
        (
            "lf/a2",
            (None,),
            "D",
            "invalid",
            "wagon lf/a2 depends on lf/helper, which is not in the repository",
        )
    ]
