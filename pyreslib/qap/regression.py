"""MRQAP: ``netlm`` on collaboration counts and ``netlogit`` on ties, with sna's permutation
nulls, and their comparison tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge
from pyreslib.ergm.compare import Comparison
from pyreslib.ergm.tables import (
    r_format,
    significance_stars,
)
from pyreslib.errors import InputError, excerpt_repr
from pyreslib.qap.correlation import QAPSummary, _distribution, _p
from pyreslib.qap.inputs import (
    _DIST_ROWS,
    KINDS,
    NULLS,
    SIGNIF,
    TRANSFORMS,
    _aligned,
    _check_reps_seed,
    _choice,
    _dyads,
    _node_terms,
)

__all__ = ["QAPResults", "compare", "mrqap"]

# ---- MRQAP -----------------------------------------------------------------------------------

class QAPResults:
    """An MRQAP fit (:func:`mrqap`), shaped like a statsmodels results object.

    ``params``, ``bse`` (sna's classical standard errors: OLS, or the logit's inverse
    information), ``tvalues`` (``params / bse``: t for netlm, z for netlogit), ``pvalues``
    (two-sided, sna's ``Pr(>=|b|)``), ``pvalues_greater`` (``Pr(>=b)``), ``pvalues_less``
    (``Pr(<=b)``), ``statistic`` (the observed test statistic the permutations are compared
    with), all Series by term; ``dist``: the permutation distribution of the test statistic
    (reps x terms; None for the classical null); ``nobs`` (dyads), ``df_model``
    (regressors besides the intercept, as statsmodels counts), ``df_resid``.  netlm adds
    ``rsquared``, ``rsquared_adj``, ``fvalue``, ``f_pvalue`` and ``sigma``; netlogit
    ``deviance``, ``null_deviance``, ``df_null``, ``llf`` (``-deviance / 2``), ``aic``, ``bic``
    (sna's, ``deviance + rank * log(nobs)``) and ``ctable`` (predicted x actual at 0.5).  The
    settings that reproduce the fit: ``kind``, ``null`` (as sna ran it: sna uses ``"qapy"``
    for ``"qapspp"`` when there is a single regressor and no intercept), ``reps``, ``seed``,
    ``transform``, ``test_statistic``, ``directed``, ``node_form``; ``labels``: the city
    order sent to R.
    """

    def __init__(self, value, *, names: list[str], kind: str, reps: int, seed: int,
                 transform: str, test_statistic: str, directed: bool, intercept: bool,
                 node_form: Any, labels: list[str]):
        v = bridge.as_dict(value)

        def series(key: str, name: str) -> pd.Series:
            return pd.Series(bridge.as_float_array(v[key]), index=names, name=name)

        self.kind, self.null = kind, str(v["nullhyp"][0])
        self.reps, self.seed, self.transform = reps, seed, transform
        self.test_statistic, self.directed, self.intercept = test_statistic, directed, intercept
        self.node_form, self.labels = node_form, labels
        self.params = series("coef", "coef")
        self.bse = series("se", "std err")
        self.tvalues = (self.params / self.bse).rename("t" if kind == "lm" else "z")
        self.statistic = series("tstat", "statistic")
        self.pvalues = series("pgreqabs", "Pr(>=|b|)")
        self.pvalues_greater = series("pgreq", "Pr(>=b)")
        self.pvalues_less = series("pleeq", "Pr(<=b)")
        dist = v.get("dist")
        self.dist = (None if dist is None or bridge.is_null(dist)
                     else pd.DataFrame(bridge.as_matrix(dist), columns=names))
        self.nobs = int(bridge.as_float(v["n"]))
        self.rank = int(bridge.as_float(v["rank"]))
        self.df_model = self.rank - int(intercept)
        self.df_resid = int(bridge.as_float(v["df_residual"]))
        self.n_nodes = len(labels)
        self.sna_version, self.r_version = str(v["sna_version"][0]), str(v["r_version"][0])

        def number(key: str) -> float:  # NaN for what the other kind of model has
            return bridge.as_float(v[key]) if key in v else float("nan")

        self.rsquared, self.rsquared_adj = number("r_squared"), number("adj_r_squared")
        self.fvalue, self.f_pvalue, self.sigma = (number("fvalue"), number("f_pvalue"),
                                                  number("sigma"))
        self.deviance, self.null_deviance = number("deviance"), number("null_deviance")
        self.df_null, self.aic, self.bic = number("df_null"), number("aic"), number("bic")
        self.llf = -self.deviance / 2  # logit: a binary response's saturated model has 0
        self.ctable = None if "ctable" not in v else pd.DataFrame(
            bridge.as_matrix(v["ctable"]).astype(int), index=pd.Index([0, 1], name="predicted"),
            columns=pd.Index([0, 1], name="actual"))

    @property
    def response(self) -> str:
        """What was modelled: counts, ``log1p`` of counts, or the binary network."""
        if self.kind == "logit":
            return "tie (binary)"
        return "log(1 + count)" if self.transform == "log1p" else "count"

    def distribution_summary(self) -> pd.DataFrame:
        """Min, quartiles, mean and max of each term's permutation distribution (sna's
        "Coefficient Distribution Summary"); empty for the classical null."""
        if self.dist is None:
            return pd.DataFrame(index=list(_DIST_ROWS))
        return pd.DataFrame({t: _distribution(self.dist[t].to_numpy()) for t in self.dist})

    def to_frame(self) -> pd.DataFrame:
        """One row per term: coef, std err, t (or z), the three p-values, stars."""
        frame = pd.concat([self.params, self.bse, self.tvalues, self.pvalues_less,
                           self.pvalues_greater, self.pvalues], axis=1)
        frame["stars"] = self.pvalues.map(significance_stars)
        frame.index.name = "term"
        frame.attrs = {"kind": self.kind, "null": self.null, "reps": self.reps,
                       "seed": self.seed}
        return frame

    def _footer(self) -> list[str]:
        if self.kind == "lm":
            lines = [(f"Residual standard error: {r_format(self.sigma)} on {self.df_resid} "
                     "degrees of freedom"),
                     (f"Multiple R-squared: {r_format(self.rsquared)}   Adjusted R-squared: "
                     f"{r_format(self.rsquared_adj)}"),
                     (f"F-statistic: {r_format(self.fvalue)} on {self.df_model} and "
                     f"{self.df_resid} degrees of freedom, p-value: {r_format(self.f_pvalue)}")]
        else:
            lines = [(f"Null deviance: {self.null_deviance:.6g} on {self.df_null:.0f} degrees "
                     "of freedom"),
                     (f"Residual deviance: {self.deviance:.6g} on {self.df_resid} degrees of "
                     "freedom"),
                     f"AIC: {self.aic:.6g}   BIC: {self.bic:.6g}"]
        test = ("classical (no permutations)" if self.null == "classical"
                else f"{self.null}, {self.reps} permutations, seed {self.seed}")
        lines += [f"Null hypothesis: {test}; test statistic: {self.test_statistic}",
                  (f"Response: {self.response}; {self.n_nodes} cities, {self.nobs} dyads "
                  f"({'directed' if self.directed else 'undirected, each dyad once'})"),
                  f"sna {self.sna_version} ({self.r_version}) via pyreslib", SIGNIF]
        return lines

    def summary(self) -> QAPSummary:
        """sna's ``summary(netlm)``/``summary(netlogit)``: coefficients with standard errors
        and the three permutation p-values, the fit statistics, and (text) the permutation
        distribution of each term."""
        stat = "t value" if self.kind == "lm" else "z value"
        b = "b" if self.test_statistic == "beta" else stat[0]
        header = ["Estimate", "Std. Error", stat, f"Pr(<={b})", f"Pr(>={b})", f"Pr(>=|{b}|)"]
        rows = [(str(t), [f"{self.params[t]:.5g}", f"{self.bse[t]:.5g}",
                          f"{self.tvalues[t]:.3f}", _p(self.pvalues_less[t]),
                          _p(self.pvalues_greater[t]), _p(self.pvalues[t])])
                for t in self.params.index]
        extra = []
        if self.dist is not None:
            d = self.distribution_summary().T
            extra = ["", "Permutation distribution of the test statistic:",
                     d.to_string(float_format=lambda x: f"{x:.4g}")]
        title = ("OLS Network Model (MRQAP, sna::netlm)" if self.kind == "lm"
                 else "Network Logit Model (MRQAP, sna::netlogit)")
        return QAPSummary(title, header, rows, self._footer(), extra,
                          stars=[significance_stars(p) for p in self.pvalues])

    def to_latex(self, caption: str | None = None, label: str = "tab:mrqap") -> str:
        """The coefficient table as a LaTeX (booktabs) table, fit statistics as notes."""
        return self.summary().as_latex(caption=caption, label=label)

    def __repr__(self) -> str:
        fit = (f"R2={self.rsquared:.4f}" if self.kind == "lm"
               else f"deviance={self.deviance:.3f}")
        return (f"<QAPResults {self.kind} ({self.null}, {self.reps} reps, seed {self.seed}): "
                f"{len(self.params)} terms, nobs={self.nobs}, {fit}>")


def mrqap(y: Any, regressors: Mapping[str, Any] | None = None, *,
          node_covariates: pd.DataFrame | None = None,
          node_form: str | Mapping[str, str | Sequence[str]] = "sum", kind: str = "lm",
          null: str = "qapspp", reps: int = 1000, seed: int | None = None,
          transform: str = "raw", directed: bool = False, intercept: bool = True,
          test_statistic: str | None = None) -> QAPResults:
    """Multiple-regression QAP of a city network on dyadic regressors (``sna``).

    ``kind="lm"``: ``sna::netlm``, OLS of the collaboration counts y_ij (``transform="raw"``)
    or of log(1 + y_ij) (``"log1p"``); ``kind="logit"``: ``sna::netlogit`` on a binary
    network (y_ij in {0, 1}).  Both fit

    .. math:: g(E[y_{ij}]) = \\beta_0 + \\sum_k \\beta_k X_{k,ij}

    over the dyads (identity or logit link) and test each beta_k against the permutation
    null ``null`` (module docstring).

    Parameters
    ----------
    y : DataFrame labelled by city, networkx stage network, or numpy array
        The response: counts for ``"lm"``, 0/1 for ``"logit"`` (e.g. ``(counts > 0) * 1``).
    regressors : dict name -> matrix, optional
        Dyadic covariates over the same cities (e.g. ``proximity_matrix``, ``border_matrix``).
    node_covariates : DataFrame, optional
        One row per city (indexed like ``y``), numeric columns, each entered as a dyadic
        regressor in the form ``node_form`` (before the dyadic ones, in column order).
    node_form : {"sum", "absdiff"} or dict column -> form (or a list of both forms)
        x_i + x_j (term ``nodecov.<column>``) or |x_i - x_j| (``absdiff.<column>``); columns
        a dict leaves out take ``"sum"``.
    kind : {"lm", "logit"}
    null : {"qapspp", "qapy", "qapx", "classical"}
    reps : int
        Permutations per term, 1 to 100,000 (ignored by ``"classical"``).
    seed : int, optional
        Seeds R's generator (``set.seed(seed)`` before the sna call); drawn when None.
    transform : {"raw", "log1p"}
        The counts' transform for ``"lm"`` (``"log1p"`` needs counts >= 0).
    directed : bool
        False (default): symmetric matrices, each dyad once (sna's ``mode="graph"``).
    intercept : bool
        Include sna's ``(intercept)`` term.
    test_statistic : {"t-value", "z-value", "beta"}, optional
        What the permutations test: sna's default pivotal statistic (t for netlm, z for
        netlogit; Dekker et al. 2007 recommend it) or the coefficient itself.

    Returns
    -------
    QAPResults

    References
    ----------
    Krackhardt (1988), *Social Networks* 10, 359-381; Dekker, Krackhardt and Snijders
    (2007), *Psychometrika* 72, 563-581; Butts (2008), *J. Stat. Softw.* 24(6).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from pyreslib.network import border_matrix, proximity_matrix
    >>> cities = [110000, 120000, 130100, 130200, 130300, 130400, 130500, 130600, 130700,
    ...           130800, 130900, 131000]
    >>> proximity = proximity_matrix(cities)
    >>> rng = np.random.default_rng(7)
    >>> lam = np.exp(3 + 0.5 * proximity.to_numpy())
    >>> counts = np.triu(rng.poisson(lam), 1)
    >>> y = pd.DataFrame(counts + counts.T, index=proximity.index, columns=proximity.index)
    >>> fit = mrqap(y, {"proximity": proximity, "border": border_matrix(cities)},
    ...             transform="log1p", reps=100, seed=1)
    >>> fit
    <QAPResults lm (qapspp, 100 reps, seed 1): 3 terms, nobs=66, R2=0.1001>
    >>> fit.params.round(3).to_dict()
    {'(intercept)': 3.088, 'proximity': 0.4, 'border': -0.362}
    >>> fit.pvalues.to_dict()  # two-sided, from the semi-partialling permutations
    {'(intercept)': 0.0, 'proximity': 0.06, 'border': 0.05}
    >>> fit.nobs, fit.df_model  # 12 cities: 66 dyads, each once
    (66, 2)
    """
    kind = _choice(kind, KINDS, "kind")
    null = _choice(null, NULLS, "null")
    transform = _choice(transform, TRANSFORMS, "transform")
    reps, seed = _check_reps_seed(reps, seed)
    if not isinstance(intercept, (bool, np.bool_)):
        raise InputError(f"intercept={excerpt_repr(intercept)}: give True or False.")
    pivotal = "t-value" if kind == "lm" else "z-value"
    statistic = pivotal if test_statistic is None else _choice(
        test_statistic, (pivotal, "beta"), "test_statistic")
    if kind == "logit" and transform != "raw":
        raise InputError(f"transform={transform!r} applies to counts (kind='lm'); netlogit "
                         "models the binary network as it is: use transform='raw'.")
    if regressors is None:
        regressors = {}
    if not isinstance(regressors, Mapping):
        raise InputError("regressors: pass a dict mapping a name to a square matrix.")
    for name in regressors:
        if not isinstance(name, str) or not name:
            raise InputError(f"regressors: key {excerpt_repr(name)} must be a non-empty "
                             "string (the term's name).")
    matrices, labels, labelled = _aligned(
        [("y", y), *((f"regressor {n!r}", m) for n, m in regressors.items())], directed)
    terms = _node_terms(node_covariates, node_form, labels, labelled)
    terms += list(zip(regressors, matrices[1:]))
    names = [n for n, _ in terms]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated or (intercept and "(intercept)" in names):
        raise InputError(f"regressor names {repeated or ['(intercept)']} are used twice; "
                         "rename the dyadic regressor or the node covariate.")
    if not terms:
        raise InputError("mrqap: give at least one regressor (regressors= or "
                         "node_covariates=).")
    response = _response(matrices[0], kind, transform)
    rows, cols = _dyads(len(labels), bool(directed))
    design = np.column_stack(([np.ones(rows.size)] if intercept else [])
                             + [m[rows, cols] for _, m in terms])
    rank = np.linalg.matrix_rank(design)
    if rank < design.shape[1]:
        raise InputError(f"the regressors {names} are linearly dependent over the "
                         f"{rows.size} dyads (rank {rank} of {design.shape[1]}"
                         f"{' with the intercept' if intercept else ''}): a constant matrix, "
                         "or one that is a combination of others. Drop one of them.")
    value = bridge.call(
        "pyreslib_mrqap", context=f"the MRQAP fit (sna::net{kind}, null {null})",
        y=_zero_diagonal(response), x={n: _zero_diagonal(m) for n, m in terms}, kind=kind,
        nullhyp=null,
        mode="digraph" if directed else "graph", intercept=bool(intercept),
        test_statistic=statistic, reps=reps, seed=seed)
    return QAPResults(value, names=(["(intercept)"] if intercept else []) + names, kind=kind,
                      reps=reps, seed=seed, transform=transform,
                      test_statistic=statistic, directed=bool(directed),
                      intercept=bool(intercept), node_form=node_form, labels=labels)


def _zero_diagonal(matrix: np.ndarray) -> np.ndarray:
    """sna never reads the diagonal (diag=FALSE), but warns of NaN anywhere in a matrix."""
    out = matrix.copy()
    np.fill_diagonal(out, 0.0)
    return out


def _response(y: np.ndarray, kind: str, transform: str) -> np.ndarray:
    off = ~np.eye(len(y), dtype=bool)
    if kind == "logit":
        values = set(np.unique(y[off]).tolist())
        if not values <= {0.0, 1.0}:
            raise InputError(f"y: netlogit needs a binary network (0/1), got values such as "
                             f"{sorted(values - {0.0, 1.0})[:5]}; pass (counts > 0) * 1, or "
                             "use kind='lm' for the counts.")
        if len(values) < 2:
            raise InputError("y: every dyad is " + ("a tie" if values == {1.0} else "empty")
                             + "; a logit needs both ties and non-ties.")
        return y
    if transform == "log1p":
        if (y[off] < 0).any():
            raise InputError("y: transform='log1p' is for counts; y has negative entries.")
        return np.log1p(y)
    return y


# ---- comparison tables -------------------------------------------------------------------

class _QAPComparison(Comparison):
    """ERGM's comparison table, with an MRQAP caption and label by default."""

    def to_latex(self, caption: str = "MRQAP estimates", label: str = "tab:mrqap") -> str:
        return super().to_latex(caption=caption, label=label)

    as_latex = to_latex


_STATISTICS = {"std_errors": "std_errors", "se": "std_errors", "bse": "std_errors",
               "tstats": "tstats", "z": "tstats", "t": "tstats", "pvalues": "pvalues",
               "p": "pvalues", None: None}


def compare(results: Sequence[QAPResults] | Mapping[str, QAPResults],
            names: Sequence[str] | None = None, *, statistic: str | None = "std_errors",
            stars: bool = True, digits: int = 3):
    """MRQAP fits side by side, as :func:`pyreslib.ergm.compare` sets ERGM fits.

    The same :class:`~pyreslib.ergm.compare.Comparison` (``as_text``, ``to_markdown``,
    ``to_latex``, ``to_html``, ``frame``): one column per fit, its coefficients with stars
    from the two-sided permutation p-values, beneath each ``statistic`` (``"std_errors"``,
    ``"tstats"``, ``"pvalues"`` or None), then how each was fitted and its fit statistics.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from pyreslib.network import border_matrix, proximity_matrix
    >>> cities = [110000, 120000, 130100, 130200, 130300, 130400, 130500, 130600, 130700]
    >>> prox, border = proximity_matrix(cities), border_matrix(cities)
    >>> counts = np.triu(np.random.default_rng(3).poisson(np.exp(2 + 0.4 * prox)), 1)
    >>> y = pd.DataFrame(counts + counts.T, index=prox.index, columns=prox.index)
    >>> fits = {"lm": mrqap(y, {"proximity": prox}, reps=50, seed=1),
    ...         "logit": mrqap((y > 1) * 1, {"proximity": prox, "border": border},
    ...                        kind="logit", reps=50, seed=1)}
    >>> table = compare(fits, statistic="pvalues")
    >>> list(table.params.columns), list(table.params.index)
    (['lm', 'logit'], ['(intercept)', 'proximity', 'border'])
    """
    if isinstance(results, Mapping):
        names = list(results) if names is None else list(names)
        results = list(results.values())
    results = list(results)
    if not results or not all(isinstance(r, QAPResults) for r in results):
        raise InputError("compare: give one or more QAPResults (from mrqap); ERGM fits go to "
                         "pyreslib.ergm.compare.")
    names = [f"model {i + 1}" for i in range(len(results))] if names is None else list(names)
    if len(names) != len(results) or len(set(names)) != len(names):
        raise InputError(f"compare: names {names!r} must be unique, one per result.")
    if not isinstance(statistic, (str, type(None))) or statistic not in _STATISTICS:
        raise InputError(f"compare: statistic={statistic!r}: choose 'std_errors', 'tstats', "
                         "'pvalues' or None (permutation tests give no confidence intervals).")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 12:
        raise InputError(f"compare: digits={digits!r}: give a whole number from 0 to 12.")
    terms: list[str] = []
    for r in results:
        terms += [t for t in r.params.index if t not in terms]

    def table(get) -> pd.DataFrame:
        return pd.DataFrame({n: get(r).reindex(terms) for n, r in zip(names, results)})

    def fmt(value: float) -> str:
        return f"{value:.{digits}f}" if np.isfinite(value) else ""

    stats = pd.DataFrame({n: {
        "Estimation": "OLS" if r.kind == "lm" else "logit", "Response": r.response,
        "Null hypothesis": r.null,
        "Permutations": "" if r.null == "classical" else str(r.reps), "Seed": str(r.seed),
        "R-squared": fmt(r.rsquared), "Adj. R-squared": fmt(r.rsquared_adj),
        **{k: v if np.isfinite(v) else "" for k, v in (("Log-likelihood", r.llf),
                                                          ("AIC", r.aic), ("BIC", r.bic))},
        "Nodes": r.n_nodes, "Dyads": r.nobs} for n, r in zip(names, results)}, dtype=object)
    note = ("Stars: two-sided QAP permutation p-values, Pr(>=|b|), under each model's null "
            "hypothesis (classical t-tests for 'classical'); standard errors and t/z are "
            "sna's classical ones.")
    present = pd.DataFrame({n: pd.Series(True, index=r.params.index).reindex(
        terms, fill_value=False) for n, r in zip(names, results)})
    return _QAPComparison(table(lambda r: r.params), table(lambda r: r.bse),
                          table(lambda r: r.pvalues), stats, digits,
                          tvalues=table(lambda r: r.tvalues), present=present,
                          statistic=_STATISTICS[statistic], stars=bool(stars),
                          warnings=[note])
