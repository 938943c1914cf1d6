"""Statnet parity: every catalogue model (tests/parity/catalogue.py) fit through pyreslib equals
the same model fit by a plain R script (tests/parity/reference.R, a separate Rscript process)
with the same seed: estimates, standard errors, z, p, log-likelihood, AIC and BIC."""

from __future__ import annotations

import numpy as np
import pytest

from tests.parity import harness
from tests.parity.catalogue import CATALOGUE

pytestmark = pytest.mark.r


@pytest.fixture(scope="module", autouse=True)
def reference_running_in_the_background():
    harness.start_reference()  # the Rscript process fits while this process fits


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda m: m.name)
def test_pyreslib_equals_plain_ergm(entry):
    fit = harness.python_fit(entry.name)
    ref = harness.reference()
    expected = ref.coefficients(entry.name)
    assert fit.error is None, f"pyreslib failed where R did not: {fit.error!r}"
    res = fit.results
    assert list(res.params.index) == list(expected.index)
    # Deterministic and MCMC fits alike: the same seed gives the same numbers, bit for bit
    # up to the last rounding of the summary arithmetic.
    tolerance = {"rtol": 1e-8, "atol": 1e-10}
    np.testing.assert_allclose(res.params.values, expected["estimate"].values, **tolerance)
    np.testing.assert_allclose(res.bse.values, expected["std_error"].values, **tolerance)
    np.testing.assert_allclose(res.tvalues.values, expected["z"].values, **tolerance)
    np.testing.assert_allclose(res.pvalues.values, expected["p"].values, **tolerance)
    np.testing.assert_allclose(res.mcmc_se_pct.values, expected["mcmc_pct"].values, **tolerance)
    row = ref.fits.loc[entry.name]
    np.testing.assert_allclose([res.llf, res.aic, res.bic], [row.llf, row.aic, row.bic],
                               **tolerance)
