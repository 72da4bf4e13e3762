"""The client-side search index: ``static/search-index.js``.

A script (not a ``.json`` fetched at run time) because browsers refuse ``fetch()`` of local
files: loaded with a ``<script>`` tag, the index works from ``file://`` as well as over HTTP.
Entries: ``[kind, name, text searched besides the name, url from the site root]``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hyperloop_gitops.site.builder import Writer


def build(writer: Writer) -> None:
    """Write the index of analyses, wagons, datasets, runlists and trains."""
    repo = writer.data.repository
    entries: list[list[str]] = []
    for name in sorted(repo.analyses):
        a = repo.analyses[name]
        entries.append(
            [
                "analysis",
                name,
                f"{a.pwg} {a.pag or ''} {a.description} " + " ".join(a.members),
                f"analyses/{name}.html",
            ]
        )
    for wagon_id in sorted(repo.wagons):
        w = repo.wagons[wagon_id]
        entries.append(
            ["wagon", wagon_id, f"{w.workflow} {w.description}", f"wagons/{wagon_id}.html"]
        )
    for name in sorted(repo.datasets):
        d = repo.datasets[name]
        periods = " ".join(p.period for p in d.productions)
        entries.append(
            [
                "dataset",
                name,
                f"{d.type} {d.collision_system} {periods} {d.description}",
                f"datasets/{name}.html",
            ]
        )
    for name in sorted(repo.runlists):
        r = repo.runlists[name]
        entries.append(
            [
                "runlist",
                name,
                f"{r.label} {r.period} {r.collision_system}",
                f"runlists.html#runlist-{name}",
            ]
        )
    for train in writer.data.trains:
        entries.append(
            [
                "train",
                train.id,
                f"{train.dataset} {train.state} {train.package_tag}",
                f"trains/{train.id}.html",
            ]
        )
    text = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    # "</" inside a script must not close it early.
    writer.write_text(
        "static/search-index.js", "window.HYPERLOOP_INDEX = " + text.replace("</", "<\\/") + ";\n"
    )
