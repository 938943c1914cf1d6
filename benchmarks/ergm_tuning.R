# One timed ERGM fit in a plain Rscript, for benchmarks/bench_ergm_tuning.py.
#
# Usage: Rscript benchmarks/ergm_tuning.R STAGES.rds JOB.rds OUT.csv
#   STAGES.rds: list(<stage label> = list(adj, names, covs, edge)) (benchmarks/_demo_stages.py)
#   JOB.rds: list(stages = <labels, fitted one after the other>, formulas = <R formula text per
#            stage>, controls = <control.ergm settings per stage>, inits = <named list of init
#            vectors per stage, or NULL>, seed, gof_nsim = <GOF sizes to time, or NULL>,
#            gof_interval = <also time GOF with this MCMC.interval, or NULL>)
# Writes key,value rows per stage ("<stage>|<key>"): wall and CPU seconds of the fit (without
# the log-likelihood), of bridge sampling and of each GOF; iterations; estimates, standard errors
# and their MCMC part (vcov(sources = "estimation"): the SEs as "mcse:<term>", the whole matrix
# as "mccov:<term>~<term>"); log-likelihood and its MC standard error.
args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 3L)
inputs <- readRDS(args[[1]])
job <- readRDS(args[[2]])
suppressMessages(library(ergm))

stage_network <- function(d) {
  nw <- network::network(d$adj, directed = FALSE, matrix.type = "adjacency")
  network::set.vertex.attribute(nw, "vertex.names", d$names)
  for (v in names(d$covs)) network::set.vertex.attribute(nw, v, d$covs[[v]])
  for (e in names(d$edge)) network::set.network.attribute(nw, e, d$edge[[e]])
  nw
}

seconds <- function(t) c(elapsed = t[["elapsed"]],
                         cpu = sum(t[c("user.self", "sys.self", "user.child", "sys.child")],
                                   na.rm = TRUE))
out <- c()
put <- function(stage, values) {
  names(values) <- paste0(stage, "|", names(values))
  out <<- c(out, values)
}

for (stage in job$stages) {
  nw <- stage_network(inputs[[stage]])
  # Trusted benchmark text (the formulas are constants of bench_ergm_tuning.py).
  f <- stats::as.formula(paste("nw ~", job$formulas[[stage]]))
  settings <- job$controls[[stage]]
  if (!is.null(job$inits[[stage]])) settings$init <- unlist(job$inits[[stage]])
  ctrl <- do.call(control.ergm, c(settings, list(seed = job$seed)))
  set.seed(job$seed)
  t_fit <- system.time(fit <- ergm(f, control = ctrl, eval.loglik = FALSE))
  t_ll <- system.time(fit <- logLik(fit, add = TRUE))
  ll <- logLik(fit)
  b <- coef(fit)
  NVL <- statnet.common::NVL
  # The whole MCMC covariance of the estimates, for the joint test of two fits' difference
  # (the estimates' Monte Carlo errors are correlated, so the per-term SEs do not suffice).
  mc_cov <- vcov(fit, sources = "estimation")
  upper <- which(upper.tri(mc_cov, diag = TRUE), arr.ind = TRUE)
  put(stage, c(fit = seconds(t_fit), loglik = seconds(t_ll),
               iterations = NVL(fit$iterations, NA), maxit = fit$control$MCMLE.maxit,
               interval = NVL(fit$control$MCMC.interval, NA),
               samplesize = NVL(fit$control$MCMC.samplesize, NA),
               llf = as.numeric(ll), llf_mcse = sqrt(NVL(attr(ll, "vcov"), 0)),
               setNames(b, paste0("coef:", names(b))),
               setNames(sqrt(diag(vcov(fit))), paste0("se:", names(b))),
               setNames(sqrt(diag(mc_cov)), paste0("mcse:", names(b))),
               setNames(mc_cov[upper], paste0("mccov:", names(b)[upper[, 1]], "~",
                                              names(b)[upper[, 2]]))))
  for (nsim in job$gof_nsim) {
    # statnet's default: the nsim draws are spread over the fit's last MCMC sample
    t_gof <- system.time(ergm::gof(fit, control = control.gof.ergm(nsim = nsim, seed = job$seed)))
    put(stage, setNames(seconds(t_gof), paste0("gof", nsim, ".", c("elapsed", "cpu"))))
    if (!is.null(job$gof_interval)) {  # a fixed interval between draws instead
      t_gof <- system.time(ergm::gof(fit, control = control.gof.ergm(
        nsim = nsim, seed = job$seed, MCMC.interval = job$gof_interval)))
      put(stage, setNames(seconds(t_gof), paste0("gof", nsim, "i.", c("elapsed", "cpu"))))
    }
  }
}
writeLines(c("key,value", sprintf("%s,%.17g", names(out), out)), args[[3]])
