# pyreslib's R side for pooled models of several networks (ergm.multi). Plain functions over
# matrices, data frames and lists that return plain lists (see r/bridge.R for the conventions).
#
# A pooled model joins the stage networks with ergm.multi::Networks() (one block-diagonal
# network; ties between stages are structurally impossible) and fits
#   Networks(...) ~ N(~ <terms>, lm = ~ <network-level predictors>)
# where each term's coefficient in stage s is x_s' beta_term, x_s the row of the lm design
# matrix built from the networks' attributes (Krivitsky, Coletti & Hens 2023, JASA,
# doi:10.1080/01621459.2023.2242627). With lm = ~ stage (treatment contrasts, first stage as
# baseline) the coefficients "N(stage<label>)~<term>" are the stage-interaction effects.

# stages: list named by stage label (in stage order) of
#   list(adj, directed, vertex_names, node_covariates, edge_covariates);
# network_covariates: named list of numeric vectors, one value per stage.
# Each network carries its own edge covariates as network attributes (edgecov() inside N()
# reads them from its own network) and `stage`, a factor whose levels keep the stage order,
# so the first stage is the baseline of lm = ~ stage.
pyreslib_multi_network <- function(stages, network_covariates) {
  labels <- names(stages)
  networks <- lapply(seq_along(stages), function(i) {
    s <- stages[[i]]
    nw <- pyreslib_network(s$adj, s$directed, s$vertex_names, s$node_covariates,
                           s$edge_covariates)
    network::set.network.attribute(nw, "stage", factor(labels[[i]], levels = labels))
    for (name in names(network_covariates)) {
      network::set.network.attribute(nw, name, network_covariates[[name]][[i]])
    }
    nw
  })
  names(networks) <- labels
  ergm.multi::Networks(networks)
}

# lm: character vector of validated names ("1", "0", "stage" or a network covariate),
# joined by "+" into a one-sided formula through as.name(), never through parse().
pyreslib_multi_lm <- function(lm) {
  parts <- lapply(lm, function(x) if (x %in% c("0", "1")) as.numeric(x) else as.name(x))
  rhs <- Reduce(function(a, b) call("+", a, b), parts)
  stats::as.formula(call("~", rhs), env = asNamespace("ergm.multi"))
}

# The design matrix of the lm formula, one row per stage, with ergm.multi's column naming
# ("(Intercept)" is called "1"): what N() builds from the same network attributes.
pyreslib_multi_design <- function(labels, lm, network_covariates) {
  data <- data.frame(stage = factor(labels, levels = labels))
  for (name in names(network_covariates)) data[[name]] <- as.numeric(network_covariates[[name]])
  xm <- stats::model.matrix(pyreslib_multi_lm(lm), data)
  columns <- colnames(xm)
  columns[columns == "(Intercept)"] <- "1"
  list(matrix = unname(xm), columns = columns)
}

# The formula Networks ~ N(~ <terms>, lm = ~ <lm>), built from validated terms.
pyreslib_multi_formula <- function(terms, lm, nw) {
  inner <- pyreslib_formula(terms, nw)[[3]]  # the right-hand side of nw ~ <terms>
  operator <- as.call(list(as.name("N"), call("~", inner), lm = pyreslib_multi_lm(lm)))
  env <- new.env(parent = asNamespace("ergm.multi"))
  assign("nw", nw, envir = env)
  stats::as.formula(call("~", as.name("nw"), operator), env = env)
}

pyreslib_multi_fit <- function(stages, terms, lm, network_covariates, estimate, seed, control,
                               eval_loglik = TRUE) {
  loadNamespace("ergm.multi")  # registers the N() operator and the Networks() constraint
  nw <- pyreslib_multi_network(stages, network_covariates)
  f <- pyreslib_multi_formula(terms, lm, nw)
  ctrl <- pyreslib_control(control, seed)
  set.seed(seed)
  fit <- ergm::ergm(f, estimate = estimate, control = ctrl, eval.loglik = eval_loglik)
  list(fit = fit, info = pyreslib_fit_info(fit),
       design = pyreslib_multi_design(names(stages), lm, network_covariates))
}
