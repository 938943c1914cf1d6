"""Fit the parity catalogue both ways: through pyreslib (embedded R) and by plain R (Rscript).

``reference()`` runs ``tests/parity/reference.R`` once per test session in a separate Rscript
process (started by ``start_reference()``, so it can run while pyreslib fits) and returns its
tables; ``python_fit(name)`` fits one catalogue entry through pyreslib once and returns a
:class:`PythonFit` (the results, or the exception, and every warning issued).  Both are cached
for the session so several test files can compare further quantities over the same fits.
"""

from __future__ import annotations

import atexit
import functools
import math
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tests.parity.catalogue import BY_NAME, NETWORKS, write_csv

HERE = Path(__file__).resolve().parent
REFERENCE_SCRIPT = HERE / "reference.R"


@dataclass
class Reference:
    """The plain-R side: tables written by reference.R (numbers parsed exactly)."""

    estimates: pd.DataFrame  # model, term, estimate, std_error, mcmc_pct, z, p
    fits: pd.DataFrame  # indexed by model: llf, aic, bic, nobs, null/residual deviance, error
    warnings: pd.DataFrame  # model, message
    fits_rds: Path  # saveRDS() of the named list of ergm fits
    log: str  # what the Rscript process printed

    def coefficients(self, model: str) -> pd.DataFrame:
        return self.estimates[self.estimates["model"] == model].set_index("term")

    def warning_messages(self, model: str) -> list[str]:
        return list(self.warnings.loc[self.warnings["model"] == model, "message"])


def _number(text) -> float:
    """R's "%.17g" output (and NA, NaN, Inf, -Inf) as a float, exactly."""
    if isinstance(text, float):
        return text
    text = str(text).strip()
    return math.nan if text in ("NA", "NaN", "nan", "") else float(text)


class _ReferenceRun:
    def __init__(self) -> None:
        from pyreslib.ergm import bridge

        self.dir = Path(tempfile.mkdtemp(prefix="pyreslib-parity-"))
        atexit.register(shutil.rmtree, self.dir, ignore_errors=True)  # at the session's end
        write_csv(self.dir / "catalogue.csv")
        libraries = ":".join(bridge.session().lib_paths)  # the packages pyreslib uses
        self.process = subprocess.Popen(
            ["Rscript", str(REFERENCE_SCRIPT), str(self.dir / "catalogue.csv"),
             str(self.dir / "out"), libraries],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def result(self) -> Reference:
        log, _ = self.process.communicate()
        if self.process.returncode != 0:
            raise RuntimeError(f"reference.R failed ({self.process.returncode}):\n{log[-4000:]}")
        out = self.dir / "out"
        read = functools.partial(pd.read_csv, dtype=str, keep_default_na=False)
        estimates = read(out / "estimates.csv")
        for column in ("estimate", "std_error", "mcmc_pct", "z", "p"):
            estimates[column] = estimates[column].map(_number)
        fits = read(out / "fits.csv").set_index("model")
        for column in ("llf", "aic", "bic", "nobs", "null_deviance", "residual_deviance"):
            fits[column] = fits[column].map(_number)
        return Reference(estimates, fits, read(out / "warnings.csv"), out / "fits.rds", log)


_run: _ReferenceRun | None = None


def start_reference() -> None:
    """Start reference.R in the background (idempotent)."""
    global _run
    if _run is None:
        _run = _ReferenceRun()


@functools.cache
def reference() -> Reference:
    start_reference()
    assert _run is not None
    return _run.result()


@functools.cache
def load_network(key: str) -> tuple[pd.DataFrame, pd.DataFrame | None, bool]:
    """An ergm dataset as pyreslib takes it: a labelled adjacency and the vertex attributes."""
    from pyreslib.ergm import bridge

    spec = NETWORKS[key]
    r = bridge.session().ro.r
    nw = r(f"local({{ suppressPackageStartupMessages(library(network)); {spec.setup}; {key} }})")
    names = [str(v) for v in r["network.vertex.names"](nw)]
    adjacency = pd.DataFrame(bridge.as_matrix(r["as.matrix.network"](nw)), index=names,
                             columns=names)
    columns = {}
    for attribute in spec.attributes:
        values = list(r["get.vertex.attribute"](nw, attribute))
        columns[attribute] = values
    covariates = pd.DataFrame(columns, index=names) if columns else None
    return adjacency, covariates, spec.directed


@dataclass
class PythonFit:
    results: object | None  # ERGMResults
    error: Exception | None
    warnings: list[str] = field(default_factory=list)  # RWarnings issued, in order


@functools.cache
def python_fit(name: str) -> PythonFit:
    from pyreslib.ergm import ERGM
    from pyreslib.errors import RWarning

    entry = BY_NAME[name]
    adjacency, covariates, directed = load_network(entry.network)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = ERGM(adjacency, entry.formula, node_covariates=covariates, directed=directed,
                         **entry.model)
            results = model.fit(seed=entry.seed, verbose=False, **entry.fit)
            error = None
        except Exception as exc:  # noqa: BLE001 - recorded and asserted on by the tests
            results, error = None, exc
    return PythonFit(results, error, [str(w.message) for w in caught
                                      if issubclass(w.category, RWarning)])


def as_array(values) -> np.ndarray:
    return np.asarray(list(values), dtype=float)
