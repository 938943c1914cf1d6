"""Statnet parity after the fit: over the parity catalogue (tests/parity/catalogue.py), the
anova tables, predicted tie probabilities and simulate(output="stats") draws of pyreslib's fits
equal those a plain R script (tests/parity/reference_after.R, a separate Rscript process)
computes on R's own fits of the same models with the same seeds."""

from __future__ import annotations

import csv
import functools
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pyreslib.ergm as pe
from pyreslib.errors import PyreslibError
from tests.parity import harness
from tests.parity.catalogue import BY_NAME, CATALOGUE

pytestmark = pytest.mark.r

SCRIPT = Path(__file__).resolve().parent / "parity" / "reference_after.R"

# Nested models of one network (and the same constraints) in the catalogue: anova(small, big).
NESTED = [("flo_edges", "flo_wealth"), ("flo_edges", "flo_triangle"),
          ("flo_edges", "flo_gwesp_gwdegree"), ("flo_edges", "flo_triangle_mple")]
# Unconditional tie probabilities (simulation-based) for a few models; seeds as below.
UNCONDITIONAL = ("flo_triangle", "samplk3_mutual")
SIM_DRAWS = 5


def seed_for(name: str) -> int:
    return BY_NAME[name].seed + 1000


def plan() -> list[dict]:
    steps = []
    for entry in CATALOGUE:
        steps.append({"key": f"anova {entry.name}", "kind": "anova", "models": entry.name})
        steps.append({"key": f"predict {entry.name}", "kind": "predict", "models": entry.name})
        steps.append({"key": f"simulate {entry.name}", "kind": "simulate",
                      "models": entry.name, "seed": seed_for(entry.name), "nsim": SIM_DRAWS})
    for names in NESTED:
        if all(n in BY_NAME for n in names):
            steps.append({"key": "anova " + " ".join(names), "kind": "anova",
                          "models": ";".join(names)})
    for name in UNCONDITIONAL:
        steps.append({"key": f"unconditional {name}", "kind": "predict", "models": name,
                      "seed": seed_for(name), "nsim": 20})
    return steps


@functools.cache
def reference_after() -> dict[str, pd.DataFrame]:
    """Run reference_after.R on reference.R's fits; its tables, by kind."""
    from pyreslib.ergm import bridge

    fits_rds = harness.reference().fits_rds
    folder = Path(tempfile.mkdtemp(prefix="pyreslib-parity-after-"))
    with open(folder / "plan.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["key", "kind", "models", "seed", "nsim"])
        writer.writeheader()
        for step in plan():
            writer.writerow({"seed": 0, "nsim": 0, **step})
    run = subprocess.run(["Rscript", str(SCRIPT), str(fits_rds), str(folder / "plan.csv"),
                          str(folder / "out"), ":".join(bridge.session().lib_paths)],
                         capture_output=True, text=True, timeout=1800, check=False)
    assert run.returncode == 0, run.stderr[-4000:]
    read = functools.partial(pd.read_csv, dtype=str, keep_default_na=False)
    return {kind: read(folder / "out" / f"{kind}.csv") for kind in ("anova", "predict",
                                                                     "simulate")}


def rows(kind: str, key: str) -> pd.DataFrame:
    table = reference_after()[kind]
    return table[table["key"] == key]


def fitted(*names: str) -> list:
    out = []
    for name in names:
        fit = harness.python_fit(name)
        if fit.error is not None:
            pytest.skip(f"pyreslib does not fit {name} ({fit.error!r}); "
                        "tests/test_statnet_parity.py reports it")
        out.append(fit.results)
    return out


def numbers(series: pd.Series) -> np.ndarray:
    return np.array([harness._number(v) for v in series], dtype=float)


def refused_where_r_failed(expected: pd.DataFrame, call) -> bool:
    """Where plain R stopped with an error, pyreslib refuses with a PyreslibError."""
    if (expected["error"] != "").any():
        with pytest.raises(PyreslibError):
            call()
        return True
    return False


def assert_same_anova(key: str, names: tuple[str, ...]) -> None:
    expected = rows("anova", key)
    results = fitted(*names)
    if refused_where_r_failed(expected, lambda: pe.anova(*results)):
        return
    table = pe.anova(*results).table
    assert list(table.index) == list(expected["row"])
    for column, name in zip(pe.inference.ANOVA_COLUMNS,
                            ("df", "deviance", "resid_df", "resid_dev", "p")):
        np.testing.assert_allclose(table[column].to_numpy(), numbers(expected[name]),
                                   rtol=1e-10, atol=1e-12, equal_nan=True, err_msg=column)


@pytest.fixture(scope="module", autouse=True)
def references_running_in_the_background():
    harness.start_reference()


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda m: m.name)
def test_anova_of_each_fit_equals_anova_ergm(entry):
    assert_same_anova(f"anova {entry.name}", (entry.name,))


@pytest.mark.parametrize("names", [n for n in NESTED if all(m in BY_NAME for m in n)],
                         ids=lambda n: " < ".join(n))
def test_anova_of_nested_fits_equals_anova_ergm(names):
    assert_same_anova("anova " + " ".join(names), names)


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda m: m.name)
def test_conditional_tie_probabilities_equal_predict_ergm(entry):
    (res,) = fitted(entry.name)
    expected = rows("predict", f"predict {entry.name}")
    if refused_where_r_failed(expected, lambda: res.predict(output="frame")):
        return
    names = list(res.model.vertex_names)
    frame = res.predict(output="frame")
    want = pd.DataFrame({"tail": [names[int(i) - 1] for i in expected["tail"]],
                         "head": [names[int(i) - 1] for i in expected["head"]],
                         "p": numbers(expected["p"])})
    order = {n: i for i, n in enumerate(names)}
    want = want.sort_values(["tail", "head"], key=lambda s: s.map(order)).reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, want, check_exact=False, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", UNCONDITIONAL)
def test_unconditional_tie_probabilities_equal_predict_ergm(name):
    (res,) = fitted(name)
    expected = rows("predict", f"unconditional {name}")
    matrix = res.predict(conditional=False, nsim=20, seed=seed_for(name)).to_numpy()
    tails = expected["tail"].astype(int).to_numpy() - 1
    heads = expected["head"].astype(int).to_numpy() - 1
    np.testing.assert_array_equal(matrix[tails, heads], numbers(expected["p"]))


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda m: m.name)
def test_simulated_statistics_equal_simulate_ergm(entry):
    (res,) = fitted(entry.name)
    expected = rows("simulate", f"simulate {entry.name}")
    draw = lambda: res.simulate(nsim=SIM_DRAWS, seed=seed_for(entry.name), output="stats")
    if refused_where_r_failed(expected, draw):
        return
    stats = draw()
    want = expected.assign(value=numbers(expected["value"]), draw=expected["draw"].astype(int))
    want = want.pivot(index="draw", columns="statistic", values="value")
    assert sorted(stats.columns) == sorted(want.columns)
    np.testing.assert_allclose(stats[want.columns].to_numpy(), want.to_numpy(), rtol=1e-12,
                               atol=1e-12)
