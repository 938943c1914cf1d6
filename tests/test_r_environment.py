"""R environment faults give one clear message with the command that fixes them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = pytest.mark.r

FIT_TWO_NODES = textwrap.dedent("""
    import numpy as np
    from pyreslib.ergm import ERGM
    from pyreslib.errors import REnvironmentError
    try:
        ERGM(np.array([[0, 1], [1, 0]]), "edges").fit(seed=1)
    except REnvironmentError as exc:
        print("REnvironmentError:", exc)
""")


def _run(code: str, **env_changes: str | None) -> str:
    env = dict(os.environ)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    return done.stdout + done.stderr


def test_missing_r_package_names_the_package_and_the_fix(tmp_path):
    out = _run(FIT_TWO_NODES, PYRESLIB_R_LIBRARY=str(tmp_path))
    assert ("REnvironmentError: R package(s) ergm, network, statnet.common, ergm.count, coda "
            "not found") in out
    assert "make setup" in out


def test_r_not_installed_says_how_to_install_it(tmp_path):
    python_dir = os.path.dirname(sys.executable)
    out = _run(FIT_TWO_NODES, PATH=python_dir, R_HOME=None)
    assert "REnvironmentError: R was not found on PATH" in out
    assert "apt-get install r-base r-base-dev" in out


def test_a_wrong_r_home_is_named(tmp_path):
    out = _run(FIT_TWO_NODES, R_HOME=str(tmp_path))
    assert f"R_HOME={str(tmp_path)!r} is not an R installation" in out


def test_an_r_home_without_the_base_package_is_named_not_fatal(tmp_path):
    # a half-copied R: the folders exist but R would abort the process loading base
    (tmp_path / "library" / "base" / "R").mkdir(parents=True)
    out = _run(FIT_TWO_NODES, R_HOME=str(tmp_path))
    assert f"R_HOME={str(tmp_path)!r} is not an R installation" in out
    assert "Fatal error" not in out


INTERRUPTIBLE_FIT = textwrap.dedent("""
    from pyreslib.ergm import ERGM, simulate
    network = simulate("edges + gwesp(0.25, fixed=TRUE)", [-5.0, 1.0], 300, seed=42)
    print("fitting", flush=True)
    ERGM(network, "edges + gwesp(0.25, fixed=TRUE)").fit(seed=1, control={"MCMC.samplesize": 500000})
    print("finished", flush=True)
""")


def test_ctrl_c_during_an_mcmc_fit_stops_r_promptly():
    child = subprocess.Popen([sys.executable, "-c", INTERRUPTIBLE_FIT], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "fitting"
    time.sleep(3)  # well inside the MCMC sampling, which would take minutes
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    stopped_after = time.monotonic() - sent
    assert "finished" not in out
    assert "KeyboardInterrupt: interrupted while fitting ERGM" in err
    assert child.returncode != 0
    assert stopped_after < 30, stopped_after


def test_one_list_of_required_r_packages_serves_setup_bridge_and_versions():
    from pyreslib._resources import r_dir
    from pyreslib.ergm import bridge

    listed = bridge.REQUIRED_R_PACKAGES
    assert {"ergm", "network", "statnet.common", "ergm.count", "coda"} <= set(listed)
    versions = bridge.r_versions()
    assert tuple(versions) == listed and all(v != "NA" for v in versions.values())
    # r/setup.R checks the packages of the same file after restoring them
    setup = (r_dir() / "setup.R").read_text(encoding="utf-8")
    assert 'readLines("r/required-packages.txt")' in setup
    assert '"ergm.count"' not in setup


def test_starting_r_keeps_the_programs_ctrl_c_handler():
    # rpy2's start-up resets SIGINT to Python's default; the CLI's handler (which stops a run and
    # cleans its output folder) must survive it, or a Ctrl-C while R starts is lost.
    out = _run(textwrap.dedent("""
        import signal
        def handler(signum, frame):
            pass
        signal.signal(signal.SIGINT, handler)
        from pyreslib.ergm import bridge
        bridge.session()
        print("kept" if signal.getsignal(signal.SIGINT) is handler else "lost")
    """))
    assert out.strip().splitlines()[-1] == "kept", out
