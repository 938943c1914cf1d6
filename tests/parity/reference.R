# The plain-R side of the statnet parity suite: fit every model of the catalogue with ergm,
# exactly as a statnet user would, in a process of its own, and write what R reports.
#
#   Rscript tests/parity/reference.R CATALOGUE.csv OUTDIR [R_LIBRARIES, colon-separated]
#
# CATALOGUE.csv comes from `python -m tests.parity.catalogue` (name, setup, r_call, seed).
# For each model: evaluate `setup` (loads the dataset), set.seed(seed), evaluate `r_call`.
# This is trusted test code: it parses the catalogue's R text, which pyreslib itself never does.
#
# OUTDIR receives (numbers as "%.17g", so they round-trip exactly; Inf, -Inf, NA as R prints):
#   estimates.csv  model, term, estimate, std_error, mcmc_pct, z, p   (summary(fit)$coefficients)
#   fits.csv       model, llf, aic, bic, nobs, null_deviance, residual_deviance, error
#   warnings.csv   model, message                                     (every R warning, in order)
#   fits.rds       a named list of the ergm fits (NULL where the fit failed), for further
#                  parity checks (anova, predict, simulate) without refitting.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 3) .libPaths(c(strsplit(args[[3]], ":", fixed = TRUE)[[1]], .libPaths()))
# PSOCK workers (parallel = 2) are fresh R processes: they find the packages through R_LIBS.
Sys.setenv(R_LIBS = paste(.libPaths(), collapse = ":"))
suppressPackageStartupMessages(library(ergm))

catalogue <- utils::read.csv(args[[1]], stringsAsFactors = FALSE)
out <- args[[2]]
dir.create(out, showWarnings = FALSE, recursive = TRUE)

num <- function(x) if (length(x) == 0 || is.null(x)) "NA" else sprintf("%.17g", as.numeric(x))

estimates <- list()
fits_table <- list()
warning_rows <- list()
fits <- list()

for (i in seq_len(nrow(catalogue))) {
  row <- catalogue[i, ]
  env <- new.env(parent = globalenv())
  eval(parse(text = row$setup), envir = env)
  messages <- character()
  record <- function(w) {
    messages <<- c(messages, conditionMessage(w))
    invokeRestart("muffleWarning")
  }
  set.seed(row$seed)
  fit <- withCallingHandlers(
    tryCatch(eval(parse(text = row$r_call), envir = env),
             error = function(e) structure(conditionMessage(e), class = "fit_error")),
    warning = record)
  if (inherits(fit, "fit_error")) {
    fits[row$name] <- list(NULL)
    fits_table[[i]] <- data.frame(model = row$name, llf = "NA", aic = "NA", bic = "NA",
                                  nobs = "NA", null_deviance = "NA", residual_deviance = "NA",
                                  error = as.character(fit))
  } else {
    fits[[row$name]] <- fit
    withCallingHandlers({
      s <- summary(fit)
      co <- s$coefficients
      ll <- stats::logLik(fit)
      aic <- stats::AIC(fit)
      bic <- stats::BIC(fit)
      n <- stats::nobs(fit)
    }, warning = record)
    dev <- s$devtable
    has_dev <- is.matrix(dev)
    estimates[[i]] <- data.frame(
      model = row$name, term = rownames(co),
      estimate = vapply(co[, "Estimate"], num, ""),
      std_error = vapply(co[, "Std. Error"], num, ""),
      mcmc_pct = vapply(co[, "MCMC %"], num, ""),
      z = vapply(co[, "z value"], num, ""),
      p = vapply(co[, "Pr(>|z|)"], num, ""))
    fits_table[[i]] <- data.frame(
      model = row$name, llf = num(ll), aic = num(aic), bic = num(bic), nobs = num(n),
      null_deviance = if (has_dev) num(dev[1, 1]) else "NA",
      residual_deviance = if (has_dev) num(dev[2, 1]) else "NA", error = "")
  }
  if (length(messages)) {
    warning_rows[[i]] <- data.frame(model = row$name, message = messages)
  }
}

write_table <- function(rows, file, columns) {
  frame <- if (length(rows)) do.call(rbind, rows) else
    as.data.frame(setNames(replicate(length(columns), character(), simplify = FALSE), columns))
  utils::write.csv(frame, file.path(out, file), row.names = FALSE)
}
write_table(estimates, "estimates.csv",
            c("model", "term", "estimate", "std_error", "mcmc_pct", "z", "p"))
write_table(fits_table, "fits.csv",
            c("model", "llf", "aic", "bic", "nobs", "null_deviance", "residual_deviance", "error"))
write_table(warning_rows, "warnings.csv", c("model", "message"))
saveRDS(fits, file.path(out, "fits.rds"))
