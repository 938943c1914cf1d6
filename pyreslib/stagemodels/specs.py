"""The built-in ERGM specifications of the stage models: the one registry (:data:`MODELS`).

The reference study (docs/method.md, section 6) explains the binary stage network by

    edges + nodecov(economic development) + nodecov(education spending)
          + nodecov(science & technology spending) + edgecov(geographic proximity)
          + edgecov(spatial adjacency)

:func:`study_model`.  The recommended dyad-dependent extension (:func:`extended_model`) adds
``gwesp`` and ``gwdegree`` with fixed decays, which capture triadic closure and degree
heterogeneity (Snijders, Pattison, Robins & Handcock 2006, *Sociol. Methodol.* 36,
doi:10.1111/j.1467-9531.2006.00176.x) so the covariate effects are not confounded with them,
and, in every stage after the first, the previous stage's tie as an edge covariate
(``edgecov('memory')``, :func:`pyreslib.stagemodels.build.memory_matrix`): a network's past
ties predict its present ones.

Examples
--------
>>> from pyreslib.stagemodels.specs import MODELS, specs_of
>>> sorted(MODELS)
['extended', 'study']
>>> [spec.name for spec in specs_of(["study"])]
['study']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyreslib import study
from pyreslib.errors import InputError

__all__ = ["MEMORY", "MODELS", "ModelSpec", "builtin_formulas", "extended_model", "model_specs",
           "specs_of", "study_model"]

MEMORY = study.MEMORY_COVARIATE
"""The edge covariate of the previous stage's tie (:func:`pyreslib.stagemodels.build.memory_matrix`)."""


@dataclass(frozen=True)
class ModelSpec:
    """A named ERGM specification: the formula over pyreslib's standard covariate names."""

    name: str
    formula: str
    description: str
    control: Mapping[str, Any] = field(default_factory=dict)


def study_model() -> ModelSpec:
    """The reference study's stage model (dyad-independent, fit by exact MLE)."""
    return ModelSpec(
        "study",
        study.STUDY_FORMULA,
        "edges, three node covariates (log GDP per capita, log education and S&T spending, "
        "z-scored in the stage), geographic proximity (-ln km), shared border",
    )


def extended_model(gwesp_decay: float = 0.5, gwdegree_decay: float = 0.5, *,
                   memory: bool = True) -> ModelSpec:
    """The study model plus ``gwesp`` and ``gwdegree`` with fixed decays (MCMC-MLE) and, with
    ``memory``, the previous stage's tie (``edgecov('memory')``; left out of a stage fitted
    without a previous one, see :func:`stage_model`)."""
    formula = (study_model().formula
               + f" + gwesp({gwesp_decay}, fixed=TRUE) + gwdegree({gwdegree_decay}, fixed=TRUE)")
    described = f"study model + gwesp({gwesp_decay}) + gwdegree({gwdegree_decay}), fixed decays"
    if memory:
        formula += f" + edgecov('{MEMORY}')"
        described += " + the previous stage's tie (from the second stage on)"
    return ModelSpec("extended", formula, described)


MODELS: dict[str, Callable[[], ModelSpec]] = {"study": study_model, "extended": extended_model}
"""The built-in models by name: the one registry (the config's ``[ergm] models`` names them)."""


def builtin_formulas() -> dict[str, str]:
    """Name -> formula of every built-in model (:data:`MODELS`)."""
    return {name: make().formula for name, make in MODELS.items()}


def model_specs(formulas: Mapping[str, str]) -> list[ModelSpec]:
    """The specifications of ``formulas`` (name -> formula, as
    :meth:`pyreslib.config.ErgmConfig.formulas` gives them): built-in names with their own
    description, any other as a custom model."""
    specs = []
    for name, formula in formulas.items():
        builtin = MODELS[name]() if name in MODELS else None
        if builtin is not None and builtin.formula == formula:
            specs.append(builtin)
        else:
            specs.append(ModelSpec(name, formula, "custom model from the config"))
    return specs


def specs_of(models: Sequence[str | ModelSpec]) -> list[ModelSpec]:
    """``models`` as specifications: built-in names (:data:`MODELS`) or :class:`ModelSpec`."""
    specs = []
    for m in models:
        if isinstance(m, ModelSpec):
            specs.append(m)
        elif m in MODELS:
            specs.append(MODELS[m]())
        else:
            raise InputError(f"models: unknown model {m!r}; use {sorted(MODELS)} or a ModelSpec.")
    return specs
