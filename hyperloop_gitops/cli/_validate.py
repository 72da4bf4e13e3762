"""`hyperloop validate` and `hyperloop schema`."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from hyperloop_gitops.cli._app import Obj, main
from hyperloop_gitops.config.repository import load_repository
from hyperloop_gitops.config.scope import find_root, in_scope
from hyperloop_gitops.diagnostics import Diagnostic


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text for people, json for programs, github for GitHub Actions annotations.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.pass_obj
def validate(obj: Obj, paths: tuple[Path, ...], output_format: str, strict: bool) -> None:
    """Check the configuration: schema, cross-references, names.

    With PATHS (files or folders of one repository), only findings in them are shown; the
    whole repository is still loaded, since references cross files. Exit status: 0 valid,
    1 invalid (or warnings with --strict), 2 usage error.
    """
    root = find_root(paths[0]) if paths else obj.repo
    started = time.perf_counter()
    result = load_repository(root)
    elapsed = time.perf_counter() - started
    shown = [d for d in result.diagnostics if in_scope(d, result.repository.root, paths)]
    hidden = len(result.diagnostics) - len(shown)
    errors = [d for d in shown if d.is_error]
    warnings = [d for d in shown if not d.is_error]
    failed = bool(errors) or (strict and bool(warnings))
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "valid": not failed,
                    "files": result.files,
                    "errors": len(errors),
                    "warnings": len(warnings),
                    "diagnostics": [d.to_json() for d in shown],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    elif output_format == "github":
        for diagnostic in shown:
            click.echo(diagnostic.format_github())
        click.echo(_summary(errors, warnings, result.files, elapsed, hidden))
    else:
        for diagnostic in shown:
            click.echo(_colour(diagnostic))
        if shown:
            click.echo()
        click.echo(_summary(errors, warnings, result.files, elapsed, hidden))
    if failed:
        raise SystemExit(1)


def _colour(diagnostic: Diagnostic) -> str:
    text = diagnostic.format()
    colour = "red" if diagnostic.is_error else "yellow"
    word = f": {diagnostic.severity}:"
    head, _, tail = text.partition(word)
    return head + click.style(word, fg=colour, bold=True) + tail


def _summary(
    errors: list[Diagnostic], warnings: list[Diagnostic], files: int, elapsed: float, hidden: int
) -> str:
    if not errors and not warnings:
        text = f"valid: {_plural(files, 'file')} checked ({elapsed:.2f} s)"
    else:
        text = (
            f"{_plural(len(errors), 'error')}, {_plural(len(warnings), 'warning')} in "
            f"{_plural(files, 'file')} ({elapsed:.2f} s)"
        )
    if hidden:
        text += f"; {hidden} more outside the given paths"
    return text


@main.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the schema files [default: schemas/ in the repository].",
)
@click.option("--check", is_flag=True, help="Only check that the committed files are fresh.")
@click.option(
    "--markdown", is_flag=True, help="Print the field reference (Markdown) instead of writing."
)
@click.pass_obj
def schema(obj: Obj, output: Path | None, check: bool, markdown: bool) -> None:
    """Write the JSON Schema of every kind of configuration file (schemas/*.schema.json).

    Config files name their schema with `# yaml-language-server: $schema=...`, so editors
    complete keys and flag mistakes as you type. When the repository has a
    docs/configuration.md with the reference markers, its field reference is regenerated too.
    """
    from hyperloop_gitops.config.docs import reference_is_fresh, render_reference, update_document
    from hyperloop_gitops.config.schema import check_schemas, write_schemas
    from hyperloop_gitops.errors import HyperloopError

    if markdown:
        click.echo(render_reference(), nl=False)
        return
    folder = output if output is not None else obj.repo / "schemas"
    document = obj.repo / "docs" / "configuration.md"
    if check:
        check_schemas(folder)
        if document.is_file() and not reference_is_fresh(document):
            raise HyperloopError(
                f"stale field reference in {document}; regenerate with `hyperloop schema`"
            )
        click.echo(f"{folder}: schemas are fresh")
        return
    for path in write_schemas(folder):
        click.echo(f"wrote {path}")
    if document.is_file() and update_document(document):
        click.echo(f"wrote {document} (field reference)")
