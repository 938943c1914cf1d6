"""ERGM model specification: inputs checked in Python, estimation by statnet ``ergm`` in R.

An exponential random graph model gives a network ``y`` on a fixed vertex set the probability

.. math::  P_\\theta(Y = y) = \\exp\\{\\theta^\\top g(y, X)\\} / \\kappa(\\theta),

where ``g`` are the statistics named by the formula's terms and ``X`` the covariates
(Hunter, Handcock, Butts, Goodreau & Morris 2008, *J. Stat. Softw.* 24(3),
doi:10.18637/jss.v024.i03).  Dyad-independent models are fit by maximum (pseudo)likelihood,
dyad-dependent ones by MCMC-MLE (Hummel, Hunter & Handcock 2012).  Valued ERGMs on counts use
ergm.count (Krivitsky 2012, *Electron. J. Stat.* 6, doi:10.1214/12-EJS696).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge
from pyreslib.ergm.formula import Formula, parse_formula
from pyreslib.errors import DegeneracyError, FormulaError, InputError

REFERENCES = ("Poisson", "Geometric", "Bernoulli")
_R_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._]*$")


def _as_labelled_matrix(adjacency: Any, what: str) -> tuple[np.ndarray, list[str]]:
    """A square float matrix and its vertex labels, from numpy, pandas or networkx input."""
    try:
        import networkx as nx
    except ImportError:  # pragma: no cover - networkx is a dependency
        nx = None
    if nx is not None and isinstance(adjacency, nx.Graph):
        nodes = list(adjacency.nodes)
        matrix = nx.to_numpy_array(adjacency, nodelist=nodes, weight="weight", dtype=float)
        return matrix, [str(n) for n in nodes]
    if isinstance(adjacency, pd.DataFrame):
        rows = [str(i) for i in adjacency.index]
        cols = [str(c) for c in adjacency.columns]
        if rows != cols:
            raise InputError(
                f"{what}: the DataFrame's row labels and column labels differ (first rows "
                f"{rows[:3]}, first columns {cols[:3]}); an adjacency matrix has the same "
                "vertices, in the same order, on both axes. Reorder with df.loc[labels, labels]."
            )
        if len(set(rows)) != len(rows):
            dupes = sorted({r for r in rows if rows.count(r) > 1})
            raise InputError(f"{what}: duplicate vertex labels {dupes[:5]}; each vertex needs "
                             "a unique label.")
        values = adjacency.to_numpy()
        labels = rows
    else:
        values = np.asarray(adjacency)
        labels = None
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise InputError(f"{what}: expected a square matrix, got shape {values.shape}.")
    try:
        matrix = values.astype(float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what}: the matrix has non-numeric entries ({exc}).") from None
    if labels is None:
        labels = [str(i + 1) for i in range(matrix.shape[0])]
    return matrix, labels


def _check_matrix(matrix: np.ndarray, what: str, *, directed: bool) -> None:
    bad = ~np.isfinite(matrix)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise InputError(f"{what}: {int(bad.sum())} entries are NaN or infinite (first at row "
                         f"{i}, column {j}); fill or drop them before fitting.")
    if not directed and not np.allclose(matrix, matrix.T):
        i, j = map(int, np.argwhere(~np.isclose(matrix, matrix.T))[0])
        raise InputError(f"{what}: the matrix is not symmetric (entry [{i},{j}] = "
                         f"{matrix[i, j]:g} but [{j},{i}] = {matrix[j, i]:g}); an undirected "
                         "network needs a symmetric matrix, or pass directed=True.")


class ERGM:
    """An exponential random graph model of one network.

    Parameters
    ----------
    adjacency : numpy.ndarray, pandas.DataFrame or networkx.Graph
        The observed network.  DataFrame labels (or graph nodes) become vertex names.  For a
        binary ERGM entries must be 0/1; with ``response`` they are counts.
    formula : str
        Right-hand side in ergm's term syntax, e.g.
        ``"edges + nodecov('gdp') + edgecov('distance') + gwesp(0.25, fixed=TRUE)"``.
        Validated before any R code is built (:func:`~pyreslib.ergm.formula.parse_formula`).
    node_covariates : pandas.DataFrame, optional
        One row per vertex: indexed by the vertex labels (any order) or, for an unlabelled
        matrix, in vertex order.  Numeric columns for ``nodecov``/``absdiff``; any for
        ``nodefactor``/``nodematch``.
    edge_covariates : dict of str to square matrix, optional
        Dyadic covariates for ``edgecov``, aligned with the vertices.
    directed : bool
        Whether the network is directed.
    response : str, optional
        Fit a valued ERGM on the matrix's counts (ergm.count), with ``reference`` measure.
    reference : {"Poisson", "Geometric", "Bernoulli"}
        Reference measure of a valued ERGM.
    """

    def __init__(
        self,
        adjacency: Any,
        formula: str,
        node_covariates: pd.DataFrame | None = None,
        edge_covariates: Mapping[str, Any] | None = None,
        directed: bool = False,
        response: str | None = None,
        reference: str = "Poisson",
    ) -> None:
        matrix, labels = _as_labelled_matrix(adjacency, "ERGM adjacency")
        n = matrix.shape[0]
        if n < 2:
            raise InputError(f"ERGM adjacency: the network has {n} vertex; an ERGM needs at "
                             "least 2 vertices (and, in practice, many more).")
        _check_matrix(matrix, "ERGM adjacency", directed=directed)
        if np.any(np.diag(matrix) != 0):
            raise InputError("ERGM adjacency: the diagonal has non-zero entries (self-loops); "
                             "ergm networks have no loops. Set the diagonal to 0.")
        if (matrix < 0).any():
            raise InputError("ERGM adjacency: negative entries; ties are 0/1 (or counts >= 0 "
                             "with response=...).")
        if response is None:
            if not np.isin(matrix, (0.0, 1.0)).all():
                raise InputError(
                    "ERGM adjacency: entries other than 0 and 1 (e.g. collaboration counts). "
                    "Binarise first (pyreslib.network.binary_adjacency(G, threshold=1)) or fit "
                    "a valued ERGM with response='weight'."
                )
        else:
            if not _R_NAME.match(response):
                raise InputError(f"ERGM response {response!r}: use a plain name like 'weight'.")
            if reference not in REFERENCES:
                raise InputError(f"ERGM reference {reference!r}: choose one of {REFERENCES}.")
            if not np.allclose(matrix, np.round(matrix)):
                raise InputError("ERGM adjacency: a count ERGM needs whole-number entries.")
        self.adjacency = matrix
        self.vertex_names = labels
        self.directed = bool(directed)
        self.response = response
        self.reference = reference
        self.node_covariates = self._align_node_covariates(node_covariates)
        self.edge_covariates = self._align_edge_covariates(edge_covariates)
        self.formula: Formula = parse_formula(
            formula,
            node_covariates=self.node_covariates.columns,
            edge_covariates=self.edge_covariates.keys(),
            valued=response is not None,
        )
        self.formula_text = formula

    # ---- input alignment ------------------------------------------------------------------

    def _align_node_covariates(self, covariates: pd.DataFrame | None) -> pd.DataFrame:
        labels = self.vertex_names
        if covariates is None:
            return pd.DataFrame(index=labels)
        if not isinstance(covariates, pd.DataFrame):
            raise InputError("node_covariates: pass a pandas DataFrame with one row per vertex.")
        frame = covariates.copy()
        frame.index = [str(i) for i in frame.index]
        if set(frame.index) >= set(labels):
            frame = frame.loc[labels]
        elif isinstance(covariates.index, pd.RangeIndex) and len(frame) == len(labels):
            frame.index = labels
        else:
            missing = [v for v in labels if v not in set(frame.index)]
            raise InputError(
                f"node_covariates: {len(missing)} vertices have no row (first: {missing[:5]}); "
                "index the DataFrame by the vertex labels (e.g. adcodes) or give one row per "
                "vertex in vertex order with a default RangeIndex."
            )
        if frame.index.duplicated().any():
            raise InputError(f"node_covariates: duplicate rows for vertices "
                             f"{sorted(set(frame.index[frame.index.duplicated()]))[:5]}.")
        for column in frame.columns:
            if not isinstance(column, str) or not column:
                raise InputError(f"node_covariates: column name {column!r} must be a non-empty "
                                 "string.")
            series = frame[column]
            if pd.api.types.is_numeric_dtype(series):
                bad = ~np.isfinite(series.to_numpy(dtype=float))
                if bad.any():
                    raise InputError(
                        f"node_covariates: column {column!r} has {int(bad.sum())} NaN or "
                        f"infinite values (vertices {list(frame.index[bad])[:5]}); impute or "
                        "drop those vertices before fitting."
                    )
            elif series.isna().any():
                raise InputError(f"node_covariates: column {column!r} has missing values.")
        return frame

    def _align_edge_covariates(self, covariates: Mapping[str, Any] | None) -> dict[str, np.ndarray]:
        if not covariates:
            return {}
        if not isinstance(covariates, Mapping):
            raise InputError("edge_covariates: pass a dict mapping a name to a square matrix.")
        aligned: dict[str, np.ndarray] = {}
        n = len(self.vertex_names)
        for name, value in covariates.items():
            what = f"edge covariate {name!r}"
            if not isinstance(name, str) or not name:
                raise InputError(f"edge_covariates: key {name!r} must be a non-empty string.")
            if isinstance(value, pd.DataFrame):
                frame = value.copy()
                frame.index = [str(i) for i in frame.index]
                frame.columns = [str(c) for c in frame.columns]
                missing = [v for v in self.vertex_names if v not in set(frame.index)]
                if missing:
                    raise InputError(f"{what}: no rows for vertices {missing[:5]}; label it by "
                                     "the same vertex labels as the adjacency.")
                matrix = frame.loc[self.vertex_names, self.vertex_names].to_numpy(dtype=float)
            else:
                matrix, _ = _as_labelled_matrix(value, what)
                if matrix.shape != (n, n):
                    raise InputError(f"{what}: shape {matrix.shape} does not match the "
                                     f"network's {n} vertices.")
            _check_matrix(matrix, what, directed=self.directed)
            aligned[name] = matrix
        return aligned

    # ---- fitting --------------------------------------------------------------------------

    def _r_node_covariates(self) -> dict[str, list]:
        """Node covariates as plain lists R takes: numbers as floats, anything else as text."""
        frame = self.node_covariates
        return {
            c: ([float(v) for v in frame[c]] if pd.api.types.is_numeric_dtype(frame[c])
                else [str(v) for v in frame[c]])
            for c in frame.columns
        }

    def _r_network(self):
        return bridge.call(
            "pyreslib_network",
            context="building the network object",
            adj=self.adjacency,
            directed=self.directed,
            vertex_names=list(self.vertex_names),
            node_covariates=self._r_node_covariates(),
            edge_covariates=dict(self.edge_covariates),
            response=self.response,
        )

    def _r_terms(self):
        return [
            {"name": t.name, "args": bridge.named_list(
                [("", v) for v in t.args] + list(t.kwargs))}
            for t in self.formula.terms
        ]

    def fit(
        self,
        estimate: str = "MLE",
        seed: int | None = None,
        control: Mapping[str, Any] | None = None,
        eval_loglik: bool = True,
    ):
        """Estimate the model with ``ergm::ergm``; return an :class:`ERGMResults`.

        Parameters
        ----------
        estimate : {"MLE", "MPLE"}
            ``"MLE"`` is exact for dyad-independent models and MCMC-MLE otherwise.
        seed : int, optional
            Seeds R's generator (``set.seed`` and ``control.ergm(seed=)``) so a fit repeats
            exactly.  ``None`` draws one, recorded as ``results.seed``.
        control : dict, optional
            ``control.ergm`` settings as literals, e.g. ``{"MCMC.samplesize": 2048}``.
            ``{"parallel": 2}`` runs MCMC on 2 local PSOCK workers; a list of host names
            spreads the chains over those machines.
        eval_loglik : bool
            Bridge-sample the log-likelihood of dyad-dependent models so AIC/BIC exist.
        """
        from pyreslib.ergm.results import ERGMResults

        seed, control_list = check_fit_arguments(estimate, seed, control)
        nw = self._r_network()
        value = bridge.call(
            "pyreslib_fit",
            context=f"fitting ERGM '{self.formula}'",
            nw=nw,
            terms=self._r_terms(),
            estimate=estimate,
            seed=int(seed),
            control=control_list,
            response=self.response,
            reference=self.reference if self.response else None,
            eval_loglik=bool(eval_loglik),
        )
        parts = bridge.as_dict(value)
        results = ERGMResults(self, parts["fit"], parts["info"], seed=int(seed),
                              control=dict(control or {}))
        results._check_degeneracy()
        return results


def check_fit_arguments(estimate: str, seed: int | None,
                        control: Mapping[str, Any] | None) -> tuple[int, dict[str, Any]]:
    """Check a fit's ``estimate``, ``seed`` (``None`` draws one) and ``control``.

    Returns the seed as an int and the validated ``control.ergm`` settings.
    """
    if estimate not in ("MLE", "MPLE"):
        raise InputError(f"estimate={estimate!r}: choose 'MLE' or 'MPLE'.")
    if seed is None:
        seed = secrets.randbelow(2**31 - 1)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not (
        0 <= int(seed) < 2**31
    ):
        raise InputError(f"seed={seed!r}: give a whole number between 0 and 2**31 - 1.")
    return int(seed), validate_control(control)


_CONTROL_NAMES: list[str] | None = None


def _control_names() -> list[str]:
    global _CONTROL_NAMES
    if _CONTROL_NAMES is None:
        _CONTROL_NAMES = bridge.as_str_list(
            bridge.call("pyreslib_control_names", context="reading control.ergm's arguments"))
    return _CONTROL_NAMES


def validate_control(control: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check ``control.ergm`` settings: known names, literal values only.

    ``parallel`` takes a worker count or a list of host names and implies
    ``parallel.type = "PSOCK"``.
    """
    if control is None:
        return {}
    if not isinstance(control, Mapping):
        raise InputError("control: pass a dict of control.ergm settings.")
    known = set(_control_names())
    checked: dict[str, Any] = {}
    for key, value in control.items():
        if not isinstance(key, str) or key not in known:
            close = [k for k in known if isinstance(key, str) and k.lower() == key.lower()]
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise InputError(f"control: {key!r} is not a control.ergm setting.{hint} See R's "
                             "?control.ergm for the list.")
        if key == "parallel":
            if isinstance(value, (list, tuple)):
                if not value or not all(isinstance(h, str) and re.fullmatch(r"[A-Za-z0-9._-]+", h)
                                        for h in value):
                    raise InputError("control['parallel']: give a worker count or a list of "
                                     "host names (letters, digits, '.', '_', '-').")
                checked[key] = list(value)
            elif isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0:
                checked[key] = int(value)
            else:
                raise InputError(f"control['parallel']={value!r}: give a worker count "
                                 "(int >= 0) or a list of host names.")
            checked.setdefault("parallel.type", "PSOCK")
            continue
        checked[key] = _literal(value, f"control[{key!r}]")
    return checked


def _literal(value: Any, where: str) -> Any:
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value) and not np.isinf(value):
            raise InputError(f"{where}: NaN is not a valid setting.")
        return float(value)
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in value
    ):
        return [float(v) for v in value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InputError(f"{where}={value!r}: only numbers, strings, booleans and lists of them "
                     "are accepted.")


def simulate(
    formula: str,
    coef: Any,
    n_nodes: int,
    *,
    seed: int,
    nsim: int = 1,
    directed: bool = False,
    node_covariates: pd.DataFrame | None = None,
    edge_covariates: Mapping[str, Any] | None = None,
) -> np.ndarray | list[np.ndarray]:
    """Simulate networks from an ERGM with ergm's ``simulate()`` on ``n_nodes`` vertices.

    Returns one adjacency matrix (``nsim=1``) or a list of them.
    """
    if not isinstance(n_nodes, (int, np.integer)) or n_nodes < 2:
        raise InputError(f"n_nodes={n_nodes!r}: give a whole number >= 2.")
    empty = np.zeros((int(n_nodes), int(n_nodes)))
    model = ERGM(empty, formula, node_covariates=node_covariates,
                 edge_covariates=edge_covariates, directed=directed)
    coef = np.atleast_1d(np.asarray(coef, dtype=float))
    sims = bridge.call(
        "pyreslib_simulate",
        context=f"simulating from '{model.formula}'",
        n_nodes=int(n_nodes), directed=directed, terms=model._r_terms(),
        coef=[float(c) for c in coef], seed=int(seed), nsim=int(nsim),
        node_covariates=model._r_node_covariates(), edge_covariates=dict(model.edge_covariates),
    )
    matrices = [bridge.as_matrix(m) for m in sims]
    return matrices[0] if nsim == 1 else matrices


__all__ = ["ERGM", "DegeneracyError", "FormulaError", "simulate", "validate_control"]
