"""The committed JSON Schema is fresh, and editors using it flag mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from hyperloop_gitops.config.schema import build_schemas, stale_schemas

ROOT = Path(__file__).parents[2]


def test_committed_schemas_are_fresh() -> None:
    assert stale_schemas(ROOT / "schemas") == [], "regenerate with: hyperloop schema"


def test_example_files_name_their_schema() -> None:
    for path in sorted((ROOT / "config").rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target.is_file(), f"{path}: {target}"


def _as_json(path: Path) -> object:
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def test_every_example_file_matches_its_schema() -> None:
    schemas = build_schemas()
    kinds = {
        "hyperloop.yaml": "hyperloop",
        "analysis.yaml": "analysis",
    }
    for path in sorted((ROOT / "config").rglob("*.yaml")):
        kind = kinds.get(path.name) or {"wagons": "wagon", "datasets": "dataset"}.get(
            path.parent.name, "runlist"
        )
        jsonschema.validate(_as_json(path), schemas[f"{kind}.schema.json"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "Additional properties are not allowed ('colour' was unexpected)"),
        (
            {"configuration": {"pt-spectrum": {"ptBins": {"bins": "x", "min": 0, "max": 1}}}},
            "'x' is not of type 'integer'",
        ),
    ],
)
def test_schema_flags_a_mistake_in_a_wagon(change: dict[str, object], message: str) -> None:
    wagon = _as_json(ROOT / "config/analyses/pwglf-spectra/wagons/pt-spectrum.yaml")
    assert isinstance(wagon, dict)
    wagon.update(change)
    with pytest.raises(jsonschema.ValidationError) as caught:
        jsonschema.validate(wagon, build_schemas()["wagon.schema.json"])
    assert message in str(caught.value)
