"""A plain R reference run beside pyreslib's own fits: the parity tests of the temporal models
hand R their inputs as an .rds file, run their reference script in a separate ``Rscript``
process while Python fits the same cases, and read back R's numbers as a table of
``case, name, value``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from pyreslib.ergm import bridge


def reference_values(script: str, inputs, folder: Path,
                     meanwhile: Callable[[], object]) -> dict[str, pd.Series]:
    """Run ``script`` (R code reading ``inputs``, an R list, and writing ``case,name,value``
    rows) with Rscript while ``meanwhile()`` fits the same cases in Python; R's values by case
    (full precision: written as text, read as text, then converted)."""
    bridge.session().ro.r["saveRDS"](inputs, str(folder / "inputs.rds"))
    (folder / "reference.R").write_text(script, encoding="utf-8")
    env = {**os.environ, "R_LIBS": ":".join(bridge.session().lib_paths)}
    process = subprocess.Popen(["Rscript", str(folder / "reference.R"),
                                str(folder / "inputs.rds"), str(folder / "reference.csv")],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    try:
        meanwhile()
        _, stderr = process.communicate(timeout=1800)
        assert process.returncode == 0, stderr[-3000:]
        table = pd.read_csv(folder / "reference.csv", dtype={"value": str})
        table["value"] = table["value"].astype(float)
        return {c: part.set_index("name")["value"] for c, part in table.groupby("case")}
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def numbered(ref: pd.Series, prefix: str) -> np.ndarray:
    """The values named ``prefix1``, ``prefix2``, ... of a reference case, in order."""
    return np.array([ref[f"{prefix}{i}"] for i in range(1, 10**5) if f"{prefix}{i}" in ref])
