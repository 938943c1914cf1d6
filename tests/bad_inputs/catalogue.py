"""Write TESTING.md's table of bad-input cases from the cases themselves.

Run: ``.venv/bin/python -m tests.bad_inputs.catalogue > TESTING.md`` (from the checkout).
Each case is run and what it yields (exception type or exit code, and the message's first
sentence) is recorded, so the table cannot drift from the behaviour.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import tempfile
import warnings
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[2]


def _first_sentence(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    text = re.sub(r"/tmp/[\w.-]+", "<tmp>", text)  # temporary folders differ run to run
    text = text.replace(str(_CHECKOUT) + "/", "")  # and so do checkouts: paths from its root
    cut = text.find(". ")
    text = text[: cut + 1] if 0 < cut < limit else text
    return (text[:limit] + "…" if len(text) > limit else text).replace("|", "\\|")


def _ingest_rows():
    from tests.bad_inputs import test_bad_ingest as t

    for name, (make, kwargs, _) in t.FILE_CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            try:
                from pyreslib.ingest import ingest_file

                ingest_file(make(Path(tmp)), **kwargs)
                yield "ingest", name, "no error", ""
            except Exception as exc:  # noqa: BLE001 - recording what each case yields
                yield "ingest", name, type(exc).__name__, _first_sentence(exc)
    for name, (make, kwargs, check) in t.REPORT_CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            from pyreslib.ingest import ingest_file

            yield "ingest", name, "read; counted and listed", _first_sentence(
                check(ingest_file(make(Path(tmp)), **kwargs)), limit=200
            )


def _ergm_rows():
    from tests.bad_inputs import test_bad_ergm as t

    for table in (t.CASES, t.R_CASES, t.AFTER_FIT_CASES):
        for name, (make, _, _) in sorted(table.items()):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    make()
                    yield "ERGM", name, "no error", ""
                except Exception as exc:  # noqa: BLE001 - recording what each case yields
                    yield "ERGM", name, type(exc).__name__, _first_sentence(exc)


def _config_rows(cases=None, kind: str = "config (CLI)"):
    from pyreslib.cli import main
    from tests.bad_inputs import test_bad_config as t

    here = os.getcwd()
    for name, (text, _) in sorted((t.CASES if cases is None else cases).items()):
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)
            try:
                Path("patents.csv").write_text("申请号,申请日,申请人,申请人地址\nCN1,2012,甲;乙,北京;上海\n",
                                               encoding="utf-8")
                Path("covariates.csv").write_text("adcode,year\n", encoding="utf-8")
                Path("run.toml").write_text(text, encoding="utf-8")
                err = io.StringIO()
                with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                    code = main(["run", "run.toml", "--out", "out"])
                yield kind, name, f"exit {code}", _first_sentence(err.getvalue())
            finally:
                os.chdir(here)


def _output_rows():
    from tests.bad_inputs import test_bad_outputs as t

    for name, case in sorted(t.CASES.items()):
        if (why := t.missing_need(case)):
            yield "output (CLI)", name, "not run here", why
            continue
        with tempfile.TemporaryDirectory() as tmp:
            code, err, shown = t.run_case(case, Path(tmp))
        yield "output (CLI)", name, f"exit {code}", _first_sentence(err if err.strip() else shown)


def _spatial_rows():
    from tests.bad_inputs import test_bad_spatial as t

    for name, (make, _, _) in sorted(t.CASES.items()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                make()
                yield "spatial, cascades", name, "no error", ""
            except Exception as exc:  # noqa: BLE001 - recording what each case yields
                yield "spatial, cascades", name, type(exc).__name__, _first_sentence(exc)
    yield from _config_rows(t.CONFIG_CASES, "spatial, cascades (CLI)")
    for name, (_, fragments) in sorted(t.RUN_CASES.items()):
        yield "spatial, cascades (run)", name, "stage left out, said in notes", fragments[0]


def _temporal_rows():
    from tests.bad_inputs import test_bad_temporal as t

    def outcome(call):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                call()
                return "no error", ""
            except Exception as exc:  # noqa: BLE001 - recording what each case yields
                return type(exc).__name__, _first_sentence(exc)

    for name, (make, _, _) in sorted(t.CASES.items()):
        yield ("temporal models", name, *outcome(make))
    fitted = t.small_fit.__wrapped__()
    for name, (make, _, _) in sorted(t.AFTER_FIT_CASES.items()):
        yield ("temporal models (after a fit)", name, *outcome(functools.partial(make, fitted)))


def _covariates_rows():
    from tests.bad_inputs import test_bad_covariates as t

    for name in [*sorted(t.CASES), *sorted(t.CONFIG_CASES)]:
        with tempfile.TemporaryDirectory() as tmp:
            code, err = t.run_case(name, Path(tmp))
        yield "covariates (CLI)", name, f"exit {code}", _first_sentence(err)
    for name in sorted(t.REPORT_CASES):
        with tempfile.TemporaryDirectory() as tmp:
            yield "covariates", name, "read; said in ergm_notes", _first_sentence(
                t.report_case(name, Path(tmp)), limit=200)


def main() -> None:
    rows = [*_ingest_rows(), *_config_rows(), *_output_rows(), *_ergm_rows(),
            *_covariates_rows(), *_spatial_rows(), *_temporal_rows()]
    print("# Testing\n")
    print("`make test` runs everything below with the real R and the real statnet `ergm` (no mocks")
    print("of R, rpy2 or ergm); `.ci/run` calls it. Tests marked `r` start the embedded R.\n")
    print("- Statnet parity: `tests/test_statnet_parity.py` fits the models of")
    print("  `tests/parity/catalogue.py` (ergm's tutorial and help pages: -Inf and NA estimates,")
    print("  offsets, constraints, MPLE, MCMC-MLE, parallel) through pyreslib and through a plain R")
    print("  script (`tests/parity/reference.R`, a separate Rscript process) with the same seed.")
    print("- Numbers are checked against independent implementations: pyreslib's ERGM fits, GOF")
    print("  p-values and MCMC statistics against plain R calls with the same seed; indicators and")
    print("  centralities against networkx and hand calculations; stage networks against hand counts.")
    print("- Determinism: `tests/test_run_reliability.py` runs `pyreslib run` twice in separate")
    print("  processes (with ERGM fits) and compares results.json byte for byte.")
    print("- Interrupts: the same file and `tests/test_r_environment.py` send SIGINT mid-MCMC and check")
    print("  that R stops promptly and no output folder is left; SIGTERM and SIGHUP mid-MCMC stop the")
    print("  run the same way (exit 143, 129), and a rerun to the same `--out` succeeds with no")
    print("  leftovers. `tests/test_cli_networks.py` sends each signal while files are written.")
    print("- Output folders, spreadsheets and outcomes (`tests/bad_inputs/test_bad_outputs.py`): every")
    print("  case hashes (SHA-256) every file in the user's folder before and after the command; a")
    print("  full disk is a real 16 kB / 32 kB tmpfs when the tests run as root, and a fault injected")
    print("  at pyreslib's one byte writer everywhere (R is never mocked).")
    print("- R environment faults (R missing, R package missing, wrong R_HOME):")
    print("  `tests/test_r_environment.py`.")
    print("- Other statnet packages, each against a plain Rscript with the same seed: QAP/MRQAP")
    print("  with sna (`tests/test_qap.py`), btergm and tergm (`tests/test_btergm.py`,")
    print("  `tests/test_stergm.py`), missing dyads (`tests/test_ergm_missing_dyads.py`); spatial")
    print("  statistics against R's spdep (Debian's r-cran-spdep, `tests/test_spatial.py`).")
    print("- Two hosts: `tests/test_two_hosts.py` starts two sshd daemons on 127.0.0.2 and")
    print("  127.0.0.3 and fits on a PSOCK cluster of them (skipped, with the reason, without sshd).\n")
    print("## Bad-input suite (tests/bad_inputs/)\n")
    print(f"{len(rows)} cases. Generated by `python -m tests.bad_inputs.catalogue` from the cases")
    print("themselves: each was run and what it yielded is recorded.\n")
    print("| area | case | yields | message (first sentence) |")
    print("|---|---|---|---|")
    for area, name, outcome, message in rows:
        print(f"| {area} | {name} | {outcome} | {message} |")


if __name__ == "__main__":
    main()
