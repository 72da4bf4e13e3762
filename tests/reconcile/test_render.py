"""The plan as text (UX.md "hyperloop reconcile") and as JSON."""

from __future__ import annotations

import json
from datetime import timedelta

from hyperloop_gitops.reconcile import compose_plan, plan_json, render_text
from hyperloop_gitops.reconcile.render import format_bytes, format_co2, format_years
from tests.reconcile.conftest import NOW, T2, Config, by_hash, dataset, result, wagon
from tests.reconcile.test_compose import past


def test_numbers_read_like_the_sketches() -> None:
    assert [format_bytes(v) for v in (0, 999, 14.2e6, 40e9, 670e9, 1.9e12, 2.5e15)] == [
        "0 B",
        "999 B",
        "14 MB",
        "40 GB",
        "670 GB",
        "1.9 TB",
        "2.5 PB",
    ]
    assert [format_years(v) for v in (0, 0.02, 0.78, 2.1, 14.4)] == [
        "0",
        "0.02",
        "0.78",
        "2.1",
        "14",
    ]
    assert [format_co2(v) for v in (0.4, 41.2, 1480.4)] == ["0.4", "41", "1,480"]


def _mixed(config: Config) -> tuple[str, str]:
    config.write(
        {
            "config/datasets/D.yaml": dataset("D", short="Ds"),
            "config/datasets/Ds.yaml": dataset("Ds", size=2, exclude="526713"),
            "config/analyses/cf/wagons/b1.yaml": wagon(
                "b1",
                f"[{{dataset: Ds, tag: {T2}, subwagons: [tight]}}, {{dataset: D, tag: {T2}}}]",
                subwagons="{name: tight, configuration: {pt-spectrum: {etaMax: 0.5}}}",
            ),
            "config/analyses/lf/wagons/a1.yaml": wagon("a1", "[{dataset: D, pull_request: 7}]"),
            "config/analyses/lf/wagons/a2.yaml": wagon(
                "a2", f"[{{dataset: Ds, tag: {T2}}}]", option=0.7
            ),
        }
    )
    repository = config.load()
    results = by_hash(
        result(repository, "cf/b1", "Ds", T2, cpu_years=0.02, output_gb=40),
        result(repository, "lf/a2", "Ds", T2, "failed", reason="exit code 139"),
    )
    p = compose_plan(repository, tests=results, trains=[], now=NOW)
    return render_text(p), p.submit[0].id


def test_the_plan_as_text(config: Config) -> None:
    text, train_id = _mixed(config)
    assert text == (
        "Plan: 1 train to submit, 3 requests waiting, 0 to kill\n"
        "\n"
        f"+ {train_id}  Ds  tag daily-20261127-0000-1  Grid single core\n"
        "    wagons: cf/b1 (+tight)\n"
        "    estimate: 0.02 CPU-years · 40 GB · 1.1 kgCO2eq · 2 jobs (short dataset: the long "
        "train follows when done)\n"
        "~ waiting: cf/b1 on D: ⌛ no test yet for this configuration (the reconciler queues it)\n"
        "~ waiting: lf/a1 on D: package from pull request #7, not yet in a tag\n"
        "~ waiting: lf/a2 on Ds: 💣 test failed: exit code 139\n"
        "\n"
        "Run again with --apply to submit and queue 1 wagon test.\n"
    )


def test_nothing_to_do(config: Config) -> None:
    assert render_text(compose_plan(config.load(), tests={}, trains=[], now=NOW)) == (
        "Plan: 0 trains to submit, 0 requests waiting, 0 to kill\n\nNothing to do.\n"
    )


def test_kills_in_the_text(config: Config) -> None:
    from tests.reconcile.conftest import SETTINGS

    config.write({"config/analyses/lf/wagons/a1.yaml": wagon("a1", f"[{{dataset: D, tag: {T2}}}]")})
    running = past(config.load(), "lf/a1", "D", T2, state="running")
    config.write(
        {
            "config/hyperloop.yaml": SETTINGS.format(prune="true"),
            "config/analyses/lf/wagons/a1.yaml": wagon("a1", "[]"),
        }
    )
    text = render_text(compose_plan(config.load(), tests={}, trains=[running], now=NOW))
    assert text == (
        "Plan: 0 trains to submit, 0 requests waiting, 1 to kill\n"
        "\n"
        "- T-20261127-000001  D  kill: disabled on D: lf/a1 (prune_disabled_wagons)\n"
        "\n"
        "Run again with --apply to kill 1 train.\n"
    )


def test_the_plan_as_json(config: Config) -> None:
    config.write({"config/analyses/lf/wagons/a1.yaml": wagon("a1", f"[{{dataset: D, tag: {T2}}}]")})
    repository = config.load()
    done = result(repository, "lf/a1", "D", T2, cpu_years=1.0, output_gb=5)
    p = compose_plan(repository, tests=by_hash(done), trains=[], now=NOW + timedelta(hours=1))
    data = json.loads(json.dumps(plan_json(p)))
    (train,) = p.submit
    assert data == {
        "now": "2026-11-28T13:00:00Z",
        "changes": True,
        "submit": [
            {
                "id": train.id,
                "dataset": "D",
                "package_tag": T2,
                "target": "Grid single core",
                "wagons": [
                    {
                        "id": "lf/a1",
                        "base": True,
                        "subwagons": [],
                        "content_hash": done.content_hash,
                        "config_hashes": {"lf/a1": train.spec.config_hashes["lf/a1"]},
                    }
                ],
                "train_test_hash": train.spec.content_hash,
                "full_config_digest": train.full_config_digest,
                "input_list_digest": train.input_list_digest,
                "input_files": 9,
                "estimate": {
                    "cpu_years": 1.0,
                    "output_bytes": 5_000_000_000,
                    "co2_kg": train.estimate.co2_kg,
                    "jobs": 3,
                },
                "short_for": [],
            }
        ],
        "waiting": [],
        "kill": [],
        "tests": [],
        "satisfied": [],
    }
