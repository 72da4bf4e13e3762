"""The task API: what an analysis task declares and what it sees of each chunk of data.

A task is a class with class-level declarations (``reads``, ``requires``, ``produces``,
``derived_tables``, ``configurables``) and three methods: ``setup`` (book histograms),
``process`` (called once per data frame with a ``FrameView``) and ``finish``. The train reads
the union of every task's ``reads`` once per data frame and hands the same arrays to each task.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

import boost_histogram as bh
import hist
import numpy as np
import numpy.typing as npt

from hyperloop_gitops.errors import WorkflowError
from hyperloop_gitops.runtime.configurables import Binning, Configurable

Array = npt.NDArray[Any]
T = TypeVar("T")


class TaskHist(hist.Hist[Any], family=hist):
    """The histograms tasks book: a ``hist.Hist`` whose positional ``fill`` skips hist's checks.

    ``hist.Hist.fill`` resolves named axes and checks the storage kind on every call, about
    30 us — more than filling 10k values, and paid per histogram per data frame. Booked
    histograms have Double storage, so a positional fill goes straight to boost-histogram's;
    named axes (``fill(x=...)``) and samples still take hist's path.
    """

    def fill(
        self,
        *args: Any,
        weight: Any = None,
        sample: Any = None,
        threads: int | None = None,
        **kwargs: Any,
    ) -> TaskHist:
        if kwargs or sample is not None:
            return super().fill(*args, weight=weight, sample=sample, threads=threads, **kwargs)
        return bh.Histogram.fill(self, *args, weight=weight, threads=threads)


class Task:
    """Base class of analysis tasks. Subclasses set the class attributes and ``process``.

    - ``name``: the workflow name wagons use (``workflow: pt-spectrum``) and the device name;
    - ``reads``: tree name -> branch names read (``{"O2track_iu": ("fSigned1Pt",)}``);
    - ``requires``: products of other tasks needed (``"collision.selected"``), which one of the
      wagon's dependencies must produce;
    - ``produces``: products this task publishes for dependents (arrays, one per row);
    - ``derived_tables``: tree name -> column -> dtype of derived data it can write;
    - ``derived_indices``: derived tree -> index column -> the derived tree it points into
      (so merged output data frames keep indices right);
    - ``configurables``: its options, with types, defaults and descriptions.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    reads: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    requires: ClassVar[tuple[str, ...]] = ()
    produces: ClassVar[tuple[str, ...]] = ()
    derived_tables: ClassVar[Mapping[str, Mapping[str, str]]] = {}
    derived_indices: ClassVar[Mapping[str, Mapping[str, str]]] = {}
    configurables: ClassVar[tuple[Configurable, ...]] = ()

    def __init__(self, options: Mapping[str, object]) -> None:
        self.options = dict(options)
        self.histograms: dict[str, hist.Hist[Any]] = {}
        self.setup()

    def setup(self) -> None:
        """Book histograms (``self.h1`` / ``self.h2``); called once before any data."""

    def process(self, frame: FrameView) -> None:
        """Analyse one data frame."""
        raise NotImplementedError

    def finish(self) -> None:
        """Called once after the last data frame (e.g. to normalise)."""

    # Typed access to resolved options.
    def opt_float(self, name: str) -> float:
        return float(self.options[name])  # type: ignore[arg-type]

    def opt_int(self, name: str) -> int:
        value = self.options[name]
        assert isinstance(value, int)
        return value

    def opt_bool(self, name: str) -> bool:
        return bool(self.options[name])

    def opt_str(self, name: str) -> str:
        return str(self.options[name])

    def opt_binning(self, name: str) -> Binning:
        value = self.options[name]
        assert isinstance(value, Binning)
        return value

    def h1(self, name: str, title: str, x: Binning, xlabel: str = "") -> hist.Hist[Any]:
        """Book a TH1D named ``name``."""
        h = TaskHist(_axis(x, "x", xlabel), storage=hist.storage.Double())
        return self._book(name, title, h)

    def h2(
        self,
        name: str,
        title: str,
        x: Binning,
        y: Binning,
        *,
        xlabel: str = "",
        ylabel: str = "",
    ) -> hist.Hist[Any]:
        """Book a TH2D named ``name``."""
        h = TaskHist(_axis(x, "x", xlabel), _axis(y, "y", ylabel), storage=hist.storage.Double())
        return self._book(name, title, h)

    def _book(self, name: str, title: str, h: hist.Hist[Any]) -> hist.Hist[Any]:
        h.name = name
        h.title = title  # type: ignore[attr-defined]  # uproot writes it as fTitle
        self.histograms[name] = h
        return h


def _axis(binning: Binning, name: str, label: str) -> Any:
    if binning.regular:
        return hist.axis.Regular(
            binning.bins, binning.edges[0], binning.edges[-1], name=name, label=label
        )
    return hist.axis.Variable(list(binning.edges), name=name, label=label)


def fixed(bins: int, low: float, high: float) -> Binning:
    """A regular binning, for histograms whose binning is not configurable."""
    edges = np.linspace(low, high, bins + 1)
    return Binning(tuple(float(e) for e in edges), regular=True)


class Frame:
    """One data frame as the train read it: columns of every table, shared by all tasks."""

    def __init__(self, *, file: str, name: str, tables: Mapping[str, Mapping[str, Array]]) -> None:
        self.file = file
        self.name = name
        self.tables = tables
        self.products: dict[tuple[str, str], Array] = {}
        self.cache: dict[str, object] = {}
        self.derived: dict[str, dict[str, dict[str, Array]]] = {}


class FrameView:
    """What one task instance sees of a ``Frame``: only what it declared.

    Asking for an undeclared column is an error, so the train's read list (the union of
    declarations) is always complete.
    """

    def __init__(self, frame: Frame, task: Task, device: str, providers: Mapping[str, str]) -> None:
        self._frame = frame
        self._task = task
        self._device = device
        self._providers = providers

    @property
    def name(self) -> str:
        """The data frame's directory name (``DF_...``)."""
        return self._frame.name

    @property
    def file(self) -> str:
        return self._frame.file

    def column(self, table: str, column: str) -> Array:
        """The branch ``column`` of tree ``table`` in this data frame (read-only)."""
        if column not in self._task.reads.get(table, ()):
            raise WorkflowError(
                f"task '{self._task.name}' reads {table}.{column} without declaring it in `reads`"
            )
        return self._frame.tables[table][column]

    def rows(self, table: str) -> int:
        """Number of rows of ``table`` (the task must read at least one of its columns)."""
        columns = self._task.reads.get(table, ())
        if not columns:
            raise WorkflowError(f"task '{self._task.name}' does not read table {table}")
        return len(self._frame.tables[table][columns[0]])

    def product(self, name: str) -> Array:
        """A product of one of the wagon's dependencies (``requires`` must list it)."""
        if name not in self._task.requires:
            raise WorkflowError(f"task '{self._task.name}' uses '{name}' without requiring it")
        return self._frame.products[(self._providers[name], name)]

    def provider(self, name: str) -> str:
        """The device that produces ``name`` for this task (to key shared caches)."""
        if name not in self._task.requires:
            raise WorkflowError(f"task '{self._task.name}' uses '{name}' without requiring it")
        return self._providers[name]

    def produce(self, name: str, array: Array) -> None:
        """Publish a product for dependents (``produces`` must list it)."""
        if name not in self._task.produces:
            raise WorkflowError(f"task '{self._task.name}' produces '{name}' without declaring it")
        array.setflags(write=False)
        self._frame.products[(self._device, name)] = array

    def write(self, table: str, columns: Mapping[str, Array]) -> None:
        """Write rows of a derived table (kept only when the wagon has derived data enabled)."""
        declared = self._task.derived_tables.get(table)
        if declared is None or set(columns) != set(declared):
            raise WorkflowError(
                f"task '{self._task.name}' writes {table} with columns {sorted(columns)}, "
                f"not as declared in `derived_tables`"
            )
        self._frame.derived.setdefault(self._device, {})[table] = dict(columns)

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """A value computed once per frame and shared by every task (e.g. track pT).

        ``key`` must name everything the value depends on (the selections' devices, the cuts),
        so that whichever task computes it first, all get the same. Arrays, alone or in a
        tuple, are made read-only.
        """
        if key not in self._frame.cache:
            value = compute()
            for item in value if isinstance(value, tuple) else (value,):
                if isinstance(item, np.ndarray):
                    item.setflags(write=False)
            self._frame.cache[key] = value
        return self._frame.cache[key]  # type: ignore[return-value]
