"""btergm through pyreslib vs the same btergm call in a plain Rscript.

The data: the bundled demo's three stages (92, 158 and 257 cities) with the study's
covariates as the main job builds them (``pyreslib.stagemodels``: z-scored log node
covariates, standardised proximity, shared borders, per stage), the study model plus
``memory(type='stability')``, R = 500 bootstrap replicates (quick: 100), node sets "union".
pyreslib times ``pyreslib.temporal.btergm(...)`` on a warm btergm worker (validation, the
stage series, conversion, the fit, reading back the replicates and the serialized fit); the
anchor times only the ``btergm()`` call inside Rscript, on the same objects (read from an RDS
file and built as pyreslib builds them), after a warm-up call, with the same seed.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
from _demo_stages import demo_stage_models
from _harness import Measurement

FORMULA = ("edges + nodecov('economic') + nodecov('education') + nodecov('science') "
           "+ edgecov('proximity') + edgecov('adjacency') + memory(type='stability')")
R_FORMULA = ('edges + nodecov("economic") + nodecov("education") + nodecov("science") '
             '+ edgecov(proximity) + edgecov(adjacency) + memory(type = "stability", lag = 1)')
SEED = 5

R_SCRIPT = r"""
suppressMessages({library(ergm); library(btergm)})
args <- commandArgs(trailingOnly = TRUE)
d <- readRDS(args[[1]])
R <- as.integer(args[[2]])
networks <- lapply(seq_along(d$ties), function(t) {
  m <- d$ties[[t]]
  dimnames(m) <- list(d$labels[[t]], d$labels[[t]])
  nw <- network::network(m, directed = FALSE, matrix.type = "adjacency")
  for (v in names(d$vertex_attributes[[t]]))
    network::set.vertex.attribute(nw, v, as.numeric(d$vertex_attributes[[t]][[v]]))
  nw
})
for (name in names(d$edge_covariates)) {
  assign(name, lapply(seq_along(d$ties), function(t) {
    m <- d$edge_covariates[[name]][[t]]
    dimnames(m) <- list(d$edge_labels[[name]][[t]], d$edge_labels[[name]][[t]])
    m
  }))
}
f <- networks ~ FORMULA
fit_once <- function(R) {
  set.seed(SEED)
  suppressWarnings(btergm(f, R = R, offset = d$offset, verbose = FALSE))
}
invisible(fit_once(10L))  # warm-up: btergm's and ergm's lazily loaded code
t <- system.time(fit <- fit_once(R))
cat(sprintf("%.17g", coef(fit)[[1]]), "\n")
cat(t[["elapsed"]], "\n")
""".replace("FORMULA", R_FORMULA).replace("SEED", str(SEED))


def _inputs():
    models = demo_stage_models("study")
    stages, nodes, proximity, adjacency = {}, {}, {}, {}
    for label, m in models.items():
        names = list(m.vertex_names)
        stages[label] = pd.DataFrame(m.adjacency, index=names, columns=names)
        nodes[label] = m.node_covariates.set_axis(names, axis=0)
        proximity[label] = pd.DataFrame(m.edge_covariates["proximity"], index=names,
                                        columns=names)
        adjacency[label] = pd.DataFrame(m.edge_covariates["adjacency"], index=names,
                                        columns=names)
    return stages, nodes, {"proximity": proximity, "adjacency": adjacency}


def run(quick: bool) -> list[Measurement]:
    from pyreslib.ergm import bridge
    from pyreslib.temporal import btergm, stage_series
    from pyreslib.temporal.btergm import prepare
    from pyreslib.temporal.terms import parse_btergm

    R = 100 if quick else 500
    repeats = 2 if quick else 3
    stages, nodes, edges = _inputs()
    series = stage_series(stages, node_covariates=nodes, edge_covariates=edges)
    parsed = parse_btergm(FORMULA, node_covariates=series.node_covariates,
                          edge_covariates=series.edge_covariates, directed=False, stages=3)
    data = prepare(series, parsed)
    workdir = Path(tempfile.mkdtemp(prefix="pyreslib-bench-temporal-"))
    bridge.session().ro.r["saveRDS"](bridge.named_list({
        k: data[k] for k in ("ties", "labels", "vertex_attributes", "edge_covariates",
                             "edge_labels", "offset")}), str(workdir / "inputs.rds"))
    (workdir / "btergm.R").write_text(R_SCRIPT, encoding="utf-8")
    env = {**os.environ, "R_LIBS": ":".join(bridge.session().lib_paths)}

    def ours() -> float:
        t0 = time.perf_counter()
        fit = btergm(stages, FORMULA, node_covariates=nodes, edge_covariates=edges, R=R,
                     seed=SEED)
        ours.edges = float(fit.params.iloc[0])
        return time.perf_counter() - t0

    def anchor() -> float:
        done = subprocess.run(["Rscript", str(workdir / "btergm.R"), str(workdir / "inputs.rds"),
                               str(R)], capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"plain Rscript anchor failed:\n{done.stderr[-2000:]}")
        first, seconds = done.stdout.strip().splitlines()[-2:]
        anchor.edges = float(first)
        return float(seconds)

    btergm(stages, FORMULA, node_covariates=nodes, edge_covariates=edges, R=10, seed=SEED)
    ours_all, anchor_all = [], []
    try:
        for _ in range(repeats):
            ours_all.append(ours())
            anchor_all.append(anchor())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    same = abs(ours.edges - anchor.edges) <= 1e-8 * max(1.0, abs(anchor.edges))
    seconds, anchor_seconds = statistics.median(ours_all), statistics.median(anchor_all)
    cities = ", ".join(str(int(series.present[t].sum())) for t in range(len(series)))
    return [Measurement(
        name=f"btergm, R = {R}: the demo's three stages, pyreslib vs plain Rscript",
        what=f"median of {repeats} alternating btergm fits (study model + memory, {R} "
             f"bootstrap replicates, node sets 'union', stages of {cities} cities) through "
             "pyreslib.temporal.btergm on a warm btergm worker: validation, stage series, "
             "conversion, fit, reading the replicates and the serialized fit back",
        anchor="the btergm() call alone in a plain Rscript on the same objects (after a "
               "warm-up call), the same seed",
        seconds=seconds, anchor_seconds=anchor_seconds, samples=ours_all,
        anchor_samples=anchor_all, max_ratio=1.05,
        target="ratio at most 1.05 (issue 27)",
        extra={"same estimates as the anchor (edges, to 1e-8)": "yes" if same else "NO",
               "quick run": "yes (R = 100; the target is for R = 500)" if quick else "no"},
    )]
