"""Fits on R worker processes (FitPool) equal fits in the main session, whatever the order."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pytest

from pyreslib.ergm import ERGM, r_console, simulate
from pyreslib.ergm.multi import PooledERGM
from pyreslib.ergm.workers import FitPool, Job
from pyreslib.errors import DegeneracyError, InputError

pytestmark = pytest.mark.r

HUMMEL = {"MCMLE.termination": "Hummel", "MCMLE.effectiveSize": None}
GWESP = "edges + nodecov('x') + gwesp(0.5, fixed=TRUE)"


@pytest.fixture(scope="module")
def networks():
    """Two small networks simulated from a gwesp model, with a node covariate."""
    rng = np.random.default_rng(8)
    out = {}
    for label, n, seed in (("early", 30, 4), ("late", 40, 5)):
        x = pd.DataFrame({"x": rng.normal(size=n)})
        adjacency = simulate(GWESP, [-3.0, 0.3, 0.4], n, seed=seed, node_covariates=x)
        out[label] = (adjacency, x)
    return out


def model(networks, label, formula=GWESP):
    adjacency, x = networks[label]
    return ERGM(adjacency, formula, node_covariates=x)


def assert_same_fit(a, b):
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_array_equal(a.bse, b.bse)
    assert a.llf == b.llf and a.converged == b.converged
    assert a.warnings == b.warnings


def test_a_fit_on_a_worker_equals_the_same_fit_here_whatever_the_order(networks):
    fits = {(label, formula): model(networks, label, formula)
            for label in networks for formula in (GWESP, "edges + nodecov('x')")}
    here = {key: m.fit(seed=11, control=HUMMEL if m.mcmc else None, verbose=False)
            for key, m in fits.items()}
    events = []
    with FitPool(2, on_event=lambda kind, job, detail: events.append((kind, job.key))) as pool:
        for key in reversed(list(fits)):  # another order than the fits above
            m = fits[key]
            pool.submit(Job(key, m.prepare_fit(seed=11, control=HUMMEL if m.mcmc else None),
                            gof_nsim=10))
        done = {result.key: result for result in pool.completed()}
    assert set(done) == set(fits)
    for key, result in done.items():
        assert result.error is None and result.seconds > 0
        assert_same_fit(result.results, here[key])
        again = here[key].gof(nsim=10, seed=11)
        for name, table in again.tables.items():
            pd.testing.assert_frame_equal(result.gof.tables[name], table)
        if key[1] == GWESP:  # the fit came back as an R object: diagnostics work on it here
            pd.testing.assert_frame_equal(result.results.mcmc_diagnostics().table,
                                          here[key].mcmc_diagnostics().table)
    assert sorted(kind for kind, _ in events) == ["finished"] * 4 + ["started"] * 4


def test_in_process_runs_give_the_same_results_and_events(networks):
    m = model(networks, "early")
    with FitPool(0) as pool:
        pool.submit(Job("a", m.prepare_fit(seed=3, control=HUMMEL), gof_nsim=10))
        (result,) = pool.completed()
    assert_same_fit(result.results, m.fit(seed=3, control=HUMMEL, verbose=False))
    assert result.gof.nsim == 10


def test_a_pooled_fit_runs_on_a_worker_too(networks):
    models = {label: model(networks, label, "edges + nodecov('x')") for label in networks}
    pooled = PooledERGM(models)
    here = pooled.fit(seed=5)
    with FitPool(1) as pool:
        pool.submit(Job("pooled", pooled.prepare_fit(seed=5)))
        (result,) = pool.completed()
    np.testing.assert_array_equal(result.results.params, here.params)
    pd.testing.assert_frame_equal(result.results.stage_change_tests(),
                                  here.stage_change_tests())


def test_a_failing_fit_is_recorded_with_its_message_and_the_others_go_on(networks):
    empty = ERGM(np.zeros((10, 10)), "edges + nodecov('x')",
                 node_covariates=pd.DataFrame({"x": np.arange(10.0)}))
    fine = model(networks, "early", "edges + nodecov('x')")
    with FitPool(2) as pool:
        pool.submit(Job("stuck", empty.prepare_fit(seed=1)))
        pool.submit(Job("fine", fine.prepare_fit(seed=1)))
        done = {r.key: r for r in pool.completed()}
    with pytest.raises(DegeneracyError) as here:  # statnet cannot fit it; the message says so
        empty.fit(seed=1)
    assert done["stuck"].results is None and done["stuck"].error == str(here.value)
    assert done["fine"].error is None and done["fine"].results is not None


def test_r_progress_lines_reach_the_console_labelled_with_their_fit(networks, monkeypatch):
    monkeypatch.setenv("PYRESLIB_ERGM_VERBOSE", "1")
    m = model(networks, "late")
    lines: list[str] = []
    with r_console(lines.append), FitPool(1) as pool:
        pool.submit(Job("k", m.prepare_fit(seed=2, control=HUMMEL), label="late gwesp"))
        list(pool.completed())
    assert "[late gwesp] Iteration 1 of at most 60:" in lines
    quiet: list[str] = []
    with r_console(False), FitPool(1, on_event=lambda k, j, d: quiet.append(k)) as pool:
        pool.submit(Job("k", m.prepare_fit(seed=2, control=HUMMEL)))
        list(pool.completed())
    assert "line" not in quiet  # --quiet: nothing from R is even read


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to see processes")
def test_an_interrupt_while_waiting_kills_the_workers_and_a_normal_end_stops_them(networks):
    m = model(networks, "late")
    slow = {**HUMMEL, "MCMC.samplesize": 200_000}
    pids: list[int] = []

    def interrupt(kind, job, detail):
        if kind == "started":
            raise KeyboardInterrupt  # as the CLI's progress display does on a stop signal

    with pytest.raises(KeyboardInterrupt), FitPool(2, on_event=interrupt) as pool:
        pids += pool._pids
        pool.submit(Job("slow", m.prepare_fit(seed=1, control=slow)))
        list(pool.completed())
    time.sleep(0.5)
    assert pids and not any(_alive(p) for p in pids)
    with FitPool(1) as pool:
        pids = list(pool._pids)
        pool.submit(Job("quick", model(networks, "early", "edges").prepare_fit(seed=1)))
        list(pool.completed())
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in pids)


def test_bad_pool_arguments_are_refused(networks):
    for bad in (-1, 65, 1.5, True):
        with pytest.raises(InputError, match="workers="):
            FitPool(bad)
    m = model(networks, "early")
    with pytest.raises(InputError, match="control\\['parallel'\\] starts R workers of its own"):
        Job("p", m.prepare_fit(seed=1, control={"parallel": 2}))
    with pytest.raises(InputError, match="gof nsim"):
        Job("g", m.prepare_fit(seed=1), gof_nsim=1)


def test_compare_profiles_sets_a_tuned_fit_beside_statnets_defaults(networks):
    from pyreslib import stagemodels
    from pyreslib.ergm.control import profile_control

    m = model(networks, "late")
    table = stagemodels.compare_profiles(m, "sized", seed=3)
    assert list(table.index) == list(m.fit(seed=3, control=profile_control(
        "sized", 40), verbose=False).params.index)
    assert {"coef sized", "mcmc_se sized", "coef default", "mcmc_se default", "se default",
            "difference", "in_mcse", "in_se", "within"} <= set(table.columns)
    # the two fits are independent MCMC fits of one model: they agree to well within an SE
    assert (table["in_se"] < 0.5).all(), table
    np.testing.assert_allclose(table["difference"], table["coef sized"] - table["coef default"])
    assert set(table.attrs) == {"sized", "default"}
    assert all(fit["converged"] for fit in table.attrs.values())


def test_the_sized_profile_scales_the_interval_with_the_dyads():
    from pyreslib.ergm.control import profile_control

    intervals = {n: profile_control("sized", n)["MCMC.interval"] for n in (10, 92, 158, 257, 2000)}
    assert intervals == {10: 1024, 92: 1024, 158: 4096, 257: 8192, 2000: 16384}
    assert profile_control("default", 257) == {}
