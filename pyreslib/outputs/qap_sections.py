"""The QAP part of the outputs: its results.json entry, its tables and its report section.

:func:`qap_results_entry` is ``results.json``'s ``qap`` object (docs/results-schema.md);
:func:`qap_sections` turns the QAP step (:class:`pyreslib.stagemodels.qap_step.QAPStep`) into
the report section "QAP and MRQAP": the settings that reproduce every number (null
hypothesis, permutations, seed, response, node form), each model's fits side by side with
the permutation p-values, every coefficient, the QAP correlations, and what failed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from pyreslib.outputs.report import FigureEntry, ReportSection
    from pyreslib.qap import QAPResults
    from pyreslib.stagemodels.qap_step import QAPStep

__all__ = ["qap_results_entry", "qap_sections", "settings_text"]


def _number(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _fit_entry(stage: str, kind: str, fit: QAPResults) -> dict[str, Any]:
    terms = [{"term": t, "estimate": float(fit.params[t]), "std_error": float(fit.bse[t]),
              "statistic": float(fit.tvalues[t]), "p_value": float(fit.pvalues[t]),
              "p_greater": float(fit.pvalues_greater[t]), "p_less": float(fit.pvalues_less[t])}
             for t in fit.params.index]
    return {"stage": stage, "kind": kind, "response": fit.response, "null": fit.null,
            "reps": fit.reps, "seed": fit.seed, "transform": fit.transform,
            "node_form": fit.node_form, "test_statistic": fit.test_statistic,
            "n_nodes": fit.n_nodes, "nobs": fit.nobs, "r_squared": _number(fit.rsquared),
            "adj_r_squared": _number(fit.rsquared_adj), "deviance": _number(fit.deviance),
            "aic": _number(fit.aic), "bic": _number(fit.bic),
            "sna_version": fit.sna_version, "coefficients": terms}


def qap_results_entry(qap: QAPStep) -> dict[str, Any]:
    """``results.json``'s ``qap``: ``settings``, ``mrqap`` (one object per fit),
    ``correlations``, ``failures`` and ``notes`` (docs/results-schema.md)."""
    correlations = [
        {"x": x, "y": y, "correlation": t.correlation, "p_value": t.pvalue,
         "p_greater": t.pvalue_greater, "p_less": t.pvalue_less, "nobs": t.nobs,
         "reps": t.reps, "seed": t.seed} for (x, y), t in qap.correlations.items()]
    return {"settings": dict(qap.settings),
            "mrqap": [_fit_entry(stage, kind, fit) for (stage, kind), fit in qap.fits.items()],
            "correlations": correlations,
            "failures": [{"stage": s, "what": w, "error": e} for s, w, e in qap.failures],
            "notes": list(qap.notes)}


def settings_text(qap: QAPStep) -> str:
    """The settings that reproduce the step, in words (the report's and the tables')."""
    s = qap.settings
    form = "sums x_i + x_j" if s["node_form"] == "sum" else "absolute differences |x_i - x_j|"
    log, z = ("on" if s["log"] else "off"), ("on" if s["standardise"] else "off")
    return (f"Null hypothesis {s['null']} with {s['reps']:,} permutations per coefficient and "
            f"per correlation, seed {s['seed']} (R's set.seed before each sna call); netlm on "
            f"the counts ({s['transform']}), netlogit on the ties (weight >= "
            f"{s['threshold']}); node covariates as dyadic {form} (log {log}, standardised "
            f"{z}), proximity z-scored over the dyads, adjacency 0/1: the study ERGM's inputs. "
            "pyreslib.qap.mrqap with these settings repeats every number.")


def qap_sections(qap: QAPStep, figs: dict[str, list[FigureEntry]]) -> list[ReportSection]:
    """The report's section "QAP and MRQAP" (module docstring)."""
    from pyreslib.outputs.report import ReportSection, TableEntry

    caption = settings_text(qap)
    st = qap.settings
    short = (f"Null {st['null']}, {st['reps']:,} permutations, seed {st['seed']}; the "
             "settings that reproduce it are in the section's text.")
    tables = []
    for kind in qap.settings["kinds"]:
        comparison = qap.comparison(kind)
        if comparison is not None:
            what = "netlm on the counts" if kind == "lm" else "netlogit on the ties"
            tables.append(TableEntry(f"mrqap_{kind}", f"MRQAP, {what}: every stage",
                                     comparison.frame, short))
    estimates = qap.estimates()
    if not estimates.empty:
        tables.append(TableEntry("mrqap_estimates", "MRQAP coefficients and permutation "
                                 "p-values", estimates, caption, index=False, in_html=False))
    correlations = qap.correlation_table()
    if not correlations.empty:
        tables.append(TableEntry(
            "qap_correlations", "QAP correlations", correlations,
            "Graph correlation of the two matrices over the dyads, each pair once; "
            "Pr(>=|r|) two-sided, Pr(>=r) and Pr(<=r) the tails, from random relabellings of "
            f"the cities (seed {qap.settings['seed']}). Consecutive stages are compared on the "
            "cities both hold.", index=False))
    if qap.failures:
        tables.append(TableEntry(
            "qap_failures", "QAP parts that failed",
            pd.DataFrame([{"stage": s, "what": w, "error": e} for s, w, e in qap.failures]),
            index=False))
    text = ("Multiple-regression QAP (R's sna, Krackhardt 1988; Dekker, Krackhardt and "
            "Snijders 2007) of every stage on the regressors of the study's ERGM, tested by "
            "permutations of the cities that keep the dependence between pairs sharing a "
            "city. With dyadic sums, the netlogit coefficients equal the study ERGM's; only "
            "the tests differ. " + caption + " " + " ".join(qap.notes))
    return [ReportSection("QAP and MRQAP", text.strip(), tables, figs.get("qap", []))]
