# Log scale: log outcome and log baseline, unstructured covariance.
source("../mmrm_common.R")
d <- analysis_set(log = TRUE)
fit <- fit_gls(d, "us")
out <- c(
  gls_numbers(fit, d),
  factorial_numbers(fit, d, mode = "satterthwaite"),
  list(sigma = full_sigma(fit, d), exact_df = exact_df(fit, d), versions = versions(c("nlme", "emmeans", "jsonlite")))
)
write_expected(out)
