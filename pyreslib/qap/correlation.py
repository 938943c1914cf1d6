"""QAP correlation between two matrices (sna's ``gcor`` with ``qaptest``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge
from pyreslib.ergm.tables import (
    SummaryMixin,
    html_table,
    latex_table,
    text_table,
)
from pyreslib.errors import InputError
from pyreslib.qap.inputs import _DIST_ROWS, _aligned, _check_reps_seed, _dyads

__all__ = ["QAPCorrelation", "QAPSummary", "qap_correlation"]

# ---- QAP correlation -------------------------------------------------------------------------

@dataclass
class QAPSummary(SummaryMixin):
    """A summary table (rows of formatted cells) with the lines printed around it."""

    title: str
    header: Sequence[str]
    rows: list[tuple[str, list[str]]]
    notes: list[str] = field(default_factory=list)
    text_extra: list[str] = field(default_factory=list)  # shown by as_text only
    stars: list[str] | None = None

    def as_text(self) -> str:
        header, rows = list(self.header), self.rows
        if self.stars is not None:  # R's layout: the codes in a column of their own
            header = header + [""]
            rows = [(n, [*cells, s]) for (n, cells), s in zip(rows, self.stars)]
        return "\n".join([self.title, "", text_table(header, rows), "", *self.notes,
                          *self.text_extra])

    def _starred(self) -> list[tuple[str, list[str]]]:
        if self.stars is None:
            return self.rows
        return [(n, [*cells[:-1], cells[-1] + s]) for (n, cells), s in zip(self.rows,
                                                                           self.stars)]

    def as_html(self) -> str:
        return html_table(self.header, self._starred(), css_class="qap-summary",
                          caption=self.title, notes=[n for n in self.notes if n.strip()])

    def as_latex(self, caption: str | None = None, label: str = "tab:qap") -> str:
        return latex_table(self.header, self._starred(), caption=caption or self.title,
                           label=label, notes=[n.strip() for n in self.notes if n.strip()])


def _p(p: float) -> str:
    return "NA" if not np.isfinite(p) else f"{p:.4g}"


def _distribution(dist: np.ndarray) -> pd.Series:
    """sna's permutation distribution summary (R's default quantiles, type 7)."""
    q = np.quantile(dist, [0, 0.25, 0.5, 0.75, 1]) if dist.size else np.full(5, np.nan)
    mean = float(np.mean(dist)) if dist.size else np.nan
    return pd.Series([q[0], q[1], q[2], mean, q[3], q[4]], index=list(_DIST_ROWS))


@dataclass
class QAPCorrelation:
    """A QAP test of the graph correlation of two matrices (:func:`qap_correlation`).

    ``correlation``: Pearson's r over the dyads; ``pvalue_greater``/``pvalue_less``: sna's
    ``p(f(perm) >= f(d))`` and ``p(f(perm) <= f(d))``; ``pvalue``: the two-sided
    ``mean(|r_perm| >= |r|)``; ``distribution``: the permuted correlations (``reps``);
    ``labels``: the city order sent to R.
    """

    correlation: float
    pvalue: float
    pvalue_greater: float
    pvalue_less: float
    distribution: np.ndarray
    nobs: int
    reps: int
    seed: int
    directed: bool
    labels: list[str]
    sna_version: str = ""

    def distribution_summary(self) -> pd.Series:
        """Min, quartiles, mean and max of the permuted correlations, as sna prints them."""
        return _distribution(self.distribution)

    def to_frame(self) -> pd.DataFrame:
        """One row: correlation, the three p-values, dyads, reps and seed."""
        return pd.DataFrame([{"correlation": self.correlation, "Pr(>=|r|)": self.pvalue,
                              "Pr(>=r)": self.pvalue_greater, "Pr(<=r)": self.pvalue_less,
                              "nobs": self.nobs, "reps": self.reps, "seed": self.seed}])

    def summary(self) -> QAPSummary:
        """sna's ``summary(qaptest(...))``, with the two-sided p-value beside the tails."""
        d = self.distribution_summary()
        rows = [("Graph correlation", [f"{self.correlation:.6g}"]),
                ("p(f(perm) >= f(d))", [_p(self.pvalue_greater)]),
                ("p(f(perm) <= f(d))", [_p(self.pvalue_less)]),
                ("p(|f(perm)| >= |f(d)|)", [_p(self.pvalue)])]
        rows += [(f"Permuted: {k}", [f"{v:.4g}"]) for k, v in d.items()]
        notes = [(f"QAP test: {self.reps} permutations of the cities (seed {self.seed}); "
                 f"{self.nobs} dyads ({'directed' if self.directed else 'undirected'}); "
                 f"sna {self.sna_version} via pyreslib.")]
        return QAPSummary("QAP Test Results (sna::qaptest of sna::gcor)", ["Value"], rows, notes)

    def __repr__(self) -> str:
        return (f"<QAPCorrelation r={self.correlation:.4f}, p={self.pvalue:.4g} (two-sided), "
                f"{self.reps} permutations, seed {self.seed}, {self.nobs} dyads>")


def qap_correlation(x: Any, y: Any, *, reps: int = 1000, seed: int | None = None,
                    directed: bool = False) -> QAPCorrelation:
    """QAP test of the graph correlation between two square matrices.

    The statistic is Pearson's correlation over the dyads (``sna::gcor``); its null
    distribution comes from ``reps`` random relabellings of the cities (``sna::qaptest``
    permutes the rows and columns of both matrices).

    .. math:: r = \\mathrm{cor}\\big(\\{x_{ij}\\}, \\{y_{ij}\\}\\big), \\qquad
              p_{\\ge} = \\tfrac{1}{R}\\sum_{k=1}^R 1[r_k \\ge r], \\qquad
              p = \\tfrac{1}{R}\\sum_{k=1}^R 1[|r_k| \\ge |r|]

    with r_k the correlation after the k-th random relabelling (``sna`` reports the two
    tails; the two-sided p is computed from the same draws, as ``netlm``'s ``Pr(>=|b|)``).

    Parameters
    ----------
    x, y : DataFrame labelled by city, networkx graph, or numpy array
        Stage networks (weighted adjacency) or dyadic covariates over the same cities.
    reps : int
        Permutations, 1 to 100,000.
    seed : int, optional
        Seeds R's generator (``set.seed``); drawn at random when None (``results.seed``).
    directed : bool
        False (default): symmetric matrices, each dyad once (sna's ``mode="graph"``).

    Returns
    -------
    QAPCorrelation

    References
    ----------
    Krackhardt, D. (1987). QAP partialling as a test of spuriousness. *Social Networks* 9,
    171-186.  Butts, C. T. (2008), *J. Stat. Softw.* 24(6) (``sna``).

    Examples
    --------
    >>> from pyreslib.network import border_matrix, proximity_matrix
    >>> cities = [110000, 120000, 130100, 130200, 130300, 130400, 130500, 130600, 130700]
    >>> test = qap_correlation(proximity_matrix(cities), border_matrix(cities), reps=100,
    ...                        seed=1)
    >>> test
    <QAPCorrelation r=0.7592, p=0 (two-sided), 100 permutations, seed 1, 36 dyads>
    >>> test.pvalue_greater, test.pvalue_less
    (0.0, 1.0)
    """
    reps, seed = _check_reps_seed(reps, seed)
    (mx, my), labels, _ = _aligned([("x", x), ("y", y)], directed)
    rows, cols = _dyads(len(labels), bool(directed))
    for name, m in (("x", mx), ("y", my)):
        if np.ptp(m[rows, cols]) == 0:
            raise InputError(f"{name}: every dyad has the same value, so the correlation is "
                             "undefined; give a matrix that varies across city pairs.")
    value = bridge.as_dict(bridge.call(
        "pyreslib_qap_cor", context="the QAP correlation test (sna::qaptest)", x=mx, y=my,
        mode="digraph" if directed else "graph", reps=reps, seed=seed))
    return QAPCorrelation(
        correlation=bridge.as_float(value["cor"]), pvalue=bridge.as_float(value["pgreqabs"]),
        pvalue_greater=bridge.as_float(value["pgreq"]),
        pvalue_less=bridge.as_float(value["pleeq"]),
        distribution=bridge.as_float_array(value["dist"]),
        nobs=int(bridge.as_float(value["nobs"])), reps=reps, seed=seed,
        directed=bool(directed), labels=labels,
        sna_version=str(value["sna_version"][0]))


