# pyreslib's R side: plain functions over matrices, data frames and lists that return plain
# lists, so that the rpy2 seam in pyreslib/ergm/bridge.py stays thin. One file per Python
# module that calls it: bridge.R (this one: the call wrapper every call goes through, and
# package versions), model.R (networks, formulas, control, the fit), diagnostics.R,
# inference.R, simulation.R, persist.R, examples.R, multi.R, workers.R and qap.R.
#
# No function here parses or evaluates text. Formulas arrive as validated term lists
# (name + literal arguments, checked in Python by pyreslib.ergm.formula) and are rebuilt as
# call objects with as.name()/as.call(); control settings arrive as named lists of literals.

# Run fun(...) collecting warnings; an R error becomes list(error = message) instead of a
# longjmp through the embedding, and an interrupt (Ctrl-C) is left to propagate.
pyreslib_call <- function(fun, args) {
  warnings <- character()
  value <- tryCatch(
    withCallingHandlers(
      do.call(fun, args),
      warning = function(w) {
        # ergm 4.12's step-length search always asks for the glpk solver (its
        # MCMLE.steplength.solver setting is not passed down) and warns before falling back
        # to lpSolveAPI when Rglpk is absent. The fallback is the documented behaviour, so
        # this one message is not passed on; every other warning is.
        if (!grepl("selected as the solver, but package .Rglpk. is not available",
                   conditionMessage(w))) {
          warnings <<- c(warnings, conditionMessage(w))
        }
        invokeRestart("muffleWarning")
      },
      message = function(m) {
        # ergm 4.12 reports an MCMC-MLE that stopped at MCMLE.maxit only as a message;
        # pass it on as a warning so it cannot go unseen (the message still prints).
        if (grepl("did not converge|not converge", conditionMessage(m))) {
          warnings <<- c(warnings, trimws(conditionMessage(m)))
        }
      }
    ),
    error = function(e) {
      structure(list(message = conditionMessage(e),
                     call = paste(deparse(conditionCall(e), nlines = 2L), collapse = " ")),
                class = "pyreslib_error")
    }
  )
  if (inherits(value, "pyreslib_error")) {
    return(list(error = value$message, error_call = value$call, warnings = warnings))
  }
  list(value = value, warnings = warnings)
}

# Versions of `packages` (the list of r/required-packages.txt, handed over by the bridge).
pyreslib_versions <- function(packages) {
  pkgs <- as.character(packages)
  vapply(pkgs, function(p) tryCatch(as.character(utils::packageVersion(p)),
                                    error = function(e) NA_character_), character(1))
}
