# pyreslib: `make demo` runs the main job on the bundled demo data, `make test` runs the tests.
# Both set everything up first (Python venv + R packages pinned in renv.lock); re-running is
# quick when nothing changed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
R_VERSION := $(shell Rscript -e 'cat(R.version$$major, sub("[.].*", "", R.version$$minor), sep = ".")' 2>/dev/null)
R_LIB := .rlib/R-$(R_VERSION)
DEMO_OUT ?= demo-output

.PHONY: setup demo test bench lint clean check-tools

setup: $(VENV)/.installed $(R_LIB)/.restored

check-tools:
	@command -v Rscript >/dev/null 2>&1 || { echo "pyreslib needs R >= 4.2: sudo apt-get install r-base r-base-dev"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "pyreslib needs Python >= 3.11 (set PYTHON=python3.11)"; exit 1; }

$(VENV)/.installed: pyproject.toml | check-tools
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@# Tell the embedded R where the pinned R packages live (read by pyreslib.ergm.bridge).
	echo "$(abspath $(R_LIB))" > $(VENV)/pyreslib-r-library
	touch $@

$(R_LIB)/.restored: renv.lock r/setup.R r/required-packages.txt r/Makevars.cxx17 | check-tools
	Rscript r/setup.R $(R_LIB)
	touch $@

demo: setup
	$(PY) -m pyreslib demo --out $(DEMO_OUT)

test: setup
	@# report.html is checked in headless Chromium; installed with apt when missing (as root)
	@sh scripts/ensure-chromium.sh || echo "make test: no chromium, the report.html browser test will be skipped"
	@# the spatial parity tests compare with R's spdep (Debian's r-cran-spdep, in R's site library, not renv)
	@sh scripts/ensure-spdep.sh || echo "make test: no spdep, the spatial parity tests of tests/test_spatial.py will be skipped"
	@# the two-host tests start their own sshd daemons on 127.0.0.2 and 127.0.0.3 (Debian's openssh-server)
	@sh scripts/ensure-sshd.sh || echo "make test: no sshd, the two-host tests of tests/test_two_hosts.py will be skipped"
	$(PY) -m pytest -q -rs

bench: setup
	$(PY) benchmarks/run.py

lint: setup
	$(PY) -m ruff check pyreslib tests benchmarks

clean:
	rm -rf $(VENV) .rlib $(DEMO_OUT) .pytest_cache .hypothesis
