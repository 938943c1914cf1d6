"""The main job: patent records in, a publishable analysis out (``pyreslib run``).

:func:`run` goes through the stages of the data's journey in order::

    ingest -> networks -> metrics -> communities -> resilience -> robustness -> ERGM
           -> figures -> tables -> results.json -> report.html

and writes into ``OUT_DIR``: ``results.json`` (every number the report shows; schema in
docs/results-schema.md), ``tables/`` (CSV, Markdown, LaTeX), ``figures/`` (PNG),
``report.html`` (self-contained) and ``ingest/`` (what happened to every record:
report, unresolved applicants, rejected rows).

Atomic output: everything is written into a temporary sibling folder
(``.OUT_DIR.partial-<pid>``) which is renamed to ``OUT_DIR`` only when the run has finished, so a
folder named ``OUT_DIR`` is always complete.  An existing ``OUT_DIR`` is replaced only if it is
an earlier pyreslib output (it holds the marker file :data:`MARKER`) or empty.

Determinism: with the same config (and seed) results.json is byte-identical across processes
and machines - keys sorted, floats rounded to ``output.significant_digits`` significant digits,
no timestamps, paths written as file names.  Timings go to the console only.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.config import Config, check_output_dir, load_config
from pyreslib.errors import ConfigError, InputError, PyreslibError

__all__ = ["MARKER", "RESULTS_SCHEMA_VERSION", "RunResult", "round_floats", "run"]

MARKER = ".pyreslib-run"
RESULTS_SCHEMA_VERSION = 2


@dataclass
class RunResult:
    """Everything a run computed (in memory) and where it wrote it.

    ``results`` is exactly what results.json holds.  ``timings`` (seconds per step) is not
    written to results.json, to keep that file reproducible.
    """

    out_dir: Path
    results: dict[str, Any]
    networks: dict[str, nx.Graph]
    ingest: Any
    indicators: pd.DataFrame
    centralities: pd.DataFrame
    communities: dict[str, Any]
    resilience: Any
    node_resilience: pd.DataFrame
    robustness: Any = None
    ergm: Any = None
    gof: dict[tuple[str, str], Any] = field(default_factory=dict)
    comparison_to_study: list | None = None
    figures: list[Path] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary_rows(self) -> list[tuple[str, ...]]:
        """(stage, cities, pairs, collaborations, avg degree, D, modules, R random) rows."""
        rows = []
        for entry in self.results["stages"]:
            net, res = entry["network"], entry["resilience"]
            rob = entry.get("robustness") or {}
            rows.append((
                entry["label"], f"{net['nodes']:.0f}", f"{net['edges']:.0f}",
                f"{net['weight']:.0f}", f"{net['avg_degree']:.2f}",
                _fmt(res.get("D")), str(entry["communities"]["count"]),
                _fmt(rob.get("random")),
            ))
        return rows


def _fmt(value: Any, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


# ----------------------------------------------------------------------------------------------
# deterministic JSON
# ----------------------------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------------------------
# progress
# ----------------------------------------------------------------------------------------------


class _Steps:
    """A rich progress display: one bar per step, advanced as the step's units finish."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.timings: dict[str, float] = {}
        self._progress = None

    def __enter__(self):
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(TextColumn("{task.description:<28}"), BarColumn(),
                                      MofNCompleteColumn(), TimeElapsedColumn(),
                                      TextColumn("{task.fields[detail]}"))
            self._progress.__enter__()
        return self

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.__exit__(*exc)

    @contextmanager
    def step(self, name: str, total: int = 1):
        start = time.perf_counter()
        task = None
        if self._progress is not None:
            task = self._progress.add_task(name, total=max(total, 1), detail="")

        def advance(detail: str = "") -> None:
            if task is not None:
                self._progress.update(task, advance=1, detail=detail)

        def describe(detail: str) -> None:
            if task is not None:
                self._progress.update(task, detail=detail)

        advance.describe = describe  # type: ignore[attr-defined]
        yield advance
        if task is not None:
            self._progress.update(task, completed=max(total, 1), detail="")
        self.timings[name] = time.perf_counter() - start


# ----------------------------------------------------------------------------------------------
# the run
# ----------------------------------------------------------------------------------------------


def _prepare_out_dir(out: Path) -> Path:
    if out.exists():
        if not out.is_dir():
            raise ConfigError(f"output folder {out} exists and is a file; name a folder.")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise ConfigError(
                f"output folder {out} exists, is not empty and is not an earlier pyreslib "
                "output (no .pyreslib-run file); pyreslib replaces its output folder as a whole, "
                "so name a new or empty folder."
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.parent / f".{out.name}.partial-{os.getpid()}"
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir()
    return partial


def _finish_out_dir(partial: Path, out: Path) -> None:
    (partial / MARKER).write_text("written by pyreslib run; replaced as a whole by the next run\n",
                                  encoding="utf-8")
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
        partial.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        partial.rename(out)


def _ingest(cfg: Config):
    from pyreslib.cities import PREFECTURE_LEVEL_KINDS, CityResolver, default_resolver
    from pyreslib.ingest import ingest_file, parse_stages

    sheet: str | int | None = cfg.input.sheet
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    resolver = (CityResolver(kinds=PREFECTURE_LEVEL_KINDS) if cfg.input.prefecture_level_only
                else default_resolver())
    return ingest_file(
        cfg.input.patents,
        stages=parse_stages(cfg.stages.labels),
        columns=cfg.input.columns or None,
        encoding=cfg.input.encoding,
        threshold=cfg.stages.threshold,
        sheet=sheet,
        resolver=resolver,
        name_fallback=cfg.input.name_fallback,
        on_unresolved=cfg.input.on_unresolved,
    )


def _check_networks(networks: Mapping[str, nx.Graph], source: str) -> None:
    empty = [label for label, G in networks.items() if G.number_of_edges() == 0]
    if empty:
        raise InputError(
            f"{source}: stage(s) {empty} have no cross-city collaboration, so there is no "
            "network to analyse; remove them from [stages] labels or check the years in the "
            "file (see ingest/ingest_report.json in a run with the other stages)."
        )


def run(config: Config | str | Path, out_dir: str | Path, progress: bool = True,
        *, console=None, cwd: str | Path | None = None) -> RunResult:
    """Run the whole analysis described by ``config`` and write it to ``out_dir``.

    ``config`` is a :class:`~pyreslib.config.Config` or the path of a TOML file.  ``progress``
    shows rich progress bars per step.  ``out_dir`` must lie inside ``cwd`` (default: the
    current directory) unless ``output.allow_outside`` is set.  Returns a :class:`RunResult`.
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    out = check_output_dir(out_dir, cfg, cwd=cwd)
    partial = _prepare_out_dir(out)
    try:
        result = _run_into(cfg, partial, out, progress)
        _finish_out_dir(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    result.out_dir = out
    result.figures = [out / p.relative_to(partial) for p in result.figures]
    result.tables = [out / p.relative_to(partial) for p in result.tables]
    return result


def _run_into(cfg: Config, folder: Path, out: Path, progress: bool) -> RunResult:
    from pyreslib import community, metrics, resilience

    synthetic = bool(cfg.input.synthetic)
    notes: list[str] = []
    n_stages = len(cfg.stages.labels)
    with _Steps(progress) as steps:
        with steps.step("ingest") as advance:
            ingest = _ingest(cfg)
            networks = dict(ingest.networks)
            _check_networks(networks, cfg.input.patents.name)
            advance()
            ingest_dir = folder / "ingest"
            ingest_dir.mkdir()
            report_dict = ingest.report.to_dict()
            report_dict["source"] = Path(report_dict.get("source", "")).name
            (ingest_dir / "ingest_report.json").write_text(
                json.dumps(report_dict, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                encoding="utf-8")
            ingest.unresolved.to_csv(ingest_dir / "unresolved.csv", index=False)
            ingest.rejected.to_csv(ingest_dir / "rejected.csv", index=False)

        with steps.step("network metrics", n_stages) as advance:
            indicators, centralities = metrics.stage_describe(networks,
                                                              weighted=cfg.metrics.weighted)
            shares = metrics.centrality_shares(centralities)
            degree_fits = {}
            for label, G in networks.items():
                degree_fits[label] = metrics.degree_distribution_fit(
                    G, cumulative=cfg.metrics.cumulative_degree_distribution)
                advance(label)

        with steps.step("communities (Infomap)", 1) as advance:
            communities = community.stage_communities(networks, seed=cfg.seed,
                                                      trials=cfg.communities.trials)
            advance()

        with steps.step("resilience", 2) as advance:
            if n_stages >= 2:
                network_res = resilience.network_resilience(
                    indicators, weights=cfg.resilience.weights,
                    normalisation=cfg.resilience.normalisation, floor=cfg.resilience.floor)
                notes += network_res.notes
            else:
                network_res = None
                notes.append("network resilience needs at least 2 stages (it normalises across "
                             "stages); only node resilience is computed.")
            advance("network")
            node_res = resilience.stage_node_resilience(
                networks, centralities=centralities, weights=cfg.resilience.node_weights,
                weighted=cfg.metrics.weighted)
            advance("nodes")

        robust = None
        if cfg.robustness.enabled:
            from pyreslib import robustness

            with steps.step("robustness", 1) as advance:
                robust = robustness.stage_robustness(
                    networks, strategies=cfg.robustness.strategies,
                    repeats=cfg.robustness.repeats, seed=cfg.seed,
                    recalculate=cfg.robustness.recalculate)
                advance()

        stage_fits, gof = None, {}
        if cfg.ergm.enabled and cfg.ergm.models:
            stage_fits, gof = _ergm_step(cfg, networks, steps)

        comparison_rows = _compare_to_study(cfg, networks)
        comparison = (None if comparison_rows is None else
                      __import__("pyreslib.study").study.comparison_frame(comparison_rows))

        results = _results(cfg, ingest, networks, indicators, centralities, shares, communities,
                           network_res, node_res, robust, stage_fits, comparison_rows, notes)

        figure_entries = {}
        if cfg.figures.enabled:
            figure_entries = _figures_step(cfg, folder, steps, networks, degree_fits,
                                           communities, network_res, node_res, robust,
                                           stage_fits, gof)

        with steps.step("tables") as advance:
            sections = _sections(cfg, results, ingest, indicators, shares, communities,
                                 network_res, node_res, robust, stage_fits, gof, comparison,
                                 figure_entries)
            from pyreslib.report import write_table

            table_paths = []
            for section in sections:
                for table in section.tables:
                    table_paths += write_table(table, folder / "tables", synthetic=synthetic)
            advance()

        with steps.step("results.json + report.html", 2) as advance:
            (folder / "results.json").write_text(
                dumps_results(results, cfg.output.significant_digits), encoding="utf-8")
            advance("results.json")
            from pyreslib.report import write_report

            notice = ""
            if synthetic:
                from pyreslib.datasets import SYNTHETIC_NOTICE

                notice = SYNTHETIC_NOTICE
            write_report(folder / "report.html", sections, title=cfg.title, synthetic=synthetic,
                         notice=notice, source=cfg.input.patents.name,
                         stages=cfg.stages.labels, seed=cfg.seed)
            advance("report.html")

    return RunResult(
        out_dir=out, results=results, networks=networks, ingest=ingest,
        indicators=indicators, centralities=centralities, communities=communities,
        resilience=network_res, node_resilience=node_res, robustness=robust, ergm=stage_fits,
        gof=gof, comparison_to_study=comparison_rows,
        figures=[f.path for fs in figure_entries.values() for f in fs],
        tables=table_paths, timings=steps.timings, notes=notes,
    )


def _compare_to_study(cfg, networks):
    from pyreslib import datasets, study

    if not study.reports_on(networks):
        return None
    values = {(label, quantity): value for label, graph in networks.items()
              for quantity, value in study.network_aggregates(graph).items()}
    return study.compare(values, notes=datasets.calibration_notes() if cfg.input.synthetic
                         else None)


def _ergm_step(cfg: Config, networks, steps: _Steps):
    import warnings

    from pyreslib import models

    covariates = models.read_covariates(cfg.input.covariates)
    n_fits = len(networks) * len(cfg.ergm.models)
    control = {"MCMC.samplesize": cfg.ergm.mcmc_samplesize} if cfg.ergm.mcmc_samplesize else None
    with steps.step("ERGM fits", n_fits) as advance:
        calls = {"n": 0}

        def on_fit(message: str) -> None:
            # fit_stages reports before each fit; advance for the one that just finished
            if calls["n"]:
                advance()
            calls["n"] += 1
            advance.describe(message)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence shows up as converged=false
            stage_fits = models.fit_stages(
                networks, covariates, models=cfg.ergm.models, seed=cfg.seed, control=control,
                threshold=cfg.ergm.threshold, on_error="record", progress=on_fit)
    gof = {}
    if cfg.ergm.gof_nsim and stage_fits.fits:
        with steps.step("ERGM goodness of fit", len(stage_fits.fits)) as advance:
            for key, fit in stage_fits.fits.items():
                advance.describe(f"{key[0]} {key[1]}")
                try:
                    gof[key] = fit.gof(nsim=cfg.ergm.gof_nsim, seed=cfg.seed)
                except PyreslibError as exc:
                    stage_fits.failures[(key[0], f"{key[1]} gof")] = str(exc)
                advance()
    return stage_fits, gof


# ----------------------------------------------------------------------------------------------
# results.json
# ----------------------------------------------------------------------------------------------


def _series_dict(series: pd.Series) -> dict[str, Any]:
    return {str(k): v for k, v in series.items()}


def _results(cfg, ingest, networks, indicators, centralities, shares, communities, network_res,
             node_res, robust, stage_fits, comparison, notes) -> dict[str, Any]:
    from pyreslib import __version__

    stages = []
    for label, G in networks.items():
        entry: dict[str, Any] = {"label": label}
        entry["network"] = _series_dict(indicators.loc[label])
        if network_res is not None:
            entry["resilience"] = {
                "U": _series_dict(network_res.dimensions.loc[label]),
                "C": network_res.C[label], "T": network_res.T[label], "D": network_res.D[label],
            }
        else:
            entry["resilience"] = {"U": {}, "C": None, "T": None, "D": None}
        comm = communities[label]
        entry["communities"] = {
            "count": comm.num_modules,
            "sizes": [int(s) for s in comm.sizes],
            "codelength": comm.codelength,
            "modularity": comm.modularity,
            "relative_savings": comm.relative_savings,
        }
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
        if label in shares.index:
            entry["centrality_shares"] = _series_dict(shares.loc[label])
        if robust is not None:
            entry["robustness"] = _series_dict(robust.index.loc[label])
        stages.append(entry)

    ergm = []
    failures = []
    if stage_fits is not None:
        for (stage, model), fit in stage_fits.fits.items():
            ergm.append({
                "stage": stage, "model": model, "formula": fit.formula,
                "params": _series_dict(fit.params), "bse": _series_dict(fit.bse),
                "pvalues": _series_dict(fit.pvalues), "llf": fit.llf, "aic": fit.aic,
                "bic": fit.bic, "converged": bool(fit.converged), "nobs": fit.nobs,
            })
        failures = [{"stage": s, "model": m, "error": msg}
                    for (s, m), msg in stage_fits.failures.items()]

    report = ingest.report.to_dict()
    report["source"] = Path(report.get("source", "")).name
    synthetic = bool(cfg.input.synthetic)
    notice = None
    if synthetic:
        from pyreslib.datasets import SYNTHETIC_NOTICE

        notice = SYNTHETIC_NOTICE
    results: dict[str, Any] = {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "pyreslib_version": __version__,
        "title": cfg.title,
        "synthetic": synthetic,
        "notice": notice,
        "config": cfg.to_dict(),
        "ingest": report,
        "stages": stages,
        "ergm": ergm,
        "ergm_failures": failures,
        "notes": list(notes),
    }
    if network_res is not None:
        results["resilience_weights"] = {
            "indicators": _series_dict(network_res.indicator_weights),
            "dimensions": _series_dict(network_res.dimension_weights),
        }
    if comparison is not None:
        results["comparison_to_study"] = [
            {"stage": r.stage, "quantity": r.quantity, "this_run": r.this_run, "study": r.study,
             "relative_difference": r.relative_difference, "note": r.note} for r in comparison]
    return results


# ----------------------------------------------------------------------------------------------
# figures and report sections
# ----------------------------------------------------------------------------------------------


def _figures_step(cfg, folder, steps, networks, degree_fits, communities, network_res, node_res,
                  robust, stage_fits, gof) -> dict[str, list]:
    from pyreslib import figures
    from pyreslib.report import FigureEntry, save_figure

    fig_dir = folder / "figures"
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
                 lambda: figures.degree_distribution_figure(degree_fits)))
    for label, G in networks.items():
        plan.append(("modules", f"modules_{label}", f"Infomap modules, stage {label}",
                     (f"{communities[label].num_modules} modules, codelength "
                      f"{communities[label].codelength:.3f} bits; the ten largest coloured."),
                     lambda G=G, label=label: figures.modules_figure(
                         G, communities[label].membership)))
    plan.append(("nodes", "node_resilience_ranking", "Node resilience ranking",
                 (f"Top {cfg.figures.top_n} cities per stage by node resilience (normalised "
                  f"degree, closeness and betweenness, {cfg.resilience.node_weights} weights)."),
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
    if stage_fits is not None and stage_fits.fits:
        coef = _ergm_coefficients(stage_fits)
        plan.append(("ergm", "ergm_coefficients", "ERGM coefficients",
                     "Estimates with 95 % Wald confidence intervals; filled markers exclude 0.",
                     lambda: figures.ergm_coefficients_figure(coef)))
        for (stage, model), g in gof.items():
            plan.append(("gof", f"gof_{stage}_{model}", f"Goodness of fit: {model}, {stage}",
                         f"{g.nsim} networks simulated from the fitted model.",
                         lambda g=g, stage=stage, model=model: figures.gof_figure(
                             g.tables, title=f"{model} model, stage {stage}")))
    entries: dict[str, list] = {}
    with steps.step("figures", len(plan)) as advance:
        for group, name, title, caption, make in plan:
            path = save_figure(make(), fig_dir / f"{name}.png", dpi=cfg.figures.dpi)
            entries.setdefault(group, []).append(FigureEntry(name, title, path, caption))
            advance(name)
    return entries


def _ergm_coefficients(stage_fits) -> pd.DataFrame:
    frames = []
    for (stage, model), fit in stage_fits.fits.items():
        ci = fit.conf_int()
        frames.append(pd.DataFrame({
            "stage": stage, "model": model, "term": fit.params.index,
            "coef": fit.params.to_numpy(), "lower": ci["lower"].to_numpy(),
            "upper": ci["upper"].to_numpy(), "pvalue": fit.pvalues.to_numpy(),
        }))
    return pd.concat(frames, ignore_index=True)


def _sections(cfg, results, ingest, indicators, shares, communities, network_res, node_res,
              robust, stage_fits, gof, comparison, figure_entries):
    from pyreslib import community
    from pyreslib.report import ReportSection, TableEntry

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
                   "ingest/unresolved.csv and rejected rows in ingest/rejected.csv.",
                   index=False),
    ]
    if comparison is not None:
        data_tables.append(TableEntry(
            "comparison_to_study", "Stage aggregates next to the reference study's",
            comparison, "relative_difference = this run / study - 1 (SPEC.md section 8).",
            index=False))
    sections.append(ReportSection(
        "Data", f"{ingest.report.rows_read:,} rows read from {cfg.input.patents.name}; "
        f"{ingest.report.patents_kept:,} patents kept.", data_tables, figs.get("maps", [])))

    sections.append(ReportSection(
        "Network level", "Indicators of SPEC.md section 2 (binary network unless "
        "metrics.weighted).",
        [TableEntry("network_indicators", "Network indicators", indicators.T,
                    "Average path length over connected pairs; unreachable pairs counted.")],
        figs.get("degree", [])))

    res_tables = []
    if network_res is not None:
        res_tables.append(TableEntry("network_resilience", "Network resilience (coupling "
                                     "coordination)", network_res.to_frame()))
    sections.append(ReportSection(
        "Network resilience", "Coupling coordination of the resilience dimensions; D is the "
        "network resilience of a stage.", res_tables, figs.get("network", [])))

    comm_summary = community.summary_table(communities)
    sections.append(ReportSection(
        "Communities", "Infomap, two-level, weighted by joint patents, seeded.",
        [TableEntry("communities", "Infomap modules per stage", comm_summary),
         TableEntry("community_membership", "Module of every city",
                    community.membership_table(communities), index=False, in_html=False)],
        figs.get("modules", [])))

    top = node_res.sort_values(["stage", "rank"], kind="stable")
    top_shown = top.groupby("stage", sort=False).head(cfg.resilience.top_nodes)
    sections.append(ReportSection(
        "Node resilience", "Centralities min-max normalised within the stage and combined.",
        [TableEntry("centrality_shares", "Shares of cities (percent)", shares),
         TableEntry("node_resilience_top", f"Top {cfg.resilience.top_nodes} cities per stage",
                    top_shown, index=False),
         TableEntry("node_resilience", "Node resilience of every city", top, index=False,
                    in_html=False)],
        figs.get("nodes", [])))

    if robust is not None:
        sections.append(ReportSection(
            "Robustness", "What the network survives (SPEC.md section 5).",
            [TableEntry("robustness_index", "Robustness index R", robust.index)],
            figs.get("robustness", [])))

    if stage_fits is not None:
        ergm_tables = []
        if stage_fits.fits:
            ergm_tables.append(TableEntry("ergm_estimates", "ERGM estimates",
                                          stage_fits.to_frame(), index=False))
            if stage_fits.comparison is not None:
                ergm_tables.append(TableEntry("ergm_comparison", "ERGM comparison",
                                              stage_fits.comparison.frame))
        if stage_fits.failures:
            ergm_tables.append(TableEntry(
                "ergm_failures", "Fits that failed",
                pd.DataFrame([{"stage": s, "model": m, "error": e}
                              for (s, m), e in stage_fits.failures.items()]), index=False))
        for (stage, model), g in gof.items():
            for name, table in g.tables.items():
                ergm_tables.append(TableEntry(f"gof_{stage}_{model}_{name}",
                                              f"GOF {name}, {model}, {stage}", table,
                                              in_html=False))
        sections.append(ReportSection(
            "ERGM", "Exponential random graph models of the binary stage networks "
            "(statnet ergm through rpy2).", ergm_tables,
            figs.get("ergm", []) + figs.get("gof", [])))
    return sections
