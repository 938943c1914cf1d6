"""results.json: every number the report shows, in a form a script can read.

The layout is documented in docs/results-schema.md (:data:`RESULTS_SCHEMA_VERSION`).  With
the same config (and seed) the file is byte-identical across processes and machines: keys
sorted, floats rounded to ``output.significant_digits`` significant digits, no timestamps,
paths written as file names.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pyreslib.analysis import AnalysisResult

__all__ = ["RESULTS_SCHEMA_VERSION", "dumps_results", "results_dict", "round_floats"]

RESULTS_SCHEMA_VERSION = 3
"""Changes when a key is renamed or removed, or a value changes type (2:
``comparison_to_study[].demo`` became ``this_run``; 3: ``config.ergm.models`` became a table
of model name -> true/false/formula)."""


def round_floats(value: Any, digits: int = 6) -> Any:
    """``value`` with every float rounded to ``digits`` significant digits, numpy scalars made
    Python numbers, NaN and infinities made ``None`` (JSON has no NaN), tuples made lists."""
    if isinstance(value, dict):
        return {str(k): round_floats(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [round_floats(v, digits) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value == 0:
            return 0.0
        rounded = float(f"{value:.{digits}g}")
        if not math.isfinite(rounded):  # rounding up near the float maximum overflows
            return value
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, Path):
        return value.name
    raise TypeError(f"cannot write {type(value).__name__} to results.json")


def dumps_results(results: Mapping[str, Any], digits: int) -> str:
    """results.json text: sorted keys, rounded floats, UTF-8, final newline."""
    return json.dumps(round_floats(dict(results), digits), sort_keys=True, ensure_ascii=False,
                      indent=2, allow_nan=False) + "\n"


def _series_dict(series: pd.Series) -> dict[str, Any]:
    return {str(k): v for k, v in series.items()}


def ingest_report_dict(result: AnalysisResult) -> dict[str, Any]:
    """The ingest report with its source as a file name (results.json and ingest/)."""
    report = result.ingest.report.to_dict()
    report["source"] = Path(report.get("source", "")).name
    return report


def results_dict(result: AnalysisResult) -> dict[str, Any]:
    """What results.json holds (before rounding), from an analysis result."""
    from pyreslib._version import __version__

    cfg = result.config
    results: dict[str, Any] = {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "pyreslib_version": __version__,
        "title": cfg.title,
        "synthetic": result.synthetic,
        "notice": result.notice,
        "config": cfg.to_dict(),
        "ingest": ingest_report_dict(result),
        "stages": [_stage_entry(result, label) for label in result.networks],
        "ergm": [],
        "ergm_failures": [],
        "notes": list(result.notes),
    }
    if result.ergm is not None:
        step = result.ergm
        results["ergm"] = [_fit_entry(fit) for fit in step.fits.values()
                           if fit.results is not None]
        results["ergm_failures"] = [{"stage": s, "model": m, "error": message}
                                    for s, m, message in step.failures()]
        results["ergm_tests"] = [_lr_entry(test) for test in step.lr_tests
                                 if test.anova is not None]
        results["ergm_pooled"] = _pooled_entry(step.pooled)
        results["ergm_notes"] = list(step.notes) + [ERGM_COMPARISON_NOTE]
    if result.qap is not None:
        from pyreslib.outputs.qap_sections import qap_results_entry

        results["qap"] = qap_results_entry(result.qap)
    network_res = result.resilience.network
    if network_res is not None:
        results["resilience_weights"] = {
            "indicators": _series_dict(network_res.indicator_weights),
            "dimensions": _series_dict(network_res.dimension_weights),
        }
    comparison = result.comparison_to_study()
    if comparison is not None:
        results["comparison_to_study"] = [
            {"stage": r.stage, "quantity": r.quantity, "this_run": r.this_run, "study": r.study,
             "difference": r.difference, "kind": r.kind, "tolerance": r.tolerance,
             "within_tolerance": r.within_tolerance,
             "relative_difference": r.relative_difference, "note": r.note} for r in comparison]
    return results


def _stage_entry(result: AnalysisResult, label: str) -> dict[str, Any]:
    cfg = result.config
    G = result.networks[label]
    entry: dict[str, Any] = {"label": label}
    entry["network"] = _series_dict(result.indicators.network.loc[label])
    network_res = result.resilience.network
    if network_res is not None:
        entry["resilience"] = {
            "U": _series_dict(network_res.dimensions.loc[label]),
            "C": network_res.C[label], "T": network_res.T[label], "D": network_res.D[label],
        }
    else:
        entry["resilience"] = {"U": {}, "C": None, "T": None, "D": None}
    comm = result.communities[label]
    entry["communities"] = {
        "count": comm.num_modules,
        "sizes": [int(s) for s in comm.sizes],
        "codelength": comm.codelength,
        "modularity": comm.modularity,
        "relative_savings": comm.relative_savings,
    }
    node_res = result.resilience.nodes
    centralities = result.indicators.centralities
    nodes = node_res[node_res["stage"] == label].sort_values(["rank", "node"])
    raw = centralities[centralities["stage"] == label].set_index("node")
    top = []
    for _, row in nodes.head(cfg.resilience.top_nodes).iterrows():
        adcode = int(row["node"])
        top.append({
            "adcode": adcode, "name_zh": row.get("name_zh", ""),
            "name_en": row.get("name_en", ""), "rank": int(row["rank"]),
            "score": row["score"],
            "degree": raw.loc[adcode, "degree"], "closeness": raw.loc[adcode, "closeness"],
            "betweenness": raw.loc[adcode, "betweenness"],
            "strength": raw.loc[adcode, "strength"],
            "internal": int(G.nodes[adcode].get("internal", 0)),
        })
    entry["top_nodes"] = top
    shares = result.indicators.centrality_shares
    if label in shares.index:
        entry["centrality_shares"] = _series_dict(shares.loc[label])
    if result.robustness is not None:
        entry["robustness"] = _series_dict(result.robustness.index.loc[label])
    # these steps' undefined numbers (a z without a variance, no critical alpha) are None
    # already here, so that two results dicts of one run compare equal (NaN != NaN)
    if result.spatial is not None and label in result.spatial.weights:
        entry["spatial"] = _missing_as_none(_spatial_entry(result.spatial, label))
    if result.cascades is not None and (result.cascades.curve["stage"] == label).any():
        entry["cascades"] = _missing_as_none(_cascade_entry(result.cascades, label))
    if result.rich_club is not None and (result.rich_club.table["stage"] == label).any():
        rows = result.rich_club.table[result.rich_club.table["stage"] == label]
        entry["rich_club"] = _missing_as_none(
            [_series_dict(row.drop("stage")) for _, row in rows.iterrows()])
    if result.cores is not None and label in result.cores.stages.index:
        entry["core"] = _missing_as_none(_core_entry(result.cores, label))
    return entry


def _missing_as_none(value: Any) -> Any:
    """``value`` with every NaN or infinite float made None (as results.json writes them)."""
    if isinstance(value, dict):
        return {k: _missing_as_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_missing_as_none(v) for v in value]
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return None
    return value


GLOBAL_TEST_KEYS = ("value", "expectation", "variance_normality", "variance_randomisation",
                    "z_normality", "z_randomisation", "p_normality", "p_randomisation",
                    "p_permutation", "permutations", "n", "n_effective")
LISA_CLUSTERS = ("high-high", "low-low", "high-low", "low-high")


def _spatial_entry(spatial, label: str) -> dict[str, Any]:
    """One stage's spatial autocorrelation: its weights, then per quantity the global tests,
    the verdict and the cities of each LISA cluster and Gi* spot."""
    w = spatial.weights[label]
    card = w.cardinalities
    entry: dict[str, Any] = {
        "weights": {"kind": w.kind, "style": w.style, "cities": w.n, "links": int(card.sum()),
                    "mean_neighbours": float(card.mean()),
                    "isolates": [int(c) for c in w.isolates]},
        "quantities": {},
    }
    tests = spatial.global_tests[spatial.global_tests["stage"] == label]
    for quantity, rows in tests.groupby("quantity", sort=False):
        stats: dict[str, Any] = {}
        for _, row in rows.iterrows():
            key = "moran" if row["statistic"] == "Moran's I" else "geary"
            stats[key] = {k: row[k] for k in GLOBAL_TEST_KEYS}
        stats["clustered"] = spatial.is_clustered(label, quantity)
        stats["clusters"] = {kind: [int(c) for c in spatial.cities(label, quantity, kind)]
                             for kind in LISA_CLUSTERS}
        stats["hot_spots"] = [int(c) for c in spatial.cities(label, quantity, "hot spot", "spot")]
        stats["cold_spots"] = [int(c) for c in spatial.cities(label, quantity, "cold spot",
                                                              "spot")]
        entry["quantities"][str(quantity)] = stats
    return entry


CASCADE_CURVE_KEYS = ("alpha", "repeats", "post_trigger_share", "giant_share", "giant_share_sd",
                      "efficiency", "efficiency_sd", "failed_count", "rounds", "large",
                      "non_monotone")


def _cascade_entry(cascades, label: str) -> dict[str, Any]:
    """One stage's cascades: trigger -> critical alpha, trigger cities and the curve."""
    curve = cascades.curve[cascades.curve["stage"] == label]
    critical = cascades.critical[cascades.critical["stage"] == label].set_index("trigger")
    curves = cascades.curves[cascades.curves["stage"] == label]
    entry: dict[str, Any] = {}
    for trigger, rows in curve.groupby("trigger", sort=False):
        starts = curves[curves["trigger"] == trigger].drop_duplicates("repeat")
        entry[str(trigger)] = {
            "critical_alpha": float(critical.at[trigger, "critical_alpha"]),
            "large_alphas": int(critical.at[trigger, "large_alphas"]),
            "trigger_cities": [int(c) for c in starts.sort_values("repeat")["city"]],
            "non_monotone_alphas": [float(a) for a in rows.loc[rows["non_monotone"], "alpha"]],
            "curve": [{k: row[k] for k in CASCADE_CURVE_KEYS} for _, row in rows.iterrows()],
        }
    return entry


def _core_entry(cores, label: str) -> dict[str, Any]:
    """One stage's k-core decomposition: degeneracy, main core and shell sizes."""
    row = cores.stages.loc[label]
    shells = cores.shells[cores.shells["stage"] == label]
    return {"k_max": int(row["k_max"]), "main_core": int(row["main_core"]),
            "main_core_share": float(row["main_core_share"]),
            "main_core_cities": [int(c) for c in row["main_core_cities"]],
            "shells": [{"k": int(r.k), "shell": int(r.shell), "core": int(r.core)}
                       for r in shells.itertuples(index=False)]}


ERGM_COMPARISON_NOTE = (
    "Each stage is a different network: AIC, BIC and log-likelihoods of fits to different "
    "stages are not comparable, only those of models of the same stage (ergm_tests). "
    "Whether an effect changed between stages is tested by the pooled model (ergm_pooled).")


def _fit_entry(fit) -> dict[str, Any]:
    """One (stage, model) fit: estimates, likelihood, diagnostics, goodness of fit, warnings."""
    res = fit.results
    entry = {
        "stage": fit.stage, "model": fit.model, "formula": res.formula,
        "params": _series_dict(res.params), "bse": _series_dict(res.bse),
        "pvalues": _series_dict(res.pvalues), "mcmc_se_pct": _series_dict(res.mcmc_se_pct),
        "llf": res.llf, "llf_mcse": res.llf_mcse, "loglik_method": res.loglik_method,
        "aic": res.aic, "bic": res.bic, "converged": bool(res.converged), "nobs": res.nobs,
        "n_nodes": res.n_nodes, "n_edges": res.n_edges, "estimate": res.estimate,
        "estimation": res.estimate_desc, "iterations": res.iterations,
        "control": dict(fit.control), "seed": res.seed, "warnings": list(fit.warnings),
        "mcmc": None, "gof": None, "gof_nsim": None,
    }
    if fit.mcmc is not None:
        table = fit.mcmc.table
        entry["mcmc"] = {
            "statistics": {str(name): _series_dict(row) for name, row in table.iterrows()},
            "joint": _series_dict(fit.mcmc.joint),
        }
    if fit.gof is not None:
        entry["gof_nsim"] = fit.gof.nsim
        entry["gof"] = {name: [{"value": str(value), **_series_dict(row)}
                               for value, row in table.iterrows()]
                        for name, table in fit.gof.tables.items()}
    return entry


def _anova_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{"row": str(name), "df": row["Df"], "deviance": row["Deviance"],
             "resid_df": row["Resid. Df"], "resid_dev": row["Resid. Dev"],
             "p_value": row["Pr(>|Chisq|)"]} for name, row in table.iterrows()]


def _lr_entry(test) -> dict[str, Any]:
    """A likelihood-ratio test of nested models within one stage (statnet's anova)."""
    return {"stage": test.stage, "smaller": test.smaller, "larger": test.larger,
            "df": test.df, "deviance": test.deviance, "p_value": test.pvalue,
            "table": _anova_rows(test.anova.table), "notes": list(test.anova.notes)}


def _pooled_entry(pooled) -> dict[str, Any] | None:
    """The pooled model of all stages: its coefficients and the stage-change tests."""
    if pooled is None:
        return None
    entry: dict[str, Any] = {"model": pooled.model, "error": pooled.error,
                             "warnings": list(pooled.warnings)}
    res = pooled.results
    if res is None:
        return entry
    entry.update({
        "formula": res.formula, "stages": list(res.stages), "control": dict(pooled.control),
        "params": _series_dict(res.params), "bse": _series_dict(res.bse),
        "pvalues": _series_dict(res.pvalues), "llf": res.llf, "aic": res.aic, "bic": res.bic,
        "converged": bool(res.converged), "seed": res.seed,
        "stage_change_tests": {
            str(effect): {"chi2": row["chi2"], "df": row["df"], "p_value": row["P>chi2"],
                          "tested": row["tested"]}
            for effect, row in pooled.tests.iterrows()},
        "stage_effects": [
            {"effect": effect, "stage": stage, "coef": row["coef"], "bse": row["std err"],
             "z": row["z"], "p_value": row["P>|z|"]}
            for (effect, stage), row in pooled.effects.iterrows()],
        "stage_changes": [
            {"effect": effect, "from": row["from"], "to": stage, "before": row["before"],
             "after": row["after"], "change": row["change"], "bse": row["std err"],
             "z": row["z"], "p_value": row["P>|z|"]}
            for (effect, stage), row in pooled.changes.iterrows()],
        "sentences": list(pooled.sentences),
    })
    return entry
