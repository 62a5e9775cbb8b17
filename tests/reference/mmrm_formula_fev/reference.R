# mmrm's own fev_data through the formula interface:
#   FEV1 ~ RACE + SEX + ARMCD * AVISIT + <structure>(AVISIT | USUBJID)
# for every covariance structure of mmrm 0.3.18, REML, at a polished optimum (nlminb with
# tight tolerances instead of mmrm's default stopping rule), with Satterthwaite, Kenward-Roger,
# Kenward-Roger-Linear and empirical (sandwich) inference; emmeans means of ARMCD by AVISIT
# (equal weights over RACE and SEX) and the TRT - PBO contrasts; emmeans' joint_tests and
# mmrm's df_md for the test of RACE. Then lme4 + lmerTest fits of
# FEV1 ~ ARMCD * AVISIT + (1 | USUBJID) and FEV1 ~ ARMCD * VISITN + (1 + VISITN | USUBJID).
# data.csv is fev_data as shipped (SEX levels Male, Female: factor order, not sorted).
suppressPackageStartupMessages({
  library(mmrm)
  library(emmeans)
  library(lmerTest)
  library(jsonlite)
})
emm_options(msg.interaction = FALSE, msg.nesting = FALSE)

d <- read.csv("data.csv", stringsAsFactors = FALSE)
levels_of <- list(
  USUBJID = unique(d$USUBJID),
  AVISIT = c("VIS1", "VIS2", "VIS3", "VIS4"),
  ARMCD = c("PBO", "TRT"),
  RACE = c("Asian", "Black or African American", "White"),
  SEX = c("Male", "Female")
)
for (v in names(levels_of)) d[[v]] <- factor(d[[v]], levels = levels_of[[v]])

# mmrm's default optimisers stop at a relative change of about 1e-8 in the objective; refit
# from that optimum with nlminb at a tighter tolerance (TMB's exact gradient and Hessian). When
# nlminb reports singular convergence the tighter fit is not used and "polished" is FALSE.
polish <- function(method = "Satterthwaite", vcov = NULL) {
  mmrm_control(
    method = method, vcov = vcov, optimizer = "nlminb",
    optimizer_control = list(rel.tol = 1e-12, eval.max = 2000, iter.max = 2000)
  )
}
fit_mmrm <- function(f, reml = TRUE, method = "Satterthwaite", vcov = NULL) {
  first <- mmrm(f, data = d, reml = reml, control = mmrm_control(method = method, vcov = vcov))
  tight <- polish(method, vcov)
  tight$start <- component(first, "theta_est")
  better <- tryCatch(mmrm(f, data = d, reml = reml, control = tight), error = function(e) NULL)
  if (is.null(better) || logLik(better) < logLik(first)) {
    attr(first, "polished") <- FALSE
    return(first)
  }
  attr(better, "polished") <- TRUE
  better
}

table_of <- function(x) {
  lapply(as.data.frame(x, stringsAsFactors = FALSE), function(col) if (is.factor(col)) as.character(col) else col)
}

numbers <- function(fit) {
  cf <- summary(fit)$coefficients
  emm <- emmeans(fit, ~ ARMCD | AVISIT)
  con <- contrast(emm, "trt.vs.ctrl")
  list(
    coef = list(term = rownames(cf), estimate = unname(cf[, "Estimate"]),
                std_error = unname(cf[, "Std. Error"]), df = unname(cf[, "df"])),
    loglik = as.numeric(logLik(fit)),
    aic = AIC(fit),
    bic = BIC(fit),
    sigma = unname(VarCorr(fit)),
    means = table_of(summary(emm)),
    contrasts = table_of(summary(con)),
    joint_tests = table_of(joint_tests(fit)),
    converged = component(fit, "convergence"),
    polished = isTRUE(attr(fit, "polished"))
  )
}

structures <- c("us", "toep", "toeph", "ar1", "ar1h", "ad", "adh", "cs", "csh")
# the multi-df F test of RACE (its two coefficients) with mmrm's own df_md
race_test <- function(fit) {
  L <- matrix(0, 2, length(coef(fit)))
  L[1, 2] <- 1
  L[2, 3] <- 1
  df_md(fit, L)
}

fits <- list()
for (s in structures) {
  f <- as.formula(sprintf("FEV1 ~ RACE + SEX + ARMCD * AVISIT + %s(AVISIT | USUBJID)", s))
  out <- list(formula = deparse(f))
  satt <- fit_mmrm(f)
  out$satterthwaite <- c(numbers(satt), list(race_test = race_test(satt)))
  out$kenward_roger <- numbers(fit_mmrm(f, method = "Kenward-Roger"))
  out$kenward_roger_linear <- numbers(fit_mmrm(f, method = "Kenward-Roger", vcov = "Kenward-Roger-Linear"))
  out$empirical <- numbers(fit_mmrm(f, vcov = "Empirical"))
  fits[[s]] <- out
}
f_ml <- FEV1 ~ RACE + SEX + ARMCD * AVISIT + us(AVISIT | USUBJID)
ml <- numbers(fit_mmrm(f_ml, reml = FALSE))
residual <- numbers(fit_mmrm(f_ml, method = "Residual"))
bw <- numbers(fit_mmrm(f_ml, method = "Between-Within"))

lmer_numbers <- function(fit, emm_formula) {
  cf <- summary(fit)$coefficients
  emm <- emmeans(fit, emm_formula, lmer.df = "satterthwaite")
  vc <- as.data.frame(VarCorr(fit))
  list(
    coef = list(term = rownames(cf), estimate = unname(cf[, "Estimate"]),
                std_error = unname(cf[, "Std. Error"]), df = unname(cf[, "df"])),
    loglik = as.numeric(logLik(fit)),
    variance = vc$vcov,
    means = table_of(summary(emm))
  )
}
ctrl <- lmerControl(optimizer = "nloptwrap", optCtrl = list(ftol_abs = 1e-14, xtol_abs = 1e-12, maxeval = 1e5))
ri <- lmer(FEV1 ~ ARMCD * AVISIT + (1 | USUBJID), data = d, REML = TRUE, control = ctrl)
rs <- lmer(FEV1 ~ ARMCD * VISITN + (1 + VISITN | USUBJID), data = d, REML = TRUE, control = ctrl)

write_json(
  list(
    levels = levels_of,
    structures = fits,
    us_ml = ml,
    us_residual = residual,
    us_between_within = bw,
    lmer_intercept = lmer_numbers(ri, ~ ARMCD | AVISIT),
    lmer_slope = lmer_numbers(rs, ~ ARMCD | VISITN),
    versions = c(list(R = R.version.string), lapply(
      setNames(nm = c("mmrm", "emmeans", "lme4", "lmerTest", "jsonlite")),
      function(p) as.character(packageVersion(p))
    ))
  ),
  "expected.json", digits = NA, auto_unbox = TRUE, pretty = TRUE
)
