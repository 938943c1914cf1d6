# The plain-R side of the after-the-fit parity suite: on the catalogue's fits made by
# reference.R (a named list saved as fits.rds), compute what a statnet user computes after
# ergm(), in a process of its own:
#
#   Rscript tests/parity/reference_after.R FITS.rds PLAN.csv OUTDIR [R_LIBRARY]
#
# PLAN.csv has columns key, kind, models, seed, nsim; `models` names fits, ";"-separated:
#   anova      anova(fit1, fit2, ...)                      -> anova.csv
#   predict    predict(fit) (conditional), or with nsim > 0
#              predict(fit, conditional = FALSE, nsim, seed) -> predict.csv
#   simulate   simulate(fit, nsim, seed, output = "stats")  -> simulate.csv
# Numbers are written as "%.17g" (NA, Inf as R prints them); an R error is recorded in the
# `error` column of a row of its own. This is trusted test code.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 4) .libPaths(c(args[[4]], .libPaths()))
suppressPackageStartupMessages(library(ergm))

fits <- readRDS(args[[1]])
plan <- utils::read.csv(args[[2]], stringsAsFactors = FALSE)
out <- args[[3]]
dir.create(out, showWarnings = FALSE, recursive = TRUE)
num <- function(x) ifelse(is.na(x) & !is.nan(x), "NA", sprintf("%.17g", as.numeric(x)))

rows <- list(anova = list(), predict = list(), simulate = list())
for (i in seq_len(nrow(plan))) {
  step <- plan[i, ]
  chosen <- fits[strsplit(step$models, ";", fixed = TRUE)[[1]]]
  value <- tryCatch(suppressWarnings(suppressMessages(switch(
    step$kind,
    anova = {
      a <- do.call(anova, unname(chosen))
      data.frame(key = step$key, row = rownames(a), df = num(a[["Df"]]),
                 deviance = num(a[["Deviance"]]), resid_df = num(a[["Resid. Df"]]),
                 resid_dev = num(a[["Resid. Dev"]]), p = num(a[["Pr(>|Chisq|)"]]), error = "")
    },
    predict = {
      p <- if (step$nsim > 0) {
        m <- predict(chosen[[1]], conditional = FALSE, nsim = step$nsim, seed = step$seed,
                     output = "matrix")
        cells <- which(upper.tri(m) | (lower.tri(m) & is.directed(chosen[[1]]$network)),
                       arr.ind = TRUE)
        data.frame(tail = cells[, 1], head = cells[, 2], p = m[cells])
      } else {
        predict(chosen[[1]])
      }
      data.frame(key = step$key, tail = p$tail, head = p$head, p = num(p$p), error = "")
    },
    simulate = {
      s <- simulate(chosen[[1]], nsim = step$nsim, seed = step$seed, output = "stats")
      data.frame(key = step$key, draw = rep(seq_len(nrow(s)), ncol(s)),
                 statistic = rep(colnames(s), each = nrow(s)), value = num(as.numeric(s)),
                 error = "")
    }))),
    error = function(e) data.frame(key = step$key, error = conditionMessage(e)))
  rows[[step$kind]][[length(rows[[step$kind]]) + 1]] <- value
}

columns <- list(anova = c("key", "row", "df", "deviance", "resid_df", "resid_dev", "p", "error"),
                predict = c("key", "tail", "head", "p", "error"),
                simulate = c("key", "draw", "statistic", "value", "error"))
for (kind in names(columns)) {
  frames <- lapply(rows[[kind]], function(f) {
    for (column in setdiff(columns[[kind]], names(f))) f[[column]] <- "NA"
    f[columns[[kind]]]
  })
  frame <- if (length(frames)) do.call(rbind, frames) else
    as.data.frame(setNames(replicate(length(columns[[kind]]), character(), simplify = FALSE),
                           columns[[kind]]))
  utils::write.csv(frame, file.path(out, paste0(kind, ".csv")), row.names = FALSE)
}
