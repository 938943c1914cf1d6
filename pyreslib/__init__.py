"""pyreslib: resilience and formation of collaborative innovation networks between cities.

Stages of the data's journey, one module each: :mod:`pyreslib.ingest` (patent records in),
:mod:`pyreslib.network` (stage city networks and geography), :mod:`pyreslib.metrics`
(indicators and centralities), :mod:`pyreslib.community` (Infomap),
:mod:`pyreslib.resilience` (coupling coordination, node resilience, robustness),
:mod:`pyreslib.ergm` (statnet ``ergm`` through rpy2), :mod:`pyreslib.report` and
:mod:`pyreslib.cli`.
"""

from __future__ import annotations

from pyreslib.errors import (
    ComparisonWarning,
    ConfigError,
    ConvergenceWarning,
    DegeneracyError,
    FormulaError,
    InputError,
    PyreslibError,
    REnvironmentError,
    RError,
    RWarning,
)

__version__ = "0.1.0"

__all__ = [
    "ComparisonWarning",
    "ConfigError",
    "ConvergenceWarning",
    "DegeneracyError",
    "FormulaError",
    "InputError",
    "PyreslibError",
    "REnvironmentError",
    "RError",
    "RWarning",
    "__version__",
]


def __getattr__(name: str):
    # Heavy entry points are imported lazily so `import pyreslib` stays fast and never starts R.
    if name in {"ERGM", "ERGMResults"}:
        from pyreslib import ergm

        return getattr(ergm, name)
    if name == "compare":
        from pyreslib.ergm.compare import compare

        return compare
    raise AttributeError(f"module 'pyreslib' has no attribute {name!r}")
