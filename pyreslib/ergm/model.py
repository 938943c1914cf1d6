"""ERGM model specification: inputs checked in Python, estimation by statnet ``ergm`` in R.

An exponential random graph model gives a network ``y`` on a fixed vertex set the probability

.. math::  P_\\theta(Y = y) = \\exp\\{\\theta^\\top g(y, X)\\} / \\kappa(\\theta),

where ``g`` are the statistics named by the formula's terms and ``X`` the covariates
(Hunter, Handcock, Butts, Goodreau & Morris 2008, *J. Stat. Softw.* 24(3),
doi:10.18637/jss.v024.i03).  Dyad-independent models are fit by maximum (pseudo)likelihood,
dyad-dependent ones by MCMC-MLE (Hummel, Hunter & Handcock 2012).  Valued ERGMs on counts use
ergm.count (Krivitsky 2012, *Electron. J. Stat.* 6, doi:10.1214/12-EJS696).  Constraints
restrict the sample space (``~bd(maxout=3)``, ``~degrees``, ...), and ``offset()`` terms have
fixed coefficients, as in ``ergm(formula, constraints=, offset.coef=)``.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge, inputs
from pyreslib.ergm.control import check_ssh_config, validate_control
from pyreslib.ergm.formula import DyadList, Formula, parse_constraints, parse_formula
from pyreslib.errors import DegeneracyError, FormulaError, InputError, RError, excerpt_repr

REFERENCES = ("Poisson", "Geometric", "Bernoulli")
_R_NAME = inputs.R_NAME
VERBOSE_ENV = "PYRESLIB_ERGM_VERBOSE"
MAX_VERBOSE = 4
MAX_WORKER_TIMEOUT = 86400.0

# ergm's own stops that mean the MCMC sample ran to an extreme graph or did not move.
_DEGENERATE_R_ERRORS = {
    "Number of edges in a simulated network exceeds": (
        "the MCMC sample ran away towards the complete graph: a simulated network had many "
        "times the observed number of ties (ergm's density guard)"),
    "did not mix at all": (
        "the MCMC sample did not move: every sampled network had the same statistics (a chain "
        "stuck, typically at the empty or the complete graph)"),
    "MCMLE estimation stuck": (
        "the MCMC-MLE steps shrank to nothing: the sample cannot reach the observed "
        "statistics (a near-degenerate model)"),
}


class ERGM:
    r"""An exponential random graph model of one network.

    Parameters
    ----------
    adjacency : numpy.ndarray, pandas.DataFrame or networkx.Graph
        The observed network.  DataFrame labels (or graph nodes) become vertex names; a plain
        matrix's vertices are named "1".."n".  For a binary ERGM entries must be 0/1; with
        ``response`` they are counts.  NaN marks a missing dyad (statnet's NA): the model is
        fit to the observed dyads, as ``ergm`` fits a network with missing edges
        (``missing_dyads`` counts them).  networkx edge weights must be numbers.  One-mode
        networks only: a two-mode (bipartite) one is refused.
    formula : str
        Right-hand side in ergm's term syntax, e.g.
        ``"edges + nodecov('gdp') + edgecov('distance') + gwesp(0.25, fixed=TRUE)"``, with
        ``offset(term)`` for terms whose coefficients ``fit(offset_coef=...)`` fixes.
        Validated before any R code is built (:func:`~pyreslib.ergm.formula.parse_formula`).
    node_covariates : pandas.DataFrame, optional
        One row per vertex.  Rows are matched to vertices by label when both the network and
        the DataFrame carry real labels (the sets must be equal), otherwise by position (the
        counts must be equal); anything else is an error naming the vertices
        (:mod:`pyreslib.ergm.inputs`).  Numeric columns for ``nodecov``/``absdiff``; any for
        ``nodefactor``/``nodematch``.
    edge_covariates : dict of str to square matrix, optional
        Dyadic covariates for ``edgecov``, aligned with the vertices by the same rule.
    directed : bool
        Whether the network is directed (a real ``bool``).
    response : str, optional
        Fit a valued ERGM on the matrix's counts (ergm.count), with ``reference`` measure.
    reference : {"Poisson", "Geometric", "Bernoulli"}
        Reference measure of a valued ERGM.
    constraints : str, optional
        Sample-space constraints as ergm writes them, e.g. ``"~bd(maxout=5)"``, ``"~degrees"``,
        ``"~edges"``, ``"~blockdiag('region')"``, ``"~fixallbut(free)"``,
        ``"~fixedas(present=ties, absent=nonties)"``
        (:func:`~pyreslib.ergm.formula.parse_constraints`).
    dyad_lists : dict of str to list of pairs, optional
        The dyad lists constraints name: pairs of vertex labels (positions 0..n-1 for a
        network without labels).  Every list must be used by the constraints.

    Notes
    -----
    The model is the exponential family

    .. math:: P_\theta(Y = y) = \exp\{\theta^\top g(y) - \kappa(\theta)\},

    with :math:`g(y)` the statistics of the formula's terms; :meth:`fit` estimates
    :math:`\theta` with statnet's ``ergm`` on the same call R would make.

    Examples
    --------
    Padgett's Florentine marriages, shipped with statnet's ergm:

    >>> from pyreslib.ergm import ERGM, statnet_network
    >>> flo = statnet_network("flomarriage", dataset="florentine")
    >>> model = ERGM(flo.adjacency, "edges + nodecov('wealth')", node_covariates=flo.covariates)
    >>> results = model.fit(seed=1)
    >>> results.params.round(4).to_dict()
    {'edges': -2.5949, 'nodecov.wealth': 0.0105}
    >>> round(results.aic, 3)
    107.109

    References
    ----------
    .. [1] Hunter, D. R., Handcock, M. S., Butts, C. T., Goodreau, S. M. and Morris, M. (2008).
       ergm: A package to fit, simulate and diagnose exponential-family models for
       networks. *Journal of Statistical Software* 24(3). doi:10.18637/jss.v024.i03
    .. [2] Krivitsky, P. N., Hunter, D. R., Morris, M. and Klumb, C. (2023). ergm 4: New
       features for analyzing exponential-family random graph models. *Journal of
       Statistical Software* 105(6). doi:10.18637/jss.v105.i06
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
        constraints: str | None = None,
        dyad_lists: Mapping[str, Iterable] | None = None,
    ) -> None:
        if not isinstance(directed, (bool, np.bool_)):
            raise InputError(f"directed={directed!r}: give True or False (a bool; a string "
                             "such as 'no' would count as True).")
        directed = bool(directed)
        matrix, labels, labelled = inputs.as_labelled_matrix(adjacency, "ERGM adjacency")
        n = matrix.shape[0]
        if n < 2:
            raise InputError(f"ERGM adjacency: the network has {n} vertex; an ERGM needs at "
                             "least 2 vertices (and, in practice, many more).")
        if response is not None:
            if not isinstance(response, str) or not _R_NAME.match(response):
                raise InputError(f"ERGM response {response!r}: use a plain name like 'weight'.")
            if reference not in REFERENCES:
                raise InputError(f"ERGM reference {reference!r}: choose one of {REFERENCES}.")
        # NaN marks a missing dyad, as NA does in statnet (pyreslib.ergm.inputs)
        self.missing_dyads = inputs.check_adjacency(matrix, "ERGM adjacency", directed=directed,
                                                    valued=response is not None)
        self.adjacency = matrix
        self.vertex_names = labels
        self.labelled = labelled
        self.directed = directed
        self.response = response
        self.reference = reference
        self.node_covariates = inputs.align_node_covariates(node_covariates, labels, labelled,
                                                            check=False)
        self.edge_covariates = inputs.align_edge_covariates(edge_covariates, labels, labelled,
                                                            directed=directed)
        self.formula: Formula = parse_formula(
            formula,
            node_covariates=self.node_covariates.columns,
            edge_covariates=self.edge_covariates.keys(),
            valued=response is not None,
            directed=directed,
        )
        self.formula_text = formula
        self.dyad_lists = inputs.dyad_index_lists(dyad_lists, labels, labelled,
                                                  directed=directed)
        self.constraints: Formula | None = None
        if constraints is not None:
            self.constraints = parse_constraints(constraints,
                                                 node_covariates=self.node_covariates.columns,
                                                 dyad_lists=self.dyad_lists.keys(),
                                                 directed=directed)
        unused = sorted(set(self.dyad_lists) - set(self.constraints.dyad_lists
                                                   if self.constraints else ()))
        if unused:
            raise InputError(f"dyad_lists: {unused} are not named by the constraints; name them "
                             "(e.g. constraints='~fixallbut(free)') or leave them out.")
        # as R, only the covariates the model uses must be complete
        inputs.check_node_covariate_values(self.node_covariates, self.formula.node_covariates,
                                           "the formula")
        if self.constraints is not None:
            inputs.check_node_covariate_values(
                self.node_covariates, self.constraints.node_covariates, "the constraints")

    # ---- R-side representations -------------------------------------------------------------

    def _r_node_covariates(self) -> dict[str, list]:
        """Node covariates as plain lists R takes: numbers as floats, anything else as text."""
        frame = self.node_covariates
        return {
            c: ([float(v) for v in frame[c]] if pd.api.types.is_numeric_dtype(frame[c])
                else [str(v) for v in frame[c]])
            for c in frame.columns
        }

    def r_network(self):
        """The model's network as an R ``network`` object (vertex attributes and edge
        covariates attached), built by ``r/model.R``; for the modules that hand it to R."""
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

    def r_terms(self, formula: Formula | None = None):
        """Validated terms as R rebuilds them: name, literal arguments, offset flag; a dyad
        list named by a constraint arrives as its integer edge-list matrix."""
        formula = self.formula if formula is None else formula

        def value(v):
            return self.dyad_lists[v.name] if isinstance(v, DyadList) else v

        return [
            {"name": t.name, "offset": t.offset, "args": bridge.named_list(
                [("", value(v)) for v in t.args] + [(k, value(v)) for k, v in t.kwargs])}
            for t in formula.terms
        ]

    @property
    def mcmc(self) -> bool:
        """Whether an MLE of this model needs MCMC (dyad-dependent terms or constraints)."""
        return self.formula.dyad_dependent or bool(self.constraints
                                                   and self.constraints.dyad_dependent)

    # ---- fitting --------------------------------------------------------------------------

    def fit(
        self,
        estimate: str = "MLE",
        seed: int | None = None,
        control: Mapping[str, Any] | None = None,
        eval_loglik: bool = True,
        offset_coef: Iterable[float] | None = None,
        verbose: bool | int | None = None,
        console: Any = None,
        worker_timeout: float = 60.0,
        ssh_config: str | os.PathLike | None = None,
    ):
        """Estimate the model with ``ergm::ergm``; return an :class:`ERGMResults`.

        The results equal statnet's for the same call and seed, including what statnet does
        with estimates that do not exist: a term whose statistic is at its smallest or largest
        attainable value gets -Inf/+Inf (standard error 0, as ``summary(fit)`` shows it), a
        linearly dependent term NA; both come with an :class:`~pyreslib.errors.EstimateWarning`
        naming the terms.  A network that is empty or complete is fit as statnet fits it
        (an ``edges``-only model gets -Inf/+Inf and an NA log-likelihood); where statnet
        itself fails on it (any further term), :class:`~pyreslib.errors.DegeneracyError` says
        why.  Every warning of the fit is also kept, in order, in ``results.warnings``.

        Parameters
        ----------
        estimate : {"MLE", "MPLE"}
            ``"MLE"`` is exact for dyad-independent models and MCMC-MLE otherwise.
        seed : int, optional
            Seeds R's generator (``set.seed`` and ``control.ergm(seed=)``) so a fit repeats
            exactly, parallel fits included.  ``None`` draws one, recorded as
            ``results.seed``.  0 <= seed < 2^31.
        control : dict, optional
            ``control.ergm`` settings as literals, e.g. ``{"MCMC.samplesize": 2048}``, checked
            before R starts work (:mod:`pyreslib.ergm.control`).  ``{"parallel": 2}`` runs MCMC
            on 2 local PSOCK workers; a list of host names (``["node1", "node2"]``) runs one
            chain on each over ssh (no password prompt), with the same random streams as as
            many local workers, so the fit equals the local one for the same seed
            (docs/python.md, "Running on a cluster").  ``"MCMC.prop"`` takes hints such as
            ``"~sparse + .triadic"``.
        eval_loglik : bool
            Bridge-sample the log-likelihood of dyad-dependent models so AIC/BIC exist.
        offset_coef : sequence of float, optional
            The fixed coefficients of the formula's ``offset()`` terms, one per statistic, in
            order (``-inf`` forbids a configuration), as ``ergm(offset.coef=)``.  Required
            exactly when the formula has offsets.
        verbose : bool or int, optional
            Show ergm's progress and notices while the fit runs: ``False``/0 keeps them in
            :mod:`logging` (logger ``pyreslib.r``) only, ``True``/1 shows them, 2-4 adds ergm's
            own ``verbose`` detail.  Default: on for fits that run MCMC, off otherwise; the
            environment variable ``PYRESLIB_ERGM_VERBOSE`` (0-4) overrides the default.
        console : text stream, callable or False, optional
            Where the progress goes: a stream (default ``sys.stderr``, or the destination set
            by :func:`pyreslib.ergm.r_console`), a function called with each line, or
            ``False`` (logging only).
        worker_timeout : float
            Seconds each host of ``control["parallel"]`` gets to accept ssh, start an R worker
            that connects back and show that it finds ergm, before the fit stops with an error
            naming the host.  A worker lost during the fit (its host or R process died) stops
            the fit with an :class:`~pyreslib.errors.RError` saying so, and the other workers
            are stopped.
        ssh_config : path, optional
            The OpenSSH client configuration file (``ssh -F``) for the hosts of
            ``control["parallel"]``: user names, keys, ports, known hosts, jump hosts.  Default:
            ssh's own (``~/.ssh/config``).
        """
        call = self.prepare_fit(estimate=estimate, seed=seed, control=control,
                                eval_loglik=eval_loglik, offset_coef=offset_coef,
                                verbose=verbose, console=console,
                                worker_timeout=worker_timeout, ssh_config=ssh_config)
        shown = bridge.console_output(console) if call.level > 0 else contextlib.nullcontext()
        with bridge.collect_warnings() as messages:
            with shown:
                call.build()
                try:
                    value = bridge.call(call.function, context=call.context, **call.kwargs)
                except RError as exc:
                    raise self._explain(exc) from None
            return call.finish(value, messages)

    def prepare_fit(self, estimate: str = "MLE", seed: int | None = None,
                    control: Mapping[str, Any] | None = None, eval_loglik: bool = True,
                    offset_coef: Iterable[float] | None = None,
                    verbose: bool | int | None = None, console: Any = None,
                    worker_timeout: float = 60.0,
                    ssh_config: str | os.PathLike | None = None) -> FitCall:
        """Check the arguments of :meth:`fit` and return the R call it makes, unmade.

        :meth:`fit` makes the call in this process; :mod:`pyreslib.ergm.workers` makes it in
        an R worker process and hands the value back to :meth:`FitCall.finish`, so both give
        the same results (and warnings) for the same seed.
        """
        estimate, seed = check_fit_arguments(estimate, seed)
        offsets = self._check_offsets(offset_coef)
        level = _verbose_level(verbose, self.mcmc and estimate == "MLE")
        bridge.check_console(console)
        if isinstance(worker_timeout, (bool, np.bool_)) or not isinstance(
                worker_timeout, (int, float, np.integer, np.floating)) or not (
                0 < worker_timeout <= MAX_WORKER_TIMEOUT):
            raise InputError(f"worker_timeout={excerpt_repr(worker_timeout)}: give seconds, "
                             f"more than 0 and at most {MAX_WORKER_TIMEOUT:g}.")
        ssh_config = check_ssh_config(ssh_config)
        control_list = validate_control(control, node_covariates=self.node_covariates.columns)
        workers = control_list.pop("workers", None)
        control_list = {k: self.r_terms(v) if isinstance(v, Formula) else v
                        for k, v in control_list.items()}
        arguments = {
            "terms": self.r_terms(),
            "estimate": estimate,
            "seed": int(seed),
            "control": control_list,
            "response": self.response,
            "reference": self.reference if self.response else None,
            "eval_loglik": bool(eval_loglik),
            "constraints": self.r_terms(self.constraints) if self.constraints else None,
            "offset_coef": offsets,
            "workers": workers,
            "worker_timeout": float(worker_timeout),
            "ssh_config": ssh_config,
            "verbose": max(level - 1, 0),
        }
        return FitCall(self, "pyreslib_fit", f"fitting ERGM '{self.formula}'", arguments,
                       level=level, seed=int(seed), control=dict(control or {}),
                       parallel=workers is not None,
                       remote=workers is not None and "localhost" not in workers)

    def _check_offsets(self, offset_coef) -> list[float] | None:
        names = [t.render() for t in self.formula.terms if t.offset]
        if offset_coef is None:
            if names:
                raise InputError(
                    f"offset_coef: the formula has offset term(s) {names} whose coefficients "
                    "are fixed, not estimated; give them, one per statistic in order, e.g. "
                    "fit(offset_coef=[-np.inf, -np.inf]).")
            return None
        if not names:
            raise InputError("offset_coef: the formula has no offset(...) terms; wrap the "
                             "terms whose coefficients are fixed in offset(...), or leave "
                             "offset_coef out.")
        if isinstance(offset_coef, (str, bytes, Mapping)) or not isinstance(
                offset_coef, Iterable):
            raise InputError(f"offset_coef={excerpt_repr(offset_coef)}: give a list of "
                             "numbers (-inf and inf allowed).")
        values = list(offset_coef)
        if not values or len(values) > 100_000:
            raise InputError("offset_coef: give one number per offset statistic.")
        out = []
        for v in values:
            if isinstance(v, (bool, np.bool_)) or not isinstance(
                    v, (int, float, np.integer, np.floating)) or math.isnan(float(v)) or (
                    math.isfinite(float(v)) and abs(float(v)) > 2**31 - 1):
                raise InputError(f"offset_coef: {excerpt_repr(v)} is not a coefficient; give "
                                 "numbers below 2^31 in size, or -inf/inf.")
            out.append(float(v))
        return out

    def _explain(self, exc: RError) -> Exception:
        """An R failure of the fit as the error a user can act on."""
        message = str(exc)
        # R's own words, without pyreslib's "R failed during fitting ERGM '...': " prefix
        # (formulas hold no ':', so the first ': ' ends the prefix)
        said = message.split(": ", 1)[-1]
        if "pyreslib_worker_start:" in message:
            detail = message.split("pyreslib_worker_start:", 1)[1].strip()
            return InputError(
                f"control['parallel']: {detail}. Check the host name, that it accepts ssh "
                "without a password prompt (fit(ssh_config=...) names an ssh configuration "
                "file with the user, key and port), and that R and pyreslib's R library are "
                "installed there at this machine's paths; or raise fit(worker_timeout=...).")
        if "pyreslib_worker_lost:" in message:
            detail = message.split("pyreslib_worker_lost:", 1)[1].strip()
            return RError(
                f"ERGM '{self.formula}' on the hosts of control['parallel']: {detail}. The "
                "fit stopped, and its other workers with it; fit again once the hosts are "
                "back (the same seed gives the same fit), or leave the lost host out.")
        if "offset.coef" in message or "offset parameter" in message.lower():
            return InputError(f"offset_coef: ergm refused the offset coefficients for "
                              f"{[t.render() for t in self.formula.terms if t.offset]}: "
                              f"{said}")
        for needle, why in _DEGENERATE_R_ERRORS.items():
            if needle in message:
                return DegeneracyError(
                    f"ERGM '{self.formula}' is degenerate: {why}. statnet stops here too: "
                    f"\"{said}\" Simplify the dyad-dependent terms (e.g. gwesp with a fixed "
                    "decay instead of triangle), or check the model with fewer terms.")
        ties = int((self.adjacency > 0).sum())
        full = self.adjacency.shape[0] * (self.adjacency.shape[0] - 1)
        if ties in (0, full) and len(self.formula.terms) > 1:
            state, sign = (("empty (no ties)", "-Inf") if ties == 0
                           else ("complete (every tie present)", "+Inf"))
            return DegeneracyError(
                f"ERGM '{self.formula}': the network is {state}, so its statistics sit at "
                "their extremes and statnet's ergm cannot fit this model: it fails with "
                f"\"{said}\". An edges-only model of this network is fit, as statnet fits it "
                f"(edges = {sign}, no log-likelihood).")
        return exc


class FitCall:
    """One prepared ERGM fit: the R function, its arguments and how to read its value.

    :meth:`build` adds the R objects (the network) to :attr:`kwargs`, in the R session that
    builds them; :meth:`finish` turns the R value of ``pyreslib_fit`` (or of a pooled fit) into
    results, inside the :func:`~pyreslib.ergm.bridge.collect_warnings` block whose messages
    it is given.  ``level`` is the verbosity (R's progress shown when above 0); ``parallel``
    whether the fit starts R workers of its own (``control['parallel']``), ``remote`` whether
    they all run on other hosts (none on this machine).
    """

    def __init__(self, model, function: str, context: str, arguments: dict[str, Any], *,
                 level: int, seed: int, control: dict[str, Any], parallel: bool = False,
                 remote: bool = False, finish=None) -> None:
        self.model = model
        self.function = function
        self.context = context
        self.arguments = arguments
        self.kwargs: dict[str, Any] | None = None
        self.level = level
        self.seed = seed
        self.control = control
        self.parallel = parallel
        self.remote = remote
        self._finish = finish

    def build(self) -> dict[str, Any]:
        """The call's keyword arguments, the network object included (built on first use)."""
        if self.kwargs is None:
            self.kwargs = {"nw": self.model.r_network(), **self.arguments} if (
                self.function == "pyreslib_fit") else dict(self.arguments)
        return self.kwargs

    def finish(self, value, messages: list[str]):
        """The results object of the call's R ``value``; ``messages`` are the warnings
        collected so far (kept in ``results.warnings``).  Raises
        :class:`~pyreslib.errors.DegeneracyError` for a degenerate MCMC sample."""
        if self._finish is not None:
            return self._finish(value, messages)
        from pyreslib.ergm.results import ERGMResults

        parts = bridge.as_dict(value)
        results = ERGMResults(self.model, parts["fit"], parts["info"], seed=self.seed,
                              control=self.control, warnings=messages)
        results._check_degeneracy()
        return results

    def explain(self, exc: RError) -> Exception:
        """An R failure of the call as the error a user can act on."""
        explain = getattr(self.model, "_explain", None)
        return explain(exc) if explain is not None else exc


def check_fit_arguments(estimate: str, seed: int | None) -> tuple[str, int]:
    """Check a fit's ``estimate`` and ``seed`` (``None`` draws one); shared by single-network
    and pooled (:mod:`pyreslib.ergm.multi`) fits."""
    if estimate not in ("MLE", "MPLE"):
        raise InputError(f"estimate={excerpt_repr(estimate)}: choose 'MLE' or 'MPLE'.")
    if seed is None:
        seed = secrets.randbelow(2**31 - 1)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or not (
        0 <= int(seed) < 2**31
    ):
        raise InputError(f"seed={excerpt_repr(seed)}: give a whole number between 0 and "
                         "2**31 - 1.")
    return estimate, int(seed)


def _verbose_level(verbose: Any, mcmc: bool) -> int:
    if verbose is None:
        env = os.environ.get(VERBOSE_ENV, "").strip()
        if env:
            if not re.fullmatch(r"[0-4]", env):
                raise InputError(f"{VERBOSE_ENV}={excerpt_repr(env)}: give a level from 0 to 4.")
            return int(env)
        return 1 if mcmc else 0
    if isinstance(verbose, (bool, np.bool_)):
        return int(verbose)
    if isinstance(verbose, (int, np.integer)) and 0 <= verbose <= MAX_VERBOSE:
        return int(verbose)
    raise InputError(f"verbose={excerpt_repr(verbose)}: give True/False or a level from 0 to "
                     f"{MAX_VERBOSE}.")


__all__ = ["ERGM", "DegeneracyError", "FitCall", "FormulaError", "check_fit_arguments",
           "validate_control"]
