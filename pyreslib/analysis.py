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

    ingest -> networks -> indicators -> communities -> resilience -> robustness -> ergm

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
from pyreslib.stagemodels.step import ERGMFit, ERGMStep

if TYPE_CHECKING:
    from pyreslib.community import CommunityResult
    from pyreslib.accounting import IngestResult
    from pyreslib.degree_distribution import DegreeDistributionFit
    from pyreslib.resilience import ResilienceResult
    from pyreslib.robustness import RobustnessResult

__all__ = [
    "AnalysisResult",
    "ERGMFit",
    "ERGMStep",
    "Indicators",
    "Resilience",
    "run",
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
    ``robustness`` (None when switched off), ``ergm`` (None when switched off); ``notes``:
    choices the computation had to make on its own.
    """

    config: Config
    ingest: IngestResult
    networks: Mapping[str, nx.Graph]
    indicators: Indicators
    communities: Mapping[str, CommunityResult]
    resilience: Resilience
    robustness: RobustnessResult | None = None
    ergm: ERGMStep | None = None
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
        return study.compare(this_run_values(self), notes=notes)

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
    with step(progress, "ingest") as s:
        ingest = _ingest(cfg)
        networks = dict(ingest.networks)
        _check_networks(networks, cfg.input.patents.name)
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

    ergm = None
    if cfg.ergm.enabled and cfg.ergm.formulas():
        from pyreslib.stagemodels.step import run_step

        ergm = run_step(cfg, networks, progress)

    return AnalysisResult(
        config=cfg, ingest=ingest, networks=_frozen(networks),
        indicators=Indicators(table, centralities, shares, _frozen(degree_fits)),
        communities=_frozen(communities), resilience=Resilience(network_res, node_res),
        robustness=robust, ergm=ergm, notes=tuple(notes))


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
