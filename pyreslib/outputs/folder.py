"""Where a run's outputs go, and how they get there whole or not at all.

All of pyreslib's handling of output folders is in this module:

- :func:`check_destination` refuses, before any work, an output folder outside the working tree
  (unless ``output.allow_outside``), the working tree itself, a file, and an existing folder
  that is neither empty nor an earlier pyreslib output (it lacks the marker file
  :data:`MARKER`);
- :func:`atomic` gives the writer a temporary sibling folder (``.OUT.partial-<pid>``) and renames
  it to ``OUT`` only when everything has been written, so a folder named ``OUT`` is always
  complete; on any error (Ctrl-C included) the temporary folder is removed.  An earlier output
  is replaced as a whole.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyreslib.config import Config
from pyreslib.errors import ConfigError

__all__ = ["MARKER", "atomic", "check_destination"]

MARKER = ".pyreslib-run"
"""The file that marks a folder as a pyreslib output, which the next run may replace."""


def check_destination(out_dir: str | Path, cfg: Config, *,
                      cwd: str | Path | None = None) -> Path:
    """The absolute output folder, or a :class:`ConfigError` saying why it may not be used.

    The folder must lie inside ``cwd`` (default: the current working directory) unless
    ``output.allow_outside`` is set, must not be ``cwd`` itself, and, if it exists, must be a
    folder that is empty or an earlier pyreslib output.
    """
    out = Path(out_dir).expanduser().resolve()
    root = Path(cwd or Path.cwd()).resolve()
    if not cfg.output.allow_outside and not out.is_relative_to(root):
        raise ConfigError(
            f"output folder {out} is outside the working tree {root}; write inside it, or set "
            "allow_outside = true in [output] (pyreslib run/demo: --allow-outside)."
        )
    if out == root:
        raise ConfigError(
            f"output folder {out} is the working directory itself; name a sub-folder such as "
            "'results'."
        )
    if out.exists():
        if not out.is_dir():
            raise ConfigError(f"output folder {out} exists and is a file; name a folder.")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise ConfigError(
                f"output folder {out} exists, is not empty and is not an earlier pyreslib "
                "output (no .pyreslib-run file); pyreslib replaces its output folder as a whole, "
                "so name a new or empty folder."
            )
    return out


@contextmanager
def atomic(out: Path) -> Iterator[Path]:
    """Write into the yielded temporary folder; it becomes ``out`` when the body succeeds.

    ``out`` must have passed :func:`check_destination`.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.parent / f".{out.name}.partial-{os.getpid()}"
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir()
    try:
        yield partial
        (partial / MARKER).write_text(
            "written by pyreslib run; replaced as a whole by the next run\n", encoding="utf-8")
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
            partial.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            partial.rename(out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
