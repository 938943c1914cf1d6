"""Results of an ERGM fit, shaped like a statsmodels results object."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge
from pyreslib.ergm.tables import SummaryMixin, r_format, significance_stars
from pyreslib.errors import ConvergenceWarning, DegeneracyError, EstimateWarning, InputError


def _r_number(value: float, spec: str) -> str:
    """A number as R prints it in a table: NA, Inf and -Inf spelled R's way."""
    if np.isnan(value):
        return "NA"
    if np.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    return format(value, spec)


def _format_p(p: float) -> str:
    return "NA" if not np.isfinite(p) else "<1e-04" if p < 1e-4 else f"{p:.5f}"


@dataclass
class ERGMSummary(SummaryMixin):
    """A statnet-style summary: the coefficient table plus model-level statistics.

    ``notes`` are statnet's remarks under the coefficient table (e.g. that MPLE standard
    errors are suspect); ``footer`` the deviances, AIC/BIC with their Monte Carlo standard
    error, and the fit's facts.  Render with :meth:`as_text`, :meth:`as_html` or
    :meth:`as_latex`.
    """

    title: str
    formula: str
    estimate_desc: str
    coefficients: pd.DataFrame
    footer: list[str]
    notes: list[str] = field(default_factory=list)

    HEADER = ("Estimate", "Std. Error", "MCMC %", "z value", "Pr(>|z|)")
    SIGNIF = "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"

    def _rows(self, stars: bool = True) -> list[tuple[str, list[str]]]:
        rows = []
        for term, row in self.coefficients.iterrows():
            p = row["P>|z|"]
            rows.append((str(term), [
                _r_number(row["coef"], ".5g"), _r_number(row["std err"], ".5g"),
                _r_number(row["MCMC %"], ".0f"), _r_number(row["z"], ".3f"),
                _format_p(p) + (significance_stars(p) if stars else "")]))
        return rows

    def as_text(self) -> str:
        rows = self._rows(stars=False)
        shown = pd.DataFrame([cells for _, cells in rows], index=[n for n, _ in rows],
                             columns=list(self.HEADER))
        shown[""] = self.coefficients["P>|z|"].map(significance_stars).to_numpy()
        lines = ["=" * 26, self.title, "=" * 26, "", f"Formula:   nw ~ {self.formula}", "",
                 f"{self.estimate_desc} Results:", "", shown.to_string(), "---", self.SIGNIF, ""]
        lines += [*self.notes, ""] if self.notes else []
        lines += self.footer
        return "\n".join(lines)

    def as_html(self) -> str:
        """The summary as an HTML table; statnet's notes and the footer in its ``<tfoot>``."""
        from pyreslib.ergm.tables import html_table

        return html_table(self.HEADER, self._rows(), css_class="ergm-summary",
                          caption=f"{self.estimate_desc} Results: nw ~ {self.formula}",
                          notes=[*self.notes, *[f for f in self.footer if f.strip()],
                                 self.SIGNIF])

    def as_latex(self, caption: str | None = None, label: str = "tab:ergm-summary") -> str:
        """The summary as a LaTeX (booktabs) table; notes and footer under the tabular."""
        from pyreslib.ergm.tables import latex_table

        return latex_table(self.HEADER, self._rows(),
                           caption=caption or f"{self.estimate_desc} results: {self.formula}",
                           label=label, notes=[*self.notes, *[f.strip() for f in self.footer
                                                              if f.strip()], self.SIGNIF])



class ERGMResults:
    """Estimates, standard errors and fit statistics of one ERGM fit.

    Attributes mirror statsmodels: ``params``, ``bse``, ``tvalues`` (z), ``pvalues``,
    ``llf``, ``aic``, ``bic``, ``nobs`` (informative dyads), plus ``null_deviance``,
    ``residual_deviance``, ``mcmc_se_pct`` (share of the standard error due to MCMC, %),
    ``mcmc_bse`` (the Monte Carlo standard error of each estimate; 0 for an exact fit),
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
        # Monte Carlo standard error of each estimate (ergm's vcov(sources="estimation"))
        self.mcmc_bse = pd.Series(bridge.as_float_array(info["mcmc_se"]) if "mcmc_se" in info
                                  else np.full(len(names), np.nan), index=names,
                                  name="MCMC s.e.")
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
        sample_edges = info.get("sample_edges")
        self._sample_edges = (None if sample_edges is None or bridge.is_null(sample_edges)
                              else bridge.as_float_array(sample_edges))
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
        if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
            raise InputError(f"alpha={alpha!r}: give a level between 0 and 1, e.g. 0.05.")
        z = NormalDist().inv_cdf(1 - alpha / 2)
        return pd.DataFrame(
            {"lower": self.params - z * self.bse, "upper": self.params + z * self.bse},
            index=self.params.index,
        )

    def to_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per term: coef, std err, z, P>|z|, MCMC %, confidence bounds, stars, note.

        ``note`` says what statnet says about a row: ``"fixed by offset"``, ``"-Inf: statistic
        at its minimum"`` (or ``"+Inf: ... maximum"``), else its caveat on the standard errors:
        ``"naive MPLE SE: suspect"`` for an MPLE of a dyad-dependent model with the default
        (inverse-Hessian) covariance, ``"Godambe SE"`` / ``"bootstrap SE"`` for the
        simulation-based ones.
        ``frame.attrs`` holds the estimation method and the log-likelihood method.
        """
        ci = self.conf_int(alpha)
        frame = pd.concat([self.params, self.bse, self.tvalues, self.pvalues, self.mcmc_se_pct],
                          axis=1)
        frame[f"[{alpha / 2:g}"] = ci["lower"]
        frame[f"{1 - alpha / 2:g}]"] = ci["upper"]
        frame["stars"] = self.pvalues.map(significance_stars)
        frame["note"] = [self._term_note(term) for term in frame.index]
        frame.index.name = "term"
        frame.attrs = {"estimate": self.estimate, "estimate_desc": self.estimate_desc,
                       "loglik_method": self.loglik_method}
        return frame

    def summary(self) -> ERGMSummary:
        """statnet's ``summary(fit)``: coefficients, its notes, deviances, AIC/BIC (MC s.e.)."""
        from pyreslib.ergm.inference import likelihood_facts

        facts = likelihood_facts(self)
        notes = []
        if "naive pseudolikelihood" in facts.message:
            notes.append(
                "Warning:  The standard errors are based on naive pseudolikelihood and are "
                "suspect. Fit with control={'MPLE.covariance.method': 'Godambe'} (or "
                "'bootstrap') for a simulation-based approximation of the standard errors.")
        elif facts.message:
            notes.append(facts.message)
        if facts.loglik_method == "not evaluated":
            footer = [("Log-likelihood was not estimated for this fit (eval_loglik=False): "
                       "no deviances, AIC or BIC. Re-fit with eval_loglik=True to get them.")]
        elif not np.isfinite(self.llf):
            footer = []  # statnet prints no deviances for an NA log-likelihood either
        else:
            label = facts.deviance_label
            width = len(label) + 10
            footer = [
                (f"{'Null ' + label:>{width}}: {r_format(self.null_deviance)}  on "
                 f"{self.df_null:.0f}  degrees of freedom"),
                (f"{'Residual ' + label:>{width}}: {r_format(self.residual_deviance)}  on "
                 f"{self.df_resid:.0f}  degrees of freedom"),
            ]
            if facts.null_lik_0:
                footer.append("Note that the null model likelihood and deviance are defined to "
                              "be 0.")
            footer += ["", (f"AIC: {r_format(self.aic)}  BIC: {r_format(self.bic)}  (Smaller "
                            f"is better. MC Std. Err. = {r_format(self.aic_mcse)})")]
        footer += self._statnet_warnings()
        footer += [
            "",
            (f"Log-likelihood: {self.llf:.4f}  ({facts.loglik_method}; MC s.e. "
             f"{r_format(self.llf_mcse)})"),
            (f"Nodes: {self.n_nodes}  Edges: {self.n_edges}  Dyads: {self.nobs}  "
             f"Converged: {self.converged}  Seed: {self.seed}"),
            f"ergm {self.ergm_version} ({self.r_version}) via pyreslib",
        ]
        return ERGMSummary("Summary of model fit", self.formula, self.estimate_desc,
                           self.to_frame(), footer, notes)

    # ---- likelihood and tests (pyreslib.ergm.inference) -------------------------------------

    @property
    def llnull(self) -> float:
        """Log-likelihood of the null model (every coefficient 0; ``n_dyads * log(1/2)`` for a
        binary ERGM); NaN where statnet does not define it (valued ERGMs, dyad-dependent
        constraints)."""
        from pyreslib.ergm.inference import likelihood_facts

        return likelihood_facts(self).llnull

    @property
    def llr(self) -> float:
        """Likelihood-ratio statistic against the null model, ``2 (llf - llnull)``."""
        from pyreslib.ergm.inference import likelihood_facts

        return likelihood_facts(self).llr

    @property
    def llr_pvalue(self) -> float:
        """p-value of :attr:`llr` on as many degrees of freedom as free (non-offset)
        parameters: the row ``Model 1`` of statnet's ``anova(fit)``."""
        from pyreslib.ergm.inference import likelihood_facts

        return likelihood_facts(self).llr_pvalue

    @property
    def llf_mcse(self) -> float:
        """Monte Carlo standard error of :attr:`llf` (bridge sampling; 0 when exact, NaN when
        not evaluated).  statnet prints twice this, the MC s.e. of AIC and BIC, as
        "MC Std. Err." in its summary."""
        from pyreslib.ergm.inference import likelihood_facts

        return likelihood_facts(self).llf_mcse

    @property
    def aic_mcse(self) -> float:
        """Monte Carlo standard error of AIC (and of BIC): ``2 * llf_mcse``."""
        return 2 * self.llf_mcse

    bic_mcse = aic_mcse

    @property
    def loglik_method(self) -> str:
        """How :attr:`llf` was obtained: ``"exact"``, ``"bridge sampling"``,
        ``"pseudo-likelihood (MPLE)"`` or ``"not evaluated"``."""
        from pyreslib.ergm.inference import likelihood_facts

        return likelihood_facts(self).loglik_method

    @property
    def se_note(self) -> str:
        """statnet's caveat on the standard errors (see :meth:`to_frame`); ``""`` if none."""
        if self.estimate != "MPLE" or self.dyad_independent:
            return ""
        from pyreslib.ergm.inference import likelihood_facts

        method = likelihood_facts(self).covariance_method
        return {"invHess": "naive MPLE SE: suspect"}.get(method, f"{method} SE")

    def _term_note(self, term: str) -> str:
        offset = getattr(self, "offset", None)
        extreme = getattr(self, "extreme", None)
        if offset is not None and offset.get(term, False):
            return "fixed by offset"
        if extreme is not None and extreme.get(term, 0) != 0:
            return ("-Inf: statistic at its minimum" if extreme[term] < 0
                    else "+Inf: statistic at its maximum")
        return self.se_note

    def _statnet_warnings(self) -> list[str]:
        """What statnet's summary prints under the deviances about offset, infinite and
        inestimable terms."""
        offset = getattr(self, "offset", pd.Series(dtype=bool))
        extreme = getattr(self, "extreme", pd.Series(dtype=int))
        lines = []
        fixed = [t for t, f in offset.items() if f]
        if fixed:
            lines += ["", " The following terms are fixed by offset and are not estimated:",
                      "   " + ", ".join(fixed)]
        warned = []
        dropped = [t for t, d in extreme.items() if d != 0]
        if dropped:
            warned += ["", (" * The following terms have infinite coefficient estimates due "
                            "to an extreme sufficient statistic:"), "", "   " + ", ".join(dropped)]
        conflicting = [t for t, e in zip(self.params.index, self.estimable) if not e]
        if conflicting:
            warned += ["", (" * The following terms could not be estimated because they "
                            "conflicted with the sample space constraint:"), "",
                       "   " + ", ".join(conflicting)]
        return lines + (["", "Warnings:", *warned] if warned else [])

    def lr_test(self, other) -> Any:
        """Likelihood-ratio test against a nested fit of the same network; see
        :func:`pyreslib.ergm.inference.lr_test`."""
        from pyreslib.ergm.inference import lr_test

        return lr_test(self, other)

    def wald_test(self, hypotheses, q=None) -> Any:
        """Wald test of linear hypotheses, e.g. ``"nodecov.x = 0, edgecov.a = edgecov.b"``;
        see :func:`pyreslib.ergm.inference.wald_test`."""
        from pyreslib.ergm.inference import wald_test

        return wald_test(self, hypotheses, q)

    # ---- simulation, prediction, saving (pyreslib.ergm.simulation / .persist) ---------------

    def simulate(self, nsim: int = 1, seed: int | None = None, output: str = "graph"):
        """Networks simulated from the fit; see :func:`pyreslib.ergm.simulation.simulate_fit`."""
        from pyreslib.ergm.simulation import simulate_fit

        return simulate_fit(self, nsim=nsim, seed=seed, output=output)

    def predict(self, conditional: bool = True, output: str = "matrix", nsim: int = 100,
                seed: int | None = None):
        """Tie probabilities; see :func:`pyreslib.ergm.simulation.predict`."""
        from pyreslib.ergm.simulation import predict

        return predict(self, conditional=conditional, output=output, nsim=nsim, seed=seed)

    def save(self, path, *, overwrite: bool = False):
        """Save the fit to one file; see :mod:`pyreslib.ergm.persist` (load with
        ``pyreslib.ergm.load(path)``)."""
        from pyreslib.ergm.persist import save

        return save(self, path, overwrite=overwrite)

    # ---- diagnostics (pyreslib.ergm.diagnostics; imported late, it imports this module) ------

    def gof(self, nsim: int = 100, seed: int | None = None, statistics=None):
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
