# R mmrm on fev_data with one covariance per arm (<cov>(AVISIT | ARMCD / USUBJID)) and with
# observation weights (weights = WEIGHT), REML and ML, polished as in reference.R (which
# writes data.csv). Writes expected_groups.json; see README.md.
suppressPackageStartupMessages({
  library(mmrm)
  library(emmeans)
  library(jsonlite)
})
emm_options(msg.interaction = FALSE, msg.nesting = FALSE)
d <- mmrm::fev_data
d <- d[!is.na(d$FEV1), ]
d <- d[order(d$USUBJID, d$AVISIT), ]
rownames(d) <- NULL

polish <- function(fit) {
  theta <- fit$theta_est
  for (i in 1:20) {
    g <- as.numeric(fit$tmb_object$gr(theta))
    if (max(abs(g)) < 1e-11) break
    theta <- theta - solve(fit$tmb_object$he(theta), g)
  }
  theta
}
tight <- list(rel.tol = 1e-12, eval.max = 5000, iter.max = 5000)
fit_one <- function(term, reml = TRUE, weighted = FALSE, method = "Satterthwaite", vcov = NULL) {
  f <- as.formula(paste("FEV1 ~ RACE + SEX + ARMCD * AVISIT +", term))
  w <- if (weighted) d$WEIGHT else NULL
  first <- mmrm(f, data = d, weights = w, reml = reml, method = method, vcov = vcov)
  start <- polish(first)
  tryCatch(
    mmrm(f, data = d, weights = w, reml = reml, method = method, vcov = vcov, start = start,
         optimizer = "nlminb", optimizer_control = tight),
    error = function(e) mmrm(f, data = d, weights = w, reml = reml, method = method,
                             vcov = vcov, start = start)
  )
}
numbers <- function(fit) {
  s <- summary(fit)$coefficients
  em <- emmeans(fit, ~ ARMCD | AVISIT)
  means <- as.data.frame(summary(em))
  list(
    estimate = unname(s[, "Estimate"]), std_error = unname(s[, "Std. Error"]),
    df = unname(s[, "df"]),
    means = list(ARMCD = as.character(means$ARMCD), AVISIT = as.character(means$AVISIT),
                 estimate = means$emmean, std_error = means$SE, df = means$df)
  )
}
describe <- function(fit) {
  vc <- VarCorr(fit)
  sigma <- if (is.list(vc)) lapply(vc, unname) else unname(vc)
  list(loglik = as.numeric(logLik(fit)), sigma = sigma,
       max_abs_gradient = max(abs(fit$tmb_object$gr(fit$theta_est))))
}
cases <- list(
  us_group_reml = list(term = "us(AVISIT | ARMCD / USUBJID)", reml = TRUE, weighted = FALSE,
                       methods = c("satterthwaite", "kenward_roger_linear", "empirical")),
  us_group_ml = list(term = "us(AVISIT | ARMCD / USUBJID)", reml = FALSE, weighted = FALSE,
                     methods = "satterthwaite"),
  ar1h_group_reml = list(term = "ar1h(AVISIT | ARMCD / USUBJID)", reml = TRUE, weighted = FALSE,
                         methods = c("satterthwaite", "kenward_roger", "kenward_roger_linear")),
  us_weighted_reml = list(term = "us(AVISIT | USUBJID)", reml = TRUE, weighted = TRUE,
                          methods = c("satterthwaite", "kenward_roger_linear", "empirical")),
  us_weighted_ml = list(term = "us(AVISIT | USUBJID)", reml = FALSE, weighted = TRUE,
                        methods = "satterthwaite"),
  ar1_weighted_reml = list(term = "ar1(AVISIT | USUBJID)", reml = TRUE, weighted = TRUE,
                           methods = c("satterthwaite", "kenward_roger"))
)
methods <- list(
  satterthwaite = list(method = "Satterthwaite", vcov = NULL),
  kenward_roger = list(method = "Kenward-Roger", vcov = "Kenward-Roger"),
  kenward_roger_linear = list(method = "Kenward-Roger", vcov = "Kenward-Roger-Linear"),
  empirical = list(method = "Satterthwaite", vcov = "Empirical")
)
fits <- list()
for (name in names(cases)) {
  cs <- cases[[name]]
  entry <- list(term = cs$term, reml = cs$reml, weighted = cs$weighted)
  for (m in cs$methods) {
    fit <- fit_one(cs$term, cs$reml, cs$weighted, methods[[m]]$method, methods[[m]]$vcov)
    if (m == "satterthwaite") entry$fit <- describe(fit)
    entry[[m]] <- numbers(fit)
  }
  fits[[name]] <- entry
}
versions <- list(R = R.version.string)
for (p in c("mmrm", "TMB", "emmeans", "jsonlite")) versions[[p]] <- as.character(packageVersion(p))
write_json(list(fits = fits, versions = versions), "expected_groups.json",
           digits = NA, auto_unbox = TRUE, pretty = FALSE)
