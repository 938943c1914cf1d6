"""TERGMs over the stages pooled, by bootstrapped pseudolikelihood (btergm) or MCMC-MLE
(mtergm), through R's ``btergm`` on an R worker of its own (:mod:`pyreslib.temporal.worker`).

A TERGM (Hanneke, Fu and Xing 2010) models each stage's network given the earlier ones:

    P(Y^t = y^t | Y^{t-1}, ..., Y^{t-K}) = exp(theta' h(y^t, y^{t-1}, ..., y^{t-K}))
                                           / c(theta, y^{t-1}, ..., y^{t-K}),

the statistics h being ergm's terms on y^t, btergm's lagged terms (``memory``, ``delrecip``),
time trends (``timecov``) and the study's covariates (:mod:`pyreslib.temporal.terms`).
btergm (Leifeld, Cranmer and Desmarais 2018) maximises the product over the stages of the
pseudolikelihoods, theta_hat = argmax sum_t sum_{ij} log P(y_ij^t | y_-ij^t, y^{t-1}, ...)
(a logistic regression of the ties on their change statistics, ``stats::glm.fit``), and
bootstraps the stages: R resamples of the modelled stages with replacement, each refitted,
give percentile confidence intervals (``boot::boot.ci(type = "perc")`` as btergm's
``confint`` computes them).  With ``estimate="MCMLE"`` btergm's ``mtergm`` fits the same
model by MCMC-MLE on the block-diagonal network of the stages instead.

Node sets follow one rule (:mod:`pyreslib.temporal.series`): ``"union"`` (the default) puts
every stage on the common node set and makes an absent city's dyads structural zeros
(btergm ``offset = TRUE``: each edge covariate at stage t is given over the cities present
at t, and btergm adds the absent ones as structural zeros); ``"adjust"`` gives each stage
over its own cities and lets btergm remove, per time step, the cities not in every object
(``offset = FALSE``).  Under ``"union"`` a city absent at t - 1 has no ties there, so its
``memory`` at t is that of "no tie".

Parity: every number equals a plain ``Rscript`` that builds the same networks and lists of
matrices and calls ``btergm``/``mtergm`` after ``set.seed(seed)`` (tests/test_btergm.py).

References
----------
Hanneke, S., Fu, W. and Xing, E. P. (2010). Discrete temporal models of social networks.
*Electronic Journal of Statistics* 4, 585-605.
Leifeld, P., Cranmer, S. J. and Desmarais, B. A. (2018). Temporal exponential random graph
models with btergm: estimation and bootstrap confidence intervals. *Journal of Statistical
Software* 83(6).
Desmarais, B. A. and Cranmer, S. J. (2012). Statistical mechanics of networks: estimation and
uncertainty. *Physica A* 391(4), 1865-1876.
"""

from __future__ import annotations

import numbers
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pyreslib.ergm import bridge
from pyreslib.ergm.tables import significance_stars
from pyreslib.errors import InputError, excerpt_repr
from pyreslib.temporal import worker
from pyreslib.temporal.gof import GOF_STATISTICS, BtergmGOF, check_gof_statistics, read_gof
from pyreslib.temporal.series import StageSeries, stage_series
from pyreslib.temporal.summary import TemporalSummary, number
from pyreslib.temporal.terms import BtergmFormula, check_covariate_names, parse_btergm

__all__ = [
    "GOF_STATISTICS",
    "MAX_R",
    "MAX_WORKERS",
    "MIN_R",
    "BtergmResults",
    "MtergmResults",
    "btergm",
    "prepare",
    "r_terms",
]

MIN_R = 2
MAX_R = 100_000
MAX_WORKERS = 64
ESTIMATES = ("MPLE", "MCMLE")


# ---- inputs ------------------------------------------------------------------------------------

def _whole(value: Any, what: str, low: int, high: int, hint: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or not (
            low <= value <= high):
        raise InputError(f"{what}={excerpt_repr(value)}: give a whole number from {low:,} to "
                         f"{high:,}{hint}.")
    return int(value)


def _seed(seed: Any) -> int:
    if seed is None:
        return secrets.randbelow(2**31 - 1)
    return _whole(seed, "seed", 0, 2**31 - 1, "")


def _level(level: Any) -> float:
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 1:
        raise InputError(f"level={excerpt_repr(level)}: give the confidence level as a number "
                         "between 0 and 1 (0.95 for 95% intervals).")
    return float(level)


def _alpha(alpha: Any) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise InputError(f"alpha={excerpt_repr(alpha)}: give the significance level as a "
                         "number between 0 and 1 (0.05 for 95% intervals).")
    return float(alpha)


def _used_edge_covariates(parsed: BtergmFormula) -> list[str]:
    names = [t.edge_covariates for t in parsed.terms]
    return list(dict.fromkeys(n for group in names for n in group))


def prepare(series: StageSeries, parsed: BtergmFormula) -> dict[str, Any]:
    """What goes to R for ``series`` under its node-set rule (module docstring): each stage's
    network (ties, labels, vertex attributes), each edge covariate as one labelled matrix
    per stage, and btergm's ``offset``.  A plain R script given these builds the same
    objects (tests/test_btergm.py)."""
    used = _used_edge_covariates(parsed)
    everyone = np.ones(len(series.cities), dtype=bool)
    if series.node_sets == "union":
        if used:  # networks over U; covariates over the stage's cities mark the absent
            net_mask = [everyone] * len(series)
            cov_mask = [series.present[t] for t in range(len(series))]
            offset = True
        elif parsed.lag == 0:  # nothing to align: each stage over its own cities
            net_mask = cov_mask = [series.present[t] for t in range(len(series))]
            offset = False
        else:
            raise InputError(
                "node_sets='union' with a lagged term (memory, delrecip) needs an edge "
                "covariate in the formula: btergm marks a stage's absent cities as structural "
                "zeros through the cities a covariate is given over. Add the study's "
                "edgecov('proximity') (or any edgecov), or use node_sets='adjust'.")
    else:  # btergm's adjustment: stages over their own cities, covariates as given
        net_mask = [series.present[t] for t in range(len(series))]
        cov_mask = [everyone] * len(series)
        offset = False
    cities = np.asarray(series.cities, dtype=object)
    ties, labels, attributes = [], [], []
    for t in range(len(series)):
        keep = net_mask[t]
        ties.append(series.ties[t][np.ix_(keep, keep)])
        labels.append([str(c) for c in cities[keep]])
        attributes.append({name: values[t][keep].tolist()
                           for name, values in series.node_covariates.items()})
    edge, edge_labels = {}, {}
    for name in used:
        edge[name] = [series.edge_covariates[name][t][np.ix_(cov_mask[t], cov_mask[t])]
                      for t in range(len(series))]
        edge_labels[name] = [[str(c) for c in cities[cov_mask[t]]] for t in range(len(series))]
    return {"ties": ties, "labels": labels, "vertex_attributes": attributes,
            "edge_covariates": edge, "edge_labels": edge_labels, "offset": offset}


def r_terms(parsed: BtergmFormula) -> list[dict[str, Any]]:
    """The validated terms as ``r/btergm.R`` rebuilds them (edgecov's covariate positional,
    timecov's arguments by name)."""
    out = []
    for term in parsed.terms:
        pairs = [("", v) for v in term.args] + list(term.kwargs)
        if term.name == "timecov":
            names = ("x", "minimum", "maximum", "transform")
            pairs = [(k or names[i], v) for i, (k, v) in enumerate(pairs)]
        out.append({"name": term.name, "offset": False, "args": bridge.named_list(pairs)})
    return out


def btergm(stages: Mapping[str, Any] | Sequence[Any] | StageSeries, formula: str, *,
           node_covariates: Any = None, edge_covariates: Mapping[str, Any] | None = None,
           node_sets: str = "union", R: int = 500, seed: int | None = None,
           workers: int = 1, level: float = 0.95, estimate: str = "MPLE",
           directed: bool | None = None, threshold: float = 1):
    """Fit a TERGM over the stages pooled: btergm's bootstrapped MPLE, or mtergm's MCMC-MLE.

    Parameters
    ----------
    stages : dict {stage label: network}, list of networkx graphs, or StageSeries
        The stage networks in time order (:func:`pyreslib.temporal.stage_series`).
    formula : str
        The right-hand side, with btergm's terms, e.g.
        ``"edges + nodecov('education') + edgecov('proximity') + memory(type='stability')"``
        (:mod:`pyreslib.temporal.terms`).
    node_covariates, edge_covariates, node_sets, directed, threshold
        As :func:`pyreslib.temporal.stage_series` (not with a StageSeries).
    R : int
        Bootstrap replicates, 2 to 100,000 (btergm's default 500).
    seed : int, optional
        Seeds R's generator (``set.seed``) before the fit; drawn at random if None (and
        recorded in the results).
    workers : int
        Processes for the bootstrap (btergm ``parallel = "multicore"``, ``ncpus``: forked R
        processes; btergm's ``"snow"`` needs the speedglm package, which pyreslib does not
        install); the replicates do not depend on it (boot draws every resample before they
        are computed).
    level : float
        Confidence level of the percentile intervals.
    estimate : {"MPLE", "MCMLE"}
        btergm's bootstrapped MPLE, or mtergm's MCMC-MLE (``R``, ``workers`` unused).

    Returns
    -------
    BtergmResults (MPLE) or MtergmResults (MCMLE)

    Examples
    --------
    >>> import numpy as np, networkx as nx
    >>> from pyreslib.network import proximity_matrix
    >>> rng = np.random.default_rng(1)
    >>> cities = [110000, 120000, 130100, 130200, 130300, 130400, 130500, 130600, 130700,
    ...           130800, 130900, 131000, 131100, 140100, 140200, 140300]
    >>> prox = proximity_matrix(cities)   # -ln km: -3.3 (neighbours) to -7.5
    >>> def stage(a):
    ...     g = nx.Graph(); g.add_nodes_from(cities)
    ...     g.add_edges_from((u, v) for k, u in enumerate(cities) for v in cities[k + 1:]
    ...                      if rng.random() < 1 / (1 + np.exp(-a - 2 * (prox.loc[u, v] + 5.5))))
    ...     return g
    >>> stages = {"2011-2012": stage(-1), "2013-2014": stage(-.8), "2015-2016": stage(-.6),
    ...           "2017-2018": stage(-.5)}
    >>> fit = btergm(stages, "edges + edgecov('proximity') + memory(type='stability')",
    ...              edge_covariates={"proximity": prox}, R=100, seed=5)
    >>> list(fit.params.index)
    ['edges', 'edgecov.proximity[[i]]', 'edgecov.memory[[i]]']
    >>> fit.stages, fit.n_dyads, fit.replicates.shape
    (('2013-2014', '2015-2016', '2017-2018'), 360, (100, 3))
    >>> bool(fit.significant()["edgecov.proximity[[i]]"])   # the interval excludes 0
    True
    """
    if isinstance(stages, StageSeries):
        if node_covariates is not None or edge_covariates is not None:
            raise InputError("btergm: a StageSeries carries its covariates; give "
                             "node_covariates and edge_covariates to stage_series instead.")
        series = stages
    else:
        series = stage_series(stages, node_covariates=node_covariates,
                              edge_covariates=edge_covariates, node_sets=node_sets,
                              directed=directed, threshold=threshold)
    check_covariate_names(series.node_covariates, "node_covariates")
    check_covariate_names(series.edge_covariates, "edge_covariates")
    if not isinstance(estimate, str) or estimate not in ESTIMATES:
        raise InputError(f"estimate={excerpt_repr(estimate)}: choose 'MPLE' (btergm's "
                         "bootstrapped pseudolikelihood) or 'MCMLE' (mtergm's MCMC-MLE).")
    R = _whole(R, "R", MIN_R, MAX_R, " bootstrap replicates (percentile intervals need two; "
               "500 is btergm's default)")
    workers = _whole(workers, "workers", 1, MAX_WORKERS, " R processes for the bootstrap")
    level, seed = _level(level), _seed(seed)
    parsed = parse_btergm(formula, node_covariates=series.node_covariates,
                          edge_covariates=series.edge_covariates, directed=series.directed,
                          stages=len(series))
    data = prepare(series, parsed)
    value = bridge.as_dict(worker.call(
        "btergm", "pyreslib_btergm",
        context=f"the {'btergm' if estimate == 'MPLE' else 'mtergm'} fit",
        ties=data["ties"], labels=data["labels"], vertex_attributes=data["vertex_attributes"],
        edge_covariates=data["edge_covariates"], edge_labels=data["edge_labels"],
        terms=r_terms(parsed), directed=series.directed, estimate=estimate, R=R,
        offset=data["offset"], workers=workers, level=level, seed=seed))
    common = _common(value, series, parsed, seed)
    if estimate == "MCMLE":
        return MtergmResults(**common, bse=_series(value, "se"),
                             pvalues=_series(value, "pvalues"),
                             llf=bridge.as_float(value["llf"]), aic=bridge.as_float(value["aic"]),
                             bic=bridge.as_float(value["bic"]),
                             mcmc=bool(value["mcmc"][0]))
    replicates = pd.DataFrame(bridge.as_matrix(value["replicates"]),
                              columns=common["params"].index)
    return BtergmResults(**common, replicates=replicates, R=R, level=level, workers=workers,
                         boot_mean=_series(value, "boot_mean"),
                         ci=pd.DataFrame({"lower": bridge.as_float_array(value["ci_lower"]),
                                          "upper": bridge.as_float_array(value["ci_upper"])},
                                         index=common["params"].index))


def _series(value: dict, key: str) -> pd.Series:
    return pd.Series(bridge.as_float_array(value[key]),
                     index=bridge.as_str_list(value["names"]), name=key)


def _common(value: dict, series: StageSeries, parsed: BtergmFormula, seed: int) -> dict:
    steps = len(series) - int(bridge.as_float(value["time_steps"]))
    return {"params": _series(value, "coef").rename("coef"),
            "nobs": int(bridge.as_float(value["nobs"])), "formula": parsed.render(),
            "stages": series.stages[steps:], "all_stages": series.stages,
            "node_sets": series.node_sets, "seed": seed, "directed": series.directed,
            "nodes": pd.Series([int(series.modelled(t, parsed.lag > 0).sum())
                                for t in range(steps, len(series))],
                               index=series.stages[steps:], name="cities"),
            "versions": {"btergm": str(value["btergm_version"][0]),
                         "ergm": str(value["ergm_version"][0]), "R": str(value["r_version"][0])},
            "fit_bytes": worker.to_bytes(value["fit"])}


# ---- results -----------------------------------------------------------------------------------

@dataclass
class _TemporalFit:
    """What btergm and mtergm fits share: estimates, the stages modelled, GOF and tie
    probabilities (computed on the btergm worker from the serialized fit)."""

    params: pd.Series
    nobs: int
    formula: str
    stages: tuple[str, ...]
    all_stages: tuple[str, ...]
    node_sets: str
    seed: int
    directed: bool
    nodes: pd.Series
    versions: dict[str, str]
    fit_bytes: bytes = field(repr=False)

    @property
    def n_dyads(self) -> int:
        """The dyads in the likelihood (btergm's ``nobs`` counts an undirected dyad twice)."""
        return int(sum(k * (k - 1) for k in self.nodes) // (1 if self.directed else 2))

    def _raw(self):
        return worker.raw(self.fit_bytes)

    def _step(self, stage: str) -> int:
        if stage not in self.stages:
            first = self.all_stages[: len(self.all_stages) - len(self.stages)]
            why = (f" ({', '.join(first)} only serves as the lagged network of the next stage)"
                   if stage in first else "")
            raise InputError(f"stage={stage!r} is not a stage the model fits{why}; choose one "
                             f"of {list(self.stages)}.")
        return self.stages.index(stage) + 1

    def gof(self, statistics: Sequence[str] = ("deg", "esp", "geodesic", "rocpr"), *,
            nsim: int = 100, seed: int | None = None, mcmc_interval: int = 1000,
            mcmc_burnin: int = 10000) -> BtergmGOF:
        """btergm's goodness of fit: ``nsim`` networks simulated per modelled stage from the
        fit, their ``statistics`` (names from :data:`pyreslib.temporal.gof.GOF_STATISTICS`)
        against the observed, and with ``"rocpr"`` the ROC and precision-recall curves of
        the simulated tie probabilities and their areas (AUC-ROC, AUC-PR), against a random
        graph of the same density.  ``seed`` defaults to the fit's."""
        statistics = check_gof_statistics(statistics)
        nsim = _whole(nsim, "nsim", 2, 100_000, " simulated networks per stage")
        interval = _whole(mcmc_interval, "mcmc_interval", 1, 10**8, "")
        burnin = _whole(mcmc_burnin, "mcmc_burnin", 0, 10**9, "")
        seed = self.seed if seed is None else _seed(seed)
        value = worker.call("btergm", "pyreslib_btergm_gof", context="btergm's goodness of fit",
                            fit=self._raw(), statistics=list(statistics), nsim=nsim,
                            mcmc_interval=interval, mcmc_burnin=burnin, seed=seed)
        return read_gof(value, nsim=nsim, seed=seed, statistics=statistics)

    def tie_probability(self, dyads: Sequence[tuple[Any, Any]], stage: str) -> pd.Series:
        """P(y_ij = 1 | the rest of the stage's network, the earlier stages) for each dyad
        (i, j) of city labels at ``stage``, under the estimates: btergm's ``interpret``
        (type ``"tie"``), logit^-1(theta' delta_ij(y)).  Each dyad is one ``interpret`` call,
        which prepares the stages again; for many dyads :meth:`tie_probabilities` is faster."""
        if isinstance(dyads, (str, bytes)) or not isinstance(dyads, Sequence) or not dyads:
            raise InputError("dyads: give a list of (city, city) pairs.")
        pairs = []
        for dyad in dyads:
            if not isinstance(dyad, Sequence) or isinstance(dyad, str) or len(dyad) != 2:
                raise InputError(f"dyads: {excerpt_repr(dyad)} is not a (city, city) pair.")
            if str(dyad[0]) == str(dyad[1]):
                raise InputError(f"dyads: ({dyad[0]}, {dyad[1]}) is a city with itself.")
            pairs.append((str(dyad[0]), str(dyad[1])))
        step = self._step(stage)
        value = worker.call("btergm", "pyreslib_btergm_interpret",
                            context="btergm's tie probabilities (interpret)", fit=self._raw(),
                            i=[a for a, _ in pairs], j=[b for _, b in pairs],
                            t=[float(step)] * len(pairs))
        return pd.Series(bridge.as_float_array(value), index=pd.MultiIndex.from_tuples(
            pairs, names=["i", "j"]), name=f"P(tie) at {stage}")

    def tie_probabilities(self) -> pd.DataFrame:
        """Every modelled dyad's tie probability at every modelled stage (btergm's
        ``edgeprob``): columns ``stage, i, j, tie, probability``."""
        value = bridge.as_dict(worker.call("btergm", "pyreslib_btergm_edgeprob",
                                           context="btergm's edge probabilities",
                                           fit=self._raw()))
        steps = bridge.as_float_array(value["t"]).astype(int)
        return pd.DataFrame({"stage": [self.stages[s - 1] for s in steps],
                             "i": bridge.as_str_list(value["i"]),
                             "j": bridge.as_str_list(value["j"]),
                             "tie": bridge.as_float_array(value["tie"]).astype(int),
                             "probability": bridge.as_float_array(value["probability"])})


@dataclass
class BtergmResults(_TemporalFit):
    """A btergm fit: ``params`` (the pooled MPLE), ``conf_int()`` (percentile intervals at
    ``level``), ``boot_mean``, ``bse`` (the replicates' root mean squared deviation from the
    estimate, btergm.se's), ``replicates`` (R x terms), the ``stages`` modelled (a lag drops
    the first) and the ``nodes`` (cities) of each, ``n_dyads`` (the dyads in the likelihood)
    and ``nobs`` (btergm's count, which has an undirected dyad twice)."""

    replicates: pd.DataFrame = field(default=None, repr=False)
    R: int = 0
    level: float = 0.95
    workers: int = 1
    boot_mean: pd.Series = None
    ci: pd.DataFrame = field(default=None, repr=False)
    estimate: str = "MPLE"

    @property
    def bse(self) -> pd.Series:
        deviations = self.replicates - self.params
        return np.sqrt((deviations**2).mean()).rename("bse")

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Percentile intervals (btergm's ``confint``) at the fit's ``level``, or at
        1 - ``alpha``, computed on the worker from the same replicates."""
        if alpha is None:
            return self.ci.copy()
        level = 1 - _alpha(alpha)
        if level == self.level:
            return self.ci.copy()
        value = bridge.as_dict(worker.call(
            "btergm", "pyreslib_btergm_confint", context="btergm's confidence intervals",
            fit=self._raw(), level=level))
        return pd.DataFrame({"lower": bridge.as_float_array(value["lower"]),
                             "upper": bridge.as_float_array(value["upper"])},
                            index=self.params.index)

    def significant(self) -> pd.Series:
        """Whether each interval excludes 0 (btergm's, and texreg's, test at ``level``)."""
        return (self.ci["lower"] > 0) | (self.ci["upper"] < 0)

    def to_frame(self) -> pd.DataFrame:
        lo, hi = (f"{100 * (1 - self.level) / 2:g}%", f"{100 * (1 + self.level) / 2:g}%")
        return pd.DataFrame({"Estimate": self.params, "Boot mean": self.boot_mean,
                             lo: self.ci["lower"], hi: self.ci["upper"]})

    def summary(self) -> TemporalSummary:
        """btergm's ``summary``: estimates, bootstrap means and percentile intervals; ``*``
        marks an interval that excludes 0."""
        frame = self.to_frame()
        sig = self.significant()
        rows = [(name, [number(v) for v in frame.loc[name]] + ["*" if sig[name] else ""])
                for name in frame.index]
        notes = [(f"btergm MPLE over the stages {', '.join(self.stages)} ({self.n_dyads} dyads; "
                 f"node sets: {self.node_sets}); {self.R} bootstrap replicates of the stages, "
                 f"seed {self.seed}; {100 * self.level:g}% percentile intervals; * 0 outside "
                 f"the interval."), (f"btergm {self.versions['btergm']}, ergm "
                 f"{self.versions['ergm']}, via pyreslib.")]
        return TemporalSummary(f"TERGM (btergm): {self.formula}", [*frame.columns, ""], rows,
                               notes)

    def to_latex(self, caption: str | None = None, label: str = "tab:btergm") -> str:
        return self.summary().as_latex(caption=caption, label=label)

    def __repr__(self) -> str:
        return (f"<BtergmResults {len(self.params)} terms, {len(self.stages)} stages, "
                f"{self.nobs} dyads, R={self.R}, seed {self.seed}>")


@dataclass
class MtergmResults(_TemporalFit):
    """An mtergm fit (MCMC-MLE of the pooled stages): ``params``, ``bse``, ``pvalues``
    (mtergm's t-test with the dyads' residual degrees of freedom), ``llf``, ``aic``,
    ``bic``; ``mcmc``: whether ergm needed MCMC (a dyad-dependent model)."""

    bse: pd.Series = None
    pvalues: pd.Series = None
    llf: float = float("nan")
    aic: float = float("nan")
    bic: float = float("nan")
    mcmc: bool = False
    estimate: str = "MCMLE"

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals params +- z_{1 - alpha/2} bse."""
        z = stats.norm.ppf(1 - _alpha(alpha) / 2)
        return pd.DataFrame({"lower": self.params - z * self.bse,
                             "upper": self.params + z * self.bse})

    def summary(self) -> TemporalSummary:
        rows = [(name, [number(self.params[name]), number(self.bse[name]),
                        f"{self.pvalues[name]:.4g}", significance_stars(self.pvalues[name])])
                for name in self.params.index]
        notes = [(f"mtergm MCMC-MLE over the stages {', '.join(self.stages)} ({self.n_dyads} "
                 f"dyads; node sets: {self.node_sets}); seed {self.seed}; log-likelihood "
                 f"{self.llf:.4f}, AIC {self.aic:.4f}, BIC {self.bic:.4f}."),
                 "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"]
        return TemporalSummary(f"TERGM (mtergm): {self.formula}",
                               ["Estimate", "Std. Error", "Pr(>|t|)", ""], rows, notes)

    def to_latex(self, caption: str | None = None, label: str = "tab:mtergm") -> str:
        return self.summary().as_latex(caption=caption, label=label)

