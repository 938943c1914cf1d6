"""The one seam between Python and R: a lazily started embedded R session.

Everything that crosses into R goes through :func:`call`, which runs one of the functions of
``r/`` (:data:`R_SOURCES`) inside R's ``pyreslib_call`` wrapper (``r/bridge.R``): R warnings come back as a list and are
re-issued as Python warnings carrying R's own message; R errors come back as data and are
raised as :class:`~pyreslib.errors.RError` with R's message.  numpy and pandas values are
converted inside :func:`to_r`, under a *local* rpy2 converter, never a global ``activate()``.

What R prints (ergm's progress and notices) goes to :mod:`logging` (logger ``pyreslib.r``) and,
while a console is active (:func:`console_output`, used by a fit with ``verbose`` on), to that
console: a text stream (``sys.stderr`` by default) or a function called with each line.
:func:`r_console` sets the default console for a block of code (the CLI routes it into its
progress display).  :func:`collect_warnings` records every warning issued through this module
(R's, and pyreslib's own via :func:`warn`) while it is active, in order.

The R library that ``make`` restores (renv.lock) is found without any environment variable:
the set-up writes its path to ``<venv>/pyreslib-r-library``; in a checkout, ``.rlib/R-x.y``
is used as well.  ``PYRESLIB_R_LIBRARY`` overrides both.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pyreslib._resources import project_root, r_dir, required_r_packages
from pyreslib.errors import REnvironmentError, RError, RWarning

log = logging.getLogger("pyreslib.r")

REQUIRED_R_PACKAGES = required_r_packages()  # r/required-packages.txt
# The R side, one file per Python module that calls it (r/bridge.R says which), all sourced
# into one environment; r/setup.R is the set-up script and is never sourced.
R_SOURCES = ("bridge.R", "model.R", "cluster.R", "diagnostics.R", "inference.R", "simulation.R",
             "persist.R", "examples.R", "multi.R", "workers.R", "qap.R", "btergm.R",
             "tergm.R")
FIX_COMMAND = "make setup   (or: Rscript r/setup.R .rlib/R-<version> from the pyreslib checkout)"

_lock = threading.RLock()
_session: _RSession | None = None

# Where R's console output goes besides logging (innermost last), the defaults set by
# r_console() (innermost last), and the lists collecting warnings (collect_warnings()).
_consoles: list[Callable[[str], None]] = []
_default_consoles: list[Any] = []
_collectors: list[list[str]] = []


def r_library_candidates() -> list[Path]:
    """Where pyreslib looks for the R packages pinned in renv.lock, in order."""
    found: list[Path] = []
    override = os.environ.get("PYRESLIB_R_LIBRARY")
    if override:  # an explicit choice replaces the automatic ones
        return [Path(p) for p in override.split(os.pathsep) if p]
    marker = Path(sys.prefix) / "pyreslib-r-library"
    if marker.is_file():
        found.append(Path(marker.read_text(encoding="utf-8").strip()))
    root = project_root()
    if root is not None and (root / ".rlib").is_dir():
        found.extend(sorted((root / ".rlib").glob("R-*"), reverse=True))
    return [p for p in found if p.is_dir()]


def _check_r_installation() -> None:
    """Fail with instructions before rpy2 tries to load a missing R (which aborts the process)."""
    import shutil

    r_home = os.environ.get("R_HOME")
    if r_home:
        # R itself aborts the whole process ("Fatal error: unable to open the base package")
        # when this file is missing, so look for it rather than for the folder alone.
        if not (Path(r_home) / "library" / "base" / "R" / "base").is_file():
            raise REnvironmentError(
                f"R_HOME={r_home!r} is not an R installation (no library/base/R/base inside). "
                "Unset R_HOME or set it to the output of `R RHOME`; install R >= 4.2 with "
                "`sudo apt-get install r-base r-base-dev` if it is missing."
            )
    elif shutil.which("R") is None:
        raise REnvironmentError(
            "R was not found on PATH. pyreslib fits ERGMs with R's statnet ergm: install R >= "
            "4.2 (Debian/Ubuntu: `sudo apt-get install r-base r-base-dev`), then run "
            "`make setup` in the pyreslib checkout to install the pinned R packages."
        )


@contextlib.contextmanager
def _quick_ld_library_path() -> Iterator[None]:
    """While rpy2 loads libR: its answer to "which library path does R set?" read from R's
    own ``etc/ldpaths`` by a plain ``sh``, instead of the whole ``Rscript`` rpy2 3.5 starts
    for it at import (a third of a second before any R work; the value only reaches the
    environment of processes started later).  Where R has no such file (macOS, Windows, a
    sub-architecture) rpy2's own way is kept."""
    import platform

    try:
        from rpy2 import situation
    except ImportError:  # reported by the import that follows
        yield
        return
    original = situation.r_ld_library_path_from_subprocess

    def from_ldpaths(r_home: str) -> str:
        ldpaths = Path(r_home) / "etc" / "ldpaths"
        if platform.system() != "Linux" or os.environ.get("R_ARCH") or not ldpaths.is_file():
            return original(r_home)
        import subprocess

        # the lines R's start-up script (R_HOME/bin/R) runs: `. "${R_HOME}/etc/ldpaths"`
        done = subprocess.run(["sh", "-c", '. "$1" && printf %s "$LD_LIBRARY_PATH"', "sh",
                               str(ldpaths)], env={**os.environ, "R_HOME": r_home},
                              capture_output=True, text=True, check=False)
        return done.stdout if done.returncode == 0 else original(r_home)

    situation.r_ld_library_path_from_subprocess = from_ldpaths
    try:
        yield
    finally:
        situation.r_ld_library_path_from_subprocess = original


def _end_r() -> None:
    """At the program's exit: end R as Rscript ends it (``.Last``, the exit finalizers, the
    graphics devices, R's temporary folder), then tell rpy2 that R has ended.  rpy2's own exit
    handler does the same plus a full garbage collection, a quarter of a second with ergm
    loaded, which frees nothing that outlives the process."""
    from rpy2.rinterface_lib import embedded, openrlib

    ended = embedded.RPY_R_Status.ENDED.value
    with openrlib.rlock:
        if not embedded.isinitialized() or embedded.rpy2_embeddedR_isinitialized & ended:
            return
        openrlib.rlib.R_dot_Last()
        openrlib.rlib.Rf_endEmbeddedR(0)  # exit finalizers, devices, temporary folder
        embedded.rpy2_embeddedR_isinitialized |= ended


class _RSession:
    def __init__(self) -> None:
        _check_r_installation()
        # Starting R (rpy2's import) resets SIGINT to Python's default handler; put back the
        # one the program had (the CLI's, which stops a run cleanly) so a Ctrl-C while R starts
        # is not lost.
        in_main_thread = threading.current_thread() is threading.main_thread()
        sigint_handler = signal.getsignal(signal.SIGINT) if in_main_thread else None
        # rpy2 puts R's library folders (R_HOME/lib, /usr/lib/<arch>, ...) into this process's
        # LD_LIBRARY_PATH, which only child processes read: a Python started from here would
        # then load the system's libpython instead of its own (another patch release: its
        # multiprocessing fails). R is loaded by then; its own children set their paths again.
        ld_library_path = os.environ.get("LD_LIBRARY_PATH")
        try:
            with _quick_ld_library_path():
                import rpy2  # noqa: F401
                import rpy2.robjects as ro
            from rpy2.rinterface_lib import callbacks
        except ImportError as exc:  # rpy2 missing or unable to load libR
            raise REnvironmentError(
                f"pyreslib could not start R through rpy2: {exc}. Install R (>= 4.2) and "
                f"rpy2>=3.5.17,<3.6 built against it: `pip install 'rpy2>=3.5.17,<3.6'` inside "
                f"the pyreslib environment, then `{FIX_COMMAND}`."
            ) from exc
        except Exception as exc:  # e.g. "undefined symbol: R_getVar" for rpy2 3.6 on R 4.2
            if "R_HOME" in str(exc) or "libR" in str(exc) or "R home" in str(exc).lower():
                raise REnvironmentError(
                    f"pyreslib could not find R ({type(exc).__name__}: {exc}). Install R >= 4.2 "
                    "(Debian/Ubuntu: `sudo apt-get install r-base r-base-dev`), make sure "
                    "`R RHOME` works, and unset a wrong R_HOME; then `make setup`."
                ) from exc
            raise REnvironmentError(
                f"rpy2 failed to load R ({type(exc).__name__}: {exc}). This usually means rpy2 "
                f"was built for another R version; reinstall it against this R with "
                f"`pip install --force-reinstall --no-binary rpy2 'rpy2>=3.5.17,<3.6'`."
            ) from exc
        if ld_library_path is None:
            os.environ.pop("LD_LIBRARY_PATH", None)
        else:
            os.environ["LD_LIBRARY_PATH"] = ld_library_path
        if sigint_handler is not None and signal.getsignal(signal.SIGINT) is not sigint_handler:
            signal.signal(signal.SIGINT, sigint_handler)
        atexit.register(_end_r)  # after rpy2's own handler, so it runs first
        self.ro = ro
        # R's console output (ergm's progress messages) goes to logging, and to the active
        # console (console_output) if any; never straight to stdout.
        callbacks.consolewrite_print = _console_write
        callbacks.consolewrite_warnerror = _console_write
        libs = [str(p) for p in r_library_candidates()]
        if libs:
            ro.r[".libPaths"](ro.StrVector(libs + list(ro.r[".libPaths"]())))
        self.lib_paths = list(ro.r[".libPaths"]())
        # Local R processes started from this one (PSOCK workers of control={"parallel": n},
        # FitPool's workers, Rscript subprocesses) inherit R_LIBS and so find the same
        # packages.  ssh passes no environment: workers on other hosts are given the library
        # paths by their first command instead (r/cluster.R).
        ro.r["Sys.setenv"](R_LIBS=":".join(self.lib_paths))
        self.env = ro.r["new.env"]()
        for source in R_SOURCES:
            ro.r["sys.source"](str(r_dir() / source), envir=self.env)
        # Present, not loaded: each package's namespace loads where it is first used
        # (r/bridge.R, pyreslib_need), so a short fit does not pay for ergm.multi, sna, ...
        missing = list(self.env["pyreslib_missing_packages"](ro.StrVector(REQUIRED_R_PACKAGES)))
        if missing:
            raise REnvironmentError(
                f"R package(s) {', '.join(missing)} not found in the R library paths "
                f"{self.lib_paths}. Install the versions pinned in renv.lock with `{FIX_COMMAND}`."
            )

    def function(self, name: str):
        return self.env[name]


def session() -> _RSession:
    """The embedded R session, started on first use."""
    global _session
    with _lock:
        if _session is None:
            _session = _RSession()
        return _session


def to_r(value: Any):
    """Convert a Python value to R under a local converter (numpy and pandas aware)."""
    ro = session().ro
    from rpy2.rinterface import Sexp
    from rpy2.robjects import numpy2ri, pandas2ri
    from rpy2.robjects.conversion import localconverter

    if value is None:
        return ro.NULL
    if isinstance(value, Sexp):  # already an R object (a network, a fit): pass it through
        return value
    if isinstance(value, bool):
        return ro.BoolVector([value])
    if isinstance(value, (int, np.integer)):
        return ro.IntVector([int(value)])
    if isinstance(value, (float, np.floating)):
        return ro.FloatVector([float(value)])
    if isinstance(value, str):
        return ro.StrVector([value])
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return ro.StrVector(list(value))
    if isinstance(value, (tuple, list)) and all(isinstance(v, bool) for v in value):
        return ro.BoolVector(list(value))
    if isinstance(value, (tuple, list)) and all(
        isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in value
    ):
        return ro.FloatVector([float(v) for v in value])
    if isinstance(value, dict):
        return named_list(value)
    if isinstance(value, list):  # a heterogeneous list becomes an unnamed R list
        return named_list([("", v) for v in value])
    with localconverter(ro.default_converter + numpy2ri.converter + pandas2ri.converter):
        return ro.conversion.get_conversion().py2rpy(value)


def named_list(items: dict[str, Any] | Iterable[tuple[str, Any]]):
    """An R list with names ("" for positional entries) from Python values."""
    ro = session().ro
    pairs = list(items.items()) if isinstance(items, dict) else list(items)
    rlist = ro.r["vector"]("list", len(pairs))
    for i, (_, v) in enumerate(pairs):
        rlist[i] = to_r(v)
    rlist.names = ro.StrVector([k or "" for k, _ in pairs])
    return rlist


# ---- R's console and warnings -------------------------------------------------------------

def _console_write(text: str) -> None:
    if _consoles:
        log.debug(text.rstrip())
        _consoles[-1](text)
    else:
        log.info(text.rstrip())


class _Lines:
    """Deliver R's console text (which arrives in pieces) to ``function`` one line at a time."""

    def __init__(self, function: Callable[[str], None]) -> None:
        self.function = function
        self.pending = ""

    def __call__(self, text: str) -> None:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.function(line)

    def flush(self) -> None:
        if self.pending:
            self.function(self.pending)
            self.pending = ""


class _Stream:
    """Write R's console text to a text stream as it arrives (flushed, so progress shows)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __call__(self, text: str) -> None:
        stream = sys.stderr if self.stream is None else self.stream
        stream.write(text)
        stream.flush()

    def flush(self) -> None:
        pass


def resolve_console(console: Any) -> Any:
    """``console``, or the innermost :func:`r_console` default when it is None; ``False``
    means R's output stays in logging only."""
    if console is None and _default_consoles:
        return _default_consoles[-1]
    return console


def _sink(console: Any):
    if console is None or hasattr(console, "write"):
        return _Stream(console)  # None: sys.stderr as it is at the time of writing
    if callable(console):
        return _Lines(console)
    raise TypeError(f"console={console!r}: give a text stream (with .write) or a function "
                    "taking one line of text.")


def check_console(console: Any, what: str = "console") -> None:
    """Raise :class:`~pyreslib.errors.InputError` unless ``console`` is usable as a console."""
    from pyreslib.errors import InputError

    if console is not None and console is not False and not hasattr(console, "write") and (
            not callable(console)):
        raise InputError(f"{what}={console!r}: give a text stream (e.g. sys.stderr, a file "
                         "opened for writing), a function taking one line of text, or False "
                         "(R's output to logging only).")


def show_console_line(console: Any, line: str) -> None:
    """Show one line R printed elsewhere (an R worker, :mod:`pyreslib.ergm.workers`) as if
    this session had printed it: on ``console`` (a stream, a function taking a line, None
    for ``sys.stderr``), always in logging; ``False``: logging only."""
    log.debug(line)
    if console is False:
        return
    sink = _sink(console)
    sink(line + "\n")
    sink.flush()


@contextlib.contextmanager
def console_output(console: Any = None) -> Iterator[None]:
    """Show what R prints while the block runs: on ``console`` (a text stream, or a function
    called with each line), or by default on the :func:`r_console` default, else ``sys.stderr``;
    ``False`` leaves it in logging only."""
    console = resolve_console(console)
    if console is False:
        yield
        return
    sink = _sink(console)
    _consoles.append(sink)
    try:
        yield
    finally:
        _consoles.remove(sink)
        sink.flush()


@contextlib.contextmanager
def r_console(console: Any) -> Iterator[None]:
    """Make ``console`` (a text stream, or a function called with each line of R's output, or
    ``False`` for logging only) the default destination of R's progress for fits run with
    ``verbose`` on inside the block.

    >>> with r_console(lambda line: progress.log(line)):   # e.g. a rich progress display
    ...     results = model.fit(seed=1)
    """
    check_console(console, "r_console")
    _default_consoles.append(console)
    try:
        yield
    finally:
        _default_consoles.pop()


@contextlib.contextmanager
def collect_warnings() -> Iterator[list[str]]:
    """Record, in order, the text of every warning issued through :func:`call` and :func:`warn`
    while the block runs (whatever the Python warning filters do with them)."""
    messages: list[str] = []
    _collectors.append(messages)
    try:
        yield messages
    finally:
        _collectors.remove(messages)


def warn(message: str, category: type[Warning], stacklevel: int = 2) -> None:
    """Issue a warning and record it with the active :func:`collect_warnings` blocks."""
    for collected in _collectors:
        collected.append(message)
    warnings.warn(category(message), stacklevel=stacklevel + 1)


def call(function: str, *, context: str, **kwargs: Any):
    """Run ``function`` (defined in one of :data:`R_SOURCES`) with converted arguments.

    R warnings are re-issued as :class:`RWarning` (or a subclass chosen by
    :func:`classify_warning`), each distinct message once per call; an R error raises
    :class:`RError` naming ``context``.
    """
    with _lock:
        s = session()
        args = named_list({k: v for k, v in kwargs.items()})
        with _interruptible() as interrupted:
            from rpy2.rinterface_lib.embedded import RRuntimeError

            try:
                result = s.function("pyreslib_call")(s.function(function), args)
            except RRuntimeError as exc:  # an R interrupt, or an error outside pyreslib_call
                if interrupted.is_set():
                    raise KeyboardInterrupt(f"interrupted while {context}") from None
                raise RError(f"R failed during {context}: {exc}") from None
        if interrupted.is_set():
            raise KeyboardInterrupt(f"interrupted while {context}")
    return deliver(result, context=context, stacklevel=4)


def deliver(result, *, context: str, stacklevel: int = 3):
    """The value of a ``pyreslib_call`` result (R's ``list(value=, warnings=)`` or
    ``list(error=, warnings=)``), computed here or by an R worker
    (:mod:`pyreslib.ergm.workers`): R's warnings are issued as Python warnings (each distinct
    message once) and recorded by :func:`collect_warnings`; an R error raises
    :class:`RError` naming ``context``."""
    out = dict(zip(result.names, result))
    # ergm repeats some warnings within one call (nobs() is evaluated by summary, logLik,
    # AIC and BIC alike); each distinct message is issued once.
    for message in dict.fromkeys(str(m) for m in out.get("warnings", [])):
        warn(f"R warning during {context}: {message}", classify_warning(message),
             stacklevel=stacklevel)
    if "error" in out:
        message = str(out["error"][0])
        raise RError(f"R failed during {context}: {message}")
    return out["value"]


@contextlib.contextmanager
def _interruptible():
    """Let Ctrl-C (SIGINT) stop the R computation promptly.

    While R runs, Python's own handler would raise KeyboardInterrupt inside rpy2's event
    callback, where it is lost and R carries on.  Instead the handler sets R's
    ``R_interrupts_pending``; R's next ``R_CheckUserInterrupt`` (ergm's MCMC loops call it)
    unwinds the computation, and :func:`call` raises KeyboardInterrupt in Python.
    """
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    from rpy2.rinterface_lib import openrlib

    def on_sigint(signum, frame):
        flag.set()
        openrlib.rlib.R_interrupts_pending = 1

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def classify_warning(message: str) -> type[RWarning]:
    from pyreslib.errors import ConvergenceWarning

    lowered = message.lower()
    if "converge" in lowered or "did not mix" in lowered:
        return ConvergenceWarning
    return RWarning


# ---- R -> Python: the one reader of R's answers ----------------------------------------------

def is_null(value) -> bool:
    """Whether ``value`` is R's ``NULL`` (rpy2's NULL singleton), the one place it is compared."""
    return value is session().ro.NULL


def as_dict(rlist) -> dict[str, Any]:
    """A named R list as a dict (an unnamed or NULL one as ``{}``)."""
    return {} if is_null(rlist) or is_null(rlist.names) else dict(zip(rlist.names, rlist))


def as_float_array(rvec) -> np.ndarray:
    return np.asarray(list(rvec), dtype=float)


def as_float(rvec) -> float:
    values = as_float_array(rvec)
    return float(values[0]) if values.size else float("nan")


def as_str_list(rvec) -> list[str]:
    return [str(v) for v in rvec]


def as_matrix(rmat) -> np.ndarray:
    dims = tuple(int(d) for d in session().ro.r["dim"](rmat))
    return np.asarray(list(rmat), dtype=float).reshape(dims, order="F")


def as_frame(rdf) -> pd.DataFrame:
    from rpy2.robjects import pandas2ri
    from rpy2.robjects.conversion import localconverter

    ro = session().ro
    with localconverter(ro.default_converter + pandas2ri.converter):
        return ro.conversion.get_conversion().rpy2py(rdf)


def r_versions() -> dict[str, str]:
    values = call("pyreslib_versions", context="reading R package versions",
                  packages=list(REQUIRED_R_PACKAGES))
    return dict(zip(values.names, (str(v) for v in values)))
