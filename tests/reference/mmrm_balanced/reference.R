# Balanced complete data, unstructured covariance: nlme::gls (corSymm + varIdent), REML and
# ML; emmeans (approximate Satterthwaite) and exact Satterthwaite df
# (satterthwaite_numeric in mmrm_common.R) for cell means and the factorial effects; joint_tests.
source("../mmrm_common.R")
d <- analysis_set()
fit <- fit_gls(d, "us")
fit_ml <- fit_gls(d, "us", method = "ML")
out <- c(
  gls_numbers(fit, d),
  factorial_numbers(fit, d, mode = "satterthwaite"),
  list(
    sigma = full_sigma(fit, d),
    exact_df = exact_df(fit, d),
    ml = gls_numbers(fit_ml, d),
    joint_tests = joint_numbers(fit, d, mode = "satterthwaite"),
    versions = versions(c("nlme", "emmeans", "jsonlite"))
  )
)
write_expected(out)
