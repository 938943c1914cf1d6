"""The reference study's ERGMs, one per stage network: specifications, inputs, fits, main-job step.

The modules follow a fit's journey: :mod:`~pyreslib.stagemodels.specs` (the built-in models,
one registry), :mod:`~pyreslib.stagemodels.covariates` (the covariates file, read and checked
in full, and node covariates per stage), :mod:`~pyreslib.stagemodels.coverage` (which cities
and years of the stage networks it covers),
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
from pyreslib.stagemodels.covariates import (
    check_covariates,
    covariate_coverage,
    read_covariates,
    stage_node_covariates,
)
from pyreslib.stagemodels.coverage import CovariateCoverage
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
    "CovariateCoverage",
    "ModelSpec",
    "StageFits",
    "check_covariates",
    "compare_profiles",
    "covariate_coverage",
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
