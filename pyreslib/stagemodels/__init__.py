"""The reference study's ERGMs, one per stage network: specifications, inputs, fits, main-job step.

The modules follow a fit's journey: :mod:`~pyreslib.stagemodels.specs` (the built-in models,
one registry), :mod:`~pyreslib.stagemodels.covariates` (node covariates per stage),
:mod:`~pyreslib.stagemodels.build` (the ERGM of each stage), :mod:`~pyreslib.stagemodels.fitting`
(one job builder and one worker-pool loop: :func:`fit_stages`) and
:mod:`~pyreslib.stagemodels.step` (the main job's ERGM step: fits, diagnostics, tests, pooled
comparison).  The names below are the public entry points.
"""

from pyreslib.stagemodels.build import (
    memory_matrix,
    stage_formula,
    stage_model,
    stage_models,
    stage_years,
)
from pyreslib.stagemodels.covariates import read_covariates, stage_node_covariates
from pyreslib.stagemodels.fitting import (
    StageFits,
    compare_profiles,
    estimates_table,
    fit_stages,
    stage_comparison,
)
from pyreslib.stagemodels.specs import MODELS, ModelSpec, extended_model, study_model

__all__ = [
    "MODELS",
    "ModelSpec",
    "StageFits",
    "compare_profiles",
    "estimates_table",
    "extended_model",
    "fit_stages",
    "memory_matrix",
    "read_covariates",
    "stage_comparison",
    "stage_formula",
    "stage_model",
    "stage_models",
    "stage_node_covariates",
    "stage_years",
    "study_model",
]
