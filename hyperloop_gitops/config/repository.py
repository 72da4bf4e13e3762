"""Loading a whole configuration repository into one validated, cross-referenced snapshot."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hyperloop_gitops.collector import collector_paused
from hyperloop_gitops.config.discover import SETTINGS_FILE, Source, discover
from hyperloop_gitops.config.messages import translate
from hyperloop_gitops.config.yamlload import MAX_FILE_BYTES, PositionIndex, parse, resolve
from hyperloop_gitops.diagnostics import Diagnostic, sort_diagnostics
from hyperloop_gitops.errors import ConfigError, NotFoundError
from hyperloop_gitops.model import Analysis, Dataset, Runlist, Settings, Wagon
from hyperloop_gitops.model.wagon import qualify

T = TypeVar("T")

MODELS: dict[str, type[BaseModel]] = {
    "settings": Settings,
    "analysis": Analysis,
    "wagon": Wagon,
    "dataset": Dataset,
    "runlist": Runlist,
}


@dataclass(frozen=True)
class Repository:
    """One validated snapshot of the configuration. Entities that failed to load are absent."""

    root: Path
    settings: Settings
    analyses: Mapping[str, Analysis]
    wagons: Mapping[str, Wagon]
    datasets: Mapping[str, Dataset]
    runlists: Mapping[str, Runlist]
    sources: Mapping[tuple[str, str], Source] = field(repr=False)
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)
    file_digests: Mapping[str, Mapping[str, str]] = field(repr=False, default_factory=dict)
    """The sha256 of each loaded file's bytes, by kind then key (as :attr:`sources` is keyed):
    what a cache of values derived from a file checks before serving one (see
    ``train.compositions``, which compares all the wagons' at once)."""
    _memo: dict[Hashable, Any] = field(repr=False, compare=False, init=False, default_factory=dict)
    """Values derived from this snapshot, computed once (see :meth:`memo`)."""
    _tables: dict[str, dict[Hashable, Any]] = field(
        repr=False, compare=False, init=False, default_factory=dict
    )
    """The tables of :meth:`memo_table`, by name."""

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()``, computed once per ``key`` for this repository.

        A repository is an immutable snapshot, so what is derived from it never goes stale:
        the reconciler derives the same closures and wagon instances for tens of thousands
        of requests. ``build`` must return a value nobody mutates (a tuple, a frozen object).
        """
        if key in self._memo:
            return self._memo[key]  # type: ignore[no-any-return]
        value = self._memo[key] = build()
        return value

    def memo_table(self, name: str) -> dict[Hashable, Any]:
        """A dict kept for this repository under ``name``: for derived values looked up
        hundreds of thousands of times, where a plain ``dict.get`` beats :meth:`memo`."""
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = {}
        return table

    def path_of(self, kind: str, name: str) -> str:
        """The repository-relative file of an entity (``name`` is ``analysis/wagon`` for wagons)."""
        source = self.sources.get((kind, name))
        if source is not None:
            return source.path
        if kind == "wagon":
            analysis, wagon = name.split("/", 1)
            return f"config/analyses/{analysis}/wagons/{wagon}.yaml"
        if kind == "analysis":
            return f"config/analyses/{name}/analysis.yaml"
        if kind == "settings":
            return SETTINGS_FILE
        return f"config/{kind}s/{name}.yaml"

    def wagon(self, wagon_id: str) -> Wagon:
        try:
            return self.wagons[wagon_id]
        except KeyError:
            from hyperloop_gitops.config.yamlload import suggest

            raise NotFoundError(
                f"no wagon '{wagon_id}'{suggest(wagon_id, list(self.wagons))}"
            ) from None

    def dataset(self, name: str) -> Dataset:
        try:
            return self.datasets[name]
        except KeyError:
            from hyperloop_gitops.config.yamlload import suggest

            raise NotFoundError(
                f"no dataset '{name}'{suggest(name, list(self.datasets))}"
            ) from None

    def analysis_of(self, wagon_id: str) -> Analysis:
        return self.analyses[wagon_id.split("/", 1)[0]]

    def dependencies_of(self, wagon_id: str) -> list[str]:
        """Direct dependencies as ``analysis/wagon`` ids."""
        return list(self.memo(("dependencies", wagon_id), lambda: self._dependencies(wagon_id)))

    def _dependencies(self, wagon_id: str) -> tuple[str, ...]:
        analysis = wagon_id.split("/", 1)[0]
        return tuple(qualify(ref, analysis) for ref in self.wagons[wagon_id].dependencies)

    def dependency_closure(self, wagon_id: str) -> list[str]:
        """The wagon and everything it needs, dependencies first (a topological order)."""
        return list(self.memo(("closure", wagon_id), lambda: self._closure(wagon_id)))

    def _closure(self, wagon_id: str) -> tuple[str, ...]:
        order: list[str] = []
        seen: set[str] = set()

        def visit(current: str, stack: tuple[str, ...]) -> None:
            if current in seen or current in stack or current not in self.wagons:
                return
            for dependency in self.dependencies_of(current):
                visit(dependency, (*stack, current))
            seen.add(current)
            order.append(current)

        visit(wagon_id, ())
        return tuple(order)

    def dependents_of(self, wagon_id: str) -> list[str]:
        """Wagons that need this one, directly or through others, sorted."""
        reverse = self.memo("reverse-dependencies", self._reverse_dependencies)
        found: set[str] = set()
        todo = [wagon_id]
        while todo:
            for dependent in reverse.get(todo.pop(), ()):
                if dependent not in found:
                    found.add(dependent)
                    todo.append(dependent)
        found.discard(wagon_id)
        return sorted(found)

    def _reverse_dependencies(self) -> dict[str, frozenset[str]]:
        reverse: dict[str, set[str]] = {}
        for other in self.wagons:
            for dependency in self.dependencies_of(other):
                reverse.setdefault(dependency, set()).add(other)
        return {wagon: frozenset(users) for wagon, users in reverse.items()}

    def runs_of(self, dataset_name: str) -> list[int]:
        """The runs a dataset uses: its runlists' runs minus excluded runs, in runlist order."""
        runs: list[int] = []
        for production in self.datasets[dataset_name].productions:
            runlist = self.runlists.get(production.runlist)
            if runlist is None:
                continue
            excluded = set(production.exclude_runs)
            runs.extend(r for r in runlist.runs if r not in excluded and r not in runs)
        return runs

    def is_member(self, login: str, analysis: str) -> bool:
        return login in self.analyses[analysis].members


@dataclass(frozen=True)
class LoadResult:
    """A repository and every finding of loading it."""

    repository: Repository
    diagnostics: list[Diagnostic]
    files: int = 0

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


Reporter = Callable[..., None]


def load_repository(
    root: Path,
    *,
    overlay: Mapping[str, bytes | None] | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> LoadResult:
    """Load and check every configuration file under ``root``.

    ``overlay`` maps repository-relative paths to new content (``None`` deletes a file): the
    editing commands validate a change this way before writing anything.
    """
    with collector_paused():
        return _load(root, overlay, max_file_bytes)


def _load(
    root: Path, overlay: Mapping[str, bytes | None] | None, max_file_bytes: int
) -> LoadResult:
    from hyperloop_gitops.config.checks import check_repository

    root = root.resolve()
    sources, diagnostics = discover(root)
    if overlay:
        sources = _apply_overlay(sources, overlay)
    texts: dict[str, str] = {}
    positions = PositionIndex(texts)
    pending: list[tuple[str, tuple[str | int, ...], str, str, bool]] = []

    def report(
        file: str,
        path: tuple[str | int, ...],
        message: str,
        *,
        severity: str = "error",
        code: str = "",
        at_key: bool = False,
    ) -> None:
        pending.append((file, path, message, severity + "|" + code, at_key))

    entities: dict[str, dict[str, Any]] = {k: {} for k in MODELS}
    raw: dict[str, Any] = {}
    digests: dict[str, dict[str, str]] = {}
    for source in sources:
        content = overlay.get(source.path) if overlay and source.path in overlay else None
        if content is None:
            try:
                content = (root / source.path).read_bytes()
            except OSError as exc:
                diagnostics.append(
                    Diagnostic(source.path, 0, 0, "error", f"cannot read: {exc.strerror}")
                )
                continue
        parsed = parse(source.path, content, max_bytes=max_file_bytes)
        digests.setdefault(source.kind, {})[source.key] = hashlib.sha256(content).hexdigest()
        texts[source.path] = parsed.text
        diagnostics.extend(parsed.diagnostics)
        if parsed.data is None:
            continue
        raw[source.path] = parsed.data
        model = MODELS[source.kind]
        if not isinstance(parsed.data, dict):
            report(
                source.path,
                (),
                f"expected a mapping of keys at the top of the file, found "
                f"{'a list' if isinstance(parsed.data, list) else repr(parsed.data)}",
                code="type",
            )
            continue
        try:
            entity = model.model_validate(parsed.data)
        except ValidationError as error:
            for path, message, at_key in translate(error, model):
                report(source.path, path, message, code="schema", at_key=at_key)
            continue
        entities[source.kind][source.key] = entity

    settings_list = list(entities["settings"].values())
    settings = settings_list[0] if settings_list else Settings()
    # Without a config/ folder there is no repository to default the settings of.
    no_config = any(d.code == "no-config" for d in diagnostics)
    if not no_config and not any(s.kind == "settings" for s in sources):
        report(
            SETTINGS_FILE,
            (),
            "no config/hyperloop.yaml: using the default policy, and no admins, operators or "
            "DPG experts",
            severity="warning",
            code="no-settings",
        )
    repository = Repository(
        root=root,
        settings=settings,
        analyses=entities["analysis"],
        wagons=entities["wagon"],
        datasets=entities["dataset"],
        runlists=entities["runlist"],
        sources={(s.kind, s.key): s for s in sources},
        raw=raw,
        file_digests=digests,
    )
    check_repository(repository, report)
    for file, path, message, kind, at_key in pending:
        severity, code = kind.split("|", 1)
        diagnostics.append(
            resolve(positions, file, path, message, severity=severity, code=code, at_key=at_key)
        )
    return LoadResult(repository, sort_diagnostics(diagnostics), files=len(sources))


def _apply_overlay(sources: list[Source], overlay: Mapping[str, bytes | None]) -> list[Source]:
    from hyperloop_gitops.config.discover import classify_path

    by_path = {s.path: s for s in sources}
    for path, content in overlay.items():
        if content is None:
            by_path.pop(path, None)
            continue
        source = classify_path(path)
        if source is not None:
            by_path[path] = source
    return [by_path[p] for p in sorted(by_path)]


def load_valid_repository(root: Path) -> Repository:
    """The repository, or a ``ConfigError`` listing every error when it does not validate."""
    result = load_repository(root)
    if not result.ok:
        raise ConfigError(result.diagnostics)
    return result.repository
