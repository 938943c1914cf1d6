"""Networks simulated from an ERGM, and tie probabilities predicted by a fit.

Simulation draws networks from :math:`P_\\theta(Y = y) \\propto \\exp\\{\\theta^\\top g(y, X)\\}`
by ergm's Metropolis-Hastings sampler (Hunter, Handcock, Butts, Goodreau & Morris 2008,
*J. Stat. Softw.* 24(3), doi:10.18637/jss.v024.i03), as statnet's ``simulate``.

Prediction is statnet's ``predict.ergm``.  The *conditional* probability of the tie
:math:`i \\to j` given the rest of the network :math:`y^c_{ij}` is exact:

.. math::  P(Y_{ij} = 1 \\mid y^c_{ij}) = \\operatorname{logit}^{-1}\\big(
           \\theta^\\top \\delta_{ij}(y)\\big),

with :math:`\\delta_{ij}(y)` the change statistics of toggling the tie on; the
*unconditional* probability is the share of ``nsim`` simulated networks holding the tie.

Bounds (checked before R starts; docs/ergm-formulas.md, "Bounds"): ``nsim`` is at most
:data:`MAX_NSIM` (10,000) here and in goodness of fit; networks returned as matrices or graphs
at most :data:`MAX_SIMULATED_CELLS` (10^8) cells in all (``nsim`` x n x n); a network simulated
from a formula at most :data:`MAX_NODES` (10,000) vertices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge
from pyreslib.errors import InputError, excerpt, excerpt_repr

OUTPUTS = ("graph", "adjacency", "stats")
# Simulated networks per call (simulate, predict's unconditional share, goodness of fit): far
# beyond what a paper needs (100 to 1,000), and a typo such as 10**9 is an error, not hours of
# MCMC. Networks returned as matrices are further bounded by their cells (nsim x n x n), 10^8 =
# 800 MB of float64; statistics ("stats") are not.
MAX_NSIM = 10_000
MAX_SIMULATED_CELLS = 10**8
# Vertices of a network simulated from a formula: its (dense) matrix is built in Python first.
MAX_NODES = 10_000


def check_count(value: Any, name: str, minimum: int, where: str,
                maximum: int | None = None) -> int:
    """A whole number from ``minimum`` to ``maximum`` passed on to R, or an InputError naming
    ``where`` (the call, e.g. ``"simulate:"``) and ``name`` (the argument)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or (
            value < minimum or (maximum is not None and value > maximum)):
        shown = f"from {minimum} to {maximum:,}" if maximum is not None else f">= {minimum}"
        raise InputError(f"{where} {name}={excerpt_repr(value)}: give a whole number {shown}"
                         + (" (100 to 1,000 are usual)." if name == "nsim" else "."))
    return int(value)


def _check_nsim(nsim: Any, minimum: int, where: str, n_nodes: int, output: str) -> int:
    nsim = check_count(nsim, "nsim", minimum, f"{where}:", MAX_NSIM)
    if output != "stats" and nsim * n_nodes**2 > MAX_SIMULATED_CELLS:
        raise InputError(
            f"{where}: nsim={nsim:,} networks of {n_nodes:,} vertices are {nsim * n_nodes**2:,} "
            f"matrix cells, more than the {MAX_SIMULATED_CELLS:,} pyreslib returns at once; "
            "ask for output='stats' (the statistics of each draw), or for fewer networks per "
            "call (with different seeds).")
    return nsim


def _check_seed(seed: Any, where: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not (
            0 <= int(seed) < 2**31):
        raise InputError(f"{where}: seed={seed!r}: give a whole number between 0 and 2**31 - 1 "
                         "(a seed makes the draws repeat exactly).")
    return int(seed)


def _check_output(output: Any, allowed: tuple[str, ...], where: str) -> str:
    if output not in allowed:
        raise InputError(f"{where}: output={output!r}: choose one of "
                         f"{', '.join(map(repr, allowed))}.")
    return output


def _networks(value, model, output: str, nsim: int):
    """Simulated networks from R as labelled DataFrames or networkx graphs."""
    import networkx as nx

    labels = list(model.vertex_names)
    out = []
    for rmat in bridge.as_dict(value)["networks"]:
        frame = pd.DataFrame(bridge.as_matrix(rmat), index=labels, columns=labels)
        if output == "array":
            out.append(frame.to_numpy())
        elif output == "adjacency":
            out.append(frame)
        else:
            graph = nx.from_pandas_adjacency(
                frame, create_using=nx.DiGraph if model.directed else nx.Graph)
            if model.response is None:  # binary ties: no 'weight' attribute of 1 on each edge
                for _, _, data in graph.edges(data=True):
                    data.clear()
            covariates = model.node_covariates
            for column in covariates.columns:
                nx.set_node_attributes(graph, covariates[column].to_dict(), column)
            out.append(graph)
    return out[0] if nsim == 1 else out


def _stats_frame(value) -> pd.DataFrame:
    parts = bridge.as_dict(value)
    frame = pd.DataFrame(bridge.as_matrix(parts["stats"]),
                         columns=bridge.as_str_list(parts["names"]))
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="draw")
    return frame


def simulate_fit(results, nsim: int = 1, seed: int | None = None, output: str = "graph"):
    """Simulate networks from a fitted model, as statnet's ``simulate.ergm``.

    Draws use the fit's coefficients, constraints and MCMC settings and start from the
    network the fit ended on (``newnetwork``: the last network of the estimation's MCMC
    sample, else the observed network), so every draw has the observed vertex names and
    covariates.  ``seed`` (default: the fit's seed) makes the draws repeat exactly and equal
    R's ``simulate(fit, nsim, seed = seed)``.

    Returns, for ``output="graph"``, a networkx graph with the vertex names as nodes and the
    node covariates as node attributes (``weight`` holds the edge value of a valued ERGM);
    ``"adjacency"``: a labelled adjacency DataFrame; one of them for ``nsim=1``, else a list.
    ``"stats"``: a DataFrame of the model statistics of each draw (rows ``1..nsim``).
    """
    output = _check_output(output, OUTPUTS, "simulate")
    nsim = _check_nsim(nsim, 1, "simulate", len(results.model.vertex_names), output)
    seed = results.seed if seed is None else _check_seed(seed, "simulate")
    value = bridge.call("pyreslib_simulate_fit",
                        context=f"simulating from the fit of {excerpt(str(results.formula))}",
                        fit=results._r_fit, nsim=nsim, seed=seed, output=output)
    if output == "stats":
        return _stats_frame(value)
    return _networks(value, results.model, output, nsim)


def predict(results, conditional: bool = True, output: str = "matrix", nsim: int = 100,
            seed: int | None = None):
    """Tie probabilities of a fitted model, as statnet's ``predict.ergm``.

    ``conditional=True``: the exact probability of each tie given the rest of the observed
    network; ``False``: the share of ``nsim`` networks simulated from the fit (seeded by
    ``seed``, default the fit's) that hold the tie.

    ``output="matrix"``: a DataFrame labelled by vertex names on both axes, 0 on the
    diagonal; for an undirected network it is symmetric (R fills only the upper triangle and
    leaves NA, conditional, or 0, unconditional, below it).  NaN marks dyads without a
    probability (fixed by a constraint).  ``output="frame"``: one row per dyad (``tail``,
    ``head``, ``p``) ordered by tail then head: conditional, statnet's dyads (the informative
    ones, undirected dyads once with tail before head; p is NaN where an estimate is NA);
    unconditional, every dyad, also those no simulated network held (R's data frame leaves
    out those with p = 0).
    """
    output = _check_output(output, ("matrix", "frame"), "predict")
    if not isinstance(conditional, bool):
        raise InputError(f"predict: conditional={conditional!r}: give True or False.")
    if results.model.response is not None:
        raise InputError("predict: tie probabilities are defined for binary ERGMs; statnet's "
                         "predict.ergm does not handle valued (count) ERGMs either.")
    nsim = check_count(nsim, "nsim", 2, "predict:", MAX_NSIM)
    seed = results.seed if seed is None else _check_seed(seed, "predict")
    value = bridge.as_dict(bridge.call(
        "pyreslib_predict",
        context=f"predicting tie probabilities of {excerpt(str(results.formula))}",
        fit=results._r_fit, conditional=conditional, nsim=nsim, seed=seed))
    labels = bridge.as_str_list(value["names"])
    n, directed = len(labels), results.model.directed
    if conditional:
        tails = bridge.as_float_array(value["tail"]).astype(int) - 1
        heads = bridge.as_float_array(value["head"]).astype(int) - 1
        p = bridge.as_float_array(value["p"])
        matrix = np.full((n, n), np.nan)
        matrix[tails, heads] = p
        if not directed:
            matrix[heads, tails] = p
    else:
        matrix = bridge.as_matrix(value["p"])
        if not directed:
            upper = np.triu(np.ones(matrix.shape, dtype=bool), 1)
            matrix = np.where(upper, matrix, matrix.T)
        off = ~np.eye(n, dtype=bool)
        tails, heads = np.nonzero(off if directed else np.triu(off))
    np.fill_diagonal(matrix, 0.0)
    probabilities = pd.DataFrame(matrix, index=labels, columns=labels)
    if output == "matrix":
        return probabilities
    order = np.lexsort((heads, tails))
    tails, heads = tails[order], heads[order]
    return pd.DataFrame({"tail": [labels[i] for i in tails], "head": [labels[j] for j in heads],
                         "p": matrix[tails, heads]})


def simulate(
    formula: str,
    coef: Any,
    n_nodes: int | None = None,
    *,
    seed: int,
    nsim: int = 1,
    directed: bool = False,
    node_covariates: pd.DataFrame | None = None,
    edge_covariates: Mapping[str, Any] | None = None,
    vertex_names: list[str] | None = None,
    output: str = "array",
):
    """Simulate networks from an ERGM with given coefficients (ergm's ``simulate``).

    The draws start from the empty network on the vertices.  Vertices are named by
    ``vertex_names``, else by the index of ``node_covariates`` when it is labelled (not a
    default ``RangeIndex``), else ``"1", ..., "n"``; ``n_nodes`` may then be left out.
    Node covariates are matched to the vertices by name; edge covariates as in
    :class:`~pyreslib.ergm.ERGM`.

    ``output``: ``"array"`` (default) numpy adjacency matrices, ``"adjacency"`` labelled
    DataFrames, ``"graph"`` networkx graphs with node attributes, or ``"stats"`` a DataFrame
    of the model statistics per draw.  One network for ``nsim=1``, else a list.

    Examples
    --------
    >>> from pyreslib.ergm import simulate
    >>> draws = simulate("edges", [-1.0], 20, seed=1, nsim=3, output="stats")
    >>> list(draws.columns), len(draws)
    (['edges'], 3)
    >>> simulate("edges", [-1.0], 20, seed=1).shape
    (20, 20)

    References
    ----------
    .. [1] Hunter, D. R., Handcock, M. S., Butts, C. T., Goodreau, S. M. and Morris, M. (2008).
       ergm: A package to fit, simulate and diagnose exponential-family models for
       networks. *Journal of Statistical Software* 24(3). doi:10.18637/jss.v024.i03
    .. [2] Krivitsky, P. N., Hunter, D. R., Morris, M. and Klumb, C. (2023). ergm 4: New
       features for analyzing exponential-family random graph models. *Journal of
       Statistical Software* 105(6). doi:10.18637/jss.v105.i06
    """
    from pyreslib.ergm.model import ERGM

    output = _check_output(output, ("array", *OUTPUTS), "simulate")
    seed = _check_seed(seed, "simulate")
    names = _vertex_names(n_nodes, node_covariates, vertex_names)
    nsim = _check_nsim(nsim, 1, "simulate", len(names), output)
    empty = pd.DataFrame(np.zeros((len(names), len(names))), index=names, columns=names)
    model = ERGM(empty, formula, node_covariates=node_covariates,
                 edge_covariates=edge_covariates, directed=directed)
    try:
        coef = np.atleast_1d(np.asarray(coef, dtype=float))
    except (TypeError, ValueError):
        coef = None
    if coef is None or coef.ndim != 1 or np.isnan(coef).any():
        raise InputError("simulate: coef must be numbers, one per statistic of the formula "
                         "(-inf/inf allowed, NaN not).")
    value = bridge.call(
        "pyreslib_simulate_formula", context=f"simulating from {excerpt(str(model.formula))}",
        nw=model.r_network(), terms=model.r_terms(), coef=[float(c) for c in coef],
        seed=seed, nsim=nsim, output="stats" if output == "stats" else "networks")
    if output == "stats":
        return _stats_frame(value)
    return _networks(value, model, output, nsim)


def _vertex_names(n_nodes, node_covariates, vertex_names) -> list[str]:
    if n_nodes is not None:
        n_nodes = check_count(n_nodes, "n_nodes", 2, "simulate:", MAX_NODES)
    if vertex_names is not None:
        names = [str(v) for v in vertex_names]
    elif isinstance(node_covariates, pd.DataFrame) and not isinstance(node_covariates.index,
                                                                      pd.RangeIndex):
        names = [str(v) for v in node_covariates.index]
    else:
        if n_nodes is None:
            raise InputError("simulate: give n_nodes, vertex_names, or node_covariates indexed "
                             "by vertex name.")
        names = [str(i + 1) for i in range(n_nodes)]
    if n_nodes is not None and n_nodes != len(names):
        raise InputError(f"simulate: n_nodes={n_nodes} but {len(names)} vertex names were "
                         "given; give one or make them agree.")
    if len(names) > MAX_NODES:
        raise InputError(f"simulate: {len(names):,} vertex names; pyreslib simulates networks "
                         f"of at most {MAX_NODES:,} vertices (their matrices are dense).")
    if len(set(names)) != len(names):
        raise InputError("simulate: vertex names must be unique.")
    return names
