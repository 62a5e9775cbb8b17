# Intermittent missing values with covariates age (numeric) and sex (factor), unstructured
# covariance; emmeans averages over sex with equal weights, age at its subject mean.
source("../mmrm_common.R")
covs <- c("age", "sex")
d <- analysis_set(covariates = covs)
fit <- fit_gls(d, "us", covariates = covs)
out <- c(
  gls_numbers(fit, d),
  factorial_numbers(fit, d, mode = "satterthwaite", covariates = covs),
  list(
    sigma = full_sigma(fit, d),
    exact_df = exact_df(fit, d, covs),
    joint_tests = joint_numbers(fit, d, covs, mode = "satterthwaite"),
    versions = versions(c("nlme", "emmeans", "jsonlite"))
  )
)
write_expected(out)
