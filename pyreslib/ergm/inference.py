"""Likelihood inference after an ERGM fit: deviance tables, likelihood-ratio and Wald tests.

**Analysis of deviance** (:func:`anova`) is statnet's ``anova.ergm``, computed by it: for
models ``0`` (the null model, every coefficient 0, i.e. each tie has probability 1/2),
``1, ..., m`` fitted to the same network,

.. math::  D_i = 2\\,(\\ell_i - \\ell_{i-1}), \\qquad
           p_i = P\\big(\\chi^2_{|k_i - k_{i-1}|} > |D_i|\\big),

where :math:`\\ell_i` is model *i*'s log-likelihood and :math:`k_i` its number of free
(non-offset) parameters.  For a dyad-dependent model :math:`\\ell_i` is a Monte Carlo estimate
(bridge sampling; Hunter & Handcock 2006, *J. Comput. Graph. Stat.* 15(3),
doi:10.1198/106186006X133069) with standard error ``llf_mcse``, so when two nested models fit
about equally well :math:`D_i` can come out slightly *negative*.  statnet prints that negative
deviance as it is and takes the p-value of its absolute value; pyreslib does the same and says
so in the table's notes.

**Wald tests** (:func:`wald_test`) of linear hypotheses :math:`R\\theta = q` use the estimated
covariance :math:`V` of the coefficients (ergm's ``vcov``, MCMC error included):

.. math::  W = (R\\hat\\theta - q)^\\top (R V R^\\top)^{-1} (R\\hat\\theta - q)
           \\sim \\chi^2_{\\operatorname{rank} R}

asymptotically (e.g. Wooldridge 2010, *Econometric Analysis of Cross Section and Panel
Data*, 2nd ed., sec. 12.6).  A single hypothesis ``"x = 0"`` gives :math:`W = z^2` and the
p-value of statnet's summary table.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge
from pyreslib.ergm.distributions import chi2_sf
from pyreslib.ergm.tables import SummaryMixin, significance_stars
from pyreslib.errors import InputError

ANOVA_COLUMNS = ("Df", "Deviance", "Resid. Df", "Resid. Dev", "Pr(>|Chisq|)")


# ---- facts about one fit's likelihood ----------------------------------------------------------


@dataclass(frozen=True)
class LikelihoodFacts:
    """What statnet's summary says about a fit's (pseudo-)likelihood; read once from R."""

    llnull: float
    null_lik_0: bool
    llf_mcse: float
    loglik_method: str
    deviance_label: str
    message: str
    covariance_method: str
    df_model: int
    llr: float
    llr_pvalue: float

    @property
    def pseudo(self) -> bool:
        return self.loglik_method.startswith("pseudo")


def likelihood_facts(results) -> LikelihoodFacts:
    """The :class:`LikelihoodFacts` of ``results``, computed by R on first use and kept."""
    cached = results.__dict__.get("_likelihood_facts")
    if cached is not None:
        return cached
    info = bridge.as_dict(bridge.call("pyreslib_likelihood_info",
                                      context=f"reading the likelihood of '{results.formula}'",
                                      fit=results._r_fit))
    llnull = bridge.as_float(info["llnull"])
    llr = llr_p = float("nan")
    if not bridge.is_null(info["anova"]) and np.isfinite(llnull):
        table = _anova_frame(bridge.as_dict(info["anova"]))
        llr = float(table["Deviance"].iloc[1])
        llr_p = float(table["Pr(>|Chisq|)"].iloc[1])
    vcov = bridge.as_float(info["llf_vcov"])
    facts = LikelihoodFacts(
        llnull=llnull,
        null_lik_0=bool(info["null_lik_0"][0]),
        llf_mcse=math.sqrt(vcov) if np.isfinite(vcov) and vcov >= 0 else float("nan"),
        loglik_method=str(info["loglik_method"][0]),
        deviance_label=str(info["deviance_label"][0]).rstrip(":"),
        message=" ".join(str(info["message"][0]).split()),
        covariance_method=str(info["covariance_method"][0]),
        df_model=int(bridge.as_float(info["nparam_free"])),
        llr=llr,
        llr_pvalue=llr_p,
    )
    results.__dict__["_likelihood_facts"] = facts
    return facts


# ---- test results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HypothesisTest:
    """The result of a chi-square test: statistic, degrees of freedom, p-value.

    ``restrictions`` (Wald tests) is the labelled matrix ``R`` and ``q`` the right-hand side of
    ``R theta = q``; ``table`` (likelihood-ratio tests) is the deviance table it came from.
    """

    test: str
    statistic: float
    df: int
    pvalue: float
    hypotheses: tuple[str, ...] = ()
    restrictions: pd.DataFrame | None = None
    q: pd.Series | None = None
    table: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        lines = [f"{self.test} test", ""]
        lines += [f"  H0: {h}" for h in self.hypotheses]
        lines += ["", f"  chi2({self.df}) = {self.statistic:.4f},  P > chi2 = {self.pvalue:.4g}"]
        lines += [f"  Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"<{self.test} test: statistic={self.statistic:.4f}, p-value={self.pvalue:.4g}, "
                f"df={self.df}>")


# ---- analysis of deviance ----------------------------------------------------------------------


@dataclass
class AnovaResults(SummaryMixin):
    """statnet's analysis-of-deviance table for nested ERGM fits.

    ``table`` has R's row names (``NULL``, then ``1``, ``2``, ... or ``Model 1:`` for one fit)
    and columns ``Df, Deviance, Resid. Df, Resid. Dev, Pr(>|Chisq|)`` with R's values (NaN
    where R prints nothing).  ``notes`` say when a deviance is negative (Monte Carlo error of
    the log-likelihoods) or a log-likelihood is an MPLE pseudo-likelihood.
    """

    table: pd.DataFrame
    formulas: list[str]
    notes: list[str]

    def as_text(self) -> str:
        shown = self.table.copy()
        text = pd.DataFrame(index=shown.index)
        text["Df"] = shown["Df"].map(lambda v: "" if np.isnan(v) else f"{v:.0f}")
        text["Deviance"] = shown["Deviance"].map(lambda v: "" if np.isnan(v) else f"{v:.3f}")
        text["Resid. Df"] = shown["Resid. Df"].map(lambda v: f"{v:.0f}")
        text["Resid. Dev"] = shown["Resid. Dev"].map(lambda v: f"{v:.2f}")
        text["Pr(>|Chisq|)"] = shown["Pr(>|Chisq|)"].map(_format_p)
        text[""] = shown["Pr(>|Chisq|)"].map(significance_stars)
        lines = ["Analysis of Deviance Table", ""]
        lines += [f"Model {i + 1}: {f}" for i, f in enumerate(self.formulas)]
        lines += ["", text.to_string(), "---",
                  "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)



def _format_p(p: float) -> str:
    if np.isnan(p):
        return ""
    return "< 2.2e-16" if p < 2.2e-16 else f"{p:.4g}"


def _anova_frame(parts: dict[str, Any]) -> pd.DataFrame:
    columns = ("df", "deviance", "resid_df", "resid_dev", "p")
    return pd.DataFrame({name: bridge.as_float_array(parts[key])
                         for name, key in zip(ANOVA_COLUMNS, columns)},
                        index=pd.Index(bridge.as_str_list(parts["rows"])))


def network_fingerprint(results) -> str:
    """A digest of the observed network (ties, vertex names, direction) a fit was made to."""
    model = results.model
    digest = hashlib.sha1(np.ascontiguousarray(model.adjacency).tobytes())
    digest.update("\x1f".join(model.vertex_names).encode())
    digest.update(b"directed" if model.directed else b"undirected")
    return digest.hexdigest()


def _describe(i: int, results) -> str:
    return f"model {i + 1} ('{results.formula}')"


def _check_same_data(i: int, a, j: int, b, what: str) -> None:
    """Refuse a comparison of fits whose likelihoods are not of the same data and model class."""
    if network_fingerprint(a) != network_fingerprint(b):
        raise InputError(
            f"{what}: {_describe(i, a)} and {_describe(j, b)} were fit to different networks "
            f"({a.n_nodes} nodes / {a.n_edges} edges vs {b.n_nodes} nodes / {b.n_edges} "
            "edges, or different ties or vertex names). Likelihoods of different networks "
            "cannot be compared; for stages, fit a pooled model of all stages instead."
        )
    for attribute in ("response", "reference", "constraints"):
        va, vb = getattr(a.model, attribute, None), getattr(b.model, attribute, None)
        if str(va) != str(vb) and (a.model.response or attribute != "reference"):
            raise InputError(f"{what}: {_describe(i, a)} and {_describe(j, b)} differ in "
                             f"{attribute} ({_shown(va)} vs {_shown(vb)}); their likelihoods are of "
                             "different models of the data and cannot be compared.")
    lists_a, lists_b = getattr(a.model, "dyad_lists", {}), getattr(b.model, "dyad_lists", {})
    if set(lists_a) != set(lists_b) or any(not np.array_equal(lists_a[k], lists_b[k])
                                           for k in lists_a):
        raise InputError(f"{what}: {_describe(i, a)} and {_describe(j, b)} constrain different "
                         "dyads (dyad_lists differ); their likelihoods are of different sample "
                         "spaces and cannot be compared.")
    shared_nodes = set(a.model.formula.node_covariates) & set(b.model.formula.node_covariates)
    for name in sorted(shared_nodes):
        if not a.model.node_covariates[name].equals(b.model.node_covariates[name]):
            raise InputError(f"{what}: node covariate {name!r} has different values in "
                             f"{_describe(i, a)} and {_describe(j, b)}; the models are not "
                             "nested. Fit both with the same covariates.")
    shared_edges = set(a.model.formula.edge_covariates) & set(b.model.formula.edge_covariates)
    for name in sorted(shared_edges):
        if not np.array_equal(a.model.edge_covariates[name], b.model.edge_covariates[name]):
            raise InputError(f"{what}: edge covariate {name!r} has different values in "
                             f"{_describe(i, a)} and {_describe(j, b)}; the models are not "
                             "nested. Fit both with the same covariates.")


def _shown(value) -> str:
    return "none" if value is None else repr(str(value))


def _check_nested(i: int, a, j: int, b, what: str) -> None:
    terms_a, terms_b = set(a.model.formula.terms), set(b.model.formula.terms)
    if terms_a == terms_b:
        raise InputError(f"{what}: {_describe(i, a)} and {_describe(j, b)} have the same terms; "
                         "a likelihood-ratio test compares nested models that differ in at "
                         "least one term.")
    small, large = (a, b) if terms_a < terms_b else (b, a) if terms_b < terms_a else (None, None)
    if small is None or not set(small.params.index) <= set(large.params.index):
        only_a = sorted(t.render() for t in terms_a - terms_b)
        only_b = sorted(t.render() for t in terms_b - terms_a)
        raise InputError(
            f"{what}: {_describe(i, a)} and {_describe(j, b)} are not nested: {only_a} appear "
            f"only in model {i + 1} and {only_b} only in model {j + 1}. A likelihood-ratio test "
            "needs each model's terms (with the same arguments) to include all terms of the "
            "smaller one; compare non-nested fits of one network by AIC/BIC (compare())."
        )


def _check_loglik(i: int, results, what: str) -> None:
    # An NA log-likelihood statnet computed (e.g. every estimate infinite) goes into the
    # table as NA, as in R; one that was never evaluated is refused (R stops too).
    if likelihood_facts(results).loglik_method == "not evaluated":
        raise InputError(
            f"{what}: {_describe(i, results)} has no log-likelihood (fit with "
            "eval_loglik=False, or it could not be evaluated). Re-fit it with "
            "eval_loglik=True (the default)."
        )


def anova(*results) -> AnovaResults:
    r"""Analysis of deviance of nested ERGM fits to one network, as statnet's ``anova.ergm``.

    ``anova(m)`` tests ``m`` against the null model; ``anova(m0, m1, m2)`` adds one row per
    model, each tested against the one before.  The numbers are R's own (``anova.ergm`` runs
    on the fits).  Unlike statnet, pyreslib refuses (:class:`~pyreslib.errors.InputError`,
    naming the models) fits to different networks, with different covariate values, response,
    reference or constraints, and models that are not nested (each model's terms must contain
    all terms of its neighbour, or be contained in them): statnet computes a table for those
    too, but its p-values then mean nothing.

    The deviance of model :math:`k` against model :math:`k-1` is
    :math:`D = 2(\ell_k - \ell_{k-1})`, referred to :math:`\chi^2` with the difference in
    free parameters as degrees of freedom.

    Returns
    -------
    AnovaResults
        ``table`` with R's rows and columns (``Df, Deviance, Resid. Df, Resid. Dev,
        Pr(>|Chisq|)``), ``notes``; ``print()`` shows statnet's layout.

    Examples
    --------
    >>> from pyreslib.ergm import ERGM, anova, statnet_network
    >>> flo = statnet_network("flomarriage", dataset="florentine")
    >>> m0 = ERGM(flo.adjacency, "edges").fit(seed=1)
    >>> m1 = ERGM(flo.adjacency, "edges + nodecov('wealth')",
    ...           node_covariates=flo.covariates).fit(seed=1)
    >>> round(float(anova(m0, m1).table["Pr(>|Chisq|)"].iloc[-1]), 4)
    0.025

    References
    ----------
    .. [1] Hunter, D. R., Handcock, M. S., Butts, C. T., Goodreau, S. M. and Morris, M. (2008).
       ergm: A package to fit, simulate and diagnose exponential-family models for
       networks. *Journal of Statistical Software* 24(3). doi:10.18637/jss.v024.i03
    """
    from pyreslib.ergm.results import ERGMResults

    what = "anova"
    if len(results) == 1 and isinstance(results[0], (list, tuple)):
        results = tuple(results[0])
    if not results:
        raise InputError("anova: give at least one fitted ERGM, e.g. anova(m0, m1).")
    for i, r in enumerate(results):
        if not isinstance(r, ERGMResults):
            raise InputError(f"anova: argument {i + 1} is a {type(r).__name__}, not an "
                             "ERGMResults (from ERGM(...).fit()).")
        _check_loglik(i, r, what)
    for i in range(1, len(results)):
        for j in range(i):
            _check_same_data(j, results[j], i, results[i], what)
        _check_nested(i - 1, results[i - 1], i, results[i], what)
    value = bridge.call("pyreslib_anova", context="the analysis of deviance (anova.ergm)",
                        fits=[r._r_fit for r in results])
    table = _anova_frame(bridge.as_dict(value))
    notes = []
    for row, deviance in zip(table.index[1:], table["Deviance"].iloc[1:]):
        if deviance < 0:
            notes.append(
                f"the deviance of row {row} is negative ({deviance:.4g}): the larger model's "
                "Monte Carlo log-likelihood came out below the smaller one's, within its MC "
                "standard error; as statnet, the p-value uses |deviance|. The added terms "
                "do not improve the fit.")
    pseudo = [i + 1 for i, r in enumerate(results) if likelihood_facts(r).pseudo]
    if pseudo:
        notes.append(f"model(s) {pseudo} are MPLE fits of dyad-dependent models: their "
                     "'log-likelihoods' are pseudo-likelihoods, and tests on them are not "
                     "likelihood-ratio tests.")
    return AnovaResults(table, [r.formula for r in results], notes)


def lr_test(larger, smaller) -> HypothesisTest:
    """Likelihood-ratio test of two nested fits (the last row of their :func:`anova` table)."""
    ordered = sorted((smaller, larger), key=lambda r: len(r.params))
    result = anova(*ordered)
    last = result.table.iloc[-1]
    added = sorted(set(ordered[1].params.index) - set(ordered[0].params.index))
    return HypothesisTest(
        "Likelihood-ratio", float(last["Deviance"]), int(abs(last["Df"])),
        float(last["Pr(>|Chisq|)"]), hypotheses=tuple(f"{name} = 0" for name in added),
        table=result.table, notes=tuple(result.notes))


# ---- Wald tests of linear hypotheses ------------------------------------------------------------

_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME_CHAR = re.compile(r"[A-Za-z0-9._]")


class _LinearParser:
    """Parse ``"a = 0, 2*b - c = 1"`` over the coefficient names ``names``.

    A name is matched as the longest coefficient name at that position (names such as
    ``gwesp.fixed.0.25`` contain digits and dots); any name may also be quoted in backticks.
    """

    def __init__(self, text: str, names: Sequence[str]):
        self.text = text
        self.names = sorted(names, key=len, reverse=True)
        self.index = {n: k for k, n in enumerate(names)}
        self.tokens = self._tokenise()
        self.i = 0

    def fail(self, pos: int, what: str) -> InputError:
        return InputError(f"wald_test({self.text!r}): {what} at position {pos}. Write linear "
                          f"hypotheses over the coefficient names, e.g. '{self._example()}'; "
                          f"names: {', '.join(self.index)}.")

    def _example(self) -> str:
        names = list(self.index)
        return f"{names[-1]} = 0" if len(names) < 2 else f"{names[-1]} = 0, {names[0]} = {names[1]}"

    def _tokenise(self) -> list[tuple[str, Any, int]]:
        tokens, pos, text = [], 0, self.text
        while pos < len(text):
            ch = text[pos]
            if ch.isspace():
                pos += 1
                continue
            if ch == "`":
                end = text.find("`", pos + 1)
                if end < 0:
                    raise self.fail(pos, "an unclosed backtick")
                name = text[pos + 1:end]
                if name not in self.index:
                    raise self._unknown(name, pos)
                tokens.append(("name", name, pos))
                pos = end + 1
                continue
            name = next((n for n in self.names if text.startswith(n, pos) and not (
                pos + len(n) < len(text) and _NAME_CHAR.match(text[pos + len(n)]))), None)
            if name is not None:
                tokens.append(("name", name, pos))
                pos += len(name)
                continue
            number = _NUMBER.match(text, pos)
            if number and not (number.end() < len(text) and re.match(r"[A-Za-z_]",
                                                                      text[number.end()])):
                tokens.append(("number", float(number.group()), pos))
                pos = number.end()
                continue
            if ch in "+-*=,":
                tokens.append((ch, ch, pos))
                pos += 1
                continue
            word = re.match(r"[A-Za-z0-9._]+", text[pos:])
            if word:
                raise self._unknown(word.group(), pos)
            raise self.fail(pos, f"character {ch!r} is not allowed (only names, numbers, "
                                 "'+', '-', '*', '=' and ',')")
        tokens.append(("end", None, len(text)))
        return tokens

    def _unknown(self, name: str, pos: int) -> InputError:
        import difflib

        close = difflib.get_close_matches(name, list(self.index), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return InputError(f"wald_test({self.text!r}): {name!r} at position {pos} is not a "
                          f"coefficient of this model.{hint} Coefficients: "
                          f"{', '.join(self.index)}.")

    def peek(self):
        return self.tokens[self.i]

    def take(self):
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> list[tuple[np.ndarray, float, str]]:
        if self.peek()[0] == "end":
            raise InputError("wald_test(''): no hypothesis given; write e.g. "
                             f"'{self._example()}'.")
        out = [self.constraint()]
        while self.peek()[0] == ",":
            self.take()
            out.append(self.constraint())
        if self.peek()[0] != "end":
            raise self.fail(self.peek()[2], f"unexpected {self.peek()[1]!r}")
        return out

    def constraint(self) -> tuple[np.ndarray, float, str]:
        start = self.peek()[2]
        left, left_c = self.expression()
        if self.peek()[0] != "=":
            raise self.fail(self.peek()[2], "expected '=' (each hypothesis is an equation)")
        self.take()
        right, right_c = self.expression()
        end = self.peek()[2]
        row = left - right
        if not np.any(row):
            raise self.fail(start, "a hypothesis without any coefficient")
        return row, right_c - left_c, self.text[start:end].strip()

    def expression(self) -> tuple[np.ndarray, float]:
        row, constant = np.zeros(len(self.index)), 0.0
        sign = 1.0
        while True:
            name, factor = self.product()
            if name is None:
                constant += sign * factor
            else:
                row[self.index[name]] += sign * factor
            if self.peek()[0] not in ("+", "-"):
                return row, constant
            sign = -1.0 if self.take()[0] == "-" else 1.0

    def product(self) -> tuple[str | None, float]:
        sign = 1.0
        while self.peek()[0] in ("+", "-"):  # unary signs, as in 'a + -2*b'
            sign *= -1.0 if self.take()[0] == "-" else 1.0
        name, factor = self._factor()
        return name, sign * factor

    def _factor(self) -> tuple[str | None, float]:
        kind, value, pos = self.take()
        if kind == "number":
            if self.peek()[0] == "*":
                self.take()
                kind2, name, pos2 = self.take()
                if kind2 != "name":
                    raise self.fail(pos2, "expected a coefficient name after '*'")
                self._no_product(name)
                return name, value
            return None, value
        if kind == "name":
            if self.peek()[0] == "*":
                self.take()
                factor_sign = -1.0 if self.peek()[0] == "-" else 1.0
                if self.peek()[0] in ("+", "-"):
                    self.take()
                kind2, factor, pos2 = self.take()
                factor = factor_sign * factor if kind2 == "number" else factor
                if kind2 != "number":
                    raise self.fail(pos2, "a product of two coefficients is not a linear "
                                          "hypothesis" if kind2 == "name" else
                                    "expected a number after '*'")
                return value, factor
            return value, 1.0
        raise self.fail(pos, f"expected a coefficient name or a number, got "
                             f"{value if value is not None else 'the end'!r}")

    def _no_product(self, name: str) -> None:
        if self.peek()[0] == "*":
            raise self.fail(self.peek()[2], f"a product involving {name!r} and another factor "
                                            "is not a linear hypothesis")


def wald_test(results, hypotheses: str | Sequence[str] | Any,
              q: Sequence[float] | None = None) -> HypothesisTest:
    """Wald test of linear hypotheses on the coefficients of one fit.

    ``hypotheses``: a string of comma-separated linear equations over coefficient names,
    ``"nodecov.x = 0, edgecov.a = edgecov.b"`` or ``"2*gwesp.fixed.0.5 - nodecov.x = 1"``
    (names with other characters in backticks), a list of such strings, or a restriction
    matrix ``R`` (one row per hypothesis, one column per coefficient) with ``q``.
    """
    names = list(results.params.index)
    if isinstance(hypotheses, str) or (isinstance(hypotheses, Sequence) and hypotheses and all(
            isinstance(h, str) for h in hypotheses)):
        text = hypotheses if isinstance(hypotheses, str) else ", ".join(hypotheses)
        if q is not None:
            raise InputError("wald_test: q is only used with a restriction matrix; write the "
                             "right-hand sides into the hypotheses ('x = 1').")
        parsed = _LinearParser(text, names).parse()
        matrix = np.vstack([row for row, _, _ in parsed])
        rhs = np.array([c for _, c, _ in parsed])
        labels = [label for _, _, label in parsed]
    else:
        try:
            matrix = np.atleast_2d(np.asarray(hypotheses, dtype=float))
        except (TypeError, ValueError):
            raise InputError("wald_test: give hypotheses as a string like 'x = 0, y = z' or a "
                             "restriction matrix R.") from None
        if matrix.ndim != 2 or matrix.shape[1] != len(names) or matrix.shape[0] == 0:
            raise InputError(f"wald_test: the restriction matrix has shape {matrix.shape}; it "
                             f"needs one column per coefficient ({len(names)}: "
                             f"{', '.join(names)}).")
        rhs = np.zeros(matrix.shape[0]) if q is None else np.asarray(q, dtype=float).ravel()
        if rhs.shape != (matrix.shape[0],):
            raise InputError(f"wald_test: q has {rhs.size} values for {matrix.shape[0]} "
                             "hypotheses.")
        if not (np.isfinite(matrix).all() and np.isfinite(rhs).all()):
            raise InputError("wald_test: the restriction matrix and q must be finite numbers.")
        labels = [_render_row(row, c, names) for row, c in zip(matrix, rhs)]
    involved = [names[k] for k in np.flatnonzero(np.any(matrix != 0, axis=0))]
    theta = results.params.to_numpy(dtype=float)
    cov = results.cov_params().to_numpy(dtype=float)
    unusable = [n for n in involved if not (np.isfinite(theta[names.index(n)]) and
                                            np.isfinite(cov[names.index(n), names.index(n)])
                                            and cov[names.index(n), names.index(n)] > 0)]
    if unusable:
        raise InputError(f"wald_test: {unusable} have no finite estimate and standard error "
                         "(fixed by an offset, infinite or undefined); hypotheses on them "
                         "cannot be tested.")
    if np.linalg.matrix_rank(matrix) < matrix.shape[0]:
        raise InputError(f"wald_test: the hypotheses {labels} are linearly dependent (one "
                         "follows from the others); drop the redundant ones.")
    diff = matrix @ theta - rhs
    middle = matrix @ cov @ matrix.T
    statistic = float(diff @ np.linalg.solve(middle, diff))
    df = matrix.shape[0]
    return HypothesisTest(
        "Wald", statistic, df, chi2_sf(statistic, df), hypotheses=tuple(labels),
        restrictions=pd.DataFrame(matrix, index=labels, columns=names),
        q=pd.Series(rhs, index=labels, name="q"))


def _render_row(row: np.ndarray, constant: float, names: list[str]) -> str:
    parts = [f"{v:g}*{n}" if v != 1 else n for v, n in zip(row, names) if v != 0]
    return " + ".join(parts).replace("+ -", "- ") + f" = {constant:g}"
