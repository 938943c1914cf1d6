"""A whole run repeats byte for byte, and Ctrl-C, SIGTERM or SIGHUP mid-fit leave nothing that
looks finished; the next run to the same folder succeeds."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from pyreslib import datasets
from tests.bad_inputs.folders import dead_pid
from tests.test_pipeline import _write_project

pytestmark = pytest.mark.r


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyreslib", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, check=False, env={**os.environ, "PYTHONHASHSEED": "random"})


def _stop_signals_at_default() -> None:
    """The child's stop signals as a terminal's foreground job has them: a test run started with
    `nohup` or in the background (`&`) passes SIGHUP or SIGINT on ignored, and pyreslib keeps
    an inherited ignore (tests/test_cli_networks.py)."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def test_the_same_config_and_seed_give_byte_identical_results_json_with_ergm(tmp_path):
    config = _write_project(tmp_path, ergm=True, figures=False)
    first = _cli("run", str(config), "--out", "first", "--quiet", cwd=tmp_path)
    second = _cli("run", str(config), "--out", "second", "--quiet", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    a = (tmp_path / "first" / "results.json").read_bytes()
    b = (tmp_path / "second" / "results.json").read_bytes()
    assert a == b
    assert b'"ergm": [' in a and b'"aic"' in a  # the fits are in it, not skipped


def _demo_config(folder: Path, name: str, ergm: str) -> Path:
    patents, covariates = datasets.load_demo()
    config = folder / name
    config.write_text(f"""title = "interrupt test"
seed = 3
[input]
patents = "{patents}"
covariates = "{covariates}"
[robustness]
enabled = false
[ergm]
enabled = true
{ergm}
[figures]
enabled = false
""", encoding="utf-8")
    return config


# the extended model's MCMC with a sample of 400,000 takes many minutes
SLOW_ERGM = 'models = ["extended"]\nmcmc_samplesize = 400000'


def _wait_until_r_runs(child: subprocess.Popen, timeout: float = 300) -> None:
    """Return once the child has loaded R (the ERGM step has begun) and R has had a few
    seconds to start and enter the fit."""
    maps = Path(f"/proc/{child.pid}/maps")
    if not maps.exists():  # no /proc: ingest, metrics and communities take a few seconds
        time.sleep(25)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert child.poll() is None, child.communicate()
        if "libR.so" in maps.read_text():
            time.sleep(6)  # R's start-up and library(ergm) take about 3 s
            assert child.poll() is None, child.communicate()
            return
        time.sleep(0.2)
    pytest.fail("the run did not reach the ERGM step")


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".out")]


def _r_workers(tag: str, timeout: float = 60) -> list[int]:
    """The R worker processes (PSOCK workers fitting ERGMs) of the run whose environment
    holds ``PYRESLIB_TEST_RUN=tag`` (workers are detached from the run's process tree, but
    inherit its environment); waits until they exist."""
    marker = f"PYRESLIB_TEST_RUN={tag}".encode()
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if marker in (proc / "environ").read_bytes().split(b"\0") and (
                        b"workRSOCK" in _cmdline(int(proc.name))):
                    found.append(int(proc.name))
            except OSError:
                continue
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _communicate_or_kill(child: subprocess.Popen, workers: list[int]) -> str:
    """The run's stderr once it has stopped; a run that does not stop within 120 s is killed
    with its R workers, so that a failing test leaves nothing computing behind it."""
    try:
        return child.communicate(timeout=120)[1]
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        for pid in workers:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        raise


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_mid_mcmc_stops_like_ctrl_c_and_the_rerun_succeeds(tmp_path, signum):
    config = _demo_config(tmp_path, "slow.toml", SLOW_ERGM)
    tag = uuid.uuid4().hex
    child = subprocess.Popen([sys.executable, "-m", "pyreslib", "run", str(config), "--out", "out"],
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYRESLIB_TEST_RUN": tag},
                             preexec_fn=_stop_signals_at_default)  # noqa: PLW1509 (only signal.signal)
    _wait_until_r_runs(child)
    workers = _r_workers(tag)
    sent = time.monotonic()
    child.send_signal(signum)
    err = _communicate_or_kill(child, workers)
    assert time.monotonic() - sent < 60
    assert child.returncode == 128 + signum, err[-2000:]
    assert f"interrupted ({signal.Signals(signum).name})" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []
    # the R workers that were fitting are gone too, not left computing
    assert workers and not [w for w in workers if _running(w)]
    if signum != signal.SIGTERM:
        return
    # the rerun to the same folder, with an ERGM that takes seconds, succeeds; a folder of the
    # user's that merely looks like a working name of a killed run is left as it is
    look_alike = tmp_path / f".out.partial-{dead_pid()}"
    look_alike.mkdir()
    (look_alike / "results.json").write_text('{"stages": [', encoding="utf-8")
    quick = _demo_config(tmp_path, "quick.toml", 'models = ["study"]\ngof_nsim = 0')
    rerun = _cli("run", str(quick), "--out", "out", "--quiet", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert [fit["model"] for fit in results["ergm"]] == ["study"] * 3
    assert _leftovers(tmp_path) == [look_alike.name]
    assert (look_alike / "results.json").read_text(encoding="utf-8") == '{"stages": ['


def test_ctrl_c_during_an_mcmc_fit_stops_the_run_and_leaves_no_output(tmp_path):
    config = _demo_config(tmp_path, "slow.toml", SLOW_ERGM)
    tag = uuid.uuid4().hex
    child = subprocess.Popen([sys.executable, "-m", "pyreslib", "run", str(config), "--out", "out"],
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYRESLIB_TEST_RUN": tag},
                             preexec_fn=_stop_signals_at_default)  # noqa: PLW1509 (only signal.signal)
    _wait_until_r_runs(child)
    workers = _r_workers(tag)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    err = _communicate_or_kill(child, workers)
    assert time.monotonic() - sent < 60
    assert child.returncode == 130, err[-2000:]
    assert workers and not [w for w in workers if _running(w)]
    assert "interrupted" in err
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
