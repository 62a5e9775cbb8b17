# One follow-up visit: the MMRM is the ANCOVA y ~ baseline + diet * exercise + age + sex.
# lm (closed form) and gls (REML) with emmeans for cell means and factorial effects.
source("../mmrm_common.R")
covs <- c("age", "sex")
d <- analysis_set(covariates = covs)
f <- mmrm_formula(covs, visits = 1)
fit_lm <- lm(f, data = d)
fit <- gls(f, data = d, method = "REML")
lm_out <- c(
  list(coef = named(coef(fit_lm), lt_names(names(coef(fit_lm)))),
       std_error = named(sqrt(diag(vcov(fit_lm))), lt_names(names(coef(fit_lm)))),
       df_residual = fit_lm$df.residual, sigma = summary(fit_lm)$sigma),
  factorial_numbers(fit_lm, d, covariates = covs, by_visit = FALSE)
)
out <- c(
  gls_numbers(fit, d),
  list(lm = lm_out, versions = versions(c("nlme", "emmeans", "jsonlite")))
)
write_expected(out)
