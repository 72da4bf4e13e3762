"""JSON Schema of each kind of configuration file, generated from the pydantic models.

The schemas are committed under ``schemas/`` so editors (yaml-language-server) complete and
check files as people type; ``hyperloop schema --check`` and a test keep them fresh.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from hyperloop_gitops.errors import HyperloopError
from hyperloop_gitops.model import Analysis, Dataset, Runlist, Settings, Wagon
from hyperloop_gitops.model.values import CONFIG_VALUE_SCHEMA

SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "hyperloop.schema.json": Settings,
    "analysis.schema.json": Analysis,
    "wagon.schema.json": Wagon,
    "dataset.schema.json": Dataset,
    "runlist.schema.json": Runlist,
}

_TITLES = {
    "hyperloop.schema.json": "config/hyperloop.yaml",
    "analysis.schema.json": "config/analyses/<analysis>/analysis.yaml",
    "wagon.schema.json": "config/analyses/<analysis>/wagons/<wagon>.yaml",
    "dataset.schema.json": "config/datasets/<dataset>.yaml",
    "runlist.schema.json": "config/runlists/<runlist>.yaml",
}


def build_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema (draft 2020-12)."""
    out: dict[str, dict[str, Any]] = {}
    for file, model in SCHEMA_FILES.items():
        schema = model.model_json_schema(by_alias=True, mode="validation")
        if file == "wagon.schema.json":
            schema = _link_config_values(schema)
            schema.setdefault("$defs", {})["ConfigValue"] = CONFIG_VALUE_SCHEMA
        out[file] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://hyperloop-gitops.example/schemas/{file}",
            "title": _TITLES[file],
            **{k: v for k, v in schema.items() if k != "title"},
        }
    return out


def _link_config_values(node: Any) -> Any:
    """Replace the model's placeholder for configuration values with a reference to them."""
    if isinstance(node, dict):
        if node.get("x-hyperloop-config-value"):
            return {"$ref": "#/$defs/ConfigValue"}
        return {k: _link_config_values(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_link_config_values(v) for v in node]
    return node


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for file, schema in build_schemas().items():
        path = folder / file
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(folder: Path) -> list[str]:
    """Schema files under ``folder`` that differ from the models (missing ones included)."""
    stale = []
    for file, schema in build_schemas().items():
        path = folder / file
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != render(schema):
            stale.append(file)
    return stale


def check_schemas(folder: Path) -> None:
    stale = stale_schemas(folder)
    if stale:
        raise HyperloopError(
            f"stale JSON Schema in {folder}: {', '.join(stale)}; regenerate with `hyperloop schema`"
        )
