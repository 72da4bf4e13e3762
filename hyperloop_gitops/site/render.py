"""The Jinja2 environment of the site: where templates are, autoescaping, filters, links.

Every link is relative: a page at ``wagons/a/w.html`` reaches the root through ``../../``, so
the site works from ``file://`` and from any sub-path of a web server (GitHub Pages).
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from hyperloop_gitops.model.values import classify
from hyperloop_gitops.site.errors import SiteError
from hyperloop_gitops.testing.units import format_bytes


def assets_dir() -> Path:
    """The folder holding ``templates/`` and ``static/``: inside the wheel, else the checkout."""
    installed = importlib.resources.files("hyperloop_gitops") / "_site_assets"
    if installed.is_dir():
        return Path(str(installed))
    checkout = Path(__file__).resolve().parents[2] / "site"
    if (checkout / "templates").is_dir():
        return checkout
    raise SiteError(
        "the site's templates are missing: neither hyperloop_gitops/_site_assets (installed) "
        f"nor {checkout} (source checkout) exists; reinstall hyperloop-gitops"
    )


def environment(templates: Path, bytecode_dir: Path | None = None) -> jinja2.Environment:
    """The autoescaping environment with the site's filters.

    ``bytecode_dir`` keeps compiled templates between builds (compiling them is most of the
    cost of rendering a small site); Jinja2 recompiles a template whose source changed.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        bytecode_cache=(
            jinja2.FileSystemBytecodeCache(str(bytecode_dir)) if bytecode_dir is not None else None
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["when"] = when
    env.filters["day"] = day
    env.filters["span"] = span
    env.filters["value"] = config_value
    env.filters["short"] = lambda sha: sha[:10]
    env.filters["compactjson"] = compact_json
    env.filters["bytes"] = human_bytes
    return env


def relative_root(page: str) -> str:
    """The relative path from ``page`` (a path under the site root) back to the root."""
    return "../" * page.count("/")


def when(time: dt.datetime | None) -> str:
    """``2026-11-28 14:03 UTC``, or an en dash for no time."""
    if time is None:
        return "–"
    return time.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(time: dt.datetime | None) -> str:
    """``2026-11-28``."""
    return "–" if time is None else time.astimezone(dt.UTC).strftime("%Y-%m-%d")


def span(delta: dt.timedelta | None) -> str:
    """``5h15m``, ``3m20s``, ``2d4h``."""
    if delta is None:
        return "–"
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def human_bytes(size: float | None) -> str:
    """``1.41 GB`` (decimal units, three significant digits, as test reports write sizes)."""
    return "–" if size is None else format_bytes(size)


def compact_json(value: Any) -> str:
    """JSON without spaces, keys sorted: for values shown in tables."""
    return json.dumps(value, sort_keys=True, separators=(",", ": "), ensure_ascii=False)


def config_value(value: Any) -> str:
    """A configuration value as a person reads it: binnings and matrices spelled out."""
    kind = classify(value)
    if kind == "scalar":
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    if kind == "fixed_binning":
        return f"{value['bins']} bins in [{value['min']}, {value['max']}]"
    if kind == "variable_binning":
        return "edges " + ", ".join(str(e) for e in value["edges"])
    if kind == "array":
        return "[" + ", ".join(str(v) for v in value) + "]"
    if kind == "matrix":
        return " / ".join("[" + ", ".join(str(v) for v in row) + "]" for row in value)
    return compact_json(value)


def flatten_options(options: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Options of one device, nested configurable groups flattened to ``group.option``."""
    flat: dict[str, Any] = {}
    for name, value in options.items():
        if classify(value) == "group":
            flat.update(flatten_options(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat
