# The fit (pyreslib.ergm.model and pyreslib.ergm.control): the network object, formulas
# rebuilt from validated terms, control.ergm from literals, ergm() itself and what is read
# back from the fit (see r/bridge.R for the conventions).

# terms: list of list(name = "gwesp", args = list(0.25, fixed = TRUE), offset = FALSE);
# validated in Python. Arguments are literal values (a dyad list arrives as an integer matrix);
# they are embedded in the call as values, never parsed.
#
# The terms are joined by '+' as R's parser joins them (a left-deep chain) in runs of up to 64;
# longer formulas join those runs pairwise, so the call nests about 64 + log2(n / 64) deep
# instead of n deep. statnet.common's list_rhs.formula, which ergm uses to read a formula,
# recurses once per level of '+': a chain of some 400 terms overflows R's C stack, and the
# embedded R (rpy2 switches R's stack check off) dies with SIGSEGV instead of an error. ergm
# reads the runs in the same order (list_rhs.formula concatenates left, then right), so the
# model, its coefficient names and its fit are the same; formulas of up to 64 terms are the
# very call R would build from the text.
pyreslib_rhs <- function(terms) {
  ones <- lapply(terms, function(term) {
    args <- if (is.null(term$args)) list() else term$args
    one <- as.call(c(list(as.name(term$name)), args))
    if (isTRUE(term$offset)) call("offset", one) else one
  })
  join <- function(first, last) {
    if (last - first < 64L) {
      rhs <- ones[[first]]
      for (k in seq_len(last - first)) rhs <- call("+", rhs, ones[[first + k]])
      return(rhs)
    }
    middle <- (first + last) %/% 2L
    call("+", join(first, middle), join(middle + 1L, last))
  }
  join(1L, length(ones))
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
  # A missing dyad arrives as NaN (numpy's); statnet codes it NA, which network() stores as an
  # edge with na = TRUE, and ergm then fits the observed dyads.
  adj[is.nan(adj)] <- NA
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
# only then does a parallel fit equal statnet's for the same seed. Local workers are a count
# (statnet's own call); workers on other hosts are the cluster specification of r/cluster.R,
# which ergm starts and seeds in the same way, so a fit on two hosts equals the fit on two
# local workers. The hosts are checked first (pyreslib_check_hosts: ssh, an R worker that
# connects back, ergm there), each within `worker_timeout` seconds, since parallel would
# otherwise wait 30 days for a worker that never connects. ergm's retries are off: it would
# restart a cluster that lost a worker and go on with new random streams (a fit that no
# longer repeats with its seed); a lost worker is an error, and the cluster is stopped.
pyreslib_parallel <- function(workers, worker_timeout, ssh_config) {
  if (all(workers == "localhost")) return(length(workers))
  spec <- pyreslib_hosts(workers, ssh_config, worker_timeout)
  pyreslib_check_hosts(spec, worker_timeout)
  spec
}

# constraints: NULL or a term list (validated in Python); offset_coef: NULL or numbers;
# workers: NULL or host names ("localhost" for local workers); ssh_config: NULL or the path of
# an OpenSSH client configuration file for the hosts; verbose: ergm's verbose level.
pyreslib_fit <- function(nw, terms, estimate, seed, control, response = NULL,
                         reference = NULL, eval_loglik = TRUE, constraints = NULL,
                         offset_coef = NULL, workers = NULL, worker_timeout = 60,
                         ssh_config = NULL, verbose = 0L) {
  f <- pyreslib_formula(terms, nw)
  cons <- if (is.null(constraints)) ~. else pyreslib_one_sided(constraints)
  if (!is.null(workers)) {
    control$parallel <- pyreslib_parallel(workers, worker_timeout, ssh_config)
    control$parallel.type <- "PSOCK"
    old <- options(ergm.cluster.retries = 0L)
    on.exit({
      options(old)
      pyreslib_ergm_cluster_reset()
    }, add = TRUE)
  }
  # ergm.count registers the Poisson/Geometric references and the count terms on load.
  if (!is.null(response)) pyreslib_need("ergm.count")
  ctrl <- pyreslib_control(control, seed)
  set.seed(seed)
  fit <- tryCatch({
    if (is.null(response)) {
      ergm::ergm(f, estimate = estimate, control = ctrl, eval.loglik = eval_loglik,
                 constraints = cons, offset.coef = offset_coef, verbose = verbose)
    } else {
      ergm::ergm(f, estimate = estimate, control = ctrl, eval.loglik = eval_loglik,
                 constraints = cons, offset.coef = offset_coef, verbose = verbose,
                 response = response, reference = pyreslib_reference(reference))
    }
  }, error = function(e) {
    if (inherits(control$parallel, "pyreslib_hosts") &&
        pyreslib_lost_worker(conditionMessage(e))) {
      pyreslib_ergm_cluster_reset()
      down <- pyreslib_unreachable_hosts(control$parallel)
      stop("pyreslib_worker_lost: an R worker stopped answering during the fit (R: ",
           trimws(conditionMessage(e)), ")",
           if (length(down)) paste0("; host(s) no longer accepting ssh: ",
                                    paste(down, collapse = ", ")), call. = FALSE)
    }
    stop(e)
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

