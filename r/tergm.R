# Separable TERGMs by conditional MLE through tergm, for pyreslib.temporal.tergm (see
# r/bridge.R for the conventions).
#
# These functions run on an R worker of their own (pyreslib/temporal/worker.py), never in the
# embedded session that fits ERGMs: loading tergm registers its own simulate_formula.network
# on ergm's generic. tergm is only ever called as tergm::f; it is never attached.
#
# The model is tergm 4's: networks ~ Form(~ <formation>) + Persist(~ <persistence>), fit by
# tergm(..., estimate = "CMLE"): for each transition t - 1 -> t, the formation model is an
# ERGM of the union y[t-1] | y[t] and the persistence model one of the intersection
# y[t-1] & y[t], conditional on y[t-1] (Krivitsky and Handcock 2014). Every stage network is
# over the same cities (tergm needs one node set); the dyads outside the likelihood under
# pyreslib's node-set rule (docs/method.md, "Temporal models: node sets across stages") are
# the network attribute `pyreslib_absent` of each stage (1: a structural zero) and enter as
# offset(Cross(~edgecov("pyreslib_absent"))) with coefficient -Inf: no tie can be on such a
# dyad at t, so it leaves both likelihoods. Covariates are per stage: vertex attributes and
# network attributes of each stage's network, which Form and Persist read from the network
# at t.

pyreslib_tergm_networks <- function(ties, labels, vertex_attributes, edge_covariates, absent,
                                    directed) {
  lapply(seq_along(ties), function(t) {
    m <- ties[[t]]
    dimnames(m) <- list(labels, labels)
    nw <- network::network(m, directed = directed, matrix.type = "adjacency")
    network::set.vertex.attribute(nw, "vertex.names", labels)
    for (name in names(vertex_attributes)) {
      network::set.vertex.attribute(nw, name, as.numeric(vertex_attributes[[name]][[t]]))
    }
    for (name in names(edge_covariates)) {
      network::set.network.attribute(nw, name, edge_covariates[[name]][[t]])
    }
    if (!is.null(absent)) network::set.network.attribute(nw, "pyreslib_absent", absent[[t]])
    nw
  })
}

# The formula networks ~ Form(~ f) + Persist(~ p) [+ offset(Cross(~edgecov("pyreslib_absent")))]
# from validated term lists.
pyreslib_tergm_formula <- function(networks, formation, persistence, structural_zeros) {
  env <- new.env(parent = globalenv())
  assign("networks", networks, envir = env)
  rhs <- call("+", call("Form", call("~", pyreslib_rhs(formation))),
              call("Persist", call("~", pyreslib_rhs(persistence))))
  if (structural_zeros) {
    rhs <- call("+", rhs, quote(offset(Cross(~edgecov("pyreslib_absent")))))
  }
  stats::as.formula(call("~", as.name("networks"), rhs), env = env)
}

# Fit by CMLE. `absent`: NULL when no dyad is a structural zero (every city in every stage).
pyreslib_tergm <- function(ties, labels, vertex_attributes, edge_covariates, absent,
                           formation, persistence, directed, seed, control) {
  pyreslib_need("tergm")
  networks <- pyreslib_tergm_networks(ties, labels, vertex_attributes, edge_covariates, absent,
                                      directed)
  f <- pyreslib_tergm_formula(networks, formation, persistence, !is.null(absent))
  set.seed(seed)
  fit <- tergm::tergm(
    f, estimate = "CMLE", offset.coef = if (is.null(absent)) NULL else -Inf,
    control = tergm::control.tergm(CMLE.ergm = pyreslib_control(control, seed)))
  s <- summary(fit)
  table <- s$coefficients
  keep <- !fit$offset
  list(names = rownames(table)[keep],
       coef = as.numeric(table[keep, "Estimate"]),
       se = as.numeric(table[keep, "Std. Error"]),
       zvalues = as.numeric(table[keep, "z value"]),
       pvalues = as.numeric(table[keep, "Pr(>|z|)"]),
       llf = as.numeric(stats::logLik(fit)),
       df = as.numeric(attr(stats::logLik(fit), "df")),
       aic = as.numeric(stats::AIC(fit)), bic = as.numeric(stats::BIC(fit)),
       nobs = as.numeric(stats::nobs(fit)),
       estimate = as.character(fit$estimate),
       mcmc = !is.null(fit$sample),
       iterations = if (is.null(fit$iterations)) NA_real_ else as.numeric(fit$iterations),
       tergm_version = as.character(utils::packageVersion("tergm")),
       ergm_version = as.character(utils::packageVersion("ergm")),
       r_version = R.version.string)
}
