"""Save an ERGM fit to one file and load it back in another process.

The file is a ZIP archive (any name; ``.ergm.zip`` is a good suffix) holding:

=========================  ===============================================================
``pyreslib-ergm.json``     manifest: format name and version, pyreslib/ergm/R versions,
                           and the SHA-256 of every other member
``fit.rds``                the R fit object, written by R's ``saveRDS`` (readable by R alone:
                           ``fit <- readRDS(unz("f.ergm.zip", "fit.rds"))`` after unzipping)
``model.json``             the Python side: formula, direction, response and reference,
                           vertex names, node covariates (values and types), edge covariate
                           names, seed, control settings, fit arguments
``adjacency.npy``          the observed network (numpy ``.npy``, no pickles)
``edge_covariates/K.npy``  the K-th edge covariate (names in ``model.json``)
``coefficients.csv``       the coefficient table of ``to_frame()``
``fit.json``               log-likelihood, AIC, BIC, deviances, counts, convergence
=========================  ===============================================================

Everything but ``fit.rds`` is plain data that :func:`read_tables` reads without starting R.
:func:`load` checks the manifest and checksums, rebuilds and re-validates the model in
Python, restores the R fit with ``readRDS`` and checks that its coefficients are the stored
ones.  Loading a file runs R's ``readRDS`` on it: load only files you trust (docs/security.md,
"Fit files").

A user's files are never overwritten: ``save`` refuses an existing path unless
``overwrite=True``, and even then replaces only a file that is itself a pyreslib fit file.
The file is written to a temporary name in the same folder and renamed into place, so an
interrupted save leaves no partial file.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge
from pyreslib.errors import InputError, PyreslibError

FORMAT = "pyreslib-ergm-fit"
FORMAT_VERSION = 1
MANIFEST = "pyreslib-ergm.json"


def _is_fit_file(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read(MANIFEST)).get("format") == FORMAT
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return False


def _check_target(path: Any, overwrite: bool) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(f"save path={path!r}: give a file path (str or pathlib.Path).")
    target = Path(path).expanduser()
    if target.is_dir():
        raise InputError(f"save path '{target}' is a folder; give a file name inside it, e.g. "
                         f"'{target / 'fit.ergm.zip'}'.")
    if not target.parent.is_dir():
        raise InputError(f"save path '{target}': folder '{target.parent}' does not exist; "
                         "create it first.")
    if target.exists() or target.is_symlink():
        if not overwrite:
            raise InputError(f"save path '{target}' exists; pyreslib does not overwrite files. "
                             "Choose another name, or pass overwrite=True to replace a fit "
                             "file pyreslib wrote.")
        if target.is_symlink() or not _is_fit_file(target):
            raise InputError(f"save path '{target}' exists and is not a pyreslib fit file "
                             "(or is a symbolic link); pyreslib never overwrites a file it "
                             "did not write, even with overwrite=True. Choose another name.")
    return target


def _node_covariates_json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = []
    for name in frame.columns:
        series = frame[name]
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        columns.append({"name": str(name), "type": "number" if numeric else "text",
                        "values": [float(v) for v in series] if numeric
                        else [str(v) for v in series]})
    return columns


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=float), allow_pickle=False)
    return buffer.getvalue()


def _members(results, rds: bytes) -> dict[str, bytes]:
    model = results.model
    edge_names = list(model.edge_covariates)
    description = {
        "formula": model.formula_text,
        "directed": model.directed,
        "response": model.response,
        "reference": model.reference,
        "vertex_names": list(model.vertex_names),
        "node_covariates": _node_covariates_json(model.node_covariates),
        "edge_covariates": edge_names,
        "seed": int(results.seed),
        "control": results.control,
        "estimate": results.estimate,
        "model_options": _model_options(model),
        "warnings": list(results.warnings),
    }
    frame = results.to_frame()
    numbers = {
        "llf": results.llf, "llf_mcse": results.llf_mcse, "aic": results.aic, "bic": results.bic,
        "null_deviance": results.null_deviance, "residual_deviance": results.residual_deviance,
        "nobs": results.nobs, "n_nodes": results.n_nodes, "n_edges": results.n_edges,
        "converged": results.converged, "estimate": results.estimate,
        "estimate_desc": results.estimate_desc, "loglik_method": results.loglik_method,
        "ergm_version": results.ergm_version, "r_version": results.r_version,
    }
    members = {
        "fit.rds": rds,
        "model.json": json.dumps(description, indent=1, allow_nan=True).encode(),
        "adjacency.npy": _npy(model.adjacency),
        "coefficients.csv": frame.to_csv().encode(),
        "fit.json": json.dumps(numbers, indent=1, default=_json_default).encode(),
    }
    for k, name in enumerate(edge_names):
        members[f"edge_covariates/{k}.npy"] = _npy(model.edge_covariates[name])
    return members


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _model_options(model) -> dict[str, Any]:
    """Constructor arguments beyond the data: sample-space constraints and their dyad lists
    (as pairs of vertex names)."""
    names = list(model.vertex_names)
    return {
        "constraints": str(model.constraints) if model.constraints is not None else None,
        "dyad_lists": {key: [[names[int(i) - 1], names[int(j) - 1]] for i, j in pairs]
                       for key, pairs in model.dyad_lists.items()},
    }


def save(results, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write ``results`` to ``path`` (see the module docstring for the format); return the path."""
    target = _check_target(path, overwrite)
    with tempfile.TemporaryDirectory(prefix="pyreslib-save-") as tmp:
        rds_path = Path(tmp) / "fit.rds"
        bridge.call("pyreslib_save_fit", context=f"saving the fit of '{results.formula}'",
                    fit=results._r_fit, path=str(rds_path))
        members = _members(results, rds_path.read_bytes())
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "written_by": _pyreslib_version(),
        "ergm_version": results.ergm_version,
        "r_version": results.r_version,
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial",
                                       dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w",
                                                              zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
            for name, data in members.items():
                archive.writestr(name, data)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return target


def _pyreslib_version() -> str:
    from pyreslib._version import __version__

    return f"pyreslib {__version__}"


def _open(path: Any) -> tuple[Path, dict[str, bytes], dict[str, Any]]:
    """The members of a fit file, checked against its manifest."""
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(f"load path={path!r}: give a file path (str or pathlib.Path).")
    source = Path(path).expanduser()
    if not source.is_file():
        raise InputError(f"load path '{source}': no such file.")
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            if MANIFEST not in names:
                raise InputError(f"load path '{source}' is not a pyreslib fit file (a ZIP "
                                 f"archive without {MANIFEST}); fits are saved with "
                                 "res.save(path).")
            manifest = json.loads(archive.read(MANIFEST))
            members = {name: archive.read(name) for name in names if name != MANIFEST}
    except InputError:
        raise
    except zipfile.BadZipFile:
        raise InputError(f"load path '{source}' is not a pyreslib fit file (not a ZIP archive, "
                         "or a truncated one).") from None
    except (OSError, ValueError, zipfile.LargeZipFile, EOFError) as exc:
        raise InputError(f"load path '{source}' is damaged ({type(exc).__name__}: {exc}).") \
            from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"load path '{source}' is not a pyreslib fit file (its manifest does "
                         f"not say format {FORMAT!r}).")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise InputError(f"load path '{source}': fit file format version {version!r} is newer "
                         f"than this pyreslib reads ({FORMAT_VERSION}); upgrade pyreslib.")
    sums = manifest.get("sha256")
    if not isinstance(sums, dict):
        raise InputError(f"load path '{source}' is damaged: its manifest has no checksums.")
    for name, expected in sums.items():
        if name not in members:
            raise InputError(f"load path '{source}' is damaged: member {name!r} is missing.")
        if hashlib.sha256(members[name]).hexdigest() != expected:
            raise InputError(f"load path '{source}' is damaged: member {name!r} does not match "
                             "its checksum (the file was changed or corrupted after saving).")
    unlisted = sorted(set(members) - set(sums))
    if unlisted:
        raise InputError(f"load path '{source}' has members not listed in its manifest "
                         f"({unlisted[:3]}); it was not written by pyreslib as it is.")
    return source, members, manifest


def _load_npy(data: bytes, source: Path, name: str) -> np.ndarray:
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as exc:
        raise InputError(f"load path '{source}' is damaged: {name} is not a numeric array "
                         f"({exc}).") from None


def read_tables(path: str | os.PathLike) -> dict[str, Any]:
    """The plain-data part of a fit file, without R: safe for files from anyone.

    Returns ``{"coefficients": DataFrame, "fit": dict, "model": dict, "manifest": dict}``.
    """
    source, members, manifest = _open(path)
    try:
        coefficients = pd.read_csv(io.BytesIO(members["coefficients.csv"]), index_col=0,
                                   keep_default_na=False, na_values=["NaN", "nan", ""])
        numbers = json.loads(members["fit.json"])
        description = json.loads(members["model.json"])
    except (KeyError, ValueError) as exc:
        raise InputError(f"load path '{source}' is damaged: its tables cannot be read "
                         f"({type(exc).__name__}: {exc}).") from None
    return {"coefficients": coefficients, "fit": numbers, "model": description,
            "manifest": manifest}


def _rebuild_model(description: dict[str, Any], members: dict[str, bytes], source: Path):
    from pyreslib.ergm.model import ERGM

    try:
        names = [str(v) for v in description["vertex_names"]]
        adjacency = _load_npy(members["adjacency.npy"], source, "adjacency.npy")
        covariates = pd.DataFrame(
            {c["name"]: (np.asarray(c["values"], dtype=float) if c["type"] == "number"
                         else [str(v) for v in c["values"]])
             for c in description["node_covariates"]}, index=names)
        edge = {name: pd.DataFrame(_load_npy(members[f"edge_covariates/{k}.npy"], source, name),
                                   index=names, columns=names)
                for k, name in enumerate(description["edge_covariates"])}
        return ERGM(pd.DataFrame(adjacency, index=names, columns=names),
                    description["formula"], node_covariates=covariates, edge_covariates=edge,
                    directed=bool(description["directed"]), response=description["response"],
                    reference=description["reference"],
                    **{k: v for k, v in description.get("model_options", {}).items()
                       if k in ("constraints", "dyad_lists")})
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, PyreslibError):
            raise InputError(f"load path '{source}': the stored model does not validate: "
                             f"{exc}") from None
        raise InputError(f"load path '{source}' is damaged: the model description is "
                         f"incomplete ({type(exc).__name__}: {exc}).") from None


def load(path: str | os.PathLike):
    """Load a fit saved by :meth:`ERGMResults.save`; returns an :class:`ERGMResults`.

    Runs R's ``readRDS`` on the stored fit: load only files you trust.  A file that is not a
    pyreslib fit file, is damaged, or whose R fit does not match its tables raises
    :class:`~pyreslib.errors.InputError` naming the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from pyreslib.ergm import ERGM, load, statnet_network
    >>> flo = statnet_network("flomarriage", dataset="florentine")
    >>> fit = ERGM(flo.adjacency, "edges").fit(seed=1)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "flo.ergm.zip"
    >>> _ = fit.save(path)
    >>> load(path).params.equals(fit.params)
    True
    """
    from pyreslib.ergm.results import ERGMResults

    source, members, _ = _open(path)
    tables = read_tables(source)
    description = tables["model"]
    model = _rebuild_model(description, members, source)
    with tempfile.TemporaryDirectory(prefix="pyreslib-load-") as tmp:
        rds_path = Path(tmp) / "fit.rds"
        rds_path.write_bytes(members.get("fit.rds", b""))
        try:
            value = bridge.as_dict(bridge.call("pyreslib_load_fit",
                                               context=f"loading the R fit in '{source}'",
                                               path=str(rds_path)))
        except PyreslibError as exc:
            raise InputError(f"load path '{source}' is damaged: its R fit cannot be read "
                             f"({exc}).") from None
    import warnings

    with warnings.catch_warnings():
        # The fit's own warnings were given when it was made; they are restored from the file.
        warnings.simplefilter("ignore")
        results = ERGMResults(model, value["fit"], value["info"], seed=int(description["seed"]),
                              control=dict(description.get("control") or {}))
    stored = tables["coefficients"]
    same = (list(stored.index) == list(results.params.index) and np.allclose(
        stored["coef"].to_numpy(dtype=float), results.params.to_numpy(), equal_nan=True,
        rtol=0, atol=0))
    if not same:
        raise InputError(f"load path '{source}' is damaged: the R fit's coefficients do not "
                         "match the stored coefficient table.")
    results.warnings = [str(w) for w in description.get("warnings", [])]
    return results
