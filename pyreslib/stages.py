"""Stages of a study: named, non-overlapping ranges of application years.

A patent belongs to the stage that contains its application year; networks, indicators and
models are computed per stage.  :data:`DEFAULT_STAGES` are the reference study's three.

Examples
--------
>>> from pyreslib.stages import parse_stages
>>> parse_stages("2011-2014,2015-2017")
(Stage(label='2011-2014', start=2011, end=2014), Stage(label='2015-2017', start=2015, end=2017))
>>> parse_stages("2011-2014")[0].contains(2013)
True
"""

from __future__ import annotations

import itertools
import re
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
    return stages
