# R mmrm on its own fev_data: FEV1 ~ RACE + SEX + ARMCD * AVISIT + <cov>(AVISIT | USUBJID)
# for every covariance structure, REML (ML for us and ar1), with the df methods
# Satterthwaite, Kenward-Roger, Kenward-Roger-Linear, Residual, Between-Within and the
# empirical covariance; optimised with nlminb to a relative tolerance of 1e-14 (mmrm's
# default stops near 1e-4). Writes data.csv (the rows used, with the model matrix X as R
# builds it) and expected.json; see README.md for the keys.
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
fixed <- FEV1 ~ RACE + SEX + ARMCD * AVISIT
x <- model.matrix(fixed, d)

full <- function(v) sprintf("%.17g", v)
out_csv <- data.frame(
  USUBJID = as.character(d$USUBJID), AVISIT = as.character(d$AVISIT),
  ARMCD = as.character(d$ARMCD), RACE = as.character(d$RACE), SEX = as.character(d$SEX),
  FEV1 = full(d$FEV1), VISITN = d$VISITN, VISITN2 = full(d$VISITN2), WEIGHT = full(d$WEIGHT)
)
xcols <- as.data.frame(apply(x, 2, full))
names(xcols) <- paste0("X:", colnames(x))
write.csv(cbind(out_csv, xcols), "data.csv", row.names = FALSE, quote = TRUE)

# Newton steps with TMB's exact gradient and Hessian from mmrm's optimum, then a refit
# started there (so that every component of the fit is at the polished optimum).
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
fit_one <- function(cov, reml = TRUE, method = "Satterthwaite", vcov = NULL) {
  term <- if (cov == "sp_exp") "sp_exp(VISITN | USUBJID)" else sprintf("%s(AVISIT | USUBJID)", cov)
  f <- as.formula(paste("FEV1 ~ RACE + SEX + ARMCD * AVISIT +", term))
  first <- mmrm(f, data = d, reml = reml, method = method, vcov = vcov)
  start <- polish(first)
  tryCatch(
    mmrm(f, data = d, reml = reml, method = method, vcov = vcov, start = start,
         optimizer = "nlminb", optimizer_control = tight),
    error = function(e) mmrm(f, data = d, reml = reml, method = method, vcov = vcov, start = start)
  )
}

# contrasts on the coefficients for the multi-row tests
cn <- colnames(x)
rows <- function(names) {
  m <- matrix(0, length(names), length(cn), dimnames = list(names, cn))
  for (i in seq_along(names)) m[i, names[i]] <- 1
  m
}
interaction <- rows(grep("^ARMCDTRT:AVISIT", cn, value = TRUE))
rewritten <- rbind(interaction[1, ] + interaction[2, ], 2 * interaction[2, ], interaction[3, ] - interaction[1, ])

numbers <- function(fit) {
  s <- summary(fit)$coefficients
  em <- emmeans(fit, ~ ARMCD | AVISIT)
  means <- as.data.frame(summary(em))
  diffs <- as.data.frame(summary(contrast(em, "revpairwise")))
  tests <- lapply(list(interaction = interaction, interaction_rewritten = rewritten), function(l) {
    r <- df_md(fit, l)
    list(contrast = unname(l), num_df = r$num_df, den_df = r$denom_df, f_stat = r$f_stat)
  })
  list(
    coefficients = rownames(s),
    estimate = unname(s[, "Estimate"]),
    std_error = unname(s[, "Std. Error"]),
    df = unname(s[, "df"]),
    vcov = unname(as.matrix(vcov(fit))),
    means = list(ARMCD = as.character(means$ARMCD), AVISIT = as.character(means$AVISIT),
                 estimate = means$emmean, std_error = means$SE, df = means$df),
    trt_minus_pbo = list(AVISIT = as.character(diffs$AVISIT), estimate = diffs$estimate,
                         std_error = diffs$SE, df = diffs$df),
    tests = tests
  )
}

describe <- function(fit) {
  g <- fit$tmb_object$gr(fit$theta_est)
  list(
    loglik = as.numeric(logLik(fit)),
    sigma = unname(VarCorr(fit)),
    theta = unname(fit$theta_est),
    max_abs_gradient = max(abs(g)),
    converged = isTRUE(component(fit, "convergence") == 0)
  )
}

structures <- c("us", "toep", "toeph", "ar1", "ar1h", "cs", "csh", "ad", "adh", "sp_exp")
methods <- list(
  satterthwaite = list(method = "Satterthwaite", vcov = NULL),
  kenward_roger = list(method = "Kenward-Roger", vcov = "Kenward-Roger"),
  kenward_roger_linear = list(method = "Kenward-Roger", vcov = "Kenward-Roger-Linear"),
  residual = list(method = "Residual", vcov = NULL),
  between_within = list(method = "Between-Within", vcov = NULL),
  empirical = list(method = "Satterthwaite", vcov = "Empirical")
)
fits <- list()
for (cov in structures) {
  entry <- list()
  for (m in names(methods)) {
    fit <- fit_one(cov, method = methods[[m]]$method, vcov = methods[[m]]$vcov)
    if (m == "satterthwaite") entry$fit <- describe(fit)
    entry[[m]] <- numbers(fit)
  }
  fits[[paste0(cov, "_reml")]] <- entry
}
for (cov in c("us", "ar1")) {
  fit <- fit_one(cov, reml = FALSE)
  fits[[paste0(cov, "_ml")]] <- list(fit = describe(fit), satterthwaite = numbers(fit))
}

versions <- list(R = R.version.string)
for (p in c("mmrm", "TMB", "emmeans", "jsonlite")) versions[[p]] <- as.character(packageVersion(p))
write_json(
  list(formula = "FEV1 ~ RACE + SEX + ARMCD * AVISIT + <cov>(AVISIT | USUBJID)",
       sp_exp_coordinates = "VISITN", x_columns = colnames(x), fits = fits,
       versions = versions),
  "expected.json", digits = NA, auto_unbox = TRUE, pretty = FALSE
)
