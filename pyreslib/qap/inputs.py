"""The inputs of QAP and MRQAP: matrices aligned by label, dyads, node covariates in dyadic
form, and the settings sna takes."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.ergm.inputs import align_node_covariates, as_labelled_matrix, check_matrix
from pyreslib.errors import InputError, excerpt_repr

__all__ = ["KINDS", "MAX_REPS", "NODE_FORMS", "NULLS", "TRANSFORMS", "dyadic_node_covariate"]

NULLS = ("qapspp", "qapy", "qapx", "classical")
KINDS = ("lm", "logit")
NODE_FORMS = ("sum", "absdiff")
TRANSFORMS = ("raw", "log1p")
MAX_REPS = 100_000
SIGNIF = "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"
_DIST_ROWS = ("Min", "1stQ", "Median", "Mean", "3rdQ", "Max")


# ---- inputs --------------------------------------------------------------------------------

def _check_reps_seed(reps: Any, seed: Any) -> tuple[int, int]:
    if isinstance(reps, (bool, np.bool_)) or not isinstance(reps, (int, np.integer)) or not (
            1 <= reps <= MAX_REPS):
        raise InputError(f"reps={excerpt_repr(reps)}: give the number of permutations as a "
                         f"whole number from 1 to {MAX_REPS:,} (1,000 is usual).")
    if seed is None:
        seed = secrets.randbelow(2**31 - 1)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or not (
            0 <= seed < 2**31):
        raise InputError(f"seed={excerpt_repr(seed)}: give a whole number between 0 and "
                         "2**31 - 1.")
    return int(reps), int(seed)


def _choice(value: Any, allowed: Sequence[str], what: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise InputError(f"{what}={excerpt_repr(value)}: choose one of "
                         f"{', '.join(repr(a) for a in allowed)}.")
    return value


def _aligned(named: Sequence[tuple[str, Any]], directed: bool) -> tuple[list[np.ndarray],
                                                                          list[str], bool]:
    """The matrices in one vertex order, with the labels of that order and whether they are
    real labels: matched by label (sorted), or by position when none carries labels."""
    if not isinstance(directed, (bool, np.bool_)):
        raise InputError(f"directed={excerpt_repr(directed)}: give True or False.")
    parsed = [(what, *as_labelled_matrix(value, what)) for what, value in named]
    first, _, first_labels, first_labelled = parsed[0]
    for what, matrix, labels, labelled in parsed[1:]:
        if labelled != first_labelled:
            plain, labelled_one = (what, first) if first_labelled else (first, what)
            raise InputError(
                f"{plain} is a plain array and {labelled_one} is labelled by city: matrices "
                "are matched by label, so give every matrix as a DataFrame labelled the same "
                "way (e.g. by adcode), or all as plain arrays in the same city order.")
        if not labelled and matrix.shape != parsed[0][1].shape:
            raise InputError(f"{what} is {matrix.shape[0]} x {matrix.shape[1]} but {first} is "
                             f"{parsed[0][1].shape[0]} x {parsed[0][1].shape[1]}: the "
                             "matrices must cover the same cities.")
        if labelled and set(labels) != set(first_labels):
            missing = sorted(set(first_labels) - set(labels))
            extra = sorted(set(labels) - set(first_labels))
            parts = [f"{len(labels)} cities in {what}, {len(first_labels)} in {first}"]
            if missing:
                parts.append(f"not in {what}: {missing[:10]}")
            if extra:
                parts.append(f"not in {first}: {extra[:10]}")
            raise InputError(f"{what} and {first} label different cities ({'; '.join(parts)})"
                             ". Give matrices over the same cities (e.g. "
                             "distance_matrix(adcodes) with the adcodes of the network).")
    order = sorted(first_labels) if first_labelled else list(first_labels)
    out = []
    for what, matrix, labels, _ in parsed:
        position = {label: i for i, label in enumerate(labels)}
        index = [position[label] for label in order]
        matrix = matrix[np.ix_(index, index)]
        check_matrix(matrix, what, directed=bool(directed))
        out.append(matrix)
    return out, order, bool(first_labelled)


def _dyads(n: int, directed: bool) -> tuple[np.ndarray, np.ndarray]:
    """The dyads sna uses, as (row, column) index arrays: every off-diagonal cell of a
    directed network, the lower triangle (i > j) of an undirected one."""
    if directed:
        rows, cols = np.nonzero(~np.eye(n, dtype=bool))
        return rows, cols
    return np.tril_indices(n, -1)


def dyadic_node_covariate(values: Any, form: str) -> np.ndarray:
    """A node covariate as a dyadic matrix: x_i + x_j (``"sum"``) or |x_i - x_j|
    (``"absdiff"``); the diagonal is 0 (sna leaves it out).

    Parameters
    ----------
    values : array-like of float, one value per city
    form : {"sum", "absdiff"}

    Returns
    -------
    numpy.ndarray, n x n

    Examples
    --------
    >>> dyadic_node_covariate([1.0, 2.0, 4.0], "absdiff")
    array([[0., 1., 3.],
           [1., 0., 2.],
           [3., 2., 0.]])
    """
    form = _choice(form, NODE_FORMS, "node_form")
    x = np.asarray(values, dtype=float)
    out = x[:, None] + x[None, :] if form == "sum" else np.abs(x[:, None] - x[None, :])
    np.fill_diagonal(out, 0.0)
    return out


def _node_terms(node_covariates: Any, node_form: Any, labels: list[str],
                labelled: bool) -> list[tuple[str, np.ndarray]]:
    if node_covariates is None:
        return []
    frame = align_node_covariates(node_covariates, labels, labelled)
    forms = node_form if isinstance(node_form, Mapping) else {c: node_form for c in frame}
    unknown = [c for c in forms if c not in frame.columns]
    if unknown:
        raise InputError(f"node_form names {unknown}, which are not columns of "
                         f"node_covariates ({list(frame.columns)}).")
    terms = []
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise InputError(f"node_covariates: column {column!r} is not numeric; a sum or "
                             "absolute difference needs numbers (code a category as 0/1).")
        chosen = forms.get(column, "sum")
        for form in [chosen] if isinstance(chosen, str) else list(chosen):
            form = _choice(form, NODE_FORMS, f"node_form[{column!r}]")
            name = f"{'nodecov' if form == 'sum' else 'absdiff'}.{column}"
            terms.append((name, dyadic_node_covariate(frame[column].to_numpy(float), form)))
    return terms


