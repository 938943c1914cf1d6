"""Where a command's outputs go, and how they get there whole or not at all.

All of pyreslib's handling of output folders is in this module, for every command that writes
a folder (``pyreslib run``, ``demo`` and ``networks``, and :func:`pyreslib.outputs.write`):

- :func:`check_folder` refuses, before any work, an output folder that is the working
  directory (or holds it), a file, a folder holding one of the command's own inputs, a folder
  that is not writable, and an existing folder that is neither empty nor *exactly* an earlier
  pyreslib output; :func:`check_destination` adds the config's rule: a folder the user named
  on the command line (``--out``) is honoured wherever it points, one that comes from a
  config file must lie inside the working tree unless ``output.allow_outside``;
- :func:`atomic` gives the writer a temporary sibling folder (``.OUT.partial-<pid>``) and renames
  it to ``OUT`` only when everything has been written, so a folder named ``OUT`` is always
  complete; on any error (Ctrl-C, SIGTERM and SIGHUP included) the temporary folder is removed,
  and a full disk or a read-only folder becomes an :class:`~pyreslib.errors.OutputError`.
  Leftovers of runs that were killed outright (``.OUT.partial-<pid>`` of a process that no
  longer exists) are removed by the next write to ``OUT``;
- :func:`write_file` is the one function that writes a file's bytes.

The manifest (:data:`MARKER`, ``.pyreslib-manifest.json``) is written last, after every other
file, and lists each file of the folder with its size and SHA-256::

    {"format": "pyreslib output manifest", "manifest_version": 1, "command": "run",
     "pyreslib_version": "0.1.0",
     "files": [{"path": "figures/map_2011-2014.png", "size": 48213, "sha256": "9f2c..."}, ...]}

An existing folder is replaced only when every file in it is listed there with the same size
and hash (files listed but since deleted do not matter): so a file the user added, moved in
or edited is never deleted.  Anything else is refused, naming a few of the files.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pyreslib.config import Config
from pyreslib.errors import ConfigError, OutputError, PyreslibError

__all__ = ["MARKER", "atomic", "check_destination", "check_folder", "manifest",
           "remove_leftovers", "write_file"]

MARKER = ".pyreslib-manifest.json"
"""The manifest of a pyreslib output folder: its files with sizes and SHA-256 hashes."""

LEGACY_MARKER = ".pyreslib-run"
"""The bare marker of pyreslib before the manifest; such a folder cannot be verified."""

MANIFEST_FORMAT = "pyreslib output manifest"
MANIFEST_VERSION = 1
_SHOWN = 3  # files named in a refusal, at most


# ----------------------------------------------------------------------------------------------
# checks before any work
# ----------------------------------------------------------------------------------------------


def check_destination(out_dir: str | Path | None, cfg: Config, *,
                      cwd: str | Path | None = None,
                      inputs: Iterable[str | Path] | None = None, chosen: bool = False) -> Path:
    """The absolute output folder of a run, or an error saying why it may not be used.

    ``out_dir`` is the folder the user ``chosen`` (on the command line: honoured wherever it
    points), or a folder from elsewhere (``None``: the config's ``output.folder``, relative
    to the config file), which must lie inside ``cwd`` (default: the current working
    directory) unless ``output.allow_outside`` is set: a path in a config file may have been
    written for another machine or folder, and the run replaces the folder as a whole.
    Either way the folder must pass :func:`check_folder`; ``inputs`` defaults to the config
    file, the patent file and the covariates file of ``cfg``.
    """
    root = Path(cwd or Path.cwd()).resolve()
    if out_dir is None:
        if not cfg.output.folder:
            raise ConfigError("no output folder: give one on the command line (--out DIR) or "
                              "as folder = \"...\" in the config's [output] table.")
        base = cfg.source.parent if cfg.source is not None else root
        out = (base / Path(cfg.output.folder).expanduser()).resolve()
        chosen = False
    else:
        out = Path(out_dir).expanduser().resolve()
    if not chosen and not cfg.output.allow_outside and not out.is_relative_to(root):
        raise ConfigError(
            f"output folder {out} is outside the working tree {root}; write inside it, or set "
            "allow_outside = true in [output] (pyreslib run/demo: --allow-outside, or name "
            "the folder on the command line with --out)."
        )
    if inputs is None:
        inputs = [p for p in (cfg.source, cfg.input.patents, cfg.input.covariates) if p]
    return check_folder(out, inputs=inputs, cwd=root)


def check_folder(out_dir: str | Path, *, inputs: Iterable[str | Path] = (),
                 cwd: str | Path | None = None) -> Path:
    """The absolute output folder, or an error saying why no command may write it.

    Refused (:class:`~pyreslib.errors.ConfigError`): the working directory ``cwd`` or a folder
    holding it; a file; a folder holding one of ``inputs`` (a command never writes over its
    own input); an existing folder that is neither empty nor exactly an earlier pyreslib
    output (see the module docstring).  A folder that cannot be created or written is an
    :class:`~pyreslib.errors.OutputError`.
    """
    out = Path(out_dir).expanduser().resolve()
    root = Path(cwd or Path.cwd()).resolve()
    if out == root:
        raise ConfigError(
            f"output folder {out} is the working directory itself; name a sub-folder such as "
            "'results'."
        )
    if root.is_relative_to(out):
        raise ConfigError(
            f"output folder {out} holds the working directory {root}; name a sub-folder such "
            "as 'results'."
        )
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output folder {out} exists and is a file; name a folder.")
    for given in inputs:
        source = Path(given).expanduser().resolve()
        if source.is_relative_to(out):
            raise ConfigError(
                f"output folder {out} holds this command's own input "
                f"{_short(source.relative_to(out).as_posix() or source.name)}; pyreslib never "
                "writes over its input: name another folder for the output (or move the "
                "input out of it)."
            )
    if out.is_dir():
        reason = _not_ours(out)
        if reason:
            raise ConfigError(_refusal(out, reason))
    _check_writable(out)
    return out


def _refusal(out: Path, reason: str) -> str:
    return (f"output folder {out} is not an earlier pyreslib output as pyreslib left it: "
            f"{reason}. pyreslib replaces its output folder as a whole, and only when it holds "
            "exactly the files a previous run wrote there (its .pyreslib-manifest.json); move "
            "those files elsewhere, or name a new or empty folder.")


def _check_writable(out: Path) -> None:
    existing = out
    while not existing.exists():
        existing = existing.parent
    # the folder itself is renamed and replaced, so it is its parent that must be writable
    target = existing.parent if existing == out else existing
    if not os.access(target, os.W_OK):
        raise OutputError(
            f"cannot write the output folder {out}: {target} is read-only (or not writable "
            "for you); nothing was written. Choose a folder you can write to."
        )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _some(names: list[str]) -> str:
    shown = ", ".join(_short(n) for n in names[:_SHOWN])
    more = len(names) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


# ----------------------------------------------------------------------------------------------
# the manifest
# ----------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _walk(folder: Path) -> Iterator[tuple[str, Path, str]]:
    """(relative posix path, path, kind) of everything below ``folder``; kind is "file",
    "dir" (an empty folder) or "other" (a link, a device, ...).  Links are not followed."""
    for here, dirs, files in os.walk(folder, followlinks=False):
        base = Path(here)
        for name in sorted(dirs):
            path = base / name
            if path.is_symlink():
                yield path.relative_to(folder).as_posix(), path, "other"
            elif not any(path.iterdir()):
                yield path.relative_to(folder).as_posix() + "/", path, "dir"
        for name in sorted(files):
            path = base / name
            kind = "file" if path.is_file() and not path.is_symlink() else "other"
            yield path.relative_to(folder).as_posix(), path, kind


def manifest(folder: str | Path, *, command: str) -> dict:
    """The manifest of every file below ``folder`` (the manifest file itself excluded)."""
    from pyreslib._version import __version__

    folder = Path(folder)
    files = [{"path": rel, "size": path.stat().st_size, "sha256": _sha256(path)}
             for rel, path, kind in _walk(folder) if kind == "file" and rel != MARKER]
    return {"format": MANIFEST_FORMAT, "manifest_version": MANIFEST_VERSION,
            "command": command, "pyreslib_version": __version__,
            "files": sorted(files, key=lambda f: f["path"])}


def _manifest_text(data: dict) -> str:
    """The manifest as JSON with one line per file, so that it reads well and diffs well."""
    head = {k: v for k, v in data.items() if k != "files"}
    lines = [json.dumps(f, ensure_ascii=False, sort_keys=True) for f in data["files"]]
    return (json.dumps(head, ensure_ascii=False, sort_keys=True)[:-1] + ', "files": [\n'
            + ",\n".join(lines) + "\n]}\n")


def _read_manifest(folder: Path) -> dict[str, tuple[int, str]] | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        if data.get("format") != MANIFEST_FORMAT:
            return None
        return {f["path"]: (int(f["size"]), str(f["sha256"])) for f in data["files"]}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _not_ours(folder: Path) -> str | None:
    """None when ``folder`` may be replaced (empty, or exactly what its manifest lists), else
    why not."""
    entries = list(_walk(folder))
    if not entries:
        return None
    if not (folder / MARKER).is_file():
        if (folder / LEGACY_MARKER).is_file():
            return ("it was written by an older pyreslib without a manifest (it has "
                    f"{LEGACY_MARKER}), so pyreslib cannot tell whether you changed or added "
                    "files; delete it yourself if it holds nothing of yours")
        names = [rel for rel, _, _ in entries]
        return f"it holds files pyreslib did not write: {_some(names)}"
    listed = _read_manifest(folder)
    if listed is None:
        return f"its {MARKER} is not a pyreslib manifest (damaged or edited)"
    wanted_dirs = {p.rsplit("/", 1)[0] + "/" for p in listed if "/" in p}
    foreign, changed = [], []
    for rel, path, kind in entries:
        if rel == MARKER:
            continue
        if kind == "dir" and rel in wanted_dirs:
            continue  # a folder pyreslib made, emptied by the user
        if kind != "file" or rel not in listed:
            foreign.append(rel)
            continue
        size, digest = listed[rel]
        if path.stat().st_size != size or _sha256(path) != digest:
            changed.append(rel)
    reasons = []
    if foreign:
        reasons.append(f"it holds files pyreslib did not write there: {_some(foreign)}")
    if changed:
        reasons.append(f"files changed since pyreslib wrote them: {_some(changed)}")
    return "; ".join(reasons) or None


# ----------------------------------------------------------------------------------------------
# writing
# ----------------------------------------------------------------------------------------------


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)


def write_file(path: str | Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` (text is encoded with ``encoding``) to ``path``, creating its folder.

    Every file of an output folder that pyreslib writes itself goes through here (matplotlib
    writes the PNGs); an ``OSError`` is turned into a clear message by :func:`atomic`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        _write_bytes(path, data.encode(encoding) if isinstance(data, str) else bytes(data))
    except OSError as exc:
        exc.filename = exc.filename or str(path)  # a failed write() does not name the file
        raise
    return path


_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?P<kind>partial|old)-(?P<pid>\d+)")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # somebody else's process
    except (OverflowError, ValueError, OSError):
        return False
    return True


def remove_leftovers(out: str | Path) -> list[Path]:
    """Remove what killed runs left next to ``out``: ``.OUT.partial-<pid>`` folders of processes
    that no longer exist.  A ``.OUT.old-<pid>`` folder (an earlier output moved aside in the
    last instant of a run) is put back as ``OUT`` when there is none, or removed when it holds
    exactly what its manifest lists.  Returns what was removed."""
    out = Path(out)
    removed = []
    if not out.parent.is_dir():
        return removed
    for entry in sorted(out.parent.iterdir()):
        match = _LEFTOVER.fullmatch(entry.name)
        if (not match or match["name"] != out.name or entry.is_symlink() or not entry.is_dir()
                or _alive(int(match["pid"]))):
            continue
        if match["kind"] == "old":
            if not out.exists():
                entry.rename(out)
                continue
            if _not_ours(entry):
                continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


_WRITE_ERRORS = {errno.ENOSPC: "no space is left on the device",
                 errno.EDQUOT: "the disk quota is exhausted",
                 errno.EFBIG: "a file grew beyond what the file system allows",
                 errno.EROFS: "the file system is read-only",
                 errno.EACCES: "the folder is not writable for you",
                 errno.EPERM: "the folder is not writable for you"}


def _output_error(exc: OSError, out: Path, partial: Path | None) -> OutputError:
    why = _WRITE_ERRORS.get(exc.errno, exc.strerror or str(exc))
    where = ""
    if exc.filename and partial is not None:
        name = Path(os.fsdecode(exc.filename))
        if name.is_relative_to(partial) and name != partial:
            where = f" (while writing {_short(name.relative_to(partial).as_posix())})"
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    remedy = "free some space and run again" if full else "choose a folder you can write to"
    return OutputError(
        f"cannot write the output folder {out}: {why}{where}. Nothing was left behind (no "
        f"half-written file or folder); {remedy}, or choose another output folder."
    )


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP for the few renames that swap the folders, so an
    interrupt cannot leave the earlier output moved aside and the new one not in place."""
    if (threading.current_thread() is not threading.main_thread()
            or not hasattr(signal, "pthread_sigmask")):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _replace(out: Path, partial: Path) -> None:
    with _signals_held():
        if not out.exists():
            partial.rename(out)
            return
        reason = _not_ours(out)
        if reason:
            raise ConfigError(_refusal(out, reason))
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
        reason = _not_ours(old)  # something may have arrived since the check
        if reason:
            old.rename(out)
            raise ConfigError(_refusal(out, reason))
        partial.rename(out)
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic(out: Path, *, command: str = "run") -> Iterator[Path]:
    """Write into the yielded temporary folder; it becomes ``out`` when the body succeeds.

    ``out`` must have passed :func:`check_folder`.  The manifest is written last; an earlier
    output at ``out`` is verified against its manifest once more and then replaced as a
    whole.  On any error the temporary folder is removed; an ``OSError`` (full disk,
    read-only folder) becomes an :class:`~pyreslib.errors.OutputError`.
    """
    out = Path(out)
    partial = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(out)
        partial = out.parent / f".{out.name}.partial-{os.getpid()}"
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir()
    except OSError as exc:
        raise _output_error(exc, out, None) from None
    try:
        yield partial
        write_file(partial / MARKER, _manifest_text(manifest(partial, command=command)))
        _replace(out, partial)
    except BaseException as exc:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, PyreslibError):
            raise _output_error(exc, out, partial) from None
        raise
