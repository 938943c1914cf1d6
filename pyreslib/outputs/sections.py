"""What the report shows: its figures with their captions, and its sections of tables.

:func:`write_figures` draws every figure of an analysis result into a folder;
:func:`report_sections` arranges the result's tables and those figures into the sections of
report.html (each table is also written to tables/ as CSV, Markdown and LaTeX).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from pyreslib.progress import Progress, step

if TYPE_CHECKING:
    from pyreslib.analysis import AnalysisResult, ERGMStep
    from pyreslib.outputs.report import FigureEntry, ReportSection

__all__ = ["report_sections", "write_figures"]


def write_figures(result: AnalysisResult, folder: Path, *,
                  progress: Progress | None = None) -> dict[str, list[FigureEntry]]:
    """Draw every figure of ``result`` into ``folder`` (PNG); return them by report group."""
    from pyreslib.outputs import figures
    from pyreslib.outputs.report import FigureEntry, save_figure

    cfg = result.config
    networks, communities = result.networks, result.communities
    node_res, network_res = result.resilience.nodes, result.resilience.network
    robust = result.robustness
    plan: list[tuple[str, str, str, str, Callable[[], Any]]] = []  # group, name, title, caption
    for label, G in networks.items():
        scores = node_res[node_res["stage"] == label].set_index("node")["score"]
        plan.append((
            "maps", f"map_{label}", f"Stage {label} on the map",
            (f"Node size: node resilience; line width: pair strength (joint patents); fill: "
             f"internal strength; each in {cfg.figures.classes} Fisher-Jenks natural-break "
             "classes."),
            lambda G=G, scores=scores: figures.stage_map(
                G, scores, classes=cfg.figures.classes, label_cities=cfg.figures.label_cities)))
    plan.append(("degree", "degree_distribution", "Degree distributions",
                 "Least-squares power-law and exponential fits in log space (descriptive).",
                 lambda: figures.degree_distribution_figure(result.indicators.degree_fits)))
    for label, G in networks.items():
        plan.append(("modules", f"modules_{label}", f"Infomap modules, stage {label}",
                     (f"{communities[label].num_modules} modules, codelength "
                      f"{communities[label].codelength:.3f} bits; the ten largest coloured."),
                     lambda G=G, label=label: figures.modules_figure(
                         G, communities[label].membership)))
    plan.append(("nodes", "node_resilience_ranking", "Node resilience ranking",
                 (f"Top {cfg.figures.top_n} cities per stage by node resilience (normalised "
                  f"degree, closeness and betweenness, {cfg.resilience.node_weights} weights, "
                  f"normalisation {cfg.resilience.node_normalisation.replace('_', ' ')})."),
                 lambda: figures.node_resilience_ranking(node_res, top_n=cfg.figures.top_n)))
    if network_res is not None:
        plan.append(("network", "network_resilience", "Network resilience across stages",
                     ("Dimension scores U and coupling C, comprehensive T and coordination D "
                      f"({cfg.resilience.weights} weights, {cfg.resilience.normalisation} "
                      "normalisation)."),
                     lambda: figures.network_resilience_figure(network_res.to_frame())))
    if robust is not None:
        plan.append(("robustness", "robustness_curves", "Robustness curves",
                     (f"Giant-component share after removing cities; random failure averages "
                      f"{cfg.robustness.repeats} orders (band: ±1 sd). R: Schneider et al. "
                      "(2011) index."),
                     lambda: figures.robustness_figure(robust.curves, robust.index)))
    from pyreslib.outputs.structure_sections import structure_figure_plan

    plan += structure_figure_plan(result)
    if result.ergm is not None:
        plan += _ergm_figures(result.ergm)
    entries: dict[str, list[FigureEntry]] = {}
    with step(progress, "figures", len(plan)) as s:
        for group, name, title, caption, make in plan:
            path = save_figure(make(), folder / f"{name}.png", dpi=cfg.figures.dpi)
            entries.setdefault(group, []).append(FigureEntry(name, title, path, caption))
            s.advance(name)
    return entries


def _ergm_figures(ergm: ERGMStep) -> list[tuple[str, str, str, str, Callable[[], Any]]]:
    """The ERGM step's figures: coefficients of every fit, each fit's goodness of fit and
    MCMC diagnostics, and the pooled model's effect per stage."""
    from pyreslib.outputs import figures

    plan: list[tuple[str, str, str, str, Callable[[], Any]]] = []
    if ergm.results():
        coef = _ergm_coefficients(ergm)
        plan.append(("ergm", "ergm_coefficients", "ERGM coefficients",
                     ("Estimates with 95 % Wald confidence intervals; filled markers exclude "
                      "0. Stages are different networks: compare them with the pooled model."),
                     lambda: figures.ergm_coefficients_figure(coef)))
    for (stage, model), fit in ergm.fits.items():
        if fit.gof is not None:
            plan.append((f"gof {stage} {model}", f"gof_{stage}_{model}",
                         f"Goodness of fit: {model}, {stage}",
                         (f"{fit.gof.nsim} networks simulated from the fitted model: boxes and "
                          "dashed 95 % bands of the simulations, the observed network as a "
                          "line (ERGMResults.gof().plot()); the p-values are beside it."),
                         lambda g=fit.gof, stage=stage, model=model: g.plot(
                             title=f"{model} model, stage {stage}")))
        if fit.mcmc is not None:
            plan.append((f"mcmc {stage} {model}", f"mcmc_{stage}_{model}",
                         f"MCMC diagnostics: {model}, {stage}",
                         ("Trace and density of each statistic in the last MCMC-MLE sample "
                          "(ERGMResults.mcmc_diagnostics().plot()); dashed: the observed "
                          "value, which a converged sample mixes around."),
                         lambda d=fit.mcmc: d.plot()))
    pooled = ergm.pooled
    if pooled is not None and pooled.effects is not None:
        effects = _pooled_effects(pooled)
        plan.append(("pooled", "pooled_stage_effects",
                     f"Each effect per stage: pooled {pooled.model} model",
                     ("Each effect's coefficient in each stage from the pooled model "
                      "(ergm.multi, lm = ~ stage) with 95 % confidence intervals from its "
                      "covariance matrix, so stages are comparable; filled markers exclude 0."),
                     lambda: figures.ergm_coefficients_figure(effects)))
    return plan


def _ergm_coefficients(ergm: ERGMStep) -> pd.DataFrame:
    frames = []
    for (stage, model), fit in ergm.results().items():
        ci = fit.conf_int()
        frames.append(pd.DataFrame({
            "stage": stage, "model": model, "term": fit.params.index,
            "coef": fit.params.to_numpy(), "lower": ci["lower"].to_numpy(),
            "upper": ci["upper"].to_numpy(), "pvalue": fit.pvalues.to_numpy(),
        }))
    return pd.concat(frames, ignore_index=True)


def _pooled_effects(pooled) -> pd.DataFrame:
    effects = pooled.effects.reset_index()
    return pd.DataFrame({
        "stage": effects["stage"], "model": f"pooled {pooled.model}", "term": effects["effect"],
        "coef": effects["coef"], "lower": effects["[0.025"], "upper": effects["0.975]"],
        "pvalue": effects["P>|z|"]})


def report_sections(result: AnalysisResult,
                    figure_entries: dict[str, list[FigureEntry]]) -> list[ReportSection]:
    """The sections of report.html, in order, with their tables and figures."""
    from pyreslib import community, node_resilience
    from pyreslib.outputs.report import ReportSection, TableEntry
    from pyreslib.study import comparison_frame

    cfg = result.config
    ingest = result.ingest
    figs = figure_entries
    sections = []
    stage_rows = pd.DataFrame([
        {"stage": s.label, "patents": s.patents, "cities": s.cities, "city_pairs": s.city_pairs,
         "cross_city_collaborations": s.cross_city_collaborations,
         "internal_collaborations": s.internal_collaborations,
         "pairs_below_threshold": s.pairs_below_threshold}
        for s in ingest.report.stages]).set_index("stage")
    accounting = pd.DataFrame(ingest.report.rows(), columns=["what", "count"])
    data_tables = [
        TableEntry("stage_aggregates", "Stage networks", stage_rows),
        TableEntry("ingest_accounting", "What happened to every record", accounting,
                   "Nothing is dropped silently: unresolved applicants are listed in "
                   "ingest/unresolved.csv (by name, ready to fill in as an applicant table, in "
                   "ingest/unresolved_applicants.csv), names placed without an address in "
                   "ingest/placed_by_name.csv and rejected rows in ingest/rejected.csv.",
                   index=False),
    ]
    comparison = result.comparison_to_study()
    if comparison is not None:
        data_tables.append(TableEntry(
            "comparison_to_study", "This run next to the reference study's figures",
            comparison_frame(comparison),
            "difference = this run / study - 1 where kind is relative, this run - study where "
            "it is absolute (percentages in points); within_tolerance: |difference| <= "
            "tolerance (pyreslib's docs/method.md, section 8).",
            index=False))
    sections.append(ReportSection(
        "Data", f"{ingest.report.rows_read:,} rows read from {cfg.input.patents.name}; "
        f"{ingest.report.patents_kept:,} patents kept.", data_tables, figs.get("maps", [])))

    sections.append(ReportSection(
        "Network level", "Indicators of pyreslib's docs/method.md, section 2 (binary network "
        "unless metrics.weighted).",
        [TableEntry("network_indicators", "Network indicators", result.indicators.network.T,
                    "Average path length over connected pairs; unreachable pairs counted.")],
        figs.get("degree", [])))

    network_res = result.resilience.network
    res_tables = []
    if network_res is not None:
        res_tables.append(TableEntry("network_resilience", "Network resilience (coupling "
                                     "coordination)", network_res.to_frame()))
    sections.append(ReportSection(
        "Network resilience", "Coupling coordination of the resilience dimensions; D is the "
        "network resilience of a stage.", res_tables, figs.get("network", [])))

    communities = result.communities
    sections.append(ReportSection(
        "Communities", "Infomap, two-level, weighted by joint patents, seeded.",
        [TableEntry("communities", "Infomap modules per stage",
                    community.summary_table(communities)),
         TableEntry("community_membership", "Module of every city",
                    community.membership_table(communities), index=False, in_html=False)],
        figs.get("modules", [])))

    top = result.resilience.nodes.sort_values(["stage", "rank"], kind="stable")
    top_shown = top.groupby("stage", sort=False).head(cfg.resilience.top_nodes)
    pooled = cfg.resilience.node_normalisation == "pooled"
    last = list(result.networks)[-1]
    by_stage = node_resilience.node_resilience_by_stage(top, top=cfg.resilience.top_nodes)
    sections.append(ReportSection(
        "Node resilience", "Centralities min-max normalised "
        + ("over all stages together (scores comparable across stages)" if pooled
           else "within each stage") + " and combined.",
        [TableEntry("centrality_shares", "Shares of cities (percent)",
                    result.indicators.centrality_shares),
         TableEntry("node_resilience_by_stage",
                    f"Top {cfg.resilience.top_nodes} cities of {last}: score in every stage",
                    by_stage,
                    "As the study's Table 3. Empty where the city is not in that stage's "
                    "network." + ("" if pooled else " Normalised within each stage, a score "
                                  "ranks a city within its stage; resilience.node_normalisation "
                                  "= \"pooled\" makes scores comparable across stages.")),
         TableEntry("node_resilience_top", f"Top {cfg.resilience.top_nodes} cities per stage",
                    top_shown, index=False),
         TableEntry("node_resilience", "Node resilience of every city", top, index=False,
                    in_html=False)],
        figs.get("nodes", [])))

    if result.robustness is not None:
        sections.append(ReportSection(
            "Robustness", "What the network survives (pyreslib's docs/method.md, section 5).",
            [TableEntry("robustness_index", "Robustness index R", result.robustness.index)],
            figs.get("robustness", [])))

    from pyreslib.outputs.structure_sections import structure_sections

    sections += structure_sections(result, figs)

    if result.ergm is not None:
        from pyreslib.outputs.ergm_sections import ergm_sections

        sections += ergm_sections(result.ergm, figs)
    if result.qap is not None:
        from pyreslib.outputs.qap_sections import qap_sections

        sections += qap_sections(result.qap, figs)
    return sections
