"""``hyperloop wagon export-config`` / ``import-config``: a wagon's configuration as O2 JSON.

The commands attach to the ``wagon`` group when one is registered already (cli/_wagon.py);
otherwise this module registers a minimal ``wagon`` group of its own. Import this module
after cli/_wagon.py in cli/__init__.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from hyperloop_gitops.cli._app import Obj, main
from hyperloop_gitops.config import Repository, load_repository
from hyperloop_gitops.train.wagon_config import (
    ConfigImportError,
    export_text,
    import_wagon_config,
)


def _wagon_group() -> click.Group:
    existing = main.commands.get("wagon")
    if isinstance(existing, click.Group):
        return existing

    @main.group("wagon")
    def wagon() -> None:
        """Work with wagons."""

    return wagon


def _repository(obj: Obj) -> Repository:
    # A broken file elsewhere must not stop exporting or importing this wagon: the wagon
    # itself must load, and import validates its own file before writing.
    return load_repository(obj.repo).repository


@click.command("export-config")
@click.argument("wagon_id", metavar="ANALYSIS/WAGON")
@click.option("--subwagon", default=None, help="Export this subwagon (base with its overrides).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
@click.pass_obj
def export_config(obj: Obj, wagon_id: str, subwagon: str | None, output: Path | None) -> None:
    """Print a wagon's configuration as O2 configuration JSON (Hyperloop's JSON download)."""
    text = export_text(_repository(obj), wagon_id, subwagon)
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


@click.command("import-config")
@click.argument("wagon_id", metavar="ANALYSIS/WAGON")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_config(obj: Obj, wagon_id: str, file: Path) -> None:
    """Replace a wagon's configuration with an O2 configuration JSON (Hyperloop's upload).

    Values keep the types the wagon had; comments and formatting of the YAML are kept; the
    result is validated before the file is written.
    """
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ConfigImportError(
            f"{file}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
        ) from error
    except UnicodeDecodeError as error:
        raise ConfigImportError(f"{file}: not UTF-8 text ({error.reason})") from error
    repository = _repository(obj)
    result = import_wagon_config(repository, wagon_id, data)
    relative = repository.path_of("wagon", wagon_id)
    if result.ignored_devices:
        click.echo(
            "ignored devices of the framework and of the wagon's dependencies: "
            + ", ".join(result.ignored_devices),
            err=True,
        )
    devices = len(result.imported_devices)
    noun = "device" if devices == 1 else "devices"
    if result.changed:
        click.echo(f"updated {relative} ({devices} {noun})")
    else:
        click.echo(f"unchanged {relative}: it already has this configuration ({devices} {noun})")


_group = _wagon_group()
_group.add_command(export_config)
_group.add_command(import_config)
