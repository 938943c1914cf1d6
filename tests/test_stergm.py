"""Separable TERGMs (pyreslib.temporal.tergm) equal a plain Rscript calling tergm's CMLE with
the same seed, to 1e-8: formation and persistence estimates, standard errors and the
log-likelihood, under both node-set rules (the four stages' node sets differ), by MPLE and by
MCMC-MLE; and the words that say what drives formation and what drives persistence.

The reference script builds tergm's networks itself from the stages on the common node set
and the presence of each city: its structural zeros (the dyads of a city absent at t, and
under "adjust" also at t - 1) as the offset docs/method.md states."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pyreslib.ergm import bridge
from pyreslib.temporal import stage_series, tergm, worker
from tests.parity.rscript import numbered, reference_values
from tests.test_btergm import STAGES, study_stages

pytestmark = pytest.mark.r

TOL = {"rtol": 1e-8, "atol": 1e-10}

CASES = {
    "union": {"formation": "edges + nodecov('gdp') + edgecov('proximity')",
              "persistence": "edges + edgecov('proximity') + edgecov('border')",
              "r": 'Form(~edges + nodecov("gdp") + edgecov("proximity")) + '
                   'Persist(~edges + edgecov("proximity") + edgecov("border"))',
              "rule": "union", "seed": 21},
    "adjust": {"formation": "edges + nodecov('gdp') + edgecov('proximity')",
               "persistence": "edges + edgecov('proximity') + edgecov('border')",
               "r": 'Form(~edges + nodecov("gdp") + edgecov("proximity")) + '
                    'Persist(~edges + edgecov("proximity") + edgecov("border"))',
               "rule": "adjust", "seed": 21},
    "union_mcmc": {"formation": "edges + edgecov('proximity') + gwesp(0.5, fixed=TRUE)",
                   "persistence": "edges + edgecov('proximity')",
                   "r": 'Form(~edges + edgecov("proximity") + gwesp(0.5, fixed = TRUE)) + '
                        'Persist(~edges + edgecov("proximity"))',
                   "rule": "union", "seed": 22},
}

REFERENCE_R = r"""
suppressPackageStartupMessages({library(ergm); library(tergm)})
args <- commandArgs(trailingOnly = TRUE)
inp <- readRDS(args[[1]])
U <- inp$cities
P <- inp$present
TT <- nrow(P)
rows <- list()
put <- function(case, name, value) {
  rows[[length(rows) + 1L]] <<- data.frame(case = case, name = name,
                                           value = sprintf("%.17g", as.numeric(value)))
}
for (case in inp$cases) {
  nets <- lapply(1:TT, function(t) {
    m <- inp$ties[[t]]
    dimnames(m) <- list(U, U)
    nw <- network(m, directed = FALSE)
    for (v in names(inp$node)) set.vertex.attribute(nw, v, inp$node[[v]][t, ])
    for (e in names(inp$edge)) set.network.attribute(nw, e, inp$edge[[e]])
    # structural zeros at t: the dyads of the cities absent at t (union), or absent at t
    # or t - 1 (adjust)
    out <- !P[t, ]
    if (case$rule == "adjust" && t > 1) out <- out | !P[t - 1, ]
    z <- outer(out, out, "|") * 1
    diag(z) <- 0
    set.network.attribute(nw, "absent", z)
    nw
  })
  f <- as.formula(paste("nets ~", case$r, "+ offset(Cross(~edgecov('absent')))"))
  set.seed(case$seed)
  fit <- tergm(f, estimate = "CMLE", offset.coef = -Inf,
               control = control.tergm(CMLE.ergm = control.ergm(seed = case$seed)))
  s <- summary(fit)$coefficients
  keep <- !fit$offset
  put(case$id, paste0("coef", seq_len(sum(keep))), s[keep, "Estimate"])
  put(case$id, paste0("se", seq_len(sum(keep))), s[keep, "Std. Error"])
  put(case$id, paste0("p", seq_len(sum(keep))), s[keep, "Pr(>|z|)"])
  put(case$id, c("llf", "nobs"), c(as.numeric(logLik(fit)), nobs(fit)))
}
write.csv(do.call(rbind, rows), args[[2]], row.names = FALSE)
"""


@pytest.fixture(scope="module")
def data():
    graphs, nodes, edges = study_stages()
    return {"graphs": graphs, "nodes": nodes, "edges": edges}


def _fit(data, name):
    case = CASES[name]
    return tergm(data["graphs"], case["formation"], case["persistence"],
                 node_covariates=data["nodes"], edge_covariates=data["edges"],
                 node_sets=case["rule"], seed=case["seed"])


@pytest.fixture(scope="module")
def fits(data):
    done = {}

    def fit(name):
        if name not in done:
            done[name] = _fit(data, name)
        return done[name]

    return fit


@pytest.fixture(scope="module")
def reference(data, fits, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tergm_reference")
    series = stage_series(data["graphs"], node_covariates=data["nodes"],
                          edge_covariates=data["edges"])
    inputs = bridge.named_list({
        "cities": list(series.cities), "present": series.present,
        "ties": list(series.ties),
        "node": {k: np.vstack(v) for k, v in series.node_covariates.items()},
        "edge": {k: v[0] for k, v in series.edge_covariates.items()},
        "cases": [bridge.named_list({"id": k, "r": c["r"], "rule": c["rule"], "seed": c["seed"]})
                  for k, c in CASES.items()]})
    return reference_values(REFERENCE_R, inputs, folder,
                            lambda: [fits(name) for name in CASES])


@pytest.mark.parametrize("name", list(CASES))
def test_formation_and_persistence_equal_plain_tergm_cmle(fits, reference, name):
    fit, ref = fits(name), reference[name]
    np.testing.assert_allclose(fit.params, numbered(ref, "coef"), **TOL)
    np.testing.assert_allclose(fit.bse, numbered(ref, "se"), **TOL)
    np.testing.assert_allclose(fit.pvalues, numbered(ref, "p"), **TOL)
    np.testing.assert_allclose([fit.llf, fit.nobs], [ref["llf"], ref["nobs"]], **TOL)
    assert fit.mcmc == (name == "union_mcmc")


def test_the_two_models_come_as_two_tables_and_side_by_side(fits):
    fit = fits("union")
    assert list(fit.formation.index) == ["edges", "nodecov.gdp", "edgecov.proximity"]
    assert list(fit.persistence.index) == ["edges", "edgecov.proximity", "edgecov.border"]
    assert fit.params.index.names == ["model", "term"]
    both = fit.side_by_side()
    assert list(both.index) == ["edges", "nodecov.gdp", "edgecov.proximity", "edgecov.border"]
    assert np.isnan(both.loc["edgecov.border", ("formation", "Estimate")])
    assert both.loc["edgecov.border", ("persistence", "Estimate")] == (
        fit.params[("persistence", "edgecov.border")])
    ci = fit.conf_int()
    assert (ci["lower"] < fit.params).all() and (fit.params < ci["upper"]).all()
    text = str(fit.summary())
    assert "Formation" in text and "Persistence" in text and "seed 21" in text
    assert fit.to_latex().startswith("\\begin{table}")


def test_the_rules_model_the_documented_dyads(data, fits):
    """union: the dyads of the cities present at t; adjust: of those present at t and t - 1;
    tergm counts every dyad of the common node set in its nobs."""
    present = stage_series(data["graphs"]).present
    n = present.shape[1]
    union = sum(int(present[t].sum()) * (int(present[t].sum()) - 1) // 2 for t in range(1, 4))
    both = [int((present[t] & present[t - 1]).sum()) for t in range(1, 4)]
    assert fits("union").n_dyads == union
    assert fits("adjust").n_dyads == sum(k * (k - 1) // 2 for k in both)
    assert fits("union").nobs == fits("adjust").nobs == 3 * n * (n - 1) // 2
    # a persisting tie had both cities at t - 1, so the rules differ in formation only
    pd.testing.assert_series_equal(fits("union").params["persistence"],
                                   fits("adjust").params["persistence"], rtol=1e-10)
    assert not np.allclose(fits("union").params["formation"],
                           fits("adjust").params["formation"])


def test_describe_states_what_drives_formation_and_what_drives_persistence(fits):
    fit = fits("union")
    words = fit.describe()
    formation, persistence, *_rest = words.splitlines()
    assert formation.startswith("Formation (which new ties form): ")
    assert persistence.startswith("Persistence (which existing ties last): ")
    # the generator draws ties from proximity, border, the economy and the previous tie
    assert "edgecov.proximity (+" in formation and "edgecov.proximity (+" in persistence
    assert "edges" not in words.replace("edgecov", "")  # the baseline is not an effect
    effects = fit.effects()
    for (model, term), row in effects.iterrows():
        if term == "edges":
            continue
        line = formation if model == "formation" else persistence
        named = f"{term} ({row.estimate:+.3g}" in line
        assert named == bool(row.significant), (model, term)
    # at a strict level fewer effects are named
    assert len(fit.describe(alpha=1e-12)) <= len(words)


def test_tergm_syntax_gives_the_same_fit(data, fits):
    case = CASES["union"]
    same = tergm(data["graphs"], formula=f"Form(~{case['formation']}) + "
                                         f"Persist(~{case['persistence']})",
                 node_covariates=data["nodes"], edge_covariates=data["edges"], seed=21)
    pd.testing.assert_series_equal(same.params, fits("union").params, rtol=0, atol=0)


def test_stages_on_the_same_cities_need_no_structural_zeros(data):
    """Every city in every stage (absent ones given as isolates): no offset, and the fit is
    the plain tergm CMLE of the four networks."""
    import networkx as nx

    full = {}
    cities = sorted({c for g in data["graphs"].values() for c in g.nodes})
    for label, graph in data["graphs"].items():
        g = nx.Graph(graph)
        g.add_nodes_from(cities)
        full[label] = g
    fit = tergm(full, "edges + edgecov('proximity')", "edges", edge_covariates=data["edges"],
                seed=1)
    n = len(cities)
    assert fit.n_dyads == fit.nobs == 3 * n * (n - 1) // 2
    assert worker.loaded_in_session() == {"btergm": False, "tergm": False}
    assert fit.stages == STAGES


def _logit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Maximum-likelihood logistic regression by Newton's method (to machine precision)."""
    beta = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-x @ beta))
        step = np.linalg.solve(x.T @ (x * (p * (1 - p))[:, None]), x.T @ (y - p))
        beta += step
        if np.abs(step).max() < 1e-13:
            break
    return beta


@pytest.mark.parametrize("rule", ["union", "adjust"])
def test_structural_zeros_leave_the_likelihood_as_documented(data, fits, rule):
    """A dyad-independent separable TERGM is two logistic regressions: formation over the
    dyads without a tie at t - 1, persistence over those with one, each over the dyads the
    rule models (a city absent at t out; under "adjust" one absent at t - 1 too); the
    covariates are stage t's. The CMLE is exactly that."""
    series = stage_series(data["graphs"], node_covariates=data["nodes"],
                          edge_covariates=data["edges"], node_sets=rule)
    rows = {"formation": [], "persistence": []}
    i, j = np.triu_indices(len(series.cities), 1)
    for t in range(1, len(series)):
        keep = series.modelled(t, looks_back=True)
        use = keep[i] & keep[j]
        gdp = series.node_covariates["gdp"][t]
        prox = series.edge_covariates["proximity"][t][i, j]
        border = series.edge_covariates["border"][t][i, j]
        before, now = series.ties[t - 1][i, j], series.ties[t][i, j]
        design = {"formation": np.column_stack([np.ones(i.size), gdp[i] + gdp[j], prox]),
                  "persistence": np.column_stack([np.ones(i.size), prox, border])}
        for model, had in (("formation", 0), ("persistence", 1)):
            chosen = use & (before == had)
            rows[model].append((design[model][chosen], now[chosen]))
    fit = fits(rule)
    for model in ("formation", "persistence"):
        x = np.vstack([a for a, _ in rows[model]])
        y = np.concatenate([b for _, b in rows[model]])
        np.testing.assert_allclose(fit.params[model], _logit(x, y), rtol=1e-7)
    assert sum(len(b) for _, b in rows["formation"] + rows["persistence"]) == fit.n_dyads
