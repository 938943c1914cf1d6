"""Pooled ERGMs of several stage networks (statnet's ``ergm.multi``): did an effect change?

Fitting each stage's network separately and setting the estimates (or AIC/BIC) side by side
does not test anything: the fits are to different networks.  A pooled model fits all stages
at once.  With stage networks :math:`y_1, \\dots, y_S` on their own vertex sets,

.. math::  P(Y_1 = y_1, \\dots, Y_S = y_S) = \\prod_{s=1}^{S}
           \\exp\\{\\theta_s^\\top g(y_s, X_s)\\} / \\kappa_s(\\theta_s),
           \\qquad \\theta_{s,k} = x_s^\\top \\beta_k,

where :math:`g` are the formula's statistics and :math:`x_s` is stage :math:`s`'s row of the
design matrix of a linear model over network-level attributes (``lm``).  With the default
``lm = ~ stage`` (treatment contrasts, the first stage as baseline),
:math:`\\theta_{1,k} = \\beta_{k,1}` and :math:`\\theta_{s,k} = \\beta_{k,1} + \\beta_{k,s}`:
the stage-interaction coefficient ``N(stage<label>)~<term>`` is how much term *k*'s effect in
stage *s* differs from the first stage, with its own z test; the joint Wald test of
:math:`\\beta_{k,2} = \\dots = \\beta_{k,S} = 0` (:math:`\\chi^2` with *S* - 1 df) says whether
the effect changed between stages at all.  This is ergm.multi's ``Networks()`` /
``N(formula, lm=)`` (Krivitsky, Coletti & Hens 2023, *JASA* 118(544), 2213-2224,
doi:10.1080/01621459.2023.2242627); coefficients keep statnet's names.

>>> pooled = fit_pooled({"2011-2014": m1, "2015-2017": m2, "2018-2021": m3}, seed=1)
>>> pooled.stage_change_tests()           # one joint Wald test per effect
>>> pooled.stage_effects()                # each effect's coefficient in each stage
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge
from pyreslib.ergm.control import validate_control
from pyreslib.ergm.distributions import chi2_sf, normal_two_sided_p
from pyreslib.ergm.formula import Formula, parse_formula
from pyreslib.ergm.model import ERGM, FitCall, check_fit_arguments
from pyreslib.ergm.results import ERGMResults, ERGMSummary
from pyreslib.errors import InputError

STAGE = "stage"
_R_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._]*$")
# Network attributes every network object has; an edge or network covariate of one of these
# names would overwrite them.
_RESERVED = frozenset({STAGE, "n", "directed", "hyper", "loops", "multiple", "bipartite", "mnext"})


def parse_lm(text: str, network_covariates: Sequence[str] = ()) -> tuple[str, ...]:
    """Validate a network-level linear model such as ``"~ stage"`` into its term names.

    Terms are ``1`` (intercept), ``0`` (no intercept), ``stage`` (a factor of the stage
    labels, first stage as baseline) and the names in ``network_covariates``, joined by ``+``.
    """
    if not isinstance(text, str):
        raise InputError(f"lm={text!r}: give a one-sided formula as text, e.g. '~ stage'.")
    body = text.strip().removeprefix("~")
    parts = [p.strip() for p in body.split("+")]
    allowed = {"0", "1", STAGE, *network_covariates}
    bad = [p for p in parts if p not in allowed]
    if bad or not parts:
        raise InputError(
            f"lm={text!r}: {bad[0] if bad and bad[0] else 'an empty term'!r} is not a network-"
            f"level predictor; use terms from {sorted(allowed)} joined by '+', e.g. '~ stage' "
            "(stage interactions) or '~ 1' (one coefficient per term, pooled over stages)."
        )
    if len(set(parts)) != len(parts):
        raise InputError(f"lm={text!r}: a term appears twice.")
    return tuple(parts)


def _stage_formula(models: Mapping[str, ERGM], formula: str | None) -> Formula:
    """The formula every stage is fitted with, checked against each stage's covariates."""
    if formula is None:
        texts = {label: str(m.formula) for label, m in models.items()}
        first_label, first = next(iter(texts.items()))
        differing = [label for label, text in texts.items() if text != first]
        if differing:
            raise InputError(
                f"models: stage {differing[0]!r} has the formula '{texts[differing[0]]}' but "
                f"stage {first_label!r} has '{first}'; a pooled model fits one formula to "
                "every stage. Pass formula='...' with terms every stage has covariates for."
            )
        return next(iter(models.values())).formula
    parsed = None
    for label, m in models.items():
        try:
            parsed = parse_formula(formula, node_covariates=m.node_covariates.columns,
                                   edge_covariates=m.edge_covariates.keys())
        except InputError as exc:
            raise type(exc)(f"stage {label!r}: {exc}") from None
    return parsed


class PooledERGM:
    """One ERGM formula fitted jointly to several stage networks (ergm.multi).

    Parameters
    ----------
    models : mapping of stage label to :class:`~pyreslib.ergm.ERGM`
        The stage networks in stage order (the first is the baseline of ``lm='~ stage'``),
        with their covariates.  Vertex sets may differ between stages.
    formula : str, optional
        The terms fitted in every stage; by default the (identical) formula of the models.
    lm : str
        Network-level linear model of the coefficients (see :func:`parse_lm`).
    network_covariates : mapping of name to {stage label: number}, optional
        Network-level predictors ``lm`` may use besides ``stage``.
    """

    def __init__(self, models: Mapping[str, ERGM], *, formula: str | None = None,
                 lm: str = "~ stage",
                 network_covariates: Mapping[str, Mapping[str, float]] | None = None) -> None:
        if not isinstance(models, Mapping) or len(models) < 2:
            raise InputError("models: pass a dict of at least two stage labels to ERGM objects "
                             "(in stage order).")
        for label, m in models.items():
            if not isinstance(label, str) or not label.strip():
                raise InputError(f"models: stage label {label!r} must be a non-empty string.")
            if not isinstance(m, ERGM):
                raise InputError(f"models[{label!r}]: expected a pyreslib.ergm.ERGM, got "
                                 f"{type(m).__name__}.")
            if m.response is not None:
                raise InputError(f"models[{label!r}]: pooled models of valued (count) networks "
                                 "are not supported; fit binary stage networks.")
        directed = {m.directed for m in models.values()}
        if len(directed) > 1:
            raise InputError("models: some stage networks are directed and some are not; "
                             "ergm.multi pools networks of one kind.")
        self.models = dict(models)
        self.stages = list(models)
        self.directed = directed.pop()
        self.formula = _stage_formula(self.models, formula)
        self.network_covariates = self._check_network_covariates(network_covariates or {})
        self.lm = parse_lm(lm, tuple(self.network_covariates))
        clash = set(self.formula.edge_covariates) & (_RESERVED | set(self.network_covariates))
        if clash:
            raise InputError(f"edge covariate {min(clash)!r}: the name is taken by a "
                             "network attribute of the pooled model; rename the covariate.")

    def _check_network_covariates(self, covariates) -> dict[str, list[float]]:
        checked: dict[str, list[float]] = {}
        for name, values in covariates.items():
            if not isinstance(name, str) or not _R_NAME.match(name) or name in _RESERVED:
                raise InputError(f"network_covariates: {name!r} is not usable as a name (use "
                                 f"letters, digits, '.' and '_', not one of {sorted(_RESERVED)}).")
            missing = [s for s in self.stages if s not in values]
            if missing:
                raise InputError(f"network_covariates[{name!r}]: no value for stage(s) {missing}.")
            try:
                row = [float(values[s]) for s in self.stages]
            except (TypeError, ValueError):
                raise InputError(f"network_covariates[{name!r}]: values must be numbers.") from None
            if not np.all(np.isfinite(row)):
                raise InputError(f"network_covariates[{name!r}]: values must be finite.")
            checked[name] = row
        return checked

    @property
    def lm_text(self) -> str:
        return "~" + " + ".join(self.lm)

    def __str__(self) -> str:
        return f"N(~{self.formula}, lm = {self.lm_text})"

    # For compare()'s network fingerprint: the pooled network is the stages' block diagonal.
    @property
    def vertex_names(self) -> list[str]:
        return [f"{s}:{v}" for s, m in self.models.items() for v in m.vertex_names]

    @property
    def adjacency(self) -> np.ndarray:
        sizes = [len(m.vertex_names) for m in self.models.values()]
        out = np.zeros((sum(sizes), sum(sizes)))
        start = 0
        for size, m in zip(sizes, self.models.values()):
            out[start:start + size, start:start + size] = m.adjacency
            start += size
        return out

    def _r_stages(self) -> list[tuple[str, Any]]:
        used_nodes = set(self.formula.node_covariates)
        used_edges = set(self.formula.edge_covariates)
        stages = []
        for label, m in self.models.items():
            node = {k: v for k, v in m._r_node_covariates().items() if k in used_nodes}
            edge = {k: v for k, v in m.edge_covariates.items() if k in used_edges}
            stages.append((label, bridge.named_list({
                "adj": m.adjacency, "directed": m.directed, "vertex_names": list(m.vertex_names),
                "node_covariates": node, "edge_covariates": edge})))
        return stages

    def _r_terms(self):
        return [
            {"name": t.name, "args": bridge.named_list(
                [("", v) for v in t.args] + list(t.kwargs))}
            for t in self.formula.terms
        ]

    def fit(self, *, estimate: str = "MLE", seed: int | None = None,
            control: Mapping[str, Any] | None = None,
            eval_loglik: bool = True) -> PooledERGMResults:
        """Fit with ``ergm::ergm(Networks(...) ~ N(~ formula, lm = lm))``.

        ``estimate``, ``seed``, ``control`` and ``eval_loglik`` as in
        :meth:`pyreslib.ergm.ERGM.fit`.  Dyad-independent formulas are fit by exact MLE,
        dyad-dependent ones by MCMC-MLE over all stages at once (ties between stages are
        structurally absent: ergm.multi's block-diagonal constraint).
        """
        call = self.prepare_fit(estimate=estimate, seed=seed, control=control,
                                eval_loglik=eval_loglik)
        with bridge.collect_warnings() as messages:
            value = bridge.call(call.function, context=call.context, **call.build())
            return call.finish(value, messages)

    def prepare_fit(self, *, estimate: str = "MLE", seed: int | None = None,
                    control: Mapping[str, Any] | None = None,
                    eval_loglik: bool = True) -> FitCall:
        """Check the arguments of :meth:`fit` and return its R call, unmade (see
        :meth:`pyreslib.ergm.ERGM.prepare_fit`)."""
        estimate, seed = check_fit_arguments(estimate, seed)
        control_list = validate_control(control)
        if control_list.pop("workers", None) is not None or any(
                isinstance(v, Formula) for v in control_list.values()):
            raise InputError("control: a pooled fit takes plain control.ergm settings; "
                             "'parallel' workers and MCMC.prop hints are for single-network "
                             "fits (pyreslib.ergm.ERGM), leave them out here.")
        arguments = {
            "stages": bridge.named_list(self._r_stages()),
            "terms": self._r_terms(),
            "lm": list(self.lm),
            "network_covariates": dict(self.network_covariates),
            "estimate": estimate,
            "seed": int(seed),
            "control": control_list,
            "eval_loglik": bool(eval_loglik),
        }
        kept = dict(control or {})

        def finish(value, messages: list[str]) -> PooledERGMResults:
            parts = bridge.as_dict(value)
            results = PooledERGMResults(self, parts["fit"], parts["info"], parts["design"],
                                        seed=int(seed), control=kept, warnings=messages)
            results._check_degeneracy()
            return results

        return FitCall(self, "pyreslib_multi_fit",
                       f"fitting the pooled ERGM '{self}' to stages {', '.join(self.stages)}",
                       arguments, level=0, seed=int(seed), control=kept, finish=finish)


class PooledERGMResults(ERGMResults):
    """Results of a :class:`PooledERGM` fit: an :class:`ERGMResults` plus stage comparisons.

    ``params`` etc. carry statnet's coefficient names, ``N(<lm column>)~<term>``, e.g.
    ``N(1)~edgecov.proximity`` (the first stage's effect) and
    ``N(stage2018-2021)~edgecov.proximity`` (how much it differs in stage 2018-2021).
    ``design`` is the lm design matrix (stages x columns); ``effects`` the formula's
    coefficient names within one stage.
    """

    def __init__(self, model: PooledERGM, r_fit, r_info, r_design, *, seed: int,
                 control: dict[str, Any], warnings: list[str] | None = None):
        super().__init__(model, r_fit, r_info, seed=seed, control=control, warnings=warnings)
        self.formula = str(model)
        self.stages = list(model.stages)
        design = bridge.as_dict(r_design)
        columns = bridge.as_str_list(design["columns"])
        self.design = pd.DataFrame(bridge.as_matrix(design["matrix"]), index=self.stages,
                                   columns=columns)
        names = list(self.params.index)
        k = len(columns)
        if k == 0 or len(names) % k:
            raise InputError(f"pooled fit: {len(names)} coefficients do not split into "
                             f"{k} lm columns {columns}.")
        prefix = f"N({columns[0]})~"
        self.effects = [names[j][len(prefix):] for j in range(0, len(names), k)]
        # ergm.multi orders the coefficients term by term, lm column within term.
        self._names = {(column, effect): f"N({column})~{effect}"
                       for effect in self.effects for column in columns}
        expected = [self._names[(c, e)] for e in self.effects for c in columns]
        if expected != names:
            raise InputError(f"pooled fit: unexpected coefficient names {names[:4]}... "
                             f"(expected {expected[:4]}...); ergm.multi's naming changed?")

    def coef_name(self, effect: str, column: str) -> str:
        """The coefficient of ``effect`` (e.g. ``"edgecov.proximity"``) on lm ``column``."""
        try:
            return self._names[(column, effect)]
        except KeyError:
            raise InputError(f"no coefficient for effect {effect!r} and lm column {column!r}; "
                             f"effects: {self.effects}, columns: {list(self.design.columns)}."
                             ) from None

    def _stage_columns(self) -> list[str]:
        columns = [f"{STAGE}{label}" for label in self.stages]
        present = [c for c in columns if c in self.design.columns]
        if not present:
            raise InputError(f"this pooled model has lm = {self.model.lm_text}, without stage "
                             "terms, so its effects cannot differ between stages; fit with "
                             "lm='~ stage' to compare stages.")
        return present

    def stage_change_tests(self) -> pd.DataFrame:
        """Per effect, the joint Wald test that its coefficient is the same in every stage.

        With an intercept (``lm='~ stage'``) the hypothesis is that every stage-interaction
        coefficient of the effect is 0; without one (``lm='~ 0 + stage'``), that the stage
        coefficients are equal.  Columns: ``chi2``, ``df``, ``P>chi2`` and the interaction
        coefficients tested.
        """
        stage_columns = self._stage_columns()
        intercept = "1" in self.design.columns
        position = {name: i for i, name in enumerate(self.params.index)}
        rows = []
        for effect in self.effects:
            idx = [position[self.coef_name(effect, c)] for c in stage_columns]
            if intercept:
                restriction = np.eye(len(self.params))[idx]
            else:
                restriction = np.zeros((len(idx) - 1, len(self.params)))
                for r, i in enumerate(idx[1:]):
                    restriction[r, i], restriction[r, idx[0]] = 1.0, -1.0
            chi2, df, p = _joint_wald(self.params.to_numpy(), self._cov.to_numpy(), restriction)
            rows.append({"effect": effect, "chi2": chi2, "df": df, "P>chi2": p,
                         "tested": ", ".join(self.params.index[idx])})
        return pd.DataFrame(rows).set_index("effect")

    def stage_effects(self, alpha: float = 0.05) -> pd.DataFrame:
        """Each effect's coefficient in each stage, :math:`x_s^\\top \\beta_k`, with its SE.

        Index (effect, stage); columns coef, std err, z, P>|z| and the ``1 - alpha``
        confidence bounds.  Standard errors come from the pooled covariance matrix, so the
        stages' estimates are directly comparable.
        """
        from scipy import stats

        position = {name: i for i, name in enumerate(self.params.index)}
        params, cov = self.params.to_numpy(), self._cov.to_numpy()
        z_crit = stats.norm.ppf(1 - alpha / 2)
        rows = []
        for effect in self.effects:
            for stage in self.stages:
                weights = np.zeros(len(params))
                for column, x in self.design.loc[stage].items():
                    weights[position[self.coef_name(effect, column)]] = x
                used = weights != 0
                coef = float(weights[used] @ params[used])
                se = float(np.sqrt(weights[used] @ cov[np.ix_(used, used)] @ weights[used]))
                z = coef / se if se > 0 else float("nan")
                rows.append({"effect": effect, "stage": stage, "coef": coef, "std err": se,
                             "z": z, "P>|z|": 2 * stats.norm.sf(abs(z)),
                             f"[{alpha / 2:g}": coef - z_crit * se,
                             f"{1 - alpha / 2:g}]": coef + z_crit * se})
        return pd.DataFrame(rows).set_index(["effect", "stage"])

    def stage_changes(self) -> pd.DataFrame:
        """Each effect's change from one stage to the next, with its test.

        Index (effect, stage); per stage after the first, ``from`` (the previous stage),
        ``before`` and ``after`` (the effect in the two stages, :meth:`stage_effects`),
        ``change`` (after - before), its ``std err`` from the pooled covariance, ``z`` and
        ``P>|z|``.  From the baseline to the second stage this is the stage-interaction
        coefficient and its z test; later stages contrast two interaction coefficients.
        """
        self._stage_columns()
        position = {name: i for i, name in enumerate(self.params.index)}
        params, cov = self.params.to_numpy(), self._cov.to_numpy()
        effects = self.stage_effects()
        rows = []
        for effect in self.effects:
            for before, after in zip(self.stages, self.stages[1:]):
                weights = np.zeros(len(params))
                for column in self.design.columns:
                    step = self.design.loc[after, column] - self.design.loc[before, column]
                    weights[position[self.coef_name(effect, column)]] += step
                used = weights != 0
                change = float(weights[used] @ params[used])
                se = float(np.sqrt(weights[used] @ cov[np.ix_(used, used)] @ weights[used]))
                z = change / se if se > 0 else float("nan")
                rows.append({"effect": effect, "stage": after, "from": before,
                             "before": effects.loc[(effect, before), "coef"],
                             "after": effects.loc[(effect, after), "coef"],
                             "change": change, "std err": se, "z": z,
                             "P>|z|": float(normal_two_sided_p(z))})
        return pd.DataFrame(rows).set_index(["effect", "stage"])

    def summary(self) -> ERGMSummary:
        """statnet's summary, followed by the per-effect stage-change tests (if ``stage`` is in lm)."""
        summary = super().summary()
        try:
            tests = self.stage_change_tests()
        except InputError:
            return summary
        shown = pd.DataFrame({
            "chi2": tests["chi2"].map(lambda v: f"{v:.3f}"),
            "df": tests["df"].map(lambda v: f"{v:.0f}"),
            "P>chi2": tests["P>chi2"].map(lambda v: "<1e-04" if v < 1e-4 else f"{v:.5f}"),
        }, index=tests.index)
        summary.footer += ["", f"Stages: {', '.join(self.stages)} (baseline {self.stages[0]})",
                           "Did each effect change between stages? Joint Wald tests:",
                           shown.to_string()]
        return summary

    def __repr__(self) -> str:
        return (f"<PooledERGMResults {self.formula!r} over {len(self.stages)} stages: "
                f"{len(self.params)} coefficients, llf={self.llf:.3f}, "
                f"converged={self.converged}>")


def _joint_wald(params: np.ndarray, cov: np.ndarray, restriction: np.ndarray
                ) -> tuple[float, int, float]:
    """Wald test of ``restriction @ params = 0``: (chi2, df, p-value).

    :math:`W = (R b)^\\top (R V R^\\top)^{-1} (R b) \\sim \\chi^2_{\\mathrm{rank}(R V R^\\top)}`
    under the null (Wald 1943).  A non-finite estimate or covariance gives NaN.
    """
    rb = restriction @ params
    middle = restriction @ cov @ restriction.T
    if not (np.all(np.isfinite(rb)) and np.all(np.isfinite(middle))):
        return float("nan"), int(restriction.shape[0]), float("nan")
    df = int(np.linalg.matrix_rank(middle))
    chi2 = float(rb @ np.linalg.pinv(middle) @ rb)
    return chi2, df, chi2_sf(chi2, df) if df else float("nan")


def fit_pooled(models: Mapping[str, ERGM], *, formula: str | None = None, lm: str = "~ stage",
               network_covariates: Mapping[str, Mapping[str, float]] | None = None,
               seed: int | None = None, control: Mapping[str, Any] | None = None,
               estimate: str = "MLE", eval_loglik: bool = True) -> PooledERGMResults:
    """Fit one formula to several stage networks jointly; see :class:`PooledERGM`."""
    pooled = PooledERGM(models, formula=formula, lm=lm, network_covariates=network_covariates)
    return pooled.fit(estimate=estimate, seed=seed, control=control, eval_loglik=eval_loglik)


def stage_change_tests(results: PooledERGMResults) -> pd.DataFrame:
    """Per effect, the joint Wald test that it is the same in every stage (see the method)."""
    return results.stage_change_tests()


__all__ = ["PooledERGM", "PooledERGMResults", "fit_pooled", "parse_lm", "stage_change_tests"]
