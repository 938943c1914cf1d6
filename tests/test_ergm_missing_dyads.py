"""Missing dyads: NaN in the adjacency is statnet's NA edge, and a model of a network with
missing dyads equals the same model fit by plain R (``nw[i, j] <- NA`` then ``ergm(nw ~ ...)``,
run by tests/parity/reference.R in a separate Rscript process) with the same seed:
estimates, standard errors, log-likelihood, AIC, BIC and the number of observed dyads, for
dyad-independent fits (maximum likelihood over the observed dyads) and MCMC-MLE fits alike.
"""

from __future__ import annotations

import csv
import functools
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pyreslib.ergm import ERGM
from pyreslib.errors import InputError
from tests.parity import harness
from tests.parity.catalogue import NETWORKS

pytestmark = pytest.mark.r

# Dyads whose state is unknown, as (row, column) vertex positions (0-based here, 1-based in
# R): in flomarriage Barbadori-Medici (2, 8) and Castellani-Peruzzi (4, 10) are marriages,
# Acciaiuoli-Albizzi is not; in samplike the dyads are directed (only i -> j is missing).
FLO_MISSING = ((0, 1), (2, 8), (4, 10))
SAMP_MISSING = ((0, 1), (3, 7), (7, 3), (10, 2))


@dataclass(frozen=True)
class Case:
    name: str
    network: str
    missing: tuple[tuple[int, int], ...]
    formula: str
    r_call: str  # on `nw`, the network with NA dyads
    seed: int
    fit: tuple[tuple[str, object], ...] = ()

    @property
    def setup(self) -> str:
        na = "; ".join(f"nw[{i + 1}, {j + 1}] <- NA" for i, j in self.missing)
        return f"{NETWORKS[self.network].setup}; nw <- {self.network}; {na}"


CASES = (
    Case("flo_wealth_missing", "flomarriage", FLO_MISSING, "edges + nodecov('wealth')",
         "ergm(nw ~ edges + nodecov('wealth'))", 41),
    Case("flo_gwesp_missing", "flomarriage", FLO_MISSING, "edges + gwesp(0.25, fixed=TRUE)",
         "ergm(nw ~ edges + gwesp(0.25, fixed = TRUE), control = control.ergm(seed = 42))", 42),
    Case("flo_gwesp_mple_missing", "flomarriage", FLO_MISSING, "edges + gwesp(0.25, fixed=TRUE)",
         "ergm(nw ~ edges + gwesp(0.25, fixed = TRUE), estimate = 'MPLE')", 43,
         (("estimate", "MPLE"),)),
    Case("samp_group_missing", "samplike", SAMP_MISSING, "edges + nodematch('group')",
         "ergm(nw ~ edges + nodematch('group'))", 44),
    Case("samp_mutual_missing", "samplike", SAMP_MISSING, "edges + mutual",
         "ergm(nw ~ edges + mutual, control = control.ergm(seed = 45))", 45),
)
BY_NAME = {case.name: case for case in CASES}


class _Reference:
    """reference.R run on this file's cases, in the background while pyreslib fits them."""

    def __init__(self, folder: Path) -> None:
        from pyreslib.ergm import bridge

        self.out = folder / "out"
        table = folder / "catalogue.csv"
        with table.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["name", "setup", "r_call", "seed"])
            writer.writerows([c.name, c.setup, c.r_call, c.seed] for c in CASES)
        self.process = subprocess.Popen(
            ["Rscript", str(harness.REFERENCE_SCRIPT), str(table), str(self.out),
             ":".join(bridge.session().lib_paths)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    @functools.cached_property
    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        log, _ = self.process.communicate(timeout=1800)
        assert self.process.returncode == 0, log[-4000:]
        read = functools.partial(pd.read_csv, dtype=str, keep_default_na=False)
        estimates = read(self.out / "estimates.csv")
        for column in ("estimate", "std_error", "z", "p"):
            estimates[column] = estimates[column].map(harness._number)
        fits = read(self.out / "fits.csv").set_index("model")
        for column in ("llf", "aic", "bic", "nobs"):
            fits[column] = fits[column].map(harness._number)
        return estimates, fits


def with_missing(case: Case) -> tuple[pd.DataFrame, pd.DataFrame | None, bool]:
    adjacency, covariates, directed = harness.load_network(case.network)
    adjacency = adjacency.astype(float)
    for i, j in case.missing:
        adjacency.iloc[i, j] = np.nan
        if not directed:
            adjacency.iloc[j, i] = np.nan
    return adjacency, covariates, directed


@functools.cache
def python_fit(name: str):
    case = BY_NAME[name]
    adjacency, covariates, directed = with_missing(case)
    model = ERGM(adjacency, case.formula, node_covariates=covariates, directed=directed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(seed=case.seed, verbose=False, **dict(case.fit))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    run = _Reference(tmp_path_factory.mktemp("missing-dyads"))
    for case in CASES:  # meanwhile (2 cores, 2 processes)
        python_fit(case.name)
    return run


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_network_with_missing_dyads_fits_as_statnet_fits_it(case, reference):
    estimates, fits = reference.tables
    expected = estimates[estimates["model"] == case.name].set_index("term")
    row = fits.loc[case.name]
    assert row.error == "", row.error
    res = python_fit(case.name)
    assert list(res.params.index) == list(expected.index)
    tolerance = {"rtol": 1e-8, "atol": 1e-10}
    np.testing.assert_allclose(res.params, expected["estimate"], **tolerance)
    np.testing.assert_allclose(res.bse, expected["std_error"], **tolerance)
    np.testing.assert_allclose(res.pvalues, expected["p"], **tolerance)
    np.testing.assert_allclose([res.llf, res.aic, res.bic], [row.llf, row.aic, row.bic],
                               **tolerance)
    # the missing dyads are left out of the likelihood: n(n-1)/2 (or n(n-1)) minus them
    assert res.nobs == row.nobs == res.n_dyads
    n = res.n_nodes
    assert res.nobs == (n * (n - 1) if res.model.directed else n * (n - 1) // 2) - len(
        case.missing)
    assert res.model.missing_dyads == len(case.missing)


def test_missing_dyads_are_not_ties_and_not_non_ties():
    """The observed part of the network is what the model sees: a marriage whose dyad is
    missing is not counted as a tie, nor is the dyad counted as a non-tie; filling the missing
    dyads with 0 (the advice pyreslib used to give) changes the estimates."""
    missing = python_fit("flo_wealth_missing")
    adjacency, covariates, _ = with_missing(BY_NAME["flo_wealth_missing"])
    filled = ERGM(adjacency.fillna(0), "edges + nodecov('wealth')",
                  node_covariates=covariates).fit(seed=41)
    assert missing.n_edges == filled.n_edges == 18  # 20 marriages, 2 of them unknown
    assert missing.nobs == filled.nobs - 3
    assert not np.allclose(missing.params, filled.params)


def test_simulations_from_a_fit_with_missing_dyads_equal_r(reference, r):
    """simulate(fit) of R's own fit (saved by reference.R) and of pyreslib's give the same
    statistics for the same seed; the simulated networks are complete."""
    res = python_fit("flo_gwesp_missing")
    _ = reference.tables
    r(f"fits <- readRDS('{reference.out / 'fits.rds'}')")
    theirs = np.asarray(r("as.numeric(simulate(fits$flo_gwesp_missing, nsim = 4, seed = 7, "
                          "output = 'stats'))")).reshape(2, 4).T
    ours = res.simulate(nsim=4, seed=7, output="stats")
    np.testing.assert_array_equal(ours.to_numpy(), theirs)
    network = res.simulate(seed=7, output="adjacency")
    assert not network.isna().to_numpy().any()


def test_goodness_of_fit_and_prediction_work_with_missing_dyads():
    res = python_fit("flo_gwesp_missing")
    gof = res.gof(nsim=10, seed=3)
    assert gof.tables["model"]["obs"].notna().all()
    p = res.predict()
    assert p.shape == (16, 16) and np.isfinite(p.to_numpy()[~np.eye(16, dtype=bool)]).all()


def test_a_fit_with_missing_dyads_survives_save_and_load(tmp_path):
    import pyreslib.ergm as pe

    res = python_fit("flo_wealth_missing")
    loaded = pe.load(res.save(tmp_path / "missing.ergm.zip"))
    assert loaded.params.equals(res.params)
    assert np.array_equal(loaded.model.adjacency, res.model.adjacency, equal_nan=True)
    assert loaded.model.missing_dyads == 3


@pytest.mark.parametrize(("matrix", "message"), [
    (np.array([[0, np.nan, 1], [0, 0, 1], [1, 1, 0]]),
     r"not symmetric \(entry \[0,1\] = nan but \[1,0\] = 0\).* missing dyad is NaN on both"),
    (np.array([[np.nan, 1, 1], [1, 0, 1], [1, 1, 0]]),
     r"the diagonal has NaN entries \(first at vertex 0\).* set it to 0"),
    (np.array([[0, np.inf, 1], [np.inf, 0, 1], [1, 1, 0]]),
     r"2 entries are infinite .* a dyad whose state is unknown is NaN"),
], ids=["missing on one side only", "missing diagonal", "infinite"])
def test_what_missing_dyads_may_not_be(matrix, message):
    with pytest.raises(InputError, match=message):
        ERGM(matrix, "edges")


def test_nan_in_a_covariate_the_model_does_not_use_does_not_block_the_fit(r, r_floats):
    """R checks only the vertex attributes a model uses; so does pyreslib (the columns the
    formula and the constraints name)."""
    adjacency, covariates, _ = harness.load_network("flomarriage")
    gaps = covariates.assign(priorates=covariates["priorates"].where(
        covariates["priorates"] > 20), party=[None, "a"] * 8)
    assert gaps["priorates"].isna().sum() == 7
    fit = ERGM(adjacency, "edges + nodecov('wealth')", node_covariates=gaps).fit(seed=1)
    r("""suppressPackageStartupMessages(library(ergm)); data(florentine, package = "ergm")
         nw <- flomarriage
         nw %v% "priorates" <- ifelse(nw %v% "priorates" > 20, nw %v% "priorates", NA)
         gaps_fit <- ergm(nw ~ edges + nodecov('wealth'))""")
    np.testing.assert_allclose(fit.params, r_floats("coef(gaps_fit)"), rtol=1e-12)
    with pytest.raises(InputError, match=r"column 'priorates' \(used by the formula\) has 7 NaN"):
        ERGM(adjacency, "edges + nodecov('priorates')", node_covariates=gaps)
