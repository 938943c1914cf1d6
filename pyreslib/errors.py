"""Exception and warning hierarchy.

Every error pyreslib raises on purpose derives from :class:`PyreslibError`, so a script can
catch the library's errors in one place and let genuine bugs surface.  Messages are written
for the person holding the data: they name the file, row, argument or term that is wrong and
say what to do about it.
"""

from __future__ import annotations

EXCERPT_LIMIT = 80


def excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """``text`` quoted for an error message, cut to ``limit`` characters when longer.

    Long user input (a formula pasted from a file, a megabyte of junk) is never embedded whole:
    the message shows its start and says how long it was.
    """
    text = str(text)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def excerpt_repr(value: object, limit: int = 60) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters when longer."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


class PyreslibError(Exception):
    """Base class of every error pyreslib raises deliberately."""


class InputError(PyreslibError, ValueError):
    """A file, table, matrix or argument given by the user cannot be used as it is."""


class ConfigError(InputError):
    """A run configuration (TOML) names an unknown key, has a wrong type or a missing file."""


class OutputError(PyreslibError, OSError):
    """The output folder could not be written (full disk, read-only folder); nothing of the
    attempt is left behind."""


class FormulaError(InputError):
    """An ERGM formula failed validation; nothing was sent to R."""


class RError(PyreslibError, RuntimeError):
    """R signalled an error; the message is R's own, prefixed with what pyreslib was doing."""


class REnvironmentError(PyreslibError, RuntimeError):
    """R, an R package, or a compatible rpy2 is missing; the message says how to install it."""


class DegeneracyError(RError):
    """An MCMC sample stuck at or near the empty or the complete graph, detected from the sample.

    Raised by :meth:`pyreslib.ergm.ERGM.fit` when ergm's MCMC-MLE stops because a simulated
    network ran away towards the complete graph (ergm's density guard) or the sample did not
    move at all, when the last MCMC sample of a finished fit sits mostly near the empty or the
    complete graph, and when statnet itself cannot fit a network that is empty or complete.
    Infinite or undefined *estimates* are not errors: statnet returns them, and so does
    pyreslib (with an :class:`EstimateWarning`).  ``results`` holds the finished fit when
    there is one.
    """

    def __init__(self, message: str, results=None):
        super().__init__(message)
        self.results = results


class RWarning(UserWarning):
    """A warning R emitted during a call, carrying R's own message."""


class EstimateWarning(RWarning):
    """Some estimates are -Inf/+Inf (a statistic at its smallest or largest attainable value)
    or NA (a statistic linearly dependent on others), as statnet reports them."""


class ConvergenceWarning(RWarning):
    """The MCMC-MLE fit did not converge; estimates may be unreliable."""


class ComparisonWarning(UserWarning):
    """Models compared on likelihood-based criteria were fit to different networks."""
