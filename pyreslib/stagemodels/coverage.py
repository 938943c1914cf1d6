"""What the stage means of the node covariates rest on, and the cities they cannot be taken for.

:func:`assess` takes a checked covariates table
(:func:`pyreslib.stagemodels.covariates.check_covariates`) and the stages' cities.  A city's covariate in a stage is :data:`RULE`; per stage, city and
covariate it lists the years without a value (a blank cell, with its row in the file, or no
row), and it refuses, naming the city (name and adcode) and the stage, a city without any value
for a stage and, under the log transform, a stage mean of zero or below.
:func:`pyreslib.stagemodels.covariates.covariate_coverage` is the public entry point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from pyreslib import study
from pyreslib.cities import PREFECTURE_LEVEL_KINDS, city_table
from pyreslib.ergm.tables import SummaryMixin
from pyreslib.errors import InputError

__all__ = ["MESSAGE_LIMIT", "RULE", "VALUE_COLUMNS", "CovariateCoverage", "assess"]

VALUE_COLUMNS: tuple[str, ...] = tuple(c.column for c in study.COVARIATES)
"""The value columns of the covariates file, in the order of :data:`pyreslib.study.COVARIATES`."""

RULE = ("a city's covariate in a stage is the mean of its values in the stage's years that the "
        "file gives (a blank cell or a missing year is left out of the mean, not filled)")
"""The rule of the stage means, as the reports state it."""

MESSAGE_LIMIT = 8
"""Problems quoted in one message; the rest are counted."""


# ----------------------------------------------------------------------------------------------
# coverage of the stage networks
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CovariateCoverage(SummaryMixin):
    """What the stage means of the node covariates rest on.

    Made by :func:`pyreslib.stagemodels.covariates.covariate_coverage`.  ``source``: the
    covariates file's name (or "covariates"); ``stages``: stage -> (first year, last year);
    ``cities``: stage -> number of cities of its network; ``missing``: one row per stage, city,
    covariate and year without a value (``stage, adcode, city, covariate, year, reason, row``,
    ``reason`` "blank" (``row``: the file's row) or "no row"); ``notes``: sentences saying
    which means use fewer years (with :data:`RULE`), which values the log transform took
    although some year was not positive, which covariate is the same for every city of a
    stage.  ``log`` and ``standardise``: the transform the check was made for; ``means``:
    stage -> the stage means before it (adcode x value column).
    """

    source: str
    stages: Mapping[str, tuple[int, int]]
    cities: Mapping[str, int]
    missing: pd.DataFrame
    notes: tuple[str, ...] = ()
    log: bool = True
    standardise: bool = True
    means: Mapping[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def complete(self) -> bool:
        """Whether every city of every stage has every value in every year of the stage."""
        return self.missing.empty

    def to_frame(self) -> pd.DataFrame:
        """Every value missing from a stage mean: a copy of ``missing``."""
        return self.missing.copy()

    def gaps(self) -> pd.DataFrame:
        """Per stage, city and covariate with a year missing: years used, of how many, and
        which are missing (``"2012 (blank, row 7), 2013 (no row)"``)."""
        columns = ["stage", "adcode", "city", "covariate", "years_used", "years", "missing"]
        if self.missing.empty:
            return pd.DataFrame(columns=columns)
        out = []
        for (stage, adcode, city, covariate), group in self.missing.groupby(
                ["stage", "adcode", "city", "covariate"], sort=False):
            first, last = self.stages[stage]
            out.append({"stage": stage, "adcode": adcode, "city": city, "covariate": covariate,
                        "years_used": last - first + 1 - len(group),
                        "years": last - first + 1, "missing": _years_text(group)})
        return pd.DataFrame(out, columns=columns)

    def summary(self) -> str:
        """The rule, the stages' cities and years, and the notes."""
        return self.as_text()

    def as_text(self) -> str:
        steps = (["natural log"] if self.log else []) + (
            ["z-score across each stage's cities"] if self.standardise else [])
        lines = [f"Node covariates from {self.source}: {RULE}.",
                 f"Transform of the stage means: {', then '.join(steps) or 'none'}."]
        for stage, (first, last) in self.stages.items():
            lines.append(f"{stage}: {self.cities[stage]} cities, years {first}-{last}, "
                         f"{int((self.missing['stage'] == stage).sum())} values missing.")
        lines += self.notes
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# the check itself
# ----------------------------------------------------------------------------------------------


def _names() -> dict[int, str]:
    table = city_table()
    return {int(a): f"{zh} {en}" for a, zh, en in
            zip(table["adcode"], table["name_zh"], table["name_en"], strict=True)}


def _city(adcode: int, names: Mapping[int, str]) -> str:
    name = names.get(adcode)
    return f"{name} ({adcode})" if name else f"adcode {adcode} (not a city pyreslib knows)"


def assess(table: pd.DataFrame, stages: Mapping[str, tuple[int, int]],
           cities: Mapping[str, Sequence[int]], *, log: bool = True, standardise: bool = True,
           for_config: bool = False) -> CovariateCoverage:
    """What ``table``'s stage means of ``cities`` rest on; raises for those it cannot give.

    Parameters
    ----------
    table : pandas.DataFrame
        A checked covariates table (``check_covariates``); with its index named ``row`` (as
        ``read_covariates`` gives) the messages name the file's rows.
    stages : mapping of str to (int, int)
        Stage label -> first and last year.
    cities : mapping of str to sequence of int
        Stage label -> adcodes of its cities.
    log, standardise : bool
        The transform the stage means will get.
    for_config : bool
        Word the advice for a run's config rather than for Python arguments.

    Returns
    -------
    CovariateCoverage
        With ``means``: stage -> the untransformed stage means (adcode x value column).

    Raises
    ------
    InputError
        Every city without a value for some covariate in a stage, and under ``log`` every
        stage mean of zero or below, in one message.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"adcode": [110000, 120000], "year": [2011, 2011],
    ...                       "gdp_per_capita": [5.0, -1.0], "education_spending": [1.0, 2.0],
    ...                       "st_spending": [1.0, 2.0]})
    >>> assess(table, {"2011": (2011, 2011)}, {"2011": [110000, 120000]}, log=False).complete
    True
    >>> try:
    ...     assess(table, {"2011": (2011, 2011)}, {"2011": [110000, 120000]})
    ... except InputError as exc:
    ...     print(exc)
    covariates: the log transform needs positive stage means, and 1 is zero or negative: 天津市 Tianjin (120000) in 2011: gdp_per_capita mean -1 (2011: -1). Correct those rows, or pass log=False (the stage means are then used as they are, z-scored).
    """
    source = table.attrs.get("source")
    from_file = table.index.name == "row"
    keyed = table.assign(_row=table.index if from_file else pd.NA, _here=True).set_index(
        ["adcode", "year"])
    names = _names()
    known = set(table["adcode"])
    years_of_city = table.groupby("adcode")["year"].agg(["min", "max"])
    absent: dict[tuple[int, str], list[str]] = {}   # (city, why) -> stages
    nonpositive: list[str] = []
    notes: list[str] = []
    missing_parts: list[pd.DataFrame] = []
    means: dict[str, pd.DataFrame] = {}
    for label, (start, end) in stages.items():
        stage_cities = cities[label]
        grid = keyed.reindex(pd.MultiIndex.from_product(
            [stage_cities, range(start, end + 1)], names=["adcode", "year"]))
        here = grid["_here"].notna()
        # the means exactly as pyreslib has always taken them (the same sums in the same
        # order, so that results repeat to the last bit)
        in_stage = table[(table["year"] >= start) & (table["year"] <= end)]
        stage_means = in_stage.groupby("adcode")[list(VALUE_COLUMNS)].mean().reindex(
            stage_cities)
        means[label] = stage_means
        for column in VALUE_COLUMNS:
            gone = grid[column].isna()
            if gone.any():
                part = grid.loc[gone, ["_row"]].reset_index()
                part["reason"] = np.where(here[gone].to_numpy(), "blank", "no row")
                part.insert(0, "stage", label)
                part.insert(3, "covariate", column)
                missing_parts.append(part)
        used = grid[list(VALUE_COLUMNS)].notna().groupby(level="adcode", sort=False).sum()
        for adcode in used.index[(used == 0).any(axis=1).to_numpy()]:
            empty = [c for c in VALUE_COLUMNS if used.at[adcode, c] == 0]
            if adcode not in known:
                why = "not in the file"
            elif not here.loc[adcode].any():
                low, high = years_of_city.loc[adcode]
                why = (f"no row for {start}-{end} (its rows are for "
                       f"{low if low == high else f'{low}-{high}'})")
            else:
                rows = (grid.loc[adcode, "_row"].dropna().astype(int).tolist() if from_file
                        else [])
                what = "every value" if len(empty) == len(VALUE_COLUMNS) else ", ".join(empty)
                why = f"{what} blank in every year of {start}-{end}" + (
                    f" (rows {_listed(rows)})" if rows else "")
            absent.setdefault((adcode, why), []).append(label)
        if log:
            lowest = grid.groupby(level="adcode", sort=False)[list(VALUE_COLUMNS)].min()
            for column in VALUE_COLUMNS:
                for adcode in lowest.index[(lowest[column] <= 0).to_numpy()]:
                    mean = stage_means.at[adcode, column]
                    city = grid.loc[adcode]
                    if mean <= 0:
                        nonpositive.append(f"{_city(adcode, names)} in {label}: {column} mean "
                                           f"{mean:.6g} ({_cells(city, column, from_file)})")
                    else:
                        cells = _cells(city, column, from_file, city[column] <= 0)
                        notes.append(
                            f"covariates: {_city(adcode, names)} has {column} of zero or "
                            f"below in {label} ({cells}); its stage mean {mean:.6g} is "
                            "positive and was logged.")
        present = means[label].dropna()
        if len(present) > 1:
            constant = [c for c in VALUE_COLUMNS if present[c].nunique() == 1]
            if constant:
                notes.append(
                    f"covariates: {', '.join(constant)} is the same for every city of {label}, "
                    "so its term cannot be estimated in that stage (it is collinear with "
                    "edges).")
    where = f"covariates file {source}" if source else "covariates"
    errors = []
    if absent:
        errors.append(_absent_message(absent, names, for_config))
    if nonpositive:
        errors.append(_nonpositive_message(nonpositive, for_config, standardise))
    if errors:
        errors[1:] = [e[0].upper() + e[1:] for e in errors[1:]]
        raise InputError(f"{where}: " + " ".join(errors))
    missing = (pd.concat(missing_parts, ignore_index=True) if missing_parts else
               pd.DataFrame(columns=["stage", "adcode", "year", "covariate", "_row", "reason"]))
    missing = missing.rename(columns={"_row": "row"})
    missing.insert(2, "city", [names.get(int(a), "") for a in missing["adcode"]])
    missing = missing[["stage", "adcode", "city", "covariate", "year", "reason", "row"]]
    missing = missing.astype({"adcode": "int64", "year": "int64"})
    coverage = CovariateCoverage(
        source=Path(source).name if source else "covariates", stages=dict(stages),
        cities={label: len(c) for label, c in cities.items()}, missing=missing, log=log,
        standardise=standardise, means=means)
    return replace(coverage, notes=tuple(_gap_notes(coverage, names) + notes))


def _cells(frame: pd.DataFrame, column: str, from_file: bool, which=None) -> str:
    """The year (and file row) of each value of ``column`` in one city's stage ``frame``."""
    values = frame[column]
    keep = values.notna() if which is None else which
    parts = []
    for year, value in values[keep].items():
        row = frame.at[year, "_row"]
        parts.append(f"{year}: {value:.6g}" + (f", row {int(row)}" if from_file else ""))
    return "; ".join(parts[:6]) + (f"; and {len(parts) - 6} more" if len(parts) > 6 else "")


def _listed(items: Sequence, limit: int = 6) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _absent_message(absent, names, for_config: bool) -> str:
    cities = sorted({adcode for adcode, _ in absent})
    parts = [f"{_city(adcode, names)} in {', '.join(stages)}: {why}"
             for (adcode, why), stages in absent.items()]
    shown = "; ".join(parts[:MESSAGE_LIMIT]) + (
        f"; and {len(parts) - MESSAGE_LIMIT} more" if len(parts) > MESSAGE_LIMIT else "")
    kinds = city_table().set_index("adcode")["kind"]
    county = [a for a in cities if a in kinds.index and kinds[a] not in PREFECTURE_LEVEL_KINDS]
    if for_config:
        leave = (f", set [input] prefecture_level_only = true to leave county-level units such "
                 f"as {_city(county[0], names)} out of the networks" if county else "")
        remedy = (f"Add the rows missing (adcode, year and the three values; one row per city "
                  f"and year){leave}, or run without the ERGM step (--no-ergm, or [ergm] "
                  "enabled = false).")
    else:
        remedy = ("Add the rows missing (one per city and year), or leave those cities out "
                  "of the networks.")
    n = len(cities)
    return (f"{n} {'city' if n == 1 else 'cities'} of the stage networks "
            f"{'has' if n == 1 else 'have'} no covariate values for a stage, so "
            f"{'its stage mean' if n == 1 else 'their stage means'} cannot be taken: "
            f"{shown}. {remedy}")


def _nonpositive_message(problems: list[str], for_config: bool, standardise: bool) -> str:
    shown = "; ".join(problems[:MESSAGE_LIMIT]) + (
        f"; and {len(problems) - MESSAGE_LIMIT} more" if len(problems) > MESSAGE_LIMIT else "")
    switch = ("set log = false in the config's [covariates] section" if for_config
              else "pass log=False")
    return (f"the log transform needs positive stage means, and {len(problems)} "
            f"{'is' if len(problems) == 1 else 'are'} zero or negative: {shown}. Correct those "
            f"rows, or {switch} (the stage means are then used as they are"
            f"{', z-scored' if standardise else ''}).")


def _years_text(group: pd.DataFrame) -> str:
    parts = []
    for year, reason, row in zip(group["year"], group["reason"], group["row"], strict=True):
        where = f", row {int(row)}" if reason == "blank" and pd.notna(row) else ""
        parts.append(f"{int(year)} ({reason}{where})")
    return ", ".join(parts)


def _gap_notes(coverage: CovariateCoverage, names) -> list[str]:
    """One sentence per stage with missing values: which cities' means use fewer years."""
    gaps = coverage.gaps()
    notes = []
    for stage, rows in gaps.groupby("stage", sort=False):
        first, last = coverage.stages[stage]
        per_city = []
        for adcode, city_rows in rows.groupby("adcode", sort=False):
            texts = city_rows["missing"].tolist()
            if len(city_rows) == len(VALUE_COLUMNS) and len(set(texts)) == 1:
                per_city.append(f"{_city(adcode, names)}: every covariate without {texts[0]}")
            else:
                per_city.append(f"{_city(adcode, names)}: " + "; ".join(
                    f"{c} without {t}" for c, t in zip(city_rows["covariate"], texts,
                                                       strict=True)))
        n = len(per_city)
        shown = " | ".join(per_city[:MESSAGE_LIMIT]) + (
            f" | and {n - MESSAGE_LIMIT} more cities" if n > MESSAGE_LIMIT else "")
        where = "covariates" + (f" ({coverage.source})" if coverage.source != "covariates"
                                else "")
        notes.append(
            f"{where}, {stage}: {n} of the stage's {coverage.cities[stage]} cities "
            f"{'lacks' if n == 1 else 'lack'} values for some of its {last - first + 1} years, "
            f"and {RULE}: {shown}.")
    return notes
