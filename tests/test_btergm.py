"""TERGMs by btergm (pyreslib.temporal.btergm) equal a plain Rscript calling btergm with the
same seed, to 1e-8: estimates, percentile intervals, bootstrap replicates, mtergm's MCMC-MLE,
btergm's GOF (AUC-ROC, AUC-PR, the degree table) and interpret's tie probabilities, under
both node-set rules, on four stages of 40 real cities whose node sets differ.

The reference script builds btergm's objects itself from the stages on the common node set
and the presence of each city (the recipe docs/method.md states for each rule), so it checks
pyreslib's handling of the node sets as well as its calls."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyreslib.ergm import bridge
from pyreslib.errors import RWarning
from pyreslib.network import border_matrix, city_table, proximity_matrix
from pyreslib.temporal import btergm, stage_series, worker
from tests.parity.rscript import numbered, reference_values

pytestmark = pytest.mark.r

R_BOOT = 200
TOL = {"rtol": 1e-8, "atol": 1e-10}
STAGES = ("2011-2013", "2014-2015", "2016-2018", "2019-2021")


def study_stages(seed: int = 2027, n: int = 40):
    """Four stages over 40 real cities (Beijing, Tianjin, Hebei, Shanxi, ...), drawn by a
    seeded generator in which proximity, a shared border, the economy and the previous
    stage's tie drive a tie; 3 to 6 cities are absent from each stage (different ones).
    Returns the stage graphs, the node covariates per stage, and proximity and border."""
    rng = np.random.default_rng(seed)
    cities = [int(c) for c in city_table()["adcode"].to_numpy()[:n]]
    prox, border = proximity_matrix(cities), border_matrix(cities)
    z = prox.to_numpy()
    z = (z - z[~np.eye(n, dtype=bool)].mean()) / z[~np.eye(n, dtype=bool)].std()
    gdp = rng.normal(size=n)
    graphs, nodes, previous = {}, {}, np.zeros((n, n))
    for label in STAGES:
        gdp = 0.8 * gdp + 0.4 * rng.normal(size=n)
        edu = rng.normal(size=n)
        logit = (-2.2 + 1.1 * z + 0.7 * border.to_numpy() + 0.35 * (gdp[:, None] + gdp[None])
                 + 1.4 * previous)
        draw = np.triu(rng.random((n, n)) < 1 / (1 + np.exp(-logit)), 1)
        ties = (draw | draw.T).astype(float)
        absent = rng.choice(n, size=int(rng.integers(3, 7)), replace=False)
        ties[absent, :] = ties[:, absent] = 0
        graph = nx.Graph()
        graph.add_nodes_from(c for k, c in enumerate(cities) if k not in set(absent))
        graph.add_edges_from((cities[i], cities[j]) for i, j in zip(*np.nonzero(np.triu(ties))))
        graph.graph["stage"] = label
        graphs[label] = graph
        # rows for every city, in a shuffled order: matched by label
        order = rng.permutation(n)
        nodes[label] = pd.DataFrame({"gdp": gdp[order], "edu": edu[order]},
                                    index=pd.Index([cities[k] for k in order], name="adcode"))
        previous = ties
    return graphs, nodes, {"proximity": prox, "border": border}


@pytest.fixture(scope="module")
def data():
    graphs, nodes, edges = study_stages()
    return {"graphs": graphs, "nodes": nodes, "edges": edges}


def _series(data, rule):
    return stage_series(data["graphs"], node_covariates=data["nodes"],
                        edge_covariates=data["edges"], node_sets=rule)


# Each case: the pyreslib call, and the formula a btergm user writes for it.
FULL = ("edges + nodecov('gdp') + edgecov('proximity') + edgecov('border') "
        "+ memory(type='stability')")
R_FULL = ('edges + nodecov("gdp") + edgecov(proximity) + edgecov(border) '
          '+ memory(type = "stability", lag = 1)')
CASES = {
    "union_stability": {"formula": FULL, "r": R_FULL, "rule": "union", "seed": 11},
    "adjust_stability": {"formula": FULL, "r": R_FULL, "rule": "adjust", "seed": 11},
    "union_autoregression_timecov": {
        "formula": "edges + edgecov('proximity') + memory(type='autoregression') "
                   "+ timecov(transform='square') + timecov(x='border', minimum=2)",
        "r": 'edges + edgecov(proximity) + memory(type = "autoregression", lag = 1) + '
             'timecov(transform = function(t) t^2) + timecov(x = border, minimum = 2)',
        "rule": "union", "seed": 12},
    "adjust_innovation_loss": {
        "formula": "edges + nodecov('edu') + edgecov('proximity') + memory(type='loss')",
        "r": 'edges + nodecov("edu") + edgecov(proximity) + memory(type = "loss", lag = 1)',
        "rule": "adjust", "seed": 13},
    "union_no_lag": {"formula": "edges + nodecov('gdp') + edgecov('proximity')",
                     "r": 'edges + nodecov("gdp") + edgecov(proximity)', "rule": "union",
                     "seed": 14},
    "mtergm_union": {"formula": "edges + nodecov('gdp') + edgecov('proximity') + "
                                "memory(type='stability')",
                     "r": 'edges + nodecov("gdp") + edgecov(proximity) + '
                          'memory(type = "stability", lag = 1)',
                     "rule": "union", "seed": 15, "estimate": "MCMLE"},
}

# The reference: plain R. It receives the stages on the common node set (ties over U), which
# city is present in which stage, the node covariates per stage and the two matrices, builds
# btergm's objects by the documented recipe of each rule, and prints every number with 17
# significant digits.
REFERENCE_R = r"""
suppressPackageStartupMessages({library(ergm); library(btergm)})
args <- commandArgs(trailingOnly = TRUE)
inp <- readRDS(args[[1]])
U <- inp$cities
P <- inp$present  # stages x cities, logical
TT <- nrow(P)
rows <- list()
put <- function(case, name, value) {
  rows[[length(rows) + 1L]] <<- data.frame(case = case, name = name,
                                           value = sprintf("%.17g", as.numeric(value)))
}
net <- function(t, keep) {
  m <- inp$ties[[t]][keep, keep]
  dimnames(m) <- list(U[keep], U[keep])
  nw <- network::network(m, directed = FALSE)
  for (v in names(inp$node)) network::set.vertex.attribute(nw, v, inp$node[[v]][t, keep])
  nw
}
cov <- function(name, t, keep) {
  m <- inp$edge[[name]][keep, keep]
  dimnames(m) <- list(U[keep], U[keep])
  m
}
# btergm's confint over the replicates without NA estimates, as its warning says it does
# (with boot's R lowered to match, which btergm's own confint omits)
ci_of <- function(fit, level) {
  ok <- complete.cases(fit@boot$t)
  fit@boot$t <- fit@boot$t[ok, , drop = FALSE]
  fit@boot$R <- sum(ok)
  confint(fit, level = level)
}
for (case in inp$cases) {
  id <- case$id
  everyone <- rep(TRUE, length(U))
  if (case$rule == "union") {
    # the common node set; each covariate over the stage's cities marks the absent ones
    # as structural zeros (offset = TRUE); without a covariate, each stage over its cities
    if (case$has_edgecov) {
      networks <- lapply(1:TT, function(t) net(t, everyone))
      proximity <- lapply(1:TT, function(t) cov("proximity", t, P[t, ]))
      border <- lapply(1:TT, function(t) cov("border", t, P[t, ]))
      offset <- TRUE
    } else {
      networks <- lapply(1:TT, function(t) net(t, P[t, ]))
      offset <- FALSE
    }
  } else {
    # btergm's adjustment: each stage over its own cities, covariates over all
    networks <- lapply(1:TT, function(t) net(t, P[t, ]))
    proximity <- lapply(1:TT, function(t) cov("proximity", t, everyone))
    border <- lapply(1:TT, function(t) cov("border", t, everyone))
    offset <- FALSE
  }
  f <- as.formula(paste("networks ~", case$r))
  set.seed(case$seed)
  if (case$estimate == "MCMLE") {
    fit <- mtergm(f, verbose = FALSE, control = control.ergm(seed = case$seed))
    put(id, paste0("coef", seq_along(fit@coef)), fit@coef)
    put(id, paste0("se", seq_along(fit@se)), fit@se)
    put(id, paste0("p", seq_along(fit@pval)), fit@pval)
    put(id, c("llf", "aic", "bic", "nobs"), c(fit@loglik, fit@aic, fit@bic, fit@nobs))
    next
  }
  fit <- suppressWarnings(btergm(f, R = case$R, offset = offset, verbose = FALSE))
  ci <- ci_of(fit, 0.95)
  put(id, paste0("coef", seq_along(fit@coef)), fit@coef)
  put(id, paste0("lower", seq_along(fit@coef)), ci[, 3])
  put(id, paste0("upper", seq_along(fit@coef)), ci[, 4])
  put(id, paste0("mean", seq_along(fit@coef)), ci[, 2])
  put(id, paste0("boot", seq_along(fit@boot$t)), fit@boot$t)
  put(id, "nobs", fit@nobs)
  if (isTRUE(case$extras)) {
    ci90 <- ci_of(fit, 0.9)
    put(id, paste0("lower90_", seq_along(fit@coef)), ci90[, 3])
    put(id, paste0("upper90_", seq_along(fit@coef)), ci90[, 4])
    # tie probabilities: btergm's interpret at time step 2, by index in its networks
    l <- tergmprepare(getformula(fit), offset = FALSE, verbose = FALSE)
    here <- rownames(as.matrix(l$networks[[2]]))
    put(id, paste0("prob", seq_along(inp$dyads_i)), mapply(function(a, b)
      interpret(fit, type = "tie", i = match(a, here), j = match(b, here), t = 2)[[1]],
      inp$dyads_i, inp$dyads_j))
    set.seed(case$gof_seed)
    g <- suppressWarnings(gof(fit, nsim = case$nsim, statistics = c(deg, rocpr),
                              verbose = FALSE))
    put(id, c("auc_roc", "auc_pr", "auc_roc_rg", "auc_pr_rg"),
        c(g[["Tie prediction"]]$auc.roc, g[["Tie prediction"]]$auc.pr,
          g[["Tie prediction"]]$auc.roc.rgraph, g[["Tie prediction"]]$auc.pr.rgraph))
    put(id, paste0("deg_obs", seq_len(nrow(g[["Degree"]]$stats))), g[["Degree"]]$stats[, 1])
    put(id, paste0("deg_mean", seq_len(nrow(g[["Degree"]]$stats))), g[["Degree"]]$stats[, 2])
    put(id, paste0("roc_y", seq_along(g[["Tie prediction"]]$roc@y.values[[1]])),
        g[["Tie prediction"]]$roc@y.values[[1]])
  }
}
write.csv(do.call(rbind, rows), args[[2]], row.names = FALSE)
"""

GOF_SEED, NSIM = 21, 10


def dyads_at(series, t: int, k: int = 3) -> list[tuple[str, str]]:
    """The first ``k`` dyads of cities present at stage ``t`` (with a lag, and its stage
    before: modelled under both rules)."""
    here = [c for c, a, b in zip(series.cities, series.present[t], series.present[t - 1])
            if a and b]
    return [(here[0], here[1]), (here[2], here[5]), (here[3], here[-1])][:k]


def _fit(data, name, **override):
    case = CASES[name]
    return btergm(_series(data, case["rule"]), case["formula"], R=R_BOOT, seed=case["seed"],
                  estimate=case.get("estimate", "MPLE"), **override)


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
    """Run the plain R script on every case in a separate Rscript process while the same
    cases are fitted here (2 cores, 2 processes)."""
    folder = tmp_path_factory.mktemp("btergm_reference")
    series = _series(data, "union")
    dyads = dyads_at(series, 2)
    cases = []
    for name, case in CASES.items():
        cases.append({"id": name, "rule": case["rule"], "r": case["r"], "seed": case["seed"],
                      "R": R_BOOT, "estimate": case.get("estimate", "MPLE"),
                      "has_edgecov": "edgecov" in case["formula"],
                      "extras": name == "union_stability", "gof_seed": GOF_SEED,
                      "nsim": NSIM})
    inputs = bridge.named_list({
        "cities": list(series.cities), "present": series.present.astype(float) > 0,
        "ties": list(series.ties),
        "node": {k: np.vstack(v) for k, v in series.node_covariates.items()},
        "edge": {k: v[0] for k, v in series.edge_covariates.items()},
        "dyads_i": [a for a, _ in dyads], "dyads_j": [b for _, b in dyads],
        "cases": [bridge.named_list(c) for c in cases]})
    return reference_values(REFERENCE_R, inputs, folder,
                            lambda: [fits(name) for name in CASES])


# ---- parity --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [n for n, c in CASES.items() if "estimate" not in c])
def test_btergm_estimates_intervals_and_replicates_equal_plain_btergm(fits, reference, name):
    fit, ref = fits(name), reference[name]
    np.testing.assert_allclose(fit.params, numbered(ref, "coef"), **TOL)
    np.testing.assert_allclose(fit.conf_int()["lower"], numbered(ref, "lower"), **TOL)
    np.testing.assert_allclose(fit.conf_int()["upper"], numbered(ref, "upper"), **TOL)
    np.testing.assert_allclose(fit.boot_mean, numbered(ref, "mean"), **TOL)
    # boot's t matrix, column by column (R's order)
    np.testing.assert_allclose(fit.replicates.to_numpy().ravel(order="F"),
                               numbered(ref, "boot"), **TOL)
    assert fit.nobs == ref["nobs"] and fit.replicates.shape == (R_BOOT, len(fit.params))


def test_replicates_with_na_estimates_are_left_out_of_the_intervals_with_a_warning(data):
    """A time trend is collinear with edges on a resample of one stage: those replicates have
    NA estimates, which the intervals leave out (and say so)."""
    with pytest.warns(RWarning, match=r"\d+ of 200 bootstrap replicates have NA estimates"):
        fit = _fit(data, "union_autoregression_timecov")
    missing = fit.replicates.isna().any(axis=1)
    assert 0 < missing.sum() < R_BOOT
    complete = fit.replicates[~missing]
    np.testing.assert_allclose(fit.boot_mean, complete.mean(), rtol=1e-12)


def test_mtergm_mcmle_equals_plain_mtergm(fits, reference):
    fit, ref = fits("mtergm_union"), reference["mtergm_union"]
    np.testing.assert_allclose(fit.params, numbered(ref, "coef"), **TOL)
    np.testing.assert_allclose(fit.bse, numbered(ref, "se"), **TOL)
    np.testing.assert_allclose(fit.pvalues, numbered(ref, "p"), **TOL)
    np.testing.assert_allclose([fit.llf, fit.aic, fit.bic, fit.nobs],
                               [ref["llf"], ref["aic"], ref["bic"], ref["nobs"]], **TOL)
    assert "Std. Error" in str(fit.summary())
    # btergm's GOF and tie probabilities serve mtergm fits too
    gof = fit.gof(["deg", "rocpr"], nsim=5)
    assert 0.5 < gof.auc_roc <= 1
    assert len(fit.tie_probabilities()) == fit.n_dyads == fit.nobs // 2


def test_intervals_at_another_level_equal_btergm_confint(fits, reference):
    ci = fits("union_stability").conf_int(alpha=0.1)
    ref = reference["union_stability"]
    np.testing.assert_allclose(ci["lower"], numbered(ref, "lower90_"), **TOL)
    np.testing.assert_allclose(ci["upper"], numbered(ref, "upper90_"), **TOL)


def test_tie_probabilities_equal_btergm_interpret(data, fits, reference):
    fit = fits("union_stability")
    dyads = dyads_at(_series(data, "union"), 2)
    probability = fit.tie_probability(dyads, STAGES[2])  # btergm's time step 2
    np.testing.assert_allclose(probability, numbered(reference["union_stability"], "prob"),
                               **TOL)
    # edgeprob holds the same probabilities for every modelled dyad
    table = fit.tie_probabilities().set_index(["stage", "i", "j"])["probability"]
    for (a, b), p in zip(dyads, probability):
        key = (STAGES[2], *sorted((a, b)))
        assert table[key] == pytest.approx(p, rel=1e-10)


def test_gof_auc_roc_pr_and_degree_table_equal_btergm_gof(fits, reference):
    gof = fits("union_stability").gof(["deg", "rocpr"], nsim=NSIM, seed=GOF_SEED)
    ref = reference["union_stability"]
    np.testing.assert_allclose(gof.auc.to_numpy().T.ravel(),
                               [ref["auc_roc"], ref["auc_roc_rg"], ref["auc_pr"],
                                ref["auc_pr_rg"]], **TOL)
    degree = gof.statistics["Degree"].table
    np.testing.assert_allclose(degree.iloc[:, 0], numbered(ref, "deg_obs"), **TOL)
    np.testing.assert_allclose(degree.iloc[:, 1], numbered(ref, "deg_mean"), **TOL)
    model_roc = gof.roc[gof.roc["curve"] == "model"]
    np.testing.assert_allclose(model_roc["y"], numbered(ref, "roc_y"), **TOL)
    assert set(gof.roc["curve"]) == {"model", "random graph"}
    assert 0.5 < gof.auc_roc <= 1 and list(gof.pr.columns) == ["curve", "x", "y", "cutoff"]


# ---- behaviour -----------------------------------------------------------------------------

def test_results_do_not_depend_on_the_number_of_workers(data, fits):
    """boot draws every resample in the master before the replicates are computed, so two
    R processes give the replicates of one."""
    one = fits("union_stability")
    two = _fit(data, "union_stability", workers=2)
    pd.testing.assert_series_equal(one.params, two.params, rtol=0, atol=0)
    pd.testing.assert_frame_equal(one.replicates, two.replicates, rtol=0, atol=0)
    assert two.workers == 2


def test_a_lag_drops_the_first_stage_and_the_rules_model_the_documented_dyads(data, fits):
    union, adjust = fits("union_stability"), fits("adjust_stability")
    assert union.stages == STAGES[1:] and fits("union_no_lag").stages == STAGES
    present = _series(data, "union").present
    # union: the cities present at t; adjust (with a lag): those present at t and t - 1
    expected_union = [int(present[t].sum()) for t in range(1, 4)]
    expected_adjust = [int((present[t] & present[t - 1]).sum()) for t in range(1, 4)]
    assert union.nodes.tolist() == expected_union
    assert adjust.nodes.tolist() == expected_adjust
    # btergm counts both triangles of the undirected dyads
    assert union.n_dyads == sum(k * (k - 1) // 2 for k in expected_union) == union.nobs // 2
    assert adjust.n_dyads == sum(k * (k - 1) // 2 for k in expected_adjust) == adjust.nobs // 2
    # the two rules differ only in the cities new at t, so the estimates differ, a little
    assert not np.allclose(union.params, adjust.params)


def test_summary_and_latex_show_btergm_table_with_the_settings(fits):
    fit = fits("union_stability")
    text = str(fit.summary())
    assert "2.5%" in text and "97.5%" in text and "Boot mean" in text
    assert f"{R_BOOT} bootstrap replicates" in text and "seed 11" in text
    assert "edgecov.memory[[i]]" in text
    latex = fit.to_latex()
    assert latex.startswith("\\begin{table}") and "95\\% percentile intervals" in latex
    assert list(fit.to_frame().columns) == ["Estimate", "Boot mean", "2.5%", "97.5%"]
    assert fit.significant().dtype == bool
    np.testing.assert_allclose(fit.bse, np.sqrt(((fit.replicates - fit.params) ** 2).mean()))


def test_btergm_and_tergm_are_never_loaded_in_the_session_that_fits_ergms(fits):
    fits("union_stability")
    assert worker.loaded_in_session() == {"btergm": False, "tergm": False}


def test_a_stage_the_model_does_not_fit_is_refused(fits):
    from pyreslib.errors import InputError

    with pytest.raises(InputError, match=r"lagged network of the next stage"):
        fits("union_stability").tie_probability([("110000", "120000")], STAGES[0])


# ---- the node-set rule: invariants -------------------------------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations(list(range(8))), st.lists(st.booleans(), min_size=8, max_size=8))
def test_stage_series_matches_cities_by_label_whatever_their_order(order, drop):
    """Relabelling nothing but reordering the nodes of each graph, and dropping cities from
    a stage, gives the same series: cities are matched by label, never by position."""
    base = [110000 + k for k in range(8)]
    edges = [(base[a], base[b]) for a, b in [(0, 1), (1, 2), (2, 3), (4, 5), (6, 7), (0, 7)]]
    first = nx.Graph(edges)
    keep = [c for c, d in zip(base, drop) if not d]
    keep = keep if len(keep) >= 2 else base[:2]
    second = nx.Graph()
    second.add_nodes_from([base[k] for k in order if base[k] in keep])
    second.add_edges_from((a, b) for a, b in edges if a in keep and b in keep)
    plain = nx.Graph()
    plain.add_nodes_from(sorted(second.nodes))
    plain.add_edges_from(second.edges)
    one = stage_series({"2011-2014": first, "2015-2017": second})
    two = stage_series({"2011-2014": first, "2015-2017": plain})
    assert one.cities == two.cities == tuple(str(c) for c in sorted(base))
    np.testing.assert_array_equal(one.present, two.present)
    for a, b in zip(one.ties, two.ties):
        np.testing.assert_array_equal(a, b)
    assert one.present[1].sum() == len(keep)
    # a city absent from a stage has no ties there, and every dyad of it is a zero there
    zeros = one.structural_zeros(1, looks_back=False)
    absent = ~one.present[1]
    assert not one.ties[1][absent].any()
    assert (zeros[absent][:, ~absent] == 1).all()


# ---- loading btergm and tergm does not change what ergm gives -------------------------------

ISOLATION_SCRIPT = r"""
import json, warnings
warnings.simplefilter("ignore")
import numpy as np
from pyreslib.ergm import ERGM, bridge, simulate
from tests.parity.catalogue import BY_NAME
from tests.parity.harness import load_network

def exact(values):
    return [float(v).hex() for v in np.asarray(values, dtype=float).ravel()]

def run():
    out = {}
    for name in ("flo_wealth", "flo_triangle"):
        entry = BY_NAME[name]
        adjacency, covariates, directed = load_network(entry.network)
        fit = ERGM(adjacency, entry.formula, node_covariates=covariates, directed=directed,
                   **entry.model).fit(seed=entry.seed, verbose=False, **entry.fit)
        out[name] = exact([*fit.params, *fit.bse, fit.llf, fit.aic, fit.bic])
    gof = fit.gof(nsim=20, seed=3)  # the MCMC fit: ergm::gof simulates from it
    out["gof"] = {k: exact(t.to_numpy()) for k, t in gof.tables.items()}
    figure = gof.plot()
    out["gof_plot_axes"] = len(figure.axes)
    out["simulate_fit"] = exact(fit.simulate(nsim=3, seed=4, output="stats").to_numpy())
    out["simulate_formula"] = exact(simulate("edges + triangle", [-1.5, 0.2], 12, seed=5,
                                             nsim=3, output="stats").to_numpy())
    return out

r = bridge.session().ro.r
before = run()
loaded_before = [bool(r('isNamespaceLoaded("%s")' % p)[0]) for p in ("btergm", "tergm")]
r('invisible(loadNamespace("btergm")); invisible(loadNamespace("tergm"))')
# the method a call from the user's workspace dispatches to (simulate_formula is ergm's generic)
owners = {m: str(r('environmentName(environment(getS3method("%s", "%s", envir = %s)))' % m)[0])
          for m in (("print", "gof", "globalenv()"), ("plot", "gof", "globalenv()"),
                    ("simulate_formula", "network", 'asNamespace("ergm")'))}
after = run()
print(json.dumps({"same": before == after, "loaded_before": loaded_before,
                  "owners": {"/".join(k[:2]): v for k, v in owners.items()},
                  "before": before, "after": after}))
"""


def test_loading_btergm_and_tergm_in_the_session_leaves_ergm_fits_unchanged(tmp_path):
    """ERGM parity fits (ergm's tutorial flomodel.03 by MLE and flomodel.02 by MCMC-MLE),
    their GOF (tables and the figure pyreslib draws) and simulations give the same numbers,
    bit for bit, after btergm and tergm are loaded into the same R session; though loading
    them does register btergm's print/plot methods for "gof" and tergm's
    simulate_formula.network over ergm's. Run in a fresh Python so that no other test's R
    session gets them."""
    import json
    import sys
    from pathlib import Path

    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-c", ISOLATION_SCRIPT], capture_output=True, check=False,
                          text=True, cwd=Path(__file__).resolve().parents[1], env=env,
                          timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["loaded_before"] == [False, False]
    assert out["owners"] == {"print/gof": "btergm", "plot/gof": "btergm",
                             "simulate_formula/network": "tergm"}
    assert out["before"] == out["after"]
    assert out["same"]


# ---- the worker --------------------------------------------------------------------------------

def test_a_worker_that_died_is_replaced_and_the_call_gives_the_same_answer(data, fits):
    import signal
    import time

    fit = fits("union_stability")
    dyads = dyads_at(_series(data, "union"), 2)
    first = fit.tie_probability(dyads, STAGES[2])
    os.kill(worker._workers["btergm"].pid, signal.SIGKILL)
    time.sleep(0.5)
    again = fit.tie_probability(dyads, STAGES[2])  # on a new worker, from the serialized fit
    pd.testing.assert_series_equal(first, again, rtol=0, atol=0)


def test_ctrl_c_stops_a_long_bootstrap_and_kills_its_worker(data):
    """SIGINT while the embedded session waits for the worker: KeyboardInterrupt within a
    few polls, and the worker process (mid-bootstrap) is gone."""
    import signal
    import threading
    import time

    fits, pids = [], []

    def interrupt():
        pids.append(worker._workers["btergm"].pid)
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(8.0, interrupt)
    timer.start()
    started = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            fits.append(btergm(_series(data, "union"), FULL, R=MAX_BOOT_FOR_TEST, seed=1))
    finally:
        timer.cancel()
    assert time.perf_counter() - started < 60
    assert "btergm" not in worker._workers
    assert not fits
    time.sleep(0.5)
    status = Path(f"/proc/{pids[0]}/status")
    assert not status.exists() or "State:\tZ" in status.read_text()  # gone (or a zombie)


MAX_BOOT_FOR_TEST = 100_000  # far longer than the test waits
