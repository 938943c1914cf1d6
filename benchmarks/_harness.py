"""Shared helpers for the benchmark modules: timing, peak memory, and the record format."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def machine_description() -> str:
    try:
        import cpuinfo  # py-cpuinfo2

        cpu = cpuinfo.get_cpu_info().get("brand_raw", platform.processor())
    except Exception:  # noqa: BLE001 - any failure: fall back to the generic name
        cpu = platform.processor() or "unknown CPU"
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    return f"{cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GB RAM, {platform.system()} {platform.release()}"


def alternating_samples(
    subject: Callable[[], object], anchor: Callable[[], object], repeats: int = 3
) -> tuple[list[float], list[float]]:
    """Wall seconds of every run of ``subject`` and ``anchor``, run alternately ``repeats``
    times each (alternating spreads any drift of the machine's load over both)."""
    subject_times: list[float] = []
    anchor_times: list[float] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subject()
        subject_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        anchor()
        anchor_times.append(time.perf_counter() - t0)
    return subject_times, anchor_times


def time_alternating(
    subject: Callable[[], object], anchor: Callable[[], object], repeats: int = 3
) -> tuple[float, float]:
    """Median wall seconds of ``subject`` and ``anchor``, run alternately ``repeats`` times each."""
    subject_times, anchor_times = alternating_samples(subject, anchor, repeats)
    return statistics.median(subject_times), statistics.median(anchor_times)


def timed(fn: Callable[[], object], repeats: int = 1) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_rss_of_python(code: str) -> tuple[float, float]:
    """Run ``code`` in a fresh Python; return (wall seconds, peak RSS in MB) of that child.

    The peak is the child's own high-water mark (VmHWM from /proc/self/status, read at its
    end): getrusage(RUSAGE_CHILDREN) would report the largest of all children so far, and a
    forked child starts with the parent's image counted in.
    """
    probe = (
        "\nwith open('/proc/self/status') as _f:\n"
        "    print('__VMHWM_KB__', [l.split()[1] for l in _f if l.startswith('VmHWM:')][0])\n"
    )
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code + probe], check=True, capture_output=True,
                          text=True)
    wall = time.perf_counter() - t0
    peak_kb = next(float(line.split()[1]) for line in done.stdout.splitlines()
                   if line.startswith("__VMHWM_KB__"))
    return wall, peak_kb / 1024


@dataclass
class Measurement:
    """One benchmark: what was measured, against which anchor, and the ratio."""

    name: str
    what: str
    anchor: str
    seconds: float
    anchor_seconds: float | None = None
    target: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    table: str = ""  # an optional markdown table printed under the bullet points
    # optional: every repeat's seconds (pyreslib and anchor), and the ratio the target allows;
    # with them the section states the repeats, their spread, whether the target is met, and
    # whether the difference from the anchor is smaller than the repeats' own spread
    samples: list[float] = field(default_factory=list)
    anchor_samples: list[float] = field(default_factory=list)
    max_ratio: float | None = None
    # for a target that is not a ratio (a time or memory ceiling): whether it was met;
    # None when it was not judged (e.g. a --quick run, smaller than the target's size)
    target_met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.anchor_seconds in (None, 0):
            return None
        return self.seconds / self.anchor_seconds

    def one_line(self) -> str:
        ratio = f"ratio {self.ratio:.3f}" if self.ratio is not None else "no ratio"
        return f"{self.name}: {self.seconds:.3f}s, anchor {self.anchor_seconds}, {ratio}"

    def to_markdown(self) -> list[str]:
        rows = [
            f"### {self.name}",
            "",
            f"- Measures: {self.what}",
            f"- Anchor (same run): {self.anchor}",
        ]
        if self.seconds == self.seconds:  # NaN: a table-only measurement (see `table`)
            rows.append(f"- pyreslib: {self.seconds:.3f} s")
        if self.anchor_seconds is not None:
            rows.append(f"- Anchor: {self.anchor_seconds:.3f} s")
        if self.ratio is not None:
            rows.append(f"- **Ratio pyreslib / anchor: {self.ratio:.3f}**")
        if self.target:
            rows.append(f"- Target: {self.target}")
        rows += self._verdict()
        for key, value in self.extra.items():
            rows.append(f"- {key}: {value}")
        rows.append("")
        if self.table:
            rows += [self.table.rstrip("\n"), ""]
        return rows

    def _verdict(self) -> list[str]:
        rows = []
        for label, values in (("pyreslib", self.samples), ("anchor", self.anchor_samples)):
            if values:
                rows.append(f"- repeats ({label}): {len(values)}, {min(values):.3f}-"
                            f"{max(values):.3f} s")
        if self.max_ratio is not None and self.ratio is not None:
            met = self.ratio <= self.max_ratio
            rows.append(f"- Meets the target (ratio at most {self.max_ratio}): "
                        + ("yes" if met else "NO"))
        if self.target_met is not None:
            rows.append("- Meets the target: " + ("yes" if self.target_met else "NO"))
        if len(self.samples) > 1 and len(self.anchor_samples) > 1:
            overlap = (min(self.samples) <= max(self.anchor_samples)
                       and min(self.anchor_samples) <= max(self.samples))
            if overlap:
                rows.append("- Noise: the two ranges overlap, so the difference from the "
                            "anchor is smaller than the repeats' spread")
        return rows
