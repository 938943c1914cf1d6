"""Progress of long work, told to an observer that the caller chooses.

The computation (:mod:`pyreslib.analysis`) and the writer (:mod:`pyreslib.outputs`) know nothing
about how progress is shown.  They go through named *steps* ("ingest", "ERGM fits",
"figures", ...), each with a number of units (stages, fits, figures), and tell a
:class:`Progress` observer when a step starts, what it is working on, when a unit is done and
when the step has finished.  The command line shows this with rich progress bars
(:mod:`pyreslib.cli.run`); a script can pass its own observer (a log, a notebook widget) or
none::

    class Log(Progress):
        def finished(self, step):
            print("done:", step)

    result = analysis.run("study.toml", progress=Log())

A step that fails does not report ``finished``: the exception reaches the caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Progress", "Step", "step"]


class Progress:
    """Observer of a run's steps.  Every method does nothing: override those you need."""

    def started(self, step: str, total: int) -> None:
        """``step`` begins; it has ``total`` units (at least 1)."""

    def working_on(self, step: str, detail: str) -> None:
        """``step`` is now working on ``detail`` (e.g. "ERGM study on stage 2015-2017")."""

    def advanced(self, step: str, detail: str = "") -> None:
        """One unit of ``step`` is done (``detail``: which)."""

    def finished(self, step: str) -> None:
        """``step`` has finished, every unit done."""


class Step:
    """A running step, as the computation sees it: :meth:`advance` and :meth:`describe`."""

    def __init__(self, observer: Progress, name: str):
        self._observer = observer
        self.name = name

    def advance(self, detail: str = "") -> None:
        """One unit done."""
        self._observer.advanced(self.name, detail)

    def describe(self, detail: str) -> None:
        """Say what the step is working on now."""
        self._observer.working_on(self.name, detail)


_SILENT = Progress()


@contextmanager
def step(progress: Progress | None, name: str, total: int = 1) -> Iterator[Step]:
    """Run the body as step ``name`` of ``total`` units, told to ``progress`` (None: nobody)."""
    observer = progress or _SILENT
    observer.started(name, max(int(total), 1))
    yield Step(observer, name)
    observer.finished(name)
