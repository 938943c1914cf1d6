"""pyreslib: resilience and formation of collaborative innovation networks between cities.

Stages of the data's journey, one module each: :mod:`pyreslib.ingest` (patent records in),
:mod:`pyreslib.network` (stage city networks and geography), :mod:`pyreslib.metrics`
(indicators and centralities), :mod:`pyreslib.community` (Infomap),
:mod:`pyreslib.resilience` (coupling coordination, node resilience),
:mod:`pyreslib.robustness`, :mod:`pyreslib.ergm` (statnet ``ergm`` through rpy2) and
:mod:`pyreslib.models` (the study's ERGMs per stage).

The main job: :mod:`pyreslib.analysis` runs every step and returns one result (no file
written); :mod:`pyreslib.outputs` writes it (results.json, tables, figures, report.html);
:mod:`pyreslib.cli` is the command line.  :mod:`pyreslib.study` holds the reference study's
facts; :mod:`pyreslib.datasets` and :mod:`pyreslib.demo_data` make the synthetic demo data.
"""

from __future__ import annotations

from pyreslib.errors import (
    ComparisonWarning,
    ConfigError,
    ConvergenceWarning,
    DegeneracyError,
    FormulaError,
    InputError,
    OutputError,
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
    "OutputError",
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
