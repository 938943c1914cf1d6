"""Run configuration: the TOML file ``pyreslib run CONFIG.toml`` reads, as validated dataclasses.

A configuration has one table per stage of the pipeline (``[input]``, ``[stages]``,
``[metrics]``, ``[communities]``, ``[resilience]``, ``[robustness]``, ``[spatial]``,
``[cascade]``, ``[richclub]``, ``[core]``, ``[ergm]``, ``[covariates]``, ``[figures]``, ``[output]``) plus
top-level ``title`` and ``seed``.  Every key is optional
except ``input.patents``; the defaults are those of docs/method.md.  A complete example with
every key is :data:`EXAMPLE_TOML` (and ``data/demo/demo.toml``).

Validation is strict because a typo in a config silently falling back to a default would change
results without anyone noticing: an unknown key, a value of the wrong type, a value outside its
allowed set and a file that does not exist are each an error naming the file and the key, e.g.::

    demo.toml: unknown key 'ergm.gof_nsims' (did you mean 'ergm.gof_nsim'?); keys allowed in
    [ergm]: enabled, models, mcmc_profile, workers, pooled, gof_nsim, mcmc_samplesize,
    threshold

Every number has a documented range (:func:`~pyreslib.config.sections._bounded` on its field;
docs/configuration.md lists them), checked before any work starts, so that a typo such as
``repeats = 50000000000`` is a message instead of a memory error an hour later.  The ranges:

========================  ==========================  ==========================================
key                       range                       why that bound
========================  ==========================  ==========================================
seed                      1 .. 2,147,483,647          R's seed is a 32-bit integer; Infomap
                                                      needs at least 1
stages.threshold          1 .. 1,000,000              minimum joint patents of a kept pair
communities.trials        1 .. 1,000                  Infomap runs per stage
resilience.floor          0 <= floor < 1              share added after min-max normalisation
resilience.top_nodes      1 .. 1,000                  cities listed per stage
robustness.repeats        1 .. 10,000                 random removal orders per stage
spatial.permutations      1 .. 100,000                permutations of the global tests (and
                                                      of the LISA: local_permutations)
spatial.alpha             0.0001 <= alpha < 0.5       significance level of the maps
cascade.alphas,           0 <= alpha < 100, at most   tolerance: capacity = (1 + alpha) x
cascade.alpha_start/stop  1,001 tolerances            initial load
cascade.threshold         0.001 <= threshold < 1      share the giant component loses in a
                                                      large cascade
cascade.repeats           1 .. 10,000                 random triggers per stage (at most the
                                                      stage's cities)
richclub.nulls            2 .. 10,000                 rewired networks per stage
richclub.swaps_per_link   1 .. 1,000                  double-edge swaps per link and draw
ergm.gof_nsim             0 (skip), or 2 .. 10,000    networks simulated per goodness of fit
ergm.mcmc_samplesize      0 (ergm's default, 1024),   MCMC sample per MCMC-MLE iteration
                          or 100 .. 1,000,000         (memory grows with it)
ergm.workers              0 .. 64                     R processes fitting at once (0: in
                                                      this process)
ergm.threshold            1 .. 1,000,000              minimum joint patents of an ERGM tie
figures.dpi               10 .. 600                   a 600 dpi map is already 7,000 px wide
figures.classes           2 .. 9                      natural-break classes on the maps
figures.top_n             1 .. 100                    cities per ranking panel
figures.label_cities      0 .. 100                    city names written on each map
output.significant_digits 1 .. 17                     a float64 has at most 17
========================  ==========================  ==========================================

Lists must not be empty where something is switched on (``robustness.strategies`` with
robustness enabled, ``spatial.quantities``, ``cascade.triggers``, ``ergm.models`` with the
ERGM step enabled) and must not repeat an item.
A custom model's formula (``[ergm.models] mine = "edges + ..."``) is checked term by term
against the covariates a run provides (node: economic, education, science; edge:
proximity, adjacency, memory), and the error names the key and the bad term.
Messages quote at most a short excerpt of a long value.  A config saved with a UTF-8 byte
order mark (as Windows Notepad does) reads like one without.

Relative paths are resolved against the folder holding the config file, so a project folder
can be moved as a whole.

The package: :mod:`~pyreslib.config.sections` (each table's dataclass with its defaults and
bounds), :mod:`~pyreslib.config.loading` (reading and validating a file) and
:mod:`~pyreslib.config.example` (:data:`EXAMPLE_TOML`, every key with its default and a comment;
docs/configuration.md is generated from it).
"""

from pyreslib.config.example import EXAMPLE_TOML
from pyreslib.config.loading import load_config, parse_config
from pyreslib.config.sections import (
    BUILTIN_MODELS,
    MODEL_NAME_LENGTH,
    SEED_MAX,
    SPATIAL_QUANTITIES,
    CascadeConfig,
    CommunitiesConfig,
    Config,
    CoreConfig,
    CovariatesConfig,
    ErgmConfig,
    FiguresConfig,
    InputConfig,
    MetricsConfig,
    OutputConfig,
    QapConfig,
    ResilienceConfig,
    RichClubConfig,
    RobustnessConfig,
    SpatialConfig,
    StagesConfig,
    TergmConfig,
    bounds,
)

__all__ = [
    "BUILTIN_MODELS",
    "EXAMPLE_TOML",
    "MODEL_NAME_LENGTH",
    "SEED_MAX",
    "SPATIAL_QUANTITIES",
    "CascadeConfig",
    "CommunitiesConfig",
    "Config",
    "CoreConfig",
    "CovariatesConfig",
    "ErgmConfig",
    "FiguresConfig",
    "InputConfig",
    "MetricsConfig",
    "OutputConfig",
    "QapConfig",
    "ResilienceConfig",
    "RichClubConfig",
    "RobustnessConfig",
    "SpatialConfig",
    "StagesConfig",
    "TergmConfig",
    "bounds",
    "load_config",
    "parse_config",
]


