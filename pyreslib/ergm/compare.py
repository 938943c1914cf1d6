"""Side-by-side comparison of ERGM fits across models and stages (linearmodels' ``compare``)."""

from __future__ import annotations

import hashlib
import html
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pyreslib.ergm.results import ERGMResults, significance_stars
from pyreslib.errors import ComparisonWarning, InputError

STAT_ROWS = ("N nodes", "Edges", "Log-likelihood", "AIC", "BIC", "Converged")


def _network_fingerprint(results: ERGMResults) -> str:
    model = results.model
    digest = hashlib.sha1(model.adjacency.tobytes())
    digest.update("\x1f".join(model.vertex_names).encode())
    return digest.hexdigest()


@dataclass
class Comparison:
    """Numbers of several fits side by side, with formatted tables in four formats.

    ``params``, ``bse``, ``pvalues``: terms x models (NaN where a model lacks the term);
    ``stats``: N nodes, edges, log-likelihood, AIC, BIC, converged per model;
    ``frame``: the formatted table (coefficient with stars, standard error in parentheses).
    """

    params: pd.DataFrame
    bse: pd.DataFrame
    pvalues: pd.DataFrame
    stats: pd.DataFrame
    digits: int = 3

    @property
    def frame(self) -> pd.DataFrame:
        rows, index = [], []
        for term in self.params.index:
            coef_row, se_row = [], []
            for model in self.params.columns:
                coef = self.params.loc[term, model]
                if np.isnan(coef):
                    coef_row.append("")
                    se_row.append("")
                    continue
                stars = significance_stars(self.pvalues.loc[term, model])
                coef_row.append(f"{coef:.{self.digits}f}{stars}")
                se_row.append(f"({self.bse.loc[term, model]:.{self.digits}f})")
            rows += [coef_row, se_row]
            index += [term, ""]
        for stat in STAT_ROWS:
            values = []
            for model in self.params.columns:
                v = self.stats.loc[stat, model]
                if stat in ("N nodes", "Edges"):
                    values.append(f"{int(v)}")
                elif stat == "Converged":
                    values.append("yes" if bool(v) else "NO")
                else:
                    values.append(f"{v:.2f}" if np.isfinite(v) else "NA")
            rows.append(values)
            index.append(stat)
        return pd.DataFrame(rows, index=index, columns=self.params.columns)

    NOTE = "Standard errors in parentheses. *** p<0.001, ** p<0.01, * p<0.05, . p<0.1"

    def to_markdown(self) -> str:
        from tabulate import tabulate

        frame = self.frame
        table = tabulate(frame.reset_index().to_numpy().tolist(),
                         headers=[""] + list(frame.columns), tablefmt="github",
                         colalign=["left"] + ["right"] * len(frame.columns))
        return table + "\n\n" + self.NOTE + "\n"

    def to_latex(self, caption: str = "ERGM estimates", label: str = "tab:ergm") -> str:
        frame = self.frame

        def tex(text: str) -> str:
            specials = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "_": r"\_",
                        "#": r"\#", "$": r"\$", "{": r"\{", "}": r"\}"}
            return "".join(specials.get(ch, ch) for ch in text)

        def cell(text: str) -> str:
            base = text.rstrip("*.")
            stars = text[len(base):]
            return tex(base) + (f"$^{{{stars}}}$" if stars else "")

        lines = [r"\begin{table}[htbp]", r"\centering", f"\\caption{{{tex(caption)}}}",
                 f"\\label{{{label}}}", r"\begin{tabular}{l" + "r" * frame.shape[1] + "}",
                 r"\toprule", " & ".join([""] + [tex(str(c)) for c in frame.columns]) + r" \\",
                 r"\midrule"]
        n_terms = 2 * len(self.params.index)
        for i, (name, row) in enumerate(frame.iterrows()):
            if i == n_terms:
                lines.append(r"\midrule")
            lines.append(" & ".join([tex(str(name))] + [cell(str(v)) for v in row]) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}",
                  r"\par\smallskip{\footnotesize " + tex(self.NOTE) + "}", r"\end{table}"]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        frame = self.frame
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
        body = []
        n_terms = 2 * len(self.params.index)
        for i, (name, row) in enumerate(frame.iterrows()):
            cls = ' class="stat"' if i >= n_terms else ""
            cells = "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
            body.append(f"<tr{cls}><th>{html.escape(str(name))}</th>{cells}</tr>")
        return (f'<table class="ergm-compare"><thead><tr><th></th>{head}</tr></thead>'
                f'<tbody>{"".join(body)}</tbody></table><p class="note">{html.escape(self.NOTE)}</p>')

    def __str__(self) -> str:
        return self.frame.to_string()

    def _repr_html_(self) -> str:
        return self.to_html()


def compare(results: Sequence[ERGMResults] | dict[str, ERGMResults],
            names: Sequence[str] | None = None, *, digits: int = 3) -> Comparison:
    """Compare ERGM fits side by side.

    Parameters
    ----------
    results : sequence of ERGMResults, or dict name -> ERGMResults
    names : column names (default: dict keys, else "model 1", "model 2", ...)
    digits : decimals shown in the formatted tables

    Terms appear in order of first appearance across the models.  A
    :class:`~pyreslib.errors.ComparisonWarning` is issued when the fits are to different
    networks: their AIC/BIC are then not comparable (each stage's own models are).
    """
    if isinstance(results, dict):
        names = list(results) if names is None else list(names)
        results = list(results.values())
    results = list(results)
    if not results:
        raise InputError("compare: give at least one fitted ERGM.")
    if not all(isinstance(r, ERGMResults) for r in results):
        raise InputError("compare: every item must be an ERGMResults (from ERGM(...).fit()).")
    names = [f"model {i + 1}" for i in range(len(results))] if names is None else list(names)
    if len(names) != len(results) or len(set(names)) != len(names):
        raise InputError(f"compare: names {names!r} must be unique, one per result.")
    terms: list[str] = []
    for r in results:
        terms += [t for t in r.params.index if t not in terms]
    params = pd.DataFrame({n: r.params.reindex(terms) for n, r in zip(names, results)})
    bse = pd.DataFrame({n: r.bse.reindex(terms) for n, r in zip(names, results)})
    pvalues = pd.DataFrame({n: r.pvalues.reindex(terms) for n, r in zip(names, results)})
    stats = pd.DataFrame({n: [r.n_nodes, r.n_edges, r.llf, r.aic, r.bic, r.converged]
                          for n, r in zip(names, results)}, index=list(STAT_ROWS), dtype=object)
    if len({_network_fingerprint(r) for r in results}) > 1:
        warnings.warn(ComparisonWarning(
            "compare: these models were fit to different networks (e.g. different stages); "
            "their AIC and BIC are shown but are only comparable between models of the same "
            "network."), stacklevel=2)
    return Comparison(params, bse, pvalues, stats, digits)
