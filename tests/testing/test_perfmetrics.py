from __future__ import annotations

import json
from pathlib import Path

import pytest

from hyperloop_gitops.testing import perfmetrics
from hyperloop_gitops.testing.perfmetrics import PerformanceMetricsError

RESOURCES = Path(__file__).parent / "resources"
O2_FILE = RESOURCES / "o2_performanceMetrics.json"


def test_an_o2_file_is_read_with_every_numeric_metric_of_every_device() -> None:
    metrics = perfmetrics.load(O2_FILE)

    assert sorted(metrics) == [
        "internal-dpl-aod-reader",
        "internal-dpl-aod-writer",
        "internal-dpl-clock",
        "track-selection",
    ]
    reader = metrics["internal-dpl-aod-reader"]
    # the file-name metric is text: skipped, the numeric ones kept
    assert sorted(reader) == [
        "aod-bytes-read-compressed",
        "cpuUsedAbsolute",
        "cpuUsedPercentage",
        "memoryPrivateClean",
        "memoryPrivateDirty",
        "proportionalSetSize",
        "residentSetSize",
    ]
    assert reader["proportionalSetSize"] == [
        (1700000000000, 100000.0),
        (1700000002000, 120000.0),
        (1700000004000, 140000.0),
        (1700000006000, 160000.0),
    ]
    assert metrics["internal-dpl-clock"]["cpuUsedPercentage"][0] == (1700000000000, 0.5)


def test_numbers_instead_of_strings_and_unsorted_samples_are_accepted() -> None:
    document = {"dev": {"m": [{"timestamp": 20, "value": 2.5}, {"timestamp": "10", "value": "1"}]}}

    assert perfmetrics.parse(document) == {"dev": {"m": [(10, 1.0), (20, 2.5)]}}


def test_writing_gives_string_leaves_sorted_and_byte_identical() -> None:
    metrics = {
        "b-task": {"proportionalSetSize": [(2000, 12.5), (1000, 1024.0)]},
        "a-reader": {"cpuUsedAbsolute": [(1000, 7.0)]},
    }

    text = perfmetrics.dump(metrics)

    assert json.loads(text) == {
        "a-reader": {"cpuUsedAbsolute": [{"timestamp": "1000", "value": "7"}]},
        "b-task": {
            "proportionalSetSize": [
                {"timestamp": "1000", "value": "1024"},
                {"timestamp": "2000", "value": "12.5"},
            ]
        },
    }
    assert list(json.loads(text)) == ["a-reader", "b-task"]
    assert perfmetrics.dump(metrics) == text
    assert perfmetrics.parse(json.loads(text)) == {
        "a-reader": {"cpuUsedAbsolute": [(1000, 7.0)]},
        "b-task": {"proportionalSetSize": [(1000, 1024.0), (2000, 12.5)]},
    }


def test_an_o2_file_survives_a_round_trip() -> None:
    metrics = perfmetrics.load(O2_FILE)

    assert perfmetrics.parse(json.loads(perfmetrics.dump(metrics))) == metrics


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("not_object", "expected an object of devices, found list"),
        ("device_not_object", "device 'a': expected an object of metrics, found list"),
        ("no_numbers", "no device has any numeric metric"),
    ],
)
def test_a_file_of_the_wrong_shape_says_what_is_wrong(case: str, message: str) -> None:
    path = RESOURCES / "bad_metrics" / f"{case}.json"

    with pytest.raises(PerformanceMetricsError) as raised:
        perfmetrics.load(path)

    assert str(raised.value) == f"{path}: {message}"


def test_a_file_that_is_not_json_names_the_position() -> None:
    path = RESOURCES / "bad_metrics" / "truncated.json"

    with pytest.raises(PerformanceMetricsError) as raised:
        perfmetrics.load(path)

    assert str(raised.value) == f"{path}:2:1: not valid JSON: Expecting ',' delimiter"


def test_a_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(PerformanceMetricsError) as raised:
        perfmetrics.load(tmp_path / "nope.json")

    assert str(raised.value) == f"{tmp_path / 'nope.json'}: cannot read: No such file or directory"
