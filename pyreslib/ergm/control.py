"""``control.ergm`` settings checked in Python, before R does any work.

Every setting must be an argument of the installed ``control.ergm`` and a literal of the type
its default has (TRUE/FALSE, one of the listed choices, text, numbers).  Numbers are finite and
below 2^31 in size; sample sizes, intervals, burn-ins and iteration limits are whole numbers
(at least 1; burn-ins at least 0), and MCMC sample sizes at most 10^7 (each sampled network
keeps one row of statistics in memory).  ``MCMC.prop`` is a proposal-hint formula
(:func:`pyreslib.ergm.formula.parse_proposal`), ``MCMC.prop.weights`` one of ergm's weightings.

``None`` (R's ``NULL``) is accepted where ``control.ergm``'s default is ``NULL`` and for
``MCMLE.effectiveSize``, whose ``NULL`` switches off the adaptive sample size.

``parallel`` takes a worker count or a list of host names (RFC 1123 names or IPv4 addresses;
nothing that ssh could read as an option; :func:`check_hosts`), one MCMC chain per entry.
Local workers are started by ergm as statnet starts them; workers on other hosts run over ssh
(batch mode, with the OpenSSH client configuration file of ``fit(ssh_config=...)``,
:func:`check_ssh_config`), each host checked first within ``worker_timeout`` seconds, so an
unreachable host is an error rather than a hang (:meth:`pyreslib.ergm.ERGM.fit`; r/cluster.R
says how a remote worker gets the library paths and the random streams of a local one).

Named profiles of MCMC-MLE settings (:data:`MCMC_PROFILES`, :func:`profile_control`):
``"default"`` is statnet's own ``control.ergm``; ``"sized"`` (the main job's default) is
statnet's Hummel stopping rule with a fixed MCMC sample whose interval grows with the
network's number of dyads (:func:`sized_interval`) and a 16-fold sample in the last
iteration; ``"hummel"`` the same rule with statnet's adaptive sample size, ``"fast"`` with a
fixed sample at ergm's default interval (docs/method.md, "MCMC settings"; BENCHMARKS.md).

Refused: ``seed`` (use ``fit(seed=...)``), settings that read or write files (``checkpoint``,
``resume``, ``MCMLE.save_intermediates``), load packages on workers (``MCMC.packagenames``) or
take nested R control objects (``SAN``, ``loglik``, ``term.options``).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from pyreslib.ergm import bridge
from pyreslib.ergm.formula import parse_proposal
from pyreslib.ergm.formula_syntax import MAX_LITERAL
from pyreslib.ergm.terms import PROPOSAL_WEIGHTS
from pyreslib.errors import FormulaError, InputError, excerpt, excerpt_repr

MAX_SAMPLESIZE = 10**7
MAX_WORKERS = 1024
MAX_LIST = 10**6

REFUSED = {
    "seed": "pass seed= to fit() instead; it seeds R and control.ergm alike",
    "checkpoint": "it writes files; pyreslib never writes where it was not asked to",
    "resume": "it reads a file written by another fit",
    "MCMLE.save_intermediates": "it writes files; pyreslib never writes where it was not asked to",
    "MCMC.packagenames": "it loads R packages on the workers",
    "SAN": "it takes a control.san() object",
    "loglik": "it takes a control.logLik.ergm() object",
    "term.options": "it takes an R list of term options",
}

# Settings whose NULL switches a mechanism off (control.ergm's documentation), besides those
# whose default is NULL: MCMLE.effectiveSize=NULL keeps the MCMC sample size fixed instead of
# adapting it to a target effective size (with MCMLE.termination="Hummel", statnet's fast fit).
NULL_SWITCHES_OFF = frozenset({"MCMLE.effectiveSize"})

# Whole-number settings: counts of samples, steps and iterations (at least 1), burn-ins and
# stored statistics (at least 0).
_AT_LEAST_ONE = re.compile(
    r"(samplesize(\.per_theta|\.min)?|interval|maxit|nsteps(\.times|\.obs)?|"
    r"multiplicity(\.obs)?|maxruns|nsubphases|phase3_n|boost\.lag|burnin\.n(min|max))$")
_AT_LEAST_ZERO = re.compile(r"(^|\.)burnin$|return\.stats$")

# An RFC 1123 host name (labels of letters, digits and inner hyphens) or a dotted IPv4 address.
_HOST = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")

_SPEC: dict[str, tuple[str, tuple[str, ...]]] | None = None


def control_spec() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each ``control.ergm`` argument: its kind (logical, character, choice, numeric, other) and
    the choices of a ``match.arg`` setting, read once from the installed ergm."""
    global _SPEC
    if _SPEC is None:
        value = bridge.as_dict(bridge.call("pyreslib_control_spec",
                                           context="reading control.ergm's arguments"))
        names = bridge.as_str_list(value["names"])
        kinds = bridge.as_str_list(value["kind"])
        choices = [tuple(bridge.as_str_list(c)) for c in value["choices"]]
        _SPEC = dict(zip(names, zip(kinds, choices)))
    return _SPEC


def validate_control(control: Mapping[str, Any] | None,
                     node_covariates=()) -> dict[str, Any]:
    """Check ``control.ergm`` settings (see the module docstring); return them as R takes them.

    ``parallel`` comes back as ``"workers"``: ``None`` or the list of hosts to start;
    ``MCMC.prop`` (and ``obs.MCMC.prop``) as a parsed :class:`~pyreslib.ergm.formula.Formula`.
    """
    if control is None:
        return {}
    if not isinstance(control, Mapping):
        raise InputError("control: pass a dict of control.ergm settings, e.g. "
                         "{'MCMC.samplesize': 2048}.")
    spec = control_spec()
    checked: dict[str, Any] = {}
    for key, value in control.items():
        if not isinstance(key, str) or key not in spec:
            close = [k for k in spec if isinstance(key, str) and k.lower() == key.lower()]
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise InputError(f"control: {excerpt(str(key), 60)} is not a control.ergm setting."
                             f"{hint} See R's ?control.ergm for the list.")
        if key in REFUSED:
            raise InputError(f"control[{key!r}] is not accepted: {REFUSED[key]}.")
        where = f"control[{key!r}]"
        kind, choices = spec[key]
        if key == "parallel":
            checked["workers"] = _workers(value)
        elif key == "parallel.type":
            if value != "PSOCK":
                raise InputError(f"{where}={excerpt(str(value), 40)}: pyreslib starts PSOCK "
                                 "workers only (give 'PSOCK' or leave it out).")
        elif key in ("MCMC.prop", "obs.MCMC.prop"):
            try:
                hints = parse_proposal(value, node_covariates=node_covariates, what=where)
            except FormulaError as exc:
                raise InputError(str(exc)) from None
            checked[key] = hints  # a Formula; the fit hands its terms to R
        elif key in ("MCMC.prop.weights", "obs.MCMC.prop.weights"):
            if value not in PROPOSAL_WEIGHTS:
                raise InputError(f"{where}={excerpt(str(value), 40)}: choose one of "
                                 f"{PROPOSAL_WEIGHTS}.")
            checked[key] = value
        elif key in ("MCMC.prop.args", "obs.MCMC.prop.args"):
            if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
                raise InputError(f"{where}: pass a dict of proposal arguments.")
            checked[key] = {k: _literal(v, f"{where}[{k!r}]") for k, v in value.items()}
        elif kind == "logical":
            if not isinstance(value, (bool, np.bool_)):
                raise InputError(f"{where}={excerpt_repr(value)}: give True or False.")
            checked[key] = bool(value)
        elif kind == "choice":
            if value not in choices:
                raise InputError(f"{where}={excerpt_repr(value)}: choose one of "
                                 f"{list(choices)}.")
            checked[key] = value
        elif kind == "character":
            if not isinstance(value, str):
                raise InputError(f"{where}={excerpt_repr(value)}: give a string.")
            checked[key] = _literal(value, where)
        elif value is None and (kind == "null" or key in NULL_SWITCHES_OFF):
            checked[key] = None  # R's NULL: the default, or the documented "off"
        else:
            checked[key] = _number_setting(key, value, where, numeric=kind == "numeric")
    return checked


def _number_setting(key: str, value: Any, where: str, *, numeric: bool) -> Any:
    minimum = 1 if _AT_LEAST_ONE.search(key) else 0 if _AT_LEAST_ZERO.search(key) else None
    if minimum is None:
        if numeric and not _is_number(value) and not _is_number_list(value):
            raise InputError(f"{where}={excerpt_repr(value)}: give a number.")
        return _literal(value, where, allow_inf=key == "MCMC.maxedges")
    limit = MAX_SAMPLESIZE if "samplesize" in key and key != "MPLE.samplesize" else MAX_LITERAL
    if not _is_number(value) or not float(value).is_integer() or not (
            minimum <= value <= limit):
        raise InputError(f"{where}={excerpt_repr(value)}: give a whole number from "
                         f"{minimum} to {limit:,}.")
    return int(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def _is_number_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(_is_number(v) for v in value)


def _literal(value: Any, where: str, *, allow_inf: bool = False) -> Any:
    """A scalar or flat, single-type list of literals, bounded; as R takes it."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, str):
        if len(value) > 1000:
            raise InputError(f"{where}: a string of {len(value):,} characters is not a setting.")
        return value
    if _is_number(value):
        number = float(value)
        if math.isnan(number) or (math.isinf(number) and not allow_inf) or (
                math.isfinite(number) and abs(number) > MAX_LITERAL):
            raise InputError(f"{where}={excerpt_repr(value)}: give a finite number below "
                             "2^31 in size.")
        return int(value) if isinstance(value, (int, np.integer)) else number
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_LIST:
            raise InputError(f"{where}: a list of {len(value):,} values is not a setting.")
        if all(_is_number(v) for v in value):
            return [float(_literal(v, where)) for v in value]
        if all(isinstance(v, str) for v in value):
            return [_literal(v, where) for v in value]
        if all(isinstance(v, (bool, np.bool_)) for v in value):
            return [bool(v) for v in value]
    raise InputError(f"{where}={excerpt_repr(value)}: only numbers, strings, booleans and "
                     "flat lists of one of them are accepted.")


def check_hosts(value: Any, what: str = "control['parallel']", *,
                remote: bool = False) -> list[str]:
    """The host names of a cluster of R workers, checked: a list of 1 to :data:`MAX_WORKERS`
    RFC 1123 host names or dotted IPv4 addresses (``"localhost"`` for a local worker, unless
    ``remote``: other machines only), one worker per entry; anything ssh could read as an
    option, or a shell as syntax, is refused.

    Examples
    --------
    >>> check_hosts(["node1.example.org", "10.0.0.2", "node1.example.org"])
    ['node1.example.org', '10.0.0.2', 'node1.example.org']
    >>> check_hosts(["-oProxyCommand=x"])
    Traceback (most recent call last):
    ...
    pyreslib.errors.InputError: control['parallel']: '-oProxyCommand=x' is not a host name ...
    """
    if not isinstance(value, (list, tuple)) or not value or len(value) > MAX_WORKERS:
        raise InputError(f"{what}: give 1 to {MAX_WORKERS} host names.")
    for host in value:
        if not isinstance(host, str) or not _HOST.fullmatch(host):
            raise InputError(
                f"{what}: {excerpt_repr(host)} is not a host name (letters, digits, inner '-' "
                "and '.' between labels, as in 'node1.example.org' or '10.0.0.2').")
        if remote and host == "localhost":
            raise InputError(f"{what}: 'localhost' is this machine; list other machines "
                             "here (fits on this machine run on [ergm] workers).")
    return list(value)


MAX_PATH = 4096


def check_ssh_config(path: Any, what: str = "ssh_config") -> str | None:
    """The OpenSSH client configuration file the workers' ssh reads (``ssh -F``), as an
    absolute path: an existing file, named without control characters; None for ssh's own
    default (``~/.ssh/config``)."""
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(f"{what}={excerpt_repr(path)}: give the path of an OpenSSH client "
                         "configuration file (or None for ~/.ssh/config).")
    text = os.fspath(path)
    if not isinstance(text, str) or not text or len(text) > MAX_PATH or any(
            ord(c) < 32 or ord(c) == 127 for c in text):
        raise InputError(f"{what}={excerpt_repr(path)}: give the path of an OpenSSH client "
                         "configuration file, without control characters.")
    resolved = Path(text).expanduser().resolve()
    if not resolved.is_file():
        raise InputError(f"{what}: {excerpt(str(resolved), 200)} is not a file; give the path "
                         "of an OpenSSH client configuration file (ssh -F), e.g. "
                         "~/.ssh/config.")
    return str(resolved)


def _workers(value: Any) -> list[str] | None:
    if isinstance(value, (list, tuple)):
        return check_hosts(value)
    if _is_number(value) and float(value).is_integer() and 0 <= value <= MAX_WORKERS:
        return ["localhost"] * int(value) or None
    raise InputError(f"control['parallel']={excerpt_repr(value)}: give a worker count "
                     f"(0 to {MAX_WORKERS}) or a list of host names.")


# ---- named profiles ---------------------------------------------------------------------------

MCMC_PROFILES: tuple[str, ...] = ("sized", "hummel", "fast", "default")
"""The named MCMC settings (:func:`profile_control`), the main job's default first."""

# The "sized" profile's factor on the last Hummel iteration's sample (statnet's default is 4):
# measured on the demo's stage 3 in BENCHMARKS.md (bench_ergm_tuning).
SIZED_LAST_BOOST = 16


def sized_interval(n_nodes: int, *, directed: bool = False) -> int:
    """The MCMC interval of the ``"sized"`` profile for a network of ``n_nodes`` cities:
    about one proposal per 4 dyads between the sampled networks,

    .. math:: \\text{interval} = 2^{\\operatorname{round}(\\log_2(D / 4))},
              \\quad D = n(n-1)/2 \\ (\\text{undirected}),

    clipped to [1,024, 16,384] (1,024 is ergm's default interval).  The demo's networks: 92
    cities 1,024, 158 cities 4,096, 257 cities 8,192.  Why dyads: a tie-toggle proposal
    touches one dyad, so the number of proposals a sampled network needs to decorrelate from
    the last one grows with the number of dyads (Hunter, Handcock, Butts, Goodreau & Morris
    2008, *J. Stat. Softw.* 24(3), section 5: "MCMC.interval ... should be increased" for
    larger networks).  Why 4: at one proposal per 8 dyads (4,096 on the demo's 257-city
    stage, whose default-settings fits adapt their interval to 8,192-16,384) the fit stopped
    with one estimate biased by about 2 Monte Carlo standard errors from the default fit on
    both seeds; docs/method.md, "MCMC settings", gives the measurements.
    """
    dyads = n_nodes * (n_nodes - 1) / (1 if directed else 2)
    exponent = round(math.log2(max(dyads, 1) / 4))
    return int(2 ** min(max(exponent, 10), 14))


def profile_control(profile: str, n_nodes: int) -> dict[str, Any]:
    """The ``control.ergm`` settings of the MCMC profile ``profile`` for a network of
    ``n_nodes`` cities (dyad-independent fits ignore them).

    ``"default"``: none, statnet's own: MCMC-MLE stops when the observed statistics lie in
    the sample's confidence region, with the MCMC sample size adapted so that the sample's
    effective size reaches ``MCMLE.effectiveSize`` (64).  ``"hummel"``:
    ``MCMLE.termination="Hummel"``, statnet's Hummel stopping rule (stop once the step length
    has reached 1 twice; Hummel, Hunter & Handcock 2012, *J. Comput. Graph. Stat.* 21(4),
    doi:10.1080/10618600.2012.679224), keeping the adaptive sample size.  ``"fast"``: the
    Hummel rule with a fixed sample of ``MCMC.samplesize`` (1,024) networks
    (``MCMLE.effectiveSize=None``) at ergm's default interval (1,024 proposals).
    ``"sized"`` (the main job's default): ``"fast"`` with the interval scaled to the
    network's number of dyads (:func:`sized_interval`), so that the fixed sample stays
    nearly independent on a large network, and ``MCMLE.last.boost = 16`` (statnet's 4): the
    Hummel rule's estimate is one MCMC-MLE step from the last sample, so the size of that one
    sample sets the estimate's Monte Carlo error (on the demo's 257-city stage it cut the
    largest distance from a default-settings fit from 0.57 to 0.17 standard errors).
    docs/method.md ("MCMC settings") and BENCHMARKS.md give their time and Monte Carlo
    error on the demo's networks;
    :func:`compare_profiles` checks a profile against statnet's defaults on any network.
    """
    if profile not in MCMC_PROFILES:
        raise InputError(f"mcmc profile {profile!r}: choose one of {list(MCMC_PROFILES)}.")
    fast = {"MCMLE.termination": "Hummel", "MCMLE.effectiveSize": None}
    return {"default": {},
            "hummel": {"MCMLE.termination": "Hummel"},
            "fast": fast,
            "sized": {**fast, "MCMC.interval": sized_interval(n_nodes),
                      "MCMLE.last.boost": SIZED_LAST_BOOST}}[profile]
