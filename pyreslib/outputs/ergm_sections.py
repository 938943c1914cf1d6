"""The ERGM part of report.html: the models, each stage's fits, and the stages compared.

:func:`ergm_sections` turns the ERGM step (:class:`pyreslib.stagemodels.step.ERGMStep`) into report
sections:

- "ERGM: the models": what was fitted and how (MCMC profile, seed), every fit side by side
  (the table itself says that AIC/BIC of different stages are not comparable), the fits
  that failed and the coefficient figure;
- one section per stage: per model its estimates (with the MCMC share of each standard
  error) and the warnings raised during the fit, its MCMC diagnostics (Geweke z and p per
  statistic, the joint tests) beside the trace and density figure, its goodness-of-fit
  p-values beside the GOF figure; then the likelihood-ratio test of nested models;
- "ERGM: stages compared": the pooled model's answer, one sentence per effect, with the
  joint Wald tests, the change from stage to stage and the figure of each effect per stage.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from pyreslib.outputs.report import FigureEntry, ReportGroup, ReportSection
    from pyreslib.stagemodels.step import ERGMFit, ERGMStep

__all__ = ["ergm_sections"]

NOT_COMPARABLE = ("Each stage is a different network: AIC, BIC and log-likelihoods of fits to "
                  "different stages are not comparable (the table marks them); compare the "
                  "models of one stage with the likelihood-ratio tests, and the stages with "
                  "the pooled model (section \"ERGM: stages compared\").")


def ergm_sections(ergm: ERGMStep, figs: dict[str, list[FigureEntry]]) -> list[ReportSection]:
    """The report's ERGM sections (module docstring)."""
    sections = [_overview(ergm, figs)]
    stages = list(dict.fromkeys(stage for stage, _ in ergm.fits))
    sections += [_stage_section(ergm, stage, figs) for stage in stages]
    if ergm.pooled is not None:
        sections.append(_pooled_section(ergm, figs))
    return sections


def _overview(ergm: ERGMStep, figs) -> ReportSection:
    from pyreslib.outputs.report import ReportSection, TableEntry

    tables = []
    if ergm.comparison is not None:
        tables.append(TableEntry("ergm_comparison", "Every fit side by side",
                                 ergm.comparison.frame, NOT_COMPARABLE))
    if ergm.results():
        tables.append(TableEntry("ergm_estimates", "ERGM estimates", ergm.estimates(),
                                 index=False, in_html=False))
    failures = ergm.failures()
    if failures:
        tables.append(TableEntry(
            "ergm_failures", "Parts that failed",
            pd.DataFrame([{"stage": s, "what": m, "error": e} for s, m, e in failures]),
            index=False))
    models = list(dict.fromkeys(model for _, model in ergm.fits))
    formulas = {}
    for (_, model), fit in ergm.fits.items():
        formulas.setdefault(model, fit.formula)
    text = ("Exponential random graph models of the binary stage networks (statnet's ergm "
            f"through rpy2): {', '.join(models)}, each fitted to every stage. Dyad-dependent "
            f"models are fitted by MCMC-MLE with the '{ergm.profile}' MCMC profile "
            "(docs/method.md, \"MCMC settings\"). " + " ".join(ergm.notes))
    return ReportSection("ERGM: the models", text.strip(), tables, figs.get("ergm", []))


def _stage_section(ergm: ERGMStep, stage: str, figs) -> ReportSection:
    from pyreslib.outputs.report import ReportSection

    groups = []
    for (fit_stage, model), fit in ergm.fits.items():
        if fit_stage == stage:
            groups += _fit_groups(fit, figs)
    groups += [_lr_group(test) for test in ergm.lr_tests if test.stage == stage]
    return ReportSection(f"ERGM, stage {stage}",
                         "Each model's estimates and the warnings raised while fitting it, its "
                         "MCMC diagnostics and its goodness of fit; then the likelihood-ratio "
                         "test of the nested models of this stage.", groups=groups)


def _fit_groups(fit: ERGMFit, figs) -> list[ReportGroup]:
    from pyreslib.outputs.report import ReportGroup, TableEntry

    name = f"{fit.stage}_{fit.model}"
    res = fit.results
    if res is None:
        return [ReportGroup(f"{fit.model} model: not fitted", f"{fit.formula}. The fit failed: "
                            f"{fit.error}", warnings=list(fit.warnings))]
    facts = (f"nw ~ {res.formula}. {res.estimate_desc}; "
             f"{'converged' if res.converged else 'DID NOT CONVERGE'}"
             + (f" after {res.iterations:.0f} iterations" if math.isfinite(res.iterations)
                else "")
             + f". Log-likelihood {res.llf:,.2f} ({res.loglik_method}, MC s.e. "
             f"{_number(res.llf_mcse)}); AIC {res.aic:,.1f}, BIC {res.bic:,.1f}. "
             f"{res.n_nodes} cities, {res.n_edges} ties. Seed {res.seed}; control "
             f"{_control(fit.control)}.")
    estimates = TableEntry(f"ergm_{name}", f"Estimates: {fit.model}, {fit.stage}",
                           res.to_frame(),
                           "MCMC %: the share of each standard error due to MCMC (statnet's "
                           "summary).")
    groups = [ReportGroup(f"{fit.model} model", facts, warnings=list(fit.warnings),
                          tables=[estimates])]
    if fit.mcmc is not None:
        table = fit.mcmc.table.copy()
        table["MCMC % of SE"] = res.mcmc_se_pct.reindex(table.index).to_numpy()
        joint = fit.mcmc.joint
        caption = (f"Joint Geweke test p = {_number(joint['geweke_joint_p'])}; Hotelling T² "
                   f"that the sample mean is the observed statistic = "
                   f"{_number(joint['hotelling_T2'])} (p = {_number(joint['hotelling_p'])}); "
                   f"{joint['chains']:.0f} chain(s). Geweke z and p per statistic: the worst "
                   "chain. Small Geweke p-values say the chain had not settled; the sample "
                   "was drawn before the last MCMC-MLE step, so a small Hotelling p says that "
                   "step still moved the estimates (docs/method.md, \"MCMC diagnostics\").")
        shown = table[["observed", "sample_mean", "geweke_z", "geweke_p", "ess",
                       "MCMC % of SE"]]
        groups.append(ReportGroup(
            f"{fit.model} model: MCMC diagnostics",
            tables=[TableEntry(f"mcmc_{name}", f"MCMC diagnostics: {fit.model}, {fit.stage}",
                               table, caption, html_frame=shown)],
            figures=figs.get(f"mcmc {fit.stage} {fit.model}", [])))
    elif fit.mcmc_error:
        groups.append(ReportGroup(f"{fit.model} model: MCMC diagnostics",
                                  f"Failed: {fit.mcmc_error}"))
    if fit.gof is not None:
        tables = []
        for statistic, table in fit.gof.tables.items():
            seen = table[(table["obs"] > 0) | (table["max"] > 0)]
            tables.append(TableEntry(
                f"gof_{name}_{statistic}", f"GOF p-values: {statistic}", table,
                html_frame=seen[["obs", "min", "mean", "max", "p_value"]]))
        groups.append(ReportGroup(
            f"{fit.model} model: goodness of fit",
            (f"{fit.gof.nsim} networks simulated from the fit. p_value: statnet's Monte Carlo "
             "p-value (twice the smaller tail); small values mark statistics the model does "
             "not reproduce. Rows with nothing observed or simulated are in the CSV only."),
            tables=tables, figures=figs.get(f"gof {fit.stage} {fit.model}", [])))
    elif fit.gof_error:
        groups.append(ReportGroup(f"{fit.model} model: goodness of fit",
                                  f"Failed: {fit.gof_error}"))
    return groups


def _lr_group(test) -> ReportGroup:
    from pyreslib.outputs.report import ReportGroup, TableEntry

    title = f"Likelihood-ratio test: {test.smaller} vs {test.larger}"
    if test.anova is None:
        return ReportGroup(title, f"Not computed: {test.error}")
    verdict = ("improve" if test.pvalue < 0.05 else "do not significantly improve")
    text = (f"Both models are fitted to the {test.stage} network with the same covariates, "
            f"and {test.smaller}'s terms are a subset of {test.larger}'s, so statnet's "
            f"analysis of deviance applies: the {test.df:.0f} added term(s) {verdict} the fit "
            f"(deviance {test.deviance:.2f}, p = {test.pvalue:.3g}). "
            + " ".join(f"Note: {n}" for n in test.anova.notes))
    table = test.anova.table.copy()
    table.index.name = "model"
    return ReportGroup(title, text.strip(), tables=[TableEntry(
        f"lr_{test.stage}_{test.smaller}_{test.larger}", "Analysis of deviance", table,
        "; ".join(f"Model {i + 1}: {f}" for i, f in enumerate(test.anova.formulas)))])


def _pooled_section(ergm: ERGMStep, figs) -> ReportSection:
    from pyreslib.outputs.report import ReportGroup, ReportSection, TableEntry

    pooled = ergm.pooled
    text = (f"Did an effect matter more in one stage than in another? The {pooled.model} "
            "model fitted to all stages at once (ergm.multi, N(~ terms, lm = ~ stage)) "
            "answers with tests: each effect gets a coefficient per stage, and the joint "
            "Wald test of its stage interactions says whether it changed at all; the change "
            "from each stage to the next has its own z test. AIC/BIC of separate stage fits "
            "cannot answer this (different networks).")
    if pooled.results is None:
        return ReportSection("ERGM: stages compared", text, groups=[ReportGroup(
            f"Pooled {pooled.model} model: not fitted", str(pooled.error),
            warnings=list(pooled.warnings))])
    res = pooled.results
    tests = pooled.tests.rename(columns={"P>chi2": "p_value"})
    changes = pooled.changes.rename(columns={"P>|z|": "p_value"})
    answer = ReportGroup(
        "Did each effect change between stages?", items=list(pooled.sentences),
        tables=[TableEntry("pooled_stage_change_tests", "Joint Wald tests, per effect", tests,
                           "H0: the effect is the same in every stage (its stage-interaction "
                           "coefficients are 0).",
                           html_frame=tests[["chi2", "df", "p_value"]]),
                TableEntry("pooled_stage_changes", "Change from one stage to the next",
                           changes, "change = after - before, from the stage before; std err "
                           "from the pooled covariance matrix.",
                           html_frame=changes[["change", "std err", "z", "p_value"]])],
        figures=figs.get("pooled", []))
    effects = TableEntry("pooled_stage_effects", "Each effect in each stage", pooled.effects,
                         in_html=False)
    facts = (f"nw ~ {res.formula}; {res.estimate_desc}; "
             f"{'converged' if res.converged else 'DID NOT CONVERGE'}; log-likelihood "
             f"{res.llf:,.2f}; seed {res.seed}; control {_control(pooled.control)}. "
             f"Coefficients N(1)~term: the first stage ({res.stages[0]}); N(stage<s>)~term: "
             "how much stage s differs from it.")
    coefficients = ReportGroup(
        f"Pooled {pooled.model} model", facts, warnings=list(pooled.warnings),
        tables=[TableEntry("pooled_coefficients", "Pooled model coefficients", res.to_frame()),
                effects])
    return ReportSection("ERGM: stages compared", text, groups=[answer, coefficients])


def _number(value: float) -> str:
    return "NA" if not math.isfinite(value) else f"{value:.3g}"


def _control(control) -> str:
    return json.dumps(dict(control), sort_keys=True) if control else "none (statnet's defaults)"
