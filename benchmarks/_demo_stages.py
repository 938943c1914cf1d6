"""The bundled demo's three stage networks as ERGMs, and the same inputs for plain R scripts.

Shared by the ERGM benchmarks.  The stage models are the main job's
(``pyreslib.stagemodels.stage_models``): z-scored log node covariates, standardised -ln km
proximity, shared borders and, from the second stage on, ``memory``, the previous stage's
tie between the two cities.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def r_formula(formula: str) -> str:
    """The same right-hand side in R's spelling (double quotes), for the plain R scripts."""
    return formula.replace("'", '"')


def demo_stage_models(model: str = "extended"):
    """``{stage label: ERGM}`` for the demo's stages; ``model`` is "study" or "extended",
    built as the main job builds them (:func:`pyreslib.stagemodels.stage_models`)."""
    from pyreslib import datasets, ingest, stagemodels

    patents, covariates_path = datasets.load_demo()
    networks = ingest.ingest_file(patents).networks
    spec = stagemodels.extended_model() if model == "extended" else stagemodels.study_model()
    built, _ = stagemodels.stage_models(networks, pd.read_csv(covariates_path), [spec])
    return {label: built[(label, spec.name)] for label in networks}


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


# Builds a network from one stage of save_rds()'s file, exactly as r/model.R does.
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
