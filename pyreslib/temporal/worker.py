"""The R worker processes that fit temporal models, apart from the session that fits ERGMs.

Loading btergm or tergm changes what ergm does in that R session: btergm registers its own
``print.gof``/``plot.gof`` over ergm's and an S4 ``gof`` generic, and tergm registers its
own ``simulate_formula.network``.  So neither is ever loaded in the embedded session
(:mod:`pyreslib.ergm.bridge`) that fits ERGMs: each runs in an R worker of its own, one
``Rscript`` process per package (``"btergm"``, ``"tergm"``), started on first use from the
embedded session (a PSOCK node, ``r/workers.R``) and kept for later calls.

A call sends the name of a ``pyreslib_*`` function (``r/btergm.R``, ``r/tergm.R``) and its
arguments (plain vectors, matrices and lists, built from validated input); the worker runs it
inside ``pyreslib_call`` exactly as the embedded session would and sends back a plain list.
A fit that later calls need (btergm's GOF, tie probabilities) comes back serialized, as raw
bytes the embedded session never unserializes; the worker unserializes it when it is sent
back.  Every function seeds R's generator itself, so a result does not depend on what ran on
the worker before.

The embedded session polls the worker's socket every :data:`POLL` seconds, so Ctrl-C stops a
long bootstrap: the worker is killed by its process id, and the next call starts a new one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import Any

from pyreslib.ergm import bridge
from pyreslib.errors import PyreslibError, RError

__all__ = ["PACKAGES", "POLL", "call", "loaded_in_session", "raw", "stop", "to_bytes"]

POLL = 0.25
PACKAGES = ("btergm", "tergm")

_lock = threading.RLock()
_workers: dict[str, _Worker] = {}


class _Worker:
    """One R worker process (a one-node PSOCK cluster of the embedded session)."""

    def __init__(self, package: str) -> None:
        from pyreslib._resources import r_dir

        session = bridge.session()
        started = bridge.as_dict(bridge.call("pyreslib_pool_start",
                                             context=f"starting the R worker for {package}",
                                             n=1))
        self.package = package
        self.cluster = started["cluster"]
        self.pid = int(bridge.as_float(started["pids"]))
        try:
            setup = bridge.call("pyreslib_pool_setup_function",
                                context=f"preparing the R worker for {package}")
            files = [str(r_dir() / name) for name in bridge.R_SOURCES]
            self._send(setup, {"files": files, "libs": list(session.lib_paths)}, "setup")
            self._wait(f"preparing the R worker for {package}")
        except BaseException:
            self.kill()
            raise

    def _send(self, function: Any, args: dict[str, Any], tag: str) -> None:
        bridge.call("pyreslib_pool_send", context=f"sending work to the {self.package} worker",
                    cluster=self.cluster, i=1, fun=function, args=bridge.named_list(args),
                    tag=tag)

    def _wait(self, context: str):
        while True:
            answer = bridge.call("pyreslib_pool_poll", context=context, cluster=self.cluster,
                                 busy=[1.0], timeout=POLL)
            if bridge.is_null(answer):
                continue
            if isinstance(answer[0], str):  # R took Ctrl-C while it waited (r/workers.R)
                raise KeyboardInterrupt(f"interrupted while {context}")
            parts = bridge.as_dict(answer)
            if not bool(parts["success"][0]):
                raise RError(f"the R worker for {self.package} failed while {context}: "
                             f"{' '.join(str(parts['value'][0]).split())}")
            return parts["value"]

    def run(self, function: str, context: str, kwargs: dict[str, Any]):
        try:
            self._send("pyreslib_worker_run", {"fun": function,
                                               "args": bridge.named_list(kwargs),
                                               "log": None, "then": []}, "job")
        except RError as exc:  # the worker is gone (killed, crashed): nothing was started
            raise _NotSent(str(exc)) from None
        try:
            value = bridge.as_dict(self._wait(context))
        except RError as exc:
            raise _Lost(f"the R worker for {self.package} stopped while {context} ({exc}); "
                        "it is started afresh on the next call") from None
        return bridge.deliver(value["main"], context=context, stacklevel=5)

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(PyreslibError, KeyboardInterrupt):
            bridge.call("pyreslib_pool_stop", context="stopping an R worker",
                        cluster=self.cluster)

    def close(self) -> None:
        with contextlib.suppress(PyreslibError, KeyboardInterrupt):
            bridge.call("pyreslib_pool_stop", context="stopping an R worker",
                        cluster=self.cluster)


def call(package: str, function: str, *, context: str, **kwargs: Any):
    """Run ``function`` (of ``r/btergm.R`` or ``r/tergm.R``) on ``package``'s worker with
    the converted ``kwargs``; R's warnings are issued as Python warnings, an R error raises
    :class:`~pyreslib.errors.RError` naming ``context`` (as :func:`pyreslib.ergm.bridge.call`).
    An interrupt (or any failure of the worker itself) kills the worker; the next call starts
    a fresh one."""
    if package not in PACKAGES:
        raise ValueError(f"no R worker for {package!r}")
    with _lock:
        for attempt in (1, 2):
            worker = _workers.get(package)
            if worker is None:
                worker = _workers[package] = _Worker(package)
            try:
                return worker.run(function, context, kwargs)
            except _NotSent:
                # a worker that died since its last call: start a new one and send the call
                # there (every call seeds R itself, so the answer is the same)
                _workers.pop(package, None)
                worker.kill()
                if attempt == 2:
                    raise
            except _Lost:
                _workers.pop(package, None)
                worker.kill()
                raise
            except RError:  # R's own error in the call: the worker is fine
                raise
            except BaseException:  # an interrupt: the worker may be mid-computation
                _workers.pop(package, None)
                worker.kill()
                raise
        raise AssertionError("unreachable")


class _NotSent(RError):
    """The call could not be sent: the worker process is gone."""


class _Lost(RError):
    """The worker process stopped during the call."""


def raw(data: bytes):
    """``data`` as an R raw vector (a serialized fit going back to its worker), copied in one
    block (rpy2's ByteVector(data) would convert it byte by byte)."""
    import rpy2.rinterface as ri

    bridge.session()
    return ri.ByteSexpVector.from_memoryview(memoryview(data))


def to_bytes(rvector) -> bytes:
    """An R raw vector (a serialized fit) as Python bytes, copied in one block: iterating
    over it, as ``bytes(rvector)`` does, takes minutes for the tens of megabytes of a fit."""
    from rpy2.rinterface_lib import openrlib

    n = len(rvector)
    if n == 0:
        return b""
    return bytes(openrlib.ffi.buffer(openrlib.rlib.RAW(rvector.__sexp__._cdata), n))


def loaded_in_session(packages: tuple[str, ...] = PACKAGES) -> dict[str, bool]:
    """Whether each package's namespace is loaded in the embedded session (it never should
    be: the tests check it)."""
    ro = bridge.session().ro
    return {p: bool(ro.r["isNamespaceLoaded"](p)[0]) for p in packages}


def stop() -> None:
    """Stop the workers now, to free their memory (a worker also ends with this process:
    its socket closes)."""
    with _lock:
        for package in list(_workers):
            _workers.pop(package).close()
