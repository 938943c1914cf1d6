"""Results of an ERGM fit, shaped like a statsmodels results object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pyreslib.ergm import bridge
from pyreslib.errors import ConvergenceWarning, DegeneracyError, EstimateWarning


def significance_stars(p: float) -> str:
    """R's significance codes: *** < 0.001, ** < 0.01, * < 0.05, . < 0.1."""
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "." if p < 0.1 else ""


@dataclass
class ERGMSummary:
    """A statnet-style summary: the coefficient table plus model-level statistics."""

    title: str
    formula: str
    estimate_desc: str
    coefficients: pd.DataFrame
    footer: list[str]

    def as_text(self) -> str:
        table = self.coefficients.copy()
        lines = [
            "=" * 26,
            "Summary of model fit",
            "=" * 26,
            "",
            f"Formula:   nw ~ {self.formula}",
            "",
            f"{self.estimate_desc} Results:",
            "",
        ]
        shown = pd.DataFrame({
            "Estimate": table["coef"].map(lambda v: f"{v:.5g}"),
            "Std. Error": table["std err"].map(lambda v: f"{v:.5g}"),
            "MCMC %": table["MCMC %"].map(lambda v: f"{v:.0f}" if np.isfinite(v) else "NA"),
            "z value": table["z"].map(lambda v: f"{v:.3f}"),
            "Pr(>|z|)": table["P>|z|"].map(lambda v: "<1e-04" if v < 1e-4 else f"{v:.5f}"),
            "": table["P>|z|"].map(significance_stars),
        }, index=table.index)
        lines.append(shown.to_string())
        lines += ["---", "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1", ""]
        lines += self.footer
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return "<pre>" + self.as_text().replace("&", "&amp;").replace("<", "&lt;") + "</pre>"


class ERGMResults:
    """Estimates, standard errors and fit statistics of one ERGM fit.

    Attributes mirror statsmodels: ``params``, ``bse``, ``tvalues`` (z), ``pvalues``,
    ``llf``, ``aic``, ``bic``, ``nobs`` (informative dyads), plus ``null_deviance``,
    ``residual_deviance``, ``mcmc_se_pct`` (share of the standard error due to MCMC, %),
    ``converged`` and ``seed``.

    As statnet: a term whose statistic is at its smallest/largest attainable value has estimate
    -inf/+inf (``extreme`` is -1/+1 for it), a linearly dependent term NaN; ``offset`` marks
    the ``offset()`` terms.  ``warnings`` lists every warning of the fit, in order, as text.
    """

    def __init__(self, model, r_fit, r_info, *, seed: int, control: dict[str, Any],
                 warnings: list[str] | None = None):
        self.model = model
        self._r_fit = r_fit
        info = bridge.as_dict(r_info)
        names = bridge.as_str_list(info["names"])
        self.seed = seed
        self.control = control
        # Every warning R or pyreslib issued during the fit, in order, as plain text (R's
        # prefixed with what pyreslib was doing); also issued as Python warnings.
        self.warnings: list[str] = list(warnings) if warnings is not None else []
        self.formula = str(model.formula)
        self.params = pd.Series(bridge.as_float_array(info["coef"]), index=names, name="coef")
        self.bse = pd.Series(bridge.as_float_array(info["se"]), index=names, name="std err")
        self.tvalues = pd.Series(bridge.as_float_array(info["z"]), index=names, name="z")
        self.pvalues = pd.Series(bridge.as_float_array(info["p"]), index=names, name="P>|z|")
        self.mcmc_se_pct = pd.Series(bridge.as_float_array(info["mcmc_pct"]), index=names,
                                     name="MCMC %")
        vcov = bridge.as_matrix(info["vcov"]) if len(names) else np.zeros((0, 0))
        self._cov = pd.DataFrame(vcov, index=names, columns=names)
        self.llf = bridge.as_float(info["llf"])
        self.aic = bridge.as_float(info["aic"])
        self.bic = bridge.as_float(info["bic"])
        self.null_deviance = bridge.as_float(info["null_deviance"])
        self.residual_deviance = bridge.as_float(info["residual_deviance"])
        self.df_null = bridge.as_float(info["df_null"])
        self.df_resid = bridge.as_float(info["df_residual"])
        self.nobs = int(bridge.as_float(info["nobs"]))
        self.n_nodes = int(bridge.as_float(info["n_nodes"]))
        self.n_edges = int(bridge.as_float(info["n_edges"]))
        self.estimate = str(info["estimate"][0])
        self.estimate_desc = str(info["estimate_desc"][0])
        self.iterations = bridge.as_float(info["iterations"])
        self.max_iterations = bridge.as_float(info["max_iterations"])
        self.failure = bool(info["failure"][0])
        self.dyad_independent = bool(info["independence"][0])
        self.estimable = [bool(v) for v in info["estimable"]]
        self.ergm_version = str(info["ergm_version"][0])
        self.r_version = str(info["r_version"][0])
        # statnet's bookkeeping of terms it did not estimate: `drop` is -1/+1 for a statistic
        # at its smallest/largest attainable value (estimate -Inf/+Inf), `offset` marks those
        # and the user's offset() terms (coefficients fixed by offset_coef).
        n = len(names)
        drop = bridge.as_float_array(info["drop"]) if "drop" in info else np.zeros(n)
        fixed = [bool(v) for v in info["offset"]] if "offset" in info else [False] * n
        self.extreme = pd.Series(drop.astype(int), index=names, name="extreme")
        self.offset = pd.Series([f and d == 0 for f, d in zip(fixed, drop)], index=names,
                                name="offset", dtype=bool)
        self._sample_edges = (bridge.as_float_array(info["sample_edges"])
                              if "sample_edges" in info and info["sample_edges"] is not
                              bridge.session().ro.NULL else None)
        self.n_dyads = (bridge.as_float(info["n_dyads"]) if "n_dyads" in info
                        else float(self.nobs))
        # ergm 4.12 does not set `failure` when MCMC-MLE stops at MCMLE.maxit; an MCMC fit
        # that used every allowed iteration is treated as not converged.
        hit_maxit = (not self.dyad_independent and self.estimate == "MLE"
                     and np.isfinite(self.iterations) and self.iterations >= self.max_iterations)
        self.converged = not (self.failure or hit_maxit)
        if not self.converged:
            self._warn(ConvergenceWarning, (
                f"ERGM '{self.formula}' did not converge (stopped after "
                f"{self.iterations:.0f} of at most {self.max_iterations:.0f} MCMLE iterations). "
                "Estimates may be unreliable: increase "
                "control={'MCMLE.maxit': ..., 'MCMC.samplesize': ..., 'MCMC.interval': ...}, "
                "check results.mcmc_diagnostics(), or simplify dyad-dependent terms (fixed "
                "decays for gwesp/gwdegree)."))
        self._warn_estimates()

    def _warn(self, category, message: str, depth: int = 0) -> None:
        """Issue a warning (pointing at the code that called fit) and keep it in
        ``self.warnings``; ``depth`` counts the frames between __init__ and this call."""
        self.warnings.append(message)
        bridge.warn(message, category, stacklevel=4 + depth)

    def _warn_estimates(self) -> None:
        """statnet's -Inf/+Inf and NA estimates, named (they are results, not errors)."""
        low = [n for n, d in self.extreme.items() if d < 0]
        high = [n for n, d in self.extreme.items() if d > 0]
        if low or high:
            parts = [f"{', '.join(terms)} at their {side} attainable value (estimate {sign})"
                     for terms, side, sign in ((low, "smallest", "-Inf"),
                                               (high, "largest", "+Inf")) if terms]
            rest = ("and the other estimates, the log-likelihood, AIC and BIC are those of "
                    "the model given them" if ((self.extreme == 0) & ~self.offset).any() else
                    "and, with nothing left to estimate, there is no log-likelihood (NA)")
            self._warn(EstimateWarning, (
                f"ERGM '{self.formula}': the observed statistics of {'; '.join(parts)}, so "
                "their maximum likelihood estimates do not exist; as statnet does, they are "
                f"fixed at infinity (standard error 0) {rest}. Drop or recode these terms "
                "(e.g. levels=-c(...)), or fix them with offset()."), 1)
        undefined = [n for n, v in self.params.items() if np.isnan(v)]
        if undefined:
            self._warn(EstimateWarning, (
                f"ERGM '{self.formula}': the estimate of {', '.join(undefined)} is undefined "
                "(NA): its statistic is a linear combination of the others' (ergm warns of "
                "the linear dependence), e.g. all levels of a factor next to edges, or a "
                "covariate that is constant across vertices. statnet returns NA for it and "
                "keeps the rest; remove the term or recode the covariate."), 1)

    # ---- statsmodels-style API ------------------------------------------------------------

    @property
    def df_model(self) -> int:
        return len(self.params)

    def cov_params(self) -> pd.DataFrame:
        """Estimated covariance matrix of the coefficients (ergm's ``vcov``)."""
        return self._cov.copy()

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald confidence intervals ``params ± z_{1-alpha/2} * bse``."""
        z = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame(
            {"lower": self.params - z * self.bse, "upper": self.params + z * self.bse},
            index=self.params.index,
        )

    def to_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per term: coef, std err, z, P>|z|, MCMC %, confidence bounds, stars."""
        ci = self.conf_int(alpha)
        frame = pd.concat([self.params, self.bse, self.tvalues, self.pvalues, self.mcmc_se_pct],
                          axis=1)
        frame[f"[{alpha / 2:g}"] = ci["lower"]
        frame[f"{1 - alpha / 2:g}]"] = ci["upper"]
        frame["stars"] = self.pvalues.map(significance_stars)
        frame.index.name = "term"
        return frame

    def summary(self) -> ERGMSummary:
        footer = [
            f"     Null Deviance: {self.null_deviance:.1f}  on {self.df_null:.0f}  degrees of freedom",
            f" Residual Deviance: {self.residual_deviance:.1f}  on {self.df_resid:.0f}  degrees of freedom",
            "",
            f"AIC: {self.aic:.4g}  BIC: {self.bic:.4g}  (Smaller is better.)",
            "",
            (f"Nodes: {self.n_nodes}  Edges: {self.n_edges}  Dyads: {self.nobs}  "
             f"Converged: {self.converged}  Seed: {self.seed}"),
            f"ergm {self.ergm_version} ({self.r_version}) via pyreslib",
        ]
        return ERGMSummary("Summary of model fit", self.formula, self.estimate_desc,
                           self.to_frame(), footer)

    # ---- diagnostics (pyreslib.ergm.diagnostics; imported late, it imports this module) ------

    def gof(self, nsim: int = 100, seed: int | None = None,
            statistics=("degree", "espartners", "distance", "model")):
        """Goodness of fit (``ergm::gof``); see :func:`pyreslib.ergm.diagnostics.goodness_of_fit`."""
        from pyreslib.ergm import diagnostics

        return diagnostics.goodness_of_fit(self, nsim=nsim, seed=seed, statistics=statistics)

    def mcmc_diagnostics(self):
        """MCMC diagnostics; see :func:`pyreslib.ergm.diagnostics.mcmc_diagnostics`."""
        from pyreslib.ergm import diagnostics

        return diagnostics.mcmc_diagnostics(self)

    def bridge_loglik(self, nsteps: int = 20, seed: int | None = None) -> float:
        """Re-estimate the log-likelihood by bridge sampling with more steps."""
        from pyreslib.ergm import diagnostics

        return diagnostics.bridge_loglik(self, nsteps=nsteps, seed=seed)

    def __repr__(self) -> str:
        return (f"<ERGMResults {self.formula!r}: {len(self.params)} terms, llf={self.llf:.3f}, "
                f"aic={self.aic:.3f}, converged={self.converged}>")

    # ---- checks -----------------------------------------------------------------------------

    # Share of the last MCMC sample that may sit near the empty or complete graph before the
    # sample counts as degenerate, and what "near" means: within a tenth of the observed
    # network's distance to that extreme (in ties).  Only networks at least this many ties
    # away from both extremes are judged.
    DEGENERATE_SHARE = 0.5
    NEAR_EXTREME = 0.1
    MIN_TIES_FROM_EXTREME = 10

    def _check_degeneracy(self) -> None:
        """Raise :class:`DegeneracyError` when the last MCMC sample (of a model with an
        ``edges`` term) sits at or near the empty or the complete graph: at least
        :attr:`DEGENERATE_SHARE` of the sampled networks within :attr:`NEAR_EXTREME` of the
        observed network's distance to the empty (or complete) graph.  A converged fit of a
        sound model samples around the observed network; a degenerate one jumps between the
        extremes (Handcock 2003, "Assessing degeneracy in statistical models of social
        networks", CSSS working paper 39)."""
        edges = self._sample_edges
        if edges is None or not len(edges):
            return
        observed, most = float(self.n_edges), float(self.n_dyads)
        if min(observed, most - observed) < self.MIN_TIES_FROM_EXTREME:
            return
        near_empty = float(np.mean(edges <= self.NEAR_EXTREME * observed))
        near_full = float(np.mean(most - edges <= self.NEAR_EXTREME * (most - observed)))
        for share, graph in ((near_empty, "empty"), (near_full, "complete")):
            if share >= self.DEGENERATE_SHARE:
                raise DegeneracyError(
                    f"ERGM '{self.formula}' is degenerate: {share:.0%} of the networks in the "
                    f"last MCMC sample are at or near the {graph} graph (observed: "
                    f"{observed:.0f} of {most:.0f} possible ties; sampled: "
                    f"{np.min(edges):.0f} to {np.max(edges):.0f}). The estimates describe a "
                    "model that does not reproduce the network; simplify the dyad-dependent "
                    "terms (e.g. gwesp with a fixed decay instead of triangle). The fit is "
                    "attached as the error's .results.", results=self)
