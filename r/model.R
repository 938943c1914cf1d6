# The fit (pyreslib.ergm.model and pyreslib.ergm.control): the network object, formulas
# rebuilt from validated terms, control.ergm from literals, ergm() itself and what is read
# back from the fit (see r/bridge.R for the conventions).

# terms: list of list(name = "gwesp", args = list(0.25, fixed = TRUE), offset = FALSE);
# validated in Python. Arguments are literal values (a dyad list arrives as an integer matrix);
# they are embedded in the call as values, never parsed.
pyreslib_rhs <- function(terms) {
  rhs <- NULL
  for (term in terms) {
    args <- if (is.null(term$args)) list() else term$args
    one <- as.call(c(list(as.name(term$name)), args))
    if (isTRUE(term$offset)) one <- call("offset", one)
    rhs <- if (is.null(rhs)) one else call("+", rhs, one)
  }
  rhs
}

pyreslib_formula <- function(terms, nw) {
  env <- new.env(parent = asNamespace("ergm"))
  assign("nw", nw, envir = env)
  stats::as.formula(call("~", as.name("nw"), pyreslib_rhs(terms)), env = env)
}

# A one-sided formula (constraints, proposal hints) from validated terms.
pyreslib_one_sided <- function(terms) {
  stats::as.formula(call("~", pyreslib_rhs(terms)), env = new.env(parent = asNamespace("ergm")))
}

# adj: numeric matrix; vertex_names: character; node_covariates: named list of vectors;
# edge_covariates: named list of matrices (stored as network attributes, which is what
# edgecov("name") reads); response: NULL for a binary network, else the edge-value name.
pyreslib_network <- function(adj, directed, vertex_names, node_covariates, edge_covariates,
                             response = NULL) {
  if (is.null(response)) {
    nw <- network::network(adj, directed = directed, matrix.type = "adjacency")
  } else {
    nw <- network::network(adj, directed = directed, matrix.type = "adjacency",
                           ignore.eval = FALSE, names.eval = response)
  }
  network::set.vertex.attribute(nw, "vertex.names", vertex_names)
  for (name in names(node_covariates)) {
    network::set.vertex.attribute(nw, name, node_covariates[[name]])
  }
  for (name in names(edge_covariates)) {
    network::set.network.attribute(nw, name, edge_covariates[[name]])
  }
  nw
}

pyreslib_reference <- function(reference) {
  switch(reference,
         Bernoulli = ~Bernoulli,
         Poisson = ~Poisson,
         Geometric = ~Geometric,
         Binomial = stop("the Binomial reference needs a trials count; not supported yet"),
         stop("unknown reference measure: ", reference))
}

# control: named list of literals checked in Python; proposal hints arrive as term lists.
pyreslib_control <- function(control, seed) {
  for (key in c("MCMC.prop", "obs.MCMC.prop")) {
    if (!is.null(control[[key]])) control[[key]] <- pyreslib_one_sided(control[[key]])
  }
  control$seed <- seed
  do.call(ergm::control.ergm, control)
}

# Parallel MCMC (control$parallel): ergm starts its PSOCK workers itself, and a fit must leave
# that to ergm, because ergm seeds the workers' random streams from the master generator at the
# moment it starts them (once for the MCMC-MLE, again for the log-likelihood's bridge sampler);
# only then does a parallel fit equal statnet's for the same seed. But parallel's accept
# timeout is 30 days, so an unreachable host would hang the fit. Hence, first, one worker is
# started on each distinct host with `timeout` seconds to connect back (and stopped): a host
# that cannot be reached, refuses ssh without a password (BatchMode) or has no R is an error
# naming it, before any work. During the fit ssh runs in batch mode with a connect timeout.
pyreslib_check_workers <- function(hosts, timeout) {
  rshcmd <- paste0("ssh -o BatchMode=yes -o ConnectTimeout=", ceiling(timeout))
  for (host in unique(hosts)) {
    one <- tryCatch(
      suppressWarnings(parallel::makePSOCKcluster(host, timeout = timeout, rshcmd = rshcmd)),
      error = function(e) stop("pyreslib_worker_start: could not start an R worker on host '",
                               host, "' within ", timeout, " seconds (", conditionMessage(e),
                               ")", call. = FALSE))
    parallel::stopCluster(one)
  }
  rshcmd
}

# constraints: NULL or a term list (validated in Python); offset_coef: NULL or numbers;
# workers: NULL or host names ("localhost" for local workers); verbose: ergm's verbose level.
pyreslib_fit <- function(nw, terms, estimate, seed, control, response = NULL,
                         reference = NULL, eval_loglik = TRUE, constraints = NULL,
                         offset_coef = NULL, workers = NULL, worker_timeout = 60,
                         verbose = 0L) {
  f <- pyreslib_formula(terms, nw)
  cons <- if (is.null(constraints)) ~. else pyreslib_one_sided(constraints)
  if (!is.null(workers)) {
    rshcmd <- pyreslib_check_workers(workers, worker_timeout)
    old <- parallel:::getClusterOption("rshcmd")
    parallel:::setDefaultClusterOptions(rshcmd = rshcmd)
    on.exit(parallel:::setDefaultClusterOptions(rshcmd = old), add = TRUE)
    control$parallel <- if (all(workers == "localhost")) length(workers) else workers
    control$parallel.type <- "PSOCK"
  }
  ctrl <- pyreslib_control(control, seed)
  set.seed(seed)
  withCallingHandlers({
    if (is.null(response)) {
      fit <- ergm::ergm(f, estimate = estimate, control = ctrl, eval.loglik = eval_loglik,
                        constraints = cons, offset.coef = offset_coef, verbose = verbose)
    } else {
      # ergm.count registers the Poisson/Geometric references and the count terms on load.
      loadNamespace("ergm.count")
      fit <- ergm::ergm(f, estimate = estimate, control = ctrl, eval.loglik = eval_loglik,
                        constraints = cons, offset.coef = offset_coef, verbose = verbose,
                        response = response, reference = pyreslib_reference(reference))
    }
  }, warning = function(w) {
    # ergm warns about any parallel setting that is not a number, yet passes a vector of host
    # names on to parallel::makeCluster, which starts one worker per host (checked above).
    if (grepl("Unrecognized value passed to parallel=", conditionMessage(w), fixed = TRUE)) {
      invokeRestart("muffleWarning")
    }
  })
  list(fit = fit, info = pyreslib_fit_info(fit))
}

# The numbers of summary(fit), logLik(fit), AIC(fit) and BIC(fit), as plain vectors. ergm gives
# no deviance table (NA) when it performed no optimisation (every term extreme or offset).
pyreslib_fit_info <- function(fit) {
  s <- summary(fit)
  coefs <- s$coefficients
  ll <- tryCatch(as.numeric(stats::logLik(fit)), error = function(e) NA_real_)
  aic <- tryCatch(as.numeric(stats::AIC(fit)), error = function(e) NA_real_)
  bic <- tryCatch(as.numeric(stats::BIC(fit)), error = function(e) NA_real_)
  dev <- s$devtable
  if (!is.matrix(dev)) dev <- NULL
  nw <- fit$network
  list(
    names = rownames(coefs),
    coef = as.numeric(coefs[, "Estimate"]),
    se = as.numeric(coefs[, "Std. Error"]),
    mcmc_pct = as.numeric(coefs[, "MCMC %"]),
    # the Monte Carlo standard error of each estimate (the part of the estimate's variance
    # due to MCMC estimation, as summary.ergm computes it); 0 for an exact fit
    mcmc_se = tryCatch(as.numeric(sqrt(diag(stats::vcov(fit, sources = "estimation")))),
                       error = function(e) rep(NA_real_, nrow(coefs))),
    z = as.numeric(coefs[, "z value"]),
    p = as.numeric(coefs[, "Pr(>|z|)"]),
    vcov = unname(as.matrix(stats::vcov(fit))),
    llf = ll, aic = aic, bic = bic,
    null_deviance = if (is.null(dev)) NA_real_ else as.numeric(dev[1, 1]),
    residual_deviance = if (is.null(dev)) NA_real_ else as.numeric(dev[2, 1]),
    df_null = if (is.null(dev)) NA_real_ else as.numeric(dev[1, 2]),
    df_residual = if (is.null(dev)) NA_real_ else as.numeric(dev[2, 2]),
    nobs = as.numeric(stats::nobs(fit)),
    n_nodes = as.numeric(network::network.size(nw)),
    n_edges = as.numeric(network::network.edgecount(nw)),
    n_dyads = as.numeric(network::network.dyadcount(nw)),
    estimate = as.character(fit$estimate),
    estimate_desc = as.character(s$estimate.desc),
    iterations = if (is.null(fit$iterations)) NA_real_ else as.numeric(fit$iterations),
    max_iterations = as.numeric(fit$control$MCMLE.maxit),
    failure = isTRUE(fit$failure),
    independence = isTRUE(s$independence),
    estimable = as.logical(fit$estimable),
    drop = if (is.null(fit$drop)) rep(0, nrow(coefs)) else as.numeric(fit$drop),
    offset = if (is.null(fit$offset)) rep(FALSE, nrow(coefs)) else as.logical(fit$offset),
    sample_edges = pyreslib_sample_edges(fit),
    ergm_version = as.character(utils::packageVersion("ergm")),
    r_version = R.version.string
  )
}

# Edge counts of the networks in the last MCMC sample (the sample holds statistics relative to
# the observed ones), when the model has an edges term; NULL otherwise.
pyreslib_sample_edges <- function(fit) {
  s <- fit$sample
  if (is.null(s) || !("edges" %in% colnames(s[[1]]))) return(NULL)
  as.numeric(as.matrix(s)[, "edges"]) + network::network.edgecount(fit$network)
}

pyreslib_control_names <- function() names(formals(ergm::control.ergm))

# What each control.ergm setting takes, from its default: "logical", "character", "choice"
# (one of `choices`, as match.arg takes it), "numeric", or "other" (a call or function).
pyreslib_control_spec <- function() {
  defaults <- formals(ergm::control.ergm)
  defaults <- defaults[names(defaults) != "..."]
  kind <- vapply(defaults, function(d) {
    if (is.null(d)) "null"
    else if (is.logical(d) && length(d) == 1) "logical"
    else if (is.character(d) && length(d) == 1) "character"
    else if (is.call(d) && identical(d[[1]], as.name("c")) &&
             all(vapply(as.list(d)[-1], is.character, logical(1)))) "choice"
    else if (is.numeric(d)) "numeric"
    else "other"
  }, character(1))
  choices <- lapply(names(defaults), function(n) {
    if (kind[[n]] == "choice") vapply(as.list(defaults[[n]])[-1], as.character, "") else character()
  })
  list(names = names(defaults), kind = unname(kind), choices = choices)
}

