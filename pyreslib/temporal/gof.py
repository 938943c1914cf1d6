"""btergm's goodness of fit, read into tables: per statistic the observed against the
simulated networks, and the ROC and precision-recall curves of tie prediction.

btergm's ``gof`` simulates ``nsim`` networks per modelled stage from the fitted TERGM and
compares, per statistic (degree, edgewise shared partners, geodesic distances, ...), the
observed values with the simulated ones (:class:`GOFStatistic`: btergm's table of observed
and simulated mean, median, minimum and maximum with the p-value of their difference).
``"rocpr"`` asks how well the simulated networks predict the observed ties: each dyad's share
of the simulations holding the tie is its predicted probability, and the receiver-operating
characteristic (true- against false-positive rate over the cut-offs) and the
precision-recall curve (precision against recall) of those predictions, with the areas under
them (AUC-ROC, AUC-PR), are compared with those of a Bernoulli random graph of the observed
density (Leifeld, Cranmer and Desmarais 2018, section 6).  The curves are returned as
points; drawing them is the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge
from pyreslib.errors import InputError, excerpt_repr

__all__ = ["GOF_STATISTICS", "BtergmGOF", "GOFStatistic", "check_gof_statistics", "read_gof"]

GOF_STATISTICS = ("dsp", "esp", "nsp", "deg", "ideg", "odeg", "b1deg", "b2deg", "istar",
                  "ostar", "kstar", "kcycle", "geodesic", "triad.directed",
                  "triad.undirected", "comemb", "rocpr", "walktrap.modularity",
                  "fastgreedy.modularity", "louvain.modularity",
                  "edgebetweenness.modularity")
"""btergm's statistic functions pyreslib passes to ``gof(statistics = c(...))``."""


def check_gof_statistics(statistics: Sequence[str]) -> tuple[str, ...]:
    if isinstance(statistics, str):
        statistics = (statistics,)
    if not isinstance(statistics, Sequence) or not statistics:
        raise InputError("statistics: give a list of btergm's GOF statistics, e.g. "
                         "['deg', 'esp', 'geodesic', 'rocpr'].")
    for s in statistics:
        if not isinstance(s, str) or s not in GOF_STATISTICS:
            raise InputError(f"statistics: {excerpt_repr(s)} is not a btergm GOF statistic; "
                             f"choose from {', '.join(GOF_STATISTICS)}.")
    if len(set(statistics)) != len(statistics):
        raise InputError(f"statistics: {list(statistics)} names a statistic twice.")
    return tuple(statistics)


@dataclass
class GOFStatistic:
    """One statistic: ``table`` (btergm's comparison: observed and simulated summaries and
    ``Pr(>z)``, one row per value of the statistic) and ``simulated`` (values x
    simulations); or, for a one-number statistic, ``observed`` and ``simulated`` values."""

    label: str
    table: pd.DataFrame | None = None
    simulated: pd.DataFrame | np.ndarray | None = field(default=None, repr=False)
    observed: np.ndarray | None = None


@dataclass
class BtergmGOF:
    """btergm's goodness of fit (:meth:`BtergmResults.gof`).

    ``statistics``: label -> :class:`GOFStatistic`; with ``"rocpr"``: ``auc`` (AUC-ROC and
    AUC-PR of the model and of the random graph), ``roc`` and ``pr`` (the curves' points:
    columns ``curve`` ("model", "random graph"), ``x``, ``y`` and ``cutoff``; x, y are the
    false- and true-positive rates for ROC, recall and precision for PR).
    """

    statistics: dict[str, GOFStatistic]
    nsim: int
    seed: int
    asked: tuple[str, ...]
    auc: pd.DataFrame | None = None
    roc: pd.DataFrame | None = field(default=None, repr=False)
    pr: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def auc_roc(self) -> float:
        return float(self.auc.loc["model", "AUC-ROC"]) if self.auc is not None else np.nan

    @property
    def auc_pr(self) -> float:
        return float(self.auc.loc["model", "AUC-PR"]) if self.auc is not None else np.nan

    def __repr__(self) -> str:
        auc = f", AUC-ROC {self.auc_roc:.4f}, AUC-PR {self.auc_pr:.4f}" if (
            self.auc is not None) else ""
        return (f"<BtergmGOF {', '.join(self.statistics)}{auc}; {self.nsim} simulations per "
                f"stage, seed {self.seed}>")


def _curve(parts: dict, key: str, label: str) -> pd.DataFrame | None:
    if key not in parts:
        return None
    points = bridge.as_dict(parts[key])
    x = bridge.as_float_array(points["x"])
    return pd.DataFrame({"curve": label, "x": x, "y": bridge.as_float_array(points["y"]),
                         "cutoff": bridge.as_float_array(points["cutoff"])})


def read_gof(value, *, nsim: int, seed: int, statistics: tuple[str, ...]) -> BtergmGOF:
    """The plain list of ``r/btergm.R``'s ``pyreslib_btergm_gof`` as a :class:`BtergmGOF`."""
    out = BtergmGOF({}, nsim=nsim, seed=seed, asked=statistics)
    for item in value:
        parts = bridge.as_dict(item)
        label, kind = str(parts["label"][0]), str(parts["type"][0])
        if kind in ("rocpr", "roc", "pr"):
            auc = {"AUC-ROC": [bridge.as_float(parts["auc_roc"]),
                               bridge.as_float(parts["auc_roc_rgraph"])],
                   "AUC-PR": [bridge.as_float(parts["auc_pr"]),
                              bridge.as_float(parts["auc_pr_rgraph"])]}
            out.auc = pd.DataFrame(auc, index=["model", "random graph"])
            rocs = [c for c in (_curve(parts, "roc", "model"),
                                _curve(parts, "roc_rgraph", "random graph")) if c is not None]
            prs = [c for c in (_curve(parts, "pr", "model"),
                               _curve(parts, "pr_rgraph", "random graph")) if c is not None]
            out.roc = pd.concat(rocs, ignore_index=True) if rocs else None
            out.pr = pd.concat(prs, ignore_index=True) if prs else None
        elif kind == "boxplot":
            rows = bridge.as_str_list(parts["rows"])
            table = pd.DataFrame(bridge.as_matrix(parts["table"]), index=rows,
                                 columns=bridge.as_str_list(parts["columns"]))
            simulated = pd.DataFrame(bridge.as_matrix(parts["simulated"]), index=rows)
            out.statistics[label] = GOFStatistic(label, table=table, simulated=simulated)
        else:
            out.statistics[label] = GOFStatistic(
                label, observed=bridge.as_float_array(parts["observed"]),
                simulated=bridge.as_float_array(parts["simulated"]))
    return out
