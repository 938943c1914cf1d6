"""The bundled demo's three stage networks as ERGMs, and the same inputs for plain R scripts.

Shared by the ERGM benchmarks.  Each stage gets the study model's covariates as
``pyreslib.models.stage_model`` builds them (z-scored log node covariates, standardised
-ln km proximity, shared borders); from the second stage on, ``memory`` is the previous
stage's tie between the two cities (0 where either city was absent from that stage).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

STUDY = ("edges + nodecov('economic') + nodecov('education') + nodecov('science') "
         "+ edgecov('proximity') + edgecov('adjacency')")
DEPENDENCE = " + gwesp(0.5, fixed=TRUE) + gwdegree(0.5, fixed=TRUE)"
MEMORY = " + edgecov('memory')"


def extended_formula(stage_index: int) -> str:
    """The extended (dyad-dependent) model of the stage at ``stage_index`` (0 = first)."""
    return STUDY + DEPENDENCE + (MEMORY if stage_index > 0 else "")


def r_formula(formula: str) -> str:
    """The same right-hand side in R's spelling (double quotes), for the plain R scripts."""
    return formula.replace("'", '"')


def memory_matrix(previous: pd.DataFrame, vertex_names: list[str]) -> np.ndarray:
    """1 where the two cities were tied in the previous stage, 0 otherwise or if absent then."""
    aligned = previous.reindex(index=vertex_names, columns=vertex_names, fill_value=0)
    return aligned.to_numpy(dtype=float)


def demo_stage_models(model: str = "extended"):
    """``{stage label: ERGM}`` for the demo's stages; ``model`` is "study" or "extended"."""
    from pyreslib import datasets, ingest, models
    from pyreslib.ergm import ERGM

    patents, covariates_path = datasets.load_demo()
    networks = ingest.ingest_file(patents).networks
    covariates = pd.read_csv(covariates_path)
    out = {}
    previous: pd.DataFrame | None = None
    for index, (label, graph) in enumerate(networks.items()):
        base = models.stage_model(graph, covariates, models.stage_years(label),
                                  models.study_model())
        names = base.vertex_names
        edges = dict(base.edge_covariates)
        formula = STUDY
        if model == "extended":
            formula = extended_formula(index)
            if previous is not None:
                edges["memory"] = memory_matrix(previous, names)
        out[label] = ERGM(pd.DataFrame(base.adjacency, index=names, columns=names), formula,
                          node_covariates=base.node_covariates, edge_covariates=edges)
        previous = pd.DataFrame(base.adjacency, index=names, columns=names)
    return out


def save_rds(models_by_stage, path: Path) -> None:
    """Write ``list(<stage> = list(adj, names, covs, edge))`` for the plain R scripts."""
    from pyreslib.ergm import bridge

    stages = []
    for label, m in models_by_stage.items():
        covs = {c: m.node_covariates[c].astype(float).tolist() for c in m.node_covariates}
        stages.append((label, bridge.named_list({
            "adj": m.adjacency, "names": list(m.vertex_names), "covs": covs,
            "edge": dict(m.edge_covariates)})))
    bridge.session().ro.r["saveRDS"](bridge.named_list(stages), str(path))


# Builds a network from one stage of save_rds()'s file, exactly as r/pyreslib.R does.
R_READ_STAGES = """
suppressMessages({library(ergm)})
stage_network <- function(d) {
  nw <- network::network(d$adj, directed = FALSE, matrix.type = "adjacency")
  network::set.vertex.attribute(nw, "vertex.names", d$names)
  for (v in names(d$covs)) network::set.vertex.attribute(nw, v, d$covs[[v]])
  for (e in names(d$edge)) network::set.network.attribute(nw, e, d$edge[[e]])
  nw
}
"""
