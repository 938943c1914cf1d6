"""Goodness of fit and MCMC diagnostics of ERGM fits, as tables and matplotlib figures.

Goodness of fit (Hunter, Goodreau & Handcock 2008, *JASA* 103(481), doi:10.1198/016214507000000446):
networks are simulated from the fitted model and their degree distribution, edgewise shared
partners, geodesic distances and model statistics are compared with the observed network.
The Monte Carlo p-value of an observed value :math:`x` against the simulated values
:math:`x_1, \\dots, x_n` is statnet's (ergm's ``gof.formula``) twice the smaller tail:

.. math::  p = \\min\\Big(1,\\; 2 \\min\\big(\\tfrac1n \\textstyle\\sum_s [x_s \\ge x],\\;
           \\tfrac1n \\sum_s [x_s \\le x]\\big)\\Big),

so ties count in both tails and a value no simulation reached has p = 0.

MCMC diagnostics follow ergm's ``mcmc.diagnostics``: Geweke's (1992) convergence z-score per
statistic (first 10 % vs last 50 % of the chain), effective sample size and lag-1
autocorrelation (coda; Plummer et al. 2006, *R News* 6(1)), the multivariate Geweke test, and an
approximate Hotelling T² test that the sample mean equals the observed statistics (Vega Yon,
Slaughter & de la Haye 2021, *Social Networks* 66, doi:10.1016/j.socnet.2021.01.006).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge
from pyreslib.ergm.distributions import normal_two_sided_p
from pyreslib.ergm.simulation import MAX_NSIM, check_count
from pyreslib.errors import InputError

# Bridges of bridge_loglik (ergm's default: 16; each one is an MCMC sample).
MAX_BRIDGE_STEPS = 1_000
GOF_STATISTICS = ("degree", "espartners", "distance", "model", "dspartners", "idegree",
                  "odegree", "triadcensus")
GOF_TITLES = {"degree": "degree", "idegree": "in-degree", "odegree": "out-degree",
              "espartners": "edge-wise shared partners", "dspartners": "dyad-wise shared partners",
              "distance": "minimum geodesic distance", "triadcensus": "triad census",
              "model": "model statistics"}


@dataclass
class GOFResults:
    """Goodness of fit: one tidy table per statistic plus the raw simulated values.

    ``tables[name]`` has one row per statistic value with columns ``obs, min, mean, max,
    q025, q975, p_value``; ``simulated[name]`` is the (nsim x values) matrix.
    """

    tables: dict[str, pd.DataFrame]
    simulated: dict[str, pd.DataFrame]
    nsim: int
    seed: int
    formula: str

    def plot(self, names: tuple[str, ...] | None = None, *, max_values: int = 25,
             title: str | None = None):
        """statnet's GOF panels: boxplots of simulated values, observed as a line.

        One panel per statistic (``names``, default all), two to a row.  Distributions are
        shown as proportions of each network's total, as statnet's ``plot.gof`` does; model
        statistics as z-scores against the simulations (their scales differ).  The dashed
        lines are the simulations' 2.5 % and 97.5 % quantiles.  Values with nothing observed
        or simulated, values beyond the first ``max_values``, and unreachable pairs ("Inf")
        are left out of the panels (they stay in the tables).  ``title`` replaces the default
        heading (the number of simulations and the formula).  This is the figure the report
        shows.
        """
        import matplotlib.pyplot as plt

        names = tuple(names or self.tables)
        ncols = min(2, len(names))
        nrows = -(-len(names) // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(5.6 * ncols, 3.4 * nrows + 0.4),
                                 squeeze=False)
        for ax in axes.ravel()[len(names):]:
            fig.delaxes(ax)
        for ax, name in zip(axes.ravel(), names):
            sim = self.simulated[name]
            table = self.tables[name]
            if name != "model":
                # Unreachable pairs ("Inf") dwarf every finite distance; statnet users read
                # the finite part, so it is left out of the panel (it stays in the table).
                keep = [c for c in sim.columns if c != "Inf" and
                        (table.loc[c, "max"] > 0 or table.loc[c, "obs"] > 0)]
                sim = sim[keep[:max_values]]
                table = table.loc[sim.columns]
            total = sim.sum(axis=1).replace(0, 1) if name != "model" else None
            shown = sim.div(total, axis=0) if total is not None else sim
            obs = table["obs"] / table["obs"].sum() if total is not None else table["obs"]
            if name == "model":
                centre = shown.mean()
                scale = shown.std().replace(0, 1)
                shown = (shown - centre) / scale
                obs = (obs - centre) / scale
            positions = np.arange(1, shown.shape[1] + 1)
            ax.boxplot(shown.to_numpy(), positions=positions, widths=0.6, showfliers=False,
                       patch_artist=True, boxprops={"facecolor": "#d9d9d9"})
            lo = shown.quantile(0.025).to_numpy()
            hi = shown.quantile(0.975).to_numpy()
            ax.plot(positions, lo, color="0.5", lw=0.8, ls="--")
            ax.plot(positions, hi, color="0.5", lw=0.8, ls="--")
            ax.plot(positions, np.asarray(obs, dtype=float), color="black", lw=1.6, marker="o",
                    ms=3, label="observed")
            labels = [str(c) for c in shown.columns]
            if name != "model" and len(labels) > 15:  # every other label, so they stay legible
                labels = [label if j % 2 == 0 else "" for j, label in enumerate(labels)]
            ax.set_xticks(positions)
            ax.set_xticklabels(labels, rotation=90 if name == "model" else 0, fontsize=7)
            ax.set_title(GOF_TITLES.get(name, name), fontsize=10)
            ax.set_ylabel("z-score" if name == "model" else "proportion")
        axes[0][0].legend(fontsize=8, loc="upper right")
        fig.suptitle(title or f"Goodness of fit ({self.nsim} simulations): {self.formula}",
                     fontsize=9 if title is None else 10)
        fig.tight_layout()
        return fig


def default_gof_statistics(results) -> tuple[str, ...]:
    """statnet's default GOF statistics for the fit's network, plus the model statistics:
    in- and out-degree for a directed network, degree for an undirected one, then
    edge-wise shared partners and geodesic distances; model statistics only for a valued
    ERGM.  ``results`` is a fit, or the model (:class:`~pyreslib.ergm.ERGM`) before its fit."""
    model = getattr(results, "model", results)
    if model.response is not None:
        return ("model",)
    if model.directed:
        return ("idegree", "odegree", "espartners", "distance", "model")
    return ("degree", "espartners", "distance", "model")


def gof_arguments(results, *, nsim: int = 100, seed: int | None = None,
                  statistics: tuple[str, ...] | str | None = None) -> dict:
    """The checked arguments of R's ``pyreslib_gof`` for ``results`` (a fit, or the model
    about to be fit when ``seed`` is given), without the fit: ``which``, ``nsim``, ``seed``."""
    if statistics is None:
        statistics = default_gof_statistics(results)
    if isinstance(statistics, str):
        statistics = (statistics,)
    unknown = [s for s in statistics if s not in GOF_STATISTICS]
    if unknown or not statistics:
        raise InputError(f"gof statistics {unknown or statistics!r}: choose from {GOF_STATISTICS}.")
    nsim = check_count(nsim, "nsim", 2, "gof", MAX_NSIM)
    seed = results.seed if seed is None else int(seed)
    return {"which": list(statistics), "nsim": nsim, "seed": seed}


def goodness_of_fit(results, *, nsim: int = 100, seed: int | None = None,
                    statistics: tuple[str, ...] | str | None = None) -> GOFResults:
    """Wrap ``ergm::gof`` for a fitted model; see :class:`GOFResults`.

    ``statistics`` defaults to :func:`default_gof_statistics`.  Each table's ``p_value`` is
    statnet's Monte Carlo p-value, twice the smaller tail (module docstring): a small value
    says the observed network is unusual under the model for that statistic.
    """
    arguments = gof_arguments(results, nsim=nsim, seed=seed, statistics=statistics)
    value = bridge.call("pyreslib_gof", context=gof_context(results),
                        fit=results._r_fit, **arguments)
    return gof_results(value, arguments, results.formula)


def gof_context(results) -> str:
    """What a goodness of fit is doing, as R's warnings and errors about it say."""
    return f"goodness of fit of '{results.formula}'"


def gof_results(value, arguments: dict, formula: str) -> GOFResults:
    """:class:`GOFResults` from the R value of ``pyreslib_gof`` called with ``arguments``."""
    tables, simulated = {}, {}
    for name, part in bridge.as_dict(value).items():
        part = bridge.as_dict(part)
        labels = bridge.as_str_list(part["labels"])
        table = pd.DataFrame(bridge.as_matrix(part["table"]), index=labels,
                             columns=bridge.as_str_list(part["columns"]))
        table = table.rename(columns={"MC p-value": "p_value"})
        sim = pd.DataFrame(bridge.as_matrix(part["simulated"]), columns=labels)
        table["q025"] = sim.quantile(0.025).to_numpy()
        table["q975"] = sim.quantile(0.975).to_numpy()
        table = table[["obs", "min", "mean", "max", "q025", "q975", "p_value"]]
        table.index.name = name
        tables[name] = table
        simulated[name] = sim
    return GOFResults(tables, simulated, arguments["nsim"], arguments["seed"], formula)


@dataclass
class MCMCDiagnostics:
    """Numbers behind ergm's ``mcmc.diagnostics``, plus trace and density plots.

    ``table``: per statistic, observed value, sample mean, difference, Geweke z and p (per
    chain: the worst chain), effective sample size, lag-1 autocorrelation.
    ``joint``: multivariate Geweke p-value and approximate Hotelling T² test.
    ``sample``: the MCMC sample of statistics (absolute values), with a ``chain`` column.
    """

    table: pd.DataFrame
    geweke: pd.DataFrame
    joint: pd.Series
    sample: pd.DataFrame
    interval: float

    def plot(self):
        """Trace and density plot per statistic, as ergm's mcmc.diagnostics draws them."""
        import matplotlib.pyplot as plt

        names = [c for c in self.sample.columns if c != "chain"]
        fig, axes = plt.subplots(len(names), 2, figsize=(9, 2.3 * len(names)), squeeze=False)
        for row, name in zip(axes, names):
            for chain, part in self.sample.groupby("chain"):
                row[0].plot(np.arange(len(part)), part[name].to_numpy(), lw=0.6,
                            label=f"chain {chain}")
                values = part[name].to_numpy()
                if np.ptp(values) > 0:
                    from scipy.stats import gaussian_kde  # only here: scipy.stats is slow to import

                    kde = gaussian_kde(values)
                    grid = np.linspace(values.min(), values.max(), 200)
                    row[1].plot(grid, kde(grid), lw=1)
            observed = self.table.loc[name, "observed"]
            row[0].axhline(observed, color="black", lw=1, ls="--")
            row[1].axvline(observed, color="black", lw=1, ls="--")
            row[0].set_title(f"trace: {name}", fontsize=9)
            row[1].set_title(f"density: {name} (dashed = observed)", fontsize=9)
        fig.tight_layout()
        return fig


def mcmc_diagnostics(results) -> MCMCDiagnostics:
    """MCMC diagnostics of an MCMC-MLE fit; see :class:`MCMCDiagnostics`."""
    if results.dyad_independent or results.estimate != "MLE":
        raise InputError(
            f"ERGM '{results.formula}' was fit without MCMC ({results.estimate_desc}), so there "
            "is no chain to diagnose. MCMC diagnostics apply to dyad-dependent MLE fits."
        )
    value = bridge.as_dict(bridge.call("pyreslib_mcmc_diagnostics",
                                       context=f"MCMC diagnostics of '{results.formula}'",
                                       fit=results._r_fit))
    names = bridge.as_str_list(value["statistics"])
    observed = bridge.as_float_array(value["observed"])
    diff = bridge.as_float_array(value["sample_mean_diff"])
    geweke = pd.DataFrame({
        "chain": bridge.as_float_array(value["geweke_chain"]).astype(int),
        "statistic": names * int(bridge.as_float(value["chains"])),
        "geweke_z": bridge.as_float_array(value["geweke_z"]),
    })
    geweke["geweke_p"] = normal_two_sided_p(geweke["geweke_z"].to_numpy())
    worst = geweke.loc[geweke.groupby("statistic")["geweke_p"].idxmin()].set_index("statistic")
    table = pd.DataFrame({
        "observed": observed,
        "sample_mean": observed + diff,
        "difference": diff,
        "sample_sd": bridge.as_float_array(value["sample_sd"]),
        "geweke_z": worst.loc[names, "geweke_z"].to_numpy(),
        "geweke_p": worst.loc[names, "geweke_p"].to_numpy(),
        "ess": bridge.as_float_array(value["ess"]),
        "lag1_autocorrelation": bridge.as_float_array(value["lag1"]),
    }, index=pd.Index(names, name="statistic"))
    joint = pd.Series({
        "geweke_joint_p": bridge.as_float(value["joint_geweke_p"]),
        "hotelling_T2": bridge.as_float(value["hotelling_stat"]),
        "hotelling_p": bridge.as_float(value["hotelling_p"]),
        "chains": bridge.as_float(value["chains"]),
    })
    sample = pd.DataFrame(bridge.as_matrix(value["sample"]) + observed, columns=names)
    sample["chain"] = bridge.as_float_array(value["sample_chain"]).astype(int)
    return MCMCDiagnostics(table, geweke, joint, sample, bridge.as_float(value["interval"]))


def bridge_loglik(results, *, nsteps: int = 20, seed: int | None = None) -> float:
    """Log-likelihood re-estimated by bridge sampling with ``nsteps`` bridges.

    .. math:: \\ell(\\hat\\theta) = \\ell(\\theta_0) + \\sum_{k} \\log
              E_{\\theta_{k}}\\big[\\exp\\{(\\theta_{k+1}-\\theta_k)^\\top g(Y)\\}\\big]

    along a path from the dyad-independent reference ``theta_0`` to the MLE (Hunter & Handcock
    2006, *J. Comput. Graph. Stat.* 15(3), doi:10.1198/106186006X133069).
    """
    nsteps = check_count(nsteps, "nsteps", 2, "bridge_loglik:", MAX_BRIDGE_STEPS)
    seed = results.seed if seed is None else int(seed)
    value = bridge.as_dict(bridge.call("pyreslib_bridge_loglik",
                                       context=f"bridge sampling for '{results.formula}'",
                                       fit=results._r_fit, nsteps=nsteps, seed=seed))
    return bridge.as_float(value["llf"])
