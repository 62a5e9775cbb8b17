# Heterogeneous variances: unstructured, and the heterogeneous structures csh, ar1h, toeph.
source("../mmrm_common.R")
d <- analysis_set()
structures <- c("us", "csh", "ar1h", "toeph")
fits <- lapply(structures, function(s) {
  fit <- fit_gls(d, s)
  c(gls_numbers(fit, d), factorial_numbers(fit, d, mode = "satterthwaite"),
    list(sigma = full_sigma(fit, d), exact_df = exact_df(fit, d)))
})
names(fits) <- structures
write_expected(c(fits, list(versions = versions(c("nlme", "emmeans", "jsonlite")))))
