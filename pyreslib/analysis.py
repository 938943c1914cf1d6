"""The whole analysis of a run, in memory: one call, one immutable result.

:func:`run` computes everything ``pyreslib run`` computes and writes nothing::

    from pyreslib import analysis
    result = analysis.run("study.toml")            # a TOML config, or a pyreslib.config.Config
    result.networks["2018-2021"]                    # networkx.Graph of a stage
    result.indicators.network                       # stage x network indicator
    result.resilience.network.D                     # network resilience per stage
    result.ergm.fits[("2018-2021", "extended")].results.summary()
    result.ergm.fits[("2018-2021", "extended")].mcmc.table   # Geweke z and p, ESS, ...
    result.ergm.lr_tests[-1].anova                  # study vs extended within the stage
    result.ergm.pooled.sentences                    # did an effect change between stages?

The steps, one field of :class:`AnalysisResult` each, in the order they run::

    ingest -> networks -> indicators -> communities -> resilience -> robustness
           -> spatial -> cascades -> rich club -> k-core -> ergm -> qap

The spatial step (:mod:`pyreslib.spatial`) asks whether node resilience and the centralities
are clustered in space (Moran's I, LISA, Gi*); the cascades (:mod:`pyreslib.cascade`) what a
failure does when its load moves to the rest; the rich club (:mod:`pyreslib.richclub`) and
the k-core (:mod:`pyreslib.core`) where the network's densely knit centre is.  A stage one of
them cannot use (too few cities, every city isolated under the chosen weights, a constant
quantity) is left out of that step with a note, never silently.

With the ERGM step on, the covariates file is read and checked before ingest, and against the
stage networks right after it (:mod:`pyreslib.stagemodels.covariates`), so that a bad file
stops the run before any other step.

The ERGM step (:mod:`pyreslib.stagemodels.step`) fits every model to every stage on R worker
processes, with goodness of fit, MCMC diagnostics, likelihood-ratio tests within stages and
a pooled model comparing the stages.

:mod:`pyreslib.outputs` turns the result into results.json, tables, figures and report.html.
Progress is told to an optional :class:`pyreslib.progress.Progress` observer; the computation
knows nothing about how it is shown.

The result is frozen: its fields cannot be reassigned.  The tables and graphs inside are the
ordinary pandas and networkx objects; copy them before changing them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from pyreslib import study
from pyreslib.config import Config, load_config
from pyreslib.errors import InputError
from pyreslib.progress import Progress, step
from pyreslib.stagemodels.covariates import covariate_coverage, read_covariates
from pyreslib.stagemodels.step import ERGMFit, ERGMStep

if TYPE_CHECKING:
    from pyreslib.accounting import IngestResult
    from pyreslib.cascade import CascadeResult
    from pyreslib.community import CommunityResult
    from pyreslib.core import CoreResult
    from pyreslib.degree_distribution import DegreeDistributionFit
    from pyreslib.resilience import ResilienceResult
    from pyreslib.richclub import RichClubResult
    from pyreslib.robustness import RobustnessResult
    from pyreslib.spatial import SpatialAutocorrelation
    from pyreslib.stagemodels.qap_step import QAPStep

__all__ = [
    "AnalysisResult",
    "ERGMFit",
    "ERGMStep",
    "Indicators",
    "Resilience",
    "run",
    "this_run_findings",
    "this_run_notes",
    "this_run_values",
]


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


# ----------------------------------------------------------------------------------------------
# the result, one type per step
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Indicators:
    """Network indicators and centralities of every stage (:mod:`pyreslib.metrics`).

    ``network``: stage x indicator (:data:`pyreslib.metrics.NETWORK_INDICATORS`);
    ``centralities``: one row per stage and city (degree, closeness, betweenness, strength);
    ``centrality_shares``: the shares of cities the study reports, per stage (percent);
    ``degree_fits``: stage -> power-law and exponential fits of the degree distribution.
    """

    network: pd.DataFrame
    centralities: pd.DataFrame
    centrality_shares: pd.DataFrame
    degree_fits: Mapping[str, DegreeDistributionFit]


@dataclass(frozen=True, eq=False)
class Resilience:
    """Network resilience by coupling coordination (None with a single stage: it normalises
    across stages) and node resilience of every city (:mod:`pyreslib.resilience`)."""

    network: ResilienceResult | None
    nodes: pd.DataFrame


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """Everything a run computed, one field per step of the data's journey.

    ``config``: the run's configuration; ``ingest``: the records' accounting
    (:class:`pyreslib.accounting.IngestResult`); ``networks``: stage -> city network;
    ``indicators``, ``communities`` (stage -> Infomap partition), ``resilience``,
    ``robustness``, ``spatial``, ``cascades``, ``rich_club``, ``cores``, ``ergm`` and
    ``qap`` (MRQAP and QAP correlations) (each None when switched off, or when no stage
    could be used: the notes say why); ``notes``: choices the computation had to make on its
    own.
    """

    config: Config
    ingest: IngestResult
    networks: Mapping[str, nx.Graph]
    indicators: Indicators
    communities: Mapping[str, CommunityResult]
    resilience: Resilience
    robustness: RobustnessResult | None = None
    spatial: SpatialAutocorrelation | None = None
    cascades: CascadeResult | None = None
    rich_club: RichClubResult | None = None
    cores: CoreResult | None = None
    ergm: ERGMStep | None = None
    qap: QAPStep | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def synthetic(self) -> bool:
        """Whether the input is the synthetic demo data (``input.synthetic``)."""
        return bool(self.config.input.synthetic)

    @property
    def notice(self) -> str | None:
        """The synthetic-data notice every output of synthetic input carries, else None."""
        if not self.synthetic:
            return None
        from pyreslib.datasets import SYNTHETIC_NOTICE

        return SYNTHETIC_NOTICE

    def comparison_to_study(self) -> list[study.ComparisonRow] | None:
        """This run's values next to the figures the reference study reports, one row per
        stage and figure (:func:`pyreslib.study.compare`); None when no stage is the study's."""
        if not study.reports_on(self.networks):
            return None
        notes = this_run_notes(self)
        if self.synthetic:
            from pyreslib.datasets import calibration_notes

            notes |= calibration_notes()
        return (study.compare(this_run_values(self), notes=notes)
                + study.compare_findings(this_run_findings(self)))

    def to_frame(self) -> pd.DataFrame:
        """One row per stage: cities, pairs, collaborations, average degree, network
        resilience D, Infomap modules and the robustness index R under random failure."""
        rows = {}
        network_res, robust = self.resilience.network, self.robustness
        for label in self.networks:
            net = self.indicators.network.loc[label]
            rows[label] = {
                "cities": int(net["nodes"]), "pairs": int(net["edges"]),
                "collaborations": int(net["weight"]), "avg_degree": net["avg_degree"],
                "D": network_res.D[label] if network_res is not None else math.nan,
                "modules": self.communities[label].num_modules,
                "R_random": (robust.index.loc[label, "random"]
                             if robust is not None and "random" in robust.index else math.nan),
            }
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("stage")

    def summary(self) -> str:
        """The run in a few lines: title, stages (:meth:`to_frame`), ERGM fits, notes."""
        title = self.config.title
        if self.synthetic and "SYNTHETIC" not in title:
            title += " (SYNTHETIC DEMO DATA)"
        lines = [title, self.to_frame().round(3).to_string()]
        if self.ergm is not None:
            for (stage, model), fit in self.ergm.fits.items():
                outcome = (f"AIC {fit.results.aic:,.1f}" if fit.results is not None
                           else f"failed: {fit.error}")
                lines.append(f"ERGM {model} on {stage}: {outcome}")
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<AnalysisResult stages={list(self.networks)} title={self.config.title!r}>"


def this_run_values(result: AnalysisResult) -> dict[tuple[str, str], float]:
    """This run's value of every quantity the study reports, keyed by (stage, quantity).

    To compare one more figure, measure it here under the ``quantity`` of its
    :class:`pyreslib.study.StudyFigure`.
    """
    values = {(label, quantity): value for label, graph in result.networks.items()
              for quantity, value in study.network_aggregates(graph).items()}
    shares = result.indicators.centrality_shares
    network_res = result.resilience.network
    for label in result.networks:
        if label in shares.index:
            for quantity in ("closeness_above_mean_pct", "zero_betweenness_pct",
                             "betweenness_above_mean_pct"):
                values[(label, quantity)] = float(shares.at[label, quantity])
        partition = result.communities[label]
        values[(label, "modules")] = partition.num_modules
        values[(label, "largest_module")] = partition.largest
        if network_res is not None:
            values[(label, "network_resilience")] = float(network_res.D[label])
        top = _top_cities(result.indicators.centralities, label)
        values[(label, "top_three_by_degree")] = sum(
            a == b for a, b in zip(top["degree"], study.TOP_THREE, strict=False))
        values[(label, "beijing_first")] = sum(
            bool(top[c]) and top[c][0] == study.TOP_THREE[0] and not top[c + "_tied"]
            for c in ("degree", "closeness", "betweenness"))
    return values


def this_run_findings(result: AnalysisResult) -> dict[str, dict[tuple[str, str], float]]:
    """Whether the study's qualitative findings (:data:`pyreslib.study.FINDINGS`) hold in this
    run, per model: ``"study ERGM"`` (the study model's fits), ``"MRQAP lm"`` and ``"MRQAP
    logit"`` (:func:`pyreslib.study.finding_values`; empty without those steps)."""
    models: dict[str, tuple[dict, dict, bool]] = {}
    if result.ergm is not None:
        fits = {stage: r for (stage, model), r in result.ergm.results().items()
                if model == "study"}
        if fits:
            models["study ERGM"] = ({s: r.params.to_dict() for s, r in fits.items()},
                                    {s: r.pvalues.to_dict() for s, r in fits.items()}, True)
    if result.qap is not None:
        for kind in result.qap.settings["kinds"]:
            fits = {stage: r for (stage, k), r in result.qap.fits.items() if k == kind}
            if fits:
                models[f"MRQAP {kind}"] = ({s: r.params.to_dict() for s, r in fits.items()},
                                           {s: r.pvalues.to_dict() for s, r in fits.items()},
                                           kind == "logit")
    return {name: study.finding_values(params, pvalues, intercept_is_edges=edges)
            for name, (params, pvalues, edges) in models.items()}


def _top_cities(centralities: pd.DataFrame, label: str) -> dict[str, Any]:
    """The stage's cities by decreasing degree, closeness and betweenness (ties by adcode), and
    whether the first place of each is shared."""
    table = centralities[centralities["stage"] == label]
    out: dict[str, Any] = {}
    for column in ("degree", "closeness", "betweenness"):
        ranked = table.sort_values([column, "node"], ascending=[False, True], kind="stable")
        out[column] = [int(v) for v in ranked["node"].head(3)]
        values = ranked[column].to_numpy()
        out[column + "_tied"] = len(values) > 1 and values[0] == values[1]
    return out


def this_run_notes(result: AnalysisResult) -> dict[tuple[str, str], str]:
    """What this run's top cities are, by name, for the comparison's top-city rows."""
    notes = {}
    for label, G in result.networks.items():
        top = _top_cities(result.indicators.centralities, label)
        names = ", ".join(G.nodes[v].get("name_en") or str(v) for v in top["degree"])
        notes[(label, "top_three_by_degree")] = f"this run: {names}"
    return notes


# ----------------------------------------------------------------------------------------------
# the run
# ----------------------------------------------------------------------------------------------


def run(config: Config | str | Path, *, progress: Progress | None = None) -> AnalysisResult:
    """Run every step ``config`` asks for and return the result; no file is written.

    ``config`` is a :class:`~pyreslib.config.Config` or the path of a TOML file (relative
    input paths are read from its folder).  ``progress`` is told of every step.
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    from pyreslib import (
        centrality,
        community,
        degree_distribution,
        metrics,
        node_resilience,
        resilience,
    )

    notes: list[str] = []
    n_stages = len(cfg.stages.labels)
    fits_ergms = bool(cfg.ergm.enabled and cfg.ergm.formulas())
    # [qap] (and [tergm]) take the ERGM's covariates: read and checked as early
    uses_covariates = fits_ergms or cfg.qap.enabled
    covariates = coverage = None
    with step(progress, "ingest") as s:
        if uses_covariates:
            # the covariates file is checked in full before any work, and against the stage
            # networks as soon as they exist: a bad file is a message in seconds, not after
            # the whole analysis
            covariates = read_covariates(cfg.input.covariates)
        ingest = _ingest(cfg)
        networks = dict(ingest.networks)
        _check_networks(networks, cfg.input.patents.name)
        if uses_covariates:
            coverage = covariate_coverage(
                covariates, networks, log=cfg.covariates.log,
                standardise=cfg.covariates.standardise, for_config=True)
        s.advance()

    with step(progress, "network metrics", n_stages) as s:
        table, centralities = metrics.stage_describe(networks, weighted=cfg.metrics.weighted)
        shares = centrality.centrality_shares(centralities)
        degree_fits = {}
        for label, G in networks.items():
            degree_fits[label] = degree_distribution.degree_distribution_fit(
                G, cumulative=cfg.metrics.cumulative_degree_distribution)
            s.advance(label)

    with step(progress, "communities (Infomap)") as s:
        communities = community.stage_communities(networks, seed=cfg.seed,
                                                  trials=cfg.communities.trials)
        s.advance()

    with step(progress, "resilience", 2) as s:
        if n_stages >= 2:
            network_res = resilience.network_resilience(
                table, preset=cfg.resilience.preset, weights=cfg.resilience.weights,
                normalisation=cfg.resilience.normalisation, floor=cfg.resilience.floor)
            notes += network_res.notes
        else:
            network_res = None
            notes.append("network resilience needs at least 2 stages (it normalises across "
                         "stages); only node resilience is computed.")
        s.advance("network")
        node_res = node_resilience.stage_node_resilience(
            networks, centralities=centralities, weights=cfg.resilience.node_weights,
            normalisation=cfg.resilience.node_normalisation, weighted=cfg.metrics.weighted)
        s.advance("nodes")

    robust = None
    if cfg.robustness.enabled:
        from pyreslib import robustness

        with step(progress, "robustness") as s:
            robust = robustness.stage_robustness(
                networks, strategies=cfg.robustness.strategies,
                repeats=cfg.robustness.repeats, seed=cfg.seed,
                recalculate=cfg.robustness.recalculate)
            s.advance()

    spatial_result = cascades = rich = cores = None
    if cfg.spatial.enabled:
        with step(progress, "spatial autocorrelation", n_stages) as s:
            spatial_result = _spatial_step(cfg, networks, centralities, node_res, notes, s)
    if cfg.cascade.enabled:
        with step(progress, "cascades", n_stages) as s:
            cascades = _cascade_step(cfg, networks, notes, s)
    if cfg.richclub.enabled:
        with step(progress, "rich club", n_stages) as s:
            rich = _rich_club_step(cfg, networks, notes, s)
    if cfg.core.enabled:
        from pyreslib import core

        with step(progress, "k-core") as s:
            cores = core.stage_cores(networks)
            s.advance()

    ergm = None
    if fits_ergms:
        from pyreslib.stagemodels.step import run_step

        ergm = run_step(cfg, networks, progress, covariates=covariates, coverage=coverage)

    qap = None
    if cfg.qap.enabled:
        from pyreslib.stagemodels.qap_step import run_qap_step

        qap = run_qap_step(cfg, networks, covariates, progress)
    if cfg.tergm.enabled:
        # the hook: pyreslib.stagemodels.temporal_step.run_temporal_step, once pyreslib.temporal
        # passes its tests; until then the run says so rather than ignoring the section
        notes.append("[tergm] is enabled, but the main job does not run the temporal models "
                     "yet; fit them from Python with pyreslib.temporal (btergm, tergm).")

    return AnalysisResult(
        config=cfg, ingest=ingest, networks=_frozen(networks),
        indicators=Indicators(table, centralities, shares, _frozen(degree_fits)),
        communities=_frozen(communities), resilience=Resilience(network_res, node_res),
        robustness=robust, spatial=spatial_result, cascades=cascades, rich_club=rich,
        cores=cores, ergm=ergm, qap=qap, notes=tuple(notes))


def _ingest(cfg: Config) -> IngestResult:
    from pyreslib.cities import default_resolver
    from pyreslib.ingest import ingest_file
    from pyreslib.stages import parse_stages

    sheet: str | int | None = cfg.input.sheet
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    return ingest_file(
        cfg.input.patents,
        stages=parse_stages(cfg.stages.labels),
        columns=cfg.input.columns or None,
        encoding=cfg.input.encoding,
        threshold=cfg.stages.threshold,
        sheet=sheet,
        resolver=default_resolver(cfg.input.prefecture_level_only),
        applicant_cities=cfg.input.applicant_cities,
        name_fallback=cfg.input.name_fallback,
        on_unresolved=cfg.input.on_unresolved,
        header_row=cfg.input.header_row,
        lenient_quotes=cfg.input.lenient_quotes,
    )


def _check_networks(networks: Mapping[str, nx.Graph], source: str) -> None:
    empty = [label for label, G in networks.items() if G.number_of_edges() == 0]
    if empty:
        raise InputError(
            f"{source}: stage(s) {empty} have no cross-city collaboration, so there is no "
            "network to analyse; remove them from [stages] labels or check the years in the "
            "file (see ingest/ingest_report.json in a run with the other stages)."
        )


# ----------------------------------------------------------------------------------------------
# spatial autocorrelation, cascades and rich club: one stage at a time, so that a stage a step
# cannot use is a note, not the end of the run (each stage gets the run's seed, so the numbers
# are those of one call over every stage)
# ----------------------------------------------------------------------------------------------


def _stage_quantities(cfg: Config, label: str, centralities: pd.DataFrame,
                      node_res: pd.DataFrame) -> pd.DataFrame:
    """The ``[spatial] quantities`` of one stage, one column each, indexed by adcode in
    ascending order (the permutations follow the cities' order: this one does not depend on
    the order the input listed the patents in)."""
    cent = centralities[centralities["stage"] == label].set_index("node")
    columns = {}
    for quantity in cfg.spatial.quantities:
        if quantity == "node_resilience":
            columns[quantity] = node_res[node_res["stage"] == label].set_index("node")["score"]
        else:
            columns[quantity] = cent[quantity]
    return pd.DataFrame(columns).reindex(cent.index).sort_index()


def _spatial_step(cfg: Config, networks: Mapping[str, nx.Graph], centralities: pd.DataFrame,
                  node_res: pd.DataFrame, notes: list[str], s) -> SpatialAutocorrelation | None:
    import re
    import warnings

    from pyreslib import spatial

    sc = cfg.spatial
    options = {"kind": sc.weights, "k": sc.k if sc.weights == "knn" else None,
               "cutoff_km": sc.cutoff_km if sc.weights == "distance" else None,
               "power": sc.power, "style": sc.style, "permutations": sc.permutations,
               "local_permutations": sc.local_permutations, "seed": cfg.seed,
               "alpha": sc.alpha, "adjust": sc.adjust}
    parts = []
    for label in networks:
        table = _stage_quantities(cfg, label, centralities, node_res)
        constant = [q for q in table.columns if table[q].nunique(dropna=False) < 2]
        if constant:
            notes.append(f"spatial: stage {label}: {', '.join(constant)} is the same for every "
                         "city, so there is no spatial autocorrelation to measure; left out.")
            table = table.drop(columns=constant)
        if table.shape[1]:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    parts.append(spatial.stage_spatial_autocorrelation({label: table}, **options))
                except InputError as exc:
                    reason = re.sub(r"^quantities\[[^\]]*\](\[[^\]]*\])?: ", "", str(exc))
                    notes.append(f"spatial: stage {label} left out: {reason}")
            # isolates, a negative randomisation variance: said once each, in the notes
            for message in dict.fromkeys(str(w.message) for w in caught):
                about = re.match(r"stage '[^']*', '([^']*)': (.*)", message, re.DOTALL)
                where = f"{label}, {about.group(1)}" if about else label
                notes.append(f"spatial: stage {where}: {about.group(2) if about else message}")
        s.advance(label)
    if not parts:
        notes.append("spatial: no stage could be tested (see the notes above); change "
                     "[spatial] weights, k or cutoff_km, or set [spatial] enabled = false.")
        return None
    return spatial.SpatialAutocorrelation(
        pd.concat([p.global_tests for p in parts], ignore_index=True),
        pd.concat([p.local for p in parts], ignore_index=True),
        {stage: w for p in parts for stage, w in p.weights.items()}, parts[0].options)


def _cascade_step(cfg: Config, networks: Mapping[str, nx.Graph], notes: list[str],
                  s) -> CascadeResult | None:
    from pyreslib import cascade

    cc = cfg.cascade
    parts = []
    for label, G in networks.items():
        repeats = cc.repeats
        if "random" in cc.triggers and repeats > G.number_of_nodes():
            repeats = G.number_of_nodes()
            notes.append(f"cascades: stage {label} has {repeats} cities, fewer than [cascade] "
                         f"repeats = {cc.repeats}: each city triggers one random cascade.")
        try:
            parts.append(cascade.stage_cascades(
                {label: G}, alphas=cc.grid(), triggers=cc.triggers, repeats=repeats,
                seed=cfg.seed, threshold=cc.threshold, weighted=cfg.metrics.weighted,
                workers=cc.workers))
        except InputError as exc:
            notes.append(f"cascades: stage {label} left out: {exc}")
        s.advance(label)
    if not parts:
        return None
    return cascade.CascadeResult(
        curves=pd.concat([p.curves for p in parts], ignore_index=True),
        curve=pd.concat([p.curve for p in parts], ignore_index=True),
        critical=pd.concat([p.critical for p in parts], ignore_index=True),
        cascades={key: c for p in parts for key, c in p.cascades.items()},
        options={**parts[0].options, "repeats": cc.repeats})


def _rich_club_step(cfg: Config, networks: Mapping[str, nx.Graph], notes: list[str],
                    s) -> RichClubResult | None:
    from pyreslib import richclub

    rc = cfg.richclub
    parts = []
    for label, G in networks.items():
        try:
            parts.append(richclub.stage_rich_club(
                {label: G}, nulls=rc.nulls, Q=rc.swaps_per_link, seed=cfg.seed,
                level=rc.level, workers=rc.workers))
        except InputError as exc:
            notes.append(f"rich club: stage {label} left out: {exc}")
        s.advance(label)
    if not parts:
        return None
    return richclub.RichClubResult(
        table=pd.concat([p.table for p in parts], ignore_index=True),
        draws=pd.concat([p.draws for p in parts], ignore_index=True),
        options=parts[0].options)
