"""QAP correlation and MRQAP (pyreslib.qap) equal a plain Rscript calling sna with the same
seed, to 1e-8, on the bundled geography and a seeded count network of 30 cities."""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyreslib import qap
from pyreslib.ergm import bridge
from pyreslib.errors import InputError
from pyreslib.network import border_matrix, city_table, proximity_matrix

pytestmark = pytest.mark.r

REPS = 200
TOL = {"rtol": 1e-8, "atol": 1e-10}

# The reference: what a user of sna writes in a plain R script. It reads the matrices in the
# order pyreslib sends them (sorted adcodes), builds the node covariates' dyadic forms and the
# response's transform itself, and prints every number with 17 significant digits.
REFERENCE_R = r"""
suppressPackageStartupMessages(library(sna))
args <- commandArgs(trailingOnly = TRUE)
inp <- readRDS(args[[1]])
rows <- list()
put <- function(case, name, value) {
  rows[[length(rows) + 1L]] <<- data.frame(case = case, name = name,
                                           value = sprintf("%.17g", as.numeric(value)))
}
for (case in inp$cases) {
  id <- case$id
  if (case$what == "cor") {
    set.seed(case$seed)
    q <- qaptest(list(inp$dyadic[[case$x]], inp$dyadic[[case$y]]), gcor, g1 = 1, g2 = 2,
                 mode = "graph", reps = case$reps)
    put(id, c("cor", "pgreq", "pleeq", "pgreqabs"),
        c(q$testval, q$pgreq, q$pleeq, mean(abs(q$dist) >= abs(q$testval))))
    put(id, paste0("dist", 1:5), quantile(q$dist))
    put(id, "mean", mean(q$dist))
    next
  }
  y <- if (case$directed) inp$y_directed else inp$y
  if (case$kind == "logit") y <- (y > 0) * 1
  if (case$transform == "log1p") y <- log1p(y)
  x <- list()
  for (v in names(inp$node)) {
    xv <- inp$node[[v]]
    x[[length(x) + 1L]] <- if (case$node_form == "sum") outer(xv, xv, "+") else
      abs(outer(xv, xv, "-"))
  }
  for (d in c("proximity", "border")) x[[length(x) + 1L]] <- inp$dyadic[[d]]
  if (case$upper_garbage) y[upper.tri(y)] <- 999  # what mode = "graph" must never read
  set.seed(case$seed)
  call_args <- list(y, x, nullhyp = case$null, reps = case$reps)
  if (!is.null(case$mode)) call_args$mode <- case$mode  # NULL: R's default, "digraph"
  if (!is.null(case$test_statistic)) call_args$test.statistic <- case$test_statistic
  fit <- do.call(if (case$kind == "lm") netlm else netlogit, call_args)
  put(id, paste0("coef", seq_along(fit$coefficients)), fit$coefficients)
  put(id, paste0("tstat", seq_along(fit$tstat)), fit$tstat)
  put(id, paste0("pleeq", seq_along(fit$pleeq)), fit$pleeq)
  put(id, paste0("pgreq", seq_along(fit$pgreq)), fit$pgreq)
  put(id, paste0("pgreqabs", seq_along(fit$pgreqabs)), fit$pgreqabs)
  put(id, "n", fit$n)
  if (case$kind == "lm") {
    # summary.netlm's R-squared, from the fitted values and residuals
    f <- fit$fitted.values; e <- fit$residuals
    put(id, "r2", sum((f - mean(f))^2) / (sum((f - mean(f))^2) + sum(e^2)))
  } else {
    put(id, c("deviance", "null_deviance", "aic", "bic"),
        c(fit$deviance, fit$null.deviance, fit$aic, fit$bic))
    put(id, paste0("se", seq_along(fit$se)), fit$se)
  }
}
write.csv(do.call(rbind, rows), args[[2]], row.names = FALSE)
"""

# The MRQAP cases: pyreslib.qap.mrqap's options; the R script makes the same choices.
MRQAP_CASES = {
    **{f"lm_log1p_{null}": {"kind": "lm", "null": null, "transform": "log1p",
                            "node_form": "sum"} for null in qap.NULLS},
    **{f"logit_{null}": {"kind": "logit", "null": null, "transform": "raw",
                         "node_form": "absdiff"} for null in qap.NULLS},
    "lm_raw_beta": {"kind": "lm", "null": "qapspp", "transform": "raw", "node_form": "sum",
                    "test_statistic": "beta"},
    "lm_directed_qapy": {"kind": "lm", "null": "qapy", "transform": "raw", "node_form": "sum",
                         "directed": True},
}


@pytest.fixture(scope="module")
def data():
    """30 cities (Beijing, Tianjin, Hebei, Shanxi, Inner Mongolia), given in a shuffled
    order; the geography's proximity and border matrices; two node covariates; and a
    seeded count network that proximity, a shared border and the economy drive."""
    rng = np.random.default_rng(2024)
    cities = [int(c) for c in rng.permutation(city_table()["adcode"].to_numpy()[:30])]
    prox, border = proximity_matrix(cities), border_matrix(cities)
    nodes = pd.DataFrame({"gdp": rng.normal(size=30), "edu": rng.normal(size=30)},
                         index=pd.Index(cities, name="adcode"))
    lam = np.exp(4.6 + 0.9 * prox.to_numpy() + 0.6 * border.to_numpy()
                 + 0.3 * (nodes["gdp"].to_numpy()[:, None] + nodes["gdp"].to_numpy()[None]))
    upper = np.triu(rng.poisson(lam), 1)
    counts = pd.DataFrame(upper + upper.T, index=prox.index, columns=prox.index)
    directed = pd.DataFrame(rng.poisson(lam) * (1 - np.eye(30)), index=prox.index,
                            columns=prox.index)
    # the covariates' rows in yet another order: they are matched by adcode
    return {"cities": cities, "prox": prox, "border": border, "counts": counts,
            "directed": directed, "nodes": nodes.iloc[rng.permutation(30)]}


def python_fit(data, case: dict, **override):
    options = {k: v for k, v in case.items() if k != "directed"} | override
    y = data["directed"] if case.get("directed") else data["counts"]
    if options["kind"] == "logit":
        y = (y > 0) * 1
    return qap.mrqap(y, {"proximity": data["prox"], "border": data["border"]},
                     node_covariates=data["nodes"], reps=REPS,
                     directed=bool(case.get("directed")), **({"seed": 11} | options))


@pytest.fixture(scope="module")
def fits(data):
    """Each case of MRQAP_CASES fitted once through pyreslib (the tests share the fits)."""
    done: dict[str, qap.QAPResults] = {}

    def fit(name: str) -> qap.QAPResults:
        if name not in done:
            done[name] = python_fit(data, MRQAP_CASES[name])
        return done[name]

    return fit


@pytest.fixture(scope="module")
def reference(data, fits, tmp_path_factory):
    """Run the plain R script on every case in a separate Rscript process, and fit every
    case here while it runs (2 cores, 2 processes)."""
    folder = tmp_path_factory.mktemp("qap_reference")
    order = sorted(data["cities"])  # the order pyreslib.qap sends the cities to R in

    def m(frame):
        return frame.loc[order, order].to_numpy(dtype=float)

    cases = [{"id": "cor_prox_border", "what": "cor", "x": "proximity", "y": "border",
              "seed": 5, "reps": REPS},
             {"id": "cor_counts_prox", "what": "cor", "x": "counts", "y": "proximity",
              "seed": 6, "reps": REPS}]
    for name, case in MRQAP_CASES.items():
        cases.append({"id": name, "what": "mrqap", "seed": 11, "reps": REPS,
                      "mode": "digraph" if case.get("directed") else "graph",
                      "directed": bool(case.get("directed")), "upper_garbage": False,
                      **{k: case[k] for k in ("kind", "null", "transform", "node_form")},
                      **({"test_statistic": case["test_statistic"]}
                         if "test_statistic" in case else {})})
    base = {"what": "mrqap", "seed": 11, "reps": REPS, "kind": "lm", "null": "classical",
            "transform": "log1p", "node_form": "sum", "directed": False}
    # R's default mode ("digraph") on the symmetric matrices, and mode = "graph" with junk
    # above the diagonal: which dyads sna reads for an undirected network.
    cases.append({**base, "id": "lm_r_default_mode", "upper_garbage": False})
    cases.append({**base, "id": "lm_lower_triangle", "mode": "graph", "upper_garbage": True})
    inputs = bridge.named_list({
        "y": m(data["counts"]), "y_directed": m(data["directed"]),
        "dyadic": {"proximity": m(data["prox"]), "border": m(data["border"]),
                   "counts": m(data["counts"])},
        "node": {c: data["nodes"].loc[order, c].tolist() for c in data["nodes"]},
        "cases": [bridge.named_list(c) for c in cases]})
    bridge.session().ro.r["saveRDS"](inputs, str(folder / "inputs.rds"))
    (folder / "reference.R").write_text(REFERENCE_R, encoding="utf-8")
    env = {**os.environ, "R_LIBS": ":".join(bridge.session().lib_paths)}
    # The R script runs while the tests fit the same models here (2 cores, 2 processes).
    process = subprocess.Popen(["Rscript", str(folder / "reference.R"),
                                str(folder / "inputs.rds"), str(folder / "reference.csv")],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    try:
        for name in MRQAP_CASES:
            fits(name)
        yield _Reference(process, folder / "reference.csv")
    finally:
        if process.poll() is None:  # a fit here failed, or no test read the reference
            process.kill()
            process.communicate()


class _Reference:
    """The plain R script's numbers by case, read once the Rscript process has finished."""

    def __init__(self, process: subprocess.Popen, path):
        self.process, self.path, self.cases = process, path, None

    def __getitem__(self, case: str) -> pd.Series:
        if self.cases is None:
            _, stderr = self.process.communicate(timeout=600)
            assert self.process.returncode == 0, stderr[-3000:]
            table = pd.read_csv(self.path, dtype={"value": str})
            table["value"] = table["value"].astype(float)
            self.cases = {c: part.set_index("name")["value"]
                          for c, part in table.groupby("case")}
        return self.cases[case]


def numbered(ref: pd.Series, prefix: str) -> np.ndarray:
    return np.array([ref[f"{prefix}{i}"] for i in range(1, 100) if f"{prefix}{i}" in ref])


# ---- parity ---------------------------------------------------------------------------------

def test_qap_correlation_equals_plain_sna(data, reference):
    test = qap.qap_correlation(data["prox"], data["border"], reps=REPS, seed=5)
    ref = reference["cor_prox_border"]
    np.testing.assert_allclose(
        [test.correlation, test.pvalue_greater, test.pvalue_less, test.pvalue],
        [ref["cor"], ref["pgreq"], ref["pleeq"], ref["pgreqabs"]], **TOL)
    summary = test.distribution_summary()
    np.testing.assert_allclose(summary[["Min", "1stQ", "Median", "3rdQ", "Max"]],
                               numbered(ref, "dist"), **TOL)
    assert summary["Mean"] == pytest.approx(ref["mean"], rel=1e-8)
    assert test.nobs == 30 * 29 // 2 and len(test.distribution) == REPS


def test_qap_correlation_of_a_network_with_a_covariate_equals_plain_sna(data, reference):
    test = qap.qap_correlation(data["counts"], data["prox"], reps=REPS, seed=6)
    ref = reference["cor_counts_prox"]
    assert test.correlation > 0.2  # the network was drawn with proximity driving it
    np.testing.assert_allclose([test.correlation, test.pvalue, test.pvalue_greater,
                                test.pvalue_less],
                               [ref["cor"], ref["pgreqabs"], ref["pgreq"], ref["pleeq"]], **TOL)


@pytest.mark.parametrize("name", list(MRQAP_CASES))
def test_mrqap_equals_plain_sna_under_each_null(fits, reference, name):
    case = MRQAP_CASES[name]
    fit = fits(name)
    ref = reference[name]
    assert fit.null == case["null"]
    form = "nodecov" if case["node_form"] == "sum" else "absdiff"
    assert list(fit.params.index) == ["(intercept)", f"{form}.gdp", f"{form}.edu", "proximity",
                                      "border"]
    np.testing.assert_allclose(fit.params, numbered(ref, "coef"), **TOL)
    np.testing.assert_allclose(fit.statistic, numbered(ref, "tstat"), **TOL)
    np.testing.assert_allclose(fit.pvalues, numbered(ref, "pgreqabs"), **TOL)
    np.testing.assert_allclose(fit.pvalues_greater, numbered(ref, "pgreq"), **TOL)
    np.testing.assert_allclose(fit.pvalues_less, numbered(ref, "pleeq"), **TOL)
    assert fit.nobs == ref["n"]
    if case["kind"] == "lm":
        assert fit.rsquared == pytest.approx(ref["r2"], rel=1e-8)
        if case.get("test_statistic") != "beta":  # t = b / se: the se behind sna's t
            np.testing.assert_allclose(fit.tvalues, numbered(ref, "tstat"), **TOL)
    else:
        np.testing.assert_allclose(fit.bse, numbered(ref, "se"), **TOL)
        np.testing.assert_allclose([fit.deviance, fit.null_deviance, fit.aic, fit.bic],
                                   [ref["deviance"], ref["null_deviance"], ref["aic"],
                                    ref["bic"]], **TOL)
        assert fit.llf == pytest.approx(-ref["deviance"] / 2, rel=1e-12)
    if case["null"] == "classical":
        assert fit.dist is None
    else:
        assert fit.dist.shape == (REPS, 5)


def test_mrqap_finds_the_effects_the_network_was_drawn_with(fits):
    fit = fits("lm_log1p_qapspp")
    assert fit.params["proximity"] > 0 and fit.params["border"] > 0
    assert fit.pvalues["proximity"] < 0.01 and fit.pvalues["nodecov.gdp"] < 0.05
    assert fit.pvalues["nodecov.edu"] > 0.05  # drawn with no effect


# ---- undirected networks: which dyads sna reads -----------------------------------------------

def test_undirected_networks_count_each_dyad_once_from_the_lower_triangle(fits, reference):
    fit = fits("lm_log1p_classical")
    r_default = reference["lm_r_default_mode"]  # netlm(y, x) as R users call it: "digraph"
    lower_only = reference["lm_lower_triangle"]  # mode = "graph", junk above the diagonal
    assert fit.nobs == 435 and r_default["n"] == 2 * 435
    # R's default counts each undirected dyad twice: the same coefficients ...
    np.testing.assert_allclose(fit.params, numbered(r_default, "coef"), rtol=1e-9)
    # ... but t-values inflated by about sqrt(2), which mode = "graph" avoids
    ratio = numbered(r_default, "tstat") / fit.tvalues.to_numpy()
    np.testing.assert_allclose(ratio, np.sqrt(2), rtol=0.01)
    # sna's mode = "graph" reads the lower triangle only, as pyreslib's check assumes
    np.testing.assert_allclose(fit.params, numbered(lower_only, "coef"), **TOL)
    np.testing.assert_allclose(fit.pvalues, numbered(lower_only, "pgreqabs"), **TOL)


def test_a_stage_network_as_a_networkx_graph_is_read_by_its_city_labels(small):
    import networkx as nx

    graph = nx.from_pandas_adjacency(small["y"].iloc[::-1, ::-1])  # weights: the counts
    from_graph = qap.mrqap(graph, {"proximity": small["prox"]}, node_covariates=small["nodes"],
                           transform="log1p", reps=20, seed=4)
    from_frame = qap.mrqap(small["y"], {"proximity": small["prox"]},
                           node_covariates=small["nodes"], transform="log1p", reps=20, seed=4)
    pd.testing.assert_frame_equal(from_graph.to_frame(), from_frame.to_frame())
    assert from_graph.labels == sorted(str(c) for c in small["y"].index)


def test_an_asymmetric_matrix_needs_directed_true(data):
    with pytest.raises(InputError, match="not symmetric.*directed=True"):
        qap.mrqap(data["directed"], {"proximity": data["prox"]}, reps=10, seed=1)


# ---- results objects --------------------------------------------------------------------------

def test_results_summary_tables_and_comparison(fits):
    lm, logit = fits("lm_log1p_qapspp"), fits("logit_qapspp")
    text = str(lm.summary())
    assert "OLS Network Model" in text and "Multiple R-squared" in text
    assert "Null hypothesis: qapspp, 200 permutations, seed 11" in text
    assert "Permutation distribution of the test statistic" in text
    assert "AIC" in str(logit.summary()) and "Pr(>=|z|)" in str(logit.summary())
    latex = lm.to_latex(caption="MRQAP of 30 cities", label="tab:x")
    assert r"\label{tab:x}" in latex and r"nodecov.gdp" in latex
    assert r"Pr(\textgreater{}=|t|)" in latex and "$^{***}$" in latex
    assert "<table" in lm.summary().as_html()
    frame = lm.to_frame()
    assert list(frame.columns) == ["coef", "std err", "t", "Pr(<=b)", "Pr(>=b)", "Pr(>=|b|)",
                                   "stars"]
    assert repr(lm).startswith("<QAPResults lm (qapspp, 200 reps, seed 11): 5 terms")
    assert lm.df_model == 4 and lm.df_resid == 435 - 5
    assert logit.ctable.to_numpy().sum() == 435
    assert logit.distribution_summary().shape == (6, 5)

    table = qap.compare({"OLS, log1p": lm, "logit": logit}, statistic="pvalues")
    assert list(table.params.columns) == ["OLS, log1p", "logit"]
    assert "absdiff.gdp" in table.params.index and "nodecov.gdp" in table.params.index
    assert not table.present.loc["absdiff.gdp", "OLS, log1p"]
    shown = table.as_text()
    assert "Null hypothesis" in shown and "permutation p-values" in shown
    assert r"\caption{MRQAP estimates}" in table.to_latex()
    with pytest.raises(InputError, match="confidence intervals"):
        qap.compare([lm], statistic="conf_int")


def test_sna_is_used_through_its_namespace_and_never_attached(r, small):
    qap.qap_correlation(small["y"], small["prox"], reps=5, seed=1)
    assert "sna" in list(r("loadedNamespaces()"))
    # attached, sna would put its degree, betweenness, ... over igraph's for the session
    assert "package:sna" not in list(r("search()"))


def test_the_same_seed_repeats_the_fit_exactly(data):
    a = python_fit(data, MRQAP_CASES["logit_qapy"])
    b = python_fit(data, MRQAP_CASES["logit_qapy"])
    pd.testing.assert_frame_equal(a.dist, b.dist)
    c = python_fit(data, MRQAP_CASES["logit_qapy"], seed=12)
    assert not a.dist.equals(c.dist)


# ---- properties -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small(data):
    cities = sorted(data["cities"])[:12]
    return {"y": data["counts"].loc[cities, cities], "prox": data["prox"].loc[cities, cities],
            "border": data["border"].loc[cities, cities], "nodes": data["nodes"].loc[cities]}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.permutations(range(12)), st.permutations(range(12)))
def test_reordering_the_cities_leaves_every_number_unchanged(small, first, second):
    def fit(order_y, order_x):
        def y(frame):
            return frame.iloc[list(order_y), list(order_y)]

        def x(frame):
            return frame.iloc[list(order_x), list(order_x)]

        return qap.mrqap(y(small["y"]), {"proximity": x(small["prox"]),
                                         "border": y(small["border"])},
                         node_covariates=small["nodes"].iloc[list(order_x)],
                         transform="log1p", reps=20, seed=3)

    base, moved = fit(range(12), range(12)), fit(first, second)
    pd.testing.assert_frame_equal(base.to_frame(), moved.to_frame())
    pd.testing.assert_frame_equal(base.dist, moved.dist)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**31 - 1))
def test_the_graph_correlation_is_symmetric_in_x_and_y(small, seed):
    xy = qap.qap_correlation(small["y"], small["prox"], reps=5, seed=seed)
    yx = qap.qap_correlation(small["prox"], small["y"], reps=5, seed=seed)
    assert xy.correlation == pytest.approx(yx.correlation, rel=1e-14)
    assert -1 <= xy.correlation <= 1


# ---- bad input ----------------------------------------------------------------------------------

def test_matrices_of_different_sizes_or_cities_are_refused_naming_the_difference(data, small):
    with pytest.raises(InputError, match=r"30 cities in y, 12 in x; not in x: \['131100'"):
        qap.qap_correlation(small["prox"], data["prox"], reps=10, seed=1)
    other = small["prox"].rename(index={small["prox"].index[0]: 999999},
                                 columns={small["prox"].index[0]: 999999})
    with pytest.raises(InputError, match=r"not in regressor 'proximity': \[.*not in y: \['999999'\]"):
        qap.mrqap(small["y"], {"proximity": other}, reps=10, seed=1)
    with pytest.raises(InputError, match="plain array.*labelled by city"):
        qap.qap_correlation(small["prox"], small["border"].to_numpy(), reps=10, seed=1)
    with pytest.raises(InputError, match="12 x 12 but x is 11 x 11"):
        qap.qap_correlation(np.eye(11), small["border"].to_numpy(), reps=10, seed=1)
    with pytest.raises(InputError, match="vertices have no row"):
        qap.mrqap(small["y"], {"proximity": small["prox"]}, node_covariates=small["nodes"][1:],
                  reps=10, seed=1)


@pytest.mark.parametrize("reps", [0, -5, 100_001, 2.5, True, "1000"])
def test_reps_out_of_range_is_refused(small, reps):
    with pytest.raises(InputError, match="reps=.*1 to 100,000"):
        qap.mrqap(small["y"], {"proximity": small["prox"]}, reps=reps, seed=1)
    with pytest.raises(InputError, match="reps="):
        qap.qap_correlation(small["y"], small["prox"], reps=reps, seed=1)


@pytest.mark.parametrize(("option", "message"), [
    ({"null": "qap"}, "null='qap': choose one of 'qapspp', 'qapy', 'qapx', 'classical'"),
    ({"null": "cugden"}, "null='cugden'"),
    ({"kind": "poisson"}, "kind='poisson'"),
    ({"transform": "log"}, "transform='log'"),
    ({"kind": "logit", "transform": "log1p"}, "applies to counts"),
    ({"node_form": "product"}, "node_form\\['gdp'\\]='product'"),
    ({"test_statistic": "z-value"}, "test_statistic='z-value'"),
    ({"seed": -1}, "seed=-1"),
])
def test_unknown_choices_are_refused(small, option, message):
    with pytest.raises(InputError, match=message):
        qap.mrqap(small["y"], {"proximity": small["prox"]}, node_covariates=small["nodes"],
                  reps=10, **({"seed": 1} | option))


def test_non_square_nan_non_binary_and_collinear_inputs_are_refused(small):
    y = small["y"]
    with pytest.raises(InputError, match="square matrix"):
        qap.qap_correlation(np.zeros((3, 4)), np.zeros((3, 4)), reps=10, seed=1)
    with_nan = small["prox"].astype(float).copy()
    with_nan.iloc[2, 3] = with_nan.iloc[3, 2] = np.nan
    with pytest.raises(InputError, match="regressor 'proximity'.*NaN"):
        qap.mrqap(y, {"proximity": with_nan}, reps=10, seed=1)
    with pytest.raises(InputError, match="netlogit needs a binary network"):
        qap.mrqap(y, {"proximity": small["prox"]}, kind="logit", reps=10, seed=1)
    with pytest.raises(InputError, match="linearly dependent"):
        qap.mrqap(y, {"proximity": small["prox"], "twice": 2 * small["prox"]}, reps=10, seed=1)
    with pytest.raises(InputError, match="same value"):
        qap.qap_correlation(y, small["prox"] * 0, reps=10, seed=1)
    with pytest.raises(InputError, match="used twice"):
        qap.mrqap(y, {"nodecov.gdp": small["prox"]}, node_covariates=small["nodes"], reps=10,
                  seed=1)
    with pytest.raises(InputError, match="at least one regressor"):
        qap.mrqap(y, {}, reps=10, seed=1)
