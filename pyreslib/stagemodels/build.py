"""The ERGM of each stage network: adjacency, node and edge covariates, the stage's formula.

Geographic proximity is -ln(great-circle km between seats) and adjacency is 1 for a shared land
border (:mod:`pyreslib.network`); node covariates come from
:mod:`pyreslib.stagemodels.covariates`; every choice is a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib import network as netmod
from pyreslib import study
from pyreslib.ergm import ERGM
from pyreslib.ergm.formula import parse_formula
from pyreslib.errors import InputError, PyreslibError
from pyreslib.stagemodels.covariates import check_covariates, stage_node_covariates
from pyreslib.stagemodels.specs import MEMORY, ModelSpec
from pyreslib.stages import parse_stages

__all__ = ["EDGE_COVARIATES", "memory_matrix", "stage_formula", "stage_model", "stage_models",
           "stage_years"]

EDGE_COVARIATES = study.EDGE_COVARIATES


def stage_model(network: nx.Graph, covariates: pd.DataFrame, years: tuple[int, int],
                spec: ModelSpec, *, threshold: int = 1, log: bool = True,
                standardise: bool = True, proximity: str = "neg_log",
                previous: nx.Graph | None = None) -> ERGM:
    """The ERGM of one stage network under ``spec`` (binary at ``threshold``).

    With ``standardise`` (default) node covariates are z-scored across the stage's cities and
    proximity across its dyads, so coefficients are per standard deviation and ``edges`` is
    the baseline log-odds of a tie.  ``previous`` is the previous stage's network: it gives
    the ``memory`` edge covariate (:func:`memory_matrix`, at the same ``threshold``).  Without
    it (a first stage) the terms of ``spec`` that use ``memory`` are left out
    (:func:`stage_formula`).
    """
    adcodes = sorted(network.nodes)
    adjacency = netmod.binary_adjacency(network, threshold=threshold)
    adjacency.index = adjacency.columns = [str(a) for a in adjacency.index]
    node_covs = stage_node_covariates(covariates, adcodes, years, log=log, standardise=standardise)
    closeness = netmod.proximity_matrix(adcodes, transform=proximity).to_numpy()
    if standardise:
        # z-score over the dyads so that `edges` is the log-odds of a tie at average
        # proximity; unscaled, -ln(km) is about -6 for every pair and `edges` absorbs it.
        off = ~np.eye(len(adcodes), dtype=bool)
        sd = closeness[off].std() or 1.0
        closeness = np.where(off, (closeness - closeness[off].mean()) / sd, 0.0)
    edge_covs = {
        "proximity": closeness,
        "adjacency": netmod.border_matrix(adcodes).to_numpy().astype(float),
    }
    if previous is not None:
        edge_covs[MEMORY] = memory_matrix(previous, adcodes, threshold=threshold)
    formula = stage_formula(spec, first=previous is None)
    return ERGM(adjacency, formula, node_covariates=node_covs, edge_covariates=edge_covs)


def stage_formula(spec: ModelSpec, *, first: bool) -> str:
    """``spec``'s formula for a stage; in the ``first`` stage (no previous stage, so no
    ``memory`` covariate) without the terms that use ``memory``."""
    if not first:
        return spec.formula
    parsed = parse_formula(spec.formula, node_covariates=study.FORMULA_NODE_COVARIATES,
                           edge_covariates=study.FORMULA_EDGE_COVARIATES)
    if MEMORY not in parsed.edge_covariates:
        return spec.formula
    kept = [t.render() for t in parsed.terms if MEMORY not in t.edge_covariates]
    if not kept:
        raise InputError(f"model {spec.name!r}: every term uses edgecov('{MEMORY}'), which the "
                         "first stage does not have; add terms such as edges.")
    return " + ".join(kept)


def memory_matrix(previous: nx.Graph, adcodes: Sequence[int], *,
                  threshold: int = 1) -> np.ndarray:
    """The ``memory`` covariate of a stage: 1 where two of its cities (``adcodes``, in the
    stage's order) were tied in the ``previous`` stage's network (weight at least
    ``threshold``), 0 otherwise, including where either city was absent from it."""
    before = netmod.binary_adjacency(previous, threshold=threshold)
    aligned = before.reindex(index=list(adcodes), columns=list(adcodes), fill_value=0)
    return aligned.to_numpy(dtype=float)


def stage_years(label: str) -> tuple[int, int]:
    """First and last year of a stage label such as ``"2011-2014"`` (or ``"2015"``)."""
    (stage,) = parse_stages([label])
    return stage.start, stage.end


def stage_models(
    networks: Mapping[str, nx.Graph],
    covariates: pd.DataFrame,
    specs: Sequence[ModelSpec],
    *,
    threshold: int = 1,
    log: bool = True,
    standardise: bool = True,
) -> tuple[dict[tuple[str, str], ERGM], dict[tuple[str, str], str]]:
    """Every (stage, model) ERGM of ``networks`` (in stage order: each stage's ``memory`` is
    the one before it; see :func:`stage_model`), and the (stage, model) whose inputs could not
    be built, with the reason (e.g. a city without covariates).

    ``log`` and ``standardise`` are :func:`stage_model`'s (``[covariates]`` of a run's
    config).  ``covariates`` is checked once first (:func:`check_covariates`): a table with a
    repeated city and year or a value that is not finite raises :class:`InputError` here,
    since no stage could use it.
    """
    covariates = check_covariates(covariates)
    built: dict[tuple[str, str], ERGM] = {}
    failed: dict[tuple[str, str], str] = {}
    previous = None
    for label, graph in networks.items():
        years = stage_years(label)
        for spec in specs:
            try:
                built[(label, spec.name)] = stage_model(
                    graph, covariates, years, spec, threshold=threshold, log=log,
                    standardise=standardise, previous=previous)
            except PyreslibError as exc:
                failed[(label, spec.name)] = str(exc)
        previous = graph
    return built, failed
