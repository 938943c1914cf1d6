#!/bin/sh
# Make sure a plain `Rscript` can load spdep for tests/test_spatial.py, which checks
# pyreslib.spatial against R's spdep (Moran's I, Geary's C, local Moran, Gi*) in a separate
# Rscript process -- never in pyreslib's embedded R.  Installs Debian's r-cran-spdep (which
# pulls in r-cran-spdata, the columbus data) with apt when it is missing and we run as root;
# it goes to /usr/lib/R/site-library and leaves the project's renv library alone.
# Otherwise says what to do.  Exit status 0 when spdep loads afterwards.
set -eu
loads() {
    command -v Rscript >/dev/null 2>&1 &&
        Rscript -e 'suppressPackageStartupMessages(library(spdep)); library(spData)' \
            >/dev/null 2>&1
}
if loads; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-spdep: installing Debian's r-cran-spdep package (for the spatial parity tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-cran-spdep r-cran-spdata >/dev/null
    if loads; then
        exit 0
    fi
    echo "ensure-spdep: r-cran-spdep was installed but Rscript still cannot load spdep" >&2
    exit 1
fi
echo "ensure-spdep: Rscript cannot load spdep; install it (Debian/Ubuntu:" \
    "sudo apt-get install r-cran-spdep r-cran-spdata)" >&2
echo "ensure-spdep: without it the R parity tests of tests/test_spatial.py are skipped" >&2
exit 1
