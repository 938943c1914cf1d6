"""pyreslib: resilience and formation of collaborative innovation networks between cities.

The layout follows the data's journey, one topic per module, each importing only those below it
(tests/test_layout.py checks it):

- records in: :mod:`pyreslib.records` (reading exports), :mod:`pyreslib.cities` (resolving
  places), :mod:`pyreslib.stages`, :mod:`pyreslib.ingest` (records to city-pair counts);
- :mod:`pyreslib.network` (stage city networks and the ERGM's geography);
- the analyses, one topic per module: :mod:`pyreslib.metrics` (network indicators),
  :mod:`pyreslib.centrality`, :mod:`pyreslib.degree_distribution`, :mod:`pyreslib.community`
  (Infomap) and :mod:`pyreslib.community_stability`, :mod:`pyreslib.composite_index`
  (normalisation, entropy weights), :mod:`pyreslib.coupling`, :mod:`pyreslib.resilience`
  (network resilience), :mod:`pyreslib.node_resilience`, :mod:`pyreslib.robustness`;
- :mod:`pyreslib.ergm` (statnet ``ergm`` through rpy2, generic) and :mod:`pyreslib.stagemodels`
  (the study's ERGMs per stage, and the main job's ERGM step);
- the main job: :mod:`pyreslib.config`, :mod:`pyreslib.analysis` (every step, one result, no
  file written), :mod:`pyreslib.outputs` (results.json, tables, figures, report.html) and
  :mod:`pyreslib.cli` (the command line).

:mod:`pyreslib.study` holds the reference study's facts; :mod:`pyreslib.datasets` points at the
bundled SYNTHETIC demo data, whose generator lives in :mod:`pyreslib.datasets.synthetic`.
"""

from __future__ import annotations

from pyreslib._version import __version__
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
