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

The manifest is :mod:`pyreslib.outputs.manifest`'s; writing files, the journal and the
removal of leftovers are :mod:`pyreslib.outputs.writing`'s.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyreslib.config import Config
from pyreslib.errors import ConfigError, OutputError, PyreslibError, excerpt
from pyreslib.outputs.manifest import (
    MARKER,
    _manifest_text,
    _not_ours,
    _refusal,
    _short,
    manifest,
)
from pyreslib.outputs.writing import _RUNS, _Run, remove_leftovers, write_file

__all__ = ["MARKER", "atomic", "check_destination", "check_folder", "manifest",
           "remove_leftovers", "write_file"]

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
    file, the patent file, the covariates file and the applicant table of ``cfg``.
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
        inputs = [p for p in (cfg.source, cfg.input.patents, cfg.input.covariates,
                              cfg.input.applicant_cities) if p]
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
