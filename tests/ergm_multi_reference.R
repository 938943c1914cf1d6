# The reference for tests/test_ergm_multi.py: a pooled multi-stage ERGM fitted by plain R calls
# to statnet's ergm.multi, in its own Rscript process, without any of pyreslib's R code.
#
# Usage: Rscript tests/ergm_multi_reference.R INPUTS.rds MODEL SEED OUTPUT.csv
#   INPUTS.rds: list(<stage label> = list(adj, names, covs, edge)) in stage order
#   MODEL: "study" (the demo's study model) or "gwesp" (a small dyad-dependent model, fitted
#   with ergm's Hummel termination and a fixed MCMC sample size to keep the test short)
# Writes name,value rows (17 significant digits): coefficients, standard errors, loglik, AIC,
# BIC and, per effect, the Wald chi-square that its stage-interaction coefficients are all 0.
args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 4L)
inputs <- readRDS(args[[1]])
model <- args[[2]]
seed <- as.integer(args[[3]])
suppressMessages(library(ergm.multi))

labels <- names(inputs)
networks <- lapply(labels, function(label) {
  s <- inputs[[label]]
  nw <- network(s$adj, directed = FALSE, matrix.type = "adjacency")
  set.vertex.attribute(nw, "vertex.names", s$names)
  for (v in names(s$covs)) set.vertex.attribute(nw, v, s$covs[[v]])
  for (e in names(s$edge)) set.network.attribute(nw, e, s$edge[[e]])
  set.network.attribute(nw, "stage", factor(label, levels = labels))
  nw
})
stages <- Networks(networks)

set.seed(seed)
fit <- if (model == "study") {
  ergm(stages ~ N(~ edges + nodecov("economic") + nodecov("education") + nodecov("science")
                  + edgecov("proximity") + edgecov("adjacency"), lm = ~ stage),
       control = control.ergm(seed = seed, MPLE.check = FALSE))
} else {
  ergm(stages ~ N(~ edges + nodecov("x") + edgecov("d") + gwesp(0.5, fixed = TRUE),
                  lm = ~ stage),
       control = control.ergm(seed = seed, MCMLE.termination = "Hummel",
                              MCMLE.effectiveSize = NULL))
}

b <- coef(fit)
V <- vcov(fit)
out <- c(setNames(b, paste0("coef:", names(b))),
         setNames(sqrt(diag(V)), paste0("se:", names(b))),
         loglik = as.numeric(logLik(fit)), aic = AIC(fit), bic = BIC(fit))
for (name in grep("^N\\(1\\)~", names(b), value = TRUE)) {
  effect <- sub("^N\\(1\\)~", "", name)
  tested <- paste0("N(stage", labels[-1], ")~", effect)
  w <- as.numeric(t(b[tested]) %*% solve(V[tested, tested], b[tested]))
  out[[paste0("wald:", effect)]] <- w
  out[[paste0("wald_p:", effect)]] <- pchisq(w, df = length(tested), lower.tail = FALSE)
}
writeLines(c("name,value", sprintf("%s,%.17g", names(out), out)), args[[4]])
