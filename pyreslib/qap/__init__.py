"""QAP correlation and multiple-regression QAP (MRQAP) of city networks, through R's ``sna``.

The quadratic assignment procedure tests a statistic of dyadic matrices against its
distribution when the rows and columns of a matrix are permuted together (the cities
relabelled at random), which keeps the dependence between dyads that share a city
(Krackhardt 1988).  :func:`qap_correlation` tests the graph correlation of two matrices
(``sna::gcor`` inside ``sna::qaptest``); :func:`mrqap` regresses a network on dyadic
regressors: ``sna::netlm`` (OLS) on the collaboration counts, raw or ``log1p``, or
``sna::netlogit`` (logit) on the binary network, with the null hypotheses ``sna`` offers:

- ``"qapspp"`` (the default): Dekker, Krackhardt and Snijders' (2007) semi-partialling plus.
  For each regressor k, the residuals e_k of X_k regressed on the other regressors are
  permuted, and the model refitted with them in place of X_k;
- ``"qapy"``: the response's rows and columns are permuted (Krackhardt 1988);
- ``"qapx"``: regressor k alone is permuted, the others kept;
- ``"classical"``: no permutations, the classical t test (netlm) or its z analogue (netlogit;
  sna refers it to Student's t with the residual degrees of freedom).

The p-values are sna's: with t the observed test statistic (the t- or z-value by default,
the coefficient with ``test_statistic="beta"``) and t_r its value in permutation r = 1..R,
``Pr(<=b) = mean(t_r <= t)``, ``Pr(>=b) = mean(t_r >= t)``, two-sided
``Pr(>=|b|) = mean(|t_r| >= |t|)``.

**Inputs.**  Matrices are pandas DataFrames labelled by city (the adcode index of
:func:`pyreslib.network.distance_matrix`), networkx stage networks (edge weights: the
collaboration counts) or plain numpy arrays.  Labelled matrices are matched *by label*,
never by position: every matrix must hold the same set of cities (a different size or a city
missing from one is an :class:`~pyreslib.errors.InputError` naming it), and plain arrays
cannot be mixed with labelled ones.  The cities go to R in sorted label order (labels
compared as text), so the permutations drawn, and the p-values, depend on the data and the
seed, not on the order of the rows: ``results.labels`` is that order, and a plain R script
given the matrices in it, with ``set.seed(seed)`` before the same sna call, gives the same
numbers.

**Undirected networks** (``directed=False``, the default) need symmetric matrices and are
passed with sna's ``mode="graph"``: each dyad enters once, from the lower triangle (sna's
``upper.tri.remove``), so ``nobs`` is n(n-1)/2.  R's default, ``mode="digraph"``, would count
each undirected dyad twice: the same coefficients, but twice the observations and t-values
sqrt(2) times too large.  The diagonal (a city with itself) is always left out
(``diag=FALSE``).

**Node covariates** enter as dyadic matrices in one of the two forms the literature uses
(``node_form``): ``"sum"``, X_ij = x_i + x_j (a city's level; the statistic of ergm's
``nodecov``, hence the term name ``nodecov.<name>``), or ``"absdiff"``, X_ij = |x_i - x_j|
(a gap between two cities, ergm's ``absdiff``, term ``absdiff.<name>``).

References
----------
Krackhardt, D. (1988). Predicting with networks: nonparametric multiple regression analysis
of dyadic data. *Social Networks* 10(4), 359-381.
Dekker, D., Krackhardt, D. and Snijders, T. A. B. (2007). Sensitivity of MRQAP tests to
collinearity and autocorrelation conditions. *Psychometrika* 72(4), 563-581.
Butts, C. T. (2008). Social network analysis with sna. *Journal of Statistical Software*
24(6).
"""

from pyreslib.qap.correlation import QAPCorrelation, QAPSummary, qap_correlation
from pyreslib.qap.inputs import (
    KINDS,
    MAX_REPS,
    NODE_FORMS,
    NULLS,
    TRANSFORMS,
    dyadic_node_covariate,
)
from pyreslib.qap.regression import QAPResults, compare, mrqap

__all__ = [
    "KINDS",
    "MAX_REPS",
    "NODE_FORMS",
    "NULLS",
    "TRANSFORMS",
    "QAPCorrelation",
    "QAPResults",
    "QAPSummary",
    "compare",
    "dyadic_node_covariate",
    "mrqap",
    "qap_correlation",
]
