"""The manifest of a pyreslib output folder: every file it holds, with its size and SHA-256.

Written last into a finished folder (:data:`MARKER`); :mod:`pyreslib.outputs.folder` replaces an
existing folder only when its files are exactly what its manifest lists, so a file the user
added, moved in or edited is never deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["LEGACY_MARKER", "MANIFEST_FORMAT", "MANIFEST_VERSION", "MARKER", "manifest"]

MARKER = ".pyreslib-manifest.json"
"""The manifest of a pyreslib output folder: its files with sizes and SHA-256 hashes."""

LEGACY_MARKER = ".pyreslib-run"
"""The bare marker of pyreslib before the manifest; such a folder cannot be verified."""

MANIFEST_FORMAT = "pyreslib output manifest"
MANIFEST_VERSION = 1
JOURNAL_FORMAT = "pyreslib working journal"
_SHOWN = 3  # files named in a refusal, at most


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


def _refusal(out: Path, reason: str) -> str:
    return (f"output folder {out} is not an earlier pyreslib output as pyreslib left it: "
            f"{reason}. pyreslib replaces its output folder as a whole, and only when it holds "
            "exactly the files a previous run wrote there (its .pyreslib-manifest.json); move "
            "those files elsewhere, or name a new or empty folder.")


def _some(names: list[str]) -> str:
    shown = ", ".join(_short(n) for n in names[:_SHOWN])
    more = len(names) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
