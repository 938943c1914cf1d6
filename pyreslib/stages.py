"""Stages of a study: named, non-overlapping ranges of application years.

A patent belongs to the stage that contains its application year; networks, indicators and
models are computed per stage.  :data:`DEFAULT_STAGES` are the reference study's three.

Stages are kept in the order of their years, whatever the order they are given in: a
stage's ``memory`` term is the network of the stage before it, and cross-stage indices
compare a stage with the next, so both must follow time.  Stages given out of order are
sorted, with a :class:`UserWarning` that names the order used.

Examples
--------
>>> from pyreslib.stages import parse_stages
>>> parse_stages("2011-2014,2015-2017")
(Stage(label='2011-2014', start=2011, end=2014), Stage(label='2015-2017', start=2015, end=2017))
>>> parse_stages("2011-2014")[0].contains(2013)
True
>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     [s.label for s in parse_stages("2015-2017,2011-2014")]
['2011-2014', '2015-2017']
>>> print(caught[0].message)
stages: given out of order (2015-2017, 2011-2014); pyreslib uses them in the order of their years: 2011-2014, 2015-2017 (each stage's memory term and the cross-stage indices follow that order). List them by year to silence this warning.
"""

from __future__ import annotations

import itertools
import re
import sys
import warnings
from collections.abc import Iterable
from typing import NamedTuple

from pyreslib.errors import InputError
from pyreslib.study import STAGES as STUDY_STAGES

__all__ = ["DEFAULT_STAGES", "VALID_YEARS", "Stage", "check_stages", "parse_stages"]


class Stage(NamedTuple):
    """A stage of the study: application years ``start`` to ``end``, both included."""

    label: str
    start: int
    end: int

    def contains(self, year: int) -> bool:
        return self.start <= year <= self.end


DEFAULT_STAGES: tuple[Stage, ...] = tuple(Stage(*stage) for stage in STUDY_STAGES)
"""The reference study's three stages."""

VALID_YEARS = (1900, 2100)
"""Years outside this range are data errors (rejected rows), not merely out of stage."""

_STAGE_TEXT = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")


def parse_stages(text: str | Iterable[str]) -> tuple[Stage, ...]:
    """Stages from ``"2011-2014,2015-2017,2018-2021"`` (a single year ``"2015"`` is allowed).

    Stages must not overlap (a patent belongs to one stage) and years must lie in
    :data:`VALID_YEARS`; any problem raises :class:`InputError` naming the offending part.
    """
    parts = [p.strip() for p in text.split(",")] if isinstance(text, str) else list(text)
    if not parts or all(not p for p in parts):
        raise InputError("stages: no stage given; write them like 2011-2014,2015-2017,2018-2021.")
    stages = []
    for part in parts:
        match = _STAGE_TEXT.match(part)
        if not match:
            raise InputError(
                f"stages: {part!r} is not a year range; write stages like 2011-2014,2015-2017."
            )
        start = int(match.group(1))
        end = int(match.group(2) or start)
        if start > end:
            raise InputError(f"stages: {part!r} ends before it starts; write {end}-{start}.")
        for year in (start, end):
            if not VALID_YEARS[0] <= year <= VALID_YEARS[1]:
                raise InputError(
                    f"stages: year {year} in {part!r} is outside {VALID_YEARS[0]}-{VALID_YEARS[1]}."
                )
        label = f"{start}-{end}" if end != start else str(start)
        stages.append(Stage(label, start, end))
    return check_stages(stages)


def check_stages(stages: Iterable[Stage | tuple]) -> tuple[Stage, ...]:
    """``stages`` as :class:`Stage` tuples in the order of their years, after checking them.

    Labels must be usable in file names and distinct, stages must not overlap, years must lie
    in :data:`VALID_YEARS`.  Stages out of order are sorted by start year, with a warning
    (module docstring).

    Raises
    ------
    InputError
        Naming the label or the stages at fault.

    Examples
    --------
    >>> check_stages([("early", 2011, 2014), ("late", 2015, 2021)])[1]
    Stage(label='late', start=2015, end=2021)
    """
    stages = tuple(Stage(*s) for s in stages)
    if not stages:
        raise InputError("stages: no stage given; pass at least one Stage(label, start, end).")
    labels = [s.label for s in stages]
    for label in labels:
        if not re.fullmatch(r"[\w.-]+", label):
            raise InputError(
                f"stages: label {label!r} cannot be part of a file name; use letters, digits, "
                "'-', '_' or '.' (like 2011-2014)."
            )
    if len(set(labels)) != len(labels):
        raise InputError(f"stages: labels repeat in {labels}; give each stage its own label.")
    ordered = sorted(stages, key=lambda s: s.start)
    for earlier, later in itertools.pairwise(ordered):
        if later.start <= earlier.end:
            raise InputError(
                f"stages: {earlier.label} and {later.label} overlap; a patent must belong to one "
                "stage."
            )
    for s in stages:
        if s.start > s.end or not (VALID_YEARS[0] <= s.start and s.end <= VALID_YEARS[1]):
            raise InputError(f"stages: {s} is not a valid year range.")
    ordered = tuple(ordered)
    if ordered != stages:
        warnings.warn(
            f"stages: given out of order ({', '.join(s.label for s in stages)}); pyreslib uses "
            f"them in the order of their years: {', '.join(s.label for s in ordered)} (each "
            "stage's memory term and the cross-stage indices follow that order). List them by "
            "year to silence this warning.",
            UserWarning,
            stacklevel=_caller_level(),
        )
    return ordered


def _caller_level() -> int:
    """The stack level of the first frame outside pyreslib (ingest and the config call
    parse_stages), so that the warning points at the user's call."""
    frame, level = sys._getframe(1), 1
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("pyreslib."):
        frame, level = frame.f_back, level + 1
    return level
