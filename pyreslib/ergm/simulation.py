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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge
from pyreslib.errors import InputError

OUTPUTS = ("graph", "adjacency", "stats")


def _check_count(value: Any, name: str, minimum: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{where}: {name}={value!r}: give a whole number >= {minimum}.")
    return int(value)


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
    nsim = _check_count(nsim, "nsim", 1, "simulate")
    seed = results.seed if seed is None else _check_seed(seed, "simulate")
    value = bridge.call("pyreslib_simulate_fit",
                        context=f"simulating from the fit of '{results.formula}'",
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
    nsim = _check_count(nsim, "nsim", 2, "predict")
    seed = results.seed if seed is None else _check_seed(seed, "predict")
    value = bridge.as_dict(bridge.call(
        "pyreslib_predict", context=f"predicting tie probabilities of '{results.formula}'",
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
    nsim = _check_count(nsim, "nsim", 1, "simulate")
    seed = _check_seed(seed, "simulate")
    names = _vertex_names(n_nodes, node_covariates, vertex_names)
    empty = pd.DataFrame(np.zeros((len(names), len(names))), index=names, columns=names)
    model = ERGM(empty, formula, node_covariates=node_covariates,
                 edge_covariates=edge_covariates, directed=directed)
    coef = np.atleast_1d(np.asarray(coef, dtype=float))
    value = bridge.call(
        "pyreslib_simulate_formula", context=f"simulating from '{model.formula}'",
        nw=model.r_network(), terms=model.r_terms(), coef=[float(c) for c in coef],
        seed=seed, nsim=nsim, output="stats" if output == "stats" else "networks")
    if output == "stats":
        return _stats_frame(value)
    return _networks(value, model, output, nsim)


def _vertex_names(n_nodes, node_covariates, vertex_names) -> list[str]:
    if vertex_names is not None:
        names = [str(v) for v in vertex_names]
    elif isinstance(node_covariates, pd.DataFrame) and not isinstance(node_covariates.index,
                                                                      pd.RangeIndex):
        names = [str(v) for v in node_covariates.index]
    else:
        if n_nodes is None:
            raise InputError("simulate: give n_nodes, vertex_names, or node_covariates indexed "
                             "by vertex name.")
        names = [str(i + 1) for i in range(_check_count(n_nodes, "n_nodes", 2, "simulate"))]
    if n_nodes is not None and _check_count(n_nodes, "n_nodes", 2, "simulate") != len(names):
        raise InputError(f"simulate: n_nodes={n_nodes} but {len(names)} vertex names were "
                         "given; give one or make them agree.")
    if len(set(names)) != len(names):
        raise InputError("simulate: vertex names must be unique.")
    return names
