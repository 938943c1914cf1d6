"""An ERGM's inputs checked and aligned in Python: the network, node and edge covariates, and
the dyad lists that constraints name.

**Vertex labels.**  A pandas DataFrame (whose index is not the default ``0..n-1``) or a
networkx graph carries *real* vertex labels; a numpy array (or a DataFrame with default
indexes) does not, and its vertices are named ``"1".."n"`` in R, as statnet does.

**Covariate alignment** (node covariates, and edge covariates given as DataFrames):

- both the network and the covariates carry real labels: rows are matched to vertices *by
  label*, and the two sets of labels must be the same: a vertex without a row, or a row that
  names no vertex, is an error listing them;
- otherwise rows are matched *by position*, and the row count must equal the vertex count;
- covariates indexed by labels next to a network without labels are refused (there is
  nothing to match the labels against; ``reset_index(drop=True)`` says "these rows are in
  vertex order");
- a default ``0..n-1`` index next to a labelled network whose labels are the same numbers in
  another order is refused as ambiguous (positions or labels?).

Nothing is dropped or reordered silently.  Numbers must be real (not complex) and finite, with
two exceptions that follow statnet:

- **missing dyads**: NaN in the adjacency marks a dyad whose state is unknown.  It becomes an NA
  edge of the ``network`` object (what ``network(m)`` makes of NA), and ergm fits the model to
  the observed dyads: dyad-independent models by maximum likelihood over them, dyad-dependent
  ones by MCMC-MLE with a second, observed-data-constrained sample (Handcock & Gile 2010,
  *Ann. Appl. Stat.* 4(1), doi:10.1214/08-AOAS221);
- **unused covariate columns** are not checked: as in R, only the columns the formula and
  constraints name must be complete (:func:`check_node_covariate_values`).

Two-mode (bipartite) networks are recognised and refused with that reason: a non-square matrix,
a DataFrame whose rows and columns name different vertices, a networkx graph whose nodes carry
networkx's ``bipartite`` attribute in two sets; pyreslib fits one-mode networks.
"""

from __future__ import annotations

import numbers
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.errors import InputError, excerpt, excerpt_repr

R_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._]*$")
TWO_MODE = ("pyreslib fits one-mode networks only (docs/ergm-formulas.md, \"Two-mode "
            "networks\"); fit a two-mode network with statnet itself, network(m, bipartite = "
            "nrow(m)) and the b1/b2 terms, or project it onto one mode first")
_R_RESERVED = {"TRUE", "FALSE", "T", "F", "NULL", "NA", "Inf", "NaN", "c", "offset"}


def _first(items: list, k: int = 5) -> str:
    shown = [excerpt(str(i), 30) for i in items[:k]]
    return "[" + ", ".join(shown) + (", …" if len(items) > k else "") + "]"


def is_default_index(index: pd.Index) -> bool:
    """Whether ``index`` is pandas' default ``RangeIndex(0..n-1)`` (positions, not labels)."""
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def as_labelled_matrix(adjacency: Any, what: str) -> tuple[np.ndarray, list[str], bool]:
    """A square float matrix, its vertex labels, and whether those labels are real ones."""
    # networkx costs 0.2 s to import: an object can only be a graph if it is loaded already
    nx = sys.modules.get("networkx")
    if nx is not None and isinstance(adjacency, nx.Graph):
        _refuse_two_mode_graph(adjacency, what)
        nodes = list(adjacency.nodes)
        for u, v, data in adjacency.edges(data=True):
            weight = data.get("weight", 1)
            if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, numbers.Real):
                raise InputError(
                    f"{what}: edge ({excerpt(str(u), 30)}, {excerpt(str(v), 30)}) has weight "
                    f"{excerpt_repr(weight)}; edge weights must be numbers (or absent).")
        matrix = nx.to_numpy_array(adjacency, nodelist=nodes, weight="weight", dtype=float)
        labels, labelled = [str(n) for n in nodes], True
    elif isinstance(adjacency, pd.DataFrame):
        rows = [str(i) for i in adjacency.index]
        cols = [str(c) for c in adjacency.columns]
        if rows != cols and not set(rows) & set(cols):
            raise InputError(
                f"{what}: the DataFrame's rows and columns name different vertices (first rows "
                f"{_first(rows, 3)}, first columns {_first(cols, 3)}): an incidence matrix of a "
                f"two-mode (bipartite) network, not an adjacency matrix. {TWO_MODE}.")
        if rows != cols:
            raise InputError(
                f"{what}: the DataFrame's row labels and column labels differ (first rows "
                f"{_first(rows, 3)}, first columns {_first(cols, 3)}); an adjacency matrix has "
                "the same vertices, in the same order, on both axes. Reorder with "
                "df.loc[labels, labels].")
        values, labels = adjacency.to_numpy(), rows
        labelled = not (is_default_index(adjacency.index)
                        and is_default_index(pd.Index(adjacency.columns)))
        matrix = _numeric(values, what)
    else:
        try:
            values = np.asarray(adjacency)
        except ValueError as exc:  # numpy >= 1.24: an inhomogeneous (ragged) nested list
            raise InputError(f"{what}: the rows have different lengths ({exc}); give a square "
                             "matrix (n lists of n numbers).") from None
        matrix, labels, labelled = _numeric(values, what), None, False
    if matrix.ndim != 2:
        raise InputError(f"{what}: expected a square matrix, got shape {matrix.shape}.")
    if matrix.shape[0] != matrix.shape[1]:
        raise InputError(f"{what}: expected a square matrix, got shape {matrix.shape}; a "
                         f"{matrix.shape[0]} x {matrix.shape[1]} matrix is the incidence matrix "
                         f"of a two-mode (bipartite) network. {TWO_MODE}.")
    if labels is None:
        labels = [str(i + 1) for i in range(matrix.shape[0])]
    if len(set(labels)) != len(labels):
        seen: set[str] = set()
        dupes = sorted({label for label in labels if label in seen or seen.add(label)})
        raise InputError(f"{what}: duplicate vertex labels {_first(dupes)} (labels are compared "
                         "as text); each vertex needs a unique label.")
    return matrix, labels, labelled


def _refuse_two_mode_graph(graph, what: str) -> None:
    """A networkx graph marked as two-mode (its nodes' ``bipartite`` attribute in two sets,
    networkx's convention, with no tie inside a set) is refused, naming the sets."""
    sides = {node: data["bipartite"] for node, data in graph.nodes(data=True)
             if "bipartite" in data}
    if len(set(map(str, sides.values()))) != 2 or len(sides) != graph.number_of_nodes():
        return
    if any(str(sides[u]) == str(sides[v]) for u, v in graph.edges()):
        return
    values = sorted(set(map(str, sides.values())))
    raise InputError(f"{what}: the graph's nodes carry networkx's 'bipartite' attribute "
                     f"({values[0]!r} or {values[1]!r}) and every tie joins the two sets: a "
                     f"two-mode (bipartite) network. {TWO_MODE}.")


def _numeric(values: np.ndarray, what: str) -> np.ndarray:
    if np.iscomplexobj(values) or (values.dtype == object
                                   and any(isinstance(v, complex) for v in values.flat)):
        raise InputError(f"{what}: complex numbers; ties and covariates are real numbers.")
    if values.dtype == object:  # pandas' NA and None are missing values, as NaN is
        values = np.where(pd.isna(values), np.nan, values)
    try:
        return values.astype(float)
    except (TypeError, ValueError) as exc:
        reason = "the rows have different lengths" if "sequence" in str(exc) else (
            "the matrix has non-numeric entries")
        raise InputError(f"{what}: {reason} ({excerpt(str(exc), 80)}).") from None


def check_matrix(matrix: np.ndarray, what: str, *, directed: bool) -> None:
    """Finite entries, and symmetric when the network is undirected (edge covariates)."""
    bad = ~np.isfinite(matrix)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise InputError(f"{what}: {int(bad.sum())} entries are NaN or infinite (first at row "
                         f"{i}, column {j}); fill or drop them before fitting.")
    _check_symmetric(matrix, what, directed)


def _check_symmetric(matrix: np.ndarray, what: str, directed: bool,
                     network: bool = False) -> None:
    if directed:
        return
    differs = ~np.isclose(matrix, matrix.T, equal_nan=True)
    if differs.any():
        i, j = map(int, np.argwhere(differs)[0])
        raise InputError(
            f"{what}: the matrix is not symmetric (entry [{i},{j}] = {matrix[i, j]:g} but "
            f"[{j},{i}] = {matrix[j, i]:g}); an undirected network needs a symmetric matrix"
            + (" (a missing dyad is NaN on both sides)" if network else "")
            + ", or pass directed=True."
            + (" (A square incidence matrix of a two-mode network is not an adjacency matrix "
               f"either: {TWO_MODE}.)" if network else ""))


def check_adjacency(matrix: np.ndarray, what: str, *, directed: bool, valued: bool) -> int:
    """Check an observed network's matrix; return its number of missing dyads (NaN entries).

    Ties are 0/1 (binary) or whole-number counts (``valued``), NaN marks a missing dyad (see
    the module docstring), the diagonal is 0 (ergm networks have no loops) and an undirected
    network's matrix is symmetric, its missing dyads included.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([[0, 1, np.nan], [1, 0, 0], [np.nan, 0, 0]])
    >>> check_adjacency(m, "adjacency", directed=False, valued=False)  # one missing dyad
    1
    """
    missing = np.isnan(matrix)
    if np.isinf(matrix).any():
        i, j = map(int, np.argwhere(np.isinf(matrix))[0])
        raise InputError(f"{what}: {int(np.isinf(matrix).sum())} entries are infinite (first "
                         f"at row {i}, column {j}); ties are 0/1 (or counts with response=...), "
                         "and a dyad whose state is unknown is NaN.")
    diagonal = np.diag(matrix)
    if np.isnan(diagonal).any():
        raise InputError(f"{what}: the diagonal has NaN entries (first at vertex "
                         f"{int(np.flatnonzero(np.isnan(diagonal))[0])}); ergm networks have no "
                         "loops, so the diagonal is not a dyad and cannot be missing: set it "
                         "to 0 (NaN marks a missing dyad off the diagonal).")
    if np.any(diagonal != 0):
        raise InputError(f"{what}: the diagonal has non-zero entries (self-loops); ergm "
                         "networks have no loops. Set the diagonal to 0.")
    observed = matrix[~missing]
    if (observed < 0).any():
        raise InputError(f"{what}: negative entries; ties are 0/1 (or counts >= 0 with "
                         "response=...).")
    if not valued:
        if not np.isin(observed, (0.0, 1.0)).all():
            raise InputError(
                f"{what}: entries other than 0 and 1 (e.g. collaboration counts). Binarise "
                "first (pyreslib.network.binary_adjacency(G, threshold=1)) or fit a valued ERGM "
                "with response='weight'. (A dyad whose state is unknown is NaN.)")
    else:
        if not np.allclose(observed, np.round(observed)):
            raise InputError(f"{what}: a count ERGM needs whole-number entries.")
        if observed.size and observed.max() > 2**31 - 1:
            raise InputError(f"{what}: counts above 2^31 - 1 do not fit R's integers.")
    _check_symmetric(matrix, what, directed, network=True)
    return int(missing.sum()) if directed else int(missing.sum()) // 2


def _aligned_index(index: pd.Index, labels: list[str], labelled: bool, what: str) -> list[str]:
    """The vertex label of each row of a table indexed by ``index`` (see the module rules)."""
    n = len(labels)
    if isinstance(index, pd.MultiIndex):
        raise InputError(f"{what}: a MultiIndex cannot name vertices; index the rows by the "
                         "vertex labels.")
    if not is_default_index(index):
        keys = [str(i) for i in index]
        if not labelled:
            raise InputError(
                f"{what}: the rows are indexed by labels (first: {_first(keys, 3)}), but the "
                "network has no vertex labels (a plain matrix), so there is nothing to match "
                "them to. Give the adjacency as a DataFrame (or graph) labelled the same way, "
                "or use .reset_index(drop=True) if the rows are in vertex order.")
        if len(set(keys)) != len(keys):
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            raise InputError(f"{what}: duplicate rows for vertices {_first(dupes)}.")
        missing = [v for v in labels if v not in set(keys)]
        extra = [k for k in keys if k not in set(labels)]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"{len(missing)} vertices have no row (first: {_first(missing)})")
            if extra:
                parts.append(f"{len(extra)} rows name no vertex of the network (first: "
                             f"{_first(extra)})")
            raise InputError(
                f"{what}: rows are matched to vertices by label, and {'; '.join(parts)}. Give "
                "exactly one row per vertex (e.g. covariates.loc[vertex_labels]).")
        return keys
    if len(index) != n:
        raise InputError(
            f"{what}: {len(index)} rows for {n} vertices. With a default 0..{len(index) - 1} "
            "index the rows are matched to vertices by position, so the counts must be equal"
            + (f" (vertices without a row: {_first(labels[len(index):])})" if len(index) < n
               else f" (rows {n}..{len(index) - 1} have no vertex)")
            + ". Index the rows by vertex label to match by label.")
    positions = [str(i) for i in range(n)]
    if labelled and set(positions) == set(labels) and positions != labels:
        raise InputError(
            f"{what}: ambiguous: the rows have the default index 0..{n - 1} and the vertices "
            f"are labelled with the same numbers in another order (first: {_first(labels, 3)}). "
            "Set the index to the vertex labels (by label) or list the vertices in index order.")
    return labels


def align_node_covariates(covariates: pd.DataFrame | None, labels: list[str],
                          labelled: bool, *, check: bool = True) -> pd.DataFrame:
    """One row per vertex, in vertex order, indexed by vertex label (rules in the docstring).

    ``check=False`` leaves the values of the columns to :func:`check_node_covariate_values`,
    for a model that knows which columns it uses."""
    if covariates is None:
        return pd.DataFrame(index=labels)
    if not isinstance(covariates, pd.DataFrame):
        raise InputError("node_covariates: pass a pandas DataFrame with one row per vertex.")
    keys = _aligned_index(covariates.index, labels, labelled, "node_covariates")
    frame = covariates.copy()
    frame.index = keys
    frame = frame.loc[labels]
    for column in frame.columns:
        if not isinstance(column, str) or not column:
            raise InputError(f"node_covariates: column name {excerpt_repr(column)} must be "
                             "a non-empty string.")
        series = frame[column]
        if pd.api.types.is_complex_dtype(series) or (
                series.dtype == object and any(isinstance(v, complex) for v in series)):
            raise InputError(f"node_covariates: column {column!r} holds complex numbers; "
                             "covariates are real numbers or categories.")
    if check:
        check_node_covariate_values(frame, frame.columns)
    return frame


def check_node_covariate_values(frame: pd.DataFrame, columns: Iterable[str],
                                used_by: str = "") -> None:
    """The named columns of aligned node covariates are complete: numbers finite, categories
    not missing.  Other columns may hold anything (R checks only the attributes a model
    uses).  ``used_by`` says what names them, for the message."""
    for column in dict.fromkeys(columns):
        series = frame[column]
        named = f"column {column!r}" + (f" (used by {used_by})" if used_by else "")
        if pd.api.types.is_numeric_dtype(series):
            bad = ~np.isfinite(series.to_numpy(dtype=float))
            if bad.any():
                raise InputError(
                    f"node_covariates: {named} has {int(bad.sum())} NaN or infinite "
                    f"values (vertices {list(frame.index[bad])[:5]}); impute or drop those "
                    "vertices before fitting.")
        elif series.isna().any():
            raise InputError(f"node_covariates: {named} has missing values "
                             f"(vertices {_first(list(frame.index[series.isna()]))}).")


def align_edge_covariates(covariates: Mapping[str, Any] | None, labels: list[str],
                          labelled: bool, *, directed: bool) -> dict[str, np.ndarray]:
    """Each edge covariate as an n x n float matrix in vertex order."""
    if not covariates:
        return {}
    if not isinstance(covariates, Mapping):
        raise InputError("edge_covariates: pass a dict mapping a name to a square matrix.")
    aligned: dict[str, np.ndarray] = {}
    n = len(labels)
    for name, value in covariates.items():
        if not isinstance(name, str) or not name:
            raise InputError(f"edge_covariates: key {excerpt_repr(name)} must be a "
                             "non-empty string.")
        what = f"edge covariate {name!r}"
        if isinstance(value, pd.DataFrame):
            rows = _aligned_index(value.index, labels, labelled, what)
            cols = _aligned_index(pd.Index(value.columns), labels, labelled, what + " (columns)")
            frame = value.copy()
            frame.index, frame.columns = rows, cols
            matrix = _numeric(frame.loc[labels, labels].to_numpy(), what)
        else:
            matrix, _, _ = as_labelled_matrix(value, what)
            if matrix.shape != (n, n):
                raise InputError(f"{what}: shape {matrix.shape} does not match the network's "
                                 f"{n} vertices.")
        check_matrix(matrix, what, directed=directed)
        aligned[name] = matrix
    return aligned


def dyad_index_lists(dyad_lists: Mapping[str, Iterable] | None, labels: list[str],
                     labelled: bool, *, directed: bool) -> dict[str, np.ndarray]:
    """Each dyad list as a k x 2 integer matrix of 1-based vertex indices (R's edge list).

    Dyads are pairs of vertex labels; for a network without labels, pairs of 0-based vertex
    positions.  In an undirected network (i, j) and (j, i) are the same dyad.
    """
    if not dyad_lists:
        return {}
    if not isinstance(dyad_lists, Mapping):
        raise InputError("dyad_lists: pass a dict mapping a name to a list of (i, j) pairs.")
    index = {label: k for k, label in enumerate(labels)}
    out: dict[str, np.ndarray] = {}
    for name, pairs in dyad_lists.items():
        if not isinstance(name, str) or not R_NAME.match(name) or name in _R_RESERVED:
            raise InputError(f"dyad_lists: key {excerpt_repr(name)} must be a plain name "
                             "(letters, digits, '.', '_'; starting with a letter).")
        where = f"dyad_lists[{name!r}]"
        try:
            items = list(pairs)
        except TypeError:
            raise InputError(f"{where}: give a list of (i, j) pairs.") from None
        dyads: dict[tuple[int, int], None] = {}
        for pair in items:
            if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
                raise InputError(f"{where}: {excerpt_repr(pair)} is not an (i, j) pair.")
            i, j = (_vertex(v, index, labelled, len(labels), where) for v in pair)
            if i == j:
                raise InputError(f"{where}: ({labels[i]}, {labels[j]}) is a self-loop; dyads "
                                 "join two different vertices.")
            dyads[(i, j) if directed else (min(i, j), max(i, j))] = None
        if not dyads:
            raise InputError(f"{where} is empty; give at least one (i, j) pair.")
        out[name] = np.array(list(dyads), dtype=np.int32).reshape(-1, 2) + 1
    return out


def _vertex(value: Any, index: dict[str, int], labelled: bool, n: int, where: str) -> int:
    if labelled:
        key = str(value)
        if key not in index:
            raise InputError(f"{where}: {excerpt(key, 40)} is not a vertex label of the network.")
        return index[key]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not (
            0 <= value < n):
        raise InputError(f"{where}: {excerpt_repr(value)} is not a vertex position; the "
                         f"network has no labels, so dyads are pairs of positions 0..{n - 1}.")
    return int(value)
