"""A whole run repeats byte for byte, and Ctrl-C mid-fit leaves nothing that looks finished."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyreslib import demo_data
from tests.test_pipeline import _write_project

pytestmark = pytest.mark.r


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyreslib", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, check=False, env={**os.environ, "PYTHONHASHSEED": "random"})


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


def test_ctrl_c_during_an_mcmc_fit_stops_the_run_and_leaves_no_output(tmp_path):
    patents, covariates = demo_data.load_demo()
    config = tmp_path / "slow.toml"
    config.write_text(f"""title = "interrupt test"
seed = 3
[input]
patents = "{patents}"
covariates = "{covariates}"
[robustness]
enabled = false
[ergm]
enabled = true
models = ["extended"]
mcmc_samplesize = 400000
[figures]
enabled = false
""", encoding="utf-8")
    child = subprocess.Popen([sys.executable, "-m", "pyreslib", "run", str(config), "--out", "out"],
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # ingest, metrics and communities take a few seconds; the extended model's MCMC with a
    # sample of 400,000 takes many minutes, so after 20 s the run is inside an MCMC fit.
    time.sleep(20)
    assert child.poll() is None, child.communicate()
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert time.monotonic() - sent < 60
    assert child.returncode == 130, err[-2000:]
    assert "interrupted" in err
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
