"""Bad inputs to the temporal models (pyreslib.temporal: btergm, mtergm, tergm's separable
TERGM, the stage series): each raises a typed pyreslib error naming the input and the remedy,
before any R worker is asked to do anything (CASES); and, where only a fit can tell, as soon
as the fit is there (AFTER_FIT_CASES)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from pyreslib.errors import FormulaError, InputError
from pyreslib.network import proximity_matrix
from pyreslib.temporal import btergm, stage_series, tergm

CITIES = [110000, 120000, 130100, 130200, 130300, 130400]
RING = [(CITIES[k], CITIES[(k + 1) % 6]) for k in range(6)]


def graph(edges=RING, nodes=CITIES, directed=False):
    g = nx.DiGraph() if directed else nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    return g


def three(directed=False):
    return {"2011-2014": graph(directed=directed), "2015-2017": graph(RING[:4], directed=directed),
            "2018-2021": graph(RING[1:], directed=directed)}


PROX = proximity_matrix(CITIES)
STUDY = "edges + edgecov('proximity') + memory(type='stability')"


def fit(formula=STUDY, stages=None, **kwargs):
    kwargs.setdefault("edge_covariates", {"proximity": PROX})
    kwargs.setdefault("seed", 1)
    return btergm(three() if stages is None else stages, formula, **kwargs)


CASES = {
    # the stages
    "a temporal model given one stage": (
        lambda: fit(stages={"2011-2014": graph()}), InputError,
        (r"stages: 1 stage given; a temporal model links each stage to the one before it, so "
        r"it needs at least two")),
    "a separable TERGM given one stage": (
        lambda: tergm({"2011-2014": graph()}, "edges", "edges"), InputError,
        r"1 stage given; .* at least two"),
    "stages not in time order": (
        lambda: fit(stages={"2015-2017": graph(), "2011-2014": graph(), "2018-2021": graph()}),
        InputError, (r"stages: 2015-2017 is followed by 2011-2014, which comes before it; .* "
                    r"Give them in time order: 2011-2014, 2015-2017, 2018-2021")),
    "overlapping stages": (
        lambda: fit(stages={"2011-2014": graph(), "2014-2017": graph()}), InputError,
        r"2011-2014 is followed by 2014-2017, which overlaps it"),
    "a stage label given twice": (
        lambda: fit(stages=[_named(graph(), "s1"), _named(graph(), "s1")]),
        InputError, r"labels repeat in \['s1', 's1'\]"),
    "stages as plain arrays (no city labels)": (
        lambda: fit(stages={"2011-2014": np.zeros((6, 6)), "2015-2017": np.zeros((6, 6))}),
        InputError, (r"stage '2011-2014': got ndarray; .* stages are matched by label, never by "
                    r"position")),
    "a stage DataFrame without city labels": (
        lambda: fit(stages={"2011-2014": pd.DataFrame(np.zeros((6, 6))),
                            "2015-2017": pd.DataFrame(np.zeros((6, 6)))}),
        InputError, r"stage '2011-2014': the DataFrame has no city labels .* never by position"),
    "directed and undirected stages mixed": (
        lambda: fit(stages={"2011-2014": graph(), "2015-2017": graph(directed=True)}),
        InputError, r"some stage graphs are directed and some are not"),
    "an unknown node-set rule": (
        lambda: fit(node_sets="intersection"), InputError,
        r"node_sets='intersection': choose 'union' .* or 'adjust'"),
    "a threshold of zero": (
        lambda: fit(threshold=0), InputError, r"threshold=0: give the smallest weight"),
    # covariates
    "an edge covariate missing a city of a stage": (
        lambda: fit(edge_covariates={"proximity": PROX.iloc[:5, :5]}), InputError,
        (r"edge_covariates\['proximity'\] at stage '2011-2014': no row for 1 cities of that "
        r"stage's network \(first: \['130400'\]\)")),
    "an edge covariate without city labels": (
        lambda: fit(edge_covariates={"proximity": PROX.reset_index(drop=True).T.reset_index(
            drop=True).T}), InputError, r"no city labels \(a default 0..n-1 index\)"),
    "a node covariate missing a city of a stage": (
        lambda: fit("edges + nodecov('gdp') + edgecov('proximity')",
                    node_covariates=pd.DataFrame({"gdp": np.arange(5.0)}, index=CITIES[:5])),
        InputError, r"node_covariates\['2011-2014'\]: no row for 1 cities .* \['130400'\]"),
    "node covariates for some stages only": (
        lambda: fit("edges + nodecov('gdp') + edgecov('proximity')",
                    node_covariates={"2011-2014": pd.DataFrame({"gdp": np.arange(6.0)},
                                                               index=CITIES)}),
        InputError, r"node_covariates: the stages given .* missing \['2015-2017', '2018-2021'\]"),
    "a covariate named like a btergm term": (
        lambda: fit("edges + edgecov('memory_lag')",
                    edge_covariates={"memory_lag": PROX}), InputError,
        (r"edge_covariates: the name 'memory_lag' contains 'memory', which btergm reads as its "
        r"own term")),
    "a covariate named networks": (
        lambda: fit("edges + edgecov('networks')", edge_covariates={"networks": PROX}),
        InputError, r"'networks' cannot be a covariate name"),
    # btergm formulas
    "a memory term with a lag the stages do not have": (
        lambda: fit("edges + edgecov('proximity') + memory(lag=3)"), FormulaError,
        (r"memory\(lag=3L?\): lag=3 with 3 stages; a lagged term reads the network 3 stage\(s\) "
        r"before, which the first stage\(s\) do not have")),
    "a memory term on the first stage of two": (
        lambda: fit("edges + edgecov('proximity') + memory(lag=2)",
                    stages={"2011-2014": graph(), "2015-2017": graph()}), FormulaError,
        r"lag=2 with 2 stages; .* must be from 1 to 1"),
    "an unknown memory type": (
        lambda: fit("edges + edgecov('proximity') + memory(type='decay')"), FormulaError,
        (r"type='decay'; btergm's memory types are 'stability', 'autoregression', "
        r"'innovation', 'loss'")),
    "a directed-only term (delrecip) on undirected networks": (
        lambda: fit("edges + edgecov('proximity') + delrecip"), FormulaError,
        r"'delrecip' at position \d+ is for directed networks, and this network is undirected"),
    "a timecov transform btergm has no name for": (
        lambda: fit("edges + edgecov('proximity') + timecov(transform='t^2')"), FormulaError,
        r"transform='t\^2'; choose one of 'identity', 'square'"),
    "a timecov window outside the stages": (
        lambda: fit("edges + edgecov('proximity') + timecov(minimum=2, maximum=5)"),
        FormulaError, r"minimum=2, maximum=5; give stages 1 <= minimum <= maximum <= 3"),
    "a function call as a timecov transform": (
        lambda: fit("edges + timecov(transform=function(t))"), FormulaError,
        r"function\(...\) at position \d+ is a function call inside a term"),
    "a curved term without fixed=TRUE": (
        lambda: fit("edges + edgecov('proximity') + gwesp(0.5)"), FormulaError,
        r"gwesp\(0.5\): a curved term needs fixed=TRUE in a btergm"),
    "an offset() term in a btergm formula": (
        lambda: fit("edges + offset(edgecov('proximity'))"), FormulaError,
        r"offset\(\) terms are not supported by btergm"),
    "a btergm formula of one term": (
        lambda: fit("edges"), FormulaError, r"btergm needs at least two terms"),
    "edgecov naming a covariate not given": (
        lambda: fit("edges + edgecov('distance')"), FormulaError,
        r"names edge covariate 'distance', which was not given; available: \['proximity'\]"),
    "memory under the union rule without an edge covariate": (
        lambda: fit("edges + memory()", edge_covariates=None), InputError,
        r"node_sets='union' with a lagged term \(memory, delrecip\) needs an edge covariate"),
    # settings
    "R = 1 bootstrap replicate": (
        lambda: fit(R=1), InputError, (r"R=1: give a whole number from 2 to 100,000 bootstrap "
                                      r"replicates \(percentile intervals need two")),
    "R above the bound": (
        lambda: fit(R=100_001), InputError, r"R=100001: give a whole number from 2 to 100,000"),
    "R not a whole number": (
        lambda: fit(R=2.5), InputError, r"R=2.5: give a whole number"),
    "R given as True": (lambda: fit(R=True), InputError, r"R=True: give a whole number"),
    "no bootstrap workers": (
        lambda: fit(workers=0), InputError, r"workers=0: give a whole number from 1 to 64"),
    "a confidence level of 95": (
        lambda: fit(level=95), InputError, (r"level=95: give the confidence level as a number "
                                           r"between 0 and 1")),
    "an unknown estimate": (
        lambda: fit(estimate="MLE"), InputError, r"estimate='MLE': choose 'MPLE' .* or 'MCMLE'"),
    "a negative seed": (
        lambda: fit(seed=-1), InputError, r"seed=-1: give a whole number from 0 to 2,147,483,647"),
    # separable TERGM formulas
    "a separable TERGM without a persistence model": (
        lambda: tergm(three(), formula="Form(~edges)"), FormulaError,
        r"persistence is missing \(Form\(~...\) \+ Persist\(~...\)\)"),
    "a separable TERGM formula in another syntax": (
        lambda: tergm(three(), formula="edges + Form(~edges)"), FormulaError,
        r"expected Form\(~...\) or Persist\(~...\) at position 0"),
    "Form given twice": (
        lambda: tergm(three(), formula="Form(~edges) + Form(~edges) + Persist(~edges)"),
        FormulaError, r"Form\(...\) is given twice"),
    "formation and formula both given": (
        lambda: tergm(three(), "edges", "edges", formula="Form(~edges) + Persist(~edges)"),
        InputError, r"give formation and persistence, or formula"),
    "a directed-only term in a formation model of undirected stages": (
        lambda: tergm(three(), "edges + mutual", "edges"), FormulaError,
        r"'mutual' at position \d+ is for directed networks"),
    "an offset() in a persistence model": (
        lambda: tergm(three(), "edges", "edges + offset(edgecov('proximity'))",
                      edge_covariates={"proximity": PROX}), FormulaError,
        r"persistence formula: offset\(edgecov\('proximity'\)\): offset\(\) terms are not taken"),
    "a proposal setting in tergm's control": (
        lambda: tergm(three(), "edges", "edges", control={"MCMC.prop": "~sparse"}), InputError,
        r"control\['MCMC.prop'\]='~sparse': proposal hints are not taken by the separable TERGM"),
}


def _named(g, label):
    g.graph["stage"] = label
    return g


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_temporal_input_is_refused_with_a_message_naming_it(case):
    make, error, message = CASES[case]
    with pytest.raises(error, match=message):
        make()


def test_stage_series_summary_counts_new_and_gone_cities():
    series = stage_series({"2011-2014": graph(nodes=CITIES[:4], edges=RING[:3]),
                           "2015-2017": graph(nodes=CITIES[2:], edges=RING[2:5])})
    assert series.summary().to_dict("index") == {
        "2011-2014": {"cities": 4, "new": 0, "gone": 0, "ties": 3},
        "2015-2017": {"cities": 4, "new": 2, "gone": 2, "ties": 3}}


@pytest.fixture(scope="module")
def small_fit():
    """A btergm fit of the three stages (R = 20), shared by the cases after the fit."""
    return fit("edges + edgecov('proximity') + memory()", R=20)


AFTER_FIT_CASES = {
    "tie probabilities at the first stage of a lagged model": (
        lambda f: f.tie_probability([(110000, 120000)], "2011-2014"), InputError,
        (r"stage='2011-2014' is not a stage the model fits \(2011-2014 only serves as the lagged "
        r"network of the next stage\)")),
    "tie probabilities of a city with itself": (
        lambda f: f.tie_probability([(110000, 110000)], "2015-2017"), InputError,
        r"dyads: \(110000, 110000\) is a city with itself"),
    "tie probabilities of a city not in the model": (
        lambda f: f.tie_probability([(110000, 999999)], "2015-2017"), Exception,
        r"city 999999 is not in the model at time step 1"),
    "an unknown GOF statistic": (
        lambda f: f.gof(["degree"]), InputError,
        r"statistics: 'degree' is not a btergm GOF statistic; choose from dsp, esp"),
    "one simulation for the GOF": (
        lambda f: f.gof(["deg"], nsim=1), InputError, r"nsim=1: give a whole number from 2"),
    "intervals at alpha 0": (
        lambda f: f.conf_int(alpha=0), InputError, r"alpha=0: give the significance level"),
}


@pytest.mark.r
@pytest.mark.parametrize("case", sorted(AFTER_FIT_CASES))
def test_bad_arguments_after_a_temporal_fit_are_refused_naming_them(small_fit, case):
    make, error, message = AFTER_FIT_CASES[case]
    with pytest.raises(error, match=message):
        make(small_fit)
