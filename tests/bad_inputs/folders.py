"""Folders for the output-folder tests: hashes of a user's files, their modes and groups,
look-alikes of pyreslib's working names, runs killed with SIGKILL, a tiny full disk and a
read-only folder (real mounts when the tests run as root, where permission bits do not stop
writes)."""

from __future__ import annotations

import functools
import hashlib
import os
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def tree_hashes(folder: Path, *, skip: str | None = None) -> dict[str, str]:
    """SHA-256 of every file below ``folder`` (relative path -> hex digest); ``skip`` leaves
    out a sub-folder (the output folder a command was asked to write)."""
    hashes = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if skip and (rel == skip or rel.startswith(skip + "/")):
            continue
        if path.is_file():
            hashes[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def tree_state(folder: Path, *, skip: str | None = None) -> dict[str, tuple]:
    """Every path below ``folder`` (folders and links too, links not followed) -> (kind,
    permission bits with setuid/setgid/sticky, group id, SHA-256 of a file or a link's
    target); ``skip`` leaves out a sub-folder (the output folder a command was asked to
    write)."""
    state = {}
    for here, dirs, files in os.walk(folder):
        for name in sorted(dirs) + sorted(files):
            path = Path(here, name)
            rel = path.relative_to(folder).as_posix()
            if skip and (rel == skip or rel.startswith(skip + "/")):
                continue
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                kind, content = "link", os.readlink(path)
            elif stat.S_ISDIR(info.st_mode):
                kind, content = "dir", None
            else:
                kind, content = "file", hashlib.sha256(path.read_bytes()).hexdigest()
            state[rel] = (kind, oct(stat.S_IMODE(info.st_mode)), info.st_gid, content)
    return state


def other_group() -> int | None:
    """A group id other than this process's that it may give its folders (any, as root),
    or None."""
    if os.geteuid() == 0:
        return 4242
    return next((g for g in os.getgroups() if g != os.getegid()), None)


LOOK_ALIKES = (".out.partial-99999", ".out.old-2023", ".out.partial-{dead}", ".out.old-{dead}",
               ".out.partial-{dead}-pyreslib", ".out.old-{dead}-pyreslib-NOT-A-TOKEN",
               ".out.old-1-pyreslib-0123456789ab", ".out.partial", "out.partial-5", ".out.tmp",
               ".out.bak")
"""Names a user may give folders beside ``out``: those of earlier pyreslib builds, backups,
and names close to today's working names (no token, or process 1, which runs)."""

MARKED_LOOK_ALIKES = (".out.partial-{dead}-pyreslib-0123456789ab",
                      ".out.journal-{dead}-pyreslib-0123456789ab")
"""Today's working names exactly, of an ended process, but without a journal of pyreslib's:
left alone, with a warning that names them."""


def plant_look_alikes(tmp: Path, earlier: Path | None = None, *,
                      marked: bool = False) -> list[str]:
    """Folders of a user's beside ``tmp/out`` whose names look like pyreslib's working names
    (:data:`LOOK_ALIKES`, and with ``marked`` :data:`MARKED_LOOK_ALIKES`), with their own
    files, modes, a setgid bit, another group, a link into a folder of the user's and, when
    ``earlier`` is an earlier pyreslib output, backups of it (``cp -a out .out.old-2023``).
    Returns their names."""
    dead = dead_pid()
    precious = tmp / "precious"
    precious.mkdir(exist_ok=True)
    (precious / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    names = []
    for n, pattern in enumerate(LOOK_ALIKES + (MARKED_LOOK_ALIKES if marked else ())):
        path = tmp / pattern.format(dead=dead)
        names.append(path.name)
        if "journal" in pattern:
            path.write_text('{"format": "pyreslib working journal", "token": "x"}\n',
                            encoding="utf-8")
            continue
        if earlier is not None and ".old-" in pattern:
            subprocess.run(["cp", "-a", str(earlier), str(path)], check=True)
        else:
            path.mkdir()
            (path / "thesis.docx").write_bytes(b"chapter %d" % n)
            (path / "results.json").write_text('{"stages": [', encoding="utf-8")  # cut short
        path.chmod((0o700, 0o750, 0o2770, 0o755)[n % 4])
        if n % 3 == 0 and (group := other_group()) is not None:
            os.chown(path, -1, group)
    link = tmp / f".out.partial-{dead + 1}"
    link.symlink_to(precious, target_is_directory=True)
    names.append(link.name)
    return names


_KILLER = """
import os, signal, sys
from pathlib import Path
from pyreslib.outputs import writing
when, args = sys.argv[1], sys.argv[2:]
if when.startswith("write "):  # SIGKILL half-way through the n-th file
    n, real, calls = int(when.split()[1]), writing._write_bytes, []
    def write(path, data):
        calls.append(path)
        if len(calls) == n:
            real(path, data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        real(path, data)
    writing._write_bytes = write
elif when == "swap":  # SIGKILL right after the earlier output was moved aside
    rename = Path.rename
    def rename_then_die(self, target):
        moved = rename(self, target)
        if ".old-" in Path(target).name:
            os.kill(os.getpid(), signal.SIGKILL)
        return moved
    Path.rename = rename_then_die
from pyreslib.cli import main
main(args)
"""


def killed_run(cwd: Path, args: Sequence[str], when: str = "write 3") -> int:
    """Run ``pyreslib ARGS`` in ``cwd`` in a process of its own, and kill it with SIGKILL
    (nothing of pyreslib's can run after that) half-way through writing its 3rd file
    (``when="write 3"``) or right after it moved an earlier output aside (``"swap"``).
    Returns the process id the leftovers carry."""
    child = subprocess.Popen([sys.executable, "-c", _KILLER, when, *args], cwd=cwd,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, err = child.communicate(timeout=600)
    assert child.returncode == -signal.SIGKILL, err[-2000:]
    return child.pid


@functools.cache
def can_mount() -> bool:
    """Whether this process may mount a tmpfs (root, and a container that allows it)."""
    if os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as probe:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", probe],
                                 check=False, capture_output=True).returncode == 0
        if mounted:
            subprocess.run(["umount", probe], check=False, capture_output=True)
    return mounted


@contextmanager
def tmpfs(path: Path, *, size: str, read_only: bool = False) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` for the body (root only)."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True,
                   capture_output=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False, capture_output=True)


@contextmanager
def read_only_folder(path: Path) -> Iterator[Path]:
    """An empty folder nobody can write into: a read-only mount as root, else mode 0555."""
    if can_mount():
        with tmpfs(path, size="1m", read_only=True):
            yield path
        return
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o555)
    try:
        yield path
    finally:
        path.chmod(0o755)


def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid
