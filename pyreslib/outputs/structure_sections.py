"""The report's sections on where resilience sits and what the network withstands.

:func:`structure_figure_plan` lists the figures of the spatial, cascade and rich-club steps;
:func:`structure_sections` turns the steps into report sections:

- "Spatial autocorrelation": per stage one sentence saying whether node resilience is
  spatially clustered (Moran's I and its permutation p-value) and naming the high-high
  cities, the LISA cluster map beside the significant cities, then the global tests of every
  quantity and the Moran scatterplots;
- "Cascading failure": per stage and trigger whether a critical alpha exists on the grid (and
  when it does not, that the cascade is large at every alpha), where a curve falls as alpha
  rises, the curves and the table of critical alphas;
- "Rich club and k-core": per stage where the rich-club coefficient leaves its null band,
  and the main core.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from pyreslib.analysis import AnalysisResult
    from pyreslib.outputs.report import FigureEntry, ReportSection

__all__ = ["mapped_quantity", "structure_figure_plan", "structure_sections"]

Plan = list[tuple[str, str, str, str, Callable[[], Any]]]

ADJUSTED = {"none": "unadjusted", "bonferroni": "Bonferroni-adjusted",
            "fdr": "FDR-adjusted (Benjamini-Hochberg)"}
WEIGHTS = {"queen": "queen contiguity (a shared land border)", "knn": "the {k} nearest cities",
           "distance": "inverse distance^{power} within {cutoff_km:g} km"}
TRIGGERS = {"degree": "the top city by degree", "betweenness": "the top city by betweenness",
            "random": "a random city"}


def mapped_quantity(result: AnalysisResult) -> str:
    """The quantity the maps and the sentences are about: node resilience when it is tested,
    else the first of ``[spatial] quantities``."""
    tested = list(dict.fromkeys(result.spatial.global_tests["quantity"]))
    return "node_resilience" if "node_resilience" in tested else tested[0]


def _names(result: AnalysisResult) -> dict:
    return {v: G.nodes[v].get("name_en") or str(v)
            for G in result.networks.values() for v in G.nodes}


def _listed(cities: list, names: dict, limit: int = 12) -> str:
    shown = ", ".join(f"{names.get(c, c)} ({c})" for c in cities[:limit])
    return shown + (f" and {len(cities) - limit} more" if len(cities) > limit else "")


def _label(quantity: str) -> str:
    return quantity.replace("_", " ")


def _stage_local(result: AnalysisResult, label: str, quantity: str) -> pd.DataFrame:
    local = result.spatial.local
    rows = local[(local["stage"] == label) & (local["quantity"] == quantity)].copy()
    names = _names(result)
    rows.insert(rows.columns.get_loc("name_zh") + 1, "name_en",
                [names.get(c, "") for c in rows["adcode"]])
    return rows


def structure_figure_plan(result: AnalysisResult) -> Plan:
    """The figures of the spatial, cascade and rich-club steps: (group, name, title, caption,
    make) as :func:`pyreslib.outputs.sections.write_figures` draws them."""
    from pyreslib.outputs import structure_figures as figures

    cfg = result.config
    plan: Plan = []
    if result.spatial is not None:
        quantity = mapped_quantity(result)
        sc = cfg.spatial
        for label in result.spatial.weights:
            rows = _stage_local(result, label, quantity)
            plan.append((
                f"lisa {label}", f"lisa_{label}",
                f"LISA clusters of {_label(quantity)}, stage {label}",
                (f"Local Moran clusters at the city seats: a city is high-high (low-low) when "
                 f"it and its neighbours' mean are above (below) the stage mean and its "
                 f"{ADJUSTED[sc.adjust]} pseudo p-value over {sc.local_permutations:,} "
                 f"conditional permutations is at most {sc.alpha:g}; high-low and low-high "
                 "are outliers; isolates have no neighbour. The high-high cities are named."),
                lambda rows=rows, label=label: figures.lisa_cluster_map(
                    rows, title=f"Stage {label}: LISA clusters of {_label(quantity)}",
                    label_cities=cfg.figures.label_cities)))
        local, tests = result.spatial.local, result.spatial.global_tests
        plan.append((
            "spatial", "moran_scatterplot", f"Moran scatterplots of {_label(quantity)}",
            ("Each city's standardised value against the standardised mean of its neighbours "
             "(its spatial lag); the line's slope is Moran's I under row-standardised weights. "
             "Colours: the LISA clusters of the maps; hollow: isolates."),
            lambda: figures.moran_scatterplot(local, tests, quantity=quantity)))
    if result.cascades is not None:
        c = result.cascades
        plan.append((
            "cascades", "cascade_curves", "Cascade curves",
            ("Giant-component share and global efficiency after a Motter-Lai cascade, against "
             "the tolerance alpha (capacity = (1 + alpha) × initial betweenness); random "
             f"triggers: mean of {cfg.cascade.repeats} cities (band ±1 sd). Dashed: the "
             "critical alpha; red circles: where a curve falls as alpha rises (not smoothed)."),
            lambda: figures.cascade_figure(c.curve, c.critical)))
    if result.rich_club is not None:
        rc = result.rich_club
        plan.append((
            "richclub", "rich_club_curves", "Rich-club curves",
            (f"φ(k): density of the links among the cities of degree above k; grey: the central "
             f"{100 * rc.options['level']:g}% of {rc.options['nulls']} degree-preserving "
             f"rewirings ({rc.options['Q']:g} swaps per link); ρ(k) = φ / null mean."),
            lambda: figures.rich_club_figure(rc.table, level=rc.options["level"])))
    return plan


def structure_sections(result: AnalysisResult,
                       figs: dict[str, list[FigureEntry]]) -> list[ReportSection]:
    """The report's spatial, cascade and rich-club/k-core sections (module docstring)."""
    sections = []
    if result.spatial is not None:
        sections.append(_spatial_section(result, figs))
    if result.cascades is not None:
        sections.append(_cascade_section(result, figs))
    if result.rich_club is not None or result.cores is not None:
        sections.append(_rich_club_section(result, figs))
    return sections


# ------------------------------------------------------------------------------- spatial
def spatial_sentence(result: AnalysisResult, label: str, quantity: str) -> str:
    """Whether ``quantity`` is spatially clustered in stage ``label`` (I, p), and its
    high-high cities."""
    sp, sc = result.spatial, result.config.spatial
    test = sp.moran_test(label, quantity)
    clustered = sp.is_clustered(label, quantity)
    verdict = "is spatially clustered" if clustered else "is not significantly clustered in space"
    high = sp.high_high(label, quantity)
    cities = _listed(high, _names(result)) if high else "none"
    local = sp.local[(sp.local["stage"] == label) & (sp.local["quantity"] == quantity)]
    tested = int(local["p_permutation"].notna().sum())
    raw = int((local["p_permutation"] <= sc.alpha).sum())
    unadjusted = "" if sc.adjust == "none" else (
        f" Without the adjustment {raw} of the {tested} cities with neighbours would have a "
        f"pseudo p-value at most {sc.alpha:g}, about {sc.alpha * tested:.0f} by chance alone.")
    return (f"Stage {label}: {_label(quantity)} {verdict} (Moran's I = {test['value']:.3f}, "
            f"expectation {test['expectation']:.3f}, permutation p = "
            f"{test['p_permutation']:.3g} over {int(test['permutations']):,} permutations, "
            f"one-sided at {sc.alpha:g}; {int(test['n_effective'])} of {int(test['n'])} cities "
            f"have a neighbour). High-high cities (LISA, {ADJUSTED[sc.adjust]} p ≤ "
            f"{sc.alpha:g} over {sc.local_permutations:,} permutations): {cities}."
            + unadjusted)


def _spatial_section(result: AnalysisResult, figs) -> ReportSection:
    from pyreslib.outputs.report import ReportGroup, ReportSection, TableEntry

    sp, sc = result.spatial, result.config.spatial
    quantity = mapped_quantity(result)
    weights = WEIGHTS[sc.weights].format(k=sc.k, power=f"{sc.power:g}", cutoff_km=sc.cutoff_km)
    text = (f"Is {_label(quantity)} clustered in space, and where? Moran's I and Geary's C "
            f"({sc.permutations:,} permutations), local Moran (LISA, {sc.local_permutations:,} "
            f"conditional permutations) and Getis-Ord Gi*, with {ADJUSTED[sc.adjust]} local "
            f"p-values at {sc.alpha:g}, on weights of {weights}, "
            f"{'row-standardised' if sc.style == 'W' else 'unscaled'} (pyreslib's "
            "docs/method.md, section 10).")
    groups = []
    for label in sp.weights:
        rows = _stage_local(result, label, quantity)
        significant = rows[~rows["cluster"].isin(["not significant", "isolate"])
                           | rows["spot"].isin(["hot spot", "cold spot"])]
        shown = significant[["adcode", "name_en", "value", "Ii", "p_permutation", "p_adjusted",
                             "cluster", "Z_Gi", "spot"]]
        others = [q for q in dict.fromkeys(sp.global_tests["quantity"]) if q != quantity
                  and not sp.global_tests[(sp.global_tests["stage"] == label)
                                          & (sp.global_tests["quantity"] == q)].empty]
        items = [spatial_sentence(result, label, quantity)]
        if others:
            items.append("Other quantities: " + "; ".join(
                f"{_label(q)} I = {sp.moran_test(label, q)['value']:.3f} (p = "
                f"{sp.moran_test(label, q)['p_permutation']:.3g}"
                f"{', clustered' if sp.is_clustered(label, q) else ''})" for q in others) + ".")
        groups.append(ReportGroup(
            f"Stage {label}", items=items,
            tables=[TableEntry(f"spatial_significant_{label}",
                               f"Significant cities of {_label(quantity)}, stage {label}", shown,
                               "LISA clusters and Gi* hot or cold spots with an adjusted p at "
                               f"most {sc.alpha:g}.", index=False)],
            figures=figs.get(f"lisa {label}", [])))
    tests = sp.global_tests[["stage", "quantity", "statistic", "value", "expectation",
                             "z_randomisation", "p_randomisation", "p_permutation",
                             "n_effective", "n"]]
    return ReportSection(
        "Spatial autocorrelation", text,
        [TableEntry("spatial_global", "Global tests of every quantity", tests,
                    "p_randomisation: normal p-value under randomisation (NaN when the "
                    "variance is negative); p_permutation: the seeded permutation p-value. "
                    "Geary's C below 1 is positive autocorrelation.", index=False),
         TableEntry("spatial_local", "LISA and Gi* of every city and quantity", sp.local,
                    index=False, in_html=False)],
        figs.get("spatial", []), groups)


# ------------------------------------------------------------------------------ cascades
def cascade_sentences(result: AnalysisResult) -> list[str]:
    """Per stage and trigger: the critical alpha, or that the grid has none (a large cascade
    at every alpha), or that no alpha gives a large cascade; and where the curve falls.  The
    top city by degree and by betweenness share one sentence when they are the same city."""
    c = result.cascades
    names = _names(result)
    alphas = c.options["alphas"]
    grid = f"{alphas[0]:g} to {alphas[-1]:g}" if len(alphas) > 1 else f"{alphas[0]:g}"
    shrink = f"{100 * c.options['threshold']:g}%"
    sentences, said = [], {}
    for row in c.critical.itertuples(index=False):
        curve = c.curve[(c.curve["stage"] == row.stage) & (c.curve["trigger"] == row.trigger)]
        single = c.curves[(c.curves["stage"] == row.stage) & (c.curves["trigger"] == row.trigger)]
        first, last = curve["giant_share"].iloc[0], curve["giant_share"].iloc[-1]
        if row.trigger == "random":
            who = f"{int(curve['repeats'].iloc[0])} random trigger cities (their mean curve)"
        else:
            city = single["city"].iloc[0]
            if (row.stage, city) in said:  # the same cascades as the other targeted trigger
                index, other = said[row.stage, city]
                sentences[index] = sentences[index].replace(
                    f"top city by {other} (", f"top city by {other} and by {row.trigger} (", 1)
                continue
            said[row.stage, city] = (len(sentences), row.trigger)
            who = f"the top city by {row.trigger} ({names.get(city, city)})"
        head = f"Stage {row.stage}, trigger {who}: "
        if math.isnan(row.critical_alpha):
            body = (f"the cascade is large at every alpha of the grid ({grid}), so there is no "
                    f"critical alpha on it: the giant component keeps {first:.3f} of the "
                    f"cities at alpha {alphas[0]:g} and {last:.3f} at {alphas[-1]:g}.")
        elif row.large_alphas == 0:
            body = (f"no alpha of the grid ({grid}) gives a large cascade (one shrinking the "
                    f"giant component by more than {shrink}), so there is no threshold to "
                    "report.")
        else:
            body = (f"critical alpha {row.critical_alpha:g}: cascades are large (the giant "
                    f"component shrinks by more than {shrink}) at {row.large_alphas} of "
                    f"{len(alphas)} alphas, none from alpha {row.critical_alpha:g} on.")
        if row.trigger == "random":
            starts = single.groupby("repeat")["large"].any()
            body += (f" Judged city by city, {int(starts.sum())} of the {len(starts)} trigger "
                     "cities cause a large cascade at some alpha.")
        falls = curve.loc[curve["non_monotone"], "alpha"].tolist()
        if falls:
            body += (" Not monotone: the giant share or efficiency falls as alpha rises at "
                     f"alpha {', '.join(f'{a:g}' for a in falls)} (an early failure can cut the "
                     "network and spare the cities behind the cut).")
        sentences.append(head + body)
    return sentences


def _cascade_section(result: AnalysisResult, figs) -> ReportSection:
    from pyreslib.outputs.report import ReportGroup, ReportSection, TableEntry

    c, cc = result.cascades, result.config.cascade
    table = c.critical.set_index(["stage", "trigger"])
    ends = c.curve.groupby(["stage", "trigger"], sort=False)["giant_share"]
    table["giant_at_min_alpha"] = ends.first()
    table["giant_at_max_alpha"] = ends.last()
    falls = c.curve[c.curve["non_monotone"]].groupby(["stage", "trigger"], sort=False)["alpha"]
    table["non_monotone_at"] = [", ".join(f"{a:g}" for a in falls.get_group(key))
                                if key in falls.groups else "" for key in table.index]
    paths = "weighted" if c.options["weighted"] else "binary"
    text = (f"Motter-Lai cascades: a city's load is its betweenness ({paths} shortest "
            "paths), its capacity (1 + alpha) times its initial load; after the trigger, "
            "overloaded cities fail round after round until none does. A cascade is large "
            f"when it shrinks the giant component by more than {100 * cc.threshold:g}% of "
            "its size after the trigger; the critical alpha is the smallest alpha of the grid "
            "from which on none is (pyreslib's docs/method.md, section 5).")
    return ReportSection(
        "Cascading failure", text,
        [TableEntry("cascade_critical", "Critical alpha per stage and trigger",
                    table.reset_index(),
                    "critical_alpha empty: a large cascade at every alpha of the grid (no "
                    "threshold on it). large_alphas: alphas with a large cascade.",
                    index=False),
         TableEntry("cascade_curves", "Cascade curves (means over the random triggers)",
                    c.curve, index=False, in_html=False),
         TableEntry("cascades", "Every cascade: one row per stage, trigger city and alpha",
                    c.curves, index=False, in_html=False)],
        [], [ReportGroup("What the cascades say", items=cascade_sentences(result),
                         figures=figs.get("cascades", []))])


# ---------------------------------------------------------------------- rich club, k-core
def _rich_club_section(result: AnalysisResult, figs) -> ReportSection:
    from pyreslib.outputs.report import ReportGroup, ReportSection, TableEntry

    tables, items = [], []
    rc, cores = result.rich_club, result.cores
    if rc is not None:
        summary = []
        for stage, t in rc.table.groupby("stage", sort=False):
            above = t.loc[t["phi"] > t["null_hi"], "k"].astype(int).tolist()
            best = t.loc[t["rho"].idxmax()] if t["rho"].notna().any() else None
            summary.append({"stage": stage, "k_above_band": ", ".join(map(str, above)),
                            "max_rho": float(best["rho"]) if best is not None else math.nan,
                            "at_k": int(best["k"]) if best is not None else -1})
            band = f"the {100 * rc.options['level']:g}% band of {rc.options['nulls']} rewirings"
            items.append(
                f"Stage {stage}: the rich-club coefficient lies above {band} for "
                + (f"{len(above)} degrees (k = {_ranges(above)})" if above else "no degree")
                + (f"; its largest normalised value is ρ = {best['rho']:.3f} at k = "
                   f"{int(best['k'])}." if best is not None else "."))
        tables += [TableEntry("rich_club_summary", "Rich club per stage",
                              pd.DataFrame(summary), "k_above_band: degrees where φ(k) lies "
                              "above the null band.", index=False),
                   TableEntry("rich_club", "Rich-club coefficient per stage and degree",
                              rc.table, index=False, in_html=False)]
    if cores is not None:
        stages = cores.stages.drop(columns="main_core_cities")
        for stage, row in cores.stages.iterrows():
            items.append(f"Stage {stage}: degeneracy k_max = {int(row['k_max'])}; the main "
                         f"core holds {int(row['main_core'])} of {int(row['cities'])} cities "
                         f"({100 * row['main_core_share']:.1f}%).")
        tables += [TableEntry("core_stages", "k-core decomposition per stage", stages,
                              "k_max: the largest coreness (degeneracy); main_core: the cities "
                              "of the k_max-core."),
                   TableEntry("coreness", "Coreness of every city", cores.cities, index=False,
                              in_html=False),
                   TableEntry("core_shells", "k-shells and k-cores per stage", cores.shells,
                              index=False, in_html=False)]
    return ReportSection(
        "Rich club and k-core", "Do the best-connected cities collaborate among themselves "
        "more than their degrees imply, and how deep is the network's core? (pyreslib's "
        "docs/method.md, section 5.)", [],
        [], [ReportGroup("Rich club and core", items=items, tables=tables,
                         figures=figs.get("richclub", []))])


def _ranges(values: list[int]) -> str:
    """1, 2, 3, 5 -> "1-3, 5"."""
    runs: list[list[int]] = []
    for v in values:
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
