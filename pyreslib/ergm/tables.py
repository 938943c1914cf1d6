"""Rendering of result tables (text, Markdown, LaTeX, HTML) shared by summaries and compare().

A table here is a header (column labels), body rows ``(label, cells)``, optional indices of
rows that start a new block (a rule above them) and notes printed beneath, inside the table's
own frame (LaTeX ``table`` float, HTML ``<tfoot>``), so they travel with it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

Row = tuple[str, Sequence[str]]

_TEX_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "_": r"\_", "#": r"\#",
                 "$": r"\$", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                 "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}"}


def latex_escape(text: str) -> str:
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
