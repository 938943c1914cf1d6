# After-the-fit inference (pyreslib.ergm.inference): likelihood facts, analysis-of-deviance
# tables and tie probabilities (see r/bridge.R for the conventions). Nothing here parses text: every choice arrives as a
# name or literal that pyreslib.ergm checked first.

# The likelihood facts summary.ergm prints beneath the coefficients: the null model's
# log-likelihood, the Monte Carlo variance of the log-likelihood (bridge sampling; 0 when it
# is exact), how the log-likelihood was obtained, the deviance label ("Deviance:" or
# "Pseudo-deviance:") and statnet's note on the standard errors, plus the one-model deviance
# table of anova.ergm (the likelihood-ratio test against the null model).
pyreslib_likelihood_info <- function(fit) {
  s <- summary(fit)
  ll <- tryCatch(stats::logLik(fit), error = function(e) NULL)
  method <- if (is.null(ll)) {
    "not evaluated"
  } else if (fit$estimate == "MPLE" && !isTRUE(s$independence)) {
    "pseudo-likelihood (MPLE)"
  } else if (!is.null(attr(ll, "br"))) {
    "bridge sampling"
  } else {
    "exact"
  }
  null_lik <- if (is.null(ll)) NA_real_ else as.numeric(s$null.lik)
  table <- if (is.null(ll)) NULL else pyreslib_anova_table(stats::anova(fit))
  list(
    llnull = if (length(null_lik)) null_lik else NA_real_,
    null_lik_0 = isTRUE(s$null.lik.0),
    llf_vcov = if (is.null(ll)) NA_real_ else as.numeric(statnet.common::NVL(attr(ll, "vcov"), 0)),
    loglik_method = method,
    deviance_label = if (is.null(s$devtext)) "Deviance:" else as.character(s$devtext),
    message = if (is.null(s$message)) "" else trimws(as.character(s$message)),
    covariance_method = as.character(statnet.common::NVL(fit$control$MPLE.covariance.method,
                                                        "invHess")),
    nparam_free = as.numeric(ergm::nparam(fit, offset = FALSE)),
    anova = table
  )
}

# An anova.ergm data frame as plain columns (R's own numbers; NA where R prints nothing).
pyreslib_anova_table <- function(table) {
  list(rows = rownames(table),
       df = as.numeric(table[["Df"]]),
       deviance = as.numeric(table[["Deviance"]]),
       resid_df = as.numeric(table[["Resid. Df"]]),
       resid_dev = as.numeric(table[["Resid. Dev"]]),
       p = as.numeric(table[["Pr(>|Chisq|)"]]),
       heading = as.character(attr(table, "heading")))
}

# anova.ergm for several fits (anova.ergmlist): the deviance table in the order given.
pyreslib_anova <- function(fits) {
  pyreslib_anova_table(do.call(stats::anova, unname(fits)))
}

# predict.ergm: tie probabilities, conditional on the rest of the network (exact, from the
# change statistics: R's dyad list, one row per informative dyad) or unconditional (the share
# of `nsim` simulated networks with the tie, seeded: R's matrix, 0 below the diagonal of an
# undirected network).
pyreslib_predict <- function(fit, conditional, nsim, seed) {
  names <- as.character(network::network.vertex.names(fit$network))
  if (conditional) {
    d <- stats::predict(fit, conditional = TRUE)
    return(list(tail = as.integer(d$tail), head = as.integer(d$head), p = as.numeric(d$p),
                names = names))
  }
  p <- stats::predict(fit, conditional = FALSE, nsim = nsim, seed = seed, output = "matrix")
  list(p = unname(as.matrix(p)), names = names)
}
