"""Separable TERGMs over consecutive stages: which ties form and which persist (tergm's
conditional MLE), through R's ``tergm`` on an R worker of its own
(:mod:`pyreslib.temporal.worker`).

For each transition from stage t - 1 to stage t, the separable TERGM (Krivitsky and Handcock
2014) splits the change of the network in two independent ERGMs, both conditional on
y^{t-1}:

    formation:    P(Y+ = y+ | y^{t-1}) proportional to exp(theta+' g+(y+)),  y+ = y^{t-1} | y^t,
    persistence:  P(Y- = y- | y^{t-1}) proportional to exp(theta-' g-(y-)),  y- = y^{t-1} & y^t,

so theta+ says what makes a tie that did not exist form, and theta- what makes an existing
tie last (the "resilience of collaboration").  tergm 4 writes it
``networks ~ Form(~ <formation>) + Persist(~ <persistence>)`` and fits it by
``tergm(..., estimate = "CMLE")``: an ERGM of the series of transitions (by MPLE, exact for
dyad-independent terms, else MCMC-MLE).  The covariates are those of the stage t (its node
covariates, its edge covariates).

Node sets (:mod:`pyreslib.temporal.series`): tergm needs one node set for every stage, so
every stage is on the common node set; the dyads outside the likelihood at stage t are
structural zeros, an offset ``offset(Cross(~edgecov(absent)))`` with coefficient -Inf (no tie
can be there, so they leave both models).  Under ``"union"`` (the default) they are the
dyads of the cities absent at t (a city new at t forms its ties from none; a tie of a city
that leaves is not a dissolution the model explains); under ``"adjust"`` also those of the
cities absent at t - 1 (only cities present at both ends of a transition are modelled).

Parity: the estimates equal a plain ``Rscript`` building the same networks and calling
``tergm`` with the same seed (tests/test_stergm.py).

References
----------
Krivitsky, P. N. and Handcock, M. S. (2014). A separable model for dynamic networks.
*Journal of the Royal Statistical Society B* 76(1), 29-46.
Krivitsky, P. N., Handcock, M. S. et al. (2025). tergm: Fit, Simulate and Diagnose Models for
Network Evolution Based on Exponential-Family Random Graph Models. R package 4.2.
"""

from __future__ import annotations

import numbers
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
from pyreslib.temporal.btergm import _seed
from pyreslib.temporal.series import StageSeries, stage_series
from pyreslib.temporal.summary import TemporalSummary, number
from pyreslib.temporal.terms import check_covariate_names, parse_separable, split_separable

__all__ = ["MODELS", "SeparableTERGMResults", "describe", "prepare", "tergm"]

MODELS = ("formation", "persistence")
_PREFIX = {"formation": "Form(1)~", "persistence": "Persist(1)~"}


def prepare(series: StageSeries) -> dict[str, Any]:
    """What goes to R: every stage over the common node set, the node and edge covariates
    per stage, and each stage's structural zeros (None when there are none)."""
    zeros = [series.structural_zeros(t, looks_back=True) for t in range(len(series))]
    # the first stage is only a transition's start: its zeros do not enter any likelihood
    absent = zeros if any(z.any() for z in zeros[1:]) else None
    return {"ties": list(series.ties), "labels": list(series.cities),
            "vertex_attributes": {k: [v.tolist() for v in values]
                                  for k, values in series.node_covariates.items()},
            "edge_covariates": {k: list(v) for k, v in series.edge_covariates.items()},
            "absent": absent}


def _terms(formula) -> list[dict[str, Any]]:
    return [{"name": t.name, "offset": False, "args": bridge.named_list(
        [("", v) for v in t.args] + list(t.kwargs))} for t in formula.terms]


def tergm(stages: Mapping[str, Any] | Sequence[Any] | StageSeries,
          formation: str | None = None, persistence: str | None = None, *,
          formula: str | None = None, node_covariates: Any = None,
          edge_covariates: Mapping[str, Any] | None = None, node_sets: str = "union",
          seed: int | None = None, control: Mapping[str, Any] | None = None,
          directed: bool | None = None, threshold: float = 1) -> SeparableTERGMResults:
    """Fit a separable TERGM by CMLE over consecutive stages.

    Parameters
    ----------
    stages : dict {stage label: network}, list of networkx graphs, or StageSeries
        At least two stages, in time order (:func:`pyreslib.temporal.stage_series`).
    formation, persistence : str
        The two models' right-hand sides in ergm syntax, e.g. ``"edges +
        edgecov('proximity')"``; or give ``formula`` in tergm's syntax,
        ``"Form(~edges + edgecov('proximity')) + Persist(~edges)"``.
    node_covariates, edge_covariates, node_sets, directed, threshold
        As :func:`pyreslib.temporal.stage_series` (not with a StageSeries).
    seed : int, optional
        ``set.seed`` and ``control.ergm(seed=)`` (MCMC of dyad-dependent models); drawn at
        random if None and recorded.
    control : dict, optional
        ergm control settings for the CMLE (``control.tergm(CMLE.ergm = control.ergm(...))``),
        literals only, e.g. ``{"MCMLE.maxit": 40}``.

    Returns
    -------
    SeparableTERGMResults

    Examples
    --------
    >>> import numpy as np, networkx as nx
    >>> rng = np.random.default_rng(7)
    >>> cities = list(range(110000, 110030))
    >>> def stage(previous, form, keep):
    ...     g = nx.Graph(); g.add_nodes_from(cities)
    ...     for k, a in enumerate(cities):
    ...         for b in cities[k + 1:]:
    ...             had = previous is not None and previous.has_edge(a, b)
    ...             if rng.random() < (keep if had else form):
    ...                 g.add_edge(a, b)
    ...     return g
    >>> g1 = stage(None, .15, 0); g2 = stage(g1, .1, .6); g3 = stage(g2, .1, .6)
    >>> fit = tergm({"2011-2014": g1, "2015-2017": g2, "2018-2021": g3},
    ...             formula="Form(~edges) + Persist(~edges)", seed=1)
    >>> fit.formation.index.tolist(), fit.persistence.index.tolist()
    (['edges'], ['edges'])
    >>> bool(fit.params[("persistence", "edges")] > fit.params[("formation", "edges")])
    True
    """
    if formula is not None:
        if formation is not None or persistence is not None:
            raise InputError("tergm: give formation and persistence, or formula "
                             "(Form(~...) + Persist(~...)), not both.")
        parts = split_separable(formula)
        formation, persistence = parts["formation"], parts["persistence"]
    if formation is None or persistence is None:
        raise InputError("tergm: give both the formation and the persistence formula (e.g. "
                         "formation='edges + edgecov(\"proximity\")', persistence='edges').")
    if isinstance(stages, StageSeries):
        if node_covariates is not None or edge_covariates is not None:
            raise InputError("tergm: a StageSeries carries its covariates; give "
                             "node_covariates and edge_covariates to stage_series instead.")
        series = stages
    else:
        series = stage_series(stages, node_covariates=node_covariates,
                              edge_covariates=edge_covariates, node_sets=node_sets,
                              directed=directed, threshold=threshold)
    check_covariate_names(series.node_covariates, "node_covariates")
    check_covariate_names(series.edge_covariates, "edge_covariates")
    seed = _seed(seed)
    control = _check_control(control)
    formulas = parse_separable(formation, persistence, node_covariates=series.node_covariates,
                               edge_covariates=series.edge_covariates,
                               directed=series.directed)
    data = prepare(series)
    value = bridge.as_dict(worker.call(
        "tergm", "pyreslib_tergm", context="the separable TERGM fit (tergm CMLE)",
        ties=data["ties"], labels=data["labels"], vertex_attributes=data["vertex_attributes"],
        edge_covariates=data["edge_covariates"], absent=data["absent"],
        formation=_terms(formulas["formation"]), persistence=_terms(formulas["persistence"]),
        directed=series.directed, seed=seed, control=control))
    names = bridge.as_str_list(value["names"])
    index = pd.MultiIndex.from_tuples([_split_name(n) for n in names], names=["model", "term"])

    def column(key: str) -> pd.Series:
        return pd.Series(bridge.as_float_array(value[key]), index=index, name=key)

    modelled = sum(int(_dyads(series, t)) for t in range(1, len(series)))
    return SeparableTERGMResults(
        params=column("coef").rename("coef"), bse=column("se").rename("bse"),
        tvalues=column("zvalues").rename("z"), pvalues=column("pvalues"),
        llf=bridge.as_float(value["llf"]), aic=bridge.as_float(value["aic"]),
        bic=bridge.as_float(value["bic"]), nobs=int(bridge.as_float(value["nobs"])),
        n_dyads=modelled, formation_formula=formulas["formation"].render(),
        persistence_formula=formulas["persistence"].render(), stages=series.stages,
        node_sets=series.node_sets, seed=seed, mcmc=bool(value["mcmc"][0]),
        estimate=str(value["estimate"][0]), r_names=names,
        versions={"tergm": str(value["tergm_version"][0]),
                  "ergm": str(value["ergm_version"][0]), "R": str(value["r_version"][0])})


def _check_control(control: Any) -> dict[str, Any]:
    if control is None:
        return {}
    if not isinstance(control, Mapping):
        raise InputError("control: give a dict of ergm control settings, e.g. "
                         "{'MCMLE.maxit': 40}.")
    out = {}
    for key, value in control.items():
        if not isinstance(key, str) or not key.replace(".", "").isalnum():
            raise InputError(f"control: {excerpt_repr(key)} is not an ergm control setting.")
        if key in ("MCMC.prop", "obs.MCMC.prop"):
            raise InputError(f"control[{key!r}]={excerpt_repr(value)}: proposal hints are not "
                             "taken by the separable TERGM (tergm picks the proposal for its "
                             "transitions); leave it out.")
        if not isinstance(value, (bool, numbers.Real, str)):
            raise InputError(f"control[{key!r}]={excerpt_repr(value)}: give a number, a string "
                             "or True/False.")
        out[key] = value
    return out


def _dyads(series: StageSeries, t: int) -> int:
    k = int(series.modelled(t, looks_back=True).sum())
    return k * (k - 1) if series.directed else k * (k - 1) // 2


def _split_name(name: str) -> tuple[str, str]:
    for model, prefix in _PREFIX.items():
        if name.startswith(prefix):
            return model, name[len(prefix):]
    return "other", name


# ---- results -----------------------------------------------------------------------------------

@dataclass
class SeparableTERGMResults:
    """A separable TERGM fit: ``params``, ``bse``, ``tvalues`` (z), ``pvalues`` indexed by
    (model, term), model being ``"formation"`` or ``"persistence"``; ``formation`` and
    ``persistence``: each model's coefficient table; ``llf``, ``aic``, ``bic``, ``nobs``
    (tergm's count of the transitions' dyads) and ``n_dyads`` (those in the likelihood under
    the node-set rule)."""

    params: pd.Series
    bse: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    llf: float
    aic: float
    bic: float
    nobs: int
    n_dyads: int
    formation_formula: str
    persistence_formula: str
    stages: tuple[str, ...]
    node_sets: str
    seed: int
    mcmc: bool
    estimate: str
    r_names: list[str] = field(repr=False)
    versions: dict[str, str] = field(default_factory=dict)

    def table(self, model: str) -> pd.DataFrame:
        """One model's coefficients: Estimate, Std. Error, z value, Pr(>|z|)."""
        if model not in MODELS:
            raise InputError(f"model={excerpt_repr(model)}: choose 'formation' or "
                             "'persistence'.")
        return pd.DataFrame({"Estimate": self.params[model], "Std. Error": self.bse[model],
                             "z value": self.tvalues[model], "Pr(>|z|)": self.pvalues[model]})

    @property
    def formation(self) -> pd.DataFrame:
        return self.table("formation")

    @property
    def persistence(self) -> pd.DataFrame:
        return self.table("persistence")

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals params +- z_{1 - alpha/2} bse, indexed like ``params``."""
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
            raise InputError(f"alpha={excerpt_repr(alpha)}: give a number between 0 and 1.")
        z = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame({"lower": self.params - z * self.bse,
                             "upper": self.params + z * self.bse})

    def side_by_side(self) -> pd.DataFrame:
        """Formation and persistence next to each other, one row per term (NaN where a term
        is in one model only): columns (model, Estimate / Std. Error / Pr(>|z|))."""
        parts = {m: self.table(m)[["Estimate", "Std. Error", "Pr(>|z|)"]] for m in MODELS}
        terms = list(dict.fromkeys([*parts["formation"].index, *parts["persistence"].index]))
        return pd.concat({m: p.reindex(terms) for m, p in parts.items()}, axis=1)

    def effects(self, alpha: float = 0.05) -> pd.DataFrame:
        """Each term's effect in each model: estimate, p-value, ``sign`` (+1, -1) and whether
        it is significant at ``alpha``; ``edges`` (the baseline rate) included."""
        frame = pd.DataFrame({"estimate": self.params, "pvalue": self.pvalues})
        frame["sign"] = np.sign(frame["estimate"]).astype(int)
        frame["significant"] = frame["pvalue"] < alpha
        return frame

    def describe(self, alpha: float = 0.05) -> str:
        """Which effects drive formation and which drive persistence, in words
        (:func:`describe`)."""
        return describe(self, alpha)

    def summary(self) -> TemporalSummary:
        """The two models side by side: estimate (stars from the z-test) and standard error."""
        both = self.side_by_side()
        rows = []
        for term in both.index:
            cells = []
            for model in MODELS:
                est, se, p = both.loc[term, model]
                cells += ([number(est) + significance_stars(p), f"({number(se)})"]
                          if np.isfinite(est) else ["", ""])
            rows.append((term, cells))
        rows += [("Log-likelihood", [f"{self.llf:.3f}", "", "", ""]),
                 ("AIC", [f"{self.aic:.3f}", "", "", ""]),
                 ("Dyads modelled", [str(self.n_dyads), "", "", ""])]
        notes = [(f"Separable TERGM by CMLE (tergm {self.versions.get('tergm', '')}) over the "
                 f"stages {', '.join(self.stages)} ({len(self.stages) - 1} transitions; node "
                 f"sets: {self.node_sets}); seed {self.seed}."),
                 (f"Formation: {self.formation_formula}; persistence: "
                 f"{self.persistence_formula}. Standard errors in brackets."),
                 "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"]
        return TemporalSummary("Separable TERGM: formation and persistence",
                               ["Formation", "", "Persistence", ""], rows, notes,
                               rules_before=(len(both.index),))

    def to_latex(self, caption: str | None = None, label: str = "tab:stergm") -> str:
        return self.summary().as_latex(caption=caption, label=label)

    def __repr__(self) -> str:
        return (f"<SeparableTERGMResults {len(self.params)} coefficients, "
                f"{len(self.stages) - 1} transitions, {self.n_dyads} dyads, seed {self.seed}>")


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _listed(rows: pd.DataFrame) -> str:
    parts = [f"{term} ({row.estimate:+.3g}, {_p(row.pvalue)})" for term, row in rows.iterrows()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def describe(results: SeparableTERGMResults, alpha: float = 0.05) -> str:
    """State in words which effects drive the formation of new ties and which the persistence
    of existing ones, at the significance level ``alpha`` (two-sided z-tests; the baseline
    ``edges`` term is left out of the words).

    Examples
    --------
    >>> import pandas as pd
    >>> index = pd.MultiIndex.from_tuples([("formation", "edges"), ("formation", "proximity"),
    ...     ("persistence", "edges"), ("persistence", "proximity")], names=["model", "term"])
    >>> fit = SeparableTERGMResults(
    ...     params=pd.Series([-3.0, 0.8, -0.5, 0.1], index=index),
    ...     bse=pd.Series([0.1, 0.1, 0.2, 0.2], index=index),
    ...     tvalues=pd.Series([-30.0, 8.0, -2.5, 0.5], index=index),
    ...     pvalues=pd.Series([0.0, 1e-15, 0.012, 0.62], index=index),
    ...     llf=-100.0, aic=208.0, bic=220.0, nobs=870, n_dyads=870,
    ...     formation_formula="edges + proximity", persistence_formula="edges + proximity",
    ...     stages=("2011-2014", "2015-2017"), node_sets="union", seed=1, mcmc=False,
    ...     estimate="CMLE", r_names=[])
    >>> print(describe(fit))
    Formation (which new ties form): proximity (+0.8, p < 0.001) makes new ties more likely. Not significant at the 5% level: none.
    Persistence (which existing ties last): no effect is significant at the 5% level (not significant: proximity).
    Formation only: proximity.
    """
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise InputError(f"alpha={excerpt_repr(alpha)}: give a level between 0 and 1.")
    effects = results.effects(alpha)
    effects = effects[effects.index.get_level_values("term") != "edges"]
    level = f"{100 * alpha:g}%"
    what = {"formation": ("Formation (which new ties form)", "new ties"),
            "persistence": ("Persistence (which existing ties last)", "existing ties lasting")}
    lines, drivers = [], {}
    for model in MODELS:
        rows = effects.loc[model] if model in effects.index.get_level_values("model") else (
            effects.iloc[:0].droplevel("model"))
        up = rows[rows.significant & (rows.sign > 0)]
        down = rows[rows.significant & (rows.sign < 0)]
        none = [str(t) for t in rows.index[~rows.significant]]
        drivers[model] = set(up.index) | set(down.index)
        title, noun = what[model]
        if up.empty and down.empty:
            lines.append(f"{title}: no effect is significant at the {level} level"
                         + (f" (not significant: {', '.join(none)})." if none else "."))
            continue
        said = []
        if not up.empty:
            said.append(f"{_listed(up)} make{'s' if len(up) == 1 else ''} {noun} more likely")
        if not down.empty:
            said.append(f"{_listed(down)} make{'s' if len(down) == 1 else ''} {noun} less "
                        "likely")
        lines.append(f"{title}: {'; '.join(said)}. Not significant at the {level} level: "
                     f"{', '.join(none) or 'none'}.")
    both = sorted(drivers["formation"] & drivers["persistence"])
    only_f = sorted(drivers["formation"] - drivers["persistence"])
    only_p = sorted(drivers["persistence"] - drivers["formation"])
    tail = [f"{label}: {', '.join(terms)}." for label, terms in (
        ("Significant in both models", both), ("Formation only", only_f),
        ("Persistence only", only_p)) if terms]
    if tail:
        lines.append(" ".join(tail))
    return "\n".join(lines)
