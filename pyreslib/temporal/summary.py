"""The summary table of a temporal model's results (text, HTML, LaTeX through
:mod:`pyreslib.ergm.tables`): a title, a header, rows of formatted cells in blocks (a rule
before each block after the first), and notes printed beneath."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pyreslib.ergm.tables import SummaryMixin, html_table, latex_table, text_table

__all__ = ["TemporalSummary", "number"]


def number(value: float, digits: int = 4) -> str:
    """A cell: ``digits`` decimals, ``NA``/``Inf``/``-Inf`` for the non-finite."""
    if not np.isfinite(value):
        return "NA" if np.isnan(value) else ("Inf" if value > 0 else "-Inf")
    return f"{value:.{digits}f}"


@dataclass
class TemporalSummary(SummaryMixin):
    """A results table: ``rows`` are ``(label, cells)``; ``rules_before`` the indices of
    rows that start a new block; ``notes`` lines printed under it."""

    title: str
    header: Sequence[str]
    rows: list[tuple[str, list[str]]]
    notes: list[str] = field(default_factory=list)
    rules_before: tuple[int, ...] = ()

    def as_text(self) -> str:
        return "\n".join([self.title, "", text_table(self.header, self.rows,
                                                     rules_before=self.rules_before),
                          *self.notes])

    def as_html(self) -> str:
        return html_table(self.header, self.rows, css_class="temporal-summary",
                          rules_before=self.rules_before, caption=self.title,
                          notes=[n for n in self.notes if n.strip()])

    def as_latex(self, caption: str | None = None, label: str = "tab:tergm") -> str:
        return latex_table(self.header, self.rows, caption=caption or self.title, label=label,
                           rules_before=self.rules_before,
                           notes=[n.strip() for n in self.notes if n.strip()])

    to_latex = as_latex
