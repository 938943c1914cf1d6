"""Exit codes and stop signals of the command line.

Exit codes, for every subcommand:

- 0: done;
- 2 (:data:`EXIT_USER_ERROR`): an error pyreslib raises on purpose
  (:class:`~pyreslib.errors.PyreslibError`: bad input, config or argument, an output folder
  that is refused, a full disk or a read-only folder), printed as one paragraph on stderr,
  never as a traceback;
- 3 (:data:`EXIT_PART_FAILED`): ``run``/``demo`` finished and wrote its outputs, but a part of
  the analysis that was asked for failed (an ERGM fit, a goodness of fit); ``--keep-going``
  makes this 0;
- 128 + n: stopped by signal n: 130 for Ctrl-C (SIGINT), 143 for SIGTERM, 129 for SIGHUP.  All
  three are handled alike (:func:`stop_signals`): the work stops, the temporary output folder
  is removed, nothing that looks finished is left behind;
- 141 (:data:`EXIT_STDOUT_CLOSED`, 128 + SIGPIPE): the standard output was closed while the
  command printed to it (``pyreslib networks ... | head``).  This is the code a shell reports
  for a program that SIGPIPE stopped, and it is handled like the stop signals: the work stops
  where the write failed, a temporary output folder is removed (an output folder written
  before the failed write, by then complete, stays), one line on stderr says so
  (:func:`stdout_closed_exit`).  Python ignores SIGPIPE, so the closed pipe arrives as
  ``BrokenPipeError``; letting SIGPIPE kill the process would skip the clean-up.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["EXIT_PART_FAILED", "EXIT_STDOUT_CLOSED", "EXIT_USER_ERROR", "check_stop_signals",
           "interrupted_exit", "stdout_closed", "stdout_closed_exit", "stop_signals"]

EXIT_USER_ERROR = 2
EXIT_PART_FAILED = 3
EXIT_STDOUT_CLOSED = 128 + getattr(signal, "SIGPIPE", 13)  # 141; Windows has no SIGPIPE


_RECEIVED: list[int] = []  # signals that asked the running command to stop
_ARMED: set[int] = set()  # the stop signals main() handles while a command runs


def _ask_r_to_stop() -> bool:
    """Set the embedded R's interrupt flag, if R is loaded: R unwinds at its next check of it
    (ergm's MCMC loops check often) and rpy2 raises in Python.  True if R is loaded."""
    openrlib = sys.modules.get("rpy2.rinterface_lib.openrlib")
    rlib = getattr(openrlib, "rlib", None)
    if rlib is None:
        return False
    rlib.R_interrupts_pending = 1
    return True


def _stop(signum, frame) -> None:
    """The handler of SIGINT, SIGTERM and SIGHUP while a command runs (see stop_signals)."""
    _RECEIVED.append(signum)
    on_sigint = signal.getsignal(signal.SIGINT)
    if (signum != signal.SIGINT and callable(on_sigint)
            and on_sigint not in (_stop, signal.default_int_handler)):
        on_sigint(signal.SIGINT, frame)  # the ERGM bridge's: it asks R to stop
        return
    if _called_back_by_r(frame) and _ask_r_to_stop():
        return  # an exception raised here would be lost in rpy2's callback
    raise KeyboardInterrupt


def _called_back_by_r(frame) -> bool:
    """Whether Python runs inside one of rpy2's callbacks (R computing, calling back to
    process events or print), i.e. rpy2's callbacks module is on the stack."""
    while frame is not None:
        if frame.f_globals.get("__name__") == "rpy2.rinterface_lib.callbacks":
            return True
        frame = frame.f_back
    return False


def check_stop_signals() -> None:
    """Called between units of work (the command line's progress display does): raise
    KeyboardInterrupt if a stop signal arrived that has not stopped the work yet, and take
    SIGINT back from rpy2, which resets it to Python's default when R starts."""
    if _RECEIVED:
        raise KeyboardInterrupt
    if (signal.SIGINT in _ARMED and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
        signal.signal(signal.SIGINT, _stop)


@contextmanager
def stop_signals() -> Iterator[list[int]]:
    """While the body runs, SIGINT (Ctrl-C), SIGTERM and SIGHUP all stop the work the same
    way; yields the list of signals received.

    Python code is stopped by KeyboardInterrupt.  While the ERGM bridge runs R it has its own
    SIGINT handler, which asks R to stop: SIGTERM and SIGHUP are passed to it.  While R runs
    outside the bridge (starting up, converting data), the signal reaches Python inside one
    of rpy2's callbacks, where an exception would be lost: then R is asked to stop, and the
    error that follows ends the command as interrupted.  A signal that was ignored when
    pyreslib started (``nohup``) stays ignored.
    """
    _RECEIVED.clear()
    if threading.current_thread() is not threading.main_thread():
        yield _RECEIVED
        return
    previous = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):  # SIGHUP does not exist on Windows
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, _stop)
    _ARMED.update(previous)
    try:
        yield _RECEIVED
    finally:
        _ARMED.clear()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interrupted_exit(received: list[int]) -> int:
    signum = received[0] if received else signal.SIGINT
    print(f"interrupted ({signal.Signals(signum).name})", file=sys.stderr)
    return 128 + signum


def stdout_closed() -> bool:
    """Whether the standard output is a pipe whose reading end is closed (or is no longer
    usable at all): what a BrokenPipeError in a command most likely means."""
    try:
        fd = sys.__stdout__.fileno()
    except (AttributeError, OSError, ValueError):
        return True
    try:
        import select

        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP | select.POLLNVAL)
                   for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll() (Windows): trust the error
        return True


def stdout_closed_exit() -> int:
    """Say on stderr that the standard output was closed, point stdout at the null device
    (so that Python's last flush at exit does not fail once more) and return
    :data:`EXIT_STDOUT_CLOSED`."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass
    try:
        print(f"pyreslib: stopped: the standard output was closed (exit {EXIT_STDOUT_CLOSED}); "
              "an output folder is complete or absent, never half-written", file=sys.stderr)
    except (OSError, ValueError):
        pass  # stderr is gone as well
    return EXIT_STDOUT_CLOSED
