"""The composition cache: a plan served from it equals a plan composed afresh, and nothing
changed under an entry is ever served from it."""

from __future__ import annotations

import dataclasses
import json
import zlib
from pathlib import Path

import pytest

from hyperloop_gitops.config import Repository
from hyperloop_gitops.reconcile import Plan, TestSummary, compose_plan, plan_json
from hyperloop_gitops.reconcile.apply import Reconciler
from hyperloop_gitops.train import compositions, wagon_test_spec
from hyperloop_gitops.train.compositions import CompositionCache
from tests.reconcile.conftest import NOW, T2, Config, dataset, wagon

A1 = "config/analyses/lf/wagons/a1.yaml"
EVSEL = "config/analyses/service/wagons/evsel.yaml"
ENABLED = "[{dataset: D, latest: true}, {dataset: E, tag: daily-20261120-0000-1}]"
A1_ENABLED = (
    "[{dataset: D, latest: true, subwagons: [tight]}, {dataset: E, tag: daily-20261120-0000-1}]"
)
TIGHT = "{name: tight, configuration: {pt-spectrum: {etaMax: 0.5}}}"


def _config(config: Config) -> Config:
    return config.write(
        {
            "config/datasets/E.yaml": dataset("E"),
            A1: wagon("a1", A1_ENABLED, subwagons=TIGHT),
            "config/analyses/lf/wagons/a2.yaml": wagon("a2", ENABLED, option=0.5),
            "config/analyses/cf/wagons/b1.yaml": wagon("b1", "[{dataset: D, latest: true}]"),
        }
    )


def _plan(repository: Repository, compositions: CompositionCache | None = None) -> Plan:
    """The plan once every wagon test the first plan queues has passed: trains composed."""
    first = compose_plan(repository, tests={}, trains=(), now=NOW, compositions=compositions)
    tests = {
        t.content_hash: TestSummary(
            content_hash=t.content_hash,
            status="done",
            pss_avg_bytes=10**9,
            pss_max_bytes=10**9,
            cpu_years=0.5,
            output_bytes=10**9,
        )
        for t in first.tests
    }
    return compose_plan(repository, tests=tests, trains=(), now=NOW, compositions=compositions)


def _json(plan: Plan) -> str:
    return json.dumps(plan_json(plan), sort_keys=True)


def test_a_plan_from_the_cache_equals_a_plan_composed_afresh(
    config: Config, tmp_path: Path
) -> None:
    repository = _config(config).load()
    afresh = _plan(repository)
    assert [t.dataset for t in afresh.submit] == ["D", "E"]
    assert afresh.tests == ()

    path = tmp_path / "cache" / "compositions.json"
    first = CompositionCache(path)
    assert _json(_plan(config.load(), first)) == _json(afresh)
    # one composition per wagon and parts, whatever the dataset: a1 with and without its
    # subwagon, a2, b1
    assert (first.hits, first.misses) == (0, 4)
    assert first.save() and path.is_file()
    assert not first.save()  # nothing new: not written again

    served = CompositionCache(path)
    reloaded = config.load()
    assert _json(_plan(reloaded, served)) == _json(afresh)
    assert (served.hits, served.misses) == (4, 0)
    # a served composition builds its instances when asked: the same as composed afresh
    cold = wagon_test_spec(repository, "lf/a1", "D", T2)
    warm = wagon_test_spec(reloaded, "lf/a1", "D", T2, compositions=CompositionCache(path))
    assert warm.content_hash == cold.content_hash
    assert warm.full_config() == cold.full_config()
    assert warm.config_hashes == cold.config_hashes


def test_an_entry_whose_files_changed_is_composed_afresh(config: Config, tmp_path: Path) -> None:
    _config(config)
    path = tmp_path / "compositions.json"
    cache = CompositionCache(path)
    _plan(config.load(), cache)
    cache.save()

    # a1's own file: only a1's compositions (with and without tight) are composed again
    config.write({A1: wagon("a1", A1_ENABLED, subwagons=TIGHT, option=0.7)})
    changed = config.load()
    cache = CompositionCache(path)
    assert _json(_plan(changed, cache)) == _json(_plan(changed))
    assert (cache.hits, cache.misses) == (2, 2)
    cache.save()

    # the service wagon every analysis wagon needs: every composition is composed again
    config.write(
        {
            EVSEL: "name: evsel\nworkflow: event-selection\n"
            "configuration: {event-selection: {vertexZMax: 7.0}}\n"
            "enabled: [{dataset: D, latest: true}]\n"
        }
    )
    changed = config.load()
    cache = CompositionCache(path)
    plan = _plan(changed, cache)
    assert (cache.hits, cache.misses) == (0, 4)
    assert _json(plan) == _json(_plan(changed))


def test_a_damaged_or_foreign_cache_is_ignored_and_rewritten(
    config: Config, tmp_path: Path
) -> None:
    repository = _config(config).load()
    afresh = _json(_plan(repository))
    path = tmp_path / "compositions.json"
    cache = CompositionCache(path)
    _plan(repository, cache)
    cache.save()
    good = path.read_bytes()
    header, _, body = good.partition(b"\n")

    foreign = json.loads(header) | {"code": "0" * 64}
    short = body.rstrip(b"\n").rsplit(b"\n", 1)[0]  # one line fewer than the header says
    recounted = json.loads(header) | {"crc32": zlib.crc32(short)}
    damaged = [
        json.dumps(recounted).encode() + b"\n" + short + b"\n",  # its checksum holds
        b"not json at all",
        header + b"\n" + body.replace(b"lf/a1", b"lf/a9", 1),  # the CRC no longer holds
        json.dumps(foreign).encode() + b"\n" + body,  # another version of the code
        header,  # cut short
    ]
    for text in damaged:
        path.write_bytes(text)
        cache = CompositionCache(path)
        assert _json(_plan(config.load(), cache)) == afresh
        assert cache.hits == 0
        assert cache.save()
        assert path.read_bytes() == good  # the next save writes a sound one again


def test_a_cache_that_cannot_be_written_is_left_alone(config: Config, tmp_path: Path) -> None:
    repository = _config(config).load()
    folder = tmp_path / "compositions.json"
    folder.mkdir()  # a folder where the file should be: no write can succeed
    cache = CompositionCache(folder)
    assert _json(_plan(repository, cache)) == _json(_plan(repository))
    assert cache.save() is False


def test_a_repository_not_loaded_from_files_keeps_nothing(config: Config, tmp_path: Path) -> None:
    repository = dataclasses.replace(_config(config).load(), file_digests={})
    path = tmp_path / "compositions.json"
    cache = CompositionCache(path)
    _plan(repository, cache)
    assert cache.misses == 4
    assert cache.save() is False
    assert not path.exists()


def test_the_reconciler_keeps_its_cache_under_hyperloop(config: Config) -> None:
    repository = _config(config).load()
    reconciler = Reconciler.open(repository)
    plan = reconciler.plan(NOW)
    path = config.root / ".hyperloop" / "cache" / "reconcile" / "compositions.json"
    assert reconciler.layout.compositions_file == path
    assert path.is_file()
    entries = _entries(path)
    # by wagon and parts ("" for the base)
    assert sorted(entries) == ["cf/b1\t", "lf/a1\t", "lf/a1\t,tight", "lf/a2\t"]
    # a second plan of the same repository (apply plans again after the tests) composes
    # nothing anew, and keeps every entry
    path.unlink()
    reconciler.plan(NOW)
    assert sorted(_entries(path)) == sorted(entries)
    again = Reconciler.open(config.load()).plan(NOW)
    assert _json(again) == _json(plan)


def _entries(path: Path) -> list[str]:
    """The keys of a cache file's entries (the section after the strings and digests)."""
    head, *lines = path.read_text().split("\n")
    header = json.loads(head)
    start = header["strings"] + header["files"]
    return lines[start : start + header["entries"]]


def test_a_few_changed_entries_leave_the_file_as_it_is(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _config(config)
    path = tmp_path / "compositions.json"
    cache = CompositionCache(path)
    _plan(config.load(), cache)
    assert cache.save()
    written = path.read_bytes()

    # rewrite only when the entries made exceed the entries used / ratio: with 4 used and a
    # ratio of 2, a1's 2 new entries are not enough
    monkeypatch.setattr(compositions, "REWRITE_RATIO", 2)
    config.write({A1: wagon("a1", A1_ENABLED, subwagons=TIGHT, option=0.7)})
    for _ in range(2):  # the next plan composes the same two again
        changed = config.load()
        cache = CompositionCache(path)
        assert _json(_plan(changed, cache)) == _json(_plan(changed))
        assert (cache.hits, cache.misses) == (2, 2)
        assert cache.save() is False
        assert path.read_bytes() == written
    # b1 changes too: 3 of 4 made, the file is rewritten and serves every entry again
    config.write(
        {
            "config/analyses/cf/wagons/b1.yaml": wagon(
                "b1", "[{dataset: D, latest: true}]", option=0.6
            )
        }
    )
    cache = CompositionCache(path)
    _plan(config.load(), cache)
    assert cache.save()
    cache = CompositionCache(path)
    _plan(config.load(), cache)
    assert (cache.hits, cache.misses) == (4, 0)
