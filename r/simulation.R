# Simulation from a fit or from a formula and coefficients (pyreslib.ergm.simulation),
# returned as adjacency matrices or statistics (see r/bridge.R for the conventions).

# A list of simulated networks as adjacency matrices (edge values for a valued ERGM).
pyreslib_network_matrices <- function(sims, nsim, response) {
  if (nsim == 1L || network::is.network(sims)) sims <- list(sims)
  lapply(sims, function(s) {
    if (is.null(response)) network::as.matrix.network(s, matrix.type = "adjacency")
    else network::as.matrix.network(s, matrix.type = "adjacency", attrname = response)
  })
}

# A statistics matrix from simulate(..., output = "stats") without its attributes.
pyreslib_stats_matrix <- function(stats) {
  list(stats = unname(matrix(as.numeric(stats), nrow = nrow(stats))),
       names = as.character(colnames(stats)))
}

# simulate.ergm with its defaults: coefficients, constraints and MCMC settings of the fit,
# starting from the network the fit ended on (`newnetwork`, else the observed one), which
# carries the observed vertex names and covariates.
pyreslib_simulate_fit <- function(fit, nsim, seed, output) {
  response <- ergm::`%ergmlhs%`(fit$network, "response")
  if (output == "stats") {
    return(pyreslib_stats_matrix(stats::simulate(fit, nsim = nsim, seed = seed,
                                                 output = "stats")))
  }
  list(networks = pyreslib_network_matrices(stats::simulate(fit, nsim = nsim, seed = seed),
                                            nsim, response))
}

# simulate.formula from given coefficients on a (labelled, empty) basis network `nw`.
pyreslib_simulate_formula <- function(nw, terms, coef, nsim, seed, output) {
  f <- pyreslib_formula(terms, nw)
  if (output == "stats") {
    return(pyreslib_stats_matrix(stats::simulate(f, coef = coef, nsim = nsim, seed = seed,
                                                 output = "stats")))
  }
  sims <- stats::simulate(f, coef = coef, nsim = nsim, seed = seed)
  list(networks = pyreslib_network_matrices(sims, nsim, NULL))
}
