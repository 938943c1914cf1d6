# pyreslib's R side: plain functions over matrices, data frames and lists that return plain
# lists, so that the rpy2 seam in pyreslib/ergm/bridge.py stays thin. One file per Python
# module that calls it: bridge.R (this one: the call wrapper every call goes through, the
# packages' presence, loading and versions), model.R (networks, formulas, control, the fit),
# cluster.R (workers on other hosts over ssh, for the fit's parallel MCMC and any later
# caller), diagnostics.R, inference.R, simulation.R, persist.R, examples.R, multi.R,
# workers.R, qap.R, and btergm.R and tergm.R (the temporal models, run only on their own R
# worker processes, since loading those packages changes ergm's methods).
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
      {
        pyreslib_need_for(args)
        do.call(fun, args)
      },
      warning = function(w) {
        # ergm 4.12's step-length search always asks for the glpk solver (its
        # MCMLE.steplength.solver setting is not passed down) and warns before falling back
        # to lpSolveAPI when Rglpk is absent. The fallback is the documented behaviour, so
        # this message is not passed on. Nor is ergm's warning about a parallel setting that
        # is not a number: pyreslib's only such setting is its cluster specification of
        # other hosts (r/cluster.R), which ergm starts as it should. Every other warning is.
        if (!grepl(paste0("selected as the solver, but package .Rglpk. is not available|",
                          "Unrecognized value passed to parallel= control parameter"),
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

# Which of `packages` are not installed in the library paths, found without loading any
# (the session's start checks every required package this way: loading them all would cost
# seconds that a short fit does not need; each is loaded where it is first used).
pyreslib_missing_packages <- function(packages) {
  pkgs <- as.character(packages)
  pkgs[!nzchar(vapply(pkgs, function(p) system.file(package = p), ""))]
}

# Load the namespace of `package` where a function first needs it (ergm.count for valued
# ERGMs, ergm.multi for pooled fits, sna, btergm and tergm in their own calls): once per
# session, then a no-op. ergm itself loads on the first ergm:: call.
pyreslib_need <- function(package) {
  if (!isNamespaceLoaded(package)) {
    ok <- suppressPackageStartupMessages(requireNamespace(package, quietly = TRUE))
    if (!ok) stop("R package '", package, "' could not be loaded from the library paths ",
                  paste(.libPaths(), collapse = ", "), "; run `make setup`", call. = FALSE)
  }
  invisible(TRUE)
}

# What an ergm fit among `args` needs before anything is done with it (its goodness of fit,
# simulation, log-likelihood, a fit read back from a file or made by a pool worker):
# ergm.count for a valued fit (its reference measure and count terms), ergm.multi for a
# pooled one (the N() operator). The fit's own call loaded them in the session that fitted
# it.
pyreslib_need_for <- function(args) {
  for (arg in args) {
    if (inherits(arg, "ergm")) {
      if (!is.null(arg$reference) && !("Bernoulli" %in% all.names(arg$reference))) {
        pyreslib_need("ergm.count")
      }
      if ("N" %in% all.names(arg$formula)) pyreslib_need("ergm.multi")
      # a fit on other hosts: ergm counts its workers with the class's method (r/cluster.R)
      if (inherits(arg$control$parallel, "pyreslib_hosts")) pyreslib_register_hosts_class()
    }
  }
  invisible(NULL)
}
