"""The main job's QAP step: MRQAP of every stage network on the ERGM's covariates, and QAP
correlations between stages and with the dyadic covariates.

:func:`run_qap_step` is what :func:`pyreslib.analysis.run` calls for ``[qap]``:

1. **MRQAP per stage** (:func:`pyreslib.qap.mrqap`).  For each stage of ``qap.stages`` (all
   by default) and each model of ``qap.kinds``: ``"lm"``, sna's netlm on the collaboration
   counts (``qap.transform``: raw or log1p), and ``"logit"``, netlogit on the ties (weight at
   least ``qap.threshold``).  The regressors are exactly the study ERGM's inputs of that
   stage, built by :func:`pyreslib.stagemodels.build.stage_model` (so read and checked by
   :mod:`pyreslib.stagemodels.covariates`): the three node covariates (stage means, logged
   and z-scored as ``[covariates]`` says), entered as dyadic sums x_i + x_j or absolute
   differences |x_i - x_j| (``qap.node_form``), and proximity (z-scored over the dyads) and
   adjacency.  With the default sums, the netlogit coefficients are the study ERGM's (a
   dyad-independent ERGM is a logit over the dyads); only the tests differ: the permutation
   null ``qap.null`` with ``qap.reps`` permutations instead of the MPLE's standard errors.
2. **QAP correlations** (``qap.correlations``, :func:`pyreslib.qap.qap_correlation`):
   consecutive stages' count matrices, on the cities both stages hold (matched by adcode,
   never by position), and each stage's counts with proximity and with adjacency.

Every sna call is seeded with the run's ``seed`` (``set.seed(seed)`` before it), so a run
repeats exactly and each table can be reproduced by one call of :mod:`pyreslib.qap` with the
settings recorded beside it (:attr:`QAPStep.settings`).  A stage whose inputs cannot be
built or whose fit fails is recorded in :attr:`QAPStep.failures`, never silently dropped.

Nothing here writes files; :mod:`pyreslib.outputs` does.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from pyreslib import network as netmod
from pyreslib.errors import PyreslibError
from pyreslib.progress import Progress, step
from pyreslib.qap import QAPCorrelation, QAPResults, compare, mrqap, qap_correlation
from pyreslib.stagemodels.build import stage_model, stage_years
from pyreslib.stagemodels.specs import study_model

if TYPE_CHECKING:
    import networkx as nx

    from pyreslib.config import Config
    from pyreslib.ergm import Comparison

__all__ = ["QAPStep", "run_qap_step", "stage_qap_inputs"]

DYADIC = ("proximity", "adjacency")
"""The dyadic covariates of the study's model, in its order."""


@dataclass(frozen=True, eq=False)
class QAPStep:
    """The MRQAP fits and QAP correlations of a run.

    ``fits``: (stage, kind) -> :class:`~pyreslib.qap.QAPResults`, stage by stage in config
    order; ``correlations``: (x, y) -> :class:`~pyreslib.qap.QAPCorrelation`, where x and y
    name a stage's counts (``"counts <stage>"``) or a dyadic covariate of a stage
    (``"<covariate> <stage>"``); ``settings``: what reproduces every number (kinds,
    transform, null, reps, node_form, threshold, seed); ``failures``: (stage, what, message);
    ``notes``: choices made.
    """

    fits: Mapping[tuple[str, str], QAPResults]
    correlations: Mapping[tuple[str, str], QAPCorrelation]
    settings: Mapping[str, Any]
    failures: tuple[tuple[str, str, str], ...] = ()
    notes: tuple[str, ...] = field(default=())

    def comparison(self, kind: str) -> Comparison | None:
        """The ``kind`` fits of every stage side by side (:func:`pyreslib.qap.compare`,
        p-values beneath the coefficients); None when no stage has one."""
        fits = {stage: r for (stage, k), r in self.fits.items() if k == kind}
        return compare(fits, statistic="pvalues") if fits else None

    def estimates(self) -> pd.DataFrame:
        """One row per (stage, kind, term): coefficient, standard error, t or z, the three
        permutation p-values and stars."""
        parts = []
        for (stage, kind), fit in self.fits.items():
            frame = fit.to_frame().rename(columns={"t": "statistic", "z": "statistic"})
            frame.insert(0, "kind", kind)
            frame.insert(0, "stage", stage)
            parts.append(frame.reset_index())
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def correlation_table(self) -> pd.DataFrame:
        """One row per QAP correlation: x, y, r, the three p-values, dyads, reps and seed."""
        rows = []
        for (x, y), test in self.correlations.items():
            rows.append({"x": x, "y": y, "correlation": test.correlation,
                         "Pr(>=|r|)": test.pvalue, "Pr(>=r)": test.pvalue_greater,
                         "Pr(<=r)": test.pvalue_less, "nobs": test.nobs, "reps": test.reps,
                         "seed": test.seed})
        return pd.DataFrame(rows, columns=["x", "y", "correlation", "Pr(>=|r|)", "Pr(>=r)",
                                           "Pr(<=r)", "nobs", "reps", "seed"])


def stage_qap_inputs(network: nx.Graph, covariates: pd.DataFrame, label: str, *,
                     threshold: int = 1, log: bool = True,
                     standardise: bool = True) -> tuple[pd.DataFrame, pd.DataFrame,
                                                        dict[str, pd.DataFrame]]:
    """The counts, the node covariates and the dyadic covariates of one stage, labelled by
    adcode (as text), exactly as the study ERGM of the stage takes them.

    Parameters
    ----------
    network : networkx.Graph
        The stage network (edge ``weight``: collaborations), nodes by adcode.
    covariates : pandas.DataFrame
        The covariates file's table (:func:`pyreslib.stagemodels.covariates.read_covariates`).
    label : str
        The stage, e.g. ``"2011-2014"`` (its years select the covariates).
    threshold, log, standardise
        As :func:`pyreslib.stagemodels.build.stage_model`.

    Returns
    -------
    counts : pandas.DataFrame
        The collaboration counts (0 off-edge and on the diagonal).
    node_covariates : pandas.DataFrame
        Columns ``economic, education, science``, as the ERGM takes them.
    dyadic : dict
        ``{"proximity": ..., "adjacency": ...}``, the ERGM's edge covariates.

    Examples
    --------
    >>> import networkx as nx, pandas as pd
    >>> G = nx.Graph()
    >>> G.add_weighted_edges_from([(110000, 120000, 5), (110000, 130100, 2),
    ...                            (120000, 130200, 1)])
    >>> table = pd.DataFrame({"adcode": [110000, 120000, 130100, 130200], "year": 2011,
    ...                       "gdp_per_capita": [9.0, 7.0, 4.0, 3.0],
    ...                       "education_spending": [5.0, 3.0, 2.0, 2.5],
    ...                       "st_spending": [4.0, 2.0, 1.0, 1.5]})
    >>> counts, node_covs, dyadic = stage_qap_inputs(G, table, "2011-2014")
    >>> counts.to_numpy().tolist()
    [[0, 5, 2, 0], [5, 0, 0, 1], [2, 0, 0, 0], [0, 1, 0, 0]]
    >>> list(node_covs.columns), list(dyadic)
    (['economic', 'education', 'science'], ['proximity', 'adjacency'])
    >>> dyadic["adjacency"].to_numpy().astype(int).tolist()  # Beijing-Tianjin, Tianjin-Tangshan
    [[0, 1, 0, 0], [1, 0, 0, 1], [0, 0, 0, 0], [0, 1, 0, 0]]
    """
    model = stage_model(network, covariates, stage_years(label), study_model(),
                        threshold=threshold, log=log, standardise=standardise)
    labels = list(model.vertex_names)
    counts = netmod.weighted_adjacency(network)
    counts.index = counts.columns = [str(a) for a in counts.index]
    counts = counts.loc[labels, labels]
    dyadic = {name: pd.DataFrame(model.edge_covariates[name], index=labels, columns=labels)
              for name in DYADIC}
    return counts, model.node_covariates.copy(), dyadic


def run_qap_step(cfg: Config, networks: Mapping[str, nx.Graph], covariates: pd.DataFrame,
                 progress: Progress | None = None) -> QAPStep:
    """MRQAP and QAP correlations as ``cfg.qap`` asks (module docstring), seeded by
    ``cfg.seed``; ``covariates`` is the table read from ``cfg.input.covariates``."""
    qc = cfg.qap
    labels = [s for s in networks if not qc.stages or s in qc.stages]
    settings = {"kinds": list(qc.kinds), "transform": qc.transform, "null": qc.null,
                "reps": qc.reps, "node_form": qc.node_form, "threshold": qc.threshold,
                "seed": cfg.seed, "stages": labels, "log": cfg.covariates.log,
                "standardise": cfg.covariates.standardise}
    fits: dict[tuple[str, str], QAPResults] = {}
    tests: dict[tuple[str, str], QAPCorrelation] = {}
    failures: list[tuple[str, str, str]] = []
    notes: list[str] = []
    inputs: dict[str, tuple] = {}
    pairs = list(itertools.pairwise(labels))
    total = len(labels) * (len(qc.kinds) + (len(DYADIC) if qc.correlations else 0))
    total += len(pairs) if qc.correlations else 0
    with step(progress, "QAP and MRQAP", total) as s:
        for label in labels:
            try:
                inputs[label] = stage_qap_inputs(
                    networks[label], covariates, label, threshold=qc.threshold,
                    log=cfg.covariates.log, standardise=cfg.covariates.standardise)
            except PyreslibError as exc:
                failures.append((label, "inputs", str(exc)))
                continue
            counts, node_covs, dyadic = inputs[label]
            for kind in qc.kinds:
                s.describe(f"MRQAP {kind} {label}")
                y = counts if kind == "lm" else (counts >= qc.threshold).astype(float)
                try:
                    fits[(label, kind)] = mrqap(
                        y, dyadic, node_covariates=node_covs, node_form=qc.node_form,
                        kind=kind, null=qc.null, reps=qc.reps, seed=cfg.seed,
                        transform=qc.transform if kind == "lm" else "raw")
                except PyreslibError as exc:
                    failures.append((label, f"MRQAP {kind}", str(exc)))
                s.advance()
            if qc.correlations:
                for name in DYADIC:
                    s.describe(f"QAP correlation {label} {name}")
                    _correlate(tests, failures, f"counts {label}", counts,
                               f"{name} {label}", dyadic[name], qc.reps, cfg.seed, label)
                    s.advance()
        if qc.correlations:
            for before, after in pairs:
                s.describe(f"QAP correlation {before} {after}")
                if before in inputs and after in inputs:
                    a, b = inputs[before][0], inputs[after][0]
                    common = [c for c in a.index if c in set(b.index)]
                    notes.append(f"QAP correlation of stages {before} and {after}: on the "
                                 f"{len(common)} cities both hold ({len(a)} and {len(b)} in "
                                 "each), matched by adcode.")
                    _correlate(tests, failures, f"counts {before}", a.loc[common, common],
                               f"counts {after}", b.loc[common, common], qc.reps, cfg.seed,
                               f"{before} vs {after}")
                s.advance()
    return QAPStep(fits=MappingProxyType(fits), correlations=MappingProxyType(tests),
                   settings=MappingProxyType(settings), failures=tuple(failures),
                   notes=tuple(notes))


def _correlate(tests, failures, x_name, x, y_name, y, reps, seed, stage) -> None:
    try:
        tests[(x_name, y_name)] = qap_correlation(x, y, reps=reps, seed=seed)
    except PyreslibError as exc:
        failures.append((stage, f"QAP correlation {x_name} ~ {y_name}", str(exc)))
