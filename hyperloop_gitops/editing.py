"""Editing commands that keep people's files as they wrote them.

Files are changed through ruamel.yaml's round trip, so comments, key order, quoting, flow
style and indentation stay; only the edited entries change. Every edit is checked by loading
the whole repository with the new content laid over it (nothing on disk changes), and is
refused if it adds an error; only then are files written, each atomically.
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from hyperloop_gitops.config import load_repository
from hyperloop_gitops.config.yamlload import suggest
from hyperloop_gitops.entitypath import EntityRef, path_of
from hyperloop_gitops.errors import ConfigError, HyperloopError, NotFoundError
from hyperloop_gitops.model.wagon import qualify
from hyperloop_gitops.state.atomic import atomic_write_text

_LISTED = 10
"""Names listed in an "unknown dataset" message when none is close."""
_KEY_LINE = re.compile(r"^( *)(?:- )?[^\s#-][^:#]*:\s*(?:#.*)?$")
_ITEM_LINE = re.compile(r"^( *)- ")
_CHILD_LINE = re.compile(r"^( *)[^\s#-]")


class EditError(HyperloopError):
    """Raised by the editing commands when an edit cannot be made as asked."""


class InvalidEditError(ConfigError):
    """Raised by the editing commands when the edit would make the configuration invalid.

    Nothing was written; ``diagnostics`` are the errors the edit would add.
    """

    def __str__(self) -> str:
        found = "\n".join(f"  {d.format()}" for d in self.diagnostics)
        return f"nothing written: the edit would make the configuration invalid:\n{found}"


@dataclass(frozen=True)
class Package:
    """The package choice of an enabled entry: exactly one of tag, latest, pull request."""

    tag: str | None = None
    latest: bool = False
    pull_request: int | None = None

    def item(self) -> tuple[str, Any]:
        """The key and value written into the entry."""
        chosen = [
            (k, v)
            for k, v in (
                ("tag", self.tag),
                ("latest", self.latest or None),
                ("pull_request", self.pull_request),
            )
            if v is not None
        ]
        if len(chosen) != 1:
            raise EditError("choose exactly one of --tag, --latest or --pr")
        return chosen[0]


@dataclass(frozen=True)
class EditResult:
    """What an edit wrote, and what it has to say about it."""

    written: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


def _yaml_for(text: str) -> YAML:
    """A round-trip YAML that writes lists and mappings with the file's own indentation."""
    mapping: int | None = None
    offset: int | None = None
    for line, following in itertools.pairwise(text.splitlines()):
        key = _KEY_LINE.match(line)
        if not key:
            continue
        item = _ITEM_LINE.match(following)
        child = _CHILD_LINE.match(following)
        if item and offset is None:
            offset = len(item.group(1)) - len(key.group(1))
        elif (
            child and not line.lstrip().startswith("- ") and len(child.group(1)) > len(key.group(1))
        ):
            mapping = len(child.group(1)) - len(key.group(1))
    offset = max(offset or 0, 0)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line somebody wrote
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    return yaml


def _load(path: Path) -> tuple[YAML, Any, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"{path} does not exist") from None
    yaml = _yaml_for(text)
    data = yaml.load(text)
    if not isinstance(data, CommentedMap):
        raise EditError(f"{path}: expected a mapping at the top of the file")
    return yaml, data, text


def _dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _write_checked(root: Path, files: dict[str, str]) -> None:
    """Load the repository with ``files`` laid over it; write them only if no error is new."""
    before = {d.format() for d in load_repository(root).errors}
    overlay: dict[str, bytes | None] = {p: t.encode() for p, t in files.items()}
    after = load_repository(root, overlay=overlay)
    new = [d for d in after.errors if d.format() not in before]
    if new:
        raise InvalidEditError(new)
    for rel, text in files.items():
        atomic_write_text(root / rel, text)


def _wagon_file(root: Path, wagon_id: str) -> tuple[str, Path]:
    rel = path_of(EntityRef("wagon", wagon_id))
    path = root / rel
    if not path.is_file():
        raise NotFoundError(f"no wagon '{wagon_id}' ({rel} does not exist)")
    return rel, path


def _known_dataset(root: Path, dataset: str) -> None:
    """Refuse an unknown dataset before editing: the check after the edit would name a line
    of the edited file, which the user has not seen."""
    known = sorted(p.stem for p in (root / "config" / "datasets").glob("*.yaml"))
    if dataset in known:
        return
    hint = suggest(dataset, known)
    if not hint:
        shown = ", ".join(known[:_LISTED]) + (", ..." if len(known) > _LISTED else "")
        hint = f" (datasets: {shown or 'none'})"
    raise NotFoundError(f"unknown dataset '{dataset}'{hint}")


def enable_wagon(
    root: Path, *, wagon: str, dataset: str, package: Package, subwagons: tuple[str, ...] = ()
) -> EditResult:
    """Enable ``wagon`` on ``dataset`` (or change its package choice and subwagons there)."""
    rel, path = _wagon_file(root, wagon)
    _known_dataset(root, dataset)
    key, value = package.item()
    yaml, data, _ = _load(path)
    enabled = data.get("enabled")
    if not isinstance(enabled, CommentedSeq) or (not enabled and enabled.fa.flow_style()):
        # "enabled: []" (or no key): a block list reads better once it has entries.
        enabled = CommentedSeq()
        data["enabled"] = enabled
    entry: Any = next(
        (e for e in enabled if isinstance(e, dict) and e.get("dataset") == dataset), None
    )
    if entry is None:
        entry = CommentedMap([("dataset", dataset), (key, value)])
        enabled.append(entry)
        verb = "enabled"
    else:
        for other in ("tag", "latest", "pull_request"):
            if other in entry and other != key:
                del entry[other]
        if key not in entry:
            entry.insert(1, key, value)
        entry[key] = value
        verb = "updated"
    if subwagons:
        names = CommentedSeq(subwagons)
        names.fa.set_flow_style()
        entry["subwagons"] = names
    _write_checked(root, {rel: _dump(yaml, data)})
    return EditResult((rel,), (f"{verb} {wagon} on {dataset} ({key}: {_show(value)})",))


def _show(value: Any) -> str:
    return "true" if value is True else str(value)


def disable_wagon(root: Path, *, wagon: str, dataset: str) -> EditResult:
    """Remove ``wagon``'s entry for ``dataset``."""
    rel, path = _wagon_file(root, wagon)
    yaml, data, _ = _load(path)
    enabled = data.get("enabled")
    index = next(
        (
            i
            for i, e in enumerate(enabled if isinstance(enabled, list) else [])
            if isinstance(e, dict) and e.get("dataset") == dataset
        ),
        None,
    )
    if index is None:
        raise NotFoundError(f"{wagon} is not enabled on {dataset}")
    del enabled[index]
    if not enabled:
        # Comments between "enabled:" and its first entry belonged to the entries.
        data.ca.items.pop("enabled", None)
        data["enabled"] = CommentedSeq()
        data["enabled"].fa.set_flow_style()
    _write_checked(root, {rel: _dump(yaml, data)})
    return EditResult((rel,), (f"disabled {wagon} on {dataset}",))


def clone_wagon(root: Path, *, source: str, destination: str) -> EditResult:
    """Copy ``source`` (``analysis/wagon``) into ``destination`` (``analysis[/new-name]``).

    Subwagons and derived-data settings come along; enabled datasets do not. Dependencies
    are rewritten for the destination; those that would point into another analysis and are
    not service wagons are left out and reported.
    """
    src_analysis, src_name = source.split("/", 1) if "/" in source else (source, "")
    dest_analysis, _, dest_name = destination.partition("/")
    dest_name = dest_name or src_name
    dest_id = f"{dest_analysis}/{dest_name}"
    _, src_path = _wagon_file(root, source)
    dest_rel = path_of(EntityRef("wagon", dest_id))
    if (root / dest_rel).exists():
        raise EditError(f"wagon {dest_id} exists already ({dest_rel}); choose another name")
    repository = load_repository(root).repository
    if dest_analysis not in repository.analyses:
        raise NotFoundError(f"no analysis '{dest_analysis}' (config/analyses/{dest_analysis}/)")
    yaml, data, _ = _load(src_path)
    data["name"] = dest_name
    if "enabled" in data:
        del data["enabled"]
    notes: list[str] = []
    deps = data.get("dependencies")
    if isinstance(deps, list):
        kept: list[str] = []
        for dep in list(deps):
            full = qualify(str(dep), src_analysis)
            owner = repository.analyses.get(full.split("/", 1)[0])
            if full.split("/", 1)[0] == dest_analysis:
                kept.append(full.split("/", 1)[1])
            elif owner is not None and owner.service:
                kept.append(full)
            else:
                notes.append(
                    f"dependency {full} left out: it is not a service wagon and not in "
                    f"{dest_analysis} (clone it too, or depend on a service wagon)"
                )
        for i in reversed(range(len(deps))):
            del deps[i]
        deps.extend(kept)
    _write_checked(root, {dest_rel: _dump(yaml, data)})
    return EditResult((dest_rel,), (f"cloned {source} to {dest_id}", *notes))
