"""Figures of where resilience sits in space and what the network withstands.

Each function takes the plain tables of :mod:`pyreslib.spatial`, :mod:`pyreslib.cascade` or
:mod:`pyreslib.richclub` and returns a matplotlib Figure (docs/method.md, sections 5 and 10):

- :func:`lisa_cluster_map` - one stage's local Moran clusters at the city seats, on the
  province outlines of :func:`pyreslib.outputs.figures.stage_map`;
- :func:`moran_scatterplot` - each city's standardised value against its spatial lag, one
  panel per stage, with the least-squares line whose slope is Moran's I;
- :func:`cascade_figure` - giant-component share and global efficiency after a Motter-Lai
  cascade against the tolerance alpha, per trigger and stage, the critical alpha marked and
  the points where a curve falls as alpha rises shown, never smoothed;
- :func:`rich_club_figure` - the rich-club coefficient against the band of its
  degree-preserving rewirings, and the normalised coefficient against 1.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from pyreslib.errors import InputError
from pyreslib.outputs.figures import _base_map, _new_axes, _stage_colour

__all__ = ["CLUSTER_COLOURS", "cascade_figure", "lisa_cluster_map", "moran_scatterplot",
           "rich_club_figure"]

CLUSTER_COLOURS = {
    "high-high": "#d7191c", "low-low": "#2c7bb6", "high-low": "#fdae61",
    "low-high": "#abd9e9", "not significant": "#d9d9d9", "isolate": "#ffffff",
}
"""GeoDa's LISA colours: clusters red and blue, outliers pale; an isolate is hollow."""

_TRIGGER_TITLES = {"degree": "trigger: top degree", "betweenness": "trigger: top betweenness",
                   "random": "trigger: random city (mean)"}


def _require(frame: pd.DataFrame, needed: set[str], what: str) -> None:
    if not needed <= set(frame.columns):
        raise InputError(f"{what}: the table needs columns {sorted(needed)}, got "
                         f"{sorted(frame.columns)}.")


def _name_of(coords: pd.DataFrame, adcode) -> str:
    if "name_en" in coords.columns and isinstance(coords.at[adcode, "name_en"], str):
        return coords.at[adcode, "name_en"]
    return str(adcode)


def lisa_cluster_map(
    local: pd.DataFrame,
    *,
    title: str | None = None,
    label_cities: int = 8,
    provinces: list[np.ndarray] | None = None,
    coords: pd.DataFrame | None = None,
    ax=None,
) -> Figure:
    """Local Moran clusters of one stage and quantity at the city seats.

    ``local``: one row per city with ``adcode`` and ``cluster`` ("high-high", "low-low",
    "high-low", "low-high", "not significant", "isolate"), as the rows of one stage and
    quantity of :attr:`pyreslib.spatial.SpatialAutocorrelation.local`; with ``Ii`` the
    ``label_cities`` high-high cities with the largest :math:`I_i` are named.  ``coords``
    (index adcode; lon, lat, name_en) defaults to the bundled city seats.
    """
    from pyreslib.outputs.figures import _default_coordinates

    _require(local, {"adcode", "cluster"}, "lisa_cluster_map")
    if local.empty:
        raise InputError("lisa_cluster_map: no cities to draw.")
    table = _default_coordinates() if coords is None else coords
    missing = [c for c in local["adcode"] if c not in table.index]
    if missing:
        raise InputError(f"lisa_cluster_map: no coordinates for {len(missing)} cities (e.g. "
                         f"{missing[:5]}); pass coords=DataFrame(index=adcode, lon, lat).")
    fig, ax = _new_axes(ax, (9.5, 7.2))
    _base_map(ax, provinces)
    xy = table.loc[local["adcode"].tolist()]
    clusters = local["cluster"].to_numpy()
    handles = {}
    # the significant clusters last, so that they are drawn on top of the grey cities
    for kind in ("isolate", "not significant", "low-high", "high-low", "low-low", "high-high"):
        chosen = clusters == kind
        count = int(chosen.sum())
        edge = "#333333" if kind != "not significant" else "#9a9a9a"
        size = 14 if kind in ("not significant", "isolate") else 34
        if count:
            ax.scatter(xy["lon"].to_numpy()[chosen], xy["lat"].to_numpy()[chosen], s=size,
                       c=CLUSTER_COLOURS[kind], edgecolors=edge, linewidths=0.5, zorder=3)
        handles[kind] = Line2D([], [], ls="", marker="o", markersize=6.5,
                               markerfacecolor=CLUSTER_COLOURS[kind], markeredgecolor=edge,
                               label=f"{kind} ({count})")
    high = local[local["cluster"] == "high-high"]
    if "Ii" in high.columns:
        high = high.sort_values("Ii", ascending=False, kind="stable")
    for adcode in high["adcode"].head(label_cities):
        ax.annotate(_name_of(table, adcode), (xy.at[adcode, "lon"], xy.at[adcode, "lat"]),
                    xytext=(4, 3), textcoords="offset points", fontsize=7.5, zorder=4,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                          "alpha": 0.7})
    ax.legend(handles=[handles[k] for k in CLUSTER_COLOURS], title="local Moran cluster",
              loc="lower left", fontsize=7,
              title_fontsize=7.5, frameon=True, framealpha=0.9)
    ax.set_title(title or f"LISA clusters: {len(local)} cities", fontsize=10)
    fig.tight_layout()
    return fig


def moran_scatterplot(local: pd.DataFrame, global_tests: pd.DataFrame | None = None, *,
                      quantity: str | None = None) -> Figure:
    """Moran scatterplots, one panel per stage: standardised value against its spatial lag.

    ``local``: rows ``stage, quantity, std_value, std_lag, cluster`` (of
    :attr:`pyreslib.spatial.SpatialAutocorrelation.local`); ``quantity`` picks one (default:
    the first).  The line is the least-squares line through the origin; under row-standardised
    weights its slope is Moran's I (Anselin 1996).  With ``global_tests`` each panel's title
    gives I and its permutation p-value.  Isolates (lag 0 by definition) are hollow.
    """
    _require(local, {"stage", "quantity", "std_value", "std_lag", "cluster"},
             "moran_scatterplot")
    quantity = quantity if quantity is not None else local["quantity"].iloc[0]
    part = local[local["quantity"] == quantity]
    if part.empty:
        raise InputError(f"moran_scatterplot: no rows of quantity {quantity!r}.")
    stages = list(dict.fromkeys(part["stage"]))
    fig, axes = plt.subplots(1, len(stages), figsize=(4.0 * len(stages), 4.0), squeeze=False)
    for ax, stage in zip(axes[0], stages):
        rows = part[part["stage"] == stage]
        isolated = (rows["cluster"] == "isolate").to_numpy()
        x, y = rows["std_value"].to_numpy(float), rows["std_lag"].to_numpy(float)
        colours = [CLUSTER_COLOURS.get(c, "#d9d9d9") for c in rows["cluster"]]
        ax.scatter(x[~isolated], y[~isolated], s=16,
                   c=[c for c, alone in zip(colours, isolated) if not alone],
                   edgecolors="#555555", linewidths=0.4, zorder=3)
        if isolated.any():
            ax.scatter(x[isolated], y[isolated], s=16, facecolors="none", edgecolors="#888888",
                       linewidths=0.6, zorder=2)
        slope = float(x @ y / (x @ x)) if (x @ x) > 0 else math.nan
        span = np.array([x.min(), x.max()])
        ax.plot(span, slope * span, color="black", lw=1.2, label=f"slope {slope:.3f}")
        ax.axhline(0, color="#888888", lw=0.6)
        ax.axvline(0, color="#888888", lw=0.6)
        heading = f"stage {stage}"
        if global_tests is not None:
            test = global_tests[(global_tests["stage"] == stage)
                                & (global_tests["quantity"] == quantity)
                                & (global_tests["statistic"] == "Moran's I")]
            if len(test):
                heading += (f": I = {test['value'].iloc[0]:.3f}, p = "
                            f"{test['p_permutation'].iloc[0]:.3g}")
        ax.set_title(heading, fontsize=9.5)
        ax.set_xlabel(f"{quantity.replace('_', ' ')} (standardised)")
        ax.grid(True, lw=0.3, alpha=0.5)
        ax.legend(fontsize=7, loc="upper left")
    axes[0][0].set_ylabel("spatial lag (standardised)")
    fig.tight_layout()
    return fig


def cascade_figure(curve: pd.DataFrame, critical: pd.DataFrame | None = None) -> Figure:
    """Cascade curves: giant-component share (top) and global efficiency (bottom) against
    alpha, one column per trigger, one line per stage.

    ``curve``: rows ``stage, trigger, alpha, giant_share, efficiency`` (and
    ``giant_share_sd``, ``efficiency_sd``, ``non_monotone`` when present), as
    :attr:`pyreslib.cascade.CascadeResult.curve`.  A band of ±1 sd is drawn around the mean of
    the random triggers; a point where the curve falls as alpha rises is circled in red.
    With ``critical`` (:attr:`~pyreslib.cascade.CascadeResult.critical`) a dashed vertical
    line marks each stage's critical alpha, and the legend says when the grid has none (a
    large cascade at every alpha) or when no cascade is large at all (nothing to mark).
    """
    _require(curve, {"stage", "trigger", "alpha", "giant_share", "efficiency"},
             "cascade_figure")
    triggers = list(dict.fromkeys(curve["trigger"]))
    stages = list(dict.fromkeys(curve["stage"]))
    fig, axes = plt.subplots(2, len(triggers), figsize=(4.3 * len(triggers), 6.6),
                             squeeze=False, sharex=True, sharey="row")
    for j, trigger in enumerate(triggers):
        for row, measure in enumerate(("giant_share", "efficiency")):
            ax = axes[row][j]
            for i, stage in enumerate(stages):
                part = curve[(curve["stage"] == stage) & (curve["trigger"] == trigger)]
                if part.empty:
                    continue
                colour = _stage_colour(i)
                label = str(stage)
                alpha_c = math.nan
                if critical is not None:
                    hit = critical[(critical["stage"] == stage)
                                   & (critical["trigger"] == trigger)]
                    if len(hit) and hit["large_alphas"].iloc[0] == 0:
                        label += " (no large cascade)"  # no threshold to mark
                    elif len(hit):
                        alpha_c = float(hit["critical_alpha"].iloc[0])
                        label += (f" (α_c = {alpha_c:g})" if math.isfinite(alpha_c)
                                  else " (no α_c on the grid)")
                a, v = part["alpha"].to_numpy(float), part[measure].to_numpy(float)
                ax.plot(a, v, "-o", color=colour, ms=2.8, lw=1.4, label=label)
                sd = f"{measure}_sd"
                if sd in part and (part[sd] > 0).any():
                    ax.fill_between(a, v - part[sd], v + part[sd], color=colour, alpha=0.12,
                                    lw=0)
                if "non_monotone" in part:
                    falls = part["non_monotone"].to_numpy(bool)
                    ax.scatter(a[falls], v[falls], s=46, facecolors="none", edgecolors="red",
                               linewidths=1.1, zorder=4)
                if math.isfinite(alpha_c):
                    ax.axvline(alpha_c, color=colour, ls="--", lw=0.9)
            ax.set_ylim(0, 1.02)
            ax.grid(True, lw=0.3, alpha=0.5)
            if row == 0:
                ax.set_title(_TRIGGER_TITLES.get(trigger, f"trigger: {trigger}"), fontsize=10)
                handles = ax.get_legend_handles_labels()[0]
                handles.append(Line2D([], [], ls="", marker="o", markerfacecolor="none",
                                      markeredgecolor="red", label="falls as alpha rises"))
                ax.legend(handles=handles, fontsize=6.5, loc="best")
            else:
                ax.set_xlabel("tolerance alpha (capacity = (1 + alpha) × initial load)")
    axes[0][0].set_ylabel("giant component share after the cascade")
    axes[1][0].set_ylabel("global efficiency after / before")
    fig.tight_layout()
    return fig


def rich_club_figure(table: pd.DataFrame, *, level: float | None = None) -> Figure:
    """Rich-club curves, one column per stage: phi(k) with the band of its null draws (top),
    and rho(k) = phi / null mean with the band around 1 (bottom).

    ``table``: rows ``stage, k, phi, null_mean, null_lo, null_hi, rho, rho_lo, rho_hi`` as
    :attr:`pyreslib.richclub.RichClubResult.table`; ``level`` names the band's coverage.
    """
    _require(table, {"stage", "k", "phi", "null_mean", "null_lo", "null_hi", "rho", "rho_lo",
                     "rho_hi"}, "rich_club_figure")
    stages = list(dict.fromkeys(table["stage"]))
    fig, axes = plt.subplots(2, len(stages), figsize=(4.2 * len(stages), 6.4), squeeze=False,
                             sharex="col")
    band = f"{100 * level:g}% of the null draws" if level else "null band"
    for i, stage in enumerate(stages):
        part = table[table["stage"] == stage].sort_values("k")
        k = part["k"].to_numpy(float)
        colour = _stage_colour(i)
        top, bottom = axes[0][i], axes[1][i]
        top.fill_between(k, part["null_lo"], part["null_hi"], color="#bbbbbb", alpha=0.6,
                         lw=0, label=band)
        top.plot(k, part["null_mean"], "--", color="#555555", lw=1.0, label="null mean")
        top.plot(k, part["phi"], "-o", color=colour, ms=2.5, lw=1.4, label="observed φ(k)")
        top.set_title(f"stage {stage}", fontsize=10)
        top.set_ylim(0, 1.02)
        top.legend(fontsize=7, loc="upper left")
        bottom.fill_between(k, part["rho_lo"], part["rho_hi"], color="#bbbbbb", alpha=0.6, lw=0)
        bottom.axhline(1.0, color="#555555", ls="--", lw=1.0)
        bottom.plot(k, part["rho"], "-o", color=colour, ms=2.5, lw=1.4)
        bottom.set_xlabel("degree k (cities of degree > k)")
        bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
        for ax in (top, bottom):
            ax.grid(True, lw=0.3, alpha=0.5)
    axes[0][0].set_ylabel("rich-club coefficient φ(k)")
    axes[1][0].set_ylabel("normalised ρ(k) = φ / null mean")
    fig.tight_layout()
    return fig
