"""Writing the files of an output folder, and the journal that proves which files a run wrote.

Every file goes through :func:`write_file`.  While :func:`pyreslib.outputs.folder.atomic`
writes a folder, the run (:class:`_Run`) keeps its working names beside ``OUT``
(``.OUT.{journal,partial,old}-<pid>-pyreslib-<token>``) and enters each file in its journal
before writing it; :func:`remove_leftovers` removes what a killed run left only when that
journal proves it pyreslib's (module docstring of :mod:`pyreslib.outputs.folder`).
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
from collections.abc import Iterator
from pathlib import Path

from pyreslib.errors import ConfigError
from pyreslib.outputs.manifest import MARKER, _not_ours, _refusal, _sha256, _some, _walk

__all__ = ["remove_leftovers", "write_file"]

JOURNAL_FORMAT = "pyreslib working journal"


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
