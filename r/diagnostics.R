# Diagnostics of a fit (pyreslib.ergm.diagnostics): goodness of fit, MCMC diagnostics and the
# bridge-sampled log-likelihood (see r/bridge.R for the conventions).

# Goodness of fit. `which` holds names from a fixed set checked in Python (degree, espartners,
# distance, model, ...); they become a GOF formula through as.name(), never through parse().
pyreslib_gof <- function(fit, which, nsim, seed) {
  rhs <- Reduce(function(a, b) call("+", a, b), lapply(which, as.name))
  gof_formula <- stats::as.formula(call("~", rhs), env = asNamespace("ergm"))
  g <- ergm::gof(fit, GOF = gof_formula, control = ergm::control.gof.ergm(nsim = nsim, seed = seed))
  keys <- c(degree = "deg", idegree = "ideg", odegree = "odeg", espartners = "espart",
            dspartners = "dspart", distance = "dist", triadcensus = "triadcensus", model = "model")
  out <- list()
  for (w in which) {
    k <- keys[[w]]
    pval <- g[[paste0("pval.", k)]]
    sim <- g[[paste0("sim.", k)]]
    out[[w]] <- list(labels = as.character(rownames(pval)),
                     table = unname(as.matrix(pval)),
                     columns = colnames(pval),
                     simulated = unname(as.matrix(sim)),
                     observed = as.numeric(g[[paste0("obs.", k)]]))
  }
  out
}

# MCMC diagnostics from the sample of the last MCMC-MLE iteration (statistics relative to the
# observed ones, as ergm stores them): per statistic and chain, Geweke z; over chains, effective
# sample size and lag-1 autocorrelation; jointly, ergm's multivariate Geweke test and the
# approximate Hotelling test that the sample mean equals the observed statistics.
pyreslib_mcmc_diagnostics <- function(fit) {
  s <- fit$sample
  if (is.null(s)) stop("this fit has no MCMC sample: it was estimated without MCMC ",
                       "(a dyad-independent model, or estimate = 'MPLE')")
  stats_names <- colnames(s[[1]])
  chains <- length(s)
  geweke <- do.call(rbind, lapply(seq_len(chains), function(i) {
    z <- coda::geweke.diag(s[[i]])$z
    cbind(chain = i, z = as.numeric(z))
  }))
  joint_geweke <- tryCatch(ergm:::geweke.diag.mv(s), error = function(e) NULL)
  hotelling <- tryCatch(ergm:::approx.hotelling.diff.test(s), error = function(e) NULL)
  combined <- as.matrix(s)
  observed <- as.numeric(fit$nw.stats)
  list(
    statistics = stats_names,
    chains = chains,
    observed = observed,
    sample_mean_diff = as.numeric(colMeans(combined)),
    sample_sd = as.numeric(apply(combined, 2, stats::sd)),
    geweke_chain = as.numeric(geweke[, "chain"]),
    geweke_z = as.numeric(geweke[, "z"]),
    ess = as.numeric(coda::effectiveSize(s)),
    lag1 = as.numeric(coda::autocorr.diag(s, lags = 1)),
    joint_geweke_p = if (is.null(joint_geweke)) NA_real_ else as.numeric(joint_geweke$p.value),
    hotelling_stat = if (is.null(hotelling)) NA_real_ else as.numeric(hotelling$statistic),
    hotelling_p = if (is.null(hotelling)) NA_real_ else as.numeric(hotelling$p.value),
    sample = unname(combined),
    sample_chain = rep(seq_len(chains), vapply(s, nrow, integer(1))),
    interval = as.numeric(attr(s[[1]], "mcpar")[3])
  )
}

# Re-estimate the log-likelihood by bridge sampling with more steps (a finer path between the
# dyad-independent reference and the MLE): Hunter & Handcock (2006), ergm's logLik.ergm.
pyreslib_bridge_loglik <- function(fit, nsteps, seed) {
  ll <- stats::logLik(fit, force.reeval = TRUE, control = ergm::control.logLik.ergm(bridge.nsteps = nsteps, seed = seed))
  list(llf = as.numeric(ll), df = as.numeric(attr(ll, "df")), nobs = as.numeric(stats::nobs(fit)))
}
