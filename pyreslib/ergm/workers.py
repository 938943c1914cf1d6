"""Many ERGM fits at once: whole fits (and their goodness of fit) on R worker processes.

One embedded R session computes one thing at a time.  :class:`FitPool` runs *jobs* (a
prepared fit, :meth:`pyreslib.ergm.ERGM.prepare_fit` or
:meth:`pyreslib.ergm.multi.PooledERGM.prepare_fit`, optionally followed by its goodness of
fit) on ``workers`` local R processes (a PSOCK cluster of the ``parallel`` package, started
by the embedded R, each worker loading pyreslib's R functions and ergm once)::

    with FitPool(workers=2) as pool:
        for key, model in models.items():
            pool.submit(Job(key, model.prepare_fit(seed=1), gof_nsim=50))
        for done in pool.completed():          # in the order they finish
            print(done.key, done.results.params if done.results else done.error)

How it works, and why the numbers do not depend on it:

- The main session builds each job's R objects (network, validated terms, control) and sends
  them to an idle worker; the worker runs the same R function the main session would
  (``pyreslib_fit``, inside the same ``pyreslib_call`` wrapper) and sends back the fit and
  the warnings R raised.  Every fit seeds R itself (``set.seed`` and
  ``control.ergm(seed=)``), so a job's numbers do not depend on which worker ran it or what
  ran there before: results are identical to a fit in the main session with the same seed,
  whatever the scheduling.
- The fit comes back as an R object into the main session, where the results object is
  built exactly as :meth:`~pyreslib.ergm.ERGM.fit` builds it (warnings re-issued and kept in
  ``results.warnings``), so everything after the fit (``summary``, ``mcmc_diagnostics``,
  ``anova``, ``simulate``) works as usual.
- The main session never blocks on a worker: it polls the workers' sockets every
  :attr:`FitPool.POLL` seconds, so progress is reported and a stop signal (Ctrl-C, SIGTERM)
  is acted on between polls.  Leaving the ``with`` block by an exception (the interrupt
  included) kills the workers by process id; a normal exit asks them to quit.
- What R prints during a job (ergm's progress) is written by the worker to a log file that
  the main session reads while polling and passes, line by line, to the console that a fit
  in the main session would use (:func:`pyreslib.ergm.r_console`), each line prefixed with
  the job's label.

``workers=0`` runs the jobs one after another in the main session (no worker processes),
with the same results.

A job's fit may run its MCMC chains on other hosts (``control={"parallel": ["node1",
"node2"]}``, :meth:`pyreslib.ergm.ERGM.fit`): the pool's worker that runs the job starts the
chains there and waits for them, so ``workers`` fits run at once, each with one chain per
listed host (a host listed by two running fits runs two chains).  Local worker counts are
refused in a job, since each would add R processes to the pool's own on this machine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from pyreslib.ergm import bridge
from pyreslib.ergm.model import FitCall
from pyreslib.errors import InputError, PyreslibError, RError

__all__ = ["MAX_WORKERS", "FitPool", "Job", "JobResult"]

MAX_WORKERS = 64


@dataclass
class Job:
    """One unit of work: the prepared fit ``call`` and, with ``gof_nsim`` >= 2, its goodness
    of fit (``gof_seed``, default the fit's seed; ``gof_statistics``, default statnet's for the
    network).  ``key`` identifies the job's result; ``label`` names it in progress lines."""

    key: Hashable
    call: FitCall
    label: str = ""
    gof_nsim: int = 0
    gof_seed: int | None = None
    gof_statistics: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        self.label = self.label or str(self.key)
        if self.call.parallel and not self.call.remote:
            raise InputError(f"job {self.label}: control['parallel'] starts R workers of its "
                             "own on this machine; a fit run by FitPool takes one worker, leave "
                             "it out (or list only other hosts: their chains run there while "
                             "the pool's worker waits for them).")
        self._gof_arguments = None
        if self.gof_nsim:
            from pyreslib.ergm.diagnostics import gof_arguments

            self._gof_arguments = gof_arguments(
                self.call.model, nsim=self.gof_nsim,
                seed=self.call.seed if self.gof_seed is None else self.gof_seed,
                statistics=self.gof_statistics)


@dataclass
class JobResult:
    """What a job gave: ``results`` (None if the fit failed; ``error`` says why), ``gof``
    (None if not asked for or failed; ``gof_error``), ``warnings`` (every warning of the fit,
    then of its goodness of fit, in order) and ``seconds`` (the worker's wall time for the
    job; the main session's when run in it)."""

    key: Hashable
    label: str
    results: Any = None
    error: str | None = None
    gof: Any = None
    gof_error: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


class FitPool:
    """Run :class:`Job` s on ``workers`` R worker processes (0: in the main session).

    ``on_event(kind, job, detail)`` is told ``"started"`` (detail: the worker's number, or
    0), ``"line"`` (a line R printed for the job; only when the job's fit is verbose and a
    console is active) and ``"finished"`` for each job.
    """

    POLL = 0.25  # seconds the main session waits on the workers' sockets per poll

    def __init__(self, workers: int = 2, *,
                 on_event: Callable[[str, Job, Any], None] | None = None) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or not (
                0 <= workers <= MAX_WORKERS):
            raise InputError(f"workers={workers!r}: give a number of R worker processes from 0 "
                             f"(fit in this process) to {MAX_WORKERS}.")
        self.workers = workers
        self.on_event = on_event or (lambda kind, job, detail: None)
        self._queue: deque[Job] = deque()
        self._running: dict[int, tuple[Job, Path | None]] = {}  # worker -> job, log file
        self._cluster = None
        self._pids: list[int] = []
        self._setting_up: set[int] = set()
        self._logs: Path | None = None
        self._log_read: dict[Path, int] = {}
        self._console = None

    # ---- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> Self:
        self._console = bridge.resolve_console(None)
        if self.workers:
            self._start()
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close(force=kind is not None)

    def _start(self) -> None:
        from pyreslib._resources import r_dir

        session = bridge.session()
        started = bridge.as_dict(bridge.call("pyreslib_pool_start",
                                             context=f"starting {self.workers} R workers",
                                             n=self.workers))
        self._cluster = started["cluster"]
        self._pids = [int(p) for p in bridge.as_float_array(started["pids"])]
        self._logs = Path(tempfile.mkdtemp(prefix="pyreslib-workers-"))
        setup = bridge.call("pyreslib_pool_setup_function", context="preparing the R workers")
        files = [str(r_dir() / name) for name in bridge.R_SOURCES]
        for worker in range(1, self.workers + 1):
            self._send(worker, setup, {"files": files, "libs": list(session.lib_paths)},
                       tag="setup")
            self._setting_up.add(worker)

    def close(self, *, force: bool = False) -> None:
        """Stop the workers (``force``: kill them now, by process id) and remove the logs."""
        if force:
            for pid in self._pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        if self._cluster is not None:
            cluster, self._cluster = self._cluster, None
            with contextlib.suppress(PyreslibError, KeyboardInterrupt):
                bridge.call("pyreslib_pool_stop", context="stopping the R workers",
                            cluster=cluster)
        self._pids = []
        if self._logs is not None:
            shutil.rmtree(self._logs, ignore_errors=True)
            self._logs = None

    # ---- jobs ------------------------------------------------------------------------------

    def submit(self, job: Job) -> None:
        """Queue ``job``; jobs start in the order submitted, each on the next idle worker."""
        self._queue.append(job)

    def pending(self) -> int:
        """Jobs submitted and not yet handed out by :meth:`completed`."""
        return len(self._queue) + len(self._running)

    def completed(self) -> Iterator[JobResult]:
        """Yield each submitted job's result as it finishes (jobs submitted while iterating
        are run too), until none is left."""
        if not self.workers:
            while self._queue:
                yield self._run_here(self._queue.popleft())
            return
        while self._queue or self._running or self._setting_up:
            self._dispatch()
            answer = bridge.call("pyreslib_pool_poll", context="waiting for the R workers",
                                 cluster=self._cluster,
                                 busy=[float(w) for w in self._busy()], timeout=self.POLL)
            self._read_logs()
            if bridge.is_null(answer):
                continue
            if isinstance(answer[0], str):  # R took Ctrl-C while it waited (r/workers.R)
                raise KeyboardInterrupt("interrupted while waiting for the R workers")
            parts = bridge.as_dict(answer)
            worker = int(bridge.as_float(parts["node"]))
            if not bool(parts["success"][0]):
                raise RError(f"an R worker failed: {_worker_error(parts['value'])}")
            if worker in self._setting_up:
                self._setting_up.discard(worker)
                continue
            job, log = self._running.pop(worker)
            self._read_logs()
            yield self._finish(job, bridge.as_dict(parts["value"]))
            if log is not None:
                self._log_read.pop(log, None)
                with contextlib.suppress(OSError):
                    log.unlink()

    def _busy(self) -> list[int]:
        return sorted(set(self._running) | self._setting_up)

    def _dispatch(self) -> None:
        for worker in range(1, self.workers + 1):
            if not self._queue:
                return
            if worker in self._running:
                continue
            job = self._queue.popleft()
            log = None
            if job.call.level > 0 and self._console is not False:
                log = self._logs / f"job-{id(job)}.log"
                self._log_read[log] = 0
            then = []
            if job._gof_arguments is not None:
                then.append({"fun": "pyreslib_gof", "args": job._gof_arguments})
            self._send(worker, "pyreslib_worker_run",
                       {"fun": job.call.function, "args": bridge.named_list(job.call.build()),
                        "log": str(log) if log else None, "then": then}, tag="job")
            self._running[worker] = (job, log)
            self.on_event("started", job, worker)

    def _send(self, worker: int, function, args: dict[str, Any], tag: str) -> None:
        bridge.call("pyreslib_pool_send", context="sending work to an R worker",
                    cluster=self._cluster, i=worker, fun=function,
                    args=bridge.named_list(args), tag=tag)

    def _read_logs(self) -> None:
        for worker, (job, log) in list(self._running.items()):
            if log is None or not log.exists():
                continue
            with open(log, "rb") as handle:
                handle.seek(self._log_read[log])
                chunk = handle.read()
            # a line ends with a newline, or with a carriage return (ergm's progress bars
            # redraw one line)
            end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) + 1
            if not end:
                continue
            self._log_read[log] += end
            for line in chunk[:end].decode("utf-8", "replace").splitlines():
                if line.strip():
                    self._show(job, line)

    def _show(self, job: Job, line: str) -> None:
        self.on_event("line", job, line)
        bridge.show_console_line(self._console, f"[{job.label}] {line}")

    # ---- turning answers into results -----------------------------------------------------

    def _finish(self, job: Job, value: dict[str, Any]) -> JobResult:
        done = JobResult(job.key, job.label, seconds=bridge.as_float(value["seconds"]))
        with bridge.collect_warnings() as messages:
            try:
                fitted = bridge.deliver(value["main"], context=job.call.context)
            except RError as exc:
                done.error = str(job.call.explain(exc))
            else:
                try:
                    done.results = job.call.finish(fitted, messages)
                except PyreslibError as exc:
                    done.error = str(exc)
        done.warnings = list(messages)
        followed = list(value["then"])
        if done.results is not None and followed:
            self._finish_gof(job, done, followed[0])
        self.on_event("finished", job, done)
        return done

    def _finish_gof(self, job: Job, done: JobResult, value) -> None:
        from pyreslib.ergm.diagnostics import gof_context, gof_results

        with bridge.collect_warnings() as messages:
            try:
                gof = bridge.deliver(value, context=gof_context(done.results))
            except RError as exc:
                done.gof_error = str(exc)
            else:
                done.gof = gof_results(gof, job._gof_arguments, done.results.formula)
        done.warnings += messages

    def _run_here(self, job: Job) -> JobResult:
        """Run ``job`` in the main session (``workers=0``), as :meth:`ERGM.fit` would."""
        self.on_event("started", job, 0)
        started = time.perf_counter()
        done = JobResult(job.key, job.label)
        shown = (bridge.console_output(_Prefixed(job, self))
                 if job.call.level > 0 and self._console is not False
                 else contextlib.nullcontext())
        with bridge.collect_warnings() as messages:
            with shown:
                try:
                    fitted = bridge.call(job.call.function, context=job.call.context,
                                         **job.call.build())
                except RError as exc:
                    done.error = str(job.call.explain(exc))
            if done.error is None:
                try:
                    done.results = job.call.finish(fitted, messages)
                except PyreslibError as exc:
                    done.error = str(exc)
        done.warnings = list(messages)
        if done.results is not None and job._gof_arguments is not None:
            from pyreslib.ergm.diagnostics import gof_context, gof_results

            with bridge.collect_warnings() as messages:
                try:
                    gof = bridge.call("pyreslib_gof", context=gof_context(done.results),
                                      fit=done.results._r_fit, **job._gof_arguments)
                except RError as exc:
                    done.gof_error = str(exc)
                else:
                    done.gof = gof_results(gof, job._gof_arguments, done.results.formula)
            done.warnings += messages
        done.seconds = time.perf_counter() - started
        self.on_event("finished", job, done)
        return done


class _Prefixed:
    """A console function for a job run in the main session: its lines, labelled, to the
    pool's console and its observer."""

    def __init__(self, job: Job, pool: FitPool) -> None:
        self.job, self.pool = job, pool

    def __call__(self, line: str) -> None:
        self.pool._show(self.job, line)


def _worker_error(value) -> str:
    try:
        return " ".join(str(value[0]).split())
    except (IndexError, TypeError):
        return "no message"
