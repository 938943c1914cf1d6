"""Folders for the output-folder tests: hashes of a user's files, a tiny full disk and a
read-only folder (real mounts when the tests run as root, where permission bits do not stop
writes)."""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
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
