"""Side-by-side comparison of ERGM fits across models and stages (linearmodels' ``compare``,
with texreg's table options).

Each model is a column: its coefficients with significance stars and, beneath each, a chosen
statistic (standard error, z, p-value or confidence interval); then rows saying how each
model was estimated (MLE, MCMC-MLE, MPLE and its standard errors), its log-likelihood, how that
was obtained and its Monte Carlo standard error, AIC, BIC, nodes, edges, dyads and
convergence.  When the table puts side by side what is not comparable (fits to different
networks, or an MPLE pseudo-likelihood next to likelihoods), the affected cells are marked
and a note in the table itself says why, in every rendering (text, Markdown, LaTeX, HTML and
the ``frame``), besides a :class:`~pyreslib.errors.ComparisonWarning`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.ergm.inference import network_fingerprint
from pyreslib.ergm.results import ERGMResults
from pyreslib.ergm.tables import (
    SummaryMixin,
    html_table,
    latex_table,
    markdown_table,
    significance_stars,
    text_table,
)
from pyreslib.errors import ComparisonWarning, InputError

STAT_ROWS = ("Estimation", "Log-likelihood", "Log-lik. method", "Log-lik. MC s.e.", "AIC",
             "BIC", "Nodes", "Edges", "Dyads", "Network", "Converged")
STATISTICS = {"std_errors": "Standard errors in parentheses.",
              "tstats": "z statistics in parentheses.",
              "pvalues": "p-values in parentheses.",
              "conf_int": "{level:g}% confidence intervals in brackets.",
              None: ""}
_ALIASES = {"se": "std_errors", "bse": "std_errors", "z": "tstats", "p": "pvalues",
            "ci": "conf_int", "none": None}
STARS_NOTE = "*** p<0.001, ** p<0.01, * p<0.05, . p<0.1"
DIFFERENT_NETWORKS = "†"
PSEUDO = "‡"
_ESTIMATION = {"Maximum Likelihood": "MLE", "Monte Carlo Maximum Likelihood": "MCMC-MLE",
               "Maximum Pseudolikelihood": "MPLE"}


@dataclass
class Comparison(SummaryMixin):
    """Numbers of several fits side by side, with formatted tables in five formats.

    ``params``, ``bse``, ``tvalues``, ``pvalues``, ``lower``, ``upper``: terms x models (NaN
    where a model lacks the term; ``present`` says which it has); ``stats``: the rows of
    :data:`STAT_ROWS` per model (``Network`` labels each distinct network A, B, ...);
    ``notes``: what the table warns about; ``frame``: the formatted table.  The display options
    (``statistic``, ``stars``, ``digits``, ``extra_rows``) can be changed with
    ``dataclasses.replace(comparison, stars=False)``.
    """

    params: pd.DataFrame
    bse: pd.DataFrame
    pvalues: pd.DataFrame
    stats: pd.DataFrame
    digits: int = 3
    tvalues: pd.DataFrame | None = None
    lower: pd.DataFrame | None = None
    upper: pd.DataFrame | None = None
    present: pd.DataFrame | None = None
    statistic: str | None = "std_errors"
    stars: bool = True
    alpha: float = 0.05
    extra_rows: dict[str, list[Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    markers: dict[tuple[str, str], str] = field(default_factory=dict)

    # ---- the table -----------------------------------------------------------------------

    def _number(self, value: float) -> str:
        if np.isnan(value):
            return "NA"
        if np.isinf(value):
            return "Inf" if value > 0 else "-Inf"
        return f"{value:.{self.digits}f}"

    def _term_rows(self) -> list[tuple[str, list[str]]]:
        rows = []
        present = self.present if self.present is not None else self.params.notna()
        for term in self.params.index:
            coef_row, stat_row = [], []
            for model in self.params.columns:
                if not present.loc[term, model]:
                    coef_row.append("")
                    stat_row.append("")
                    continue
                stars = significance_stars(self.pvalues.loc[term, model]) if self.stars else ""
                coef_row.append(self._number(self.params.loc[term, model]) + stars)
                if self.statistic is not None:
                    stat_row.append(self._statistic_cell(term, model))
            rows.append((str(term), coef_row))
            if self.statistic is not None:
                rows.append(("", stat_row))
        return rows

    def _statistic_cell(self, term: str, model: str) -> str:
        if self.statistic == "conf_int":
            return (f"[{self._number(self.lower.loc[term, model])}, "
                    f"{self._number(self.upper.loc[term, model])}]")
        source = {"std_errors": self.bse, "tstats": self.tvalues,
                  "pvalues": self.pvalues}[self.statistic]
        return f"({self._number(source.loc[term, model])})"

    def _stat_rows(self) -> list[tuple[str, list[str]]]:
        rows = []
        for stat in self.stats.index:
            if stat == "Network" and self.stats.loc["Network"].nunique() == 1:
                continue
            cells = []
            for model in self.stats.columns:
                value = self.stats.loc[stat, model]
                if stat in ("Nodes", "Edges", "Dyads"):
                    text = f"{int(value)}"
                elif stat == "Converged":
                    text = "yes" if bool(value) else "NO"
                elif isinstance(value, str):
                    text = value
                elif stat == "Log-lik. MC s.e.":
                    text = f"{value:.{max(self.digits, 2)}g}" if np.isfinite(value) else "NA"
                else:
                    text = f"{value:.2f}" if np.isfinite(value) else "NA"
                cells.append(text + self.markers.get((stat, model), ""))
            rows.append((stat, cells))
        for name, values in self.extra_rows.items():
            rows.append((name, [v if isinstance(v, str) else self._number(float(v))
                                for v in values]))
        return rows

    @property
    def notes(self) -> list[str]:
        """What the table says beneath it: the warnings first, then how to read the cells."""
        reading = STATISTICS[self.statistic].format(level=100 * (1 - self.alpha))
        legend = " ".join(part for part in (reading, STARS_NOTE if self.stars else "") if part)
        return [*self.warnings, *([legend] if legend else [])]

    def _layout(self) -> tuple[list[str], list[tuple[str, list[str]]], list[int]]:
        terms = self._term_rows()
        stats = self._stat_rows()
        return [str(c) for c in self.params.columns], terms + stats, [len(terms)]

    @property
    def frame(self) -> pd.DataFrame:
        """The formatted table as a DataFrame of strings, the notes as its last rows."""
        header, rows, _ = self._layout()
        rows = rows + [("Note", [note] + [""] * (len(header) - 1)) for note in self.notes]
        return pd.DataFrame([cells for _, cells in rows], index=[name for name, _ in rows],
                            columns=self.params.columns)

    def as_text(self) -> str:
        header, rows, rules = self._layout()
        return text_table(header, rows, rules_before=rules, notes=self.notes)

    def to_markdown(self) -> str:
        header, rows, _ = self._layout()
        return markdown_table(header, rows, notes=self.notes)

    def as_latex(self, caption: str = "ERGM estimates", label: str = "tab:ergm") -> str:
        header, rows, rules = self._layout()
        return latex_table(header, rows, caption=caption, label=label, rules_before=rules,
                           notes=self.notes)

    def as_html(self) -> str:
        header, rows, rules = self._layout()
        return html_table(header, rows, css_class="ergm-compare", rules_before=rules,
                          notes=self.notes)

    # pandas' spellings, which users of earlier versions call
    to_latex = as_latex
    to_html = as_html


def _estimation(r: ERGMResults) -> str:
    short = _ESTIMATION.get(r.estimate_desc, r.estimate_desc)
    note = r.se_note
    if note:
        short += " (naive SE)" if note.startswith("naive") else f" ({note})"
    return short


def _statistic_choice(statistic: Any) -> str | None:
    if isinstance(statistic, str):
        statistic = _ALIASES.get(statistic.lower(), statistic)
    if statistic not in STATISTICS:
        raise InputError(f"compare: statistic={statistic!r}: choose 'std_errors', 'tstats', "
                         "'pvalues', 'conf_int' or None.")
    return statistic


def _omitted(terms: list[str], omit: str | Iterable[str] | None) -> set[str]:
    if omit is None:
        return set()
    if isinstance(omit, str):
        try:
            pattern = re.compile(omit)
        except re.error as exc:
            raise InputError(f"compare: omit={omit!r} is not a valid regular expression "
                             f"({exc}); give a pattern or a list of term names.") from None
        return {t for t in terms if pattern.search(t)}
    names = list(omit)
    unknown = [n for n in names if n not in terms]
    if unknown:
        raise InputError(f"compare: omit names {unknown}, which no model has; terms: {terms}.")
    return set(names)


def _renamed(frame: pd.DataFrame, present: pd.DataFrame, rename: Mapping[str, str]) -> list[str]:
    unknown = [k for k in rename if k not in frame.index]
    if unknown:
        raise InputError(f"compare: rename names {unknown}, which no model has; terms: "
                         f"{list(frame.index)}.")
    new = [rename.get(t, t) for t in frame.index]
    for name in set(new):
        rows = [t for t, n in zip(frame.index, new) if n == name]
        if len(rows) > 1 and (present.loc[rows].sum(axis=0) > 1).any():
            raise InputError(f"compare: rename maps {rows} to {name!r}, but one model has "
                             "several of them; rows can only be merged across models.")
    return new


def _merge_rows(frame: pd.DataFrame, new_index: list[str]) -> pd.DataFrame:
    """Rows renamed to the same label are merged (each model has at most one of them)."""
    out = frame.copy()
    out.index = new_index
    return out.groupby(level=0, sort=False).first()


def _extra_rows(extra_rows: Mapping[str, Any] | None, names: list[str]) -> dict[str, list]:
    out: dict[str, list] = {}
    for label, values in (extra_rows or {}).items():
        if isinstance(values, Mapping):
            unknown = [k for k in values if k not in names]
            if unknown:
                raise InputError(f"compare: extra_rows[{label!r}] names models {unknown}; "
                                 f"models: {names}.")
            out[str(label)] = [values.get(n, "") for n in names]
        elif isinstance(values, Sequence) and not isinstance(values, str) and \
                len(values) == len(names):
            out[str(label)] = list(values)
        else:
            raise InputError(f"compare: extra_rows[{label!r}] needs one value per model "
                             f"({len(names)}), as a list or a dict by model name.")
    return out


def compare(results: Sequence[ERGMResults] | Mapping[str, ERGMResults],
            names: Sequence[str] | None = None, *, statistic: str | None = "std_errors",
            stars: bool = True, digits: int = 3, rename: Mapping[str, str] | None = None,
            omit: str | Iterable[str] | None = None,
            extra_rows: Mapping[str, Any] | None = None, alpha: float = 0.05) -> Comparison:
    """Compare ERGM fits side by side.

    Parameters
    ----------
    results : sequence of ERGMResults, or dict name -> ERGMResults
    names : column names (default: dict keys, else "model 1", "model 2", ...)
    statistic : {"std_errors", "tstats", "pvalues", "conf_int", None}
        What goes beneath each coefficient (aliases "se", "z", "p", "ci").
    stars : bool
        Significance stars on the coefficients (R's codes).
    digits : int
        Decimals shown.
    rename : dict old term name -> label (terms renamed alike are merged into one row when
        no model has both, as texreg does).
    omit : list of term names, or a regular expression; those rows are left out.
    extra_rows : dict label -> one value per model (list, or dict by model name), appended
        beneath the fit statistics (e.g. ``{"Stage FE": ["no", "yes"]}``).
    alpha : level of the confidence intervals for ``statistic="conf_int"``.

    Terms appear in order of first appearance across the models.  A
    :class:`~pyreslib.errors.ComparisonWarning` is issued, and a note and cell markers put
    in the table, when the fits are to different networks (their AIC/BIC are then not
    comparable; each network's own models are), or when an MPLE pseudo-likelihood stands
    next to likelihoods.

    Returns
    -------
    Comparison
        The table: ``as_text()``, ``as_html()``, ``as_latex()``, ``to_markdown()`` and
        ``frame`` (a DataFrame of the formatted cells).

    Examples
    --------
    >>> from pyreslib.ergm import ERGM, compare, statnet_network
    >>> flo = statnet_network("flomarriage", dataset="florentine")
    >>> fits = {f: ERGM(flo.adjacency, f, node_covariates=flo.covariates).fit(seed=1)
    ...         for f in ("edges", "edges + nodecov('wealth')")}
    >>> table = compare(fits, names=["null", "wealth"])
    >>> print(table.as_text().splitlines()[2])
    edges             -1.609***  -2.595***

    References
    ----------
    .. [1] Leifeld, P. (2013). texreg: Conversion of statistical model output in R to LaTeX
       and HTML tables. *Journal of Statistical Software* 55(8). doi:10.18637/jss.v055.i08
    """
    if isinstance(results, Mapping):
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
    statistic = _statistic_choice(statistic)
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 12:
        raise InputError(f"compare: digits={digits!r}: give a whole number from 0 to 12.")
    if not isinstance(stars, bool):
        raise InputError(f"compare: stars={stars!r}: give True or False.")
    if not (isinstance(alpha, float) and 0 < alpha < 1):
        raise InputError(f"compare: alpha={alpha!r}: give a level between 0 and 1, e.g. 0.05.")
    terms: list[str] = []
    for r in results:
        terms += [t for t in r.params.index if t not in terms]
    dropped = _omitted(terms, omit)
    kept = [t for t in terms if t not in dropped]
    if not kept:
        raise InputError(f"compare: omit={omit!r} leaves no term to show.")

    def table(get) -> pd.DataFrame:
        return pd.DataFrame({n: get(r).reindex(kept) for n, r in zip(names, results)})

    frames = {
        "params": table(lambda r: r.params), "bse": table(lambda r: r.bse),
        "tvalues": table(lambda r: r.tvalues), "pvalues": table(lambda r: r.pvalues),
        "lower": table(lambda r: r.conf_int(alpha)["lower"]),
        "upper": table(lambda r: r.conf_int(alpha)["upper"]),
        "present": pd.DataFrame({n: pd.Series(True, index=r.params.index).reindex(
            kept, fill_value=False) for n, r in zip(names, results)}),
    }
    if rename:
        new_index = _renamed(frames["params"], frames["present"], rename)
        frames = {k: _merge_rows(v, new_index) for k, v in frames.items()}
        frames["present"] = frames["present"].astype(bool)
    fingerprints = [network_fingerprint(r) for r in results]
    labels = {fp: chr(ord("A") + i) for i, fp in enumerate(dict.fromkeys(fingerprints))}
    stats = pd.DataFrame({
        n: [_estimation(r), r.llf, r.loglik_method, r.llf_mcse, r.aic, r.bic, r.n_nodes,
            r.n_edges, r.nobs, labels[fp], r.converged]
        for n, r, fp in zip(names, results, fingerprints)}, index=list(STAT_ROWS), dtype=object)
    notes, markers = [], {}
    if len(labels) > 1:
        for n in names:
            markers[("AIC", n)] = markers[("BIC", n)] = DIFFERENT_NETWORKS
        notes.append(f"{DIFFERENT_NETWORKS} These models were fit to {len(labels)} different "
                     "networks (row Network): their log-likelihoods, AIC and BIC are not "
                     "comparable across networks, only between models of the same network.")
        warnings.warn(ComparisonWarning(
            "compare: these models were fit to different networks (e.g. different stages); "
            "their AIC and BIC are shown but are only comparable between models of the same "
            "network. The table says so in its notes."), stacklevel=2)
    pseudo = [n for n, r in zip(names, results) if r.loglik_method.startswith("pseudo")]
    if pseudo:
        for n in pseudo:
            for row in ("Log-likelihood", "AIC", "BIC"):
                markers[(row, n)] = markers.get((row, n), "") + PSEUDO
        notes.append(f"{PSEUDO} MPLE of a dyad-dependent model: a pseudo-likelihood, not a "
                     "log-likelihood; its AIC/BIC are not comparable with likelihood-based "
                     "ones, and its naive standard errors are too small.")
        if len(pseudo) < len(results):
            warnings.warn(ComparisonWarning(
                f"compare: {pseudo} are MPLE fits of dyad-dependent models, shown next to "
                "likelihood-based fits; their pseudo-likelihood AIC/BIC are not comparable. "
                "The table says so in its notes."), stacklevel=2)
    return Comparison(
        frames["params"], frames["bse"], frames["pvalues"], stats, digits,
        tvalues=frames["tvalues"], lower=frames["lower"], upper=frames["upper"],
        present=frames["present"], statistic=statistic, stars=stars, alpha=alpha,
        extra_rows=_extra_rows(extra_rows, names), warnings=notes, markers=markers)


__all__ = ["Comparison", "compare"]
