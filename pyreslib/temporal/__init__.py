"""Temporal models of the stage networks: which ties form, and which persist, across stages.

- :func:`stage_series`: the stages on one node set, matched by label, with the rule for
  cities absent from a stage (``node_sets="union"``: structural zeros, the default;
  ``"adjust"``: btergm's label-based adjustment) (:mod:`pyreslib.temporal.series`);
- :func:`btergm`: a TERGM over the stages pooled, by btergm's bootstrapped MPLE or mtergm's
  MCMC-MLE, with ``memory()``, ``timecov()``, ``delrecip()`` and the study's covariates;
  percentile intervals, btergm's GOF with ROC/PR curves, tie probabilities
  (:mod:`pyreslib.temporal.btergm`);
- :func:`tergm`: a separable TERGM by CMLE, formation and persistence side by side, and
  :func:`describe` to say in words what drives each (:mod:`pyreslib.temporal.tergm`).

btergm and tergm run on R workers of their own, never in the session that fits ERGMs
(:mod:`pyreslib.temporal.worker`).  docs/method.md, "Temporal models: node sets across
stages", states the node-set rules.
"""

from pyreslib.temporal.btergm import BtergmResults, MtergmResults, btergm
from pyreslib.temporal.gof import BtergmGOF
from pyreslib.temporal.series import NODE_SETS, StageSeries, stage_series
from pyreslib.temporal.tergm import SeparableTERGMResults, describe, tergm

__all__ = ["NODE_SETS", "BtergmGOF", "BtergmResults", "MtergmResults", "SeparableTERGMResults",
           "StageSeries", "btergm", "describe", "stage_series", "tergm"]
