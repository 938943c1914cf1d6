"""Where a command's outputs go, and how they get there whole or not at all.

All of pyreslib's handling of output folders is in this module, for every command that writes
a folder (``pyreslib run``, ``demo`` and ``networks``, and :func:`pyreslib.outputs.write`):

- :func:`check_folder` refuses, before any work, an output folder that is the working
  directory (or holds it), a file, a folder holding one of the command's own inputs, a folder
  that is not writable, a path with a NUL character, and an existing folder that is neither
  empty nor *exactly* an earlier pyreslib output; :func:`check_destination` adds the config's
  rule: a folder the user named on the command line (``--out``) is honoured wherever it
  points, one that comes from a config file must lie inside the working tree unless
  ``output.allow_outside``;
- :func:`atomic` gives the writer a temporary sibling folder and renames it to ``OUT`` only
  when everything has been written, so a folder named ``OUT`` is always complete; on any error
  (Ctrl-C, SIGTERM and SIGHUP included) the temporary folder is removed, and a full disk or a
  read-only folder becomes an :class:`~pyreslib.errors.OutputError`.  A folder it replaces
  (an empty one, or an earlier output) passes its mode, group and setgid bit on to the new
  one;
- :func:`write_file` is the one function that writes a file's bytes;
- :func:`remove_leftovers` tidies what runs killed outright left beside ``OUT``, and only
  what it can prove such a run made.

Working names.  Beside ``OUT`` a run uses three names, each with the run's process id, the
fixed marker ``pyreslib`` and a random token of 12 hex digits, so that no folder of the
user's is taken for one by accident (``.OUT.partial-99999`` or ``.OUT.old-2023`` never
are)::

    .OUT.journal-<pid>-pyreslib-<token>   the run's journal (a file), created first
    .OUT.partial-<pid>-pyreslib-<token>   the folder being written
    .OUT.old-<pid>-pyreslib-<token>       an earlier output, moved aside in the last instant

The journal's first line names the run (token, process id and its start time, ``OUT``); every
file is entered there, with its size and SHA-256, before its first byte is written.  The
journal is removed last, when neither of the folders is left.  A later run removes a
leftover only when its journal is there, its process has ended, and it holds nothing but
what the journal lists (the partial folder; the last file may be cut short) or exactly what
its manifest lists (the earlier output, which is put back as ``OUT`` when there is none).
Anything else is left alone, with a warning that names it.

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

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import stat
import threading
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyreslib.config import Config
from pyreslib.errors import ConfigError, OutputError, PyreslibError, excerpt

__all__ = ["MARKER", "atomic", "check_destination", "check_folder", "manifest",
           "remove_leftovers", "write_file"]

MARKER = ".pyreslib-manifest.json"
"""The manifest of a pyreslib output folder: its files with sizes and SHA-256 hashes."""

LEGACY_MARKER = ".pyreslib-run"
"""The bare marker of pyreslib before the manifest; such a folder cannot be verified."""

MANIFEST_FORMAT = "pyreslib output manifest"
MANIFEST_VERSION = 1
JOURNAL_FORMAT = "pyreslib working journal"
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
        _no_nul(cfg.output.folder or "", "the config's [output] folder")
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
    own input); a path with a NUL character; an existing folder that is neither empty nor
    exactly an earlier pyreslib output (see the module docstring).  A folder that cannot be created or written is an
    :class:`~pyreslib.errors.OutputError`.
    """
    _no_nul(out_dir, "the output folder")
    inputs = list(inputs)
    for given in inputs:
        _no_nul(given, "input file")
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


def _no_nul(path: str | Path, what: str) -> None:
    """A path holding a NUL character names no file (the system cuts it there): refuse it."""
    if "\x00" in str(path):
        raise ConfigError(f"{what} {excerpt(str(path))} holds a NUL character (\\x00), which "
                          "no file name can contain; retype the path.")


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
    """Write ``data`` (text is encoded with ``encoding``; what it cannot encode becomes a
    backslash escape) to ``path``, creating its folder.

    Every file of an output folder goes through here (the PNGs too): inside the folder of
    :func:`atomic` the file is entered in the run's journal before its first byte is
    written, which is what lets a later run prove a killed run's leftover is pyreslib's.
    An ``OSError`` is turned into a clear message by :func:`atomic`.
    """
    path = Path(path)
    # backslashreplace: a file name that is not valid UTF-8 (read with surrogate escapes)
    # is written as \udcXX escapes, not an error after all the work
    data = data.encode(encoding, "backslashreplace") if isinstance(data, str) else bytes(data)
    run = _run_writing(path)
    if run is not None:
        run.enter(path, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        _write_bytes(path, data)
    except OSError as exc:
        exc.filename = exc.filename or str(path)  # a failed write() does not name the file
        raise
    return path


# ----------------------------------------------------------------------------------------------
# working names and the journal
# ----------------------------------------------------------------------------------------------

_WORKING = re.compile(r"\.(?P<name>.+)\.(?P<kind>partial|old|journal)-(?P<pid>\d+)-pyreslib-"
                      r"(?P<token>[0-9a-f]{12})")


def _working_name(out: Path, kind: str, pid: int, token: str) -> Path:
    return out.parent / f".{out.name}.{kind}-{pid}-pyreslib-{token}"


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (boot id and clock ticks since boot), where /proc says;
    a pid the system has given to a new process since has another start."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        return f"{boot}:{fields[19]}"  # field 22 of proc(5), counted after "pid (comm)"
    except (OSError, IndexError, UnicodeDecodeError):
        return None


def _alive(pid: int, started: str | None = None) -> bool:
    """Whether process ``pid`` still runs (and, given its start, is the same process)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # somebody else's process
    except (OverflowError, ValueError, OSError):
        return False
    now = _process_start(pid) if started else None
    return not (started and now and now != started)


class _Run:
    """One run's working names beside ``out`` and the files it entered in its journal."""

    def __init__(self, out: Path):
        self.out, self.pid, self.token = out, os.getpid(), secrets.token_hex(6)
        self.journal, self.partial, self.old = (
            _working_name(out, kind, self.pid, self.token) for kind in ("journal", "partial", "old"))
        self.files: dict[str, tuple[int, str]] = {}
        self.replaced: os.stat_result | None = None  # the folder at ``out`` when we started
        self.made: set[Path] = set()  # which of the working names this run created
        self._lock = threading.Lock()

    def start(self) -> None:
        """Create the journal (never over an existing file), then the partial folder, with
        the group, setgid bit and (for now: with write access for us) the mode of the folder
        at ``out``."""
        head = {"format": JOURNAL_FORMAT, "token": self.token, "pid": self.pid,
                "started": _process_start(self.pid), "out": self.out.name}
        fd = os.open(self.journal, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self.made.add(self.journal)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            # ASCII: a name that is not valid UTF-8 is kept as \udcXX escapes, read back the same
            handle.write(json.dumps(head, sort_keys=True) + "\n")
        self.partial.mkdir()
        self.made.add(self.partial)
        try:
            found = os.stat(self.out, follow_symlinks=False)
        except FileNotFoundError:
            return
        if not stat.S_ISDIR(found.st_mode):
            return
        self.replaced = found
        if os.stat(self.partial).st_gid != found.st_gid:
            try:
                os.chown(self.partial, -1, found.st_gid)
            except PermissionError:
                warnings.warn(f"the new {self.out} cannot take the group (id {found.st_gid}) "
                              "of the folder it replaces: you are not a member of it; it has "
                              "your default group", UserWarning, stacklevel=4)
        os.chmod(self.partial, stat.S_IMODE(found.st_mode) | stat.S_IRWXU)

    def enter(self, path: Path, data: bytes) -> None:
        """Enter a file in the journal, before it is written."""
        rel = Path(os.path.abspath(path)).relative_to(self.partial).as_posix()
        entry = {"path": rel, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        with self._lock, open(self.journal, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
            self.files.pop(rel, None)
            self.files[rel] = (entry["size"], entry["sha256"])  # the last entered, last

    def finish(self) -> None:
        """The partial folder becomes ``out`` (with the replaced folder's mode); then the
        journal goes."""
        if self.replaced is not None:
            os.chmod(self.partial, stat.S_IMODE(self.replaced.st_mode))
        _replace(self.out, self.partial, self.old)
        with contextlib.suppress(OSError):  # if it stays, the next run removes it
            self.journal.unlink()

    def discard(self) -> None:
        """After an error: remove this run's partial folder (it was made under a random
        name in this run, and handed to this process's writers only), then the journal."""
        if self.partial in self.made:
            shutil.rmtree(self.partial, ignore_errors=True)
        if self.journal in self.made and not self.partial.exists():
            self.journal.unlink(missing_ok=True)


_RUNS: dict[Path, _Run] = {}  # partial folder -> its run, while atomic() writes it


def _run_writing(path: Path) -> _Run | None:
    if not _RUNS:
        return None
    where = Path(os.path.abspath(path))
    return next((run for partial, run in list(_RUNS.items()) if where.is_relative_to(partial)),
                None)


def _read_journal(path: Path | None, pid: int, token: str, name: str) -> dict | None:
    """A journal's head (with ``files``: path -> (size, sha256), and ``last``), or None when
    it is missing or is not the journal of run ``token`` of process ``pid`` for ``name``."""
    if path is None or path.is_symlink() or not path.is_file():
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        head = json.loads(lines[0])
        if (head.get("format"), head.get("token"), head.get("pid"), head.get("out")) != (
                JOURNAL_FORMAT, token, pid, name):
            return None
        files: dict[str, tuple[int, str]] = {}
        for line in lines[1:]:
            try:
                entry = json.loads(line)
            except ValueError:
                break  # the line being written when the run was killed
            files.pop(entry["path"], None)
            files[entry["path"]] = (int(entry["size"]), str(entry["sha256"]))
    except (OSError, ValueError, IndexError, KeyError, TypeError, AttributeError):
        return None
    head["files"], head["last"] = files, next(reversed(files), None)
    return head


def _not_journaled(folder: Path, files: dict[str, tuple[int, str]], last: str | None) -> str | None:
    """None when ``folder`` holds only files of its journal, as entered (the ``last`` one
    possibly cut short), and the folders above them; else what else it holds."""
    parents = {"/".join(rel.split("/")[:i]) + "/" for rel in files
               for i in range(1, rel.count("/") + 1)}
    foreign, changed = [], []
    for rel, path, kind in _walk(folder):
        if kind == "dir" and rel in parents:
            continue  # made for a file that was about to be written
        if kind != "file" or rel not in files:
            foreign.append(rel)
            continue
        size, digest = files[rel]
        actual = path.stat().st_size
        if not ((actual == size and _sha256(path) == digest) or (rel == last and actual < size)):
            changed.append(rel)
    reasons = ([f"it holds files its journal does not list: {_some(foreign)}"] if foreign else [])
    reasons += [f"files changed since pyreslib wrote them: {_some(changed)}"] if changed else []
    return "; ".join(reasons) or None


def _remove_tree(folder: Path) -> bool:
    """Remove an earlier output, its manifest last (a removal cut short leaves a folder that
    can still be verified).  True when it is gone."""
    for here, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            if not (here == str(folder) and name == MARKER):
                with contextlib.suppress(OSError):
                    Path(here, name).unlink()
        for name in dirs:
            path = Path(here, name)
            with contextlib.suppress(OSError):
                path.unlink() if path.is_symlink() else path.rmdir()
    try:
        (folder / MARKER).unlink(missing_ok=True)
        folder.rmdir()
    except OSError:
        return False
    return True


def _kept(path: Path, pid: int, reason: str) -> None:
    warnings.warn(
        f"left {path} alone: its name is one of pyreslib's working names (of process {pid}, "
        f"which has ended), but {reason}. Look inside; delete it yourself if it holds nothing "
        "of yours.", UserWarning, stacklevel=3)


def remove_leftovers(out: str | Path) -> list[Path]:
    """Tidy what runs killed outright (SIGKILL, a power cut) left beside ``out``.

    Only names with the marker and a token (see the module docstring) are considered, and
    only those of ended processes whose journal is beside them: a partial folder is removed
    when it holds nothing but what its journal lists; an earlier output moved aside is put
    back as ``out`` when there is none, or removed, when it holds exactly what its manifest
    lists; the journal goes when neither folder is left.  A leftover that fails its check is
    left alone with a :class:`UserWarning` naming it.  Folders of the user's that merely
    look similar (``.out.partial-99999``, ``.out.old-2023``) are never touched.

    Parameters
    ----------
    out : str or Path
        The output folder whose neighbours are tidied.

    Returns
    -------
    list of Path
        What was removed (an earlier output put back as ``out`` is not listed).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = Path(tempfile.mkdtemp())
    >>> (tmp / ".out.partial-99999").mkdir()  # the user's, whatever the name suggests
    >>> (tmp / ".out.old-2023").mkdir()
    >>> remove_leftovers(tmp / "out")
    []
    >>> sorted(p.name for p in tmp.iterdir())
    ['.out.old-2023', '.out.partial-99999']
    """
    out = Path(out)
    removed: list[Path] = []
    if not out.parent.is_dir():
        return removed
    runs: dict[tuple[int, str], dict[str, Path]] = {}
    for entry in sorted(out.parent.iterdir()):
        match = _WORKING.fullmatch(entry.name)
        if match and match["name"] == out.name:
            runs.setdefault((int(match["pid"]), match["token"]), {})[match["kind"]] = entry
    for (pid, token), found in runs.items():
        journal = _read_journal(found.get("journal"), pid, token, out.name)
        if _alive(pid, journal and journal.get("started")):
            continue  # a run in progress (or one whose process id we cannot tell apart)
        if journal is None:
            for kind, path in sorted(found.items()):
                _kept(path, pid, "it is not a pyreslib journal" if kind == "journal" else
                      "it has no pyreslib journal beside it to show that it holds only what "
                      "that run wrote")
            continue
        found.pop("journal")
        left = False
        for kind, path in sorted(found.items()):
            if path.is_symlink() or not path.is_dir():
                _kept(path, pid, "it is not a folder")
                left = True
            elif kind == "old":
                reason = _not_ours(path)
                if reason:
                    _kept(path, pid, reason)
                    left = True
                elif not os.path.lexists(out):
                    try:
                        path.rename(out)  # the earlier output, put back where it was
                    except OSError:
                        left = True  # another run put it back first, or made ``out``
                elif _remove_tree(path):
                    removed.append(path)
                else:
                    left = True
            else:
                reason = _not_journaled(path, journal["files"], journal["last"])
                if reason:
                    _kept(path, pid, reason)
                    left = True
                else:
                    shutil.rmtree(path, ignore_errors=True)
                    removed.append(path)
        if not left:
            journal_path = _working_name(out, "journal", pid, token)
            journal_path.unlink(missing_ok=True)
            removed.append(journal_path)
    return removed


# ----------------------------------------------------------------------------------------------
# the swap
# ----------------------------------------------------------------------------------------------

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


@contextlib.contextmanager
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


def _replace(out: Path, partial: Path, old: Path) -> None:
    with _signals_held():
        if out.is_symlink() or (out.exists() and not out.is_dir()):
            raise ConfigError(f"output folder {out} became a file or a link while pyreslib "
                              "worked; nothing was written there. Name a folder.")
        try:
            os.rename(partial, out)  # no folder, or an empty one: replaced in one step
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        reason = _not_ours(out)
        if reason:
            raise ConfigError(_refusal(out, reason))
        out.rename(old)
        reason = _not_ours(old)  # something may have arrived since the check
        if reason:
            old.rename(out)
            raise ConfigError(_refusal(out, reason))
        partial.rename(out)
        _remove_tree(old)


def _make_parents(folder: Path) -> list[Path]:
    """Create the missing folders above ``folder``; returns those this call created."""
    missing = []
    while not os.path.lexists(folder):
        missing.append(folder)
        folder = folder.parent
    made = []
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            continue  # made by someone else meanwhile: not ours
        made.append(path)
    return made


@contextlib.contextmanager
def atomic(out: Path, *, command: str = "run") -> Iterator[Path]:
    """Write into the yielded temporary folder; it becomes ``out`` when the body succeeds.

    ``out`` must have passed :func:`check_folder`.  Leftovers of killed runs are tidied first
    (:func:`remove_leftovers`).  The manifest is written last; an earlier output at ``out``
    is verified against its manifest once more and then replaced as a whole, and the new
    folder takes the mode, group and setgid bit of the folder it replaces.  On any error the
    temporary folder is removed, and so are the folders above ``out`` that this call made.

    Parameters
    ----------
    out : Path
        The output folder: absent, empty, or an earlier pyreslib output.
    command : str
        The command named in the manifest (``"run"``, ``"networks"``).

    Yields
    ------
    Path
        The temporary folder ``.OUT.partial-<pid>-pyreslib-<token>`` beside ``out``; write
        every file with :func:`write_file`.

    Raises
    ------
    OutputError
        An ``OSError`` (full disk, read-only folder) while preparing or writing; a closed
        standard output is not the folder's error and is raised as it is.
    ConfigError
        ``out`` stopped being replaceable while the body ran (a file of the user's arrived).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = Path(tempfile.mkdtemp())
    >>> with atomic(tmp / "out", command="networks") as partial:
    ...     _ = write_file(partial / "edges.csv", "city_a,city_b,weight\\n")
    ...     sorted(p.name for p in tmp.iterdir())[0].startswith(".out.journal-")
    True
    >>> sorted(p.name for p in tmp.iterdir())
    ['out']
    >>> sorted(p.name for p in (tmp / "out").iterdir())
    ['.pyreslib-manifest.json', 'edges.csv']
    """
    out = Path(os.path.abspath(out))
    run, made = _Run(out), []
    try:
        made = _make_parents(out.parent)
        remove_leftovers(out)
        run.start()
    except BaseException as exc:
        run.discard()
        _remove_made(made)
        if isinstance(exc, OSError):
            raise _output_error(exc, out, None) from None
        raise
    _RUNS[run.partial] = run
    try:
        yield run.partial
        write_file(run.partial / MARKER, _manifest_text(manifest(run.partial, command=command)))
        run.finish()
    except BaseException as exc:
        run.discard()
        _remove_made(made)
        if isinstance(exc, OSError) and not isinstance(exc, PyreslibError | BrokenPipeError):
            raise _output_error(exc, out, run.partial) from None
        raise
    finally:
        _RUNS.pop(run.partial, None)


def _remove_made(made: list[Path]) -> None:
    for path in reversed(made):
        try:
            path.rmdir()  # only while empty
        except OSError:
            break
