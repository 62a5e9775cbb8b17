# R mmrm on its own bcva_data (1000 subjects, 10 visits): BCVA_CHG ~ BCVA_BL + RACE +
# ARMCD * AVISIT + <cov>(AVISIT | USUBJID), REML, polished optimum as in ../mmrm_fev.
# (The empirical covariance is left out: mmrm's empirical df of emmeans' 20 rows did not
# finish in 30 minutes on these 1000 subjects; ../mmrm_fev has it for every structure.)
# Writes data.csv (rows used, model matrix X as R builds it) and expected.json; see README.md.
suppressPackageStartupMessages({
  library(mmrm)
  library(emmeans)
  library(jsonlite)
})
emm_options(msg.interaction = FALSE, msg.nesting = FALSE)

d <- mmrm::bcva_data
d <- d[!is.na(d$BCVA_CHG), ]
d$ARMCD <- factor(d$ARMCD)
d$RACE <- factor(d$RACE)
d <- d[order(d$USUBJID, d$AVISIT), ]
rownames(d) <- NULL
x <- model.matrix(BCVA_CHG ~ BCVA_BL + RACE + ARMCD * AVISIT, d)
full <- function(v) sprintf("%.17g", v)
out_csv <- data.frame(
  USUBJID = as.character(d$USUBJID), AVISIT = as.character(d$AVISIT),
  ARMCD = as.character(d$ARMCD), RACE = as.character(d$RACE),
  BCVA_BL = full(d$BCVA_BL), BCVA_CHG = full(d$BCVA_CHG)
)
xcols <- as.data.frame(apply(x, 2, full))
names(xcols) <- paste0("X:", colnames(x))
write.csv(cbind(out_csv, xcols), "data.csv", row.names = FALSE, quote = TRUE)

polish <- function(fit) {
  theta <- fit$theta_est
  for (i in 1:20) {
    g <- as.numeric(fit$tmb_object$gr(theta))
    if (max(abs(g)) < 1e-10) break
    theta <- theta - solve(fit$tmb_object$he(theta), g)
  }
  theta
}
tight <- list(rel.tol = 1e-12, eval.max = 5000, iter.max = 5000)
fit_one <- function(cov, method = "Satterthwaite", vcov = NULL) {
  f <- as.formula(sprintf("BCVA_CHG ~ BCVA_BL + RACE + ARMCD * AVISIT + %s(AVISIT | USUBJID)", cov))
  first <- mmrm(f, data = d, method = method, vcov = vcov)
  start <- polish(first)
  tryCatch(
    mmrm(f, data = d, method = method, vcov = vcov, start = start,
         optimizer = "nlminb", optimizer_control = tight),
    error = function(e) mmrm(f, data = d, method = method, vcov = vcov, start = start)
  )
}

numbers <- function(fit) {
  s <- summary(fit)$coefficients
  em <- emmeans(fit, ~ ARMCD | AVISIT)
  means <- as.data.frame(summary(em))
  con <- contrast(em, "revpairwise")
  diffs <- as.data.frame(summary(con))
  list(
    estimate = unname(s[, "Estimate"]), std_error = unname(s[, "Std. Error"]),
    df = unname(s[, "df"]),
    means = list(ARMCD = as.character(means$ARMCD), AVISIT = as.character(means$AVISIT),
                 linfct = unname(em@linfct), estimate = means$emmean, std_error = means$SE,
                 df = means$df),
    trt_minus_ctl = list(AVISIT = as.character(diffs$AVISIT), linfct = unname(con@linfct),
                         estimate = diffs$estimate, std_error = diffs$SE, df = diffs$df)
  )
}
describe <- function(fit) {
  list(loglik = as.numeric(logLik(fit)), sigma = unname(VarCorr(fit)),
       max_abs_gradient = max(abs(fit$tmb_object$gr(fit$theta_est))))
}

plan <- list(
  ar1 = c("satterthwaite", "kenward_roger", "kenward_roger_linear"),
  us = c("satterthwaite")
)
methods <- list(
  satterthwaite = list(method = "Satterthwaite", vcov = NULL),
  kenward_roger = list(method = "Kenward-Roger", vcov = "Kenward-Roger"),
  kenward_roger_linear = list(method = "Kenward-Roger", vcov = "Kenward-Roger-Linear"),
  empirical = list(method = "Satterthwaite", vcov = "Empirical")
)
fits <- list()
write_out <- function() {
  write_json(
    list(formula = "BCVA_CHG ~ BCVA_BL + RACE + ARMCD * AVISIT + <cov>(AVISIT | USUBJID)",
         x_columns = colnames(x), fits = fits, versions = versions),
    "expected.json", digits = NA, auto_unbox = TRUE, pretty = FALSE
  )
}
versions <- list(R = R.version.string)
for (p in c("mmrm", "TMB", "emmeans", "jsonlite")) versions[[p]] <- as.character(packageVersion(p))
for (cov in names(plan)) {
  entry <- list()
  for (m in plan[[cov]]) {
    started <- Sys.time()
    fit <- fit_one(cov, methods[[m]]$method, methods[[m]]$vcov)
    message(cov, " ", m, ": fitted in ", format(Sys.time() - started))
    if (m == "satterthwaite") entry$fit <- describe(fit)
    entry[[m]] <- numbers(fit)
    message(cov, " ", m, ": done after ", format(Sys.time() - started))
  }
  fits[[paste0(cov, "_reml")]] <- entry
  write_out()  # after each structure, so that a long run leaves the finished ones
}
