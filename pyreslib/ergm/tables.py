"""Rendering of result tables (text, Markdown, LaTeX, HTML) shared by summaries and compare():
R's significance codes and number formats, the one LaTeX escaper (:func:`latex_escape`), the
table writers, and :class:`SummaryMixin`, which gives every summary object its
``__str__``/``_repr_html_`` from its ``as_text``/``as_html``.

A table here is a header (column labels), body rows ``(label, cells)``, optional indices of
rows that start a new block (a rule above them) and notes printed beneath, inside the table's
own frame (LaTeX ``table`` float, HTML ``<tfoot>``), so they travel with it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np

Row = tuple[str, Sequence[str]]


def significance_stars(p: float) -> str:
    """R's significance codes: *** < 0.001, ** < 0.01, * < 0.05, . < 0.1."""
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "." if p < 0.1 else ""


def r_format(value: float, digits: int = 4) -> str:
    """A number as R's ``format(x, digits=4)`` prints it in statnet's summary footer."""
    if not np.isfinite(value):
        return "NA" if np.isnan(value) else ("Inf" if value > 0 else "-Inf")
    if value != 0 and abs(value) >= 10 ** (digits - 1):
        return f"{value:.0f}"
    return f"{value:.{digits}g}"


class SummaryMixin:
    """``str(x)`` is ``x.as_text()`` and notebooks show ``x.as_html()``: one definition for
    every summary and table object (``as_latex`` is each class's own)."""

    def as_text(self) -> str:  # pragma: no cover - every user defines it
        raise NotImplementedError

    def as_html(self) -> str:
        import html as _html

        return "<pre>" + _html.escape(self.as_text()) + "</pre>"

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()

_TEX_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "_": r"\_", "#": r"\#",
                 "$": r"\$", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                 "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}"}


def latex_escape(text: str) -> str:
    """``text`` with every character LaTeX treats specially escaped (``\\ & % _ # $ { } ~ ^
    < >``): the one escaper of every ``.tex`` pyreslib writes."""
    return "".join(_TEX_SPECIALS.get(ch, ch) for ch in str(text))


def _latex_cell(text: str) -> str:
    """A cell; trailing significance codes of a number ('***', '.') become a superscript."""
    text = str(text)
    base = text.rstrip("*.")
    if not base or not base[-1].isdigit() or base == text:
        return latex_escape(text)
    return latex_escape(base) + f"$^{{{text[len(base):]}}}$"


def latex_table(header: Sequence[str], rows: Sequence[Row], *, caption: str, label: str,
                rules_before: Sequence[int] = (), notes: Sequence[str] = ()) -> str:
    """A booktabs table in a ``table`` float, notes in small type under the tabular."""
    lines = [r"\begin{table}[htbp]", r"\centering", f"\\caption{{{latex_escape(caption)}}}",
             f"\\label{{{label}}}", r"\begin{tabular}{l" + "r" * len(header) + "}", r"\toprule",
             " & ".join([""] + [latex_escape(c) for c in header]) + r" \\", r"\midrule"]
    for i, (name, cells) in enumerate(rows):
        if i in rules_before:
            lines.append(r"\midrule")
        lines.append(" & ".join([latex_escape(name)] + [_latex_cell(c) for c in cells]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    for note in notes:
        lines.append(r"\par\smallskip{\footnotesize " + latex_escape(note) + "}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def html_table(header: Sequence[str], rows: Sequence[Row], *, css_class: str,
               rules_before: Sequence[int] = (), notes: Sequence[str] = (),
               caption: str | None = None) -> str:
    """An HTML table; rows after a rule get ``class="stat"``, notes go in ``<tfoot>``."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
    body, in_stats = [], False
    for i, (name, cells) in enumerate(rows):
        in_stats = in_stats or i in rules_before
        cls = ' class="stat"' if in_stats else ""
        tds = "".join(f"<td>{html.escape(str(v))}</td>" for v in cells)
        body.append(f"<tr{cls}><th>{html.escape(str(name))}</th>{tds}</tr>")
    foot = "".join(f'<tr class="note"><td colspan="{len(header) + 1}">{html.escape(n)}</td></tr>'
                   for n in notes)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (f'<table class="{css_class}">{cap}<thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody>' + (f"<tfoot>{foot}</tfoot>" if foot else "")
            + "</table>")


def markdown_table(header: Sequence[str], rows: Sequence[Row], *,
                   notes: Sequence[str] = ()) -> str:
    from tabulate import tabulate

    table = tabulate([[name, *cells] for name, cells in rows], headers=["", *header],
                     tablefmt="github", colalign=["left"] + ["right"] * len(header))
    return table + "".join(f"\n\n{n}" for n in notes) + "\n"


def text_table(header: Sequence[str], rows: Sequence[Row], *,
               rules_before: Sequence[int] = (), notes: Sequence[str] = ()) -> str:
    """A plain-text table with right-aligned cells and a dashed rule before each block."""
    widths = [max([len(name) for name, _ in rows] + [0])]
    for k, column in enumerate(header):
        widths.append(max([len(str(column))] + [len(str(cells[k])) for _, cells in rows]))
    total = sum(widths) + 2 * len(header)

    def line(name: str, cells: Sequence[str]) -> str:
        return name.ljust(widths[0]) + "".join(
            "  " + str(c).rjust(w) for c, w in zip(cells, widths[1:]))

    out = [line("", header), "=" * total]
    for i, (name, cells) in enumerate(rows):
        if i in rules_before:
            out.append("-" * total)
        out.append(line(name, cells).rstrip())
    out.append("=" * total)
    out += list(notes)
    return "\n".join(out)
