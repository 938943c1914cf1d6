"""Spatial autocorrelation (the pyreslib.spatial package) against R's spdep, run as a plain
Rscript.

spdep is Debian's r-cran-spdep (``sh scripts/ensure-spdep.sh``); it is never loaded into
pyreslib's embedded R.  The R side (tests/fixtures/spatial/reference.R) reads the same
unstyled weights as a CSV matrix (``spdep::mat2listw``) and the same values, and writes
spdep's results; the analytic quantities must agree to 1e-10.  Permutation p-values cannot
share R's random numbers, so they are checked by their formula on pyreslib's own draws (whose
statistics spdep recomputes), by repeating with the same seed, and against spdep's moran.mc,
geary.mc and localmoran_perm within Monte-Carlo error.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from functools import cache
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib import spatial
from pyreslib.cities import city_table
from pyreslib.errors import InputError
from pyreslib.network import distance_matrix
from pyreslib.spatial import IsolateWarning
from pyreslib.spatial.local import _conditional_draws
from pyreslib.spatial.weights import _constants

FIXTURES = Path(__file__).parent / "fixtures" / "spatial"
REFERENCE_R = FIXTURES / "reference.R"
RTOL, ATOL = 1e-10, 1e-12  # the Must-show tolerance (ATOL for values that are exactly 0)


# ---------------------------------------------------------------------------- helpers
@cache
def spdep_problem() -> str | None:
    """Why a plain Rscript cannot run spdep here (None when it can)."""
    if shutil.which("Rscript") is None:
        return "Rscript is not on PATH (install R; then sh scripts/ensure-spdep.sh)"
    done = subprocess.run(["Rscript", "-e", "suppressPackageStartupMessages(library(spdep))"],
                          check=False, capture_output=True, text=True)
    if done.returncode:
        return ("Rscript cannot load spdep (sh scripts/ensure-spdep.sh installs Debian's "
                f"r-cran-spdep): {done.stderr.strip()[-300:]}")
    return None


@pytest.fixture(scope="session")
def spdep():
    problem = spdep_problem()
    if problem:
        pytest.skip(problem)


def run_spdep(folder: Path, weights: spatial.SpatialWeights, values: pd.DataFrame, *,
              alternative: str = "greater", perms: np.ndarray | None = None,
              nsim: int = 0) -> dict[str, pd.DataFrame]:
    """spdep's results for ``values`` (columns = quantities) under ``weights``."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = [str(c) for c in weights.adcodes]
    pd.DataFrame(weights.raw.toarray(), index=ids, columns=ids).to_csv(
        folder / "weights.csv", float_format="%.17g")
    values.set_axis(ids).to_csv(folder / "values.csv", float_format="%.17g")
    if perms is not None:
        np.savetxt(folder / "perms.csv", perms + 1, fmt="%d", delimiter=",")
    r_alternative = "two.sided" if alternative == "two-sided" else alternative
    done = subprocess.run(["Rscript", str(REFERENCE_R), str(folder), weights.style,
                           r_alternative, str(nsim)], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return {p.stem: pd.read_csv(p, dtype={"id": str}) for p in folder.glob("*.csv")
            if p.stem not in ("weights", "values", "perms")}


def close(mine, theirs, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(np.asarray(mine, float), np.asarray(theirs, float),
                               rtol=rtol, atol=atol)


def quiet(function, *args, **kwargs):
    """Call ``function`` with IsolateWarning silenced (tests that check it say so)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IsolateWarning)
        return function(*args, **kwargs)


def permutations_of(n: int, count: int, seed: int) -> np.ndarray:
    """The documented draws: row r is the r-th rng.permutation(n) of default_rng(seed)."""
    rng = np.random.default_rng(seed)
    return np.array([rng.permutation(n) for _ in range(count)])


# ---------------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def columbus():
    """Anselin's Columbus neighbourhoods with col.gal.nb queen weights (fixture README.md)."""
    data = pd.read_csv(FIXTURES / "columbus.csv", index_col="NEIGNO")
    pairs = pd.read_csv(FIXTURES / "columbus_queen.csv")
    matrix = pd.DataFrame(0, index=data.index, columns=data.index)
    for a, b in pairs.itertuples(index=False):
        matrix.loc[a, b] = 1
    return data, spatial.weights_from_matrix(matrix)


@pytest.fixture(scope="module")
def demo_quantities():
    """Per-city quantities of the bundled demo's three stage networks (92, 158, 257 cities):
    networkx degree, betweenness and closeness centrality, and the log of the demo's
    (synthetic) GDP per capita in the stage's last year."""
    from pyreslib import datasets, ingest

    patents, covariates = datasets.load_demo()
    networks = ingest.ingest_file(patents).networks
    gdp = pd.read_csv(covariates).pivot(index="adcode", columns="year", values="gdp_per_capita")
    out = {}
    for stage, G in networks.items():
        last = int(str(stage).split("-")[1])
        table = pd.DataFrame({
            "degree": pd.Series(dict(G.degree()), dtype=float),
            "betweenness": pd.Series(nx.betweenness_centrality(G)),
            "closeness": pd.Series(nx.closeness_centrality(G)),
        }).sort_index()
        table["log_gdp"] = np.log(gdp.loc[table.index, last])
        out[stage] = table
    return out


KINDS = {"queen": {}, "knn": {"k": 6}, "distance": {"cutoff_km": 300.0, "power": 1.0}}


# ---------------------------------------------------------------------------- textbook
def test_columbus_crime_reproduces_the_published_moran_test(columbus):
    # Anselin (2005), Spatial Regression Analysis in R: A Workbook, 3.3.1: colqueen, CRIME
    data, w = columbus
    s0, s1, s2 = _constants(w.matrix)
    assert (w.n, round(s0, 5), round(s1, 5), round(s2, 4)) == (49, 49.0, 23.48489, 204.6687)
    two = spatial.moran(data["CRIME"], w, alternative="two-sided")
    assert round(two.value, 9) == 0.485770914
    assert round(two.expectation, 9) == -0.020833333
    assert round(two.variance_normality, 9) == 0.008860962
    assert round(two.variance_randomisation, 9) == 0.008991121
    assert (round(two.z_normality, 4), round(two.z_randomisation, 4)) == (5.3818, 5.3427)
    assert f"{two.p_normality:.3e}" == "7.374e-08" and f"{two.p_randomisation:.3e}" == "9.157e-08"
    greater = spatial.moran(data["CRIME"], w)
    assert f"{greater.p_randomisation:.3e}" == "4.578e-08"
    # the workbook's moran.mc with 99 permutations: no permuted I reaches the observed one
    assert spatial.moran(data["CRIME"], w, permutations=99).p_permutation == 0.01
    assert round(spatial.moran(data["INC"], w).value, 9) == 0.416837942
    # the lag of a city is the mean of its neighbours' values under row-standardised weights
    first = pd.read_csv(FIXTURES / "columbus_queen.csv").query("`from` == 1005")["to"]
    assert w.lag(data["CRIME"])[1005] == pytest.approx(data.loc[first, "CRIME"].mean())
    assert "49 cities, 230 links" in w.summary()


def test_columbus_equals_spdep(columbus, spdep, tmp_path):
    data, w = columbus
    for alternative in ("greater", "two-sided", "less"):
        ref = run_spdep(tmp_path / alternative, w, data, alternative=alternative)
        check_global(data, w, ref, alternative)
        if alternative == "greater":
            check_local(data, w, ref)


def check_global(values: pd.DataFrame, w, ref, alternative: str) -> None:
    constants = ref["constants"].iloc[0]
    close(_constants(w.matrix), constants[["S0", "S1", "S2"]])
    table = ref["global"].set_index(["quantity", "statistic", "assumption"])
    for quantity in values.columns:
        for name, function in (("moran", spatial.moran), ("geary", spatial.geary)):
            with warnings.catch_warnings():  # a negative variance: NaN z and p, as spdep's
                warnings.filterwarnings("ignore", "Moran's I: the variance", RuntimeWarning)
                test = function(values[quantity], w, permutations=9, alternative=alternative)
            assert test.n_effective == constants["n"]
            for assumption in ("normality", "randomisation"):
                row = table.loc[(quantity, name, assumption)]
                close([test.value, test.expectation, getattr(test, "variance_" + assumption),
                       getattr(test, "z_" + assumption), getattr(test, "p_" + assumption)],
                      row[["estimate", "expectation", "variance", "z", "p"]])


def check_local(values: pd.DataFrame, w, ref) -> None:
    local = ref["local"]
    gstar = ref["localG"]
    for quantity in values.columns:
        for conditional in (True, False):
            lisa = spatial.local_moran(values[quantity], w, permutations=9,
                                       conditional=conditional, adjust="none", p_value="normal")
            theirs = local[(local["quantity"] == quantity) & (local["conditional"] == conditional)]
            mine = lisa.table
            close(mine[["Ii", "E_Ii", "Var_Ii", "Z_Ii", "p_normal"]],
                  theirs[["Ii", "E.Ii", "Var.Ii", "Z.Ii", "p"]])
            has = ~np.isnan(theirs["p"].to_numpy())
            assert (mine["quadrant"].to_numpy()[has] == theirs["quadrant"].to_numpy()[has]).all()
            for method, column in (("bonferroni", "p_bonferroni"), ("fdr", "p_fdr")):
                close(spatial.adjust_p(mine["p_normal"], method), theirs[column])
        g = spatial.getis_ord(values[quantity], w, adjust="fdr").table
        theirs = gstar[gstar["quantity"] == quantity]
        close(g[["Gi", "E_Gi", "Var_Gi", "Z_Gi", "p", "p_adjusted"]],
              theirs[["G", "EG", "VG", "ZG", "p", "p_fdr"]])
        if theirs["ZG_include_self"].notna().all():  # binary weights: spdep's include.self
            close(g["Z_Gi"], theirs["ZG_include_self"])


# ---------------------------------------------------------------------------- real geography
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("stage", ["2011-2014", "2015-2017", "2018-2021"])
def test_demo_stages_equal_spdep(demo_quantities, spdep, tmp_path, stage, kind):
    values = demo_quantities[stage]
    w = quiet(spatial.spatial_weights, values.index, kind, **KINDS[kind])
    ref = run_spdep(tmp_path, w, values)
    check_global(values, w, ref, "greater")
    check_local(values, w, ref)


def test_isolates_are_handled_as_spdep_zero_policy(demo_quantities, spdep, tmp_path):
    # the first stage's 92 cities: many share no border with another network city
    values = demo_quantities["2011-2014"]
    with pytest.warns(IsolateWarning, match="no neighbour") as caught:
        w = spatial.spatial_weights(values.index, "queen")
    assert len(w.isolates) >= 5
    assert str(w.isolates[0]) in str(caught[0].message)
    lisa = spatial.local_moran(values["degree"], w)
    iso = lisa.table.loc[list(w.isolates)]
    assert (iso["cluster"] == "isolate").all() and iso["Z_Ii"].isna().all()
    assert iso["p_permutation"].isna().all()
    ref = run_spdep(tmp_path, w, values[["degree"]])
    check_global(values[["degree"]], w, ref, "greater")  # n reduced to cities with neighbours


def test_row_standardised_and_binary_distance_weights_equal_spdep(demo_quantities, spdep,
                                                                  tmp_path):
    values = demo_quantities["2018-2021"][["log_gdp", "degree"]]
    for style, power in (("B", 2.0), ("W", 0.0)):
        w = quiet(spatial.spatial_weights, values.index, "distance", cutoff_km=250,
                  power=power, style=style)
        ref = run_spdep(tmp_path / style, w, values, alternative="two-sided")
        check_global(values, w, ref, "two-sided")
        check_local(values, w, ref)


def test_knn_neighbours_equal_spdep_knearneigh_up_to_near_ties(demo_quantities, spdep,
                                                               tmp_path):
    # an independent construction of the same weights: spdep's k nearest on the WGS-84
    # ellipsoid; pyreslib's haversine sphere differs by < 0.5%, which can swap a k-th and a
    # (k+1)-th neighbour lying at almost the same distance, and nothing else
    codes = demo_quantities["2018-2021"].index
    seats = city_table().set_index("adcode").loc[codes, ["lon", "lat"]]
    seats.to_csv(tmp_path / "seats.csv")
    script = (f"suppressPackageStartupMessages(library(spdep));"
              f"s <- read.csv('{tmp_path / 'seats.csv'}');"
              f"nb <- knn2nb(knearneigh(as.matrix(s[, c('lon', 'lat')]), k = 6, longlat = TRUE));"
              f"write.csv(nb2mat(nb, style = 'B'), '{tmp_path / 'knn.csv'}', row.names = FALSE)")
    done = subprocess.run(["Rscript", "-e", script], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    theirs = pd.read_csv(tmp_path / "knn.csv").to_numpy()
    mine = spatial.spatial_weights(codes, "knn", k=6, style="B").raw.toarray()
    km = distance_matrix(codes).to_numpy()
    rows = np.flatnonzero((mine != theirs).any(axis=1))
    assert len(rows) <= 0.05 * len(codes)
    for i in rows:
        only_mine = km[i, (mine[i] == 1) & (theirs[i] == 0)]
        only_theirs = km[i, (mine[i] == 0) & (theirs[i] == 1)]
        assert len(only_mine) == len(only_theirs) == 1
        assert abs(only_mine[0] - only_theirs[0]) < 0.005 * only_mine[0]
        assert only_mine[0] <= only_theirs[0]  # pyreslib keeps the nearer one by haversine


# ---------------------------------------------------------------------------- permutations
def test_permutation_p_values_follow_the_formula_on_spdeps_own_statistics(
        demo_quantities, spdep, tmp_path):
    values = demo_quantities["2018-2021"]
    w = quiet(spatial.spatial_weights, values.index, "queen")
    perms = permutations_of(w.n, 999, seed=7)
    ref = run_spdep(tmp_path, w, values, perms=perms)["permuted"]
    for quantity in values.columns:
        theirs = ref[ref["quantity"] == quantity]
        m = spatial.moran(values[quantity], w, seed=7)
        g = spatial.geary(values[quantity], w, seed=7)
        close(m.permuted, theirs["moran"], atol=1e-13)  # spdep's moran() on our draws
        close(g.permuted, theirs["geary"], atol=1e-13)
        assert m.p_permutation == (1 + np.sum(m.permuted >= m.value - 1e-12)) / 1000
        assert g.p_permutation == (1 + np.sum(g.permuted <= g.value + 1e-12)) / 1000


@pytest.mark.slow
def test_permutation_p_values_agree_with_spdep_within_monte_carlo_error(
        demo_quantities, spdep, tmp_path):
    values = demo_quantities["2018-2021"][["log_gdp", "betweenness"]]
    w = quiet(spatial.spatial_weights, values.index, "queen")
    nsim = 9999
    mc = run_spdep(tmp_path, w, values, nsim=nsim)["mc"]
    for quantity in values.columns:
        theirs = mc[mc["quantity"] == quantity]
        for function, column in ((spatial.moran, "moran_mc"), (spatial.geary, "geary_mc")):
            mine = function(values[quantity], w, permutations=nsim, seed=3).p_permutation
            r = theirs[column].iloc[0]
            p = max(mine, r, 1 / (nsim + 1))
            # two independent estimates of p (5 s.d. of their difference) plus spdep 1.2's
            # one-count offset (moran.mc counts max(#{I_r >= I}, 1), issue #172)
            assert abs(mine - r) <= 5 * np.sqrt(2 * p * (1 - p) / nsim) + 1 / (nsim + 1)
    # local pseudo p-values on a quantity without ties (see the next test for ties)
    lisa = spatial.local_moran(values["log_gdp"], w, permutations=nsim, seed=3)
    mine = lisa.table["p_permutation"].to_numpy()
    r = mc.loc[mc["quantity"] == "log_gdp", "p_folded"].to_numpy()
    ok = ~np.isnan(r)
    assert (np.isnan(mine) == ~ok).all() and ok.sum() == w.n - len(w.isolates)
    # spdep draws the neighbours' values with replacement, pyreslib without (Anselin 1995):
    # for 257 cities with a handful of neighbours the two null distributions nearly agree
    p = np.maximum(np.maximum(mine[ok], r[ok]), 1 / (nsim + 1))
    bound = 5 * np.sqrt(2 * p * (1 - p) / nsim) + 0.02 * p + 1 / (nsim + 1)
    assert (np.abs(mine[ok] - r[ok]) <= bound).all()


def test_local_pseudo_p_values_follow_the_formula_on_their_own_draws(demo_quantities):
    # degree: many cities share a value, so many draws tie with I_i and count in both tails
    values = demo_quantities["2018-2021"]["degree"]
    w = quiet(spatial.spatial_weights, values.index, "queen")
    table = spatial.local_moran(values, w, permutations=499, seed=8).table
    x = values.to_numpy()
    z = x - x.mean()
    m2 = z @ z / len(z)
    ties = 0
    for i, lag in enumerate(_conditional_draws(z, w, 499, seed=8).T):
        if np.isnan(lag).all():
            assert np.isnan(table["p_permutation"].iloc[i]) and w.adcodes[i] in w.isolates
            continue
        draws, ii = z[i] / m2 * lag, table["Ii"].iloc[i]
        tied = np.isclose(draws, ii, rtol=1e-12, atol=0)
        ties += tied.any()
        extreme = min(np.sum((draws > ii) | tied), np.sum((draws < ii) | tied))
        assert table["p_permutation"].iloc[i] == (1 + extreme) / 500
    assert ties > 20


def test_conditional_permutations_have_the_analytic_conditional_moments(columbus):
    # drawing without replacement, the permuted I_i have exactly spdep's conditional
    # (Sokal et al. 1998) mean and variance; 20000 draws pin both to a few percent
    data, w = columbus
    x = data["CRIME"].to_numpy()
    z = x - x.mean()
    m2 = z @ z / len(z)
    lisa = spatial.local_moran(data["CRIME"], w, permutations=9, conditional=True).table
    lags = _conditional_draws(z, w, 20_000, seed=5)
    for i, lag in enumerate(lags.T):
        draws = z[i] / m2 * lag
        sd = np.sqrt(lisa["Var_Ii"].iloc[i])
        assert abs(draws.mean() - lisa["E_Ii"].iloc[i]) < 5 * sd / np.sqrt(20_000)
        assert draws.var() == pytest.approx(lisa["Var_Ii"].iloc[i], rel=0.05)


def test_the_same_seed_repeats_exactly_and_another_seed_does_not(columbus):
    data, w = columbus
    a = spatial.moran(data["CRIME"], w, seed=11)
    b = spatial.moran(data["CRIME"], w, seed=11)
    assert np.array_equal(a.permuted, b.permuted) and a.p_permutation == b.p_permutation
    assert not np.array_equal(a.permuted, spatial.moran(data["CRIME"], w, seed=12).permuted)
    la = spatial.local_moran(data["CRIME"], w, seed=11).table["p_permutation"]
    lb = spatial.local_moran(data["CRIME"], w, seed=11).table["p_permutation"]
    assert la.equals(lb)


def test_global_permutations_are_the_documented_draws(columbus):
    data, w = columbus
    x = data["HOVAL"].to_numpy()
    test = spatial.moran(data["HOVAL"], w, permutations=50, seed=4)
    z = x - x.mean()
    W = w.matrix.toarray()
    expected = [w.n / W.sum() * (z[p] @ W @ z[p]) / (z @ z) for p in permutations_of(w.n, 50, 4)]
    close(test.permuted, expected)


def test_global_tests_of_999_permutations_on_300_cities_take_well_under_a_second():
    import time

    codes = city_table()["adcode"].iloc[:300]
    values = pd.Series(np.random.default_rng(1).normal(size=300), index=codes)
    w = quiet(spatial.spatial_weights, codes, "queen")
    start = time.perf_counter()
    spatial.moran(values, w)
    spatial.geary(values, w)
    assert time.perf_counter() - start < 0.5


# ---------------------------------------------------------------------------- local output
def test_lisa_clusters_follow_the_signs_and_the_adjusted_p_values(columbus):
    data, w = columbus
    for adjust in spatial.ADJUSTMENTS:
        lisa = spatial.local_moran(data["CRIME"], w, adjust=adjust, alpha=0.05)
        t = lisa.table
        assert t["p_adjusted"].equals(pd.Series(spatial.adjust_p(t["p_permutation"], adjust),
                                                index=t.index, name="p_adjusted"))
        significant = t["p_adjusted"] <= 0.05
        assert (t.loc[significant, "cluster"] == t.loc[significant, "quadrant"]).all()
        assert (t.loc[~significant, "cluster"] == "not significant").all()
        hh = t[t["quadrant"] == "high-high"]
        assert ((hh["std_value"] > 0) & (hh["std_lag"] > 0)).all()
    none = spatial.local_moran(data["CRIME"], w, adjust="none").table
    fdr = spatial.local_moran(data["CRIME"], w, adjust="fdr").table
    bonferroni = spatial.local_moran(data["CRIME"], w, adjust="bonferroni").table
    assert (none["p_adjusted"] <= fdr["p_adjusted"]).all()
    assert (fdr["p_adjusted"] <= bonferroni["p_adjusted"]).all()
    assert "high-high" in spatial.local_moran(data["CRIME"], w, adjust="none").summary()


def test_local_tests_adjust_nothing_by_default_as_spdep_and_geoda(columbus):
    # an adjusted map is the caller's choice: with 999 permutations no pseudo p-value is below
    # 0.001, and FDR over ~250 cities then calls (almost) nothing significant
    data, w = columbus
    lisa = spatial.local_moran(data["CRIME"], w)
    assert lisa.adjust == "none"
    assert lisa.table["p_adjusted"].equals(lisa.table["p_permutation"].rename("p_adjusted"))
    gi = spatial.getis_ord(data["CRIME"], w)
    assert gi.adjust == "none" and gi.table["p_adjusted"].equals(gi.table["p"].rename(
        "p_adjusted"))


def test_the_stage_runner_gives_the_lisa_its_own_number_of_permutations(demo_quantities):
    values = demo_quantities["2018-2021"][["log_gdp"]]
    out = quiet(spatial.stage_spatial_autocorrelation, {"s": values}, permutations=99,
                local_permutations=999, seed=4, adjust="fdr")
    w = out.weights["s"]
    direct = spatial.local_moran(values["log_gdp"], w, permutations=999, seed=4, adjust="fdr")
    np.testing.assert_array_equal(out.local["p_permutation"], direct.table["p_permutation"])
    assert out.local["cluster"].tolist() == direct.table["cluster"].tolist()
    assert out.global_tests["permutations"].eq(99).all()
    assert out.options["local_permutations"] == 999 and out.options["adjust"] == "fdr"


def test_stage_convenience_runs_every_test_per_stage_and_quantity(demo_quantities):
    quantities = {s: t[["degree", "log_gdp"]] for s, t in demo_quantities.items()}
    out = quiet(spatial.stage_spatial_autocorrelation, quantities, kind="knn", k=5,
                permutations=99)
    assert len(out.global_tests) == 3 * 2 * 2
    assert len(out.local) == sum(2 * len(t) for t in quantities.values())
    stage = "2018-2021"
    w = out.weights[stage]
    direct = spatial.moran(quantities[stage]["log_gdp"], w, permutations=99)
    row = out.global_tests[(out.global_tests["stage"] == stage)
                           & (out.global_tests["quantity"] == "log_gdp")
                           & (out.global_tests["statistic"] == "Moran's I")].iloc[0]
    assert row["value"] == direct.value and row["p_permutation"] == direct.p_permutation
    assert out.local["name_zh"].iloc[0] != ""
    assert all(s in out.summary() for s in quantities)
    series_only = quiet(spatial.stage_spatial_autocorrelation,
                        {stage: quantities[stage]["degree"]}, permutations=9)
    assert series_only.global_tests["quantity"].unique().tolist() == ["degree"]


# ---------------------------------------------------------------------------- properties
CODES = city_table()["adcode"].tolist()


@st.composite
def cities_and_values(draw, kind=None):
    n = draw(st.integers(8, 40))
    start = draw(st.integers(0, len(CODES) - n))
    codes = CODES[start:start + n]  # neighbouring adcodes: mostly one or two provinces
    values = draw(st.lists(st.floats(-1e3, 1e3, allow_nan=False, width=32),
                           min_size=n, max_size=n).filter(lambda v: np.ptp(v) > 1))
    kind = kind or draw(st.sampled_from(["queen", "knn", "distance"]))
    params = {"queen": {}, "knn": {"k": draw(st.integers(1, 5))},
              "distance": {"cutoff_km": 600.0}}[kind]
    return pd.Series(values, index=codes), kind, params


def weights_or_none(codes, kind, params, style="W"):
    try:
        return quiet(spatial.spatial_weights, codes, kind, style=style, **params)
    except InputError:  # every city isolated within the cutoff
        return None


NEGATIVE_VARIANCE = "ignore:.*variance under randomisation is negative:RuntimeWarning"


@pytest.mark.filterwarnings(NEGATIVE_VARIANCE)  # very skewed draws; z is NaN on both sides
@settings(max_examples=40, deadline=None)
@given(cities_and_values(), st.floats(0.01, 100), st.floats(-100, 100),
       st.sampled_from([1, -1]))
def test_statistics_are_invariant_to_affine_transformations(case, scale, shift, sign):
    values, kind, params = case
    w = weights_or_none(values.index, kind, params)
    if w is None or w.n - len(w.isolates) < 4:
        return
    moved = sign * scale * values + shift
    for function in (spatial.moran, spatial.geary):
        a, b = function(values, w, permutations=19), function(moved, w, permutations=19)
        assert b.value == pytest.approx(a.value, rel=1e-7, abs=1e-9)
        assert b.z_randomisation == pytest.approx(a.z_randomisation, rel=1e-6, abs=1e-7,
                                                  nan_ok=True)
        close(b.permuted, a.permuted, rtol=1e-6, atol=1e-7)  # the same draws
    la = spatial.local_moran(values, w, permutations=9).table
    lb = spatial.local_moran(moved, w, permutations=9).table
    close(lb["Ii"], la["Ii"], rtol=1e-6, atol=1e-7)


@settings(max_examples=40, deadline=None)
@given(cities_and_values())
def test_row_standardised_rows_sum_to_one_except_isolates(case):
    values, kind, params = case
    w = weights_or_none(values.index, kind, params)
    if w is None:
        return
    sums = np.asarray(w.matrix.sum(axis=1)).ravel()
    isolated = np.isin(np.array(w.adcodes), np.array(w.isolates))
    close(sums[~isolated], 1.0)
    assert (sums[isolated] == 0).all()
    assert w.cardinalities[list(w.isolates)].eq(0).all()


@pytest.mark.filterwarnings(NEGATIVE_VARIANCE)
@settings(max_examples=30, deadline=None)
@given(cities_and_values(), st.randoms(use_true_random=False))
def test_permuting_city_order_permutes_local_results(case, random):
    values, kind, params = case
    w = weights_or_none(values.index, kind, params, style="B")
    if w is None or w.n - len(w.isolates) < 4:
        return
    order = list(values.index)
    random.shuffle(order)
    w2 = weights_or_none(order, kind, params, style="B")
    if kind == "knn" and not np.array_equal(
            w.raw.toarray(), w2.to_frame().loc[list(w.adcodes), list(w.adcodes)].to_numpy()):
        return  # a distance tie broken by order: knn's documented rule, not a defect
    a = spatial.local_moran(values, w, permutations=9).table
    b = spatial.local_moran(values[order], w2, permutations=9).table.loc[a.index]
    close(b[["Ii", "E_Ii", "Var_Ii", "Z_Ii"]], a[["Ii", "E_Ii", "Var_Ii", "Z_Ii"]],
          rtol=1e-9, atol=1e-12)
    assert b["quadrant"].equals(a["quadrant"])
    ga = spatial.getis_ord(values, w).table
    gb = spatial.getis_ord(values[order], w2).table.loc[ga.index]
    close(gb["Z_Gi"], ga["Z_Gi"], rtol=1e-9, atol=1e-12)
    assert spatial.moran(values[order], w2).value == pytest.approx(
        spatial.moran(values, w).value, rel=1e-9, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(1e-6, 1.0), min_size=1, max_size=60))
def test_adjusted_p_values_are_ordered_and_bounded(p):
    none, fdr, bonf = (spatial.adjust_p(p, m) for m in ("none", "fdr", "bonferroni"))
    assert (none <= fdr + 1e-15).all() and (fdr <= bonf + 1e-15).all() and (bonf <= 1).all()
    order = np.argsort(p, kind="stable")
    assert (np.diff(fdr[order]) >= -1e-15).all()  # BH keeps the order of the p-values


# ---------------------------------------------------------------------------- bad input
@pytest.fixture(scope="module")
def small():
    codes = [110000, 120000, 130100, 130600, 131000, 130900, 131100, 130200]
    values = pd.Series([7.0, 5, 1, 2, 3, 2, 1, 4], index=codes)
    return values, spatial.spatial_weights(codes, "knn", k=3)


def test_missing_cities_are_named_with_what_to_do(small):
    values, w = small
    with pytest.raises(InputError, match=r"no value for 1 cities.*131100.*dropna"):
        spatial.moran(values.drop(131100), w)
    gap = values.copy()
    gap[130600] = np.nan
    with pytest.raises(InputError, match=r"130600 保定市.*dropna"):
        spatial.local_moran(gap, w)
    with pytest.raises(InputError, match=r"not cities of the weights: 310000"):
        spatial.moran(pd.concat([values, pd.Series({310000: 1.0})]), w)
    with pytest.raises(InputError, match=r"missing value.*130600"):
        spatial.stage_spatial_autocorrelation({"s": gap.to_frame("x")}, kind="knn", k=2)


def test_unknown_adcodes_and_bad_weight_parameters(small):
    values, _ = small
    with pytest.raises(InputError, match="999999"):
        spatial.spatial_weights([110000, 999999], "queen")
    with pytest.raises(InputError, match=r"k=8.*1 <= k <= n-1 = 7"):
        spatial.spatial_weights(values.index, "knn", k=8)
    with pytest.raises(InputError, match=r"k=0"):
        spatial.spatial_weights(values.index, "knn", k=0)
    with pytest.raises(InputError, match=r"cutoff_km=-5.*positive"):
        spatial.spatial_weights(values.index, "distance", cutoff_km=-5)
    with pytest.raises(InputError, match="power=-1"):
        spatial.spatial_weights(values.index, "distance", cutoff_km=100, power=-1)
    with pytest.raises(InputError, match="kind='rook'"):
        spatial.spatial_weights(values.index, "rook")
    with pytest.raises(InputError, match="style='S'"):
        spatial.spatial_weights(values.index, "queen", style="S")


def test_weights_that_isolate_every_city_are_refused():
    far = [110000, 460200, 650100, 540100]  # Beijing, Sanya, Urumqi, Lhasa
    with pytest.raises(InputError, match=r"every one of the 4 cities isolated.*knn"):
        spatial.spatial_weights(far, "queen")
    with pytest.raises(InputError, match=r"within cutoff_km=50.*raise cutoff_km"):
        spatial.spatial_weights(far, "distance", cutoff_km=50)


def test_permutation_counts_out_of_range_and_constant_quantities(small):
    values, w = small
    for bad in (0, -3, 100_001, 2.5, True):
        with pytest.raises(InputError, match=r"permutations=.*1 to 100,000"):
            spatial.moran(values, w, permutations=bad)
    with pytest.raises(InputError, match="permutations="):
        spatial.local_moran(values, w, permutations=0)
    with pytest.raises(InputError, match="same value.*variance zero"):
        spatial.geary(values * 0 + 3, w)
    with pytest.raises(InputError, match="adjust='holm'"):
        spatial.local_moran(values, w, adjust="holm")
    with pytest.raises(InputError, match="alternative='bigger'"):
        spatial.moran(values, w, alternative="bigger")
