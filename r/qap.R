# QAP correlation and MRQAP through sna (qaptest/gcor, netlm/netlogit), for pyreslib.qap.
# Plain functions over matrices that return plain lists (the conventions of every file in
# r/); every choice arrives as a literal that pyreslib.qap checked first.
#
# sna is only ever called as sna::f, so its namespace loads on the first QAP call and never at
# R's start-up. It is never attached: library(sna) would attach network and statnet.common
# with it and put sna's degree, betweenness, components, closeness, ... on the search path
# over igraph's (btergm's dependency) for the rest of the session.
#
# Each function seeds R's generator itself, as a plain script does with set.seed(seed) before
# the call, so a result repeats exactly and equals that script's.

# QAP test of the graph correlation: qaptest permutes both matrices' rows and columns
# (rmperm) `reps` times and recomputes gcor. sna reports the two tails; the two-sided
# p-value is the share of |permuted| >= |observed|, as netlm's Pr(>=|b|).
pyreslib_qap_cor <- function(x, y, mode, reps, seed) {
  set.seed(seed)
  test <- sna::qaptest(list(x, y), sna::gcor, g1 = 1, g2 = 2, mode = mode, reps = reps)
  list(cor = test$testval,
       pgreq = test$pgreq,
       pleeq = test$pleeq,
       pgreqabs = mean(abs(test$dist) >= abs(test$testval)),
       dist = as.numeric(test$dist),
       nobs = sum(!is.na(sna::gvectorize(x, mode = mode, diag = FALSE))),
       sna_version = as.character(utils::packageVersion("sna")))
}

# netlm (kind "lm") or netlogit (kind "logit") of y on the list of dyadic regressors x, under
# the null hypothesis `nullhyp`; test_statistic is sna's ("t-value"/"z-value" or "beta").
pyreslib_mrqap <- function(y, x, kind, nullhyp, mode, intercept, test_statistic, reps, seed) {
  set.seed(seed)
  x <- unname(x)
  fit <- if (kind == "lm") {
    sna::netlm(y, x, intercept = intercept, mode = mode, diag = FALSE, nullhyp = nullhyp,
               test.statistic = test_statistic, reps = reps)
  } else {
    sna::netlogit(y, x, intercept = intercept, mode = mode, diag = FALSE, nullhyp = nullhyp,
                  test.statistic = test_statistic, reps = reps)
  }
  out <- list(coef = as.numeric(fit$coefficients),
              tstat = as.numeric(fit$tstat),
              pleeq = as.numeric(fit$pleeq),
              pgreq = as.numeric(fit$pgreq),
              pgreqabs = as.numeric(fit$pgreqabs),
              dist = if (is.null(fit$dist)) NULL else unname(as.matrix(fit$dist)),
              nullhyp = as.character(fit$nullhyp),
              n = as.numeric(fit$n),
              df_residual = as.numeric(fit$df.residual),
              sna_version = as.character(utils::packageVersion("sna")),
              r_version = R.version.string)
  if (kind == "lm") {
    # The standard errors behind netlm's t-values (it keeps the t-values only), and the fit
    # statistics summary.netlm prints, computed the way print.summary.netlm does.
    rss <- sum(fit$residuals^2)
    fitted <- fit$fitted.values
    mss <- if (intercept) sum((fitted - mean(fitted))^2) else sum(fitted^2)
    rdf <- NROW(fit$qr$qr) - fit$rank
    resvar <- rss / rdf
    numdf <- fit$rank - intercept
    fvalue <- (mss / numdf) / resvar
    r2 <- mss / (mss + rss)
    out <- c(out, list(
      se = sqrt(diag(chol2inv(fit$qr$qr)) * rss / fit$df.residual),
      rank = as.numeric(fit$rank),
      r_squared = r2,
      adj_r_squared = 1 - (1 - r2) * ((NROW(fit$qr$qr) - intercept) / rdf),
      sigma = sqrt(resvar),
      fvalue = fvalue, f_numdf = numdf, f_dendf = rdf,
      f_pvalue = 1 - stats::pf(fvalue, numdf, rdf)))
  } else {
    out <- c(out, list(
      se = as.numeric(fit$se),
      rank = as.numeric(fit$df.model),
      deviance = fit$deviance, null_deviance = fit$null.deviance,
      df_null = as.numeric(fit$df.null), aic = fit$aic, bic = fit$bic,
      ctable = unname(matrix(as.numeric(fit$ctable), 2L, 2L))))
  }
  out
}
