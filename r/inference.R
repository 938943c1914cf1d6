# pyreslib's R side for what comes after a fit: likelihood-ratio tables, prediction,
# simulation from a fit, saving and loading. Plain functions over fits, matrices and lists
# that return plain lists (see r/pyreslib.R for the conventions). Nothing here parses text:
# every choice arrives as a name or literal that pyreslib.ergm checked first.

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

# saveRDS of the fit object (format version 3, gzip): ergm's own object, readable by R alone.
pyreslib_save_fit <- function(fit, path) {
  saveRDS(fit, file = path, version = 3L, compress = TRUE)
  list(bytes = file.size(path))
}

# readRDS of a file pyreslib wrote; anything but an ergm fit is refused. Note that readRDS
# itself restores whatever objects the file holds (README, "Trust model").
pyreslib_load_fit <- function(path) {
  fit <- readRDS(path)
  if (!inherits(fit, "ergm")) {
    stop("the R object in the file is a ", paste(class(fit), collapse = "/"),
         ", not an ergm fit")
  }
  list(fit = fit, info = pyreslib_fit_info(fit))
}

# A network from the datasets an R package ships (ergm's florentine, faux.mesa.high, ...):
# `dataset` and `object` are names checked in Python; data() loads into a private environment.
pyreslib_package_network <- function(dataset, object, package) {
  env <- new.env()
  utils::data(list = dataset, package = package, envir = env)
  if (!exists(object, envir = env, inherits = FALSE)) {
    stop("dataset '", dataset, "' of package ", package, " has no object '", object, "'")
  }
  nw <- get(object, envir = env, inherits = FALSE)
  if (!network::is.network(nw)) stop("'", object, "' is not a network object")
  attrs <- setdiff(network::list.vertex.attributes(nw), c("na", "vertex.names"))
  list(adjacency = network::as.matrix.network(nw, matrix.type = "adjacency"),
       names = as.character(network::network.vertex.names(nw)),
       directed = network::is.directed(nw),
       attributes = stats::setNames(lapply(attrs, function(a) {
         network::get.vertex.attribute(nw, a)
       }), attrs))
}
