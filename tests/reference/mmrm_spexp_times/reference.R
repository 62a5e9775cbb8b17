# R mmrm's fev_data with a subject-specific time per observation: VISITN plus a seeded
# per-row jitter, uniform on (-0.3, 0.3), rounded to 6 decimals (times continuous and all
# distinct). Fits FEV1 ~ RACE + SEX + ARMCD * AVISIT + sp_exp(TIME | USUBJID) by REML with
# the df methods Satterthwaite, Kenward-Roger, Kenward-Roger-Linear, Residual,
# Between-Within and the empirical covariance, and by ML once; polishes each optimum
# (Newton steps with TMB's exact gradient and Hessian, then a refit started there with
# nlminb at a relative tolerance of 1e-12). Writes data.csv (all 800 rows, FEV1 missing in
# some) and expected.json; see README.md for the keys.
suppressPackageStartupMessages({
  library(mmrm)
  library(emmeans)
  library(jsonlite)
})
emm_options(msg.interaction = FALSE, msg.nesting = FALSE)

data(fev_data, package = "mmrm")
d <- fev_data
set.seed(20261204)
d$TIME <- round(d$VISITN + runif(nrow(d), -0.3, 0.3), 6)
stopifnot(!anyDuplicated(d$TIME), !anyNA(d$TIME))

full <- function(v) ifelse(is.na(v), NA, sprintf("%.17g", v))
out_csv <- data.frame(
  USUBJID = as.character(d$USUBJID), AVISIT = as.character(d$AVISIT),
  ARMCD = as.character(d$ARMCD), RACE = as.character(d$RACE), SEX = as.character(d$SEX),
  FEV1 = full(d$FEV1), VISITN = d$VISITN, TIME = full(d$TIME)
)
write.csv(out_csv, "data.csv", row.names = FALSE, quote = TRUE, na = "")
# fit exactly the numbers written
back <- read.csv("data.csv", na.strings = "")
stopifnot(identical(back$TIME, d$TIME), identical(back$FEV1, d$FEV1))

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
formula <- FEV1 ~ RACE + SEX + ARMCD * AVISIT + sp_exp(TIME | USUBJID)
fit_one <- function(reml = TRUE, method = "Satterthwaite", vcov = NULL) {
  first <- mmrm(formula, data = d, reml = reml, method = method, vcov = vcov)
  start <- polish(first)
  tryCatch(
    mmrm(formula, data = d, reml = reml, method = method, vcov = vcov, start = start,
         optimizer = "nlminb", optimizer_control = tight),
    error = function(e) mmrm(formula, data = d, reml = reml, method = method, vcov = vcov,
                             start = start)
  )
}

x <- model.matrix(FEV1 ~ RACE + SEX + ARMCD * AVISIT, d[!is.na(d$FEV1), ])
cn <- colnames(x)
interaction <- matrix(0, 3, length(cn))
interaction[cbind(1:3, grep("^ARMCDTRT:AVISIT", cn))] <- 1

numbers <- function(fit) {
  s <- summary(fit)$coefficients
  em <- emmeans(fit, ~ ARMCD | AVISIT)
  means <- as.data.frame(summary(em))
  diffs <- as.data.frame(summary(contrast(em, "revpairwise")))
  r <- df_md(fit, interaction)
  list(
    coefficients = rownames(s),
    estimate = unname(s[, "Estimate"]),
    std_error = unname(s[, "Std. Error"]),
    df = unname(s[, "df"]),
    means = list(ARMCD = as.character(means$ARMCD), AVISIT = as.character(means$AVISIT),
                 estimate = means$emmean, std_error = means$SE, df = means$df),
    trt_minus_pbo = list(AVISIT = as.character(diffs$AVISIT), estimate = diffs$estimate,
                         std_error = diffs$SE, df = diffs$df),
    interaction = list(contrast = interaction, num_df = r$num_df, den_df = r$denom_df,
                       f_stat = r$f_stat)
  )
}

describe <- function(fit) {
  g <- fit$tmb_object$gr(fit$theta_est)
  vc <- unname(VarCorr(fit))
  rho <- vc[1, 2] / vc[1, 1]
  list(
    loglik = as.numeric(logLik(fit)),
    sigma = vc,
    var = vc[1, 1],
    rho = rho,
    range = -1 / log(rho),
    theta = unname(fit$theta_est),
    max_abs_gradient = max(abs(g)),
    converged = isTRUE(component(fit, "convergence") == 0),
    n_obs = nrow(component(fit, "full_frame")),
    n_subjects = component(fit, "n_subjects")
  )
}

methods <- list(
  satterthwaite = list(method = "Satterthwaite", vcov = NULL),
  kenward_roger = list(method = "Kenward-Roger", vcov = "Kenward-Roger"),
  kenward_roger_linear = list(method = "Kenward-Roger", vcov = "Kenward-Roger-Linear"),
  residual = list(method = "Residual", vcov = NULL),
  between_within = list(method = "Between-Within", vcov = NULL),
  empirical = list(method = "Satterthwaite", vcov = "Empirical")
)
reml <- list()
for (m in names(methods)) {
  fit <- fit_one(method = methods[[m]]$method, vcov = methods[[m]]$vcov)
  if (m == "satterthwaite") reml$fit <- describe(fit)
  reml[[m]] <- numbers(fit)
}
ml_fit <- fit_one(reml = FALSE)
ml <- list(fit = describe(ml_fit), satterthwaite = numbers(ml_fit))

# one spatial exponential covariance per arm: sp_exp(TIME | ARMCD / USUBJID)
formula <- FEV1 ~ RACE + SEX + ARMCD * AVISIT + sp_exp(TIME | ARMCD / USUBJID)
group_fit <- fit_one()
vc <- VarCorr(group_fit)
g <- group_fit$tmb_object$gr(group_fit$theta_est)
grouped <- list(
  formula = "FEV1 ~ RACE + SEX + ARMCD * AVISIT + sp_exp(TIME | ARMCD / USUBJID)",
  fit = list(
    loglik = as.numeric(logLik(group_fit)),
    sigma = lapply(vc, unname),
    var = sapply(vc, function(m) m[1, 1]),
    range = sapply(vc, function(m) -1 / log(m[1, 2] / m[1, 1])),
    max_abs_gradient = max(abs(g))
  ),
  satterthwaite = numbers(group_fit)
)

versions <- list(R = R.version.string)
for (p in c("mmrm", "TMB", "emmeans", "jsonlite")) versions[[p]] <- as.character(packageVersion(p))
write_json(
  list(formula = "FEV1 ~ RACE + SEX + ARMCD * AVISIT + sp_exp(TIME | USUBJID)",
       seed = 20261204, x_columns = cn, reml = reml, ml = ml, grouped = grouped,
       versions = versions),
  "expected.json", digits = NA, auto_unbox = TRUE, pretty = FALSE
)
