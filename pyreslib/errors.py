"""Exception and warning hierarchy.

Every error pyreslib raises on purpose derives from :class:`PyreslibError`, so a script can
catch the library's errors in one place and let genuine bugs surface.  Messages are written
for the person holding the data: they name the file, row, argument or term that is wrong and
say what to do about it.
"""

from __future__ import annotations


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
    """The ERGM fit is degenerate (infinite estimates or a chain stuck at an extreme graph)."""


class RWarning(UserWarning):
    """A warning R emitted during a call, carrying R's own message."""


class ConvergenceWarning(RWarning):
    """The MCMC-MLE fit did not converge; estimates may be unreliable."""


class ComparisonWarning(UserWarning):
    """Models compared on likelihood-based criteria were fit to different networks."""
