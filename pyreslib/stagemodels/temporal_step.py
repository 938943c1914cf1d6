"""The main job's temporal step: the stages modelled together, with the study ERGM's covariates.

:func:`run_temporal_step` is what :func:`pyreslib.analysis.run` calls for ``[tergm]``:

1. **btergm** (``tergm.btergm``, :func:`pyreslib.temporal.btergm`): a TERGM over the stages
   pooled by bootstrapped MPLE with ``tergm.replicates`` replicates on ``tergm.workers`` R
   processes: the study's terms, ``memory(type=tergm.memory)`` and, with ``tergm.timecov``,
   btergm's linear time trend ``timecov()``;
2. **separable TERGM** (``tergm.separable``, :func:`pyreslib.temporal.tergm`): tergm's CMLE
   over consecutive stages, the study's terms in both the formation and the persistence model.

The covariates are the study ERGM's of each stage (:func:`pyreslib.stagemodels.qap_step.
stage_qap_inputs`, which builds them with :func:`pyreslib.stagemodels.build.stage_model`);
cities absent from a stage follow ``tergm.node_set`` (docs/method.md).  Both fits are seeded
with the run's seed.  A fit that fails is recorded in :attr:`TemporalStep.failures`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from pyreslib import study
from pyreslib.errors import PyreslibError
from pyreslib.progress import Progress, step
from pyreslib.stagemodels.qap_step import DYADIC, stage_qap_inputs

if TYPE_CHECKING:
    import networkx as nx

    from pyreslib.config import Config

__all__ = ["TemporalStep", "run_temporal_step", "temporal_formulas"]

STUDY_TERMS = study.STUDY_FORMULA
"""The study's stage model, the temporal models' covariate terms."""


@dataclass(frozen=True, eq=False)
class TemporalStep:
    """The temporal fits of a run: ``btergm`` (:class:`pyreslib.temporal.BtergmResults` or
    None), ``separable`` (:class:`pyreslib.temporal.SeparableTERGMResults` or None),
    ``description`` (what drives formation and persistence, in words), ``settings`` (what
    reproduces them), ``failures`` ((what, message)) and ``notes``."""

    btergm: Any = None
    separable: Any = None
    description: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)
    failures: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()


def temporal_formulas(memory: str, timecov: bool) -> dict[str, str]:
    """The btergm formula and the separable models' right-hand side of the main job.

    Examples
    --------
    >>> temporal_formulas("stability", True)["btergm"].split(" + ")[-2:]
    ["memory(type='stability')", 'timecov()']
    """
    btergm = STUDY_TERMS + f" + memory(type='{memory}')" + (" + timecov()" if timecov else "")
    return {"btergm": btergm, "formation": STUDY_TERMS, "persistence": STUDY_TERMS}


def run_temporal_step(cfg: Config, networks: Mapping[str, nx.Graph], covariates: pd.DataFrame,
                      progress: Progress | None = None) -> TemporalStep:
    """The temporal models ``cfg.tergm`` asks for (module docstring), seeded by ``cfg.seed``."""
    from pyreslib import temporal

    tc = cfg.tergm
    formulas = temporal_formulas(tc.memory, tc.timecov)
    settings = {"btergm": tc.btergm, "separable": tc.separable, "replicates": tc.replicates,
                "memory": tc.memory, "timecov": tc.timecov, "node_set": tc.node_set,
                "workers": tc.workers, "seed": cfg.seed, "stages": list(networks),
                "formulas": formulas}
    failures: list[tuple[str, str]] = []
    node_covs: dict[str, pd.DataFrame] = {}
    edge_covs: dict[str, dict[str, pd.DataFrame]] = {name: {} for name in DYADIC}
    with step(progress, "temporal models", 1 + tc.btergm + tc.separable) as s:
        try:
            for label, graph in networks.items():
                _, node_covs[label], dyadic = stage_qap_inputs(
                    graph, covariates, label, threshold=cfg.ergm.threshold,
                    log=cfg.covariates.log, standardise=cfg.covariates.standardise)
                for name in DYADIC:
                    edge_covs[name][label] = dyadic[name]
        except PyreslibError as exc:
            return TemporalStep(settings=MappingProxyType(settings),
                                failures=(("inputs", str(exc)),))
        s.advance("inputs")
        common = {"node_covariates": node_covs, "edge_covariates": edge_covs,
                  "node_sets": tc.node_set, "seed": cfg.seed, "threshold": cfg.ergm.threshold}
        bt = sep = None
        description = ""
        if tc.btergm:
            s.describe("btergm")
            try:
                bt = temporal.btergm(dict(networks), formulas["btergm"], R=tc.replicates,
                                     workers=tc.workers, **common)
            except PyreslibError as exc:
                failures.append(("btergm", str(exc)))
            s.advance()
        if tc.separable:
            s.describe("separable TERGM")
            try:
                sep = temporal.tergm(dict(networks), formulas["formation"],
                                     formulas["persistence"], **common)
                description = temporal.describe(sep)
            except PyreslibError as exc:
                failures.append(("separable TERGM", str(exc)))
            s.advance()
    return TemporalStep(btergm=bt, separable=sep, description=description,
                        settings=MappingProxyType(settings), failures=tuple(failures))
