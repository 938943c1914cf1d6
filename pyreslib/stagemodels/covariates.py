"""The stage models' node covariates: the covariates file, read and averaged per stage.

``covariates`` is a long table with one row per city and year
(:data:`pyreslib.study.COVARIATE_COLUMNS`); a stage's node covariates are the means over its
years, by default log-transformed and standardised within the stage (z-scores).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pyreslib import study
from pyreslib.errors import InputError

__all__ = ["NODE_COVARIATES", "read_covariates", "stage_node_covariates"]

NODE_COVARIATES = {c.name: c.column for c in study.COVARIATES}
"""Formula name -> column of the covariates file (:data:`pyreslib.study.COVARIATES`)."""


def read_covariates(path: str | Path) -> pd.DataFrame:
    """The covariates file: a CSV with :data:`pyreslib.study.COVARIATE_COLUMNS` (one row per
    city and year), every one of them numeric; ``adcode`` and ``year`` as integers.

    A missing column or a value that is not a number is an :class:`InputError` naming the file
    (and the row: the header is row 1).
    """
    path = Path(path)
    columns = study.COVARIATE_COLUMNS
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"covariates file {path}: cannot read it as CSV ({exc}).") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"covariates file {path}: missing column(s) {missing}; expected "
            f"{list(columns)} (one row per city and year)."
        )
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise InputError(
                f"covariates file {path}, row {row}: column {column!r} holds "
                f"{frame[column].iloc[row - 2]!r}, not a number; fix or remove that row."
            )
        frame[column] = values
    frame["adcode"] = frame["adcode"].astype("int64")
    frame["year"] = frame["year"].astype("int64")
    return frame


def stage_node_covariates(
    covariates: pd.DataFrame,
    adcodes: Sequence[int],
    years: tuple[int, int],
    *,
    log: bool = True,
    standardise: bool = True,
) -> pd.DataFrame:
    """Node covariates of one stage: mean over the stage's years, then log and z-score.

    ``covariates`` is a long table with columns ``adcode, year, gdp_per_capita,
    education_spending, st_spending``.  Returns a frame indexed by adcode with columns
    ``economic, education, science``.  A city without any value in the stage is an error
    naming the cities: nothing is dropped silently.
    """
    needed = set(study.COVARIATE_COLUMNS)
    missing_cols = needed - set(covariates.columns)
    if missing_cols:
        raise InputError(f"covariates: missing column(s) {sorted(missing_cols)}; expected "
                         f"{sorted(needed)}.")
    start, end = years
    in_stage = covariates[(covariates["year"] >= start) & (covariates["year"] <= end)]
    means = in_stage.groupby("adcode")[list(NODE_COVARIATES.values())].mean()
    absent = [int(a) for a in adcodes if int(a) not in means.index]
    if absent:
        raise InputError(f"covariates: no values in {start}-{end} for {len(absent)} cities in "
                         f"the network (adcodes {absent[:8]}); add rows for them or drop them "
                         "from the network explicitly.")
    frame = means.loc[[int(a) for a in adcodes]].rename(
        columns={v: k for k, v in NODE_COVARIATES.items()})
    if log:
        if (frame <= 0).any().any():
            bad = frame.columns[(frame <= 0).any()].tolist()
            raise InputError(f"covariates: {bad} have zero or negative values in {start}-{end}; "
                             "log transform impossible (set log=False).")
        frame = np.log(frame)
    if standardise:
        sd = frame.std(ddof=0).replace(0, 1.0)
        frame = (frame - frame.mean()) / sd
    frame.index = [str(a) for a in frame.index]
    return frame
