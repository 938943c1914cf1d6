# Restore the R packages pinned in renv.lock into the project's R library.
#
# Usage: Rscript r/setup.R LIBRARY_DIR
#
# renv is bootstrapped from CRAN if absent. renv keeps a global package cache (by default
# ~/.cache/R/renv), so a second checkout on the same machine links packages from the cache
# instead of compiling them again.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1L) stop("usage: Rscript r/setup.R LIBRARY_DIR")
lib <- args[[1L]]
dir.create(lib, recursive = TRUE, showWarnings = FALSE)
lib <- normalizePath(lib)
.libPaths(c(lib, .libPaths()))

# Current ergm needs C++17; R 4.2 compiles C++ as gnu++14 unless told otherwise.
Sys.setenv(R_MAKEVARS_USER = normalizePath("r/Makevars.cxx17"))
repos <- c(CRAN = Sys.getenv("PYRESLIB_CRAN", "https://cloud.r-project.org"))
options(repos = repos, Ncpus = max(1L, parallel::detectCores()), renv.consent = TRUE)

if (!requireNamespace("renv", lib.loc = lib, quietly = TRUE)) {
  message("pyreslib set-up: bootstrapping renv from CRAN into ", lib)
  install.packages("renv", lib = lib, quiet = TRUE)
}
message("pyreslib set-up: restoring R packages pinned in renv.lock into ", lib)
renv::restore(lockfile = "renv.lock", library = lib, prompt = FALSE, repos = repos,
              clean = FALSE)
required <- trimws(sub("#.*", "", readLines("r/required-packages.txt")))
for (pkg in required[nzchar(required)]) {
  if (!requireNamespace(pkg, lib.loc = lib, quietly = TRUE))
    stop("pyreslib set-up: R package '", pkg, "' failed to install into ", lib)
}
message("pyreslib set-up: R packages ready (ergm ", as.character(packageVersion("ergm", lib.loc = lib)), ")")
