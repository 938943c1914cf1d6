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

**Bounds.**  Every member's size is checked against a bound before it is read, on the size
the ZIP directory declares, and again while it is inflated (a member that inflates beyond its
declared size is refused at that point): the manifest at most :data:`MAX_MANIFEST_BYTES`
(1 MiB), ``model.json``, ``fit.json`` and ``coefficients.csv`` at most :data:`MAX_TABLE_BYTES`
(16 MiB) each, ``adjacency.npy`` and each edge covariate at most the size of an n x n array of
float64 for the file's n vertices (plus its header), ``fit.rds`` at most :data:`MAX_RDS_BYTES`
(2 GiB).  A member a fit file does not have, a second member of the same name, more than
:data:`MAX_EDGE_COVARIATES` edge covariates, and JSON nested more than
:data:`MAX_JSON_DEPTH` levels deep are refused before parsing.  Every failure to read a file
is an :class:`~pyreslib.errors.InputError` naming it.  :func:`read_tables` reads neither
``fit.rds`` nor the arrays (their names are checked against the manifest, not their bytes).
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

import contextlib
import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge
from pyreslib.errors import InputError, PyreslibError, excerpt_repr

FORMAT = "pyreslib-ergm-fit"
FORMAT_VERSION = 1
MANIFEST = "pyreslib-ergm.json"
TABLES = ("model.json", "fit.json", "coefficients.csv")
# What reading a fit file may cost (module docstring, "Bounds"). pyreslib's own files are far
# below: the Florentine fit's tables are a few kB, its manifest under 1 kB, JSON 3 levels deep.
MAX_MANIFEST_BYTES = 1 << 20
MAX_TABLE_BYTES = 16 << 20
MAX_RDS_BYTES = 2 << 30
MAX_EDGE_COVARIATES = 256
MAX_JSON_DEPTH = 32
_NPY_HEADER = 4096  # numpy's .npy header (padded to 64 bytes; 128 for pyreslib's arrays)
_CHUNK = 1 << 20
_EDGE_MEMBER = re.compile(r"edge_covariates/(0|[1-9][0-9]*)\.npy")
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# What zipfile and zlib raise on a damaged, encrypted or exotic archive.
_ZIP_ERRORS = (OSError, ValueError, EOFError, RuntimeError, NotImplementedError, zlib.error,
               zipfile.LargeZipFile)


def _is_fit_file(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            data = _read(archive, archive.getinfo(MANIFEST), MAX_MANIFEST_BYTES, path)
        manifest = _json(data, path, MANIFEST)
        return isinstance(manifest, dict) and manifest.get("format") == FORMAT
    except (KeyError, zipfile.BadZipFile, *_ZIP_ERRORS):
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


def _source(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(f"load path={excerpt_repr(path)}: give a file path (str or "
                         "pathlib.Path).")
    try:
        source = Path(path).expanduser()
        os.stat(source)  # raises for a NUL byte or a name too long, which exists() hides
        exists, regular = True, source.is_file()
    except FileNotFoundError:
        exists = regular = False
    except (OSError, ValueError) as exc:
        raise InputError(f"load path {excerpt_repr(str(path))}: not a usable path "
                         f"({exc}).") from None
    if not exists:
        raise InputError(f"load path '{source}': no such file.")
    if not regular:
        raise InputError(f"load path '{source}' is not a regular file (a folder, a pipe or a "
                         "device); give the path of a fit file written by res.save(path).")
    return source


@contextlib.contextmanager
def _archive(source: Path):
    """The fit file as a ZIP archive; what zipfile raises on it becomes an InputError."""
    try:
        with zipfile.ZipFile(source) as archive:
            yield archive
    except InputError:
        raise
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc) or "Bad magic" in str(exc) or "overlapped" in str(exc):
            raise InputError(f"load path '{source}' is damaged ({exc}).") from None
        raise InputError(f"load path '{source}' is not a pyreslib fit file (not a ZIP archive, "
                         "or a truncated one).") from None
    except _ZIP_ERRORS as exc:
        raise InputError(f"load path '{source}' is damaged ({type(exc).__name__}: {exc}).") \
            from None


def _directory(archive: zipfile.ZipFile, source: Path) -> dict[str, zipfile.ZipInfo]:
    """The archive's directory, checked for names a fit file does not have (nothing read)."""
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        if info.filename in infos:
            raise InputError(f"load path '{source}' has two members named "
                             f"{excerpt_repr(info.filename)}; it was not written by pyreslib.")
        infos[info.filename] = info
    if MANIFEST not in infos:
        raise InputError(f"load path '{source}' is not a pyreslib fit file (a ZIP archive "
                         f"without {MANIFEST}); fits are saved with res.save(path).")
    fixed = {MANIFEST, "fit.rds", "adjacency.npy", *TABLES}
    unknown = [n for n in infos if n not in fixed and not _EDGE_MEMBER.fullmatch(n)]
    edges = [n for n in infos if _EDGE_MEMBER.fullmatch(n)]
    if unknown:
        raise InputError(f"load path '{source}' has members a pyreslib fit file does not have "
                         f"({', '.join(map(excerpt_repr, sorted(unknown)[:3]))}); it was not "
                         "written by pyreslib as it is.")
    if len(edges) > MAX_EDGE_COVARIATES:
        raise InputError(f"load path '{source}' has {len(edges):,} edge covariates; a fit file "
                         f"holds at most {MAX_EDGE_COVARIATES}.")
    return infos


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, source: Path) -> bytes:
    """A member's bytes, refused if it declares more than ``cap`` bytes or inflates beyond
    what it declares (read in chunks, so a forged size cannot make it allocate more)."""
    if info.file_size > cap:
        raise InputError(f"load path '{source}': member {info.filename!r} declares "
                         f"{info.file_size:,} bytes, more than the {cap:,} a pyreslib fit file "
                         "holds there; it was not written by pyreslib (or is damaged).")
    out = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            out += chunk
            if len(out) > info.file_size:
                raise InputError(f"load path '{source}' is damaged: member {info.filename!r} "
                                 f"inflates to more than the {info.file_size:,} bytes it "
                                 "declares.")
    return bytes(out)


def _json_depth(data: bytes) -> int:
    """How deeply ``data`` nests arrays and objects, counted without parsing (brackets inside
    strings do not count)."""
    bare = np.frombuffer(_JSON_STRING.sub(b'""', data) if b'"' in data else data, np.uint8)
    step = ((bare == 0x5B) | (bare == 0x7B)).astype(np.int32)
    step -= (bare == 0x5D) | (bare == 0x7D)
    return int(np.cumsum(step, dtype=np.int32).max(initial=0))


def _json(data: bytes, source: Path, name: str) -> Any:
    depth = _json_depth(data)
    if depth > MAX_JSON_DEPTH:
        raise InputError(f"load path '{source}' is damaged: {name} nests {depth:,} levels "
                         f"deep; a pyreslib fit file nests at most {MAX_JSON_DEPTH}.")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"load path '{source}' is damaged: {name} is not JSON "
                         f"({type(exc).__name__}: {str(exc)[:200]}).") from None


def _manifest(data: bytes, source: Path, infos: dict[str, zipfile.ZipInfo]) -> dict[str, Any]:
    manifest = _json(data, source, MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"load path '{source}' is not a pyreslib fit file (its manifest does "
                         f"not say format {FORMAT!r}).")
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version > FORMAT_VERSION:
        raise InputError(f"load path '{source}': fit file format version "
                         f"{excerpt_repr(version)} is newer than this pyreslib reads "
                         f"({FORMAT_VERSION}); upgrade pyreslib.")
    sums = manifest.get("sha256")
    if not isinstance(sums, dict) or not all(isinstance(v, str) for v in sums.values()):
        raise InputError(f"load path '{source}' is damaged: its manifest has no checksums.")
    for name in sums:
        if name not in infos or name == MANIFEST:
            raise InputError(f"load path '{source}' is damaged: member "
                             f"{excerpt_repr(name)} is missing.")
    unlisted = sorted(set(infos) - set(sums) - {MANIFEST})
    if unlisted:
        raise InputError(f"load path '{source}' has members not listed in its manifest "
                         f"({unlisted[:3]}); it was not written by pyreslib as it is.")
    for name in TABLES:
        if name not in sums:
            raise InputError(f"load path '{source}' is damaged: member {name!r} is missing.")
    return manifest


def _checked(archive, info, cap: int, source: Path, manifest: dict[str, Any]) -> bytes:
    data = _read(archive, info, cap, source)
    if hashlib.sha256(data).hexdigest() != manifest["sha256"][info.filename]:
        raise InputError(f"load path '{source}' is damaged: member {info.filename!r} does not "
                         "match its checksum (the file was changed or corrupted after saving).")
    return data


def _open(path: Any, *, data: bool) -> tuple[Path, dict[str, bytes], dict[str, Any]]:
    """The checked tables of a fit file and, with ``data``, the bytes of its other members
    (``fit.rds`` and the arrays), each within its bound (module docstring, "Bounds")."""
    source = _source(path)
    members: dict[str, bytes] = {}
    with _archive(source) as archive:
        infos = _directory(archive, source)
        manifest = _manifest(_read(archive, infos[MANIFEST], MAX_MANIFEST_BYTES, source),
                             source, infos)
        for name in TABLES:
            members[name] = _checked(archive, infos[name], MAX_TABLE_BYTES, source, manifest)
        tables = _tables(source, members, manifest)
        if data:
            names = tables["model"].get("vertex_names")
            if not isinstance(names, list):
                raise InputError(f"load path '{source}' is damaged: model.json has no vertex "
                                 "names.")
            array_cap = 8 * len(names) ** 2 + _NPY_HEADER
            for name, info in infos.items():
                if name not in members and name != MANIFEST:
                    cap = MAX_RDS_BYTES if name == "fit.rds" else array_cap
                    members[name] = _checked(archive, info, cap, source, manifest)
    return source, members, tables


def _load_npy(data: bytes, source: Path, name: str) -> np.ndarray:
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, EOFError, OSError) as exc:
        raise InputError(f"load path '{source}' is damaged: {name} is not a numeric array "
                         f"({exc}).") from None


def _tables(source: Path, members: dict[str, bytes], manifest: dict[str, Any]) -> dict[str, Any]:
    numbers = _json(members["fit.json"], source, "fit.json")
    description = _json(members["model.json"], source, "model.json")
    for name, value in (("fit.json", numbers), ("model.json", description)):
        if not isinstance(value, dict):
            raise InputError(f"load path '{source}' is damaged: {name} is not a JSON object.")
    try:
        coefficients = pd.read_csv(io.BytesIO(members["coefficients.csv"]), index_col=0,
                                   keep_default_na=False, na_values=["NaN", "nan", ""])
    except (ValueError, IndexError) as exc:
        raise InputError(f"load path '{source}' is damaged: coefficients.csv cannot be read "
                         f"({type(exc).__name__}: {str(exc)[:200]}).") from None
    if "coef" not in coefficients.columns:
        raise InputError(f"load path '{source}' is damaged: coefficients.csv has no 'coef' "
                         "column.")
    return {"coefficients": coefficients, "fit": numbers, "model": description,
            "manifest": manifest}


def read_tables(path: str | os.PathLike) -> dict[str, Any]:
    """The plain-data part of a fit file, without R: safe for files from anyone.

    Reads and checks (sizes within the module's bounds, checksums) only the manifest,
    ``model.json``, ``fit.json`` and ``coefficients.csv``; the R fit and the arrays are not
    read.  A file that is not a fit file, is damaged, or breaks a bound raises
    :class:`~pyreslib.errors.InputError` naming the path.

    Returns ``{"coefficients": DataFrame, "fit": dict, "model": dict, "manifest": dict}``.
    """
    return _open(path, data=False)[2]


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
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
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

    source, members, tables = _open(path, data=True)
    description = tables["model"]
    seed, control = description.get("seed"), description.get("control") or {}
    if isinstance(seed, bool) or not isinstance(seed, int) or not isinstance(control, dict) \
            or not isinstance(description.get("warnings", []), list):
        raise InputError(f"load path '{source}' is damaged: model.json's seed, control or "
                         "warnings are not what pyreslib writes.")
    try:
        stored_coef = tables["coefficients"]["coef"].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"load path '{source}' is damaged: coefficients.csv's 'coef' column "
                         "holds text.") from None
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
        results = ERGMResults(model, value["fit"], value["info"], seed=seed,
                              control=dict(control))
    stored = tables["coefficients"]
    same = (list(stored.index) == list(results.params.index) and np.allclose(
        stored_coef, results.params.to_numpy(), equal_nan=True, rtol=0, atol=0))
    if not same:
        raise InputError(f"load path '{source}' is damaged: the R fit's coefficients do not "
                         "match the stored coefficient table.")
    results.warnings = [str(w) for w in description.get("warnings", [])]
    return results
