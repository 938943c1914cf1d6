"""Saving a fit to one file and loading it in a new process keeps every after-the-fit call
working with the same numbers; files pyreslib did not write are never overwritten."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import pyreslib.ergm as pe
from pyreslib.ergm import ERGM
from pyreslib.errors import InputError

pytestmark = pytest.mark.r

CHECKOUT = Path(__file__).resolve().parents[1]
GWESP = "edges + nodecov('wealth') + gwesp(0.25, fixed=TRUE)"

def numbers(res) -> dict:
    """What the after-the-fit calls give; computed in a new process from a loaded fit too."""
    gof = res.gof(nsim=10, seed=3)
    diag = res.mcmc_diagnostics()
    return json.loads(json.dumps({
        "summary": res.summary().as_text(),
        "params": res.params.tolist(), "bse": res.bse.tolist(), "llf": res.llf,
        "aic": res.aic, "llf_mcse": res.llf_mcse, "seed": res.seed,
        "gof_p": {k: t["p_value"].tolist() for k, t in gof.tables.items()},
        "geweke": diag.table["geweke_z"].tolist(),
        "sim": res.simulate(nsim=3, seed=4, output="stats").to_numpy().tolist(),
        "graph_nodes": list(res.simulate(seed=4).nodes),
        "predict": res.predict().to_numpy().tolist(),
    }))


CHILD = ("import json, sys; import pyreslib.ergm as pe; "
         "from tests.test_ergm_persist import numbers; "
         "print(json.dumps(numbers(pe.load(sys.argv[1]))))")


@pytest.fixture(scope="module")
def gwesp_fit(florentine):
    adjacency, covariates = florentine
    return ERGM(adjacency, GWESP, node_covariates=covariates).fit(seed=1)


def test_a_saved_fit_works_the_same_in_a_new_process(gwesp_fit, tmp_path):
    path = gwesp_fit.save(tmp_path / "flo.ergm.zip")
    child = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                           text=True, check=True, timeout=300, cwd=CHECKOUT)
    loaded = json.loads(child.stdout.strip().splitlines()[-1])
    assert loaded == numbers(gwesp_fit)
    assert "MC Std. Err. = 0.008387" in loaded["summary"]


def test_the_file_is_documented_plain_data_plus_an_rds_that_plain_r_reads(
        gwesp_fit, tmp_path, r_floats):
    path = gwesp_fit.save(tmp_path / "flo.ergm.zip")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        archive.extract("fit.rds", tmp_path)
    assert names == {"pyreslib-ergm.json", "fit.rds", "model.json", "adjacency.npy",
                     "coefficients.csv", "fit.json"}
    coefficients = r_floats(f"coef(readRDS('{tmp_path / 'fit.rds'}'))")
    np.testing.assert_array_equal(coefficients, gwesp_fit.params.to_numpy())
    tables = pe.read_tables(path)  # no R needed
    assert tables["model"]["vertex_names"][0] == "Acciaiuoli"
    assert tables["fit"]["llf"] == gwesp_fit.llf
    np.testing.assert_array_equal(tables["coefficients"]["coef"], gwesp_fit.params)
    assert tables["manifest"]["format"] == "pyreslib-ergm-fit"


def test_saving_never_overwrites_a_file_it_did_not_write(gwesp_fit, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my thesis\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"exists; pyreslib does not overwrite"):
        gwesp_fit.save(notes)
    with pytest.raises(InputError, match=r"not a pyreslib fit file .* even with overwrite=True"):
        gwesp_fit.save(notes, overwrite=True)
    assert notes.read_text(encoding="utf-8") == "my thesis\n"
    path = gwesp_fit.save(tmp_path / "fit.ergm.zip")
    with pytest.raises(InputError, match=r"exists"):
        gwesp_fit.save(path)
    assert gwesp_fit.save(path, overwrite=True) == path  # its own file may be replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.ergm.zip", "notes.txt"]


def test_a_loaded_fit_keeps_its_convergence_and_model(gwesp_fit, tmp_path):
    loaded = pe.load(gwesp_fit.save(tmp_path / "f.zip"))
    assert loaded.converged == gwesp_fit.converged
    assert loaded.model.vertex_names == gwesp_fit.model.vertex_names
    assert loaded.model.node_covariates.equals(gwesp_fit.model.node_covariates)
    assert (loaded.model.adjacency == gwesp_fit.model.adjacency).all()
    assert pe.anova(loaded).table.equals(pe.anova(gwesp_fit).table)


def test_constraints_dyad_lists_and_warnings_survive_the_round_trip(tmp_path):
    adjacency, covariates, _ = pe.statnet_network("flomarriage", dataset="florentine")
    free = list(itertools.combinations(adjacency.index[:8], 2))  # ties among 8 families vary
    model = ERGM(adjacency, "edges + nodecov('wealth')", node_covariates=covariates[["wealth"]],
                 constraints="~fixallbut(free)", dyad_lists={"free": free})
    fit = model.fit(seed=2)
    fit.warnings.append("a warning recorded with the fit")
    loaded = pe.load(fit.save(tmp_path / "constrained.zip"))
    assert str(loaded.model.constraints) == "~fixallbut(free)"
    np.testing.assert_array_equal(loaded.model.dyad_lists["free"], model.dyad_lists["free"])
    assert loaded.warnings == fit.warnings
    assert loaded.predict(output="frame").equals(fit.predict(output="frame"))
    assert loaded.llf == fit.llf and loaded.params.equals(fit.params)


# ---- what reading a file from anyone may cost (pyreslib.ergm.persist, "Bounds") ---------------

def _rewrite(path: Path, name: str, data: bytes) -> None:
    """Replace member ``name`` and its checksum in the manifest, as a forger would."""
    import hashlib

    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members[name] = data
    manifest = json.loads(members["pyreslib-ergm.json"])
    manifest["sha256"][name] = hashlib.sha256(data).hexdigest()
    members["pyreslib-ergm.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, d in members.items():
            archive.writestr(n, d)


def test_a_table_at_its_size_bound_is_read_and_one_byte_more_is_refused(gwesp_fit, tmp_path):
    from pyreslib.ergm.persist import MAX_TABLE_BYTES

    path = gwesp_fit.save(tmp_path / "f.zip")
    with zipfile.ZipFile(path) as archive:
        model = archive.read("model.json")
    _rewrite(path, "model.json", model.ljust(MAX_TABLE_BYTES))  # trailing blanks: still JSON
    assert pe.read_tables(path)["model"]["formula"] == GWESP
    _rewrite(path, "model.json", model.ljust(MAX_TABLE_BYTES + 1))
    with pytest.raises(InputError, match=r"'model.json' declares 16,777,217 bytes, more than"):
        pe.read_tables(path)


def test_json_at_its_depth_bound_is_read_and_one_level_more_is_refused(gwesp_fit, tmp_path):
    from pyreslib.ergm.persist import MAX_JSON_DEPTH

    path = gwesp_fit.save(tmp_path / "f.zip")
    with zipfile.ZipFile(path) as archive:
        numbers = json.loads(archive.read("fit.json"))
    deep = 0
    for _ in range(MAX_JSON_DEPTH - 1):  # the object itself is the first level
        deep = [deep]
    _rewrite(path, "fit.json", json.dumps({**numbers, "deep": deep}).encode())
    assert pe.read_tables(path)["fit"]["llf"] == gwesp_fit.llf
    _rewrite(path, "fit.json", json.dumps({**numbers, "deep": [deep]}).encode())
    with pytest.raises(InputError, match=r"fit.json nests 33 levels deep; a pyreslib fit file "
                                         r"nests at most 32"):
        pe.read_tables(path)


def test_read_tables_reads_neither_the_r_fit_nor_the_arrays(gwesp_fit, tmp_path):
    """A forged fit.rds or adjacency.npy (checksums fixed) does not matter to read_tables,
    which never reads their bytes; load checks them, and bounds the arrays by the vertices."""
    path = gwesp_fit.save(tmp_path / "f.zip")
    _rewrite(path, "adjacency.npy", b"\x93NUMPY" + bytes(10_000))
    assert list(pe.read_tables(path)["coefficients"].index) == list(gwesp_fit.params.index)
    with pytest.raises(InputError, match=r"'adjacency.npy' declares 10,006 bytes, more than the "
                                         r"6,144"):
        pe.load(path)
