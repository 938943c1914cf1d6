# TERGMs by bootstrapped pseudolikelihood and MCMC-MLE through btergm, for
# pyreslib.temporal.btergm (see r/bridge.R for the conventions).
#
# These functions run on an R worker of their own (pyreslib/temporal/worker.py), never in the
# embedded session that fits ERGMs: loading btergm registers its print.gof/plot.gof over
# ergm's and an S4 gof generic. btergm is only ever called as btergm::f, never attached.
#
# btergm reads its formula as text (tergmprepare deparses it and searches it for edgecov,
# memory, timecov and delrecip), so the formula is built here from validated terms exactly as
# a user would write it: networks ~ edges + edgecov(proximity) + memory(type = "stability"),
# with `networks` and every edge covariate (a list of matrices, one per stage) in the
# formula's environment. A timecov transform arrives as the name of a function from a fixed
# table and becomes that function's expression, never parsed from text.

PYRESLIB_TIMECOV_TRANSFORMS <- list(
  identity = quote(t), square = quote(t^2), cube = quote(t^3), sqrt = quote(sqrt(t)),
  log = quote(log(t)), inverse = quote(1 / t), exp = quote(exp(t)))

# The stage networks: adjacency matrices, each labelled by its own cities (`labels`), with
# the stage's node covariates as vertex attributes.
pyreslib_btergm_networks <- function(ties, labels, vertex_attributes, directed) {
  lapply(seq_along(ties), function(t) {
    m <- ties[[t]]
    dimnames(m) <- list(labels[[t]], labels[[t]])
    nw <- network::network(m, directed = directed, matrix.type = "adjacency")
    network::set.vertex.attribute(nw, "vertex.names", labels[[t]])
    for (name in names(vertex_attributes[[t]])) {
      network::set.vertex.attribute(nw, name, as.numeric(vertex_attributes[[t]][[name]]))
    }
    nw
  })
}

# Edge covariates: name -> list of matrices (one per stage), each labelled by `labels`.
pyreslib_btergm_edge_covariates <- function(edge_covariates, edge_labels) {
  out <- list()
  for (name in names(edge_covariates)) {
    out[[name]] <- lapply(seq_along(edge_covariates[[name]]), function(t) {
      m <- edge_covariates[[name]][[t]]
      dimnames(m) <- list(edge_labels[[name]][[t]], edge_labels[[name]][[t]])
      m
    })
  }
  out
}

# The right-hand side: edgecov(x) and timecov(x = ) name objects of the formula's
# environment (symbols), a timecov transform becomes function(t) <expression>.
pyreslib_btergm_rhs <- function(terms) {
  terms <- lapply(terms, function(term) {
    if (term$name %in% c("edgecov", "dyadcov")) {
      term$args <- list(as.name(term$args[[1]]))
    } else if (term$name == "timecov") {
      args <- term$args
      if (!is.null(args$x)) args$x <- as.name(args$x)
      if (!is.null(args$transform)) {
        args$transform <- call("function", as.pairlist(alist(t = )),
                               PYRESLIB_TIMECOV_TRANSFORMS[[args$transform]])
      }
      term$args <- args
    }
    term
  })
  pyreslib_rhs(terms)
}

# The formula networks ~ <terms>, its environment holding the networks and the covariates as
# a user's global environment would. btergm's tergmprepare looks up a timecov covariate with
# get() from its own frame, which reaches the global environment only: those are assigned
# there too (this worker's global environment), as in the user's script.
pyreslib_btergm_formula <- function(networks, edge_covariates, terms) {
  env <- new.env(parent = globalenv())
  assign("networks", networks, envir = env)
  for (name in names(edge_covariates)) assign(name, edge_covariates[[name]], envir = env)
  pyreslib_btergm_globals(env)
  stats::as.formula(call("~", as.name("networks"), pyreslib_btergm_rhs(terms)), env = env)
}

pyreslib_btergm_globals <- function(env) {
  for (name in setdiff(ls(env), "networks")) assign(name, get(name, envir = env), envir = globalenv())
}

# btergm warns on every fit that speedglm (a suggested package, not installed with pyreslib)
# is absent and that it uses stats::glm.fit instead; that is the documented fallback, so this
# one message is not passed on. Every other warning is.
pyreslib_btergm_quiet <- function(expr) {
  withCallingHandlers(expr, warning = function(w) {
    if (grepl("'speedglm' package was not found", conditionMessage(w), fixed = TRUE)) {
      invokeRestart("muffleWarning")
    }
  })
}

# Fit. estimate "MPLE": btergm(formula, R, offset) with R bootstrap replicates of the time
# steps; boot draws every resample in this process before the estimates are computed, so with
# workers > 1 the replicates are those of workers = 1. The workers are forked processes
# (btergm's parallel = "multicore", boot's mclapply): btergm 1.11.1's "snow" path fails
# without the suggested speedglm package (it sends boot an object, xsparse, that only its
# speedglm branch defines: "object 'xsparse' not found"). estimate "MCMLE": mtergm, the
# MCMC-MLE of the block-diagonal pooled network (control.ergm(seed = )).
pyreslib_btergm <- function(ties, labels, vertex_attributes, edge_covariates, edge_labels,
                            terms, directed, estimate, R, offset, workers, level, seed) {
  pyreslib_need("btergm")
  networks <- pyreslib_btergm_networks(ties, labels, vertex_attributes, directed)
  f <- pyreslib_btergm_formula(
    networks, pyreslib_btergm_edge_covariates(edge_covariates, edge_labels), terms)
  set.seed(seed)
  if (estimate == "MCMLE") {
    fit <- pyreslib_btergm_quiet(btergm::mtergm(
      f, verbose = FALSE, control = ergm::control.ergm(seed = seed)))
    return(pyreslib_mtergm_read(fit))
  }
  fit <- pyreslib_btergm_quiet(btergm::btergm(
    f, R = R, offset = offset, parallel = if (workers > 1L) "multicore" else "no",
    ncpus = as.integer(workers), verbose = FALSE))
  pyreslib_btergm_read(fit, level)
}

# The fit as the later calls (GOF, interpret, intervals at another level) need it, serialized.
# btergm's boot object keeps the bootstrap's statistic, a closure over btergm's whole working
# frame (the design matrix, the prepared networks, a formula holding that frame again: 30 MB
# for the demo's stages); percentile intervals read only the replicates, so the closure is
# detached from that frame before the fit is serialized.
pyreslib_btergm_serialized <- function(fit) {
  if (methods::is(fit, "btergm")) environment(fit@boot$statistic) <- baseenv()
  serialize(fit, NULL)
}

pyreslib_btergm_common <- function(fit) {
  list(names = names(fit@coef),
       nobs = as.numeric(fit@nobs),
       time_steps = as.numeric(fit@time.steps),
       auto_adjust = fit@auto.adjust,
       offset = fit@offset,
       fit = pyreslib_btergm_serialized(fit),
       btergm_version = as.character(utils::packageVersion("btergm")),
       ergm_version = as.character(utils::packageVersion("ergm")),
       r_version = R.version.string)
}

# btergm's estimates, its percentile intervals (confint, type "perc": boot::boot.ci over the
# replicates) and the replicates themselves.
pyreslib_btergm_read <- function(fit, level) {
  ci <- pyreslib_btergm_ci(fit, level)
  c(pyreslib_btergm_common(fit),
    list(coef = as.numeric(fit@coef),
         replicates = unname(as.matrix(fit@boot$t)),
         ci_lower = as.numeric(ci[, 3]), ci_upper = as.numeric(ci[, 4]),
         boot_mean = as.numeric(ci[, 2]),
         R = as.numeric(fit@R)))
}

# A resample whose design is collinear (e.g. a timecov term when every resampled stage is the
# same one) has NA estimates. btergm's confint means to leave those replicates out ("...
# replications are dropped from CI estimation"), but drops the rows without lowering the
# boot object's R, and boot.ci then stops ("'t' must of length R"). The replicates are left
# out here with R lowered to match, which is what btergm states it does; a warning says how
# many. Without NA replicates this is btergm's confint itself.
pyreslib_btergm_ci <- function(fit, level) {
  ok <- stats::complete.cases(fit@boot$t)
  if (!any(ok)) stop("every bootstrap replicate has NA estimates: the model is not ",
                     "identified on resamples of the stages (too few stages for its terms)",
                     call. = FALSE)
  if (!all(ok)) {
    warning(sum(!ok), " of ", length(ok), " bootstrap replicates have NA estimates (a ",
            "resample of the stages on which the terms are collinear) and are left out of ",
            "the percentile intervals and the bootstrap mean", call. = FALSE)
    fit@boot$t <- fit@boot$t[ok, , drop = FALSE]
    fit@boot$R <- sum(ok)
  }
  btergm::confint(fit, level = level, type = "perc")
}

pyreslib_mtergm_read <- function(fit) {
  e <- fit@ergm
  c(pyreslib_btergm_common(fit),
    list(coef = as.numeric(fit@coef), se = as.numeric(fit@se), pvalues = as.numeric(fit@pval),
         llf = as.numeric(fit@loglik), aic = as.numeric(fit@aic), bic = as.numeric(fit@bic),
         mle_estimate = as.character(fit@estimate),
         mcmc = !is.null(e$sample)))
}

# Percentile intervals at another level from a fit's replicates, as confint does.
pyreslib_btergm_confint <- function(fit, level) {
  pyreslib_need("btergm")
  ci <- pyreslib_btergm_ci(unserialize(fit), level)
  list(lower = as.numeric(ci[, 3]), upper = as.numeric(ci[, 4]))
}

# Goodness of fit: btergm::gof with `statistics` (names of btergm's statistic functions from
# a fixed list checked in Python), nsim networks simulated per time step from the fit.
pyreslib_btergm_gof <- function(fit, statistics, nsim, mcmc_interval, mcmc_burnin, seed) {
  pyreslib_need("btergm")
  fit <- unserialize(fit)
  pyreslib_btergm_globals(environment(fit@formula))
  functions <- lapply(statistics, function(s) getExportedValue("btergm", s))
  set.seed(seed)
  g <- pyreslib_btergm_quiet(btergm::gof(
    fit, nsim = nsim, statistics = functions, MCMC.interval = mcmc_interval,
    MCMC.burnin = mcmc_burnin, verbose = FALSE))
  out <- list()
  for (k in seq_along(g)) {
    x <- g[[k]]
    part <- list(label = names(g)[k], type = class(x)[1])
    if (inherits(x, c("rocpr", "roc", "pr"))) {
      curve <- function(p) list(x = as.numeric(p@x.values[[1]]), y = as.numeric(p@y.values[[1]]),
                                cutoff = as.numeric(p@alpha.values[[1]]))
      part <- c(part, list(auc_roc = x$auc.roc, auc_roc_rgraph = x$auc.roc.rgraph,
                           auc_pr = x$auc.pr, auc_pr_rgraph = x$auc.pr.rgraph))
      if (!is.null(x$roc)) part$roc <- curve(x$roc)
      if (!is.null(x$roc.rgraph)) part$roc_rgraph <- curve(x$roc.rgraph)
      if (!is.null(x$pr)) part$pr <- curve(x$pr)
      if (!is.null(x$pr.rgraph)) part$pr_rgraph <- curve(x$pr.rgraph)
    } else if (inherits(x, "boxplot")) {
      part <- c(part, list(rows = rownames(x$stats), columns = colnames(x$stats),
                           table = unname(as.matrix(x$stats)),
                           simulated = unname(as.matrix(x$raw))))
    } else {
      part <- c(part, list(observed = as.numeric(x$obs), simulated = as.numeric(x$sim)))
    }
    out[[k]] <- part
  }
  out
}

# The cities of each modelled time step as btergm's interpret sees them (tergmprepare with
# offset = FALSE: absent cities removed).
pyreslib_btergm_step_labels <- function(fit) {
  l <- btergm::tergmprepare(formula = btergm::getformula(fit), offset = FALSE,
                            blockdiag = FALSE, verbose = FALSE)
  lapply(l$networks, function(nw) rownames(as.matrix(nw)))
}

# Tie probabilities P(y_ij = 1 | rest) of given dyads at given time steps (btergm::interpret,
# type "tie"); i, j are city labels, t the time steps (1 = the first modelled stage).
pyreslib_btergm_interpret <- function(fit, i, j, t) {
  pyreslib_need("btergm")
  fit <- unserialize(fit)
  pyreslib_btergm_globals(environment(fit@formula))
  steps <- pyreslib_btergm_step_labels(fit)
  out <- numeric(length(i))
  for (k in seq_along(i)) {
    here <- steps[[t[k]]]
    a <- match(i[k], here)
    b <- match(j[k], here)
    if (is.na(a) || is.na(b)) {
      stop("city ", if (is.na(a)) i[k] else j[k], " is not in the model at time step ",
           t[k], " (it is absent from that stage, or removed by the node-set rule)")
    }
    out[k] <- btergm::interpret(fit, type = "tie", i = a, j = b, t = t[k])[[1]]
  }
  out
}

# Every dyad's tie probability with its change statistics (btergm::edgeprob), as columns.
pyreslib_btergm_edgeprob <- function(fit) {
  pyreslib_need("btergm")
  fit <- unserialize(fit)
  pyreslib_btergm_globals(environment(fit@formula))
  e <- btergm::edgeprob(fit)
  list(i = as.character(e$i.name), j = as.character(e$j.name), t = as.numeric(e$t),
       tie = as.numeric(e$tie), probability = as.numeric(e$probability))
}
