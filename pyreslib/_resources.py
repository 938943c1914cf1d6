"""Where the package's non-Python parts live: the R sources and the bundled data.

In a checkout (editable install) they are the repository's ``r/`` and ``data/`` folders; in a
built wheel they are shipped inside the package as ``_r`` and ``_data``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def r_dir() -> Path:
    """Folder holding the R functions pyreslib sources into its embedded R session."""
    return _first_existing(_PACKAGE_DIR.parent / "r", _PACKAGE_DIR / "_r")


def required_r_packages() -> tuple[str, ...]:
    """The R packages pyreslib needs: ``r/required-packages.txt``, one name a line, ``#``
    comments (the one list r/setup.R, the bridge and ``pyreslib_versions()`` use)."""
    text = (r_dir() / "required-packages.txt").read_text(encoding="utf-8")
    names = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(name for name in names if name)


def data_dir() -> Path:
    """Folder holding the bundled city geography and demo data."""
    return _first_existing(_PACKAGE_DIR.parent / "data", _PACKAGE_DIR / "_data")


def project_root() -> Path | None:
    """The checkout the package runs from, or None for an installed wheel."""
    root = _PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() else None
