"""Figures of a run, each a function that takes plain tables or graphs and returns a Figure.

Matplotlib with the Agg backend (no display needed).  The figures follow docs/method.md, 7:

- :func:`stage_map` - one stage over province outlines: node size by node resilience, line
  width by pair strength, fill by internal strength, each in ``classes`` (default five)
  natural-break classes (Fisher-Jenks, via ``jenkspy``) with a legend per encoding;
- :func:`degree_distribution_figure` - degree distributions with power-law and exponential fits;
- :func:`modules_figure` - Infomap modules of a stage on the map, with module sizes;
- :func:`node_resilience_ranking` - the top cities by node resilience per stage;
- :func:`network_resilience_figure` - dimension scores U_i and C, T, D across stages;
- :func:`robustness_figure` - giant-component share under failure and attack;
- :func:`ergm_coefficients_figure` - ERGM estimates with confidence intervals.

The goodness-of-fit panels are :meth:`pyreslib.ergm.diagnostics.GOFResults.plot`
(``ERGMResults.gof().plot()``): one picture for the API and the report.

City labels use ``name_en`` (pinyin) so that no CJK font is needed.  Province outlines come from
``data/china_provinces.geojson`` (see data/PROVENANCE.md); the map is plate carrée with the
aspect corrected for latitude, which is what the study's maps look like and is enough to read
patterns (it is not an equal-area projection).
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from pyreslib._resources import data_dir
from pyreslib.errors import InputError

__all__ = [
    "classify",
    "degree_distribution_figure",
    "ergm_coefficients_figure",
    "load_provinces",
    "modules_figure",
    "natural_breaks",
    "network_resilience_figure",
    "node_resilience_ranking",
    "robustness_figure",
    "stage_map",
]

STAGE_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
#: Mainland China's extent (lon_min, lon_max, lat_min, lat_max), the South China Sea left out.
CHINA_EXTENT = (73.0, 135.5, 17.5, 54.0)
_SIZES = (8, 22, 45, 80, 130, 190, 260, 340, 430)
_WIDTHS = (0.25, 0.6, 1.1, 1.9, 3.0, 4.2, 5.5, 7.0, 8.5)


def _stage_colour(i: int) -> str:
    return STAGE_COLOURS[i % len(STAGE_COLOURS)]


# ----------------------------------------------------------------------------------------------
# natural breaks
# ----------------------------------------------------------------------------------------------


def natural_breaks(values: Sequence[float], classes: int = 5) -> np.ndarray:
    r"""Class boundaries ``b_0 < b_1 < ... < b_k`` (k <= ``classes``) by Fisher-Jenks.

    Jenks natural breaks choose the k classes that minimise the sum of squared deviations from
    the class means (Jenks 1967, *International Yearbook of Cartography* 7, 186; exact by
    Fisher's 1958 dynamic programme, *JASA* 53, 789), as ``jenkspy`` computes.  With fewer
    distinct values than ``classes`` every distinct value is its own class (k is then smaller).
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        raise InputError("natural_breaks: no finite values to classify.")
    distinct = np.unique(v)
    if len(distinct) == 1:
        return np.array([distinct[0], distinct[0]])
    if len(distinct) <= classes:
        # each distinct value its own class: boundaries at the values themselves
        return np.concatenate([[distinct[0]], distinct[1:]])
    import jenkspy

    breaks = np.asarray(jenkspy.jenks_breaks(v.tolist(), n_classes=classes), dtype=float)
    return np.unique(breaks)


def classify(values: Sequence[float], breaks: np.ndarray) -> np.ndarray:
    """Class index 0..k-1 of each value; class j holds ``b_j < x <= b_{j+1}`` (the first also
    holds ``b_0``)."""
    v = np.asarray(values, dtype=float)
    if len(breaks) < 2 or breaks[0] == breaks[-1]:
        return np.zeros(len(v), dtype=int)
    idx = np.searchsorted(breaks[1:-1], v, side="left")
    return np.clip(idx, 0, len(breaks) - 2)


def _class_labels(breaks: np.ndarray, fmt: str = "{:,.0f}") -> list[str]:
    if len(breaks) < 2 or breaks[0] == breaks[-1]:
        return [fmt.format(breaks[0])]
    return [f"{fmt.format(lo)}-{fmt.format(hi)}" for lo, hi in itertools.pairwise(breaks)]


# ----------------------------------------------------------------------------------------------
# base map
# ----------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _provinces_cached(path: str) -> tuple[np.ndarray, ...]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"province outlines {path}: cannot read GeoJSON ({exc}).") from None
    rings = []
    for feature in data.get("features", []):
        geometry = feature.get("geometry") or {}
        kind, coords = geometry.get("type"), geometry.get("coordinates", [])
        polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
        for polygon in polygons:
            if polygon:
                rings.append(np.asarray(polygon[0], dtype=float))  # outer ring only
    return tuple(rings)


def load_provinces(path: str | Path | None = None) -> list[np.ndarray]:
    """Outer rings (lon, lat arrays) of the province outlines, for the base map."""
    path = Path(path) if path is not None else data_dir() / "china_provinces.geojson"
    return list(_provinces_cached(str(path)))


@functools.lru_cache(maxsize=1)
def _default_coordinates() -> pd.DataFrame:
    from pyreslib.network import city_table

    return city_table().set_index("adcode")[["lon", "lat", "name_en"]]


def _coordinates(G: nx.Graph, coords: pd.DataFrame | None) -> pd.DataFrame:
    table = _default_coordinates() if coords is None else coords
    missing = [v for v in G.nodes if v not in table.index]
    if missing:
        raise InputError(
            f"no coordinates for {len(missing)} node(s) (e.g. {missing[:5]}); nodes must be "
            "adcodes of data/china_cities.csv, or pass coords=DataFrame(index=adcode, lon, lat)."
        )
    return table.loc[list(G.nodes)]


def _positions(xy: pd.DataFrame) -> dict:
    return {v: (lon, lat) for v, lon, lat in zip(xy.index, xy["lon"], xy["lat"])}


def _base_map(ax, provinces: list[np.ndarray] | None) -> None:
    rings = load_provinces() if provinces is None else provinces
    ax.add_collection(PolyCollection(rings, facecolors="#f4f4f0", edgecolors="#9a9a9a",
                                     linewidths=0.4, zorder=0))
    lon0, lon1, lat0, lat1 = CHINA_EXTENT
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1 / math.cos(math.radians((lat0 + lat1) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.5)


def _new_axes(ax, figsize):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


# ----------------------------------------------------------------------------------------------
# maps
# ----------------------------------------------------------------------------------------------


def stage_map(
    G: nx.Graph,
    node_scores: Mapping[int, float] | pd.Series,
    *,
    classes: int = 5,
    title: str | None = None,
    label_cities: int = 8,
    provinces: list[np.ndarray] | None = None,
    coords: pd.DataFrame | None = None,
    ax=None,
) -> Figure:
    """One stage network on the map of China (docs/method.md, section 7).

    Node size: ``node_scores`` (node resilience) in ``classes`` natural-break classes.  Line
    width: pair strength (edge ``weight``), in natural-break classes.  Node fill: internal
    strength (node attribute ``internal``), in natural-break classes.  The ``label_cities``
    cities with the highest score are labelled with ``name_en``.  ``coords`` (index adcode,
    columns lon, lat) defaults to the bundled city seats.
    """
    if G.number_of_nodes() == 0:
        raise InputError("stage_map: the network has no nodes.")
    fig, ax = _new_axes(ax, (9.5, 7.2))
    _base_map(ax, provinces)
    xy = _coordinates(G, coords)
    scores = pd.Series(node_scores, dtype=float).reindex(list(G.nodes)).fillna(0.0)

    # edges, weakest first so that strong pairs are drawn on top
    edges = sorted(G.edges(data="weight", default=1), key=lambda e: e[2])
    if edges:
        weights = np.array([w for _, _, w in edges], dtype=float)
        w_breaks = natural_breaks(weights, classes)
        w_class = classify(weights, w_breaks)
        at = _positions(xy)
        segments = [(at[a], at[b]) for a, b, _ in edges]
        cmap = plt.get_cmap("Blues")
        n_w = len(w_breaks) - 1 if len(w_breaks) > 1 else 1
        colours = [cmap(0.35 + 0.6 * c / max(n_w - 1, 1)) for c in w_class]
        ax.add_collection(LineCollection(segments, linewidths=[_WIDTHS[c] for c in w_class],
                                         colors=colours, alpha=0.75, zorder=1))
        edge_handles = [Line2D([], [], color=cmap(0.35 + 0.6 * c / max(n_w - 1, 1)),
                               lw=_WIDTHS[c], label=lab)
                        for c, lab in enumerate(_class_labels(w_breaks))]
    else:
        edge_handles = []

    internal = np.array([G.nodes[v].get("internal", 0) for v in G.nodes], dtype=float)
    i_breaks = natural_breaks(internal, classes)
    i_class = classify(internal, i_breaks)
    n_i = max(len(i_breaks) - 1, 1)
    fill = plt.get_cmap("YlOrRd")
    fill_colours = [fill(0.15 + 0.8 * c / max(n_i - 1, 1)) for c in i_class]

    s_breaks = natural_breaks(scores.to_numpy(), classes)
    s_class = classify(scores.to_numpy(), s_breaks)
    order = np.argsort(scores.to_numpy(), kind="stable")  # big nodes on top
    ax.scatter(xy["lon"].to_numpy()[order], xy["lat"].to_numpy()[order],
               s=np.array([_SIZES[c] for c in s_class])[order],
               c=[fill_colours[i] for i in order], edgecolors="#333333", linewidths=0.4,
               zorder=3)

    for v in scores.sort_values(ascending=False, kind="stable").index[:label_cities]:
        name = G.nodes[v].get("name_en") or str(v)
        ax.annotate(name, (xy.loc[v, "lon"], xy.loc[v, "lat"]), xytext=(4, 3),
                    textcoords="offset points", fontsize=7.5, zorder=4,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                          "alpha": 0.7})

    size_handles = [Line2D([], [], ls="", marker="o", markersize=math.sqrt(_SIZES[c]),
                           markerfacecolor="white", markeredgecolor="#333333", label=lab)
                    for c, lab in enumerate(_class_labels(s_breaks, "{:.2f}"))]
    fill_handles = [Patch(facecolor=fill(0.15 + 0.8 * c / max(n_i - 1, 1)), edgecolor="#333333",
                          label=lab) for c, lab in enumerate(_class_labels(i_breaks))]
    legends = [
        (size_handles, "node resilience", "lower left"),
        (fill_handles, "internal strength", "lower center"),
        (edge_handles, "pair strength", "upper left"),
    ]
    for handles, legend_title, loc in legends:
        if handles:
            legend = ax.legend(handles=handles, title=legend_title, loc=loc, fontsize=7,
                               title_fontsize=7.5, frameon=True, framealpha=0.9,
                               borderpad=0.5, labelspacing=0.5 if legend_title != "node resilience"
                               else 0.9)
            ax.add_artist(legend)
    ax.set_title(title or f"Stage {G.graph.get('stage', '')}: {G.number_of_nodes()} cities, "
                 f"{G.number_of_edges()} pairs ({len(s_breaks) - 1} natural-break classes)",
                 fontsize=10)
    fig.tight_layout()
    return fig


def modules_figure(
    G: nx.Graph,
    membership: Mapping[int, int] | pd.Series,
    *,
    max_coloured: int = 10,
    title: str | None = None,
    provinces: list[np.ndarray] | None = None,
    coords: pd.DataFrame | None = None,
) -> Figure:
    """Infomap modules of one stage: cities coloured by module on the map, and module sizes.

    ``membership`` maps node -> module number (1 = largest, as
    :func:`pyreslib.community.infomap_partition` numbers them).  The ``max_coloured`` largest
    modules get their own colour, the rest are grey.
    """
    member = pd.Series(membership).reindex(list(G.nodes))
    if member.isna().any():
        raise InputError(f"modules_figure: {int(member.isna().sum())} node(s) have no module.")
    member = member.astype(int)
    fig, (ax, bar_ax) = plt.subplots(1, 2, figsize=(12, 6.2), width_ratios=[3, 1.2])
    _base_map(ax, provinces)
    xy = _coordinates(G, coords)
    palette = plt.get_cmap("tab10")
    colour_of = {m: palette(i % 10) if i < max_coloured else (0.6, 0.6, 0.6, 1.0)
                 for i, m in enumerate(sorted(member.unique()))}
    intra = [(a, b) for a, b in G.edges if member[a] == member[b]]
    inter = [(a, b) for a, b in G.edges if member[a] != member[b]]
    for pairs, colour, width in ((inter, "#bbbbbb", 0.3), (intra, None, 0.7)):
        if not pairs:
            continue
        at = _positions(xy)
        segments = [(at[a], at[b]) for a, b in pairs]
        colours = colour or [colour_of[member[a]] for a, _ in pairs]
        ax.add_collection(LineCollection(segments, colors=colours, linewidths=width, alpha=0.6,
                                         zorder=1))
    ax.scatter(xy["lon"], xy["lat"], s=18, c=[colour_of[m] for m in member],
               edgecolors="#333333", linewidths=0.3, zorder=3)
    sizes = member.value_counts().sort_index()
    shown = sizes.head(20)
    bar_ax.barh([str(m) for m in shown.index][::-1], shown.to_numpy()[::-1],
                color=[colour_of[m] for m in shown.index][::-1], edgecolor="#333333",
                linewidth=0.4)
    bar_ax.set_xlabel("cities")
    bar_ax.set_ylabel("module (1 = largest)")
    more = len(sizes) - len(shown)
    bar_ax.set_title(f"{len(sizes)} modules" + (f" ({more} smaller not shown)" if more else ""),
                     fontsize=9)
    ax.set_title(title or f"Infomap modules, stage {G.graph.get('stage', '')}", fontsize=10)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# charts
# ----------------------------------------------------------------------------------------------


def degree_distribution_figure(fits: Mapping[str, object]) -> Figure:
    """Degree distribution of each stage on log-log axes with the power-law and exponential
    least-squares lines.

    ``fits`` maps stage -> a DataFrame with columns ``k, p, power_law, exponential`` (or an
    object with such a ``.data``, e.g. :class:`pyreslib.degree_distribution.DegreeDistributionFit`, whose
    slopes and R^2 then appear in the legend).
    """
    if not fits:
        raise InputError("degree_distribution_figure: no stages given.")
    n = len(fits)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.8), squeeze=False, sharey=True)
    for i, (ax, (stage, fit)) in enumerate(zip(axes[0], fits.items())):
        data = fit.data if hasattr(fit, "data") else fit
        ax.loglog(data["k"], data["p"], "o", ms=4, color=_stage_colour(i), label="observed")
        pl_label, ex_label = "power law", "exponential"
        if hasattr(fit, "power_law_slope"):
            pl_label = f"power law: slope {fit.power_law_slope:.2f}, R² {fit.power_law_r2:.2f}"
            ex_label = f"exponential: slope {fit.exponential_slope:.3f}, R² {fit.exponential_r2:.2f}"
        ax.loglog(data["k"], data["power_law"], "-", color="black", lw=1.2, label=pl_label)
        ax.loglog(data["k"], data["exponential"], "--", color="#777777", lw=1.2, label=ex_label)
        ax.set_title(f"stage {stage}", fontsize=10)
        ax.set_xlabel("degree k")
        ax.legend(fontsize=7, loc="lower left")
        ax.grid(True, which="major", lw=0.3, alpha=0.5)
    cumulative = any(getattr(f, "cumulative", False) for f in fits.values())
    axes[0][0].set_ylabel("P(K ≥ k)" if cumulative else "P(k)")
    fig.tight_layout()
    return fig


def node_resilience_ranking(table: pd.DataFrame, *, top_n: int = 20) -> Figure:
    """The ``top_n`` cities by node resilience score, one panel per stage.

    ``table``: long table with columns ``stage, score`` and ``name_en`` (or ``node``), as
    :func:`pyreslib.node_resilience.stage_node_resilience` returns.
    """
    needed = {"stage", "score"}
    if not needed <= set(table.columns):
        raise InputError(f"node_resilience_ranking: table needs columns {sorted(needed)}.")
    stages = list(dict.fromkeys(table["stage"]))
    fig, axes = plt.subplots(1, len(stages), figsize=(3.6 * len(stages), 0.22 * top_n + 1.4),
                             squeeze=False)
    for i, (ax, stage) in enumerate(zip(axes[0], stages)):
        part = table[table["stage"] == stage].sort_values("score", ascending=False,
                                                           kind="stable").head(top_n)
        names = (part["name_en"] if "name_en" in part else part["node"]).astype(str).tolist()
        ax.barh(range(len(part)), part["score"].to_numpy(), color=_stage_colour(i))
        ax.set_yticks(range(len(part)))
        ax.set_yticklabels(names, fontsize=7.5)
        ax.invert_yaxis()
        ax.set_xlabel("node resilience score")
        ax.set_title(f"stage {stage}", fontsize=10)
        ax.grid(True, axis="x", lw=0.3, alpha=0.5)
    fig.tight_layout()
    return fig


def network_resilience_figure(frame: pd.DataFrame) -> Figure:
    """Network resilience across stages: dimension scores U_i (left) and C, T, D (right).

    ``frame``: one row per stage, the dimension columns followed by ``C``, ``T``, ``D``
    (:meth:`pyreslib.resilience.ResilienceResult.to_frame`).
    """
    missing = [c for c in ("C", "T", "D") if c not in frame.columns]
    if missing:
        raise InputError(f"network_resilience_figure: frame lacks columns {missing}.")
    dims = [c for c in frame.columns if c not in ("C", "T", "D")]
    stages = [str(s) for s in frame.index]
    x = np.arange(len(stages))
    fig, (ax_u, ax_d) = plt.subplots(1, 2, figsize=(10.5, 3.9))
    width = 0.8 / max(len(dims), 1)
    palette = plt.get_cmap("Set2")
    for j, dim in enumerate(dims):
        ax_u.bar(x + (j - (len(dims) - 1) / 2) * width, frame[dim].to_numpy(dtype=float), width,
                 label=dim, color=palette(j))
    ax_u.set_xticks(x, stages)
    ax_u.set_ylim(0, 1.05)
    ax_u.set_ylabel("dimension score U")
    ax_u.set_title("resilience dimensions", fontsize=10)
    ax_u.legend(fontsize=7, ncol=2, loc="upper left")
    styles = {"C": ("s", "--", "coupling C"), "T": ("^", ":", "comprehensive T"),
              "D": ("o", "-", "coordination D (resilience)")}
    for col, (marker, ls, label) in styles.items():
        values = frame[col].to_numpy(dtype=float)
        ax_d.plot(x, values, marker=marker, ls=ls, label=label,
                  lw=2.2 if col == "D" else 1.2, color="black" if col == "D" else "#777777")
        if col == "D":
            for xi, v in zip(x, values):
                ax_d.annotate(f"{v:.2f}", (xi, v), xytext=(0, 6), textcoords="offset points",
                              ha="center", fontsize=8)
    ax_d.set_xticks(x, stages)
    ax_d.set_ylim(0, 1.1)
    ax_d.set_title("coupling coordination", fontsize=10)
    ax_d.legend(fontsize=7, loc="lower right")
    for ax in (ax_u, ax_d):
        ax.grid(True, axis="y", lw=0.3, alpha=0.5)
    fig.tight_layout()
    return fig


_STRATEGY_TITLES = {"random": "random failure", "degree": "attack on degree",
                    "betweenness": "attack on betweenness"}


def robustness_figure(curves: pd.DataFrame, index: pd.DataFrame | None = None) -> Figure:
    """Giant-component share s(q) after removing a fraction q of the cities, one panel per
    strategy, one line per stage; the legend gives the robustness index R when ``index``
    (stage x strategy) is given.

    ``curves``: long table ``stage, strategy, q, s`` (and ``s_std`` for random failure), as
    :class:`pyreslib.robustness.RobustnessResult` holds.
    """
    needed = {"stage", "strategy", "q", "s"}
    if not needed <= set(curves.columns):
        raise InputError(f"robustness_figure: curves need columns {sorted(needed)}.")
    strategies = list(dict.fromkeys(curves["strategy"]))
    stages = list(dict.fromkeys(curves["stage"]))
    fig, axes = plt.subplots(1, len(strategies), figsize=(4.2 * len(strategies), 3.7),
                             squeeze=False, sharey=True)
    for ax, strategy in zip(axes[0], strategies):
        for i, stage in enumerate(stages):
            part = curves[(curves["stage"] == stage) & (curves["strategy"] == strategy)]
            label = str(stage)
            if index is not None and stage in index.index and strategy in index.columns:
                label += f" (R = {index.loc[stage, strategy]:.3f})"
            ax.plot(part["q"], part["s"], color=_stage_colour(i), lw=1.6, label=label)
            if "s_std" in part and (part["s_std"] > 0).any():
                ax.fill_between(part["q"], part["s"] - part["s_std"], part["s"] + part["s_std"],
                                color=_stage_colour(i), alpha=0.15, lw=0)
        ax.set_title(_STRATEGY_TITLES.get(strategy, strategy), fontsize=10)
        ax.set_xlabel("share of cities removed q")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.grid(True, lw=0.3, alpha=0.5)
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("giant component share s(q)")
    fig.tight_layout()
    return fig


def ergm_coefficients_figure(frame: pd.DataFrame, *, level: float = 0.95) -> Figure:
    """ERGM estimates with their confidence intervals: one panel per model, terms on the y axis,
    one marker per stage; a filled marker is significant at 1 - ``level``.

    ``frame``: long table ``stage, model, term, coef, lower, upper`` and optionally
    ``pvalue``.
    """
    needed = {"stage", "model", "term", "coef", "lower", "upper"}
    if not needed <= set(frame.columns):
        raise InputError(f"ergm_coefficients_figure: frame needs columns {sorted(needed)}.")
    if frame.empty:
        raise InputError("ergm_coefficients_figure: no estimates to plot.")
    models = list(dict.fromkeys(frame["model"]))
    stages = list(dict.fromkeys(frame["stage"]))
    n_terms = max(frame.groupby("model")["term"].nunique())
    fig, axes = plt.subplots(1, len(models), figsize=(5.2 * len(models), 0.5 * n_terms + 1.8),
                             squeeze=False)
    for ax, model in zip(axes[0], models):
        part = frame[frame["model"] == model]
        terms = list(dict.fromkeys(part["term"]))
        y_of = {t: len(terms) - 1 - j for j, t in enumerate(terms)}
        step = 0.7 / max(len(stages), 1)
        for i, stage in enumerate(stages):
            rows = part[part["stage"] == stage]
            if rows.empty:
                continue
            y = np.array([y_of[t] for t in rows["term"]]) + (i - (len(stages) - 1) / 2) * step
            coef = rows["coef"].to_numpy(dtype=float)
            lo, hi = rows["lower"].to_numpy(dtype=float), rows["upper"].to_numpy(dtype=float)
            # a missing standard error (NaN) draws the estimate without a bar
            lo, hi = np.where(np.isfinite(lo), lo, coef), np.where(np.isfinite(hi), hi, coef)
            colour = _stage_colour(i)
            ax.errorbar(coef, y, xerr=[coef - lo, hi - coef], fmt="none", ecolor=colour,
                        elinewidth=1.3, capsize=2)
            significant = (lo > 0) | (hi < 0)
            ax.scatter(coef[significant], y[significant], color=colour, s=22, zorder=3,
                       label=str(stage))
            ax.scatter(coef[~significant], y[~significant], facecolor="white",
                       edgecolor=colour, s=22, zorder=3,
                       label=None if significant.any() else str(stage))
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(range(len(terms)), terms[::-1], fontsize=8)
        ax.set_title(f"model: {model}", fontsize=10)
        ax.set_xlabel(f"estimate with {level:.0%} confidence interval")
        ax.grid(True, axis="x", lw=0.3, alpha=0.5)
        ax.legend(fontsize=7, title="stage (filled: CI excludes 0)", title_fontsize=7)
    fig.tight_layout()
    return fig
